"""The names a generated module's derived part defines and its training runtime reads.

The parts of ``symbp/codegen/runtime/`` import them from here, so that the
package's runtime is ordinary Python: linted, type-checked and unit-tested. A
generated module defines them itself, in the derived part printed above the
runtime, and the import is not copied. ``bind`` puts a derived part's values
into the runtime's parts, as the tests do; until then the functions here
refuse to run.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable
from typing import Any

import numpy as np

# The names the runtime reads, in the order a derived part defines them.
NAMES = (
    "LAYERS",
    "SHAPES",
    "ACTIVATIONS",
    "COST",
    "OUTPUT",
    "DTYPE",
    "DATA_X",
    "DATA_T",
    "DATA_X_VALIDATION",
    "DATA_T_VALIDATION",
    "TRAIN",
    "init_params",
    "_arrays",
    "forward",
    "cost",
    "_cost_of",
    "gradients",
    "_make_step",
)

LAYERS: tuple[int, ...] = ()
SHAPES: dict[str, tuple[int, ...]] = {}
ACTIVATIONS: tuple[str, ...] = ()
COST = ""
# "softmax" or "sigmoid" for a classifier's output layer (predict picks classes), else "values"
OUTPUT = "values"
DTYPE: type = np.float64
DATA_X: list[list[float]] | None = None
DATA_T: list[list[float]] | None = None
DATA_X_VALIDATION: list[list[float]] | None = None
DATA_T_VALIDATION: list[list[float]] | None = None
# the settings of the spec's [train] table that differ from their defaults (the runtime adds those)
TRAIN: dict[str, Any] = {}


def _unbound(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{name}: no derived part is bound to this runtime (see derived_interface.bind)")

    refuse.__name__ = name
    return refuse


init_params = _unbound("init_params")
_arrays = _unbound("_arrays")
forward = _unbound("forward")
cost = _unbound("cost")
_cost_of = _unbound("_cost_of")
gradients = _unbound("gradients")
_make_step = _unbound("_make_step")


def bind(derived: types.ModuleType | dict) -> None:
    """Put a derived part's names (a module or its namespace) into every part of the package's runtime
    that reads them; TRAIN as the runtime merges it, over its defaults."""
    from symbp.codegen import runtime
    from symbp.codegen.runtime import settings

    namespace = derived if isinstance(derived, dict) else vars(derived)
    merged = {**settings.TRAIN_DEFAULTS, **namespace["TRAIN"]}
    for name in runtime.PARTS:
        part = importlib.import_module(f"symbp.codegen.runtime.{name}")
        for key in NAMES:
            if hasattr(part, key):
                setattr(part, key, merged if key == "TRAIN" else namespace[key])
