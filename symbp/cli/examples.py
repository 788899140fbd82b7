"""``symbp examples``: the built-in networks, one line each."""

from __future__ import annotations


def _cmd_examples(args) -> int:
    from symbp.spec.catalog import builtin_names, builtin_summary

    for name in builtin_names():
        summary, description = builtin_summary(name)
        print(f"{name:12s} {summary:40s} {description}")
    return 0


def add_commands(sub):
    """Register the ``examples`` subcommand."""
    examples = sub.add_parser("examples", help="list the built-in example networks")
    examples.set_defaults(run=_cmd_examples)
