"""A derived equation as a notation states it: the delta's sign, one sample, column vectors.

Only SymPy transformations of the derivation's own expressions, no typed
equations. ``delta_sign = -1`` (Rumelhart: delta = -dE/dnet) substitutes
delta = -delta' and solves for delta'. A column layout transposes the whole
matrix equation and lets SymPy push the transpose through products and sums
((A W)^T = W^T A^T, (X odot Y)^T = X^T odot Y^T); every matrix of the result
is then a ``ColumnMatrix``, the source's own column-vector matrix (W^T of the
row form is its W). Without batches (Nielsen) the matrix form is one sample's: N = 1.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatMul, MatrixSymbol, Transpose

from symbp.derivation.symbolic import Elementwise, N
from symbp.naming import parse_generic_matrix_name, parse_matrix_name
from symbp.rendering.symbols import Symbols


class ColumnMatrix(MatrixSymbol):
    """A matrix of the column layout: the transpose of the derivation's matrix of the same name."""


def _kind(matrix: MatrixSymbol) -> str | None:
    generic = parse_generic_matrix_name(matrix.name)
    if generic:
        return generic[0]
    try:
        return parse_matrix_name(matrix.name)[0]
    except ValueError:
        return None


def _is_delta(node) -> bool:
    if isinstance(node, sp.Indexed):
        return str(node.base.label) == "delta"
    return isinstance(node, MatrixSymbol) and _kind(node) == "delta"


def flip_delta(lhs, rhs):
    """delta = -delta': every delta of ``rhs`` negated; a delta on the left is solved for."""
    deltas = {node: -node for node in rhs.atoms(sp.Indexed, MatrixSymbol) if _is_delta(node)}
    flipped = rhs.xreplace(deltas)
    return lhs, tidy_signs(-flipped if _is_delta(lhs) else flipped)


def tidy_signs(expr):
    """Minus signs moved out of sums, Hadamard products and matrix products, so that two cancel."""
    if not expr.args or isinstance(expr, sp.Indexed | MatrixSymbol):
        return expr
    args = [tidy_signs(arg) for arg in expr.args]
    if isinstance(expr, sp.Sum) and args[0].could_extract_minus_sign():
        return -sp.Sum(-args[0], *expr.limits)
    if isinstance(expr, HadamardProduct):
        sign, factors = 1, []
        for factor in args:
            coefficient, rest = _matrix_sign(factor)
            sign *= coefficient
            factors.append(rest)
        product = HadamardProduct(*factors)
        return product if sign == 1 else MatMul(-1, product)
    if isinstance(expr, MatMul) and len(args) == 2 and args[0] == -1 and isinstance(args[1], Elementwise):
        body = _minus_into_difference(-args[1].function.expr)
        if not body.could_extract_minus_sign():
            return Elementwise(sp.Lambda(args[1].function.variables, body), *args[1].matrices)
    if isinstance(expr, MatMul):
        sign, factors = 1, []
        for factor in args:
            coefficient, rest = _matrix_sign(factor) if factor.is_Matrix else (1, factor)
            if rest == -1:
                coefficient, rest = -1, None
            sign *= coefficient
            if rest is not None and rest != 1:
                factors.append(rest)
        if sign == -1:
            factors.insert(0, sp.Integer(-1))
        return MatMul(*factors) if len(factors) > 1 else factors[0]
    if isinstance(expr, sp.Mul) and args[0].could_extract_minus_sign():
        return _minus_into_difference(expr.func(*args))
    return expr.func(*args)


def _minus_into_difference(product: sp.Mul) -> sp.Expr:
    """-x (a - t) -> x (t - a): a leading minus absorbed by a difference, as the sources write it."""
    coefficient, factors = product.as_coeff_mul()
    differences = sorted((factor for factor in factors if factor.is_Add), key=_holds_no_target)
    if coefficient != -1 or not differences:
        return product
    swapped = sp.Add(*[-term for term in differences[0].args], evaluate=False)
    rest = [factor for factor in factors if factor is not differences[0]]
    return sp.Mul(*rest, swapped, evaluate=False)


def _holds_no_target(expr) -> bool:
    """False for a difference with the target in it (t_nj, or T's entry in an entrywise body)."""
    targets = [node for node in expr.atoms(sp.Indexed) if str(node.base.label) == "t"]
    return not (targets or any(symbol.name.startswith("T_") for symbol in expr.free_symbols))


def _matrix_sign(expr) -> tuple[int, sp.Basic]:
    """(-1, M) for -M, (1, M) otherwise."""
    if isinstance(expr, MatMul) and expr.args and expr.args[0] == -1:
        rest = expr.args[1:]
        return -1, rest[0] if len(rest) == 1 else MatMul(*rest)
    return 1, expr


def to_columns(lhs, rhs):
    """The transposed equation with every matrix a ``ColumnMatrix``: z = W a + b from z = a W + b."""
    lhs_t, rhs_t = Transpose(lhs).doit(), Transpose(rhs).doit()
    matrices = (lhs_t.atoms(MatrixSymbol) | rhs_t.atoms(MatrixSymbol)) - {None}
    columns = {m: ColumnMatrix(m.name, m.shape[1], m.shape[0]) for m in matrices if type(m) is MatrixSymbol}
    transposed = {Transpose(m): column for m, column in columns.items()}
    plain = {m: Transpose(column) for m, column in columns.items()}
    return tuple(_products_first(side.xreplace(transposed).xreplace(plain)) for side in (lhs_t, rhs_t))


def _products_first(expr):
    """Hadamard factors in reading order: the matrix product first (SymPy sorts them when it transposes)."""
    if not expr.args or isinstance(expr, MatrixSymbol):
        return expr
    args = [_products_first(arg) for arg in expr.args]
    if isinstance(expr, HadamardProduct):
        return HadamardProduct(*sorted(args, key=lambda arg: not isinstance(arg, MatMul)))
    return expr.func(*args)


def as_printed(lhs, rhs, symbols: Symbols):
    """An equation of the derivation as the notation states it (index or matrix form)."""
    if symbols.notation.delta_sign < 0:
        lhs, rhs = flip_delta(lhs, rhs)
    if not (lhs.is_Matrix and symbols.column):
        return lhs, rhs
    if symbols.per_sample:
        lhs, rhs = lhs.subs(N, 1), rhs.subs(N, 1)
    return to_columns(lhs, rhs)
