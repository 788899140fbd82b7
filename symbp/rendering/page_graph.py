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

from symbp.derivation.symbolic import C, a, delta, w
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
    sample_numbers,
)
from symbp.rendering.step_views import SectionView
from symbp.rendering.symbol_tables import _letters
from symbp.spec.notation import as_text

LABEL_ROOM = 24  # room beyond the farthest bent arrow for its label
PAD = 8  # a box's margin above its first unit and below its last unit's delta
HALF_BOX = 30  # half a layer box's width: a unit's circle (radius 25) and a margin
CLEAR = 16  # how far a bent arrow passes above (or below) the boxes it bends around
STEP = 14  # and how much further for each further layer it spans, so that nested arrows stay apart
SHIFT = 7  # how far along a box's edge a longer bent arrow starts and ends, so that arrows meeting there part


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


def _bent(x1: float, y1: float, x2: float, y2: float, peak: float) -> tuple[str, float, float]:
    """A quadratic curve from one point to another whose middle reaches height ``peak``, and that middle
    (for its label): a quadratic's middle lies halfway between its control point and its ends' mean."""
    cx, cy = (x1 + x2) / 2, 2 * peak - (y1 + y2) / 2
    return f"M {x1:.1f} {y1:.1f} Q {cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}", cx, peak


def _spans(network) -> list[int]:
    """How many layers each weighted connection spans (1: between neighbours)."""
    graph = network.graph
    return [layer - c.source for layer in range(1, network.depth + 1) for c in graph.weighted[layer]]


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
                peak = min(top[k] for k in range(source, layer + 1)) - CLEAR - STEP * (span - 2)
                x1, x2 = column[source] + SHIFT * (span - 2), column[layer] - SHIFT * (span - 2)
                path, lx, ly = _bent(x1, top[source], x2, top[layer], peak)
                ly -= 4
            kind = "tied" if connection.tie else "weighted"
            description = f"{graph.names[source]} into {graph.names[layer]} by {label}"
            arrows.append(Arrow(source, layer, kind, path, f"{lx:.1f}", f"{ly:.1f}", label, description))
        for source in graph.identity[layer]:
            span = layer - source
            peak = max(bottom[k] for k in range(source, layer + 1)) + CLEAR + STEP * (span - 1)
            x1, x2 = column[source] + SHIFT * (span - 1), column[layer] - SHIFT * (span - 1)
            path, lx, ly = _bent(x1, bottom[source], x2, bottom[layer], peak)
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
    skips = _spans(network)
    residuals = [layer - source for layer in range(1, depth + 1) for source in graph.identity[layer]]
    above = CLEAR + STEP * (max(skips) - 2) + LABEL_ROOM if max(skips) > 1 else 0
    below = CLEAR + STEP * (max(residuals) - 1) + LABEL_ROOM if residuals else 0
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
                under = f"∂{_plain(C, network)}/∂{_plain(a[0, unit], network)}"
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
    values = derivation.evaluate(params, x, t)
    data = sample_numbers(network, values)
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


def graph_symbols(network, style) -> tuple[tuple[str, str], ...]:
    """The symbols a graph adds to a chain's table: a skip's weights, a layer's output derivative (the sum
    over its consumers), each tied matrix, and dC/dx where the spec asks for it."""
    graph, x = network.graph, _letters(network)
    l, s, n, i, j = sp.symbols("l s n i j")  # noqa: E741 (the texts' layer index)
    rows = []
    if max(_spans(network)) > 1:
        rows.append(
            (
                style.expr(w[sp.Tuple(l, s), i, j]),
                f"weight from neuron {x['i']} of layer s to neuron {x['j']} of layer l, on a connection "
                "that skips the layers between them",
            )
        )
    rows.append(
        (
            style.expr(sp.Derivative(C, a[l, n, j])),
            f"derivative of the cost by the output of neuron {x['j']} of layer l for sample {x['n']}: a sum "
            "over the layers that read it (its consumers), one term each",
        )
    )
    for layer in range(1, network.depth + 1):
        for connection in graph.weighted[layer]:
            if connection.tie:
                matrix = MatrixSymbol(connection.matrix_key, 1, 1)
                shown = Transpose(matrix) if connection.transposed else matrix
                rows.append(
                    (
                        style.expr(shown),
                        f"the matrix from {graph.names[connection.source]} into {graph.names[layer]}: tied "
                        f"to {_plain(matrix, network)}{', transposed' if connection.transposed else ''}, one "
                        "parameter whose gradient sums its uses",
                    )
                )
    if network.input_gradient:
        rows.append(
            (
                style.expr(sp.Derivative(C, a[0, n, i])),
                f"derivative of the cost by input {x['i']} of sample {x['n']} (the spec asks for it)",
            )
        )
    return tuple(rows)


def graph_matrices(network, style) -> tuple[tuple[str, str], ...]:
    """The matrices a graph adds to a chain's table: a skip's weights and a layer's output derivative."""
    rows = []
    if max(_spans(network)) > 1:
        rows.append(
            (
                style.expr(MatrixSymbol("W_l_s", 1, 1)),
                "weights from layer s into layer l, on a connection that skips the layers between them "
                "(laid out as a neighbour's)",
            )
        )
    rows.append(
        (
            style.expr(MatrixSymbol("dA_l", 1, 1)),
            "derivative of the cost by layer l's output (laid out as its activations): the sum over the "
            "layers that read it",
        )
    )
    return tuple(rows)
