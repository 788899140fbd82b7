"""The ``symbp`` command: argparse front end over the pipeline.

A bad option value is one line on stderr and exit status 2; how a command ends
after an error or a signal is symbp.cli.ending's.
"""

from __future__ import annotations

import argparse
import sys

from symbp.cli import demo, derive, descend, examples, generate, notations, verify
from symbp.cli.ending import exit_status, running

COMMANDS = (examples, notations, derive, verify, generate, demo, descend)  # in the order --help lists them


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata costs ~10 ms)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show program's version number and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import version

        print(f"symbp {version('symbp')}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """Option errors as one line (the usage is in --help), status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symbp",
        description="Derive backpropagation symbolically, print it, generate NumPy code from it.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_commands(sub)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parsed arguments; formulas may follow an option (``verify SPEC --notation P 'F' 'G'``).

    argparse fills a ``nargs="*"`` positional before the first option and then
    refuses the words after it; those words are more formulas."""
    args, rest = parser.parse_known_args(argv)
    if (
        rest
        and isinstance(getattr(args, "formulas", None), list)
        and not any(word.startswith("--") for word in rest)
    ):
        args.formulas.extend(rest)
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        with running():
            args = _parse(build_parser(), argv)
            return args.run(args)
    except BaseException as error:
        return exit_status(error, f"symbp {args.command}" if args else "symbp")


if __name__ == "__main__":
    sys.exit(main())
