"""The page's network drawing (SVG coordinates) and its numbers at each recorded epoch.

A network whose layers are all at most ``MAX_UNITS`` wide is drawn unit by
unit: every neuron a circle carrying its activation and delta for the worked
example's sample, every weight a line that can be selected. A wider one is
drawn by layers (one box a layer, with its width). The numbers are the
derivation's own (``Derivation.evaluate``) on that sample, for the parameters
a training run held at each recorded epoch (``Recording``); without one, the
parameters the documents' worked example starts from (epoch 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from symbp.derivation.reference import initial_params
from symbp.derivation.symbolic import N, a, delta, w
from symbp.naming import matrix_name
from symbp.rendering.latex import latex
from symbp.rendering.worked import _sample
from symbp.spec.notation import as_text

MAX_UNITS = 8  # the widest layer drawn unit by unit (8 x 8 weights between two layers stay legible)
WIDTH = 640
ROW = 64
TOP = 40
DIGITS = 4  # significant digits of every number on the page


@dataclass(frozen=True)
class Recording:
    """Parameters a training run of the spec's [train] held at some of its epochs."""

    epochs: tuple[int, ...]
    params: tuple[dict, ...]  # the generated module's params (W1, b1, ...) after each epoch in ``epochs``
    costs: tuple[float, ...]  # the module's training cost on its whole training data at each of them
    note: str  # how the run was made, for the page


def number(value: float) -> str:
    """A number as the page shows it: four significant digits, never '-0'."""
    text = f"{float(value):.{DIGITS}g}"
    return "0" if float(text) == 0 else text


def _rows(matrix) -> list:
    return [[number(v) for v in row] for row in np.atleast_2d(np.asarray(matrix, dtype=float))]


def sample(network):
    """The worked example's parameters at epoch 0 and its sample (x, t, position; 0 for a random one).
    A graph network's parameters come from its module's recorded run only (None here)."""
    rng = np.random.default_rng(network.train.seed)
    params = initial_params(network, rng) if network.graph is None else None
    return params, _sample(network, rng)


def sample_numbers(network, values: dict) -> dict:
    """The sample's cost and the network's output, from the derivation's evaluated values."""
    return {"sample_cost": number(values["cost"]), "out": _rows(values[matrix_name("A", network.depth)])[0]}


def snapshot(derivation, params: dict, x, t, drawn: bool) -> dict:
    """The sample's numbers for ``params``: per layer a, z, delta, and W, dW, b, db when drawn by units."""
    network = derivation.network
    values = derivation.evaluate(params, x, t)
    data = sample_numbers(network, values)
    if not drawn:
        return data
    data["a"] = [_rows(x)[0]] + [_rows(values[matrix_name("A", layer)])[0] for layer in _layers(network)]
    data["z"] = [[]] + [_rows(values[matrix_name("Z", layer)])[0] for layer in _layers(network)]
    # the notation's delta: -dE/dnet where it says so (on one sample a per-sample delta is the same)
    sign = network.notation.delta_sign
    data["delta"] = [[]] + [
        _rows(sign * values[matrix_name("delta", layer)])[0] for layer in _layers(network)
    ]
    data["W"] = [[]] + [_rows(params[matrix_name("W", layer)]) for layer in _layers(network)]
    data["dW"] = [[]] + [_rows(values[matrix_name("dW", layer)]) for layer in _layers(network)]
    if network.bias:
        data["b"] = [[]] + [_rows(params[matrix_name("b", layer)])[0] for layer in _layers(network)]
        data["db"] = [[]] + [_rows(values[matrix_name("db", layer)])[0] for layer in _layers(network)]
    return data


def _layers(network) -> range:
    return range(1, network.depth + 1)


def drawn_by_units(network) -> bool:
    return max(network.layers) <= MAX_UNITS


@dataclass(frozen=True)
class Unit:
    layer: int
    unit: int  # from 1
    x: str
    y: str
    label: str  # the activation's name, plain text (a(1)_2)
    delta: str  # the delta's name, plain text


@dataclass(frozen=True)
class WeightLine:
    layer: int
    i: int
    j: int
    x1: str
    y1: str
    x2: str
    y2: str
    label: str  # plain text for screen readers: w(2)_12


@dataclass(frozen=True)
class LayerBox:
    layer: int
    x: str
    y: str
    height: str
    label: str  # 'layer 1', 'output layer L = 2'
    width_symbol: str  # 'n'
    width_layer: str  # '1'
    width: int


