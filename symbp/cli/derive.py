"""``symbp derive SPEC [--format text|markdown|latex|html] [-o FILE] [--pdf]``: the derivation, printed."""

from __future__ import annotations

import sys
from pathlib import Path

from symbp.cli.notation_option import add_notation_option, with_notation
from symbp.errors import SymbpError


def _cmd_derive(args) -> int:
    from symbp.derivation.any_network import derive
    from symbp.rendering.documents import render
    from symbp.spec.network import load

    if args.pdf and (args.format != "latex" or not args.output):
        raise SymbpError("--pdf needs --format latex and -o FILE.tex")
    if args.output:
        from symbp.files import check_writable

        check_writable(args.output, args.force)  # refuse before the slow derivation, not after it
        if args.pdf:
            check_writable(Path(args.output).with_suffix(".pdf"), args.force)
    network = with_notation(load(args.spec), args.notation)
    if args.format == "html":
        from symbp.pipeline.page import check_page, page_html

        check_page(network)
    derivation = derive(network)
    if args.format == "html":
        text = page_html(derivation)
    else:
        text = render(derivation, args.format)
    if args.output:
        from symbp.files import write_owned

        write_owned(args.output, text, force=args.force)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    if args.pdf:
        from symbp.rendering.pdf import build_pdf

        print(f"wrote {build_pdf(args.output, force=args.force)}")
    return 0


def add_commands(sub):
    """Register the ``derive`` subcommand."""
    derive = sub.add_parser("derive", help="derive dC/dW and dC/db layer by layer and print the derivation")
    derive.add_argument("spec", help="a built-in example name or a TOML spec file")
    derive.add_argument("--format", choices=("text", "markdown", "latex", "html"), default="text")
    derive.add_argument("-o", "--output", help="write to this file instead of standard output")
    derive.add_argument("--force", action="store_true", help="overwrite a file symbp did not write")
    derive.add_argument("--pdf", action="store_true", help="also build FILE.pdf (needs pdflatex)")
    add_notation_option(derive)
    derive.set_defaults(run=_cmd_derive)
