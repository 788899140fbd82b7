"""The ``symbp verify`` and ``symbp gradcheck`` subcommands.

verify: exit 0 when every formula holds, 1 when any fails, 2 when a formula
(or the spec) cannot be read; the column of a reading error is shown with a
caret. gradcheck: exit 0 when the function agrees, 1 when it does not (the
first wrong entry is named), 2 when the file or spec cannot be loaded.
"""

from __future__ import annotations

import sys

from symbp.cli.notation_option import add_notation_option, with_notation
from symbp.cli.options import integer, number, seed
from symbp.errors import SymbpError
from symbp.files import read_text
from symbp.processes import USER_CODE_TIMEOUT

MAX_POINTS = 1000
MAX_FORMULA_FILE_BYTES = 2**20
MAX_TIMEOUT = 86400.0


def read_formula_file(path: str) -> list[str]:
    """Formulas of a file, one a line; blank lines and text after '#' are skipped."""
    text = read_text(path, limit=MAX_FORMULA_FILE_BYTES, what="formula file")
    formulas = []
    for line in text.splitlines():
        formula = line.split("#", 1)[0].strip()
        if formula:
            formulas.append(formula)
    return formulas


def _cmd_verify(args) -> int:
    from symbp.spec.network import load
    from symbp.verification.formula import FormulaError
    from symbp.verification.verify_formula import verify

    network = with_notation(load(args.spec), args.notation)
    if args.derivation:
        from symbp.cli.verify_derivation import run_derivations

        return run_derivations(network, args)
    formulas = list(args.formulas) + (read_formula_file(args.file) if args.file else [])
    if not formulas:
        raise SymbpError("give at least one formula (or --file FILE)")
    status = 0
    for formula in formulas:
        try:
            verdict = verify(network, formula, numbering=args.numbering, points=args.points, seed=args.seed)
        except FormulaError as error:
            print(f"symbp verify: cannot read the formula: {error}", file=sys.stderr)
            print(error.pointer(), file=sys.stderr)
            return 2
        print(verdict.report())
        print()
        status = status if verdict.holds else 1
    return status


def _cmd_gradcheck(args) -> int:
    from symbp.spec.network import load
    from symbp.verification.gradient_check import gradcheck

    network = with_notation(load(args.spec), args.notation)
    report = gradcheck(network, args.function, seed=args.seed, timeout=args.timeout)
    print(report.text())
    return 0 if report.ok else 1


def add_commands(sub) -> None:
    """Register verify and gradcheck on the main parser's subparsers."""
    verify = sub.add_parser("verify", help="check hand-derived formulas against the derivation")
    verify.add_argument("spec", help="a built-in example name or a TOML spec file")
    verify.add_argument(
        "formulas", nargs="*", help="formulas in LaTeX or plain maths, e.g. 'delta(L)_j = ...'"
    )
    verify.add_argument("--file", help="read formulas from a file, one a line ('#' starts a comment)")
    verify.add_argument(
        "--numbering",
        type=int,
        choices=(0, 1),
        help="layer number of the input layer in the formulas (default: the spec's numbering)",
    )
    verify.add_argument(
        "--points", type=integer(1, MAX_POINTS), default=5, help="random check points (default 5)"
    )
    verify.add_argument("--seed", type=seed, default=0, help="seed of the random check points")
    verify.add_argument(
        "--derivation",
        nargs="+",
        metavar="FILE",
        help="judge whole hand derivations line by line (files, or folders of .tex/.txt/.md files)",
    )
    verify.add_argument("--json", action="store_true", help="with --derivation: one JSON object per file")
    verify.add_argument(
        "--summary",
        "-o",
        metavar="FOLDER",
        help="with --derivation: write summary.csv, summary.md and marked files",
    )
    add_notation_option(verify)
    verify.set_defaults(run=_cmd_verify)

    gradcheck = sub.add_parser("gradcheck", help="check a hand-written gradient function f(params, X, T)")
    gradcheck.add_argument("function", help="FILE.py:FUNCTION")
    gradcheck.add_argument("--spec", required=True, help="a built-in example name or a TOML spec file")
    gradcheck.add_argument("--seed", type=seed, default=0, help="seed of the random parameters and data")
    gradcheck.add_argument(
        "--timeout",
        type=number(0, MAX_TIMEOUT, strict_minimum=True),
        default=USER_CODE_TIMEOUT,
        help=f"seconds your code may run, import and all calls together (default {USER_CODE_TIMEOUT:g})",
    )
    add_notation_option(gradcheck)
    gradcheck.set_defaults(run=_cmd_gradcheck)
