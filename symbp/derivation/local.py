"""Local derivatives: each factor of a chain-rule product, computed by SymPy.

The derivation never types a derivative. It asks this module for
dC/da^{(L)}, da^{(l)}/dz^{(l)}, dz^{(l)}/dw^{(l)}, dz^{(l)}/db^{(l)} and
dz^{(l)}/da^{(l-1)}, each obtained with ``sympy.diff`` of the local
expression of the spec's cost or activation (symbp.derivation.symbolic), after which
sums over Kronecker deltas are collapsed. Where an activation's derivative
is a function of its own value (sigmoid: a(1 - a), tanh: 1 - a^2) that form
is found and then proved equal before it is used.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import sympy as sp

from symbp.derivation.symbolic import L, a, activation_local, cost_definition, m, z, z_local
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import Activation
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network


def collapse_kronecker(expr: sp.Expr) -> sp.Expr:
    """Sum_k KroneckerDelta(x, k) g(k) -> g(x): indices lie in their ranges by construction."""

    def collapse(total: sp.Sum) -> sp.Expr:
        function = collapse_kronecker(total.function)
        if function == 0:
            return sp.Integer(0)
        limits = list(total.limits)
        for position, (var, _low, _high) in enumerate(limits):
            terms = sp.Add.make_args(sp.expand_mul(function))
            if not all(_kronecker_partner(term, var) is not None for term in terms):
                continue
            collapsed = []
            for term in terms:
                kronecker, partner = _kronecker_partner(term, var)
                collapsed.append((term / kronecker).xreplace({var: partner}))
            rest = limits[:position] + limits[position + 1 :]
            body = sp.factor_terms(sp.Add(*collapsed))
            return collapse(sp.Sum(body, *rest)) if rest else body
        return sp.Sum(function, *limits)

    return expr.replace(lambda node: isinstance(node, sp.Sum), collapse)


def _kronecker_partner(term: sp.Expr, var: sp.Symbol):
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.KroneckerDelta) and var in factor.args:
            other = factor.args[0] if factor.args[1] == var else factor.args[1]
            if other != var:
                return factor, other
    return None


@cache
def derivative_in_a(activation: Activation) -> sp.Expr | None:
    """f'(z) written through a = f(z), if such a form exists and is proved; else None."""
    derivative = sp.diff(activation.expr, Z_SCALAR)
    for candidate in _candidates(activation.expr, derivative):
        if candidate is None or candidate.has(Z_SCALAR) or candidate.has(sp.I):
            continue
        if _proved_equal(candidate.subs(A_SCALAR, activation.expr), derivative):
            return candidate
    return None


def _candidates(expr: sp.Expr, derivative: sp.Expr):
    yield derivative.subs(expr, A_SCALAR)
    # Inverting a = f(z) is cheap and reliable when z occurs once (sigmoid, tanh, softplus);
    # with several occurrences (z/(1+e^-z)) sympy.solve can take minutes for nothing.
    if expr.count(Z_SCALAR) == 1 and not expr.has(sp.Abs, sp.Piecewise, sp.Max, sp.Min, sp.sign):
        try:
            # Unchecked and unsimplified: every candidate is proved below (solve's own check and
            # simplification import sympy.physics.units, 0.1 s of every cold derive).
            inverses = sp.solve(sp.Eq(A_SCALAR, expr), Z_SCALAR, check=False, simplify=False)
        except (NotImplementedError, ValueError, TypeError):
            inverses = []
        for inverse in inverses:
            if inverse.is_finite is not False:
                yield _shortest_form(derivative.subs(Z_SCALAR, inverse))
    yield _quadratic_fit(expr, derivative)


def _shortest_form(expr: sp.Expr) -> sp.Expr:
    """The fewest-operations form among expand + factor_terms, cancel, expand and ``expr`` itself.

    A narrow sympy.simplify (which imports sympy.physics.units on first use, 0.1 s of a
    cold command): on every built-in activation and every custom one the tests use it gives
    simplify's form, so documents keep their bytes (tests/test_derive.py checks that).
    """
    forms = (sp.factor_terms(sp.expand(expr)), sp.cancel(expr), sp.expand(expr), expr)
    return min(forms, key=sp.count_ops)


