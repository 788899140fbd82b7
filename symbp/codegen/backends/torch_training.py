"""The torch module's engine: the in-place optimisers, the parameters and steps train runs, predict.

Copied into a torch module (from the ``# symbp: copied`` line) after its
derived part and ahead of the part the runtimes share (``array_training.py``,
which holds ``train``). The derived step writes the gradient into one flat tensor
and the parameters live in another, as in the NumPy runtime; each optimiser
changes the flat parameters in place, so a steady-state step allocates
nothing. Everything runs under ``torch.no_grad()``: the gradient is the
derived one.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

# symbp: package only
from symbp.codegen.derived_interface import OUTPUT, _make_step, forward

# symbp: copied

Params = dict[str, torch.Tensor]
Update = Callable[[], None]


def _update_sgd(flat: torch.Tensor, gradient: torch.Tensor) -> Update:
    """Gradient descent; gradient holds learning_rate * g."""

    def update() -> None:
        # eq:update-sgd
        flat.sub_(gradient)

    return update


def _update_momentum(flat: torch.Tensor, gradient: torch.Tensor, momentum: float) -> Update:
    """Gradient descent with momentum; gradient holds learning_rate * g."""
    velocity = torch.zeros_like(flat)

    def update() -> None:
        # eq:update-momentum-velocity
        velocity.mul_(momentum).sub_(gradient)
        # eq:update-momentum
        flat.add_(velocity)

    return update


def _update_nesterov(flat: torch.Tensor, gradient: torch.Tensor, momentum: float) -> Update:
    """Nesterov's accelerated gradient; gradient holds learning_rate * g."""
    velocity = torch.zeros_like(flat)

    def update() -> None:
        # eq:update-nesterov-velocity
        velocity.mul_(momentum).sub_(gradient)
        # eq:update-nesterov
        flat.add_(velocity, alpha=momentum).sub_(gradient)

    return update


def _update_adam(
    flat: torch.Tensor, gradient: torch.Tensor, learning_rate: float, beta1: float, beta2: float, eps: float
) -> Update:
    """Adam; gradient holds g, and is scratch once m and v have read it (the next step rewrites it)."""
    m = torch.zeros_like(flat)
    v = torch.zeros_like(flat)
    t = 0

    def update() -> None:
        nonlocal t
        t += 1  # the step number of the bias corrections
        # eq:update-adam-m
        m.mul_(beta1).add_(gradient, alpha=1 - beta1)
        # eq:update-adam-v
        v.mul_(beta2).addcmul_(gradient, gradient, value=1 - beta2)
        # eq:update-adam-mhat
        # eq:update-adam-vhat
        # eq:update-adam
        # (as theta <- theta - eta_t * m / (sqrt(v) + eps_t), the bias corrections in the scalars)
        eta_t = learning_rate * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        eps_t = eps * (1 - beta2**t) ** 0.5
        torch.sqrt(v, out=gradient).add_(eps_t)
        flat.addcdiv_(m, gradient, value=-eta_t)

    return update


# optimizer: (the factory of its update, the settings it reads, whether gradient holds learning_rate * g)
IN_PLACE: dict[str, tuple[Callable[..., Update], tuple[str, ...], bool]] = {
    "sgd": (_update_sgd, (), True),
    "momentum": (_update_momentum, ("momentum",), True),
    "nesterov": (_update_nesterov, ("momentum",), True),
    "adam": (_update_adam, ("learning_rate", "beta1", "beta2", "eps"), False),
}


def _packed(params: Params) -> tuple[torch.Tensor, Params]:
    """One contiguous tensor holding a copy of every parameter, and views of it shaped like params."""
    first = params["W1"]
    flat = torch.empty(
        sum(value.numel() for value in params.values()), dtype=first.dtype, device=first.device
    )
    views, offset = {}, 0
    for key, value in params.items():
        views[key] = flat[offset : offset + value.numel()].view(value.shape)
        views[key].copy_(value)
        offset += value.numel()
    return flat, views


