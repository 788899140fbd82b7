"""The torch module's runtime: the in-place optimisers, train and predict.

Copied into a torch module (from the ``# symbp: copied`` line) after its
derived part, ``History`` and the part the backends share
(``array_training.py``). The derived step writes the gradient into one flat
tensor and the parameters live in another, as in the NumPy runtime; each
optimiser changes the flat parameters in place, so a steady-state step
allocates nothing. Everything runs under ``torch.no_grad()``: the gradient is
the derived one.
"""

from collections.abc import Callable
from typing import Any

import torch

# symbp: package only
from symbp.codegen.backends.array_training import TRAIN, History, _epochs
from symbp.codegen.derived_interface import OUTPUT, _arrays, _make_step, cost, forward

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
    settings = {"learning_rate": learning_rate, "momentum": momentum, "beta1": beta1, "beta2": beta2}
    settings["eps"] = eps
    size = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
    cached = _steps(params, X, size, learning_rate if folded else 1.0)
    update = factory(cached["flat"], cached["gradient"], *(settings[name] for name in names))
    steps = {size: cached["step"], X.shape[0] % size: cached["last"]}

    def advance(X_batch: torch.Tensor, T_batch: torch.Tensor) -> None:
        steps[X_batch.shape[0]](X_batch, T_batch)
        update()

    options = {"size": size, "epochs": epochs, "shuffle": shuffle, "seed": seed, "print_every": print_every}
    try:
        history = _epochs(advance, lambda: cached["views"], X, T, **options)
    finally:
        for target, value in zip(params.values(), cached["views"].values(), strict=True):
            target.copy_(value)
    history.record(history.last_epoch, cost(params, X, T), None)
    return history


def predict(params: Params, X: Any) -> torch.Tensor:
    """The class of each row of X (softmax), 0 or 1 for each sigmoid output, or the outputs themselves."""
    outputs = forward(params, X)
    if OUTPUT == "softmax":
        return torch.argmax(outputs, dim=1)
    if OUTPUT == "sigmoid":
        return (outputs > 0.5).to(torch.int64)
    return outputs
