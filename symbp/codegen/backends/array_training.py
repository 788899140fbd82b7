"""What the torch and jax modules' runtimes share: train (validation, early stopping, resume, the
progress line, bfgs and lbfgs), save/load, numeric gradients, gradient_check and accuracy, written once
over each library's engine and its `_to_numpy` and `_from_numpy`.

Copied into a torch or jax module (from the ``# symbp: copied`` line) last,
after the NumPy runtime's ``progress``, ``settings`` and ``minimize`` parts,
which it runs as the NumPy module does, and the library's training part,
which defines ``IN_PLACE``, ``_engine`` (the parameters on the library's
arrays, its steps and optimisers) and ``predict``; its ops part defines the
two conversions.
"""

import os
from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.backends.backend_interface import IN_PLACE, _engine, _from_numpy, _to_numpy, predict
from symbp.codegen.derived_interface import OUTPUT, _arrays, cost, gradients
from symbp.codegen.runtime.minimize import SCIPY_METHODS, _minimize
from symbp.codegen.runtime.progress import History, _EarlyStopping, _Progress, _report, _settle, _stops
from symbp.codegen.runtime.settings import TRAIN, _split

# symbp: copied

OPTIMIZERS = (*IN_PLACE, *SCIPY_METHODS)
# Where the last train() call ended, which the next call resumes when it continues from there: the
# parameters it left (on the host), its settings, its engine, optimiser state and shuffling.
_ENDING: dict[str, Any] = {}


class _Costs:
    """The training cost at the engine's parameters, and the validation cost or None, as `train` records
    them; for bfgs and lbfgs also what SciPy's loop (`_minimize`) reads: `cached["flat"]`, the parameters
    as a NumPy vector that SciPy sets, and `cached["gradient"]`, which `backward` fills."""

    def __init__(self, engine: Any, X: Any, T: Any, held_out: tuple | None, on_host: bool) -> None:
        self.engine, self.X, self.T, self.held_out, self.on_host = engine, X, T, held_out, on_host
        flat = engine.host()
        self.cached = {"flat": flat, "gradient": np.empty_like(flat), "step": self, "forwarded": False}

    def __call__(self, training: float | None = None) -> tuple[float, float | None]:
        return self.training() if training is None else training, self.validation()

    def training(self) -> float:
        if self.on_host:  # SciPy has just set the vector
            self.engine.load(self.cached["flat"])
        return cost(self.engine.params, self.X, self.T)

    def validation(self) -> float | None:
        return None if self.held_out is None else cost(self.engine.params, *self.held_out)

    def backward(self, X: Any, T: Any) -> None:
        """The derived gradient at the parameters `training` loaded, moved to NumPy once."""
        self.engine.gradient_into(self.cached["gradient"])


def train(
    params: dict,
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
    tolerance: float = TRAIN["tolerance"],
    shuffle: bool = TRAIN["shuffle"],
    validation: Any = TRAIN["validation"],
    early_stopping: int = TRAIN["early_stopping"],
    resume: bool = True,
) -> History:
    """Train on (X, T), updating params; returns the costs it computed (a `History`), as the NumPy
    module's train does, with the same settings and meanings.

    sgd, momentum, nesterov and adam step on the library's arrays (full batch
    when batch_size is None, else mini-batches shuffled each epoch by
    np.random.default_rng(seed) when shuffle); bfgs and lbfgs run SciPy's
    minimize on the full batch, the gradient moved to NumPy once per call of
    its objective. validation (a fraction held out, or a pair), early_stopping
    (which leaves the parameters of `History.best_epoch`), print_every (the
    progress line) and tolerance as in the NumPy module. A call that continues
    exactly where the previous one ended (params equal bit for bit to those it
    left, the same settings, data size and batch size, not interrupted nor set
    back by early stopping) resumes its optimiser state and shuffling unless
    resume=False, so a loop of train(epochs=1) trains as one call. Ctrl-C ends
    training cleanly, keeping the last completed step.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
    X, T = _arrays(params, X, T)
    held_out = None
    if validation is not None and (isinstance(validation, tuple | list) or validation):
        pair = tuple(map(_to_numpy, validation)) if isinstance(validation, tuple | list) else validation
        (X, T), held_out = _split(_to_numpy(X), _to_numpy(T), pair, seed)
        X, T = _arrays(params, X, T)
        held_out = tuple(_arrays(params, *held_out))
    if early_stopping and held_out is None:
        raise ValueError("early_stopping needs validation data (a fraction or a pair of arrays)")
    settings = {"learning_rate": learning_rate, "momentum": momentum, "beta1": beta1, "beta2": beta2}
    settings["eps"] = eps
    in_place = optimizer in IN_PLACE
    size = X.shape[0] if batch_size is None or not in_place else min(batch_size, X.shape[0])
    engine = _engine(params, X, T, size, optimizer, settings)
    costs = _Costs(engine, X, T, held_out, on_host=not in_place)
    chosen = (engine, optimizer, tuple(settings.items()), shuffle, seed, X.shape[0])
    ending = _ENDING.pop("last", None)
    if resume and ending is not None and ending["chosen"] == chosen and _same_bits(ending["flat"], costs):
        state, rng, order = ending["state"], ending["rng"], ending["order"]
    else:
        state, rng, order = engine.start(), np.random.default_rng(seed), np.arange(X.shape[0])
    stopper = _EarlyStopping(early_stopping, costs.cached["flat"]) if early_stopping else None
    progress = _Progress(print_every, epochs) if print_every else None
    history = History()
    try:
        try:
            if in_place:
                state = _descend(costs, epochs, progress, stopper, history, state, shuffle, rng, order)
            else:
                _minimize(
                    costs, None, epochs, progress, stopper, history, SCIPY_METHODS[optimizer], tolerance
                )
        except KeyboardInterrupt:
            history.stopped = "interrupted"
        finally:
            if progress is not None:
                progress.close()
            if not in_place:
                engine.load(costs.cached["flat"])  # SciPy's last accepted point
        if _settle(history, costs, stopper):
            stopper.restore()
            engine.load(costs.cached["flat"])
        elif history.stopped != "interrupted" and in_place:
            _ENDING["last"] = {
                "chosen": chosen,
                "flat": engine.host(),
                "state": state,
                "rng": rng,
                "order": order,
            }
    finally:
        engine.give(params)
    return history


def _same_bits(flat: np.ndarray, costs: _Costs) -> bool:
    """Whether the parameters the engine was given are, bit for bit, the host vector `flat`."""
    now = costs.cached["flat"]
    return flat.dtype == now.dtype and flat.tobytes() == now.tobytes()


def _descend(
    costs: _Costs,
    epochs: int,
    progress: _Progress | None,
    stopper: _EarlyStopping | None,
    history: History,
    state: Any,
    shuffle: bool,
    rng: np.random.Generator,
    order: np.ndarray,
) -> Any:
    """The epochs of an in-place optimiser on the engine; returns the optimiser's state after them."""
    engine, total = costs.engine, costs.X.shape[0]
    history.record(0, *costs())
    for epoch in range(1, epochs + 1):
        if engine.size == total:
            state = engine.advance(state, None)
        else:
            if shuffle:
                rng.shuffle(order)
            for start in range(0, total, engine.size):
                state = engine.advance(state, order[start : start + engine.size])
        history.last_epoch = epoch
        _report(history, epoch, costs, progress)
        if stopper is not None:
            engine.host(out=stopper.flat)  # early stopping keeps the best epoch's parameters on the host
        if _stops(stopper, epoch, history, costs):
            history.stopped = "early_stopping"
            break
    return state


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
