"""The jax module's runtime: the optimisers as pure updates, the jitted step, train and predict.

Copied into a jax module (from the ``# symbp: copied`` line) after its
derived part, ``History`` and the part the backends share
(``array_training.py``). A step is one ``jax.jit`` of the derived
``gradients`` and the optimiser's update, whose parameters and optimiser
state are donated: XLA writes the new ones into the old ones' buffers.
"""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

# symbp: package only
from symbp.codegen.backends.array_training import TRAIN, History, _epochs
from symbp.codegen.derived_interface import OUTPUT, _arrays, cost, forward, gradients

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
    state = {"params": {key: jnp.array(value, copy=True) for key, value in params.items()}}
    state["optimizer"] = start(state["params"])

    def advance(X_batch: jax.Array, T_batch: jax.Array) -> None:
        state["params"], state["optimizer"] = step(state["params"], state["optimizer"], X_batch, T_batch)

    size = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
    options = {"size": size, "epochs": epochs, "shuffle": shuffle, "seed": seed, "print_every": print_every}
    try:
        history = _epochs(advance, lambda: state["params"], X, T, **options)
    finally:
        params.update(state["params"])
    history.record(history.last_epoch, cost(params, X, T), None)
    return history


def predict(params: Params, X: Any) -> jax.Array:
    """The class of each row of X (softmax), 0 or 1 for each sigmoid output, or the outputs themselves."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return jnp.argmax(outputs, axis=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).astype(jnp.int32)
    return outputs
