"""The ``symbp`` command: argparse front end over the pipeline.

Every command reports a SymbpError (bad spec, unreadable file, ...) as one
line on stderr and exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

from symbp.cli_demo import add_commands as add_demo_commands
from symbp.cli_descend import add_commands as add_descend_commands
from symbp.cli_generate import add_commands as add_generate_commands
from symbp.cli_verify import add_commands as add_verify_commands
from symbp.errors import SymbpError
from symbp.spec import builtin_names, load, load_builtin


def _cmd_examples(args) -> int:
    for name in builtin_names():
        network = load_builtin(name)
        print(f"{name:12s} {network.summary():40s} {network.description}")
    return 0


def _cmd_derive(args) -> int:
    from symbp.derive import derive
    from symbp.render import render

    if args.pdf and (args.format != "latex" or not args.output):
        raise SymbpError("--pdf needs --format latex and -o FILE.tex")
    derivation = derive(load(args.spec))
    text = render(derivation, args.format)
    if args.output:
        from symbp.files import write_owned

        write_owned(args.output, text, force=args.force)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    if args.pdf:
        from symbp.texbuild import build_pdf

        print(f"wrote {build_pdf(args.output)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbp",
        description="Derive backpropagation symbolically, print it, generate NumPy code from it.",
    )
    parser.add_argument("--version", action="version", version=f"symbp {version('symbp')}")
    sub = parser.add_subparsers(dest="command", required=True)

    examples = sub.add_parser("examples", help="list the built-in example networks")
    examples.set_defaults(run=_cmd_examples)

    derive = sub.add_parser("derive", help="derive dC/dW and dC/db layer by layer and print the derivation")
    derive.add_argument("spec", help="a built-in example name or a TOML spec file")
    derive.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    derive.add_argument("-o", "--output", help="write to this file instead of standard output")
    derive.add_argument("--force", action="store_true", help="overwrite a file symbp did not write")
    derive.add_argument("--pdf", action="store_true", help="also build FILE.pdf (needs pdflatex)")
    derive.set_defaults(run=_cmd_derive)
    add_verify_commands(sub)
    add_generate_commands(sub)
    add_demo_commands(sub)
    add_descend_commands(sub)
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
