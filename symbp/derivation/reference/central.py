"""The cost's partials at given parameters and data by central differences, chain or graph.

``CentralDifferences`` reads them by the names ``Derivation.evaluate`` uses
(``dW2``, ``db2``, ``delta2``; a graph's ``dW2_0`` and ``dA1`` too), and
``largest_relative_error`` holds a gradient dict against them (the demo's check).
"""

from __future__ import annotations

import numpy as np

from symbp.computed import ComputedOnRead
from symbp.derivation.reference.graph import graph_central_differences
from symbp.derivation.reference.instance import point_instance
from symbp.naming import parse_matrix_name
from symbp.spec.network import Network


class CentralDifferences(ComputedOnRead):
    """dC/dW, dC/db and dC/dZ at a point by central differences, keyed like ``Derivation.evaluate``
    (``dW2``, ``db2``, ``delta2``); all of them are computed, in one batch, when one is first read."""

    def __init__(self, network: Network, params: dict, X, T):
        super().__init__()
        if network.graph is not None:  # params keyed W2, W2_0, b2: the graph's own differences
            self.graph_values = graph_central_differences(network, params, X, T)
        else:
            self.instance = point_instance(network, params, X, T)

    def compute(self, key: str) -> np.ndarray:
        if hasattr(self, "graph_values"):
            name = key[1:] if key.startswith(("dW", "db", "dX")) else key
            return self.graph_values[name]
        try:
            kind, layer = parse_matrix_name(key)
        except ValueError:
            raise KeyError(key) from None
        gradient = self.instance.cost_gradient
        node = {"dW": "w", "db": "b", "delta": "z"}.get(kind)
        if node is None or layer not in gradient[node] or (kind == "db" and not self.instance.network.bias):
            raise KeyError(key)
        return gradient[node][layer]


def largest_relative_error(network: Network, gradients: dict, params: dict, X, T) -> float:
    """The largest entry-by-entry |g - c| / max(|g| + |c|, 1e-12) of ``gradients`` (keyed like params)
    against central differences c."""
    central = CentralDifferences(network, params, X, T)
    worst = 0.0
    for key, value in gradients.items():
        reference = central["d" + key]
        scale = np.maximum(np.abs(value) + np.abs(reference), 1e-12)
        worst = max(worst, float(np.max(np.abs(value - reference) / scale)))
    return worst
