"""Exact proof of a formula on a small symbolic instance of the network.

Every weight, bias, input and target is a SymPy symbol; the forward pass and
the cost are the reference's expanded cost (``symbp.derivation.reference.expanded``,
which the derivation's exact reference shares); its derivatives (dC/dW by
``sympy.diff``, dC/dZ by differentiating the cost written from a free z entry;
both through ``sympy_diff.diff``, which gives sympy.diff's very expression
faster) are exact expressions, and so is the
claim, evaluated by the same evaluator as the numbers. The claim is proved
when claim - derivative cancels to 0 for every entry, after each exp(u) is
named by a fresh symbol (which makes sigmoid-type expressions rational; tanh,
sinh and cosh are first written with exp).
Each derivative is differentiated when a claim first reads it: a formula reads
one or two of them, and each differentiates through the whole instance (all of
them made up front would be most of a cold ``symbp verify``).
Only small networks are tried: expressions grow fast with depth and width, and
an unproved formula still has its numeric verdict.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp

from symbp.computed import ComputedOnRead
from symbp.derivation.reference import expanded
from symbp.naming import matrix_name, parse_matrix_name
from symbp.spec.network import Network
from symbp.verification.point import Point, reads_as_graph
from symbp.verification.sympy_diff import diff

MAX_DEPTH = 2
MAX_PARAMETERS = 12
MAX_OPERATIONS = 3000
# cancel expands the numerator: at most this many monomials (symbols + degree choose degree) are tried.
# The proofs in the tests reach 3.5e8 in under a second; a sigmoid net with a quartic cost reached 2e20
# and ran for minutes.
MAX_MONOMIALS = 10**9


def small_enough(network: Network) -> bool:
    """Small enough to prove on a symbolic instance, and a chain (the instance's forward pass is one)."""
    if reads_as_graph(network):
        return False
    elementwise = all(activation.elementwise for activation in network.activations)
    plain = elementwise and all(not act.expr.has(sp.Piecewise, sp.Abs) for act in network.activations)
    return network.depth <= MAX_DEPTH and network.parameter_count <= MAX_PARAMETERS and elementwise and plain


@lru_cache(maxsize=4)
def instance(network: Network, samples: int) -> tuple[Point, dict]:
    """A symbolic Point and the exact derivatives dW, db, delta (keyed like Derivation.evaluate)."""
    X = expanded.symbols("x", samples, network.layers[0])
    T = expanded.symbols("t", samples, network.layers[-1])
    W, b = {}, {}
    for layer in range(1, network.depth + 1):
        W[layer] = expanded.symbols(f"w{layer}", network.layers[layer - 1], network.layers[layer])
        b[layer] = (
            expanded.symbols(f"b{layer}", 1, network.layers[layer])
            if network.bias
            else np.zeros((1, network.layers[layer]), dtype=object)
        )
    Z, A = expanded.forward(network, X, W, b)
    exact = _Exact(network, T, W, b, Z, A)
    point = Point(network, X, T, W, b, Z, A, _Deltas(exact), True)
    return point, exact


class _Exact(ComputedOnRead):
    """dW, db and delta of every layer of a symbolic instance, each differentiated on first use."""

    def __init__(self, network: Network, T: np.ndarray, W: dict, b: dict, Z: dict, A: dict):
        super().__init__()
        self.network, self.T, self.W, self.b, self.Z, self.A = network, T, W, b, Z, A
        self.cost = expanded.cost(network, A[network.depth], T, W, sp.nsimplify(network.l2))

    def compute(self, key: str) -> np.ndarray:
        try:
            kind, layer = parse_matrix_name(key)
        except ValueError:
            raise KeyError(key) from None
        if (
            layer not in self.W
            or kind not in ("dW", "db", "delta")
            or (kind == "db" and not self.network.bias)
        ):
            raise KeyError(key)
        if kind == "delta":
            return self._delta(layer)
        gradient = np.vectorize(lambda variable: diff(self.cost, variable), otypes=[object])
        return gradient((self.W if kind == "dW" else self.b)[layer])

    def _delta(self, layer: int) -> np.ndarray:
        """dC/dZ_layer: the cost written from free z entries of that layer, differentiated, then put back."""
        network, W, b = self.network, self.W, self.b
        free = expanded.symbols(f"zeta{layer}", *self.Z[layer].shape)
        output = expanded.output_from(network, layer, free, W, b)
        cost = expanded.cost(network, output, self.T, W, sp.nsimplify(network.l2))
        back = dict(zip(free.flat, self.Z[layer].flat, strict=True))
        return np.vectorize(lambda zeta: diff(cost, zeta).xreplace(back), otypes=[object])(free)


class _Deltas(ComputedOnRead):
    """Point.delta of a symbolic instance: the exact deltas, layer by layer, on first use."""

    def __init__(self, exact: _Exact):
        super().__init__()
        self.exact = exact

    def compute(self, layer: int) -> np.ndarray:
        if layer not in self.exact.W:
            raise KeyError(layer)
        return self.exact[matrix_name("delta", layer)]


def is_zero(expr) -> bool:
    """True when ``expr`` cancels to 0 exactly (False also when it is too big to try)."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    names = {}

    def name(power: sp.exp):
        argument = sp.expand(power.args[0])
        negative = argument.could_extract_minus_sign()
        key = -argument if negative else argument
        symbol = names.setdefault(key, sp.Symbol(f"E{len(names)}", positive=True))
        return 1 / symbol if negative else symbol

    hyperbolic_free = expr.rewrite((sp.tanh, sp.sinh, sp.cosh), sp.exp)
    rational = hyperbolic_free.replace(lambda node: isinstance(node, sp.exp), name)
    if sp.count_ops(rational) > MAX_OPERATIONS:
        return False
    combined = sp.together(rational)
    numerator, _ = sp.fraction(combined)
    symbols, degree = len(numerator.free_symbols), _degree(numerator)
    if math.comb(symbols + degree, degree) > MAX_MONOMIALS:
        return False
    return sp.cancel(combined) == 0


def _degree(expr: sp.Expr) -> int:
    """An upper bound on the total degree of ``expr`` as a polynomial, read off its tree without expanding."""
    if expr.is_Symbol:
        return 1
    if expr.is_Number:
        return 0
    if expr.is_Add:
        return max(_degree(arg) for arg in expr.args)
    if expr.is_Mul:
        return sum(_degree(arg) for arg in expr.args)
    if expr.is_Pow and expr.exp.is_Integer:
        return abs(int(expr.exp)) * _degree(expr.base)
    return max([1] + [_degree(arg) for arg in expr.args])
