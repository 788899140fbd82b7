"""``symbp descend 'EXPR' --x0 X --lr ETA --steps K``: gradient descent on f(x), f' derived."""

from __future__ import annotations

from symbp.cli.options import integer, number

MAX_STEPS = 10**7


def _cmd_descend(args) -> int:
    from symbp.codegen.descent import descend

    result = descend(args.function, args.x0, args.lr, args.steps)
    print(f"f(x)  = {result.function}")
    print(f"f'(x) = {result.derivative}   (derived by SymPy)")
    if args.show_code:
        print(result.source)
    print(result.outcome())
    print(f"Number of steps: {len(result.path) - 1}")
    return 0


def add_commands(sub):
    """Register the ``descend`` subcommand."""
    descend = sub.add_parser(
        "descend", help="gradient descent on a function of x, with f'(x) derived symbolically"
    )
    descend.add_argument("function", help="an expression in x, for example 'x**3 - 4*x**2 + 6'")
    descend.add_argument("--x0", type=number(), default=0.5, help="starting point (default 0.5)")
    descend.add_argument(
        "--lr", type=number(0, strict_minimum=True), default=0.05, help="learning rate (default 0.05)"
    )
    descend.add_argument(
        "--steps", type=integer(0, MAX_STEPS), default=100, help="number of steps (default 100)"
    )
    descend.add_argument("--show-code", action="store_true", help="print the generated descent module")
    descend.set_defaults(run=_cmd_descend)
