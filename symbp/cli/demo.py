"""``symbp demo [SPEC] [-o FOLDER] [--force] [--no-pdf]``: the end-to-end run."""

from __future__ import annotations

import sys

from symbp.cli.notation_option import add_notation_option, with_notation


def _cmd_demo(args) -> int:
    from symbp.interrupts import received
    from symbp.pipeline.end_to_end import DemoFailed, demo
    from symbp.spec.network import load

    network = with_notation(load(args.spec), args.notation)
    try:
        result = demo(network, args.output, force=args.force, pdf=not args.no_pdf)
    except DemoFailed as error:
        print(f"symbp demo: {error}")
        return 1
    except ImportError as error:  # bfgs or lbfgs without SciPy: the module's one line says what to install
        if received() is not None:
            raise  # an import cut short by a signal: main reports the signal
        print(f"symbp demo: error: {error}", file=sys.stderr)
        return 2
    # 130 as a shell reports a run ended by Ctrl-C (128 + SIGINT): training stopped early, its result kept
    return 130 if result.interrupted else 0


def add_commands(sub):
    """Register the ``demo`` subcommand."""
    demo = sub.add_parser("demo", help="derive, document, generate, check and train one network end to end")
    demo.add_argument(
        "spec", nargs="?", default="half_adder", help="built-in example or TOML spec (default half_adder)"
    )
    demo.add_argument("-o", "--output", help="output folder (default ./symbp-out/NAME/)")
    demo.add_argument(
        "--force", action="store_true", help="write into a folder holding files symbp did not write"
    )
    demo.add_argument("--no-pdf", action="store_true", help="do not build the PDF even when TeX is installed")
    add_notation_option(demo)
    demo.set_defaults(run=_cmd_demo)
