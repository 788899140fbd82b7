"""The in-place optimisers of a generated module's runtime: sgd, momentum, nesterov and adam."""

from collections.abc import Callable

import numpy as np

# symbp: copied

Params = dict[str, np.ndarray]
Update = Callable[[], None]


# The in-place optimisers: each factory allocates its vectors once and returns the update, which
# changes flat (the packed parameters) by one operation a step, so Ctrl-C between steps leaves flat at
# the last completed step. Each line cites the rule of the derivation's document that it implements;
# tests/test_training.py checks one and two steps of each against the textbook formula.
def _update_sgd(flat: np.ndarray, gradient: np.ndarray, dtype: np.dtype) -> Update:
    """Gradient descent; gradient holds learning_rate * g."""

    def update() -> None:
        nonlocal flat
        # eq:update-sgd
        flat -= gradient

    return update


def _update_momentum(flat: np.ndarray, gradient: np.ndarray, momentum: float, dtype: np.dtype) -> Update:
    """Gradient descent with momentum; gradient holds learning_rate * g."""
    velocity = np.zeros(flat.shape, dtype)

    def update() -> None:
        nonlocal flat, velocity
        # eq:update-momentum-velocity
        velocity *= momentum
        velocity -= gradient
        # eq:update-momentum
        flat += velocity

    return update


def _update_nesterov(flat: np.ndarray, gradient: np.ndarray, momentum: float, dtype: np.dtype) -> Update:
    """Nesterov's accelerated gradient; gradient holds learning_rate * g."""
    velocity = np.zeros(flat.shape, dtype)
    step = np.empty(flat.shape, dtype)

    def update() -> None:
        nonlocal flat, velocity, step
        # eq:update-nesterov-velocity
        velocity *= momentum
        velocity -= gradient
        # eq:update-nesterov
        np.multiply(velocity, momentum, out=step)
        step -= gradient
        flat += step

    return update


def _update_adam(
    flat: np.ndarray,
    gradient: np.ndarray,
    learning_rate: float,
    beta1: float,
    beta2: float,
    eps: float,
    dtype: np.dtype,
) -> Update:
    """Adam; gradient holds g, and is scratch once m and v have read it (the next step rewrites it).

    m and v hold the moments divided by (1 - beta1) and (1 - beta2): each then
    takes one operation fewer a step, and the step scalars eta_t and eps_t
    (Python floats, computed once a step) carry the factors back.
    """
    m = np.zeros(flat.shape, dtype)
    v = np.zeros(flat.shape, dtype)
    t = 0

    def update() -> None:
        nonlocal flat, m, v, gradient, t
        t += 1  # the step number of the bias corrections
        # eq:update-adam-m
        m *= beta1
        m += gradient
        # eq:update-adam-v
        v *= beta2
        np.square(gradient, out=gradient)
        v += gradient
        # eq:update-adam-mhat
        # eq:update-adam-vhat
        # eq:update-adam
        # (as theta <- theta - eta_t * m / (sqrt(v) + eps_t) with the rescaled m and v)
        eta_t = learning_rate * ((1 - (beta2**t)) / (1 - beta2)) ** 0.5 * (1 - beta1) / (1 - (beta1**t))
        eps_t = eps * ((1 - (beta2**t)) / (1 - beta2)) ** 0.5
        np.sqrt(v, out=gradient)
        gradient += eps_t
        np.divide(m, gradient, out=gradient)
        gradient *= eta_t
        flat -= gradient

    return update


# optimizer: (the factory of its update, the settings it reads, whether gradient holds learning_rate * g)
IN_PLACE: dict[str, tuple[Callable[..., Update], tuple[str, ...], bool]] = {
    "sgd": (_update_sgd, (), True),
    "momentum": (_update_momentum, ("momentum",), True),
    "nesterov": (_update_nesterov, ("momentum",), True),
    "adam": (_update_adam, ("learning_rate", "beta1", "beta2", "eps"), False),
}
OPTIMIZERS = (*IN_PLACE, "bfgs", "lbfgs")
