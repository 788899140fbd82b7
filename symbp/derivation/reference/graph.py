"""The forward pass, cost and central differences of a graph network, from the spec's meaning.

z^(l) = sum over weighted sources s of a^(s) M^(l,s) + b^(l), where M^(l,s) is
the connection's own matrix or the one it is tied to (transposed if so);
a^(l) = f_l(z^(l)) + sum over identity sources r of a^(r). Parameters are held
by their params keys (``W2``, ``W2_0``, ``b2``; a tied matrix has none). These
numbers check every derived equation, independently of any of them.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from symbp.derivation.numeric import activation_function, cost_terms_function, cost_values
from symbp.derivation.reference.kinks import away_from_kinks, kinks
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network


def connection_matrix(connection, params: dict) -> np.ndarray:
    """The matrix a connection multiplies by: its own, or the tied one (transposed if so)."""
    matrix = params[connection.matrix_key]
    return np.swapaxes(matrix, -1, -2) if connection.transposed else matrix


def graph_forward(
    network: Network, params: dict, X: np.ndarray, fixed: dict | None = None, shifts: dict | None = None
) -> tuple[dict, dict]:
    """(Z, A) by layer number, A[0] = X, in topological order.

    ``fixed`` maps ("Z" or "A", layer) to a value that replaces the computed one (to difference by it);
    ``shifts`` to a stack added to the computed one (many nodes moved at once, one per stack entry).
    """
    graph, fixed, shifts = network.graph, fixed or {}, shifts or {}
    Z, A = {}, {0: X}
    for layer in range(1, graph.depth + 1):
        total = sum(A[c.source] @ connection_matrix(c, params) for c in graph.weighted[layer])
        Z[layer] = fixed.get(("Z", layer), total + params[f"b{layer}"] if network.bias else total)
        if ("Z", layer) in shifts:
            Z[layer] = Z[layer] + shifts[("Z", layer)]
        A[layer] = activation_function(network.activation(layer))(Z[layer])
        for source in graph.identity[layer]:
            A[layer] = A[layer] + A[source]
        A[layer] = fixed.get(("A", layer), A[layer])
        if ("A", layer) in shifts:
            A[layer] = A[layer] + shifts[("A", layer)]
    return Z, A


def graph_cost(
    network: Network,
    params: dict,
    X: np.ndarray,
    T: np.ndarray,
    fixed: dict | None = None,
    shifts: dict | None = None,
) -> np.ndarray:
    """The spec's cost of the outputs, with l2 over each weight matrix once (a tied one is one matrix):
    a scalar array, or one cost per entry of a stack that a parameter, X or a fixed or shifted Z or A
    holds."""
    _, A = graph_forward(network, params, X, fixed, shifts)
    squares = sum(np.sum(params[key] ** 2, axis=(-2, -1)) for key in network.graph.weight_keys())
    return cost_values(network, A[network.depth], T, squares, network.l2)


def graph_parameter_keys(network: Network) -> list[str]:
    """Every params key, layer by layer: its own matrices (in the order of its sources), then its bias."""
    keys = []
    for layer in range(1, network.depth + 1):
        keys += [c.own_key for c in network.graph.weighted[layer] if c.own_key]
        keys += [f"b{layer}"] if network.bias else []
    return keys


def graph_parameter_shape(network: Network, key: str) -> tuple[int, ...]:
    """(rows, cols) of a weight matrix, (units,) of a bias."""
    if key.startswith("W"):
        return network.graph.weight_shape(key, network.layers)
    return (network.layers[int(key[1:])],)


def difference(cost_of, base: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """dC/dV by central differences, ``cost_of(V)`` the costs with V in place of ``base``.

    Every move is made at once: V is a stack of 2 size copies (along a new first axis, a bias
    row kept a row), each moved up or down by one step in one entry, and ``cost_of`` gives the
    stack's costs in one forward pass (every array of it broadcasts over that axis).
    """
    base = np.asarray(base, dtype=float)
    size = base.size
    moves = np.concatenate([np.eye(size), -np.eye(size)]).reshape(2 * size, *base.shape) * step
    stack = base + moves
    if base.ndim == 1:  # a bias: one row per stack entry, added to every sample
        stack = stack[:, None, :]
    costs = np.asarray(cost_of(stack)).reshape(2 * size)
    return ((costs[:size] - costs[size:]) / (2 * step)).reshape(base.shape)


def _cost_fixing(network: Network, params: dict, X, T, moved, *, kind: str, layer: int):
    return graph_cost(network, params, X, T, {(kind, layer): moved})


def _cost_moving(network: Network, params: dict, X, T, moved, *, key: str):
    return graph_cost(network, {**params, key: moved}, X, T)


def graph_central_differences(network: Network, params: dict, X, T) -> dict:
    """dC/dtheta of every parameter, dC/dX (key ``X``), and dC/dZ, dC/dA of every layer (keys
    ``delta{l}``, ``dA{l}``) by central differences."""
    result = {
        key: difference(partial(_cost_moving, network, params, X, T, key=key), params[key])
        for key in graph_parameter_keys(network)
    }
    result["X"] = difference(lambda moved: graph_cost(network, params, moved, T), X)
    Z, A = graph_forward(network, params, X)
    for layer in range(1, network.depth + 1):
        for kind, name, values in (("Z", "delta", Z), ("A", "dA", A)):
            moving = partial(_cost_fixing, network, params, X, T, kind=kind, layer=layer)
            result[f"{name}{layer}"] = difference(moving, values[layer])
    return result


class GraphPoint:
    """A graph network at given parameters (keyed W2, W2_0, b2) and data: is it clear of kinks?"""

    def __init__(self, network: Network, params: dict, X, T):
        self.network, self.T = network, np.asarray(T, dtype=float)
        self.Z, self.A = graph_forward(network, params, np.asarray(X, dtype=float))

    def clear_of_kinks(self, margin: float) -> bool:
        return clear_of_kinks(self.network, self.Z, self.A, self.T, margin)


def clear_of_kinks(network: Network, Z: dict, A: dict, T: np.ndarray, margin: float) -> bool:
    """No z of a graph's forward pass lies within ``margin`` of a kink of its activation, no output
    within one of the cost's, and no output where the cost is too steep to difference.

    Unlike a chain's Instance no z is exempt: a graph's differences are central everywhere, so a z
    that no draw moves off a kink (no biases, every source row zero) refuses every draw (the last is
    kept).
    """
    for layer, values in Z.items():
        activation = network.activation(layer)
        if activation.elementwise and np.any(kinks(activation.expr, (Z_SCALAR,)).near(margin, values)):
            return False
    cost_kinks = kinks(network.cost.expr, (A_SCALAR, T_SCALAR))
    return not np.any(cost_kinks.near(margin, A[network.depth], T)) and _gentle_cost(
        network, A[network.depth], T, margin
    )


# How steep the cost may be in an output. A central difference moves each output (and a z, whose
# output a sigmoid rounds to about 1e-16) and divides by 2e-5: the rounding of a cost term as steep
# as -log(1 - a) near a = 1 grows by that steepness, and 1e4 keeps it under 1e-7 of the check.
STEEPEST = 1e4


def _gentle_cost(network: Network, outputs: np.ndarray, T: np.ndarray, margin: float) -> bool:
    """Whether the cost's terms stay finite and no steeper than STEEPEST within ``margin`` of the outputs
    (bce of a saturated sigmoid is neither: -log(1 - a) at a = 1 - 1e-9)."""
    terms = cost_terms_function(network.cost)
    with np.errstate(all="ignore"):
        slope = (terms(outputs + margin, T) - terms(outputs - margin, T)) / (2 * margin)
    return bool(np.all(np.isfinite(slope)) and np.all(np.abs(slope) <= STEEPEST))


def random_graph_point(network: Network, samples: int, rng) -> tuple[dict, np.ndarray, np.ndarray]:
    """Random parameters, inputs and targets fitting the network's cost, drawn again until no z and no
    output lies near a kink (``GraphPoint.clear_of_kinks``)."""

    def draw():
        params, X, T = _graph_draw(network, samples, rng)
        return GraphPoint(network, params, X, T), params, X, T

    return away_from_kinks(draw)[1:]


def _graph_draw(network: Network, samples: int, rng) -> tuple[dict, np.ndarray, np.ndarray]:
    sizes = network.layers
    params = {}
    for key in network.graph.weight_keys():
        rows, cols = network.graph.weight_shape(key, sizes)
        params[key] = rng.uniform(-1, 1, (rows, cols)) / np.sqrt(rows)
    if network.bias:
        for layer in range(1, network.depth + 1):
            params[f"b{layer}"] = rng.uniform(-0.5, 0.5, sizes[layer])
    X = rng.uniform(-1, 1, (samples, sizes[0]))
    T = rng.uniform(0.05, 0.95, (samples, sizes[-1]))
    if network.cost.targets == "distribution":
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], samples)]
    return params, X, T
