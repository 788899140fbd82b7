"""The ``symbp`` command: argparse front end over the pipeline.

Every command reports a SymbpError (bad spec, unreadable file, ...) and a bad
option value as one line on stderr and exits with status 2; no traceback
reaches the user. SIGTERM unwinds like Ctrl-C (symbp.interrupts), so every
clean-up (temporary files, a running TeX) runs on either signal; the exit
status is 130 after Ctrl-C and 143 after SIGTERM.
"""

from __future__ import annotations

from symbp.interrupts import exit_quietly

# The console script's first import: a signal while the commands load ends it in one line
# (nothing is written yet, so nothing to clean up).
with exit_quietly():
    import argparse
    import signal
    import sys
    import warnings

    from symbp.cli import demo, derive, descend, examples, generate, notations, verify
    from symbp.errors import SymbpError
    from symbp.interrupts import received, signals_ignored, signals_unwind

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


def _quiet_numbers() -> None:
    """No NumPy floating-point warning reaches the terminal: every command checks its numbers for
    overflow and non-finite values itself and says in words what went out of range."""
    warnings.filterwarnings("ignore", r"(overflow|invalid value|divide by zero|underflow) encountered")
    warnings.filterwarnings("ignore", module=r"numpy(\.|$)")


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
        with signals_unwind(), warnings.catch_warnings():
            args = _parse(build_parser(), argv)
            _quiet_numbers()
            return args.run(args)
    except BaseException as error:  # a signal may surface as another exception (an import it cut short)
        name = f"symbp {args.command}" if args else "symbp"
        signum = received() or (signal.SIGINT if isinstance(error, KeyboardInterrupt) else None)
        if signum is not None:
            ended = "terminated" if signum == signal.SIGTERM else "interrupted"
            with signals_ignored():
                print(f"{name}: {ended}", file=sys.stderr)
            return 128 + signum
        if isinstance(error, SymbpError):
            print(f"{name}: error: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
