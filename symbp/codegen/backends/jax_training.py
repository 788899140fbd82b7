"""The jax module's runtime: train with jitted optimiser steps (parameters donated), save/load, classes.

Copied into a jax module (from the ``# symbp: copied`` line) after its
derived part and ``History`` (runtime/progress.py, shared with the NumPy
module). A step is one ``jax.jit`` of the derived ``gradients`` and the
optimiser's update, whose parameters and optimiser state are donated: XLA
writes the new ones into the old ones' buffers.
"""

import os
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import OUTPUT, TRAIN, _arrays, cost, forward, gradients
from symbp.codegen.runtime.progress import History

# symbp: copied

TRAIN_DEFAULTS = {
    "learning_rate": 0.1,
    "epochs": 1000,
    "optimizer": "sgd",
    "momentum": 0.9,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
    "shuffle": True,
}
TRAIN = {**TRAIN_DEFAULTS, **TRAIN}  # the derived part's TRAIN holds the settings the spec gave
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
OPTIMIZERS = tuple(IN_PLACE)


def make_step(optimizer: str, **settings: float) -> tuple[Callable, Callable]:
    """(start(params) -> state, step(params, state, X, T) -> (params, state)): the step jitted, its
    params and state donated."""
    start, update = IN_PLACE[optimizer](settings)

    def step(params, state, X, T):
        return update(params, state, gradients(params, X, T))

    return start, jax.jit(step, donate_argnums=(0, 1))


def train(
    params: Params,
    X: Any,
    T: Any,
    *,
    learning_rate: float = TRAIN["learning_rate"],
    epochs: int = TRAIN["epochs"],
    batch_size: int | None = None,
    print_every: int = 0,
    seed: int = 0,
    optimizer: str = TRAIN["optimizer"],
    momentum: float = TRAIN["momentum"],
    beta1: float = TRAIN["beta1"],
    beta2: float = TRAIN["beta2"],
    eps: float = TRAIN["eps"],
    shuffle: bool = TRAIN["shuffle"],
) -> History:
    """Train on (X, T), putting the trained arrays into params; returns the costs before training, every
    print_every epochs and at the end (a `History`).

    optimizer is one of sgd, momentum, nesterov, adam: full batch when batch_size is None, else
    mini-batches of batch_size rows, shuffled each epoch (numpy.random.default_rng(seed), as the NumPy
    module shuffles) when shuffle.
    """
    if optimizer not in IN_PLACE:
        raise ValueError(f"optimizer={optimizer!r}: the jax module runs {', '.join(OPTIMIZERS)}")
    X, T = _arrays(params, X, T)
    start, step = make_step(
        optimizer, learning_rate=learning_rate, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps
    )
    # copies: the step donates its arguments, which must not be the caller's arrays
    current = {key: jnp.array(value, copy=True) for key, value in params.items()}
    state = start(current)
    total = X.shape[0]
    size = total if batch_size is None else min(batch_size, total)
    rng, order = np.random.default_rng(seed), np.arange(total)
    history = History()
    history.record(0, cost(current, X, T), None)
    try:
        for epoch in range(1, epochs + 1):
            if size == total:
                current, state = step(current, state, X, T)
            else:
                if shuffle:
                    rng.shuffle(order)
                for start_row in range(0, total, size):
                    rows = order[start_row : start_row + size]
                    current, state = step(current, state, X[rows], T[rows])
            history.last_epoch = epoch
            if print_every and epoch % print_every == 0 and epoch != epochs:
                history.record(epoch, cost(current, X, T), None)
                print(f"epoch {epoch}/{epochs}  cost {history[-1]:.6g}")
    except KeyboardInterrupt:
        history.stopped = "interrupted"
    finally:
        params.update(current)
    history.record(history.last_epoch, cost(params, X, T), None)
    return history


def save_params(path: str | os.PathLike, params: Params) -> str:
    """Write params to `path` (.npz added when missing) as the NumPy module does, atomically."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **{key: np.asarray(value) for key, value in params.items()})
    os.replace(temporary, path)
    return path


def load_params(path: str | os.PathLike) -> Params:
    """The params dict that `save_params` wrote to `path`, keys in their order, as jax arrays."""
    with np.load(os.fspath(path)) as data:
        return {key: jnp.asarray(data[key]) for key in data.files}


def numeric_gradients(params: Params, X: Any, T: Any, eps: float = 1e-6) -> Params:
    """Central differences of `cost` for every parameter entry, in float64."""
    values = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
    result = {}
    for key, value in values.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + eps
            upper = cost({name: jnp.asarray(array) for name, array in values.items()}, X, T)
            value[index] = original - eps
            lower = cost({name: jnp.asarray(array) for name, array in values.items()}, X, T)
            value[index] = original
            grad[index] = (upper - lower) / (2 * eps)
        result[key] = jnp.asarray(grad)
    return result


def gradient_check(params: Params, X: Any, T: Any) -> float:
    """The largest relative error of `gradients` against `numeric_gradients`, entry by entry
    |g - n| / max(|g| + |n|, 1e-12)."""
    exact = gradients(params, X, T)
    approximate = numeric_gradients(params, X, T)
    worst = 0.0
    for key, value in exact.items():
        value, other = np.asarray(value, np.float64), np.asarray(approximate[key])
        scale = np.maximum(np.abs(value) + np.abs(other), 1e-12)
        worst = max(worst, float(np.max(np.abs(value - other) / scale)))
    return worst


def predict(params: Params, X: Any) -> jax.Array:
    """The class of each row of X (softmax), 0 or 1 for each sigmoid output, or the outputs themselves."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return jnp.argmax(outputs, axis=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).astype(jnp.int32)
    return outputs


def accuracy(params: Params, X: Any, T: Any) -> float:
    """The fraction of rows (softmax) or outputs (sigmoid) whose predicted class is the target's."""
    (T,) = _arrays(params, T)
    if OUTPUT == "softmax":
        return float(jnp.mean(predict(params, X) == jnp.argmax(T, axis=1), dtype=jnp.float64))
    if OUTPUT == "sigmoid":
        return float(jnp.mean(predict(params, X) == (T > 0.5), dtype=jnp.float64))
    raise ValueError(f"accuracy needs classes: this network's output is {OUTPUT}, a regression")
