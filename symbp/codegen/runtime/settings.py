"""What train is given besides the data: the [train] settings' defaults, and the validation split."""

from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import TRAIN

# symbp: copied

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