@dataclass(frozen=True)
class Drawing:
    units: tuple[Unit, ...]
    weights: tuple[WeightLine, ...]
    layers: tuple[LayerBox, ...]
    height: int
    by_units: bool
    # a graph network's drawing: its units (no weight lines) and one arrow per connection
    nodes: tuple = ()
    connections: tuple = ()


def _plain(expr, network) -> str:
    """A symbol as screen readers and tooltips get it: w(2)_12."""
    return as_text(latex(expr, network)).replace("^", "")


def _column_x(layer: int, depth: int) -> float:
    return 70 + layer * (WIDTH - 150) / max(depth, 1)


def drawing(network) -> Drawing:
    """Coordinates of every unit and weight (by units) or of every layer (by layers)."""
    depth = network.depth
    boxes = []
    for layer in range(depth + 1):
        role = "input layer" if layer == 0 else "output layer" if layer == depth else "layer"
        shown = latex(sp.Symbol("L"), network) if layer == depth else None
        name = (
            f"{role} {as_text(shown)} = {_layer(network, layer)}"
            if shown
            else f"{role} {_layer(network, layer)}"
        )
        x, y, tall = f"{_column_x(layer, depth):.1f}", "0", "0"
        if not drawn_by_units(network):
            bar = _bar(network, layer)
            y, tall = f"{TOP + (180 - bar) / 2:.1f}", f"{bar:.1f}"
        width_symbol = as_text(latex(sp.Symbol("n"), network))
        boxes.append(
            LayerBox(layer, x, y, tall, name, width_symbol, _layer(network, layer), network.layers[layer])
        )
    if not drawn_by_units(network):
        return Drawing((), (), tuple(boxes), 270, False)
    tallest = max(network.layers)
    height = TOP + tallest * ROW + 40
    units, weights = [], []
    position = {}
    for layer, size in enumerate(network.layers):
        for unit in range(1, size + 1):
            x = _column_x(layer, depth)
            y = TOP + ROW / 2 + (tallest - size) * ROW / 2 + (unit - 1) * ROW
            position[layer, unit] = (x, y)
            activation = _plain(a[layer, unit], network)
            deltas = _plain(delta[layer, unit], network) if layer else ""
            units.append(Unit(layer, unit, f"{x:.1f}", f"{y:.1f}", activation, deltas))
    for layer in range(1, depth + 1):
        for i in range(1, network.layers[layer - 1] + 1):
            for j in range(1, network.layers[layer] + 1):
                (x1, y1), (x2, y2) = position[layer - 1, i], position[layer, j]
                label = _plain(w[layer, i, j], network)
                weights.append(
                    WeightLine(layer, i, j, f"{x1:.1f}", f"{y1:.1f}", f"{x2:.1f}", f"{y2:.1f}", label)
                )
    return Drawing(tuple(units), tuple(weights), tuple(boxes), int(height), True)


def _bar(network, layer: int) -> float:
    """A layer box's height: grows with the logarithm of its width, so 784 and 10 both fit."""
    return 30 + 150 * np.log10(network.layers[layer]) / np.log10(max(max(network.layers), 10))


def _layer(network, layer: int) -> str:
    return network.notation.layer_label(layer)


def gradient_instances(derivation, network) -> dict[str, tuple]:
    """The general index equations of dC/dw and dC/db (eq:dW, eq:db) for each drawn weight and bias,
    on one sample: the derivation's equation with l, i, j (and N = 1) put in."""
    general = {step.label: step.eq for step in derivation.steps if step.label in ("eq:dW", "eq:db")}
    instances = {}
    layer_symbol = _layer_symbol(general["eq:dW"])
    i, j = _unit_symbols(general["eq:dW"])
    for layer in _layers(network):
        for unit_i in range(1, network.layers[layer - 1] + 1):
            for unit_j in range(1, network.layers[layer] + 1):
                put = {layer_symbol: layer, i: unit_i, j: unit_j, N: 1}
                instances[f"w-{layer}-{unit_i}-{unit_j}"] = _instance(general["eq:dW"], put)
        if network.bias and "eq:db" in general:
            for unit_j in range(1, network.layers[layer] + 1):
                put = {layer_symbol: layer, j: unit_j, N: 1}
                instances[f"b-{layer}-{unit_j}"] = _instance(general["eq:db"], put)
    return instances


def _instance(eq, put: dict) -> tuple:
    """An equation with numbers put in; the sum over one sample done, the derivative left standing."""
    return eq.lhs.subs(put), eq.rhs.subs(put).doit()


def _layer_symbol(eq):
    return next(iter(eq.lhs.variables[0].indices[0].free_symbols))


def _unit_symbols(eq):
    indices = eq.lhs.variables[0].indices
    return indices[1], indices[2]
