"""A derived equation as a notation states it: the delta's sign and scale, one sample, columns.

Only SymPy transformations of the derivation's own expressions, no typed
equations. The derivation's delta is dC/dz of the whole cost; a notation's
delta' may be minus that (Rumelhart: -dE/dnet) or a sample's own loss's
(deeplearning.ai's dZ, N times the mean cost's): delta = scale delta' is
substituted and solved for delta'. A column layout transposes the whole
matrix equation and lets SymPy push the transpose through products and sums
((A W)^T = W^T A^T, (X odot Y)^T = X^T odot Y^T); every matrix of the result
is then a ``ColumnMatrix``, the source's own column-vector matrix (W^T of the
row form is its W). Without batches (Nielsen) the matrix form is one sample's: N = 1.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol, Transpose

from symbp.derivation.symbolic import ColumnSum, Elementwise, N
from symbp.naming import (
    parse_generic_matrix_name,
    parse_graph_generic_name,
    parse_graph_matrix_name,
    parse_matrix_name,
)
from symbp.rendering.applied_notation import Symbols


class ColumnMatrix(MatrixSymbol):
    """A matrix of the column layout: the transpose of the derivation's matrix of the same name."""


def _kind(matrix: MatrixSymbol) -> str | None:
    generic = parse_generic_matrix_name(matrix.name) or parse_graph_generic_name(matrix.name)
    if generic:
        return generic[0]  # a graph's general layers too: its consumer's delta^{(c)} is scaled as any
    try:
        return parse_matrix_name(matrix.name)[0]
    except ValueError:
        return None


def _is_delta(node) -> bool:
    if isinstance(node, sp.Indexed):
        return str(node.base.label) == "delta"
    return isinstance(node, MatrixSymbol) and _kind(node) == "delta"


def _is_activation_gradient(node) -> bool:
    """A graph's dC/dA or dC/dX matrix."""
    if not isinstance(node, MatrixSymbol):
        return False
    graph = parse_graph_matrix_name(node.name) or parse_graph_generic_name(node.name)
    return graph is not None and graph[0] in ("dA", "dX")


def scale_delta(lhs, rhs, scale, scaled=_is_delta):
    """delta = scale delta': every delta (what ``scaled`` picks) of ``rhs`` replaced; one on the left is
    solved for."""
    deltas = {node: scale * node for node in rhs.atoms(sp.Indexed, MatrixSymbol) if scaled(node)}
    replaced = rhs.xreplace(deltas)
    return lhs, tidy(replaced / scale if scaled(lhs) else replaced)


def tidy(expr):
    """Scalar factors moved out of sums, Hadamard and matrix products (so that N / N and -(-x) cancel),
    and a leading minus absorbed by a difference with the target: -(a - t) x -> (t - a) x."""
    if not expr.args or isinstance(expr, sp.Indexed | MatrixSymbol):
        return expr
    args = [tidy(arg) for arg in expr.args]
    if isinstance(expr, sp.Sum):
        variables = [limit[0] for limit in expr.limits]
        # has(), not as_independent(): that reads free symbols, and dC/da_{nj} binds n as its variable
        factors = sp.Mul.make_args(args[0])
        outside = sp.Mul(*(factor for factor in factors if not factor.has(*variables)))
        inside = sp.Mul(*(factor for factor in factors if factor.has(*variables)))
        return _minus_into_difference(outside * sp.Sum(inside, *expr.limits)) if outside != 1 else expr
    if isinstance(expr, HadamardProduct | MatMul):
        coefficient, factors = sp.Integer(1), []
        for factor in args:
            scalar, rest = _split_scalar(factor)
            coefficient *= scalar
            if rest is not None:
                factors.append(rest)
        inner = factors[0] if len(factors) == 1 else expr.func(*factors)
        return _scaled(coefficient, inner)
    if isinstance(expr, sp.Mul):
        return _minus_into_difference(expr.func(*args))
    if isinstance(expr, ColumnSum):
        scalar, matrix = _split_scalar(args[0])
        return _scaled(scalar, ColumnSum(matrix))
    if isinstance(expr, Transpose):  # (1/N delta)^T A: 1/N delta^T A
        scalar, matrix = _split_scalar(args[0])
        return _scaled(scalar, Transpose(matrix))
    return expr.func(*args)


