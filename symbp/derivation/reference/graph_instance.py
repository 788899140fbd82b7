"""A small random graph network whose nodes and partials the index-form steps are checked on.

The same interface as ``Instance`` (``symbp.derivation.reference.instance``), so that a graph's
steps go through the chain's step checks: the values of w, b, z, a and t by layer (a matrix that
skips layers by its pair (into, from), as the index form names it) and ``partial``, a node's or
the cost's derivative by another node, by Richardson-extrapolated central differences of the
reference forward pass (``symbp.derivation.reference.graph``); a node's partial by another is local,
the other inputs it reads held. Points are drawn away from kinks.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from symbp.derivation.numeric import activation_function
from symbp.derivation.reference.differences import OFFSETS, richardson
from symbp.derivation.reference.graph import (
    clear_of_kinks,
    connection_matrix,
    graph_cost,
    graph_forward,
    random_graph_point,
)
from symbp.derivation.reference.instance import away_from_kinks
from symbp.spec.graph import weight_key
from symbp.spec.network import Network

# Copies of the network per stacked forward pass of the cost's differences (memory stays small).
CHUNK = 2048


def weight_layer(key: str):
    """The layer a weight's params key has in the index form: 2 for W2, (2, 0) for W2_0."""
    target, _, source = key[1:].partition("_")
    return (int(target), int(source)) if source else int(target)


def _params_key(kind: str, layer) -> str:
    if kind == "b":
        return f"b{layer}"
    return weight_key(layer[1], layer[0]) if isinstance(layer, tuple) else f"W{layer}"


