"""The spec's [train] table: the optimiser, its settings, and what is held out."""

from __future__ import annotations

from dataclasses import dataclass

from symbp.errors import SpecError
from symbp.spec.fields import reject_unknown, require_fraction, require_int, require_number

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "bfgs", "lbfgs")
# Each optimiser's own settings; a setting given with another optimiser is refused.
OPTIMIZER_SETTINGS = {
    "momentum": ("momentum", "nesterov"),
    "beta1": ("adam",),
    "beta2": ("adam",),
    "eps": ("adam",),
    "tolerance": ("bfgs", "lbfgs"),
}
TRAIN_KEYS = (
    "learning_rate",
    "epochs",
    "batch_size",
    "seed",
    "print_every",
    "optimizer",
    *OPTIMIZER_SETTINGS,
    "shuffle",
    "validation",
    "early_stopping",
)


@dataclass(frozen=True)
class Train:
    """How the generated module trains: the optimiser, its settings, and what is held out.

    ``epochs`` bounds the iterations of bfgs and lbfgs; ``validation`` is the
    fraction of the rows held out (0: none, or the spec's own validation data);
    ``early_stopping`` is the patience in epochs (0: never stop early).
    """

    learning_rate: float = 0.1
    epochs: int = 1000
    batch_size: int | None = None
    seed: int = 0
    print_every: int = 100
    optimizer: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    tolerance: float = 1e-5
    shuffle: bool = True
    validation: float = 0.0
    early_stopping: int = 0


def _parse_optimizer(value: dict) -> dict:
    optimizer = value.get("optimizer", Train.optimizer)
    if optimizer not in OPTIMIZERS:
        raise SpecError("train.optimizer", optimizer, "one of " + ", ".join(OPTIMIZERS))
    for key, users in OPTIMIZER_SETTINGS.items():
        if key in value and optimizer not in users:
            raise SpecError(f"train.{key}", value[key], f"only with optimizer {' or '.join(users)}")
    defaults = Train()
    return {
        "optimizer": optimizer,
        "momentum": require_fraction("train.momentum", value.get("momentum", defaults.momentum)),
        "beta1": require_fraction("train.beta1", value.get("beta1", defaults.beta1)),
        "beta2": require_fraction("train.beta2", value.get("beta2", defaults.beta2)),
        "eps": require_number("train.eps", value.get("eps", defaults.eps), 0, strict=True),
        "tolerance": require_number(
            "train.tolerance", value.get("tolerance", defaults.tolerance), 0, strict=True
        ),
    }


def parse_train(value: object) -> Train:
    if not isinstance(value, dict):
        raise SpecError("train", value, "a table with " + ", ".join(TRAIN_KEYS))
    reject_unknown("train", value, TRAIN_KEYS)
    defaults = Train()
    batch = value.get("batch_size")
    shuffle = value.get("shuffle", defaults.shuffle)
    if not isinstance(shuffle, bool):
        raise SpecError("train.shuffle", shuffle, "true or false")
    return Train(
        **_parse_optimizer(value),
        shuffle=shuffle,
        validation=require_fraction("train.validation", value.get("validation", defaults.validation)),
        early_stopping=require_int(
            "train.early_stopping", value.get("early_stopping", defaults.early_stopping), 0
        ),
        learning_rate=require_number(
            "train.learning_rate", value.get("learning_rate", defaults.learning_rate), 0, strict=True
        ),
        epochs=require_int("train.epochs", value.get("epochs", defaults.epochs), 0, 10**9),
        batch_size=None if batch is None else require_int("train.batch_size", batch, 1),
        seed=require_int("train.seed", value.get("seed", defaults.seed), 0, 2**32 - 1),
        print_every=require_int("train.print_every", value.get("print_every", defaults.print_every), 0),
    )


def check_held_out(train: Train, X, X_validation):
    """Validation needs rows to hold out, from one source; early stopping needs validation."""
    if train.validation and X_validation is not None:
        raise SpecError(
            "train.validation", train.validation, "0 when the spec has data.X_validation (one source)"
        )
    if train.validation and X is not None and round(train.validation * len(X)) in (0, len(X)):
        raise SpecError(
            "train.validation", train.validation, f"a fraction leaving rows on both sides of {len(X)}"
        )
    if train.early_stopping and not train.validation and X_validation is None:
        raise SpecError(
            "train.early_stopping",
            train.early_stopping,
            "0 unless validation data is set (train.validation or data.X_validation)",
        )
