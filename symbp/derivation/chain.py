"""The algebra of a chain-rule step: unevaluated partials, products kept in chain order, sums split."""

from __future__ import annotations

import sympy as sp

from symbp.derivation.local import collapse_kronecker
from symbp.derivation.symbolic import t


def D(quantity, variable) -> sp.Derivative:
    """An unevaluated partial derivative, as written in a chain-rule step."""
    return sp.Derivative(quantity, variable, evaluate=False)


def simplify_output_delta(expr: sp.Expr) -> sp.Expr:
    """Simplify dC/dz^{(L)}: collapse softmax sums (one-hot targets) and cancel factors."""
    if expr.has(sp.Sum):
        expr = collapse_kronecker(expr.replace(lambda e: isinstance(e, sp.Sum), _split_sum))
        expr = expr.replace(
            lambda e: isinstance(e, sp.Sum) and isinstance(e.function, sp.Indexed) and e.function.base == t,
            lambda e: sp.Integer(1),
        )
    candidate = sp.factor(sp.cancel(expr))
    shorter = sp.count_ops(candidate) < sp.count_ops(expr)
    # cancel() splits exp(u) into several exponentials that can overflow separately.
    same_exponentials = len(candidate.atoms(sp.exp)) <= len(expr.atoms(sp.exp))
    return candidate if shorter and same_exponentials else expr


def chain_product(*factors) -> sp.Expr:
    """A product kept in the order of the chain (outermost quantity first), for the reader."""
    flat = [part for factor in factors for part in (factor.args if isinstance(factor, sp.Mul) else (factor,))]
    return sp.Mul(*flat, evaluate=False)


def replace_factors(expr: sp.Expr, product: sp.Expr, replacement: sp.Expr) -> sp.Expr:
    """Replace the factors of ``product`` inside any product of ``expr`` by ``replacement``."""
    wanted = sp.Mul.make_args(product)

    def swap(node: sp.Mul) -> sp.Expr:
        factors = list(node.args)
        if not all(factor in factors for factor in wanted):
            return node
        for factor in wanted:
            factors.remove(factor)
        return chain_product(replacement, *factors)

    return expr.replace(lambda node: isinstance(node, sp.Mul), swap)


def _split_sum(total: sp.Sum) -> sp.Expr:
    """sum_k (x + y) -> sum_k x + sum_k y, with factors free of k moved out."""
    (var, low, high), *rest = total.limits
    pieces = []
    for term in sp.Add.make_args(sp.expand_mul(total.function)):
        outside, inside = term.as_independent(var, as_Add=False)
        pieces.append(outside * sp.Sum(inside, (var, low, high)))
    return sp.Add(*pieces) if not rest else sp.Sum(sp.Add(*pieces), *rest)


def fresh_dummy(derivative: sp.Derivative) -> sp.Symbol:
    used = derivative.free_symbols
    for candidate in sp.symbols("r s u v", integer=True, positive=True):
        if candidate not in used:
            return candidate
    raise RuntimeError("no free summation index")
