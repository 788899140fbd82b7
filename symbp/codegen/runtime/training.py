"""train: the in-place optimisers' epochs, the cache a loop of short calls reuses, and the resume rule."""

import hashlib
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import LAYERS, SHAPES, _arrays, _cost_of, _make_step, cost
from symbp.codegen.runtime.minimize import SCIPY_METHODS, _minimize
from symbp.codegen.runtime.optimizers import IN_PLACE, OPTIMIZERS, Params
from symbp.codegen.runtime.progress import History, _EarlyStopping, _Progress, _report, _settle, _stops
from symbp.codegen.runtime.settings import TRAIN, _split

# symbp: copied

_SHAPE_AND_DTYPE = operator.attrgetter("shape", "dtype")
# The last train() call's packed parameters, gradient and step buffers, kept for the next call
# with the same shapes, dtype, batch sizes and learning rate (a loop of short calls reuses them),
# and where that call ended, which the next call resumes when it continues from there.
_CACHE: dict[tuple, dict[str, Any]] = {}


def train(
    params: Params,
    X: Any,
    T: Any,
    *,
    learning_rate: float,
    epochs: int,
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
    """Train on (X, T), updating params in place; returns the costs it computed (a `History`).

    optimizer is one of OPTIMIZERS: sgd, momentum, nesterov and adam step in
    place (full batch when batch_size is None, else mini-batches of batch_size
    rows, shuffled each epoch by np.random.default_rng(seed) when shuffle;
    batch_size=1 is per-sample training); bfgs and lbfgs run SciPy's minimize
    on the full batch for at most `epochs` iterations, until every entry of
    the gradient is below tolerance.

    A call that continues exactly where the previous call ended (params equal
    bit for bit to those it left, the same optimizer, settings, batch_size,
    shuffle, seed and number of rows; the previous call not interrupted and
    not set back to an earlier epoch by early stopping) resumes that call's optimiser state (velocity, Adam's
    moments and step count) and shuffling, so
    `for _ in range(k): train(params, X, T, learning_rate=..., epochs=1)`
    trains exactly as one call with epochs=k. Any other call, or resume=False,
    starts the state afresh; bfgs and lbfgs always do (SciPy's minimize keeps
    nothing between calls). On the same X and T (bit for bit) such a call also
    takes its first cost from the previous call's last instead of computing it.

    validation is a fraction of the rows held out (seeded) or a pair
    (X_validation, T_validation); early_stopping > 0 stops once the validation
    cost has not improved for that many epochs, and training with it leaves
    the parameters of the epoch with the lowest validation cost
    (`History.best_epoch`) unless Ctrl-C ended it; it watches the epochs of
    one call (a loop of short calls does not carry it on). The costs are computed
    before training, every print_every epochs (and printed then) and at the
    end; when one step takes all of X, from the step's own forward pass,
    which the next step (in this call or a continuing one) then reuses.
    Progress is shown every print_every epochs (see `_Progress`). Ctrl-C ends
    training cleanly.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
    if "W1" not in params:
        _check_params(params)  # the one-line message of a missing key, before anything reads W1's dtype
    X, T = _arrays(params, X, T)
    (X, T), held_out = _split(X, T, validation, seed)
    if early_stopping and held_out is None:
        raise ValueError("early_stopping needs validation data (a fraction or a pair of arrays)")
    history = History()
    settings = {
        "learning_rate": learning_rate,
        "momentum": momentum,
        "beta1": beta1,
        "beta2": beta2,
        "eps": eps,
    }
    in_place = optimizer in IN_PLACE
    if in_place:
        factory, names, folded = IN_PLACE[optimizer]
        size = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
        cached = _cached(params, X, size, learning_rate if folded else 1.0)
    else:
        cached = _cached(params, X, X.shape[0], 1.0)
    ending = _pack(cached, params)
    same_data = ending is not None and _same(ending["data"], X, T)
    if not same_data:
        cached["forwarded"] = False  # the step's buffers hold activations of other parameters or data
    costs = _Costs(cached, X, T, held_out)
    first = ending["cost"] if same_data else None
    stopper = _EarlyStopping(early_stopping, cached["flat"]) if early_stopping else None
    if in_place:
        values = tuple(map(settings.__getitem__, names))
        chosen = (optimizer, values, shuffle, seed, X.shape[0])
        if resume and ending is not None and ending["chosen"] == chosen:
            update, rng, order = ending["update"], ending["rng"], ending["order"]
        else:
            update = factory(cached["flat"], cached["gradient"], *values, X.dtype)
            rng, order = np.random.default_rng(seed), np.arange(X.shape[0])
        run = _descend
        arguments = (update, shuffle, rng, order)
    else:
        run = _minimize
        arguments = (SCIPY_METHODS[optimizer], tolerance)
    progress = _Progress(print_every, epochs) if print_every else None
    try:
        try:
            run(costs, first, epochs, progress, stopper, history, *arguments)
        except KeyboardInterrupt:
            history.stopped = "interrupted"
        finally:
            if progress is not None:
                progress.close()
        if _settle(history, costs, stopper):
            stopper.restore()
            cached["forwarded"] = False
        elif history.stopped != "interrupted" and in_place:
            cached["ending"] = {
                "data": ending["data"] if same_data else _seen(X, T, costs.whole),
                "cost": history[-1],
                "chosen": chosen,
                "update": update,
                "rng": rng,
                "order": order,
            }
    finally:
        # slice assignment copies small arrays in half the time of np.copyto; _cached checked the dtypes
        for target, value in zip(params.values(), cached["views"].values(), strict=True):
            target[...] = value
    return history


def _pack(cached: dict[str, Any], params: Params) -> dict[str, Any] | None:
    """Copy params into the packed vector; the previous call's ending when params are, bit for bit,
    the parameters it left (copied first into the gradient vector, which the first step overwrites)."""
    ending, cached["ending"] = cached["ending"], None
    for target, value in zip(cached["gradients"].values(), params.values(), strict=True):
        target[...] = value
    if _identical(cached["gradient"], cached["flat"]):
        return ending
    np.copyto(cached["flat"], cached["gradient"])
    return None


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays of one dtype hold the same bits (NaN equals NaN, -0.0 differs from 0.0)."""
    if a.shape != b.shape:
        return False
    if a.nbytes <= 4096:  # two bytes objects compare in a tenth of the time of a ufunc call on small arrays
        return a.tobytes() == b.tobytes()
    bits = f"u{a.itemsize}"
    return np.array_equal(a.view(bits), b.view(bits))


def _seen(X: np.ndarray, T: np.ndarray, whole: bool) -> tuple:
    """What lets the next call recognise X and T: copies when one step takes all of X (no larger than
    the step's own buffers), else SHA-1 digests of their bytes (no second copy of a large data set)."""
    if whole:
        return X.copy(), T.copy()
    return tuple(hashlib.sha1(array, usedforsecurity=False).digest() for array in (X, T)) + (X.shape, T.shape)


def _same(seen: tuple, X: np.ndarray, T: np.ndarray) -> bool:
    """Whether X and T are, bit for bit, the data `seen` was taken of."""
    if isinstance(seen[0], np.ndarray):
        return _identical(seen[0], X) and _identical(seen[1], T)
    return seen == _seen(X, T, False)


class _Costs:
    """The training cost at the packed parameters, and the validation cost or None, as `train` records them.

    When one step takes all of X (full batch, bfgs), the training cost is
    computed from the step's own forward pass, by the arithmetic of `cost`, and
    `cached["forwarded"]` tells the next step that it needs only its backward half.
    """

    def __init__(self, cached: dict[str, Any], X: np.ndarray, T: np.ndarray, held_out: tuple | None) -> None:
        self.cached, self.X, self.T, self.held_out = cached, X, T, held_out
        self.params = cached["views"]
        self.whole = cached["size"] == X.shape[0]

    def __call__(self, training: float | None = None) -> tuple[float, float | None]:
        return self.training() if training is None else training, self.validation()

    def training(self) -> float:
        if not self.whole:
            return cost(self.params, self.X, self.T)
        step = self.cached["step"]
        if not self.cached["forwarded"]:
            step.forward(self.X)
            self.cached["forwarded"] = True
        return _cost_of(self.params, step.values, self.T)

    def validation(self) -> float | None:
        return None if self.held_out is None else cost(self.params, *self.held_out)


def _check_params(params: Params) -> None:
    """One clear error for params that are not this network's: a key too many or too few, a shape, a dtype.

    (A key of no parameter would be packed with the rest and updated by a gradient never computed.)
    """
    expected = ", ".join(f"{name} {shape}" for name, shape in SHAPES.items())
    for name in params:
        if name not in SHAPES:
            raise ValueError(f"params[{name!r}]: this network has no such parameter; it has {expected}")
    for name, shape in SHAPES.items():
        if name not in params:
            raise ValueError(f"params lacks {name!r}; this network has {expected}")
        value = params[name]
        if value.shape != shape:
            raise ValueError(f"params[{name!r}] has shape {value.shape}; this network's {name} is {shape}")
        if value.dtype.kind != "f":
            raise TypeError(f"params[{name!r}] holds {value.dtype}: train needs floating-point arrays")


def _cached(params: Params, X: np.ndarray, size: int, learning_rate: float) -> dict[str, Any]:
    """Packed parameters, gradient, steps and batch buffers: from the last call when they fit."""
    rest = X.shape[0] % size
    key = (X.dtype, tuple(params), *map(_SHAPE_AND_DTYPE, params.values()), size, rest, learning_rate)
    cached = _CACHE.get(key)
    if cached is None:
        _check_params(params)
        _CACHE.clear()
        flat, views = _packed(params)
        gradient, gradients = _packed(params)
        cached = _CACHE[key] = {
            "size": size,
            "flat": flat,
            "views": views,
            "gradient": gradient,
            "gradients": gradients,
            "step": _make_step(views, gradient, gradients, size, learning_rate),
            "last": _make_step(views, gradient, gradients, rest, learning_rate) if rest else None,
            "batch": (np.empty((size, X.shape[1]), X.dtype), np.empty((size, LAYERS[-1]), X.dtype)),
            "rest": (np.empty((rest, X.shape[1]), X.dtype), np.empty((rest, LAYERS[-1]), X.dtype)),
            "forwarded": False,  # the step's forward buffers hold flat's activations on the data of "ending"
            "ending": None,
        }
    return cached


def _descend(
    costs: "_Costs",
    first: float | None,
    epochs: int,
    progress: _Progress | None,
    stopper: _EarlyStopping | None,
    history: History,
    update: Callable[[], None],
    shuffle: bool,
    rng: np.random.Generator,
    order: np.ndarray,
) -> None:
    """The epochs of an in-place optimiser: step (the derived gradient), then update."""
    cached, X, T = costs.cached, costs.X, costs.T
    total, size = X.shape[0], cached["size"]
    rest = total % size
    step, last = cached["step"], cached["last"]
    (X_batch, T_batch), (X_last, T_last) = cached["batch"], cached["rest"]
    history.record(0, *costs(first))
    for epoch in range(1, epochs + 1):
        if size == total:
            # after a recorded cost the forward buffers already hold this epoch's activations
            (step.backward if cached["forwarded"] else step)(X, T)
            cached["forwarded"] = False
            update()
        else:
            if shuffle:
                rng.shuffle(order)
            for start in range(0, total - rest, size):
                np.take(X, order[start : start + size], axis=0, out=X_batch, mode="clip")
                np.take(T, order[start : start + size], axis=0, out=T_batch, mode="clip")
                step(X_batch, T_batch)
                update()
            if last is not None:
                np.take(X, order[total - rest :], axis=0, out=X_last, mode="clip")
                np.take(T, order[total - rest :], axis=0, out=T_last, mode="clip")
                last(X_last, T_last)
                update()
        history.last_epoch = epoch
        _report(history, epoch, costs, progress)
        if _stops(stopper, epoch, history, costs):
            history.stopped = "early_stopping"
            return


def _packed(params: Params) -> tuple[np.ndarray, Params]:
    """One contiguous array holding a copy of every parameter, and views of it shaped like params."""
    flat = np.empty(sum(value.size for value in params.values()), params["W1"].dtype)
    views, offset = {}, 0
    for key, value in params.items():
        views[key] = flat[offset : offset + value.size].reshape(value.shape)
        np.copyto(views[key], value)
        offset += value.size
    return flat, views
