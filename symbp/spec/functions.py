"""One registry of activations and costs: name -> SymPy expression.

An activation is an expression in ``z`` (softmax, the only vector-valued one,
is marked and built per component by the symbolic network); a cost is a
per-output expression ``c(a, t)`` plus whether it is averaged over the N
samples. Custom ones from a spec are built by the same constructors, so every
later stage treats built-in and custom functions alike. Derivatives are not
stored here: the derivation computes them with SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symbp.errors import SpecError
from symbp.spec.expressions import NUMPY_MODULES, parse_expression

Z = sp.Symbol("z", real=True)
A = sp.Symbol("a", real=True)
T = sp.Symbol("t", real=True)

NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]{0,31}"  # matched in full (re.fullmatch: no trailing newline)


@dataclass(frozen=True)
class Activation:
    """An activation f(z); ``latex`` is the symbol used in documents."""

    name: str
    expr: sp.Expr
    latex: str
    description: str
    elementwise: bool = True
    custom: bool = False
    parameters: tuple[tuple[str, float], ...] = field(default=())

    @property
    def values_in_unit_interval(self) -> bool:
        """True when every output lies strictly inside (0, 1) (needed by bce)."""
        if not self.elementwise:
            return True
        return _stays_in_unit_interval(self.expr)


@dataclass(frozen=True)
class Cost:
    """A cost C = s * sum_n sum_j c(a_nj, t_nj), s = 1/N when ``mean`` else 1.

    ``targets`` is what the derivation assumes of the targets: "any" real
    numbers, "unit" (each in [0, 1]: bce) or "distribution" (each row in [0, 1]
    and summing to 1: cce, whose delta A - T needs it).
    """

    name: str
    expr: sp.Expr
    mean: bool
    latex: str
    description: str
    custom: bool = False
    targets: str = "any"


def _sigmoid(z):
    return 1 / (1 + sp.exp(-z))


def make_activation(name: str, **options) -> Activation:
    """Build a built-in activation; ``options`` holds its parameters (leaky_relu: slope)."""
    if name == "leaky_relu":
        slope = options.get("slope", 0.01)
        if isinstance(slope, bool) or not isinstance(slope, int | float) or not 0 <= slope < 1:
            raise SpecError("activation.slope", slope, "a number in [0, 1)")
        exact = sp.nsimplify(slope, rational=True)
        return Activation(
            name,
            sp.Piecewise((Z, Z > 0), (exact * Z, True)),
            r"\operatorname{lrelu}",
            f"leaky ReLU with slope {slope} for z <= 0",
            parameters=(("slope", float(slope)),),
        )
    if options:
        raise SpecError("activation", {"name": name, **options}, f"no options for '{name}'")
    if name not in BUILTIN_ACTIVATIONS:
        allowed = ", ".join(ACTIVATION_NAMES) + ", or a table {name, expr} with an expression in z"
        raise SpecError("activation", name, allowed)
    expr, latex, description, elementwise = BUILTIN_ACTIVATIONS[name]
    return Activation(name, expr, latex, description, elementwise=elementwise)


def custom_activation(name: str, expr_text: str, field_name: str = "activation") -> Activation:
    """An elementwise activation from a user expression in ``z``."""
    expr = parse_expression(expr_text, {"z": Z}, f"{field_name}.expr")
    if not expr.has(Z):
        raise SpecError(f"{field_name}.expr", expr_text, "an expression that depends on z")
    return Activation(
        name,
        expr,
        rf"\operatorname{{{name}}}".replace("_", r"\_"),
        f"custom: {expr_text}",
        custom=True,
    )


def make_cost(name: str) -> Cost:
    if name not in BUILTIN_COSTS:
        allowed = ", ".join(BUILTIN_COSTS) + ", or a table {name, expr} with an expression in a and t"
        raise SpecError("cost", name, allowed)
    expr, mean, latex, description = BUILTIN_COSTS[name]
    return Cost(name, expr, mean, latex, description, targets=COST_TARGETS.get(name, "any"))


def custom_cost(name: str, expr_text: str) -> Cost:
    """A per-output cost c(a, t), summed over outputs and averaged over samples."""
    expr = parse_expression(expr_text, {"a": A, "t": T}, "cost.expr")
    if not expr.has(A):
        raise SpecError("cost.expr", expr_text, "an expression that depends on a")
    return Cost(name, expr, True, name, f"custom: mean of {expr_text}", custom=True)


def _stays_in_unit_interval(expr: sp.Expr) -> bool:
    """Outputs strictly inside (0, 1) at the limits and on a dense grid of z."""
    import numpy as np

    numeric = sp.lambdify(Z, expr, NUMPY_MODULES)
    grid = np.linspace(-30, 30, 1201)
    with np.errstate(all="ignore"):
        values = np.asarray(numeric(grid), dtype=float) * np.ones_like(grid)
    if not np.all((values > 0) & (values < 1)):
        return False
    limits = [sp.limit(expr, Z, sp.oo), sp.limit(expr, Z, -sp.oo)]
    return all(limit.is_real and 0 <= limit <= 1 for limit in limits)


BUILTIN_ACTIVATIONS = {
    "sigmoid": (_sigmoid(Z), r"\sigma", "logistic sigmoid 1/(1+e^-z)", True),
    "tanh": (sp.tanh(Z), r"\tanh", "hyperbolic tangent", True),
    "relu": (sp.Piecewise((Z, Z > 0), (0, True)), r"\operatorname{relu}", "max(0, z)", True),
    "leaky_relu": (None, r"\operatorname{lrelu}", "z for z > 0, slope*z otherwise", True),
    "softplus": (sp.log(1 + sp.exp(Z)), r"\operatorname{softplus}", "log(1 + e^z)", True),
    "identity": (Z, r"\operatorname{id}", "f(z) = z (linear)", True),
    "softmax": (None, r"\operatorname{softmax}", "e^z_j / sum_k e^z_k (output layer only)", False),
}
ACTIVATION_NAMES = tuple(BUILTIN_ACTIVATIONS)

BUILTIN_COSTS = {
    "half_mse": ((A - T) ** 2 / 2, True, "half MSE", "1/(2N) sum_n sum_j (a - t)^2"),
    "half_sse": ((A - T) ** 2 / 2, False, "half SSE", "1/2 sum_n sum_j (a - t)^2"),
    "mse": ((A - T) ** 2, True, "MSE", "1/N sum_n sum_j (a - t)^2"),
    "sse": ((A - T) ** 2, False, "SSE", "sum_n sum_j (a - t)^2"),
    "bce": (
        -(T * sp.log(A) + (1 - T) * sp.log(1 - A)),
        True,
        "binary cross-entropy",
        "-(1/N) sum_n sum_j [t log a + (1-t) log(1-a)]",
    ),
    "cce": (-T * sp.log(A), True, "categorical cross-entropy", "-(1/N) sum_n sum_j t log a"),
}
COST_NAMES = tuple(BUILTIN_COSTS)
COST_TARGETS = {"bce": "unit", "cce": "distribution"}
