"""Layout of the network diagram: which neurons, connections and labels to draw, and where.

The LaTeX template turns this into TikZ. Small layers show every neuron and
every connection; a layer wider than ``MAX_SHOWN`` shows its first neurons, a
labelled ellipsis and its last neuron; a network deeper than ``MAX_COLUMNS``
layers shows its first and last layers around a column of dots. Coordinates
are rounded strings, so the document is the same bytes on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.derivation.symbolic import a, b, w
from symbp.rendering.latex import latex
from symbp.spec.network import Network

MAX_SHOWN = 8
MAX_COLUMNS = 7
WIDTH_CM = 12.5
ROW_CM = 1.1


@dataclass(frozen=True)
class Node:
    name: str
    x: str
    y: str
    label: str
    style: str  # "input", "hidden", "output", "bias" or "dots"

    @property
    def ref(self) -> str:
        """TikZ node name in parentheses (templates cannot write '(' before their own delimiter)."""
        return f"({self.name})"

    @property
    def at(self) -> str:
        return f"({self.x},{self.y})"

    @property
    def text(self) -> str:
        """The label as plain text (Mermaid diagrams in Markdown): a^{(1)}_{2} -> a(1)_2."""
        plain = self.label.strip("$").replace(r"\vdots", "...").replace("^{(", "(").replace(")}", ")")
        return plain.replace("_{", "_").replace("}", "").replace("{", "")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    style: str  # "weight" or "bias"

    @property
    def path(self) -> str:
        return f"({self.source}) -- ({self.target})"


@dataclass(frozen=True)
class Caption:
    x: str
    y: str
    role: str  # "input", "hidden" or "output"
    layer: str  # LaTeX: "0", "L = 3"
    width: str  # LaTeX: "n_{0} = 2"

    @property
    def at(self) -> str:
        return f"({self.x},{self.y})"


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    captions: tuple[Caption, ...]
    bias: bool


def _cm(value: float) -> str:
    return f"{value:.2f}"


def _shown_units(size: int) -> list[int | None]:
    """1-based units to draw; None marks the ellipsis."""
    if size <= MAX_SHOWN:
        return list(range(1, size + 1))
    return [1, 2, 3, None, size]


def _shown_layers(depth: int) -> list[int | None]:
    """Layers to draw as columns; None marks a column of dots."""
    if depth + 1 <= MAX_COLUMNS:
        return list(range(depth + 1))
    return [0, 1, 2, None, depth - 1, depth]


def _role(layer: int, depth: int) -> str:
    return "input" if layer == 0 else "output" if layer == depth else "hidden"


def _caption(network: Network, layer: int, x: str, y: str) -> Caption:
    role = _role(layer, network.depth)
    number = network.notation.layer_label(layer)
    where = f"L = {number}" if role == "output" else str(number)
    return Caption(x, y, role, where, f"n_{{{number}}} = {network.layers[layer]}")


def layout(network: Network) -> Diagram:
    """Nodes, edges and captions of ``network``'s diagram."""
    columns = _shown_layers(network.depth)
    step = min(3.0, WIDTH_CM / max(len(columns) - 1, 1))
    tallest = max(len(_shown_units(network.layers[layer])) for layer in columns if layer is not None)
    nodes, edges, captions = [], [], []
    previous: list[str] = []
    for position, layer in enumerate(columns):
        x = position * step
        if layer is None:
            nodes.append(Node(f"dots{position}", _cm(x), "0.00", r"$\cdots$", "dots"))
            previous = []
            continue
        units = _shown_units(network.layers[layer])
        current = []
        for row, unit in enumerate(units):
            y = ((len(units) - 1) / 2 - row) * ROW_CM
            name = f"n{layer}x{unit}" if unit else f"v{layer}"
            if unit is None:
                nodes.append(Node(name, _cm(x), _cm(y), r"$\vdots$", "dots"))
                continue
            label = "$" + latex(a[layer, unit], network) + "$"
            nodes.append(Node(name, _cm(x), _cm(y), label, _role(layer, network.depth)))
            current.append(name)
        edges.extend(Edge(source, target, "weight") for source in previous for target in current)
        if network.bias and layer > 0 and position > 0 and columns[position - 1] is not None:
            bias_name = f"bias{layer}"
            top = ((tallest - 1) / 2 + 1) * ROW_CM
            bias_label = "$" + latex(sp.Integer(1), network) + "$"
            nodes.append(Node(bias_name, _cm(x - step / 2), _cm(top), bias_label, "bias"))
            edges.extend(Edge(bias_name, target, "bias") for target in current)
        caption_y = -((tallest - 1) / 2 + 1) * ROW_CM
        captions.append(_caption(network, layer, _cm(x), _cm(caption_y)))
        previous = current
    return Diagram(tuple(nodes), tuple(edges), tuple(captions), network.bias)


def bias_symbol(network: Network) -> str:
    """LaTeX of a generic bias entry, for the diagram's note."""
    return latex(b[sp.Symbol("l"), sp.Symbol("j")], network)


def diagram_context(network: Network) -> dict:
    """The diagram and its symbols for the LaTeX template (TikZ)."""
    i, j, l = sp.symbols("i j l")  # noqa: E741 (the texts' layer index)
    return {
        "diagram": layout(network),
        "weight_symbol": latex(w[l, i, j], network),
        "bias_symbol": bias_symbol(network),
        "max_shown": MAX_SHOWN,
    }
