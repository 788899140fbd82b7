"""The torch module's runtime: train with the in-place optimisers, save/load, numeric gradients, classes.

Copied into a torch module (from the ``# symbp: copied`` line) after its
derived part and ``History`` (runtime/progress.py, shared with the NumPy
module). The derived step writes the gradient into one flat tensor and the
parameters live in another, as in the NumPy runtime; each optimiser changes
the flat parameters in place, so a steady-state step allocates nothing.
Everything runs under ``torch.no_grad()``: the gradient is the derived one.
"""

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

# symbp: package only
from symbp.codegen.derived_interface import OUTPUT, TRAIN, _arrays, _make_step, cost, forward, gradients
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
OPTIMIZERS = tuple(IN_PLACE)


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


@torch.no_grad()
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
    """Train on (X, T), updating params in place; returns the costs before training, every print_every
    epochs and at the end (a `History`).

    optimizer is one of sgd, momentum, nesterov, adam: full batch when batch_size is None, else
    mini-batches of batch_size rows, shuffled each epoch (numpy.random.default_rng(seed), as the NumPy
    module shuffles) when shuffle.
    """
    if optimizer not in IN_PLACE:
        raise ValueError(f"optimizer={optimizer!r}: the torch module runs {', '.join(OPTIMIZERS)}")
    X, T = _arrays(params, X, T)
    factory, names, folded = IN_PLACE[optimizer]
    settings = {
        "learning_rate": learning_rate,
        "momentum": momentum,
        "beta1": beta1,
        "beta2": beta2,
        "eps": eps,
    }
    total = X.shape[0]
    size = total if batch_size is None else min(batch_size, total)
    cached = _steps(params, X, size, learning_rate if folded else 1.0)
    update = factory(cached["flat"], cached["gradient"], *(settings[name] for name in names))
    step, last, views = cached["step"], cached["last"], cached["views"]
    rng, order = np.random.default_rng(seed), np.arange(total)
    history = History()
    history.record(0, cost(views, X, T), None)
    try:
        for epoch in range(1, epochs + 1):
            if size == total:
                step(X, T)
                update()
            else:
                if shuffle:
                    rng.shuffle(order)
                rows = torch.as_tensor(order, device=X.device)
                rest = total % size
                for start in range(0, total - rest, size):
                    step(X[rows[start : start + size]], T[rows[start : start + size]])
                    update()
                if last is not None:
                    last(X[rows[total - rest :]], T[rows[total - rest :]])
                    update()
            history.last_epoch = epoch
            if print_every and epoch % print_every == 0 and epoch != epochs:
                history.record(epoch, cost(views, X, T), None)
                print(f"epoch {epoch}/{epochs}  cost {history[-1]:.6g}")
    except KeyboardInterrupt:
        history.stopped = "interrupted"
    finally:
        for target, value in zip(params.values(), views.values(), strict=True):
            target.copy_(value)
    history.record(history.last_epoch, cost(params, X, T), None)
    return history


def save_params(path: str | os.PathLike, params: Params) -> str:
    """Write params to `path` (.npz added when missing) as the NumPy module does, atomically."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **{key: value.detach().cpu().numpy() for key, value in params.items()})
    os.replace(temporary, path)
    return path


def load_params(path: str | os.PathLike, device: Any = "cpu") -> Params:
    """The params dict that `save_params` wrote to `path`, keys in their order, as tensors on `device`."""
    with np.load(os.fspath(path)) as data:
        return {key: torch.from_numpy(data[key]).to(device) for key in data.files}


def numeric_gradients(params: Params, X: Any, T: Any, eps: float = 1e-6) -> Params:
    """Central differences of `cost` for every parameter entry, in float64."""
    params = {key: value.detach().to(torch.float64).clone() for key, value in params.items()}
    X, T = _arrays(params, X, T)
    result = {}
    for key, value in params.items():
        grad = torch.zeros_like(value)
        flat, into = value.view(-1), grad.view(-1)
        for index in range(flat.numel()):
            original = float(flat[index])
            flat[index] = original + eps
            upper = cost(params, X, T)
            flat[index] = original - eps
            lower = cost(params, X, T)
            flat[index] = original
            into[index] = (upper - lower) / (2 * eps)
        result[key] = grad
    return result


def gradient_check(params: Params, X: Any, T: Any) -> float:
    """The largest relative error of `gradients` against `numeric_gradients`, entry by entry
    |g - n| / max(|g| + |n|, 1e-12)."""
    exact = gradients(params, X, T)
    approximate = numeric_gradients(params, X, T)
    worst = 0.0
    for key, value in exact.items():
        value, other = value.to(torch.float64), approximate[key].to(value.device)
        scale = torch.clamp_min(value.abs() + other.abs(), 1e-12)
        worst = max(worst, float(((value - other).abs() / scale).max()))
    return worst


def predict(params: Params, X: Any) -> torch.Tensor:
    """The class of each row of X (softmax), 0 or 1 for each sigmoid output, or the outputs themselves."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return torch.argmax(outputs, dim=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).to(torch.int64)
    return outputs


def accuracy(params: Params, X: Any, T: Any) -> float:
    """The fraction of rows (softmax) or outputs (sigmoid) whose predicted class is the target's."""
    (T,) = _arrays(params, T)
    if OUTPUT == "softmax":
        return float((predict(params, X) == torch.argmax(T, dim=1)).to(torch.float64).mean())
    if OUTPUT == "sigmoid":
        return float((predict(params, X) == (T > 0.5)).to(torch.float64).mean())
    raise ValueError(f"accuracy needs classes: this network's output is {OUTPUT}, a regression")
