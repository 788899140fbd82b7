"""What a user keeps calling besides train: save/load, numeric gradients, predict, accuracy."""

import os
from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import OUTPUT, cost, forward, gradients
from symbp.codegen.runtime.optimizers import Params

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