def _steps(params: Params, X: torch.Tensor, size: int, learning_rate: float) -> dict[str, Any]:
    """Packed parameters and gradient, the step on `size` rows and on the last shorter batch."""
    flat, views = _packed(params)
    gradient, gradient_views = _packed(params)
    rest = X.shape[0] % size
    return {
        "flat": flat,
        "views": views,
        "gradient": gradient,
        "step": _make_step(views, gradient, gradient_views, size, learning_rate),
        "last": _make_step(views, gradient, gradient_views, rest, learning_rate) if rest else None,
    }


class _Engine:
    """The parameters as views of one flat tensor, the derived steps writing one flat gradient tensor,
    and batch buffers: kept between calls with the same shapes, dtype, device, batch size and rate."""

    def __init__(self, params: Params, X: torch.Tensor, size: int, rate: float) -> None:
        cached = _steps(params, X, size, rate)
        self.size, self.flat, self.gradient = size, cached["flat"], cached["gradient"]
        self.params = cached["views"]
        self.steps = {size: cached["step"], X.shape[0] % size: cached["last"]}
        self.batches: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.start: Callable[[], Update | None]  # the optimiser's fresh update, set by _engine each call

    @torch.no_grad()
    def put(self, params: Params, X: torch.Tensor, T: torch.Tensor) -> None:
        for target, value in zip(self.params.values(), params.values(), strict=True):
            target.copy_(value)
        self.X, self.T = X, T

    def advance(self, update: Update, rows: np.ndarray | None) -> Update:
        """One step on the rows of X that `rows` lists (all of X when None), then the update."""
        X, T = self.X, self.T
        if rows is not None:
            if len(rows) not in self.batches:
                self.batches[len(rows)] = (
                    X.new_empty((len(rows), X.shape[1])),
                    T.new_empty((len(rows), T.shape[1])),
                )
            index = torch.from_numpy(rows).to(X.device)
            X_batch, T_batch = self.batches[len(rows)]
            X, T = torch.index_select(X, 0, index, out=X_batch), torch.index_select(T, 0, index, out=T_batch)
        self.steps[X.shape[0]](X, T)
        update()
        return update

    def host(self, out: np.ndarray | None = None) -> np.ndarray:
        """The parameters as one NumPy vector (a copy, or written into `out`)."""
        values = self.flat.cpu().numpy()
        if out is None:
            return values.copy()
        np.copyto(out, values)
        return out

    def load(self, vector: np.ndarray) -> None:
        self.flat.copy_(torch.from_numpy(vector))

    def gradient_into(self, out: np.ndarray) -> None:
        """dC/dtheta on all of X at the parameters (the step's rate is 1 for bfgs), into `out`."""
        self.steps[self.X.shape[0]](self.X, self.T)
        np.copyto(out, self.gradient.cpu().numpy())

    @torch.no_grad()
    def give(self, params: Params) -> None:
        for target, value in zip(params.values(), self.params.values(), strict=True):
            target.copy_(value)


_ENGINES: dict[tuple, _Engine] = {}


def _engine(
    params: Params, X: torch.Tensor, T: torch.Tensor, size: int, optimizer: str, settings: dict
) -> _Engine:
    """The engine for these parameters and data holding a copy of params: the last call's when it fits
    (a loop of short calls reuses its buffers and optimiser state)."""
    factory, names, folded = IN_PLACE.get(optimizer, (None, (), False))
    rate = settings["learning_rate"] if folded else 1.0
    first = params["W1"]
    shapes = tuple((key, tuple(value.shape)) for key, value in params.items())
    key = (first.dtype, first.device, shapes, size, X.shape[0] % size, rate)
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()
        engine = _ENGINES[key] = _Engine(params, X, size, rate)
    engine.put(params, X, T)
    values = [settings[name] for name in names]

    def start() -> Update | None:
        return None if factory is None else factory(engine.flat, engine.gradient, *values)

    engine.start = start
    return engine


def predict(params: Params, X: Any) -> torch.Tensor:
    """The class of each row of X (softmax), 0 or 1 for each sigmoid output, or the outputs themselves."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return torch.argmax(outputs, dim=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).to(torch.int64)
    return outputs
