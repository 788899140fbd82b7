"""``symbp examples``: the built-in networks, one line each."""

from __future__ import annotations


def _cmd_examples(args) -> int:
    from symbp.spec.network import builtin_names, load_builtin

    for name in builtin_names():
        network = load_builtin(name)
        print(f"{name:12s} {network.summary():40s} {network.description}")
    return 0


def add_commands(sub):
    """Register the ``examples`` subcommand."""
    examples = sub.add_parser("examples", help="list the built-in example networks")
    examples.set_defaults(run=_cmd_examples)
