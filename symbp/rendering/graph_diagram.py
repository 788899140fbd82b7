"""A TikZ picture of a graph network: one node per layer, an arrow per connection.

Layers stand left to right in topological order; a weighted connection is a
solid arrow labelled with its matrix in the network's notation (a tied one with
the matrix it reuses, transposed if so), an identity (residual) connection a dashed arrow. Arrows
that skip layers bend above the row, so none hides behind a node.
"""

from __future__ import annotations

from sympy.matrices.expressions import MatrixSymbol, Transpose

from symbp.rendering.latex import latex
from symbp.spec.network import Network

SPACING_CM = 2.6


def _matrix_label(connection, network: Network) -> str:
    """The connection's matrix in the network's notation (the tied one's, transposed if so)."""
    matrix = MatrixSymbol(connection.matrix_key, 1, 1)
    return "$" + latex(Transpose(matrix) if connection.transposed else matrix, network) + "$"


def _edge(source: int, target: int, style: str, label: str) -> str:
    """An arrow from layer ``source`` to layer ``target``: a weighted one straight or, when it skips
    layers, bent above the row; an identity one bent below, so it never covers the weighted arrow."""
    span = target - source
    if style == "dashed":
        bend, side = ", bend right=30", "below"
    else:
        bend, side = ("", "above") if span == 1 else (f", bend left={min(20 + 10 * span, 70)}", "above")
    arrow = rf"\draw[->, {style}{bend}] (layer{source})"
    return rf"  {arrow} to node[{side}, font=\scriptsize] {{{label}}} (layer{target});"


def graph_tikz(network: Network) -> str:
    """The picture's TikZ source (needs the tikz package)."""
    graph = network.graph
    lines = [r"\begin{center}", r"\begin{tikzpicture}"]
    for layer, name in enumerate(graph.names):
        activation = "input" if layer == 0 else network.activation(layer).name.replace("_", r"\_")
        title = name.replace("_", r"\_")
        lines.append(
            rf"  \node[draw, rounded corners, align=center] (layer{layer}) at ({layer * SPACING_CM:.1f}, 0) "
            rf"{{{title}\\ \scriptsize {network.layers[layer]} units, {activation}}};"
        )
    for layer in range(1, graph.depth + 1):
        for connection in graph.weighted[layer]:
            lines.append(_edge(connection.source, layer, "thick", _matrix_label(connection, network)))
        for source in graph.identity[layer]:
            lines.append(_edge(source, layer, "dashed", "identity"))
    lines += [r"\end{tikzpicture}", r"\end{center}"]
    return "\n".join(lines)
