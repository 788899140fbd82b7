"""What a user keeps calling besides train: save/load, numeric gradients, predict, accuracy, main."""

import os
import sys
from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import (
    COST,
    DATA_T,
    DATA_T_VALIDATION,
    DATA_X,
    DATA_X_VALIDATION,
    DTYPE,
    LAYERS,
    OUTPUT,
    cost,
    forward,
    gradients,
    init_params,
)
from symbp.codegen.runtime.optimizers import Params
from symbp.codegen.runtime.settings import TRAIN
from symbp.codegen.runtime.training import train

# symbp: copied


def save_params(path: str | os.PathLike, params: Params) -> str:
    """Write params to `path` (.npz added when missing) as np.savez does, atomically: one array per key."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **params)
    os.replace(temporary, path)
    return path


def load_params(path: str | os.PathLike) -> Params:
    """The params dict that `save_params` wrote to `path`, keys in their order."""
    with np.load(os.fspath(path)) as data:
        return {key: data[key] for key in data.files}


def numeric_gradients(params: Params, X: Any, T: Any, eps: float = 1e-6) -> Params:
    """Central differences of `cost` for every parameter entry, in float64."""
    params = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
    X = np.asarray(X, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    result = {}
    for key, value in params.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + eps
            upper = cost(params, X, T)
            value[index] = original - eps
            lower = cost(params, X, T)
            value[index] = original
            grad[index] = (upper - lower) / (2 * eps)
        result[key] = grad
    return result


def gradient_check(params: Params, X: Any, T: Any) -> float:
    """The largest relative error of `gradients` against `numeric_gradients`.

    Entry by entry |g - n| / max(|g| + |n|, 1e-12).
    """
    exact = gradients(params, X, T)
    approximate = numeric_gradients(params, X, T)
    worst = 0.0
    for key, value in exact.items():
        difference = np.abs(value - approximate[key])
        scale = np.maximum(np.abs(value) + np.abs(approximate[key]), 1e-12)
        worst = max(worst, float(np.max(difference / scale)))
    return worst


def predict(params: Params, X: Any) -> np.ndarray:
    """The class of each row of X (the largest softmax output), 0 or 1 for each sigmoid output (above
    0.5), or the outputs themselves for a regression (no classes to pick)."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return np.argmax(outputs, axis=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).astype(np.int64)
    return outputs


def accuracy(params: Params, X: Any, T: Any) -> float:
    """The fraction of rows whose predicted class is the one-hot target's class (softmax), or of outputs
    whose 0/1 prediction matches the target > 0.5 (sigmoid). A regression has no accuracy."""
    if OUTPUT == "softmax":
        return float(np.mean(predict(params, X) == np.argmax(np.asarray(T), axis=1)))
    if OUTPUT == "sigmoid":
        return float(np.mean(predict(params, X) == (np.asarray(T) > 0.5)))
    raise ValueError(f"accuracy needs classes: this network's output is {OUTPUT}, a regression")


def main() -> int:
    """Train on the spec's data as the spec says and print the outputs; Ctrl-C stops cleanly (status 130).

    Without data in the spec, check the gradients on random data instead.
    """
    if DATA_X is None:
        return _check_on_random_data()
    params = init_params(seed=TRAIN["seed"])
    X = np.array(DATA_X, dtype=DTYPE)
    T = np.array(DATA_T, dtype=DTYPE)
    print(f"initial cost {cost(params, X, T):.6g}")
    settings = {key: value for key, value in TRAIN.items() if key != "seed"}
    if DATA_X_VALIDATION is not None:
        settings["validation"] = (
            np.array(DATA_X_VALIDATION, dtype=DTYPE),
            np.array(DATA_T_VALIDATION, dtype=DTYPE),
        )
    try:
        with np.errstate(all="ignore"):
            history = train(params, X, T, seed=TRAIN["seed"], **settings)
    except ImportError as error:
        print(error)
        return 2
    final = history[-1]
    if history.stopped == "interrupted":
        print(f"interrupted: training stopped after epoch {history.last_epoch} with cost {final:.6g}")
        return 130
    if not np.isfinite(final):
        # Say so instead of printing NaN outputs: the step was too large for this network.
        print(f"training diverged: the cost became {final} - try a smaller learning rate")
        return 1
    if history.stopped == "early_stopping":
        print(f"stopped early after epoch {history.last_epoch}: the validation cost stopped falling")
    if history.best_epoch is not None:
        print(f"kept the parameters of epoch {history.best_epoch} (the lowest validation cost)")
        final = cost(params, X, T)
    print(f"final cost {final:.6g} after epoch {history.last_epoch}")
    print("outputs for the inputs:")
    for x, y in zip(X, forward(params, X), strict=True):
        print(" ", tuple(float(value) for value in x), "->", tuple(float(value) for value in y))
    return 0


def _check_on_random_data() -> int:
    rng = np.random.default_rng(TRAIN["seed"])
    params = init_params(seed=TRAIN["seed"], dtype=np.float64)
    X = rng.standard_normal((4, LAYERS[0]))
    if COST == "cce":
        T = np.eye(LAYERS[-1])[rng.integers(0, LAYERS[-1], 4)]
    else:
        T = rng.random((4, LAYERS[-1]))
    print("This spec has no data; gradient check on random data:", gradient_check(params, X, T))
    return 0


if __name__ == "__main__":
    sys.exit(main())
