"""Random parameters and data for the reference numbers, drawn one way per use.

* ``instance_arrays``: the derivation's check instances (widths capped, entries
  in (-1, 1), targets a cost accepts);
* ``random_params`` and ``random_data``: verify's and gradcheck's check points
  (the network's own widths, weights of order 1 so no factor hides in a
  saturated unit);
* ``initial_params`` and ``worked_sample``: the generated module's
  ``init_params``, so a worked example can be reproduced with the module, and
  the one sample it is worked on when the spec has no data.
"""

from __future__ import annotations

import numpy as np

from symbp.derivation.reference.graph import graph_parameter_keys, graph_parameter_shape
from symbp.naming import matrix_name, param_names
from symbp.spec.network import Network


def random_targets(network: Network, rng, samples: int, width: int) -> np.ndarray:
    """Targets a cost accepts: one-hot rows for cce, inside (0, 1) for the others."""
    if network.cost.name == "cce":
        return np.eye(width)[rng.integers(0, width, samples)]
    return rng.uniform(0.05, 0.95, (samples, width))


def instance_arrays(
    network: Network, rng, sizes: tuple, samples: int
) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    """(W, b, X, T) of a check instance: W and b by layer (b zero without biases), entries in (-1, 1)."""
    layers = range(1, network.depth + 1)
    W = {k: rng.uniform(-1, 1, (sizes[k - 1], sizes[k])) for k in layers}
    b = {k: rng.uniform(-1, 1, sizes[k]) if network.bias else np.zeros(sizes[k]) for k in layers}
    X = rng.uniform(-1, 1, (samples, sizes[0]))
    T = random_targets(network, rng, samples, sizes[-1])
    return W, b, X, T


def random_params(network: Network, rng: np.random.Generator) -> dict:
    """W1..WL (and b1..bL) with entries of order 1, so no factor hides in a saturated unit."""
    if network.graph is not None:  # the graph's keys (W2_0; none for a tied matrix) and shapes
        return {
            name: rng.uniform(-1.2, 1.2, size=graph_parameter_shape(network, name))
            for name in graph_parameter_keys(network)
        }
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


def initial_params(network: Network, rng) -> dict[str, np.ndarray]:
    """The generated module's ``init_params``: uniform in (-1, 1) / sqrt(n_{l-1}), W then b per layer."""
    params = {}
    for layer in range(1, network.depth + 1):
        fan_in, fan_out = network.layers[layer - 1], network.layers[layer]
        limit = 1 / np.sqrt(fan_in)
        params[matrix_name("W", layer)] = rng.uniform(-limit, limit, (fan_in, fan_out))
        if network.bias:
            params[matrix_name("b", layer)] = rng.uniform(-limit, limit, fan_out)
    return params


def by_layer(network: Network, params: dict) -> tuple[dict, dict]:
    """(W, b) by layer from params keyed W1, b1, ... (b zero without biases, as a row)."""
    W, b = {}, {}
    for layer in range(1, network.depth + 1):
        W[layer] = np.asarray(params[matrix_name("W", layer)], dtype=float)
        b[layer] = (
            np.asarray(params[matrix_name("b", layer)], dtype=float).reshape(-1)
            if network.bias
            else np.zeros(network.layers[layer])
        )
    return W, b


def worked_sample(network: Network, rng) -> tuple[np.ndarray, np.ndarray]:
    """One sample (x, t) in (0, 1); for cce the target is the first unit vector."""
    x = rng.uniform(0, 1, (1, network.layers[0]))
    if network.cost.name == "cce":
        return x, np.eye(network.layers[-1])[:1]
    return x, rng.uniform(0, 1, (1, network.layers[-1]))
