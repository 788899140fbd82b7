"""``symbp verify SPEC --derivation FILE|FOLDER ...``: whole hand derivations judged line by line.

Each file is read and judged on its own (one unreadable file never stops the
others); the terminal gets each derivation with a mark on each line, ``--json``
one object per file on standard output instead. With several files, a teacher's
summary (file, lines, first wrong line, slip, counterexample) follows; with
``--summary FOLDER`` it is written there as summary.csv and summary.md, beside each
file's marked derivation (NAME.marked.md, and NAME.marked.tex for pdflatex).
Exit status: 0 every line right, 1 a wrong line, 2 something unreadable.
"""

from __future__ import annotations

import json
from pathlib import Path

from symbp.errors import SymbpError
from symbp.files import write_owned

SUFFIXES = (".tex", ".txt", ".md")
MAX_FILES = 1000


def derivation_paths(given) -> list[Path]:
    """The files named, a folder standing for its .tex, .txt and .md files (sorted by name)."""
    paths = []
    for name in given:
        path = Path(name)
        if path.is_dir():
            found = sorted(child for child in path.iterdir() if child.suffix in SUFFIXES and child.is_file())
            if not found:
                raise SymbpError(f"--derivation: the folder {name} holds no .tex, .txt or .md file")
            paths += found
        else:
            paths.append(path)
    if len(paths) > MAX_FILES:
        raise SymbpError(f"--derivation: at most {MAX_FILES} files")
    return paths


def judge_file(network, path: Path, args):
    from symbp.verification.derivation_file import read_derivation_file
    from symbp.verification.handin import HandIn, judge

    try:
        derivation = read_derivation_file(str(path))
    except SymbpError as error:
        return HandIn(str(path), error=str(error))
    return judge(network, derivation, points=args.points, seed=args.seed)


def run_derivations(network, args) -> int:
    from symbp.verification import handin_report

    paths = derivation_paths(args.derivation)
    handins = [judge_file(network, path, args) for path in paths]
    if args.json:
        for handin in handins:
            print(json.dumps(handin_report.as_json(handin)))
    else:
        for handin in handins:
            print(handin_report.terminal(handin))
            print()
        if len(handins) > 1:
            print(handin_report.summary_markdown(handins))
    if args.summary:
        folder = Path(args.summary)
        write_owned(folder / "summary.csv", handin_report.summary_csv(handins))
        write_owned(folder / "summary.md", handin_report.summary_markdown(handins))
        for path, handin in zip(paths, handins, strict=True):
            write_owned(folder / f"{path.stem}.marked.md", handin_report.markdown(handin))
            write_owned(folder / f"{path.stem}.marked.tex", handin_report.latex(handin))
    return max(handin.status for handin in handins)