def _split_scalar(expr) -> tuple[sp.Expr, sp.Basic | None]:
    """(scalar, matrix part) of a factor; (scalar, None) for a scalar."""
    if not expr.is_Matrix:
        return expr, None
    if isinstance(expr, MatMul):
        scalars = [arg for arg in expr.args if not arg.is_Matrix]
        matrices = [arg for arg in expr.args if arg.is_Matrix]
        return sp.Mul(*scalars), matrices[0] if len(matrices) == 1 else MatMul(*matrices)
    return sp.Integer(1), expr


def _scaled(coefficient, matrix):
    """coefficient * matrix; a minus moved into an entrywise body's difference with the target."""
    if coefficient == 1:
        return matrix
    if coefficient == -1 and isinstance(matrix, Elementwise):
        body = _minus_into_difference(-matrix.function.expr)
        if not body.could_extract_minus_sign():
            return Elementwise(sp.Lambda(matrix.function.variables, body), *matrix.matrices)
    return MatMul(coefficient, matrix)


def _minus_into_difference(product: sp.Expr) -> sp.Expr:
    """-x (a - t) -> x (t - a): a leading minus absorbed by a difference, as the sources write it."""
    if not isinstance(product, sp.Mul):
        return product
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


def to_columns(lhs, rhs):
    """The transposed equation with every matrix a ``ColumnMatrix``: z = W a + b from z = a W + b."""
    lhs_t, rhs_t = Transpose(lhs).doit(), _transposed(rhs)
    matrices = (lhs_t.atoms(MatrixSymbol) | rhs_t.atoms(MatrixSymbol)) - {None}
    columns = {m: ColumnMatrix(m.name, m.shape[1], m.shape[0]) for m in matrices if type(m) is MatrixSymbol}
    transposed = {Transpose(m): column for m, column in columns.items()}
    plain = {m: Transpose(column) for m, column in columns.items()}
    return tuple(_products_first(side.xreplace(transposed).xreplace(plain)) for side in (lhs_t, rhs_t))


def _transposed(expr):
    """expr^T evaluated, except that a product transposed whole, a term of its own (a tied matrix's
    transposed use), stays transposed whole: (P)^T of the rows is (P^T)^T of the columns."""
    if isinstance(expr, MatAdd) and any(_transposed_product(term) for term in expr.args):
        return MatAdd(*(_transposed(term) for term in expr.args))
    if _transposed_product(expr):
        scalar, matrix = _split_scalar(expr)
        inner = Transpose(matrix.arg).doit()
        if scalar.could_extract_minus_sign():  # printing a negated term would evaluate its transpose
            return Transpose(_scaled(scalar, inner))
        return _scaled(scalar, Transpose(inner))
    return Transpose(expr).doit()


def _transposed_product(expr) -> bool:
    """A product transposed whole, perhaps times a scalar."""
    matrix = _split_scalar(expr)[1]
    return isinstance(matrix, Transpose) and isinstance(matrix.arg, MatMul)


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
    if symbols.delta_scale != 1:
        lhs, rhs = scale_delta(lhs, rhs, symbols.delta_scale)
    if symbols.named_gradient_scale != 1:  # deeplearning.ai's dA, like its dZ, is of one sample's loss
        lhs, rhs = scale_delta(lhs, rhs, symbols.named_gradient_scale, _is_activation_gradient)
    if not (lhs.is_Matrix and symbols.column):
        return lhs, rhs
    if symbols.per_sample:
        lhs, rhs = lhs.subs(N, 1), rhs.subs(N, 1)
    return to_columns(lhs, rhs)
