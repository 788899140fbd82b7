"""``symbp examples``: the built-in networks, one line each."""

from __future__ import annotations


def _cmd_examples(args) -> int:
    from symbp.spec.catalog import builtin_names, builtin_summary, graph_builtin_names

    for name in builtin_names():
        summary, description = builtin_summary(name)
        print(f"{name:12s} {summary:40s} {description}")
    graphs = {name: builtin_summary(name) for name in graph_builtin_names()}
    print("\nGraph networks (skips, residual connections, tied weights):")
    width = max(len(summary) for summary, _ in graphs.values())
    for name, (summary, description) in graphs.items():
        print(f"{name:16s} {summary:{width}s} {description}")
    return 0


def add_commands(sub):
    """Register the ``examples`` subcommand."""
    examples = sub.add_parser("examples", help="list the built-in example networks")
    examples.set_defaults(run=_cmd_examples)
