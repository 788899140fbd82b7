"""What the torch and jax modules' runtimes share: the settings, the epochs loop, save/load, numeric
gradients, gradient_check and accuracy, written once over `_to_numpy` and `_from_numpy`.

Copied into a torch or jax module (from the ``# symbp: copied`` line) after
``History``; each library's ops part defines the two conversions, and its
training part the optimisers, ``train`` (which runs ``_epochs``) and ``predict``.
"""

import os
from collections.abc import Callable
from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.backends.backend_interface import _from_numpy, _to_numpy, predict
from symbp.codegen.derived_interface import OUTPUT, TRAIN, cost, gradients
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


def _epochs(
    advance: Callable[[Any, Any], None],
    current: Callable[[], Any],
    X: Any,
    T: Any,
    *,
    size: int,
    epochs: int,
    shuffle: bool,
    seed: int,
    print_every: int,
) -> History:
    """Run `epochs` epochs of `advance(X_batch, T_batch)` (one optimiser step) over batches of `size`
    rows, shuffled each epoch by numpy.random.default_rng(seed) when shuffle, as the NumPy module
    shuffles; the costs of `current()` (the parameters now) before, every print_every epochs and at the end.
    """
    total = X.shape[0]
    rng, order = np.random.default_rng(seed), np.arange(total)
    history = History()
    history.record(0, cost(current(), X, T), None)
    try:
        for epoch in range(1, epochs + 1):
            if size == total:
                advance(X, T)
            else:
                if shuffle:
                    rng.shuffle(order)
                for start in range(0, total, size):
                    rows = order[start : start + size]
                    advance(X[rows], T[rows])
            history.last_epoch = epoch
            if print_every and epoch % print_every == 0 and epoch != epochs:
                history.record(epoch, cost(current(), X, T), None)
                print(f"epoch {epoch}/{epochs}  cost {history[-1]:.6g}")
    except KeyboardInterrupt:
        history.stopped = "interrupted"
    return history


def save_params(path: str | os.PathLike, params: dict) -> str:
    """Write params to `path` (.npz added when missing) as the NumPy module does, atomically."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **{key: _to_numpy(value) for key, value in params.items()})
    os.replace(temporary, path)
    return path


def load_params(path: str | os.PathLike, device: Any = None) -> dict:
    """The params dict that `save_params` wrote to `path`, keys in their order, on `device` (None: the
    library's default)."""
    with np.load(os.fspath(path)) as data:
        return {key: _from_numpy(data[key], device) for key in data.files}


def numeric_gradients(params: dict, X: Any, T: Any, eps: float = 1e-6) -> dict:
    """Central differences of `cost` for every parameter entry, in float64."""
    values = {key: _to_numpy(value).astype(np.float64) for key, value in params.items()}
    X, T = (np.asarray(_to_numpy(array), dtype=np.float64) for array in (X, T))

    def cost_now() -> float:
        return cost({name: _from_numpy(array) for name, array in values.items()}, X, T)

    result = {}
    for key, value in values.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + eps
            upper = cost_now()
            value[index] = original - eps
            lower = cost_now()
            value[index] = original
            grad[index] = (upper - lower) / (2 * eps)
        result[key] = _from_numpy(grad)
    return result


def gradient_check(params: dict, X: Any, T: Any) -> float:
    """The largest relative error of `gradients` against `numeric_gradients`, entry by entry
    |g - n| / max(|g| + |n|, 1e-12)."""
    exact = gradients(params, X, T)
    approximate = numeric_gradients(params, X, T)
    worst = 0.0
    for key, value in exact.items():
        value, other = _to_numpy(value).astype(np.float64), _to_numpy(approximate[key])
        scale = np.maximum(np.abs(value) + np.abs(other), 1e-12)
        worst = max(worst, float(np.max(np.abs(value - other) / scale)))
    return worst


def accuracy(params: dict, X: Any, T: Any) -> float:
    """The fraction of rows (softmax) or outputs (sigmoid) whose predicted class is the target's."""
    predicted, T = _to_numpy(predict(params, X)), np.asarray(_to_numpy(T))
    if OUTPUT == "softmax":
        return float(np.mean(predicted == np.argmax(T, axis=1)))
    if OUTPUT == "sigmoid":
        return float(np.mean(predicted == (T > 0.5)))
    raise ValueError(f"accuracy needs classes: this network's output is {OUTPUT}, a regression")
