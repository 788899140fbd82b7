"""Machine checks of derivation steps against independent references.

A step is an equation between index-form (or matrix-form) expressions. To
check it, a concrete small instance of the spec is drawn at random (same
activations, cost, bias and depth; widths capped at 3; a few samples), both
sides are evaluated there for several index values, and compared with a
reference that never looks at the derivation:

* ``exact``: sympy.diff of the fully expanded cost of the instance (only
  where that expression is small), evaluated at the point;
* ``numeric``: central finite differences of the numeric cost, with one
  Richardson extrapolation (float64, error far below the 1e-7 tolerance).

Unevaluated chain-rule factors such as da/dz or dz/dw are themselves
replaced by finite-difference partials of the numeric forward pass, so even
the first chain-rule step is checked. A disagreement raises CheckFailed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from symbp.errors import CheckFailed
from symbp.numeric import activation_function, cost_value
from symbp.spec import Network
from symbp.symbolic import LAMBDA, C, L, N

RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-9
STEP = 1e-3
EXACT_LIMIT_OPS = 4000


@dataclass(frozen=True)
class Check:
    """How a step was checked: method, number of random points, largest error."""

    method: str
    points: int
    max_error: float
    detail: str

    def describe(self) -> str:
        """A summary that does not depend on floating-point noise (documents stay byte-stable)."""
        return (
            f"{self.method}: {self.detail}; agrees within a relative error of {RELATIVE_TOLERANCE:g} "
            f"at {self.points} random points"
        )


class Instance:
    """A concrete random network: small widths, random parameters and data."""

    def __init__(self, network: Network, seed: int, max_width: int = 3, samples: int = 3):
        self.network = network
        self.sizes = tuple(min(size, max_width) for size in network.layers)
        self.samples = samples
        rng = np.random.default_rng(seed)
        for _attempt in range(100):
            self._draw(rng)
            # Finite differences need a point away from kinks (relu, abs) at z = 0.
            if all(np.min(np.abs(values)) > 20 * STEP for values in self.Z.values()):
                break
        self._partials: dict = {}

    def _draw(self, rng):
        sizes, network = self.sizes, self.network
        layers = range(1, network.depth + 1)
        self.W = {k: rng.uniform(-1, 1, (sizes[k - 1], sizes[k])) for k in layers}
        self.b = {k: rng.uniform(-1, 1, sizes[k]) if network.bias else np.zeros(sizes[k]) for k in layers}
        self.X = rng.uniform(-1, 1, (self.samples, sizes[0]))
        self.T = random_targets(network, rng, self.samples, sizes[-1])
        self.lam = network.l2
        self.Z, self.A = self.forward()

    @property
    def depth(self) -> int:
        return self.network.depth

    def forward(self, override=None):
        """Forward pass; ``override`` = (kind, layer, index, change) perturbs one node.

        With an override the pass restarts at the perturbed layer, reusing the
        unperturbed values below it, and also returns the cost.
        """
        if override is None:
            return self._forward_from(0, {0: self.X.copy()}, {}, self.W, self.b, None)
        kind, layer, index, change = override
        W, b = self.W, self.b
        if kind in ("w", "b"):
            target = dict(W if kind == "w" else b)
            target[layer] = target[layer].copy()
            target[layer][index] += change
            W, b = (target, b) if kind == "w" else (W, target)
        start = layer - 1 if kind in ("w", "b", "z") else layer
        A = {k: self.A[k] for k in range(start + 1)}
        Z = {k: self.Z[k] for k in range(1, start + 1)}
        if kind == "a":
            A[layer] = A[layer].copy()
            A[layer][index] += change
        Z, A = self._forward_from(start, A, Z, W, b, override if kind == "z" else None)
        return Z, A, cost_value(self.network, A[self.depth], self.T, W, self.lam)

    def _forward_from(self, start, A, Z, W, b, z_override):
        for layer in range(start + 1, self.depth + 1):
            Z[layer] = A[layer - 1] @ W[layer] + b[layer]
            if z_override and z_override[1] == layer:
                Z[layer] = Z[layer].copy()
                Z[layer][z_override[2]] += z_override[3]
            A[layer] = activation_function(self.network.activation(layer))(Z[layer])
        return Z, A

    def delta_reference(self, layer: int) -> np.ndarray:
        """dC/dZ^{(layer)} by finite differences (cached through ``partial``)."""
        rows, cols = self.samples, self.sizes[layer]
        return np.array(
            [[self.partial(("C",), ("z", layer, (r, c))) for c in range(cols)] for r in range(rows)]
        )

    def read(self, quantity, state) -> float:
        Z, A, cost = state
        if quantity[0] == "C":
            return cost
        kind, layer, index = quantity
        return float((Z if kind == "z" else A)[layer][index])

    def partial(self, quantity, variable) -> float:
        """d quantity / d variable by Richardson-extrapolated central differences."""
        key = (quantity, variable)
        if key not in self._partials:
            kind, layer, index = variable

            def central(h):
                plus = self.read(quantity, self.forward((kind, layer, index, h)))
                minus = self.read(quantity, self.forward((kind, layer, index, -h)))
                return (plus - minus) / (2 * h)

            self._partials[key] = (4 * central(STEP / 2) - central(STEP)) / 3
        return self._partials[key]

    @cached_property
    def cost(self) -> float:
        return cost_value(self.network, self.A[self.depth], self.T, self.W, self.lam)

    def matrix_env(self) -> dict[str, np.ndarray]:
        """Arrays by matrix name, for evaluating matrix expressions."""
        from symbp.naming import matrix_name

        env = {"X": self.X, "T": self.T}
        for layer in range(1, self.depth + 1):
            env[matrix_name("W", layer)] = self.W[layer]
            env[matrix_name("b", layer)] = self.b[layer][None, :]
            env[matrix_name("Z", layer)] = self.Z[layer]
            env[matrix_name("A", layer)] = self.A[layer]
        return env

    def params(self) -> dict[str, np.ndarray]:
        from symbp.naming import param_names

        values = {}
        for name in param_names(self.depth, self.network.bias):
            layer = int(name[1:])
            values[name] = (self.W if name[0] == "W" else self.b)[layer]
        return values


def random_targets(network: Network, rng, samples: int, width: int) -> np.ndarray:
    """Targets a cost accepts: one-hot rows for cce, inside (0, 1) for the others."""
    if network.cost.name == "cce":
        return np.eye(width)[rng.integers(0, width, samples)]
    return rng.uniform(0.05, 0.95, (samples, width))


# -- exact reference: sympy.diff of the expanded cost ----------------------
class ExactGradient:
    """dC/dw and dC/db of an instance from sympy.diff of its fully expanded cost."""

    def __init__(self, instance: Instance):
        self.instance = instance
        network = instance.network
        sizes = instance.sizes
        self.symbols = {}
        W, b = {}, {}
        for layer in range(1, network.depth + 1):
            W[layer] = sp.Matrix(
                sizes[layer - 1],
                sizes[layer],
                lambda r, c, layer=layer: self._symbol(("w", layer, (r, c))),
            )
            b[layer] = sp.Matrix(
                1,
                sizes[layer],
                lambda r, c, layer=layer: self._symbol(("b", layer, (c,))) if network.bias else 0,
            )
        self.expression = self._expanded_cost(W, b)
        self.small = sp.count_ops(self.expression) <= EXACT_LIMIT_OPS

    def _symbol(self, key):
        self.symbols[key] = sp.Symbol("_".join(map(str, (key[0], key[1], *key[2]))), real=True)
        return self.symbols[key]

    def _expanded_cost(self, W, b):
        from symbp.functions import A as A_SCALAR
        from symbp.functions import T as T_SCALAR
        from symbp.functions import Z as Z_SCALAR

        instance, network = self.instance, self.instance.network
        total = sp.Integer(0)
        for sample in range(instance.samples):
            row = sp.Matrix([[sp.Float(x) for x in instance.X[sample]]])
            for layer in range(1, network.depth + 1):
                z_row = row * W[layer] + b[layer]
                act = network.activation(layer)
                if act.elementwise:
                    row = z_row.applyfunc(lambda value, act=act: act.expr.subs(Z_SCALAR, value))
                else:
                    exps = z_row.applyfunc(sp.exp)
                    row = exps / sum(exps)
            for unit, target in enumerate(instance.T[sample]):
                total += network.cost.expr.subs({A_SCALAR: row[unit], T_SCALAR: sp.Float(target)})
        scale = sp.Rational(1, instance.samples) if network.cost.mean else 1
        penalty = sp.Float(instance.lam) / 2 * sum(sum(x**2 for x in matrix) for matrix in W.values())
        return scale * total + penalty

    @cached_property
    def values(self) -> dict:
        point = {symbol: self._value(key) for key, symbol in self.symbols.items()}
        return {
            key: float(sp.diff(self.expression, symbol).evalf(subs=point))
            for key, symbol in self.symbols.items()
        }

    def _value(self, key) -> float:
        kind, layer, index = key
        return float((self.instance.W if kind == "w" else self.instance.b)[layer][index])


# -- evaluation of index-form expressions ---------------------------------
_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.tanh: math.tanh,
    sp.Abs: abs,
    sp.sinh: math.sinh,
    sp.cosh: math.cosh,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.atan: math.atan,
    sp.erf: math.erf,
    sp.sign: lambda x: float(np.sign(x)),
}


class IndexEvaluator:
    """Value of an index-form expression on an Instance, dispatching on node type."""

    def __init__(self, instance: Instance, env: dict):
        self.instance = instance
        self.env = {L: instance.depth, N: instance.samples, LAMBDA: instance.lam, **env}

    def __call__(self, expr) -> float:
        for cls in type(expr).__mro__:
            method = getattr(self, f"_eval_{cls.__name__}", None)
            if method is not None:
                return method(expr)
        if isinstance(expr, sp.Function) and type(expr) in _FUNCTIONS:
            return _FUNCTIONS[type(expr)](*[self(arg) for arg in expr.args])
        raise TypeError(f"cannot evaluate {type(expr).__name__}: {expr}")

    def _eval_Number(self, expr):
        return float(expr)

    def _eval_NumberSymbol(self, expr):
        return float(expr)

    def _eval_Symbol(self, expr):
        return self.env[expr]

    def _eval_Add(self, expr):
        return sum(self(arg) for arg in expr.args)

    def _eval_Mul(self, expr):
        return math.prod(self(arg) for arg in expr.args)

    def _eval_Pow(self, expr):
        return self(expr.base) ** self(expr.exp)

    def _eval_Sum(self, expr):
        return self._sum(expr.function, list(reversed(expr.limits)))

    def _sum(self, function, limits) -> float:
        """Loop over the limits, outermost first, binding each index in the environment."""
        if not limits:
            return self(function)
        (var, low, high), *inner = limits
        saved = self.env.get(var)
        total = 0.0
        for value in range(int(self(low)), int(self(high)) + 1):
            self.env[var] = value
            total += self._sum(function, inner)
        if saved is None:
            self.env.pop(var, None)
        else:
            self.env[var] = saved
        return total

    def _eval_KroneckerDelta(self, expr):
        return 1.0 if self(expr.args[0]) == self(expr.args[1]) else 0.0

    def _eval_Piecewise(self, expr):
        for value, condition in expr.args:
            if self._truth(condition):
                return self(value)
        raise ValueError(f"no branch of {expr} applies")

    def _eval_Heaviside(self, expr):
        x = self(expr.args[0])
        return 1.0 if x > 0 else 0.0

    def _truth(self, condition) -> bool:
        if condition in (sp.true, True):
            return True
        if condition in (sp.false, False):
            return False
        if isinstance(condition, sp.And):
            return all(self._truth(arg) for arg in condition.args)
        if isinstance(condition, sp.Or):
            return any(self._truth(arg) for arg in condition.args)
        left, right = self(condition.lhs), self(condition.rhs)
        return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}.get(
            condition.rel_op, left == right
        )

    def _indices(self, indexed):
        return tuple(int(self(index)) for index in indexed.indices)

    def node(self, indexed):
        """('w', layer, (row, col)) etc. for an Indexed with concrete indices (0-based)."""
        name = str(indexed.base.label)
        values = self._indices(indexed)
        if name in ("w", "b", "z", "a", "delta"):
            return name, values[0], tuple(v - 1 for v in values[1:])
        if name == "t":
            return name, None, tuple(v - 1 for v in values)
        return name, values[0], ()

    def _eval_Indexed(self, expr):
        name, layer, index = self.node(expr)
        instance = self.instance
        if name == "width":
            return instance.sizes[layer]
        if name == "t":
            return float(instance.T[index])
        if name == "w":
            return float(instance.W[layer][index])
        if name == "b":
            return float(instance.b[layer][index])
        if name == "z":
            return float(instance.Z[layer][index])
        if name == "a":
            return float(instance.A[layer][index])
        if name == "delta":
            return instance.partial(("C",), ("z", layer, index))
        raise TypeError(f"unknown quantity {name}")

    def _eval_Derivative(self, expr):
        (variable, count), *rest = expr.variable_count
        if rest or count != 1:
            raise TypeError(f"only first partial derivatives are evaluated: {expr}")
        quantity = ("C",) if expr.expr == C else self.node(expr.expr)
        kind, layer, index = self.node(variable)
        if quantity[0] not in ("C", "z", "a") or kind not in ("w", "b", "z", "a"):
            raise TypeError(f"cannot evaluate {expr}")
        return self.instance.partial(quantity, (kind, layer, index))


def reference_value(instance: Instance, lhs, evaluator: IndexEvaluator, exact: ExactGradient | None):
    """The independent value of a step's left side and how it was obtained."""
    if isinstance(lhs, sp.Derivative) and lhs.expr == C and exact is not None and exact.small:
        kind, layer, index = evaluator.node(lhs.variables[0])
        return exact.values[(kind, layer, index)], "exact"
    return evaluator(lhs), "numeric"


def index_combinations(free: list[sp.Symbol], ranges: dict, limit: int = 6):
    """Up to ``limit`` assignments of the free indices, spread over their ranges."""
    combos = list(itertools.product(*[range(1, ranges[var] + 1) for var in free]))
    if len(combos) <= limit:
        return combos
    stride = len(combos) / limit
    return [combos[int(k * stride)] for k in range(limit)]


def compare(rhs_value: float, reference: float) -> float:
    """Relative error, measured against max(|reference|, tolerance floor)."""
    scale = max(abs(reference), ABSOLUTE_TOLERANCE / RELATIVE_TOLERANCE)
    return abs(rhs_value - reference) / scale


def describe_method(methods: set[str]) -> str:
    if methods == {"exact"}:
        return "symbolic"
    return "numeric"


def raise_failure(eq, where: str, rhs_value: float, reference: float):
    raise CheckFailed(
        f"derivation step does not check at {where}: right side {rhs_value!r}, "
        f"reference {reference!r}\n  step: {eq}"
    )
