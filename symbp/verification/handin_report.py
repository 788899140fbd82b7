r"""A judged derivation printed back with a mark on each line: terminal text, Markdown, LaTeX (an annotated
PDF a teacher can hand back), a JSON-ready dict; and one summary row a hand-in for a teacher's table.

The writer's own lines are printed as written; the marks and the diagnosis are symbp's words.
"""

from __future__ import annotations

import csv
import io

from symbp.templating import escape_latex
from symbp.verification.handin import DEFINES, RIGHT, UNREAD, WRONG, HandIn

MARKS = {RIGHT: "ok", WRONG: "WRONG", UNREAD: "unreadable"}
SUMMARY_COLUMNS = ("file", "lines", "first wrong line", "slip", "counterexample")
# characters a writer may type that pdflatex's default fonts lack, as TeX spells them
_TEX_SPELLINGS = {"σ": r"\sigma ", "δ": r"\delta ", "⊙": r"\odot ", "∂": r"\partial ", "·": r"\cdot "}
_TEX_SPELLINGS |= {
    "∑": r"\sum ",
    "ŷ": r"\hat{y}",
    "−": "-",
    "′": "'",
    "ᵀ": "^T",
    "∘": r"\circ ",
    "λ": r"\lambda ",
}


def mark(verdict) -> str:
    return DEFINES if verdict.claim == DEFINES else MARKS.get(verdict.step, verdict.step)


def _outcome(handin: HandIn) -> str:
    if handin.error:
        return f"unreadable: {handin.error}"
    words = []
    first = handin.first_wrong
    if first is None and not handin.unreadable:
        words.append(f"every line right ({len(handin.verdicts)} lines)")
    elif first is not None:
        words.append(
            f"first wrong line: {first.line.number}" + (f" ({first.diagnosis})" if first.diagnosis else "")
        )
    if handin.unreadable:
        words.append(
            "unreadable lines: " + ", ".join(str(verdict.line.number) for verdict in handin.unreadable)
        )
    for chain in handin.compensated:
        words.append(f"chain {chain}: right result, wrong working (a wrong step undone by a later one)")
    return "; ".join(words)


def terminal(handin: HandIn) -> str:
    """The derivation with a mark on each line, as ``symbp verify --derivation`` prints it."""
    lines = [handin.source, f"  {_outcome(handin)}"]
    for verdict in handin.verdicts:
        line = verdict.line
        lead = line.left if line.starts_chain else " " * min(len(line.left), 12)
        lines.append(f"  {line.number:>3} [{mark(verdict):>10}] {lead} = {line.right}")
        for note in _notes(verdict):
            lines.append(f"{'':>21}{note}")
    return "\n".join(lines)


def _notes(verdict) -> list:
    notes = []
    if verdict.error:
        notes.append(f"cannot be read: {verdict.error}")
    if verdict.step != RIGHT and verdict.diagnosis:
        notes.append(verdict.diagnosis)
    if verdict.step == WRONG:
        notes += [text.strip() for text in verdict.counterexample]
    if verdict.step == RIGHT and verdict.claim == "fails":
        notes.append(f"a right step, but the line does not hold: {verdict.diagnosis or 'fails'}")
    return notes


def markdown(handin: HandIn) -> str:
    """The marked derivation as a Markdown table."""
    out = [f"## {handin.source}", "", _outcome(handin), ""]
    if handin.verdicts:
        out += ["| line | step | claim | formula | note |", "|---:|---|---|---|---|"]
        for verdict in handin.verdicts:
            note = "; ".join(_notes(verdict)).replace("|", "\\|")
            formula = verdict.line.formula.replace("|", "\\|")
            out.append(
                f"| {verdict.line.number} | {mark(verdict)} | {verdict.claim} | ${formula}$ | {note} |"
            )
    return "\n".join(out) + "\n"


def _tex_maths(text: str) -> str:
    return "".join(_TEX_SPELLINGS.get(char, char) for char in text).replace("#", r"\#")


def latex(handin: HandIn) -> str:
    """A LaTeX document of the marked derivation (compiles with pdflatex)."""
    body = [
        r"\documentclass{article}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{xcolor}",
        r"\begin{document}",
        rf"\section*{{{escape_latex(handin.source)}}}",
        escape_latex(_outcome(handin)) + r"\par",
    ]
    for chain in sorted({verdict.line.chain for verdict in handin.verdicts}):
        verdicts = [verdict for verdict in handin.verdicts if verdict.line.chain == chain]
        rows = []
        for verdict in verdicts:
            line = verdict.line
            left = _tex_maths(line.left) if line.starts_chain else ""
            colour = {RIGHT: "green!50!black", WRONG: "red"}.get(verdict.step, "orange")
            tag = rf"\tag*{{\textcolor{{{colour}}}{{({line.number}) {escape_latex(mark(verdict))}}}}}"
            right = _tex_maths(line.right) if verdict.claim != UNREAD else r"\text{(not read)}"
            rows.append(f"{left} &= {right} {tag}")
        body += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
        notes = [(verdict.line.number, note) for verdict in verdicts for note in _notes(verdict)]
        if notes:
            body.append(r"\begin{itemize}")
            body += [rf"\item line {number}: {escape_latex(note)}" for number, note in notes]
            body.append(r"\end{itemize}")
    body.append(r"\end{document}")
    return "\n".join(body) + "\n"


def as_json(handin: HandIn) -> dict:
    """The machine-readable result of one file (``--json``)."""
    return {
        "file": handin.source,
        "error": handin.error,
        "first_wrong_line": handin.first_wrong_line,
        "compensated_chains": handin.compensated,
        "status": handin.status,
        "lines": [
            {
                "line": verdict.line.number,
                "chain": verdict.line.chain,
                "text": verdict.line.formula,
                "step": verdict.step,
                "claim": verdict.claim,
                "diagnosis": verdict.diagnosis,
                "counterexample": verdict.counterexample,
                "error": verdict.error,
            }
            for verdict in handin.verdicts
        ],
    }


def summary_row(handin: HandIn) -> dict:
    first = handin.first_wrong
    slip = handin.error or (first.diagnosis if first else "")
    if not first and handin.unreadable:
        slip = f"line {handin.unreadable[0].line.number} unreadable: {handin.unreadable[0].error}"
    if handin.compensated:
        slip = f"{slip} (right result, wrong working)".strip()
    return {
        "file": handin.source,
        "lines": len(handin.verdicts),
        "first wrong line": "" if handin.first_wrong_line is None else handin.first_wrong_line,
        "slip": slip or "",
        "counterexample": " ".join(text.strip() for text in first.counterexample) if first else "",
    }


def summary_csv(handins) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for handin in handins:
        writer.writerow(summary_row(handin))
    return buffer.getvalue()


def summary_markdown(handins) -> str:
    out = ["| " + " | ".join(SUMMARY_COLUMNS) + " |", "|---|---:|---:|---|---|"]
    for handin in handins:
        row = summary_row(handin)
        cells = [str(row[column]).replace("|", "\\|") for column in SUMMARY_COLUMNS]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
