"""The check of a graph network's backward equations: each against central differences of the cost,
and their values at given parameters and data (``evaluate_lines``).

On a small random instance (``GraphInstance``: widths capped at 3, a few samples) every
backward equation is evaluated, in order, on the reference forward pass and the
values of the equations before it, and compared with the central difference
(Richardson) of the reference cost by the same quantity. A derived equation that misses a
consumer, or a term of a tied matrix, fails here.
"""

from __future__ import annotations

import numpy as np

from symbp.derivation import checks
from symbp.derivation.numeric import MatrixEvaluator
from symbp.derivation.reference.graph import graph_cost
from symbp.derivation.reference.graph_instance import weight_layer
from symbp.errors import SymbpError
from symbp.naming import matrix_name
from symbp.spec.network import Network

TOLERANCE = 1e-6
# Below this fraction of the cost a central difference is mostly rounding and
# truncation (a vanishing gradient deep in a network): the error is measured against it instead.
NOISE_FLOOR = 1e-4


def _relative(derived: np.ndarray, numeric: np.ndarray, cost: float) -> float:
    scale = max(float(np.max(np.abs(numeric))), NOISE_FLOOR * max(1.0, abs(cost)))
    return float(np.max(np.abs(np.asarray(derived) - numeric))) / scale


def check_lines(instance, backward: list) -> dict[str, float]:
    """{target: relative error} of every backward line on a GraphInstance; refuses a line whose error
    exceeds TOLERANCE."""
    network, params, X, T = instance.network, instance.params, instance.X, instance.T
    env = {matrix_name("T"): T, **params}
    env |= {matrix_name("A", layer): values for layer, values in instance.A.items()}
    env |= {matrix_name("Z", layer): values for layer, values in instance.Z.items()}
    env |= {key: value.reshape(1, -1) for key, value in params.items() if key.startswith("b")}
    cost = float(graph_cost(network, params, X, T))
    evaluate = MatrixEvaluator(network, instance.samples, network.l2)
    errors = {}
    for line in backward:
        name = line.target.name
        value = np.asarray(evaluate(line.expr, env), dtype=float)
        expected = instance.cost_gradient(*_node(name))
        errors[name] = error = _relative(value.reshape(expected.shape), expected, cost)
        if not error <= TOLERANCE:
            raise SymbpError(f"the derived {name} = {line.expr} misses central differences by {error:.2e}")
        env[name] = value
    return errors


def check_matrix_equation(instances, eq) -> float:
    """The largest relative error, over ``instances``, of a matrix equation dW = expr: its right
    side evaluated on the forward pass and the central-difference deltas, entry by entry against the
    central differences of the cost by the matrix; refuses an equation that misses them."""
    worst = 0.0
    for instance in instances:
        network = instance.network
        env = {matrix_name("T"): instance.T, **instance.params}
        env |= {matrix_name("A", layer): values for layer, values in instance.A.items()}
        env |= {
            matrix_name("delta", layer): instance.cost_gradient("z", layer)
            for layer in range(1, network.depth + 1)
        }
        evaluate = MatrixEvaluator(network, instance.samples, network.l2)
        value = np.asarray(evaluate(eq.rhs, env), dtype=float)
        expected = instance.cost_gradient(*_node(eq.lhs.name))
        for index in np.ndindex(expected.shape):
            error = checks.compare(value[index], expected[index])
            if not error <= checks.RELATIVE_TOLERANCE:
                checks.raise_failure(eq, f"entry {index}", value[index], expected[index], instance)
            worst = max(worst, error)
    return worst


def _node(name: str) -> tuple[str, object]:
    """The node (kind, layer) whose cost gradient a backward line's target is: dW2_0, db2, dX, delta2, dA2."""
    if name == "dX":
        return "a", 0
    if name.startswith("dW"):
        return "w", weight_layer(name[1:])
    for prefix, kind in (("db", "b"), ("delta", "z"), ("dA", "a")):
        if name.startswith(prefix):
            return kind, int(name[len(prefix) :])
    raise KeyError(name)


def evaluate_lines(network: Network, lines: list, params: dict, X, T) -> dict[str, np.ndarray]:
    """Numeric values of ``lines`` in order at params, X and T (db as a vector), and the cost."""
    X, T = np.asarray(X, dtype=float), np.asarray(T, dtype=float)
    env = {"X": X, "T": T}
    for name, value in params.items():
        value = np.asarray(value, dtype=float)
        env[name] = value[None, :] if name.startswith("b") else value
    evaluator = MatrixEvaluator(network, X.shape[0], network.l2)
    for line in lines:
        env[line.target.name] = np.asarray(evaluator(line.expr, env), dtype=float)
    results = {name: value for name, value in env.items() if name not in params}
    for name in results:
        if name.startswith("db"):
            results[name] = results[name].reshape(-1)
    results["cost"] = float(graph_cost(network, params, X, T))
    return results