class GraphInstance:
    """A concrete graph network: widths capped at ``max_width``, random parameters and data."""

    def __init__(self, network: Network, seed: int, max_width: int = 3, samples: int = 3):
        small = dataclasses.replace(network, layers=tuple(min(size, max_width) for size in network.layers))
        rng = np.random.default_rng(seed)
        away_from_kinks(lambda: self._hold(small, *random_graph_point(small, samples, rng)))

    def _hold(self, network: Network, params: dict, X: np.ndarray, T: np.ndarray):
        self.network, self.params, self.X, self.T = network, params, X, T
        self.sizes, self.samples, self.lam = network.layers, X.shape[0], network.l2
        self.W = {weight_layer(key): params[key] for key in network.graph.weight_keys()}
        # the matrix each connection multiplies by, by (into, from): the general index form's w^{(c,l)}
        self.W |= {(c.target, c.source): connection_matrix(c, params) for c in network.graph.connections()}
        self.b = {layer: params[f"b{layer}"] for layer in range(1, self.depth + 1) if network.bias}
        self.Z, self.A = graph_forward(network, params, X)
        self._partials: dict = {}
        self._gradients: dict = {}
        return self

    @property
    def depth(self) -> int:
        return self.network.depth

    def clear_of_kinks(self, margin: float) -> bool:
        return clear_of_kinks(self.network, self.Z, self.A, self.T, margin)

    def partial(self, quantity, variable) -> float:
        """d quantity / d variable: ``quantity`` ("C",) or a node ("z" | "a", layer, index), ``variable`` a
        node ("w" | "b" | "z" | "a", layer, index)."""
        if quantity[0] == "C":
            kind, layer, index = variable
            return float(self.cost_gradient(kind, layer)[index])
        key = (quantity, variable)
        if key not in self._partials:
            values = [self._moved_value(quantity, variable, change) for change in OFFSETS]
            self._partials[key] = float(richardson(np.array(values)))
        return self._partials[key]

    def cost_gradient(self, kind: str, layer) -> np.ndarray:
        """dC/dnode of every entry of one node (a weight, bias, z or a of one layer; a of 0 is X)."""
        if not self._gradients:
            self._gradients = self._cost_gradients()
        if kind == "w":  # a chain connection's (l, l-1) is its matrix W{l}
            layer = weight_layer(_params_key(kind, layer))
        return self._gradients[(kind, layer)]

    def _nodes(self) -> list[tuple[str, object, np.ndarray]]:
        """(kind, layer, value) of every node the cost can be differenced by."""
        nodes = [("w", weight_layer(key), self.params[key]) for key in self.network.graph.weight_keys()]
        nodes += [("b", layer, value) for layer, value in self.b.items()]
        nodes += [
            (kind, layer, values[layer])
            for kind, values in (("z", self.Z), ("a", self.A))
            for layer in values
        ]
        return nodes

    def _cost_gradients(self) -> dict:
        """dC/dnode of every node by central differences (steps h and h/2, Richardson): each entry moved
        by each offset in its own copy of the network, the copies in stacked forward passes of at most
        CHUNK copies."""
        gradients, chunk = {}, []
        nodes = self._nodes()
        for position, node in enumerate(nodes):
            chunk.append(node)
            copies = sum(len(OFFSETS) * value.size for _, _, value in chunk)
            if copies >= CHUNK or position == len(nodes) - 1:
                gradients |= self._chunk_gradients(chunk)
                chunk = []
        return gradients

    def _chunk_gradients(self, chunk) -> dict:
        copies = sum(len(OFFSETS) * value.size for _, _, value in chunk)
        params, X, shifts, spans, row = dict(self.params), self.X, {}, [], 0
        for kind, layer, value in chunk:
            size = value.size
            moves = np.zeros((copies, size))
            for position, offset in enumerate(OFFSETS):
                moves[row + position * size : row + (position + 1) * size] = offset * np.eye(size)
            moves = moves.reshape(copies, *value.shape)
            if kind in ("w", "b"):
                name = _params_key(kind, layer)
                params[name] = value + moves if kind == "w" else (value + moves)[:, None, :]
            elif (kind, layer) == ("a", 0):
                X = value + moves
            else:
                shifts[(kind.upper(), layer)] = moves
            spans.append((kind, layer, value.shape, row, size))
            row += len(OFFSETS) * size
        costs = np.asarray(graph_cost(self.network, params, X, self.T, shifts=shifts)).reshape(copies)
        return {
            (kind, layer): richardson(
                costs[start : start + len(OFFSETS) * size].reshape(len(OFFSETS), size)
            ).reshape(shape)
            for kind, layer, shape, start, size in spans
        }

    def _moved_value(self, quantity, variable, change: float) -> float:
        """The value of ``quantity`` after moving node ``variable`` by ``change``."""
        kind, layer, index = variable
        params, fixed, X = self.params, {}, self.X
        if kind in ("w", "b"):
            name = _params_key(kind, layer)
            moved = params[name].copy()
            moved[index] += change
            params = {**params, name: moved}
        else:
            moved = (self.Z if kind == "z" else self.A)[layer].copy()
            moved[index] += change
            if (kind, layer) == ("a", 0):
                X = moved  # the input: every layer reads it from X
            else:
                fixed = {(kind.upper(), layer): moved}
        if quantity[0] == "C":
            return float(graph_cost(self.network, params, X, self.T, fixed))
        # A node's partial is its own expression's: every other input it reads holds its value (the
        # multivariate chain rule's local factor; a skip would otherwise add the path through the layers
        # it skips).
        Z, A = dict(self.Z), {**self.A, 0: X}
        for (kind, layer), value in fixed.items():
            (Z if kind == "Z" else A)[layer] = value
        target_kind, target_layer, target_index = quantity
        if target_kind == "z":
            connections = self.network.graph.weighted[target_layer]
            value = sum(A[c.source] @ connection_matrix(c, params) for c in connections)
            value = value + params[f"b{target_layer}"] if self.network.bias else value
        else:
            value = activation_function(self.network.activation(target_layer))(Z[target_layer])
            value = value + sum(A[source] for source in self.network.graph.identity[target_layer])
        return float(value[target_index])
