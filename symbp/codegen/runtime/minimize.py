"""bfgs and lbfgs: SciPy's minimize on the packed parameters, with the derived gradient."""

from typing import Any

import numpy as np

# symbp: package only
from symbp.codegen.runtime.progress import History, _EarlyStopping, _Progress, _report, _stops

# symbp: copied

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
