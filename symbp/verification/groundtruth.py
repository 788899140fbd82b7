"""Check points for verify and gradcheck, around the reference numbers (``symbp.derivation.reference``).

The reference draws the random parameters and data (away from kinks) and gives
the central differences of the spec's cost, the independent ground truth that
both the Derivation's numbers and a person's claim are held against. Here: the
batch sizes of the points, and a point as the formula evaluator reads it.
"""

from __future__ import annotations

import numpy as np

from symbp.derivation.numeric import forward
from symbp.derivation.reference.data import by_layer
from symbp.derivation.reference.graph import graph_forward
from symbp.naming import matrix_name
from symbp.spec.network import Network
from symbp.verification.point import Point, reads_as_graph


def batch_sizes(network: Network, count: int) -> list[int]:
    """Batch sizes that differ from every layer width (so shapes tell N from n_l), at least two distinct."""
    choices = [size for size in range(2, 12) if size not in network.layers]
    return [choices[index % 3] for index in range(count)]


def make_point(network: Network, params: dict, X, T, derived: dict) -> Point:
    """A Point whose deltas are the Derivation's numbers (``Derivation.evaluate``)."""
    X, T = np.asarray(X, dtype=float), np.asarray(T, dtype=float)
    delta = {layer: derived[matrix_name("delta", layer)] for layer in range(1, network.depth + 1)}
    if reads_as_graph(network):  # params keyed W2, W2_0, b2 (none for a tied matrix)
        params = {key: np.asarray(value, dtype=float) for key, value in params.items()}
        Z, A = graph_forward(network, params, X)
        W = {layer: params[key] for layer in Z if (key := matrix_name("W", layer)) in params}
        b = {
            layer: params[f"b{layer}"].reshape(1, -1)
            if network.bias
            else np.zeros((1, network.layers[layer]))
            for layer in Z
        }
        return Point(network, X, T, W, b, Z, A, delta, params=params)
    W, b = by_layer(network, params)
    b = {layer: row.reshape(1, -1) for layer, row in b.items()}
    Z, A = forward(network, W, b, X)
    return Point(network, X, T, W, b, Z, A, delta)
