"""Index form -> matrix form: the "In general: using matrices" step, by translation.

An index-form equation of the derivation (sums over samples and units of
Indexed quantities) is rewritten into SymPy matrix expressions by patterns,
each the definition of a matrix operation: sum_n X_ni Y_nj is (X^T Y)_ij,
sum_k D_nk W_jk is (D W^T)_nj, sum_n D_nj is (1^T D)_j, and a product of
entrywise factors at (n, j) is a Hadamard product / an Elementwise node.
The symbol factories name the matrices for a generic layer (printed) or for
one concrete layer (code generation).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol, Transpose

from symbp.derivation.steps import MatrixLine
from symbp.derivation.symbolic import Activate, ActivationDerivative, Broadcast, L, MatrixSymbols, N, i, l, n
from symbp.derivation.symbolic import ColumnSum as ColumnSumNode
from symbp.derivation.symbolic import Elementwise as ElementwiseNode
from symbp.naming import generic_matrix_name, matrix_name
from symbp.spec.network import Network


def generic_symbol(network: Network):
    """Matrix symbols for a generic layer expression (L, L-1, l, l+1, ...)."""

    def symbol(kind: str, layer_expr) -> MatrixSymbol:
        if kind == "T":
            return MatrixSymbol(matrix_name("T"), N, sp.Symbol("n_L0"))
        base = "l" if layer_expr.has(l) else "L"
        offset = int(layer_expr - (l if base == "l" else L))
        rows, cols = _shape(kind, sp.Symbol(f"n_{base}{offset}"))
        return MatrixSymbol(generic_matrix_name(kind, base, offset), rows, cols)

    return symbol


def _shape(kind, width_symbol):
    return (1, width_symbol) if kind == "b" else (N, width_symbol)


def concrete_symbol(symbols: MatrixSymbols):
    def symbol(kind: str, layer_expr) -> MatrixSymbol:
        if kind == "T":
            return symbols.T
        layer = int(layer_expr)
        table = {
            "A": symbols.A,
            "Z": symbols.Z,
            "W": symbols.W,
            "b": symbols.b,
            "delta": symbols.delta,
            "dW": symbols.dW,
            "db": symbols.db,
        }
        return table[kind][layer]

    return symbol


# -- index form -> matrix form -----------------------------------------------
_ENTRY_KINDS = {"a": "A", "z": "Z", "delta": "delta"}


def forward_lines(network: Network, symbols: MatrixSymbols) -> list[MatrixLine]:
    """The forward pass, layer by layer: Z = A W + 1 b, then A = f(Z)."""
    lines = []
    for layer in range(1, network.depth + 1):
        product = MatMul(symbols.A[layer - 1], symbols.W[layer])
        weighted = MatAdd(product, Broadcast(symbols.b[layer], N)) if network.bias else product
        lines.append(MatrixLine(symbols.Z[layer], weighted, "eq:forward", layer))
        activated = Activate(sp.Symbol(network.activation(layer).name), symbols.Z[layer])
        lines.append(MatrixLine(symbols.A[layer], activated, "eq:forward", layer))
    return lines


def to_matrix(eq: sp.Eq, symbol) -> tuple[MatrixSymbol, sp.Basic]:
    """Translate an index-form equation into (target, matrix expression).

    Patterns: sum_n X_ni Y_nj -> X^T Y; sum_k D_nk W_jk -> D W^T; sum_n D_nj -> 1^T D;
    products of entrywise factors at (n, j) -> Hadamard products / Elementwise;
    lambda w_ij -> lambda W.
    """
    lhs = eq.lhs
    if isinstance(lhs, sp.Derivative):
        parameter = lhs.variables[0]
        kind = "dW" if str(parameter.base.label) == "w" else "db"
        layer = parameter.indices[0]
    else:
        kind, layer = "delta", lhs.indices[0]
    target = symbol(kind, layer)
    if not eq.rhs.atoms(sp.Indexed, sp.Derivative):
        return target, _constant_matrix(eq.rhs.doit(), symbol(_SHAPE_OF[kind], layer))
    return target, _translate(eq.rhs, symbol)


# The matrix of a target's shape that exists whatever the network: Z is delta's shape, W dW's, b db's.
_SHAPE_OF = {"delta": "Z", "dW": "W", "db": "b"}


def _constant_matrix(value: sp.Expr, shaped: MatrixSymbol):
    """A matrix every entry of which is ``value`` (a cost linear in the output has a constant delta),
    shaped like ``shaped``: an Elementwise whose body does not read its matrix's entries."""
    entry = sp.Symbol(f"{shaped.name}_entry")
    return ElementwiseNode(sp.Lambda((entry,), value), shaped)


