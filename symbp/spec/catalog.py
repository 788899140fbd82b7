"""The built-in example networks: names, TOML texts and one-line summaries, read without SymPy.

``symbp examples`` only lists the built-ins; building their Networks would
import SymPy (every activation is a SymPy expression) to print five lines.
So the listing reads the summary fields straight from the TOML. The built-ins
ship with symbp and each one loads as a valid Network (the tests load them
all and compare this listing with ``Network.summary``), so their fields need
no validation here.
"""

from __future__ import annotations

import tomllib
from importlib import resources

from symbp.spec.graph import parse_graph

EXAMPLES_PACKAGE = "symbp.spec.examples"
# graph networks (skips, residuals, tied weights): loadable by name, listed apart from the chains
GRAPHS_PACKAGE = "symbp.spec.examples.graphs"


def builtin_names() -> list[str]:
    """Names of the built-in examples, sorted."""
    folder = resources.files(EXAMPLES_PACKAGE)
    return sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))


def graph_builtin_names() -> list[str]:
    """Names of the built-in graph networks, sorted."""
    folder = resources.files(GRAPHS_PACKAGE)
    return sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))


def builtin_text(name: str) -> str:
    """The TOML text of a built-in example (one of ``builtin_names()`` or ``graph_builtin_names()``)."""
    package = GRAPHS_PACKAGE if name in graph_builtin_names() else EXAMPLES_PACKAGE
    return resources.files(package).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def summary_line(layers, activation_names, cost_name: str, bias: bool, l2: float) -> str:
    """'2-2-2-2, sigmoid, half_mse, biases': sizes, activations, cost, biases and l2."""
    names = list(activation_names)
    acts = names[0] if len(set(names)) == 1 else "/".join(names)
    bias_text = "biases" if bias else "no biases"
    l2_text = f", l2 {l2:g}" if l2 else ""
    sizes = "-".join(str(n) for n in layers)
    return f"{sizes}, {acts}, {cost_name}, {bias_text}{l2_text}"


def _name(value) -> str:
    """The name of an activation or cost field: a bare name or a table with ``name``."""
    return value if isinstance(value, str) else value["name"]


def _graph_summary(spec: dict) -> str:
    """A graph built-in's summary line, as ``Network.summary`` words it (its layers in topological order)."""
    default = spec.get("activation")
    layers, names, graph = parse_graph(
        spec["layers"],
        lambda _field, size: size,
        lambda _field, value: _name(value),
        default and _name(default),
    )
    cost = _name(spec.get("cost", "half_mse"))
    line = summary_line(layers, names, cost, spec.get("bias", True), spec.get("l2", 0.0))
    return f"{line}, graph of {', '.join(graph.weight_keys())}" + (
        ", dC/dX" if spec.get("input_gradient") else ""
    )


def builtin_summary(name: str) -> tuple[str, str]:
    """(summary line, description) of a built-in example, from its TOML fields."""
    spec = tomllib.loads(builtin_text(name))
    layers = spec["layers"]
    if isinstance(layers[0], dict):
        return _graph_summary(spec), spec.get("description", "")
    activation = spec["activation"]
    if isinstance(activation, list):
        names = [_name(item) for item in activation]
    else:
        names = [_name(activation)] * (len(layers) - 1)
    cost = _name(spec.get("cost", "half_mse"))
    line = summary_line(layers, names, cost, spec.get("bias", True), spec.get("l2", 0.0))
    return line, spec.get("description", "")
