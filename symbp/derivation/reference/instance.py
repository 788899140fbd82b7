"""A concrete network (parameters, data, forward pass) and the cost's partials by central differences.

``Instance(network, seed)`` is a small random instance for the derivation's
checks (widths capped at 3, a few samples); ``Instance.at`` holds given
parameters and data (verify's and gradcheck's points). Points are drawn away
from kinks (``away_from_kinks``): no z lies within a margin of a switch of its
activation and no output within one of the cost's, except z entries that no
draw can move (``stuck``: no biases and the row below all zeros), which are
differenced on one side (``sides``).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from symbp.computed import ComputedOnRead
from symbp.derivation.numeric import activation_function, cost_values, forward
from symbp.derivation.reference.data import by_layer, instance_arrays, random_data, random_params
from symbp.derivation.reference.differences import (
    NODE_KINDS,
    OFFSETS,
    STEP,
    PerturbedBatch,
    offsets,
    richardson,
)
from symbp.derivation.reference.graph import GraphPoint
from symbp.derivation.reference.kinks import away_from_kinks, kinks
from symbp.naming import matrix_name
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network


class Instance:
    """A concrete random network: small widths, random parameters and data."""

    def __init__(self, network: Network, seed: int, max_width: int = 3, samples: int = 3):
        sizes = tuple(min(size, max_width) for size in network.layers)
        rng = np.random.default_rng(seed)
        away_from_kinks(lambda: self._hold(network, *instance_arrays(network, rng, sizes, samples)))

    @classmethod
    def at(cls, network: Network, W: dict, b: dict, X: np.ndarray, T: np.ndarray) -> Instance:
        """The instance with these parameters (by layer) and data."""
        instance = cls.__new__(cls)
        instance._hold(network, W, b, np.asarray(X, dtype=float), np.asarray(T, dtype=float))
        return instance

    def _hold(self, network: Network, W: dict, b: dict, X: np.ndarray, T: np.ndarray):
        self.network = network
        self.W, self.b, self.X, self.T = W, b, X, T
        self.sizes = (X.shape[1], *(W[layer].shape[1] for layer in range(1, network.depth + 1)))
        self.samples = X.shape[0]
        self.lam = network.l2
        self.Z, self.A = forward(network, W, b, X)
        self.sides = {layer: self._sides(layer) for layer in range(1, network.depth + 1)}
        self._partials: dict = {}
        self.__dict__.pop("cost_gradient", None)
        self.__dict__.pop("reference_env", None)
        return self

    @property
    def depth(self) -> int:
        return self.network.depth

    def _activation_kinks(self, layer: int):
        activation = self.network.activation(layer)
        return kinks(activation.expr, (Z_SCALAR,)) if activation.elementwise else None

    def stuck(self, layer: int) -> np.ndarray:
        """(samples, 1): rows of z^(layer) that no parameter moves (no biases, the row below all zeros)."""
        if self.network.bias:
            return np.zeros((self.samples, 1), dtype=bool)
        return np.all(self.A[layer - 1] == 0, axis=1, keepdims=True)

    def _sides(self, layer: int) -> np.ndarray:
        """-1/+1 where a stuck z entry sits on a kink (differenced on that side), else 0."""
        found = self._activation_kinks(layer)
        Z = self.Z[layer]
        if found is None or not found.conditions:
            return np.zeros(Z.shape, dtype=int)
        on_kink = found.near(STEP, Z) & self.stuck(layer)
        return np.where(on_kink, found.side(STEP, Z), 0)

    def clear_of_kinks(self, margin: float) -> bool:
        """No z (stuck entries aside) and no output lies within ``margin`` of a kink."""
        for layer in range(1, self.depth + 1):
            found = self._activation_kinks(layer)
            if found is not None and np.any(found.near(margin, self.Z[layer]) & ~self.stuck(layer)):
                return False
        cost_kinks = kinks(self.network.cost.expr, (A_SCALAR, T_SCALAR))
        return not np.any(cost_kinks.near(margin, self.A[self.depth], self.T))

    def partial(self, quantity, variable) -> float:
        """d quantity / d variable by Richardson-extrapolated central differences.

        ``quantity`` is ("C",) or a node ("z" | "a", layer, index); ``variable`` a
        node ("w" | "b" | "z" | "a", layer, index). Partials of the cost come from
        the batched table ``cost_gradient``; the others move one node and run the
        forward pass only from its layer up to the quantity's layer.
        """
        kind, layer, index = variable
        if quantity[0] == "C":
            return float(self.cost_gradient[kind][layer][index])
        key = (quantity, variable)
        if key not in self._partials:
            side = np.array(self.sides[layer][index] if kind == "z" else 0)
            values = [self._moved_value(quantity, variable, change) for change in offsets(side, ())]
            self._partials[key] = float(richardson(np.array(values), side))
        return self._partials[key]

    def _moved_value(self, quantity, variable, change: float) -> float:
        """The value of node ``quantity`` after moving node ``variable`` by ``change``."""
        kind, layer, index = variable
        target_kind, target_layer, target_index = quantity
        W = _moved(self.W, layer, index, change) if kind == "w" else self.W
        b = _moved(self.b, layer, index, change) if kind == "b" else self.b
        start = layer if kind == "a" else layer - 1
        Z, A = dict(self.Z), dict(self.A)
        if kind == "a":
            A = _moved(A, layer, index, change)
        for current in range(start + 1, target_layer + 1):
            Z[current] = A[current - 1] @ W[current] + b[current]
            if kind == "z" and current == layer:
                Z = _moved(Z, layer, index, change)
            A[current] = activation_function(self.network.activation(current))(Z[current])
        return float((Z if target_kind == "z" else A)[target_layer][target_index])

    @cached_property
    def cost_gradient(self) -> dict[str, dict[int, np.ndarray]]:
        """dC/dnode for every w, b, z and a of every layer: ``[kind][layer]`` arrays.

        Central differences (steps h and h/2, Richardson) of the numeric cost:
        every node of every layer is moved in its own copy of the network, and
        the copies run through a batched forward pass (``PerturbedBatch``),
        instead of one pass from the moved layer upwards per node. Nothing in
        it uses the derived recursion. dC/da of the hidden layers is computed
        when it is first read, all of it in one more batch: the steps of a
        derivation read dC/da only at the output layer, and those copies would be
        a fifth of the batch.
        """
        gradient = self._cost_partials(lambda kind, layer: kind != "a" or layer == self.depth)
        gradient["a"] = _ReadOnDemand(gradient["a"], self._hidden_a_partials)
        return gradient

    def _hidden_a_partials(self) -> dict[int, np.ndarray]:
        """dC/da of every hidden layer, by layer."""
        return self._cost_partials(lambda kind, layer: kind == "a" and layer < self.depth)["a"]

    def _cost_partials(self, moves) -> dict[str, dict[int, np.ndarray]]:
        """dC/dnode, ``[kind][layer]``, of the nodes for which ``moves(kind, layer)`` holds."""
        batch = PerturbedBatch(self, moves)
        costs = cost_values(self.network, batch.outputs, self.T, batch.squares, self.lam)
        gradient: dict[str, dict[int, np.ndarray]] = {kind: {} for kind in NODE_KINDS}
        for kind, layer, shape, rows in batch.groups:
            sides = self.sides[layer].reshape(-1) if kind == "z" else 0
            gradient[kind][layer] = richardson(costs[rows].reshape(len(OFFSETS), -1), sides).reshape(shape)
        return gradient

    @cached_property
    def reference_env(self) -> dict[str, np.ndarray]:
        """``matrix_env`` plus finite-difference deltaL, dWL and dbL of every layer.

        Built once per instance: every matrix line of every layer is checked
        against it, so it must not be rebuilt per line (quadratic in depth).
        """
        env = self.matrix_env()
        for layer in range(1, self.depth + 1):
            env[matrix_name("delta", layer)] = self.cost_gradient["z"][layer]
            env[matrix_name("dW", layer)] = self.cost_gradient["w"][layer]
            env[matrix_name("db", layer)] = self.cost_gradient["b"][layer][None, :]
        return env

    def matrix_env(self) -> dict[str, np.ndarray]:
        """Arrays by matrix name, for evaluating matrix expressions."""
        env = {"X": self.X, "T": self.T}
        for layer in range(1, self.depth + 1):
            env[matrix_name("W", layer)] = self.W[layer]
            env[matrix_name("b", layer)] = self.b[layer][None, :]
            env[matrix_name("Z", layer)] = self.Z[layer]
            env[matrix_name("A", layer)] = self.A[layer]
        return env


def _moved(values: dict, layer: int, index, change: float) -> dict:
    """A copy of a by-layer dict of arrays with one entry moved."""
    moved = dict(values)
    moved[layer] = values[layer].copy()
    moved[layer][index] += change
    return moved


class _ReadOnDemand(ComputedOnRead):
    """A dict that fills itself from ``rest()`` the first time a key it lacks is read."""

    def __init__(self, known: dict, rest):
        super().__init__(known)
        self._rest = rest

    def compute(self, key):
        if self._rest is None:
            raise KeyError(key)
        rest, self._rest = self._rest, None
        self.update(rest())
        return self[key]


# -- check points of given widths (verify, gradcheck) ----------------------
def point_instance(network: Network, params: dict, X, T) -> Instance | GraphPoint:
    """The Instance of params keyed W1, b1, ... and data X, T; a graph's own point (keys W2_0, ...)."""
    if network.graph is not None:
        return GraphPoint(network, params, X, T)
    return Instance.at(network, *by_layer(network, params), X, T)


def kink_free_params(network: Network, rng, X, T) -> dict:
    """``random_params``, drawn again until no central difference at them crosses a kink."""

    def draw():
        params = random_params(network, rng)
        return point_instance(network, params, X, T), params

    return away_from_kinks(draw)[1]


def random_point(network: Network, samples: int, rng) -> tuple[dict, np.ndarray, np.ndarray]:
    """(params, X, T): ``random_params`` and ``random_data``, drawn again until away from kinks."""

    def draw():
        params = random_params(network, rng)
        X, T = random_data(network, samples, rng)
        return point_instance(network, params, X, T), params, X, T

    return away_from_kinks(draw)[1:]
