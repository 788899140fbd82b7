# written by symbp; symbp-sha256: f9b7ff469b0d64e241528f24ca127ddc1a944d4e09dcc574fa512cb93407897d
"""skip_xor: 2-1-1, sigmoid, half_mse, biases, graph of W1, W2, W2_0.

XOR with one hidden unit and direct input-to-output connections (Rumelhart, Hinton and Williams, 1986)

Printed by `symbp generate` from the derivation: first the derived part, where each backward line
of `gradients` and of the in-place step names the equation it implements, then the training
runtime. Layer 0 is the input; W{l} has shape (n_{l-1}, n_l), rows of X are samples.
"""

import hashlib
import operator
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

LAYERS = (2, 1, 1)
# every parameter's shape, in the order init_params draws them
SHAPES = {"W1": (2, 1), "b1": (1,), "W2": (1, 1), "W2_0": (2, 1), "b2": (1,)}
# every parameter's fan-in (the units feeding it), which scales its initial values
FAN_IN = {"W1": 2, "b1": 2, "W2": 1, "W2_0": 2, "b2": 3}
ACTIVATIONS = ("sigmoid", "sigmoid")
COST = "half_mse"
OUTPUT = "sigmoid"  # "softmax" or "sigmoid": predict picks classes; else "values"
L2 = 0.0
DTYPE = np.float64
DATA_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
DATA_T = [[0.0], [1.0], [1.0], [0.0]]
DATA_X_VALIDATION = None
DATA_T_VALIDATION = None
# the spec's [train] settings (the runtime below adds the defaults of the others)
TRAIN = {"learning_rate": 0.5, "epochs": 5000, "print_every": 500}

_EXP_LIMIT = {np.dtype(np.float32): 87.0, np.dtype(np.float64): 708.0}  # exp(-z) overflows past these


def _sigmoid(z, out=None):
    """1 / (1 + exp(-z)) with no overflow warning; small arrays clip -z, large ones silence it."""
    out = np.negative(z, out=out)
    if out.size <= 4096:
        np.minimum(out, _EXP_LIMIT.get(out.dtype, 708.0), out=out)
        np.exp(out, out=out)
    else:
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)  # vectorised, where np.reciprocal is not


def init_params(seed=0, dtype=DTYPE):
    """Weights and biases drawn uniformly from (-1, 1) / sqrt(n_{l-1})."""
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in SHAPES.items():
        limit = 1 / np.sqrt(FAN_IN[name])
        params[name] = rng.uniform(-limit, limit, shape).astype(dtype)
    return params


def _arrays(params, *arrays):
    """Inputs as contiguous arrays of the parameters' dtype."""
    dtype = params["W1"].dtype
    return [np.ascontiguousarray(array, dtype=dtype) for array in arrays]


