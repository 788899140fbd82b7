"""The jax module's engine: the optimisers as pure updates, the jitted step, the parameters train
runs them on, and predict.

Copied into a jax module (from the ``# symbp: copied`` line) after its
derived part and ahead of the part the runtimes share
(``array_training.py``, which holds ``train``). A step is one ``jax.jit`` of
the derived ``gradients`` and the optimiser's update, whose parameters and
optimiser state are donated: XLA writes the new ones into the old ones'
buffers.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import OUTPUT, forward, gradients

# symbp: copied

Params = dict[str, jax.Array]


def _sgd(settings: dict) -> tuple[Callable, Callable]:
    def start(params):
        return ()

    def update(params, state, g):
        # eq:update-sgd
        return {key: params[key] - settings["learning_rate"] * g[key] for key in params}, state

    return start, update


def _momentum(settings: dict, nesterov: bool = False) -> tuple[Callable, Callable]:
    eta, mu = settings["learning_rate"], settings["momentum"]

    def start(params):
        return {key: jnp.zeros_like(value) for key, value in params.items()}

    def update(params, velocity, g):
        # eq:update-momentum-velocity / eq:update-nesterov-velocity
        velocity = {key: mu * velocity[key] - eta * g[key] for key in params}
        if nesterov:
            # eq:update-nesterov
            return {key: params[key] + mu * velocity[key] - eta * g[key] for key in params}, velocity
        # eq:update-momentum
        return {key: params[key] + velocity[key] for key in params}, velocity

    return start, update


def _nesterov(settings: dict) -> tuple[Callable, Callable]:
    return _momentum(settings, nesterov=True)


def _adam(settings: dict) -> tuple[Callable, Callable]:
    eta, beta1, beta2, eps = (settings[key] for key in ("learning_rate", "beta1", "beta2", "eps"))

    def start(params):
        m = {key: jnp.zeros_like(value) for key, value in params.items()}
        v = {key: jnp.zeros_like(value) for key, value in params.items()}  # own buffers: both are donated
        return m, v, jnp.zeros((), params["W1"].dtype)  # t, in the parameters' dtype

    def update(params, state, g):
        m, v, t = state
        t = t + 1
        # eq:update-adam-m
        m = {key: beta1 * m[key] + (1 - beta1) * g[key] for key in params}
        # eq:update-adam-v
        v = {key: beta2 * v[key] + (1 - beta2) * g[key] * g[key] for key in params}
        # eq:update-adam-mhat
        # eq:update-adam-vhat
        # eq:update-adam
        first, second = 1 - beta1**t, 1 - beta2**t
        new = {
            key: params[key] - eta * (m[key] / first) / (jnp.sqrt(v[key] / second) + eps) for key in params
        }
        return new, (m, v, t)

    return start, update


IN_PLACE: dict[str, Callable[[dict], tuple[Callable, Callable]]] = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adam": _adam,
}


def make_step(optimizer: str, **settings: float) -> tuple[Callable, Callable]:
    """(start(params) -> state, step(params, state, X, T) -> (params, state)): the step jitted, its
    params and state donated."""
    return _made(optimizer, tuple(settings.items()))


@cache
def _made(optimizer: str, settings: tuple) -> tuple[Callable, Callable]:
    """make_step's pair, made once for each optimiser and settings (jit then compiles once a shape)."""
    start, update = IN_PLACE[optimizer](dict(settings))

    def step(params, state, X, T):
        return update(params, state, gradients(params, X, T))

    return start, jax.jit(step, donate_argnums=(0, 1))


class _Engine:
    """The parameters train steps (jax arrays of its own: the step donates them) and the data."""

    def __init__(self, size: int, optimizer: str, settings: dict) -> None:
        self.size = size
        self.begin, self.step = make_step(optimizer, **settings) if optimizer in IN_PLACE else (None, None)

    def put(self, params: Params, X: jax.Array, T: jax.Array) -> None:
        self.params = {key: jnp.array(value, copy=True) for key, value in params.items()}
        self.shapes = {key: value.shape for key, value in params.items()}
        self.X, self.T = X, T

    def start(self):
        return None if self.begin is None else self.begin(self.params)

    def advance(self, state, rows: np.ndarray | None):
        """One step on the rows of X that `rows` lists (all of X when None); returns the new state."""
        X, T = self.X, self.T
        if rows is not None:
            # a copy of its own: jax may alias a NumPy buffer and read it after this returns, and the
            # rows are a view of the order that the next epoch shuffles in place
            index = jnp.asarray(np.array(rows))
            X, T = X[index], T[index]
        self.params, state = self.step(self.params, state, X, T)
        return state

    def host(self, out: np.ndarray | None = None) -> np.ndarray:
        """The parameters as one NumPy vector (a new one, or written into `out`)."""
        values = np.concatenate([np.asarray(value).reshape(-1) for value in self.params.values()])
        if out is None:
            return values
        np.copyto(out, values)
        return out

    def load(self, vector: np.ndarray) -> None:
        """Parameters from a NumPy vector, copied: the caller changes the vector later."""
        params, offset = {}, 0
        for key, shape in self.shapes.items():
            size = int(np.prod(shape))
            params[key] = jnp.asarray(vector[offset : offset + size].reshape(shape).copy())
            offset += size
        self.params = params

    def gradient_into(self, out: np.ndarray) -> None:
        """dC/dtheta on all of X at the parameters, moved to NumPy once, into `out`."""
        values = gradients(self.params, self.X, self.T)
        np.copyto(out, np.asarray(jnp.concatenate([value.reshape(-1) for value in values.values()])))

    def give(self, params: Params) -> None:
        params.update(self.params)


_ENGINES: dict[tuple, _Engine] = {}


def _engine(params: Params, X: jax.Array, T: jax.Array, size: int, optimizer: str, settings: dict) -> _Engine:
    """The engine holding a copy of params and the data: the last call's for the same optimiser,
    settings and batch size (a loop of short calls continues its state)."""
    key = (optimizer, tuple(settings.items()), size)
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()
        engine = _ENGINES[key] = _Engine(size, optimizer, settings)
    engine.put(params, X, T)
    return engine


def predict(params: Params, X: Any) -> jax.Array:
    """The class of each row of X (softmax), 0 or 1 for each sigmoid output, or the outputs themselves."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return jnp.argmax(outputs, axis=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).astype(jnp.int32)
    return outputs
