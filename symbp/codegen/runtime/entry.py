"""main: what running a generated module does (train on the spec's data, or check the gradients).

Written over the library's own arrays (``_arrays``, ``init_params``), so the
torch and jax modules carry this part too.
"""

import sys

import numpy as np

# symbp: package only
from symbp.codegen.derived_interface import (
    COST,
    DATA_T,
    DATA_T_VALIDATION,
    DATA_X,
    DATA_X_VALIDATION,
    LAYERS,
    _arrays,
    cost,
    forward,
    init_params,
)
from symbp.codegen.runtime.helpers import gradient_check
from symbp.codegen.runtime.settings import TRAIN
from symbp.codegen.runtime.training import train

# symbp: copied


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