def _quadratic_fit(expr: sp.Expr, derivative: sp.Expr) -> sp.Expr | None:
    """The polynomial c0 + c1 a + c2 a^2 that matches f' at sample points, if any."""
    samples = np.linspace(-2.3, 2.1, 9)
    try:
        values = np.array([float(expr.subs(Z_SCALAR, x)) for x in samples])
        targets = np.array([float(derivative.subs(Z_SCALAR, x)) for x in samples])
    except (TypeError, ValueError):
        return None
    design = np.vstack([np.ones_like(values), values, values**2]).T
    coefficients, *_ = np.linalg.lstsq(design, targets, rcond=None)
    if np.max(np.abs(design @ coefficients - targets)) > 1e-9:
        return None
    exact = [sp.nsimplify(round(c, 9), rational=True) for c in coefficients]
    return exact[0] + exact[1] * A_SCALAR + exact[2] * A_SCALAR**2


def _proved_equal(left: sp.Expr, right: sp.Expr) -> bool:
    # cancel == 0 is a proof (each function of z is a free generator there) and, unlike
    # sympy.simplify, needs no sympy.physics.units; simplify tries what cancel cannot.
    difference = left - right
    if sp.cancel(difference) == 0 or sp.cancel(difference.rewrite(sp.exp)) == 0:
        return True
    difference = sp.simplify(difference)
    if difference == 0:
        return True
    return sp.simplify(difference.rewrite(sp.exp)) == 0


def activation_factor(
    network: Network, concrete_layer: int, layer, sample, out_unit, in_unit, in_a: bool = True
) -> sp.Expr:
    """d a^{(layer)}_{sample,out_unit} / d z^{(layer)}_{sample,in_unit}; written through z, not a, when
    not ``in_a`` (a layer whose a adds identity inputs to f(z))."""
    act = network.activation(concrete_layer)
    if act.elementwise:
        through_a = derivative_in_a(act) if in_a else None
        if through_a is not None:
            return through_a.subs(A_SCALAR, a[layer, sample, out_unit])
        return _tidy(sp.diff(act.expr, Z_SCALAR)).subs(Z_SCALAR, z[layer, sample, out_unit])
    value = activation_local(network, concrete_layer, layer, sample, out_unit, m)
    derivative = collapse_kronecker(sp.diff(value, z[layer, sample, in_unit]))
    return _softmax_through_a(derivative, layer, sample, (out_unit, in_unit))


def _softmax_through_a(expr: sp.Expr, layer, sample, units) -> sp.Expr:
    """Replace e^{z_k} / sum_m e^{z_m} by a_k."""
    denominator = [node for node in expr.atoms(sp.Sum)]
    total = sp.Dummy("S")
    expr = expr.xreplace({node: total for node in denominator})
    for unit in units:
        expr = expr.subs(sp.exp(z[layer, sample, unit]), a[layer, sample, unit] * total)
    return sp.expand(sp.simplify(expr))


def cost_factor(network: Network, sample, unit) -> sp.Expr:
    """dC/da^{(L)}_{sample,unit}, by diff of the cost's definition."""
    fresh_sample, fresh_unit = sp.symbols("n_c j_c", integer=True, positive=True)
    data_term = cost_definition(replace(network, l2=0.0), fresh_sample, fresh_unit)
    return _tidy(collapse_kronecker(sp.diff(data_term, a[L, sample, unit])))


def _tidy(expr: sp.Expr) -> sp.Expr:
    """sinh(u)/cosh(u) as tanh(u), as a reader writes it: diff leaves hyperbolic quotients unsimplified."""
    if expr.has(sp.sinh, sp.cosh, sp.sin, sp.cos):
        return sp.trigsimp(expr)
    return expr


def z_factor(layer, sample, unit, variable, bias: bool, dummy) -> sp.Expr:
    """d z^{(layer)}_{sample,unit} / d variable (a weight, a bias or an activation below)."""
    return collapse_kronecker(sp.diff(z_local(layer, sample, unit, dummy, bias), variable))
