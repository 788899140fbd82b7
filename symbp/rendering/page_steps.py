"""The page's derivation steps and matrix lines: each equation as MathML with its LaTeX annotation,
each step's reason in HTML, each matrix line with the generated module's line that computes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from symbp.rendering.latex import latex
from symbp.rendering.math_style import MathStyle
from symbp.rendering.mathml import mathml
from symbp.rendering.page_links import links
from symbp.rendering.printer_base import equation, symbols_of
from symbp.rendering.reasons import ReasonPrinter
from symbp.rendering.step_views import SectionView, check_legend, check_mark, sections

_EQ_COMMENT = re.compile(r"#\s*(eq:[A-Za-z0-9-]*[A-Za-z0-9])\s*$")


def math_element(lhs_tex: str, lhs_mathml: str, rhs_tex: str, rhs_mathml: str, relation: str = "=") -> str:
    """One displayed equation: MathML, with its LaTeX as the annotation verify reads back."""
    tex = escape(f"{lhs_tex} {relation} {rhs_tex}", quote=False)
    # no aria-label: browsers give the MathML itself to screen readers, better than any flat text
    return (
        f'<math display="block" class="eq"><semantics><mrow>{lhs_mathml}'
        f"<mo>{escape(relation, quote=False)}</mo>{rhs_mathml}</mrow>"
        f'<annotation encoding="application/x-tex">{tex}</annotation></semantics></math>'
    )


def stated_math(lhs, rhs, network) -> str:
    """A derived equation as the notation states it."""
    return plain_math(*equation(lhs, rhs, network), network)


def plain_math(lhs, rhs, network) -> str:
    """An equation printed as it is, in the notation's symbols."""
    return math_element(latex(lhs, network), mathml(lhs, network), latex(rhs, network), mathml(rhs, network))


@dataclass(frozen=True)
class StepPage:
    number: int
    section: str
    part: str
    math: str
    reason: str
    check: str
    check_meaning: str
    label: str | None
    defines: str
    uses: str


@dataclass(frozen=True)
class LinePage:
    number: int
    kind: str  # "forward" or "backward"
    math: str
    label: str
    layer: int
    defines: str
    uses: str
    code_line: int | None


def step_pages(derivation, views=None) -> list[tuple[SectionView, list[tuple[str, list[StepPage]]]]]:
    """Every step as the page shows it, by section; ``views`` (a section key's SectionView) titles the
    sections, a chain's own titles if None."""
    network = derivation.network
    labels = frozenset(step.label for step in derivation.steps if step.label)
    legend = dict(check_legend(derivation.steps))
    reasons = ReasonPrinter(symbols_of(network), "html", labels)
    if views is None:
        views = {view.key: view for view in sections(derivation, MathStyle(network, "latex"), "latex")}
    counter = 0
    result = []
    for key, steps in derivation.sections():
        parts: list[tuple[str, list[StepPage]]] = []
        for step in steps:
            counter += 1
            if not parts or parts[-1][0] != step.part:
                parts.append((step.part, []))
            defines, uses = links(step.eq.lhs, step.eq.rhs, network.depth)
            mark = check_mark(step)
            parts[-1][1].append(
                StepPage(
                    number=counter,
                    section=key,
                    part=step.part,
                    math=stated_math(step.eq.lhs, step.eq.rhs, network),
                    reason=reasons(step),
                    check=mark,
                    check_meaning=legend[mark],
                    label=step.label,
                    defines=defines,
                    uses=uses,
                )
            )
        result.append((views[key], parts))
    return result


def code_lines(code: str) -> list[tuple[int, str, str | None]]:
    """(line number, text, equation label of a '# eq:' comment or None) of every line of the module."""
    lines = []
    for number_, text in enumerate(code.splitlines(), start=1):
        match = _EQ_COMMENT.search(text)
        lines.append((number_, text, match.group(1) if match else None))
    return lines


def _implementing_line(code: list, label: str, target: str, start: int) -> int | None:
    """The line of the module's ``# label`` comment whose next line assigns ``target``, from ``start`` on."""
    word = re.compile(rf"\b{re.escape(target)}\b")
    for position in range(start, len(code) - 1):
        if code[position][2] == label and word.search(code[position + 1][1]):
            return code[position][0]
    return None


def _assigning_line(code: list, target: str, before: int) -> int | None:
    """The first line before line ``before`` that assigns ``target``: the module's forward pass (a later
    function reads the forward arrays back, ``A3 = values["A3"]``, which computes nothing)."""
    assigns = re.compile(rf"\s*{re.escape(target)}\s*=[^=]")
    return next((number_ for number_, text, _ in code[: before - 1] if assigns.match(text)), None)


def line_pages(derivation, code: list) -> list[LinePage]:
    """The forward and backward lines, each with the module line that computes it (None if not found)."""
    network = derivation.network
    backward = [
        (line, _implementing_line(code, line.label, line.target.name, 0)) for line in derivation.backward
    ]
    first = min((found for _, found in backward if found), default=len(code) + 1)
    forward = [(line, _assigning_line(code, line.target.name, first)) for line in derivation.forward]
    pages = []
    for kind, matrix_lines in (("forward", forward), ("backward", backward)):
        for line, found in matrix_lines:
            defines, uses = links(line.target, line.expr, network.depth)
            math = stated_math(line.target, line.expr, network)
            pages.append(LinePage(len(pages) + 1, kind, math, line.label, line.layer, defines, uses, found))
    return pages


def code_targets(lines: list[LinePage]) -> dict[int, str]:
    """Where each module line that computes a matrix line links back to: that line on the page."""
    return {line.code_line: f"line-{line.number}" for line in lines if line.code_line}
