"""The page's drawing and numbers for a graph network: layers joined by one arrow per connection.

A graph's layers stand left to right in topological order, each a box holding
its units (by units, as a chain up to ``MAX_UNITS`` wide) or its width alone.
A weighted connection is a solid arrow labelled with its matrix in the
network's notation (a tied one with the matrix it reuses, transposed if so),
straight between neighbours and bent above the row when it skips layers; an
identity (residual) connection is a dashed arrow bent below the row. The
numbers are the derivation's own (``GraphDerivation.evaluate``) on the sample:
every layer's activations and deltas, and dC/dx where the spec asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions import MatrixSymbol, Transpose

from symbp.derivation.symbolic import a, delta
from symbp.naming import matrix_name
from symbp.rendering.graph_document import repeated_layers, section_title
from symbp.rendering.latex import latex
from symbp.rendering.page_network import (
    ROW,
    TOP,
    Drawing,
    LayerBox,
    Unit,
    _bar,
    _column_x,
    _layer,
    _plain,
    _rows,
    drawn_by_units,
    snapshot,
)
from symbp.rendering.step_views import SectionView
from symbp.spec.notation import as_text

ARCS = 60  # room above the layers for arrows that skip layers, and below them for identity arrows
PAD = 8  # a box's margin above its first unit and below its last unit's delta
HALF_BOX = 30  # half a layer box's width: a unit's circle (radius 25) and a margin
BEND = 22  # how far an arrow bends per layer it skips


@dataclass(frozen=True)
class Arrow:
    """One connection of the graph, drawn: an SVG path and where its label stands."""

    source: int
    target: int
    kind: str  # "weighted", "tied" or "identity"
    path: str
    label_x: str
    label_y: str
    label: str  # the matrix in the notation, plain text (W(2,0), W(1)T), or "identity"
    description: str  # for screen readers: what joins what


def _matrix_label(connection, network) -> str:
    matrix = MatrixSymbol(connection.matrix_key, 1, 1)
    return _plain(Transpose(matrix) if connection.transposed else matrix, network)


def _bent(x1: float, y1: float, x2: float, y2: float, rise: float) -> tuple[str, float, float]:
    """A quadratic curve from one point to another whose control point is ``rise`` off their row (up
    when negative), and the curve's midpoint for its label."""
    cx, cy = (x1 + x2) / 2, (min(y1, y2) if rise < 0 else max(y1, y2)) + rise
    middle = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4
    return f"M {x1:.1f} {y1:.1f} Q {cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}", *middle


def _arrows(network, column, top, bottom, middle: float) -> list[Arrow]:
    graph, arrows = network.graph, []
    for layer in range(1, network.depth + 1):
        for connection in graph.weighted[layer]:
            source, span = connection.source, layer - connection.source
            label = _matrix_label(connection, network) + (", tied" if connection.tie else "")
            if span == 1:
                x1, x2 = column[source] + HALF_BOX, column[layer] - HALF_BOX
                path, lx, ly = f"M {x1:.1f} {middle:.1f} L {x2:.1f} {middle:.1f}", (x1 + x2) / 2, middle - 6
            else:
                path, lx, ly = _bent(column[source], top[source], column[layer], top[layer], -BEND * span)
                ly -= 4
            kind = "tied" if connection.tie else "weighted"
            description = f"{graph.names[source]} into {graph.names[layer]} by {label}"
            arrows.append(Arrow(source, layer, kind, path, f"{lx:.1f}", f"{ly:.1f}", label, description))
        for source in graph.identity[layer]:
            span = layer - source
            path, lx, ly = _bent(column[source], bottom[source], column[layer], bottom[layer], BEND * span)
            description = f"{graph.names[source]} added to {graph.names[layer]} after its activation"
            arrows.append(
                Arrow(source, layer, "identity", path, f"{lx:.1f}", f"{ly + 12:.1f}", "identity", description)
            )
    return arrows


def graph_drawing(network) -> Drawing:
    """Every layer's box (and units, when narrow enough) and every connection's arrow."""
    depth, graph = network.depth, network.graph
    by_units = drawn_by_units(network)
    tallest = max(network.layers)
    body = tallest * ROW + 2 * PAD if by_units else 180
    skips = any(layer - c.source > 1 for layer in range(1, depth + 1) for c in graph.weighted[layer])
    above, below = ARCS if skips else 0, ARCS if any(graph.identity) else 0
    middle = above + TOP + body / 2
    column = {layer: _column_x(layer, depth) for layer in range(depth + 1)}
    top, bottom, boxes, units = {}, {}, [], []
    width_symbol = as_text(latex(sp.Symbol("n"), network))
    for layer, size in enumerate(network.layers):
        tall = size * ROW + 2 * PAD if by_units else _bar(network, layer)
        top[layer], bottom[layer] = middle - tall / 2, middle + tall / 2
        name = f"{graph.names[layer]} (layer {_layer(network, layer)})"
        boxes.append(
            LayerBox(
                layer,
                f"{column[layer]:.1f}",
                f"{top[layer]:.1f}",
                f"{tall:.1f}",
                name,
                width_symbol,
                _layer(network, layer),
                size,
            )
        )
        for unit in range(1, size + 1) if by_units else ():
            y = top[layer] + PAD + ROW / 2 + (unit - 1) * ROW
            under = _plain(delta[layer, unit], network) if layer else ""
            if layer == 0 and network.input_gradient:
                under = f"dC/d{_plain(a[0, unit], network)}"
            units.append(
                Unit(layer, unit, f"{column[layer]:.1f}", f"{y:.1f}", _plain(a[layer, unit], network), under)
            )
    arrows = _arrows(network, column, top, bottom, middle)
    height = int(above + TOP + body + below + 40)
    return Drawing((), (), tuple(boxes), height, False, tuple(units), tuple(arrows))


def graph_numbers(derivation, params: dict, x, t) -> dict:
    """The sample's numbers for ``params``: the cost and output, every layer's a and delta (the
    notation's), and dC/dx when the spec asks for it."""
    network = derivation.network
    data = snapshot(derivation, params, x, t, False)
    values = derivation.evaluate(params, x, t)
    layers = range(1, network.depth + 1)
    data["a"] = [_rows(x)[0]] + [_rows(values[matrix_name("A", layer)])[0] for layer in layers]
    sign = network.notation.delta_sign  # -dE/dnet where the notation says so
    data["delta"] = [[]] + [_rows(sign * values[matrix_name("delta", layer)])[0] for layer in layers]
    if network.input_gradient:
        data["dx"] = [_rows(values["dX"])[0]]
    return data


def graph_sections(derivation) -> dict[str, SectionView]:
    """Each section's title (a layer's number, role and name, the input, the general forms) and note."""
    network = derivation.network
    keys = [key for key, _ in derivation.sections()]
    return {
        key: SectionView(
            key, section_title(network, key), repeated_layers(network, keys) if key == "index" else "", ()
        )
        for key in keys
    }