def _translate(expr, symbol):
    if not expr.has(sp.Sum) and not any(str(x.base.label) == "w" for x in expr.atoms(sp.Indexed)):
        return _entrywise([expr], symbol)
    if isinstance(expr, sp.Add):
        return MatAdd(*[_translate(term, symbol) for term in expr.args]).doit()
    if isinstance(expr, sp.Sum):
        return _translate_sum(expr, symbol)
    if isinstance(expr, sp.Mul):
        return _translate_product(expr, symbol)
    return _entrywise([expr], symbol)


def _translate_sum(total: sp.Sum, symbol):
    (var, _low, _high), *rest = total.limits
    if rest:
        raise ValueError(f"no matrix form for a multiple sum: {total}")
    factors = [factor for factor in sp.Mul.make_args(total.function)]
    indexed = [factor for factor in factors if isinstance(factor, sp.Indexed)]
    if var == n and len(factors) == 1:
        return ColumnSumNode(_matrix_of(factors[0], symbol))
    if var == n and len(indexed) == 2 and len(factors) == 2:
        left, right = sorted(indexed, key=lambda x: 0 if x.indices[-1] == i else 1)
        return MatMul(Transpose(_matrix_of(left, symbol)), _matrix_of(right, symbol))
    if len(indexed) == 2 and len(factors) == 2:
        deltas = [x for x in indexed if str(x.base.label) == "delta"]
        weights = [x for x in indexed if str(x.base.label) == "w"]
        if deltas and weights:
            return MatMul(_matrix_of(deltas[0], symbol), Transpose(symbol("W", weights[0].indices[0])))
    raise ValueError(f"no matrix form for {total}")


def _matrix_of(indexed: sp.Indexed, symbol) -> MatrixSymbol:
    name = str(indexed.base.label)
    if name == "t":
        return symbol("T", None)
    return symbol(_ENTRY_KINDS.get(name, name), indexed.indices[0])


def _translate_product(product: sp.Mul, symbol):
    sums = [factor for factor in product.args if isinstance(factor, sp.Sum)]
    weights = [f for f in product.args if isinstance(f, sp.Indexed) and str(f.base.label) == "w"]
    if weights and not sums:
        coefficient = sp.Mul(*[f for f in product.args if f not in weights])
        return MatMul(coefficient, symbol("W", weights[0].indices[0])).doit()
    if not sums:
        return _entrywise(list(product.args), symbol)
    rest = [factor for factor in product.args if factor not in sums]
    matrix_part = _translate_sum(sums[0], symbol)
    if not rest:
        return matrix_part
    return HadamardProduct(matrix_part, _entrywise(rest, symbol))


def _entrywise(factors, symbol):
    """Elementwise(Lambda(vars, body), matrices) from scalar factors at entry (n, j)."""
    body = sp.Mul(*factors)
    replacements, matrices, variables = {}, [], []
    for node in sorted(body.atoms(sp.Indexed, sp.Derivative), key=str):
        matrix = (
            _matrix_of(node.variables[0], symbol)
            if isinstance(node, sp.Derivative)
            else _matrix_of(node, symbol)
        )
        if isinstance(node, sp.Derivative):
            placeholder = sp.Symbol(f"{matrix.name}_entry")
            replacements[node] = ActivationDerivative(placeholder)
            if matrix not in matrices:
                matrices.append(matrix)
                variables.append(placeholder)
            continue
        placeholder = sp.Symbol(f"{matrix.name}_entry")
        replacements[node] = placeholder
        if matrix not in matrices:
            matrices.append(matrix)
            variables.append(placeholder)
    scalar_body = body.xreplace(replacements)
    coefficient, entry_part = scalar_body.as_independent(*variables, as_Add=False)
    if not matrices:
        raise ValueError(f"no matrix in {body}")
    node = ElementwiseNode(sp.Lambda(tuple(variables), entry_part), *matrices)
    return MatMul(coefficient, node).doit() if coefficient != 1 else node
