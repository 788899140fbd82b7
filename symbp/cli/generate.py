"""``symbp generate SPEC [-o FILE.py] [--dtype float32|float64] [--minimal]``: the NumPy training module.

Without ``-o`` the module goes to standard output; with it, the file is
written atomically with symbp's ownership header, and a file someone else
wrote or edited is refused unless ``--force`` is given.
"""

from __future__ import annotations

import sys


def _cmd_generate(args) -> int:
    from symbp.codegen.generator import generate
    from symbp.derivation.any_network import derive
    from symbp.files import check_writable, write_owned
    from symbp.spec.network import load

    if args.minimal and args.backend != "numpy":
        print(
            f"symbp generate: --minimal prints the NumPy teaching module, not --backend {args.backend}",
            file=sys.stderr,
        )
        return 2
    network = load(args.spec)
    if network.graph is not None and args.backend != "numpy":
        print(
            "symbp generate: a graph network's module is written for NumPy only (--backend numpy), "
            f"not --backend {args.backend}",
            file=sys.stderr,
        )
        return 2
    if args.output:
        check_writable(args.output, args.force)  # refuse before the slow derivation, not after it
    source = generate(derive(network), dtype=args.dtype, minimal=args.minimal, backend=args.backend)
    if args.output:
        write_owned(args.output, source, force=args.force)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(source)
    return 0


def add_commands(sub):
    """Register the ``generate`` subcommand on an argparse subparsers object."""
    generate = sub.add_parser("generate", help="generate a plain NumPy training module from the derivation")
    generate.add_argument("spec", help="a built-in example name or a TOML spec file")
    generate.add_argument(
        "-o", "--output", help="write the module to this .py file instead of standard output"
    )
    generate.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="default dtype")
    generate.add_argument(
        "--minimal",
        action="store_true",
        help="a teaching module: the derived functions and a plain gradient-descent loop, no runtime",
    )
    generate.add_argument(
        "--backend",
        choices=("numpy", "torch", "jax"),
        default="numpy",
        help="the array library the module computes with (torch: tensors on any device; jax: a jitted step)",
    )
    generate.add_argument("--force", action="store_true", help="overwrite a file symbp did not write")
    generate.set_defaults(run=_cmd_generate)
