"""The worked numeric example: one gradient-descent step on one training sample.

The sample is the first with no zero input (a zero input makes every weight
gradient from it zero, so the example would hide those terms); without one,
the first with the most nonzero inputs.

Like the numbered example of the course notes unit 1.4 - Back-propagation: concrete z, a, delta, the
gradients and the updated weights, all computed by the engine
(``Derivation.evaluate``) from parameters drawn with the spec's seed, then
rounded for display. Specs without data get one random sample (stated in the
document). Large matrices are shown with their corners and dots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symbp.derivation.reference import initial_params, worked_sample
from symbp.naming import matrix_name

DIGITS = 4
MAX_WORKED_PARAMETERS = 10**6  # the only width-dependent part of a document: about 5 copies of the parameters
BYTES_PER_PARAMETER = 40  # measured with tracemalloc: parameters, updated parameters, gradients, forward pass
MAX_SHOWN = 6  # rows or columns shown in full; larger ones show 3 + dots + 2


@dataclass(frozen=True)
class Quantity:
    """One matrix of the example: its symbp name and rounded entries (None marks dots)."""

    name: str
    rows: tuple[tuple[str | None, ...], ...]


@dataclass(frozen=True)
class Layer:
    layer: int
    forward: tuple[Quantity, ...]  # Z, A
    backward: tuple[Quantity, ...]  # delta, dW, db
    updated: tuple[tuple[Quantity, Quantity], ...]  # (W, new W), (b, new b)


@dataclass(frozen=True)
class Example:
    seed: int
    learning_rate: float
    from_data: bool
    sample: int  # the training sample's position in the data, from 1 (0 without data)
    x: Quantity
    t: Quantity
    layers: tuple[Layer, ...]
    cost_before: str
    cost_after: str


def number(value: float) -> str:
    """A rounded entry; never '-0.0000'."""
    text = f"{value:.{DIGITS}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _shown(count: int) -> list[int | None]:
    return list(range(count)) if count <= MAX_SHOWN else [0, 1, 2, None, count - 2, count - 1]


def quantity(name: str, values) -> Quantity:
    """A matrix (or a row, for vectors) rounded and cut to its corners."""
    matrix = np.atleast_2d(np.asarray(values, dtype=float))
    rows = []
    for r in _shown(matrix.shape[0]):
        cols = _shown(matrix.shape[1])
        rows.append(tuple(None if r is None or c is None else number(matrix[r, c]) for c in cols))
    return Quantity(name, tuple(rows))


def showing_sample(X) -> int:
    """The position of the first sample with no zero input, else of the first with the most nonzero."""
    nonzero = [sum(1 for value in row if value != 0) for row in X]
    return nonzero.index(max(nonzero))


def _sample(network, rng) -> tuple[np.ndarray, np.ndarray, int]:
    if network.has_data:
        row = showing_sample(network.X)
        X, T = np.array(network.X, dtype=float), np.array(network.T, dtype=float)
        return X[row : row + 1], T[row : row + 1], row + 1
    x, t = worked_sample(network, rng)
    return x, t, 0


def omitted_because(network) -> str | None:
    """Why a document leaves the worked example out (None: it is worked), with the memory it would take.

    The derivation and the rest of a document are symbolic, the same for any
    width; only the worked example evaluates the concrete network.
    """
    count = network.parameter_count
    if count <= MAX_WORKED_PARAMETERS:
        return None
    return (
        f"The worked example is left out: this network has {count:,} weights and biases, and one "
        f"evaluated step would hold about {BYTES_PER_PARAMETER * count / 2**30:,.1f} GiB; symbp works "
        f"examples for networks of up to {MAX_WORKED_PARAMETERS:,}."
    )


def worked_example(derivation) -> Example:
    """Evaluate the derivation's matrix equations on one sample (``showing_sample``) and take one step."""
    network = derivation.network
    rng = np.random.default_rng(network.train.seed)
    params = initial_params(network, rng)
    x, t, sample = _sample(network, rng)
    values = derivation.evaluate(params, x, t)
    rate = network.train.learning_rate
    updated = {key: params[key] - rate * np.reshape(values["d" + key], params[key].shape) for key in params}
    after = derivation.evaluate(updated, x, t)
    layers = []
    for layer in range(1, network.depth + 1):
        forward = tuple(quantity(matrix_name(kind, layer), values[matrix_name(kind, layer)]) for kind in "ZA")
        kinds = ("delta", "dW", "db") if network.bias else ("delta", "dW")
        backward = tuple(
            quantity(matrix_name(kind, layer), values[matrix_name(kind, layer)]) for kind in kinds
        )
        pairs = tuple(
            (quantity(key, params[key]), quantity(key, updated[key]))
            for key in (matrix_name("W", layer), matrix_name("b", layer))
            if key in params
        )
        layers.append(Layer(layer, forward, backward, pairs))
    return Example(
        seed=network.train.seed,
        learning_rate=rate,
        from_data=sample > 0,
        sample=sample,
        x=quantity(matrix_name("X"), x),
        t=quantity(matrix_name("T"), t),
        layers=tuple(layers),
        cost_before=number(float(values["cost"])),
        cost_after=number(float(after["cost"])),
    )
