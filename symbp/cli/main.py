"""The ``symbp`` command: argparse front end over the pipeline.

Every command reports a SymbpError (bad spec, unreadable file, ...) as one
line on stderr and exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys

from symbp.cli import demo, derive, descend, examples, generate, notations, verify
from symbp.errors import SymbpError

COMMANDS = (examples, notations, derive, verify, generate, demo, descend)  # in the order --help lists them


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata costs ~10 ms)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show program's version number and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import version

        print(f"symbp {version('symbp')}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbp",
        description="Derive backpropagation symbolically, print it, generate NumPy code from it.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except SymbpError as error:
        print(f"symbp {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
