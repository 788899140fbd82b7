"""Check points for verify and gradcheck: random parameters and data, and central differences.

Central differences of the spec's cost (``symbp.derivation.numeric``'s forward pass and
cost, nothing derived) are the independent ground truth that both the
Derivation's numbers and a person's claim are held against. dC/dz^{(l)}
(delta) is differenced by perturbing z^{(l)} and running the forward pass on
from that layer.
"""

from __future__ import annotations

import numpy as np

from symbp.derivation.numeric import cost_value, forward_from
from symbp.derivation.numeric import forward as numeric_forward
from symbp.naming import matrix_name, param_names
from symbp.spec.network import Network
from symbp.verification.point import Point

EPS = 1e-6


def random_params(network: Network, rng: np.random.Generator) -> dict:
    """W1..WL (and b1..bL) with entries of order 1, so no factor hides in a saturated unit."""
    params = {}
    for name in param_names(network.depth, network.bias):
        layer = int(name[1:])
        shape = (
            (network.layers[layer - 1], network.layers[layer]) if name[0] == "W" else (network.layers[layer],)
        )
        params[name] = rng.uniform(-1.2, 1.2, size=shape)
    return params


def random_data(network: Network, samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """X uniform in (-1, 1); targets in (0.05, 0.95), rows summing to 1 for softmax."""
    X = rng.uniform(-1, 1, size=(samples, network.layers[0]))
    T = rng.uniform(0.05, 0.95, size=(samples, network.layers[-1]))
    if not network.activations[-1].elementwise:
        T = T / T.sum(axis=1, keepdims=True)
    return X, T


def batch_sizes(network: Network, count: int) -> list[int]:
    """Batch sizes that differ from every layer width (so shapes tell N from n_l), at least two distinct."""
    choices = [size for size in range(2, 12) if size not in network.layers]
    return [choices[index % 3] for index in range(count)]


def _weights(network: Network, params: dict) -> tuple[dict, dict]:
    W = {
        layer: np.asarray(params[matrix_name("W", layer)], dtype=float)
        for layer in range(1, network.depth + 1)
    }
    b = {
        layer: np.asarray(params[matrix_name("b", layer)], dtype=float).reshape(1, -1)
        if network.bias
        else np.zeros((1, network.layers[layer]))
        for layer in range(1, network.depth + 1)
    }
    return W, b


def forward(network: Network, params: dict, X: np.ndarray) -> tuple[dict, dict]:
    W, b = _weights(network, params)
    return numeric_forward(network, W, b, X)


def cost(network: Network, params: dict, X: np.ndarray, T: np.ndarray) -> float:
    W, _ = _weights(network, params)
    _, A = forward(network, params, X)
    return cost_value(network, A[network.depth], T, W, network.l2)


def central_gradients(network: Network, params: dict, X, T, names=None, eps: float = EPS) -> dict:
    """dC/dW_l and dC/db_l by central differences, keyed like params (only ``names`` when given)."""
    result = {}
    for name in names or params:
        value = params[name]
        value = np.asarray(value, dtype=float)
        gradient = np.zeros_like(value)
        for position in np.ndindex(value.shape):
            shifted = {key: np.array(entry, dtype=float) for key, entry in params.items()}
            shifted[name][position] = value[position] + eps
            up = cost(network, shifted, X, T)
            shifted[name][position] = value[position] - eps
            down = cost(network, shifted, X, T)
            gradient[position] = (up - down) / (2 * eps)
        result[name] = gradient
    return result


def central_deltas(network: Network, params: dict, X, T, layers=None, eps: float = EPS) -> dict:
    """dC/dZ_l by central differences, keyed by internal layer (every layer, or ``layers``)."""
    W, b = _weights(network, params)
    Z0, A0 = forward(network, params, X)
    deltas = {}
    for layer in layers or range(1, network.depth + 1):
        delta = np.zeros_like(Z0[layer])
        for position in np.ndindex(delta.shape):
            values = []
            for step in (eps, -eps):
                Z, A = dict(Z0), dict(A0)
                Z[layer] = Z0[layer].copy()
                Z[layer][position] += step
                forward_from(network, W, b, Z, A, layer)
                values.append(cost_value(network, A[network.depth], T, W, network.l2))
            delta[position] = (values[0] - values[1]) / (2 * eps)
        deltas[layer] = delta
    return deltas


def make_point(network: Network, params: dict, X, T, derived: dict) -> Point:
    """A Point whose deltas are the Derivation's numbers (``Derivation.evaluate``)."""
    X, T = np.asarray(X, dtype=float), np.asarray(T, dtype=float)
    W, b = _weights(network, params)
    Z, A = forward(network, params, X)
    delta = {layer: derived[matrix_name("delta", layer)] for layer in range(1, network.depth + 1)}
    return Point(network, X, T, W, b, Z, A, delta)