def _forward(params, X):
    """Z and A of every layer (the derivation's forward lines)."""
    W1, b1, W2, W2_0, b2 = (params[name] for name in SHAPES)
    Z1 = X @ W1 + b1
    A1 = _sigmoid(Z1)
    Z2 = A1 @ W2 + X @ W2_0 + b2
    A2 = _sigmoid(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def forward(params, X):
    """The network's outputs A2 for the rows of X."""
    (X,) = _arrays(params, X)
    return _forward(params, X)["A2"]


def cost(params, X, T):
    """C = (1/N) sum of (a - t)**2/2 over samples and outputs (half_mse)."""
    X, T = _arrays(params, X, T)
    return _cost_of(params, _forward(params, X), T)


def _cost_of(params, values, T):
    """The cost of the forward arrays in `values` against T."""
    A2 = values["A2"]
    terms = (A2 - T) ** 2 / 2
    total = terms.sum() / T.shape[0]
    return float(total)


def gradients(params, X, T):
    """dC/dW and dC/db for every layer: the derived backward lines, on the arrays of the forward pass."""
    X, T = _arrays(params, X, T)
    N = X.shape[0]
    values = _forward(params, X)
    A1, A2 = values["A1"], values["A2"]
    W2 = params["W2"]
    # eq:delta-L-matrix
    delta2 = 1 / N * (A2 * (1 - A2) * (A2 - T))
    # eq:dW-graph
    dW2 = A1.T @ delta2
    # eq:dW-graph
    dW2_0 = X.T @ delta2
    # eq:db-graph
    db2 = np.sum(delta2, axis=0)
    # eq:dA-graph
    dA1 = delta2 @ W2.T
    # eq:delta-graph
    delta1 = dA1 * (A1 * (1 - A1))
    # eq:dW-graph
    dW1 = X.T @ delta1
    # eq:db-graph
    db1 = np.sum(delta1, axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "W2_0": dW2_0, "b2": db2}


def _make_step(params, gradient, gradients, N, learning_rate):
    """The derived step on N rows: `step.forward(X)`, then `step.backward(X, T)` writing
    learning_rate * dC/dtheta (folded into the output delta, so every delta, dW and db holds it).

    `params` and `gradients` are views of the two flat vectors an optimiser updates; every buffer is
    allocated here, once. `step.values` holds the arrays the cost reads, for `train`'s costs.
    """
    dtype = params["W1"].dtype
    W1, b1, W2, W2_0, b2 = (params[name] for name in SHAPES)
    Z1 = np.empty((N, 1), dtype)
    A1 = np.empty((N, 1), dtype)
    Z2 = np.empty((N, 1), dtype)
    A2 = np.empty((N, 1), dtype)
    delta2 = np.empty((N, 1), dtype)
    dA1 = np.empty((N, 1), dtype)
    delta1 = np.empty((N, 1), dtype)
    dW1, db1, dW2, dW2_0, db2 = (gradients[name] for name in SHAPES)
    work1 = np.empty((N, 1), dtype)  # work and mask buffers: scratch, written before each read
    ones = np.ones(N, dtype)  # column sums as the product 1^T M (eq:db-matrix)

    def forward(X):
        nonlocal Z1, Z2
        np.dot(X, W1, out=Z1)
        Z1 += b1
        _sigmoid(Z1, out=A1)
        np.dot(A1, W2, out=Z2)
        np.dot(X, W2_0, out=work1)
        Z2 += work1
        Z2 += b2
        _sigmoid(Z2, out=A2)

    def backward(X, T):
        nonlocal delta2, delta1
        # eq:delta-L-matrix
        np.subtract(1.0, A2, out=delta2)
        np.subtract(A2, T, out=work1)
        delta2 *= work1
        delta2 *= A2
        delta2 *= learning_rate / N
        # eq:dW-graph
        np.dot(A1.T, delta2, out=dW2)
        # eq:dW-graph
        np.dot(X.T, delta2, out=dW2_0)
        # eq:db-graph
        np.dot(ones, delta2, out=db2)
        # eq:dA-graph
        np.dot(delta2, W2.T, out=dA1)
        # eq:delta-graph
        np.subtract(1.0, A1, out=delta1)
        delta1 *= A1
        delta1 *= dA1
        # eq:dW-graph
        np.dot(X.T, delta1, out=dW1)
        # eq:db-graph
        np.dot(ones, delta1, out=db1)

    def step(X, T):
        forward(X)
        backward(X, T)

    step.forward, step.backward, step.values = forward, backward, {"A2": A2}
    return step


# ---- the training runtime: symbp/codegen/runtime/*.py, copied verbatim (train, save, main) ----


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


class History(list):
    """The training costs `train` computed, as a list, with their epochs and why training ended.

    `epochs[k]` is the epoch (or iteration) of `self[k]`, counted from 0 in
    each call, `validation[k]` the validation cost then (empty without
    validation data), and `stopped` why training ended: "epochs",
    "converged", "precision" (bfgs and lbfgs: the line search could lower
    the cost no further at the dtype's precision), "early_stopping" or
    "interrupted" (Ctrl-C: the parameters are those of the last completed
    step). The costs run to `last_epoch`.
    With early stopping on, training that was not interrupted leaves the
    parameters of `best_epoch`, the epoch with the lowest validation cost,
    whether it stopped early or ran all its epochs (None without it).
    """

    stopped: str = "epochs"  # until train sets these on the instance
    last_epoch: int = 0
    best_epoch: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []
        self.validation: list[float] = []

    def record(self, epoch: int, value: float, held_out: float | None) -> None:
        self.append(value)
        self.epochs.append(epoch)
        if held_out is not None:
            self.validation.append(held_out)


class _EarlyStopping:
    """Stop once the validation cost has not fallen below its best for `patience` epochs in a row.

    Keeps a copy of the packed parameters `flat` of the best epoch so far
    (before training: epoch 0, until an epoch has a lower validation cost).
    """

    def __init__(self, patience: int, flat: np.ndarray) -> None:
        self.patience = patience
        self.flat = flat
        self.kept = flat.copy()
        self.best = np.inf
        self.best_epoch = 0
        self.waited = 0

    def stop(self, epoch: int, value: float) -> bool:
        if value < self.best:
            self.best, self.best_epoch, self.waited = value, epoch, 0
            np.copyto(self.kept, self.flat)
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore(self) -> None:
        """Put the best epoch's parameters back into flat."""
        np.copyto(self.flat, self.kept)


class _Progress:
    """The costs shown every `every` epochs: one line rewritten in place on a terminal, else a line each.

    Each shows the epoch of `epochs`, the cost to 6 significant figures (and the
    validation cost), the epochs per second so far and the time left at that rate.
    """

    def __init__(self, every: int, epochs: int, stream: TextIO | None = None) -> None:
        self.every, self.epochs = every, epochs
        self.stream = sys.stdout if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = bool(isatty and isatty())
        self.start = time.perf_counter()
        self.shown = False

    def show(self, epoch: int, value: float, held_out: float | None) -> None:
        elapsed = time.perf_counter() - self.start
        rate = epoch / elapsed if elapsed > 0 else float("inf")
        line = f"epoch {epoch}/{self.epochs}  cost {value:.6g}"
        if held_out is not None:
            line += f"  validation {held_out:.6g}"
        if 0 < rate < float("inf"):
            speed = f"{rate:.0f}" if rate >= 100 else f"{rate:.3g}"
            line += f"  {speed} epochs/s  {_duration((self.epochs - epoch) / rate)} left"
        if self.terminal:
            self.stream.write(f"\r{line}\x1b[K")  # \x1b[K clears the rest of a longer previous line
            self.stream.flush()
        else:
            print(line, file=self.stream, flush=True)
        self.shown = True

    def close(self) -> None:
        """End the terminal's progress line, so what follows starts on a line of its own."""
        if self.terminal and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    """A time left as people read it: 42 s, 3 min 20 s, 2 h 05 min."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _report(history: History, epoch: int, costs: Any, progress: _Progress | None) -> None:
    """Record the costs every `progress.every` epochs, and show them."""
    if progress is None or epoch % progress.every:
        return
    history.record(epoch, *costs())
    progress.show(epoch, history[-1], history.validation[-1] if costs.held_out is not None else None)


def _stops(stopper: _EarlyStopping | None, epoch: int, history: History, costs: Any) -> bool:
    """Whether early stopping ends training after `epoch` (the validation cost from its record if any)."""
    if stopper is None:
        return False
    held = history.validation[-1] if history.epochs[-1] == epoch else costs.validation()
    return stopper.stop(epoch, held)


def _settle(history: History, costs: Any, stopper: _EarlyStopping | None) -> bool:
    """After the epochs: the last epoch's costs recorded (unless they are), the best epoch with early
    stopping (unless Ctrl-C ended training); whether the best epoch's parameters must be put back."""
    if not history.epochs or history.epochs[-1] != history.last_epoch:
        history.record(history.last_epoch, *costs())
    if stopper is not None and history.stopped != "interrupted":
        history.best_epoch = stopper.best_epoch
    return history.best_epoch not in (None, history.last_epoch)


# every [train] setting a spec may leave out, as symbp's spec reader defaults it
TRAIN_DEFAULTS = {
    "learning_rate": 0.1,
    "epochs": 1000,
    "batch_size": None,
    "seed": 0,
    "print_every": 100,
    "optimizer": "sgd",
    "momentum": 0.9,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
    "tolerance": 1e-5,
    "shuffle": True,
    "validation": 0.0,
    "early_stopping": 0,
}
TRAIN = {**TRAIN_DEFAULTS, **TRAIN}  # the derived part's TRAIN holds the settings the spec gave


def _split(X: np.ndarray, T: np.ndarray, validation: Any, seed: int) -> tuple[tuple, tuple | None]:
    """(training X, T), (validation X, T) or None: a held-out fraction of seeded random rows, or a pair."""
    if validation is None or (not isinstance(validation, tuple | list) and not validation):
        return (X, T), None
    if isinstance(validation, tuple | list):
        X_held, T_held = (np.ascontiguousarray(array, dtype=X.dtype) for array in validation)
        return (X, T), (X_held, T_held)
    held = round(validation * X.shape[0])
    if not 0 < validation < 1 or held in (0, X.shape[0]):
        raise ValueError(f"validation={validation!r} must hold out some rows of {X.shape[0]}, not all")
    order = np.random.default_rng(seed).permutation(X.shape[0])
    kept, out = np.sort(order[held:]), np.sort(order[:held])
    return (X[kept], T[kept]), (X[out], T[out])


# the optimisers SciPy runs, by their names in scipy.optimize.minimize
SCIPY_METHODS = {"bfgs": "BFGS", "lbfgs": "L-BFGS-B"}


class _Stop(Exception):
    """Raised in SciPy's callback to end the iterations early."""


def _minimize(
    costs: Any,
    first: float | None,
    epochs: int,
    progress: _Progress | None,
    stopper: _EarlyStopping | None,
    history: History,
    method: str,
    tolerance: float,
) -> None:
    """bfgs and lbfgs: scipy.optimize.minimize on the packed parameters, jac the derived gradient.

    eq:update-bfgs-direction and eq:update-bfgs (or their lbfgs forms) are
    SciPy's; this function gives it C and g (eq:update-gradient) and the
    stopping rule (eq:update-bfgs-stop): tolerance and at most `epochs` iterations.
    """
    try:
        from scipy.optimize import minimize
    except ImportError:
        raise ImportError(
            f"method {method} needs SciPy: pip install scipy (or pip install 'symbp[train]')"
        ) from None
    cached, X, T = costs.cached, costs.X, costs.T
    flat, gradient, step = cached["flat"], cached["gradient"], cached["step"]
    accepted = flat.astype(np.float64)
    history.record(0, *costs(first))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        np.copyto(flat, theta)
        cached["forwarded"] = False
        value = costs.training()  # the step's forward pass, and the cost of its arrays
        step.backward(X, T)  # eq:update-gradient: the derived backward pass, learning rate 1
        return value, gradient.astype(np.float64)

    def callback(theta: np.ndarray) -> None:
        np.copyto(accepted, theta)
        np.copyto(flat, theta)
        cached["forwarded"] = False
        history.last_epoch += 1
        _report(history, history.last_epoch, costs, progress)
        if _stops(stopper, history.last_epoch, history, costs):
            history.stopped = "early_stopping"
            raise _Stop

    options = {"maxiter": epochs, "gtol": tolerance}
    if method == "BFGS":
        options["norm"] = np.inf  # every entry of g below tolerance (eq:update-bfgs-stop)
    try:
        result = minimize(
            objective, accepted.copy(), jac=True, method=method, options=options, callback=callback
        )
    except (_Stop, KeyboardInterrupt) as stop:
        np.copyto(flat, accepted)
        if isinstance(stop, KeyboardInterrupt):
            raise
        return
    finally:
        cached["forwarded"] = False
    np.copyto(flat, result.x)
    history.stopped = _STOPPED.get(result.status, "epochs")


# SciPy's result.status, as History.stopped says it: 0 the tolerance was met, 1 the iterations ran
# out, 2 the line search could lower the cost no further at the dtype's precision (SciPy's
# "precision loss"; L-BFGS-B's abnormal line search end)
_STOPPED = {0: "converged", 1: "epochs", 2: "precision"}


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
    X, T = _arrays(params, DATA_X, DATA_T)
    print(f"initial cost {cost(params, X, T):.6g}")
    settings = {key: value for key, value in TRAIN.items() if key != "seed"}
    if DATA_X_VALIDATION is not None:
        settings["validation"] = tuple(_arrays(params, DATA_X_VALIDATION, DATA_T_VALIDATION))
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
