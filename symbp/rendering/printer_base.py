"""What symbp's LaTeX and pretty printers share: a quantity's parts in a notation.

SymPy prints ``w[L - 1, i, j]`` as ``{w}_{L - 1,i,j}``; the texts write
w^{(L-1)}_{ij}. The printers (``symbp.rendering.latex``, ``symbp.rendering.pretty``)
read the layer from the first index of every per-layer ``Indexed``
(``symbp.derivation.symbolic``), the layer from the name of every matrix
(``symbp.naming``), and print symbp's matrix nodes (``Elementwise``,
``ColumnSum``, ``Broadcast``, ``Activate``). Every symbol, layer mark, index
letter and operator comes from the network's Notation
(``symbp.rendering.applied_notation``); symbolic layers (L, l-1) are names and
stay. Equations are first put in the notation's form
(``symbp.rendering.transform``: delta's sign, column vectors).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol
from sympy.printing.precedence import PRECEDENCE, precedence

from symbp.derivation import symbolic
from symbp.naming import (
    PARAMETER_KINDS,
    parse_generic_matrix_name,
    parse_graph_generic_name,
    parse_graph_matrix_name,
    parse_matrix_name,
)
from symbp.rendering.applied_notation import Symbols
from symbp.rendering.transform import as_printed

PER_LAYER = ("w", "b", "z", "a", "delta")
LAYER_BASES = {"L": symbolic.L, "l": symbolic.l}
GRAPH_LAYERS = {"l": symbolic.l, "c": symbolic.c, "r": symbolic.r, "s": symbolic.s}


def matrix_parts(name: str) -> tuple[str, object, bool] | None:
    """(kind, layer or None, is_gradient) of a symbp matrix name, None for other names; a graph's
    dC/dA and dC/dX are gradients of A and X."""
    generic = parse_generic_matrix_name(name)
    if generic:
        kind, base, offset = generic
        layer = LAYER_BASES[base] + offset
    elif graph := parse_graph_matrix_name(name):
        kind, layer = graph  # a skip's layer is the pair (into, from)
    elif general := parse_graph_generic_name(name):
        kind, letters = general
        pair = isinstance(letters, tuple)
        layer = tuple(GRAPH_LAYERS[x] for x in letters) if pair else GRAPH_LAYERS[letters]
    else:
        try:
            kind, layer = parse_matrix_name(name)
        except ValueError:
            return None
    gradient = kind in ("dW", "db", "dA", "dX")
    return (kind[1:] if gradient else kind), layer, gradient


def matrix_symbol(kind: str, layer, symbols: Symbols) -> tuple[str, object]:
    """(LaTeX symbol, layer or None) of a matrix kind: X is the input layer's activations in a
    notation whose input is an activation (Raschka's A^{(in)})."""
    notation = symbols.notation
    if kind == "X":
        if notation.input_matrix == notation.activation_matrix:
            return notation.activation_matrix, 0
        return notation.input_matrix, None
    table = {
        "T": notation.target_matrix,
        "A": notation.activation_matrix,
        "Z": notation.pre_activation_matrix,
        "W": notation.weight_matrix,
        "b": notation.bias,
        "delta": notation.delta_matrix,
    }
    return table[kind], layer


def bracketed_sum_body(body) -> bool:
    r"""A sum over consumers brackets a body that is a sum or starts with a minus (Rumelhart's
    -W^T delta): \sum_c (-X), never \sum_c - X."""
    return body.is_Add or isinstance(body, MatAdd) or body.could_extract_minus_sign()


def bracketed_in_product(arg) -> bool:
    """Whether a factor of an entrywise product needs brackets: products of matrices, and anything
    binding looser than a product (sums, entrywise functions whose body is a sum: odot (1 - A^2))."""
    return isinstance(arg, MatMul | HadamardProduct) or precedence(arg) < PRECEDENCE["Mul"]


def display_limits(printer, expr: sp.Sum) -> list[tuple]:
    """The limits of a sum, innermost first; a sum over the layer symbol l starts at its
    displayed number (a name, so that it is shifted only once)."""
    symbols = printer._settings["symbols"]
    limits = []
    for var, low, high in expr.limits:
        if symbols.notation.input_layer and var == symbolic.l and low.is_Integer:
            low = sp.Symbol(symbols.notation.layer_label(int(low)))
        limits.append((var, low, high))
    return limits


class EntrywiseMixin:
    """Shared handling of ``Elementwise``: its scalar body printed with matrices in place of variables."""

    def __init__(self, settings=None):
        super().__init__(settings)
        self._entrywise = {}

    def _indexed_parts(self, expr) -> tuple[str, object, bool, str] | None:
        """(LaTeX symbol, layer or None, is a parameter, subscript) of an index-form quantity; None if
        not ours."""
        symbols = self._settings["symbols"]
        notation = symbols.notation
        name = str(expr.base.label)
        indices = expr.indices
        if name == "width":
            return "n", None, False, symbols.notation.layer_label(indices[0])
        if name == "t":
            return notation.target, None, False, symbols.subscript(indices)
        if name not in PER_LAYER:
            return None
        subscript = symbols.subscript(indices[1:], weight=name == "w")
        if name == "a" and indices[0] == 0 and notation.input != notation.activation:
            return notation.input, None, False, subscript
        if name == "a" and self._is_output(indices[0]) and symbols.writes_prediction:
            return notation.prediction, None, False, subscript
        symbol = {
            "w": notation.weight,
            "b": notation.bias,
            "z": notation.pre_activation,
            "a": notation.activation,
            "delta": notation.delta,
        }[name]
        return symbol, indices[0], name in PARAMETER_KINDS, subscript

    def _is_output(self, layer) -> bool:
        depth = self._settings["symbols"].depth
        return layer == symbolic.L or (depth is not None and layer == depth)

    def _print_MatrixSymbol(self, expr):
        return self._matrix(expr.name) or super()._print_MatrixSymbol(expr)

    def _print_Transpose(self, expr):
        """A transposed symbp matrix in the notation's mark; (1^T M)^T and (1 b)^T as column sums."""
        if isinstance(expr.arg, MatrixSymbol):
            printed = self._matrix(expr.arg.name, transposed=True)
            if printed:
                return printed
        if isinstance(expr.arg, symbolic.ColumnSum | symbolic.Broadcast):
            return self._column_sum(expr.arg)
        return super()._print_Transpose(expr)

    def _print_Mul(self, expr):
        """Chain-rule products (they hold partial derivatives) keep the order of the chain."""
        if not any(isinstance(arg, sp.Derivative) for arg in expr.args):
            return super()._print_Mul(expr)
        saved = self._settings["order"]
        self._settings["order"] = "none"
        try:
            return super()._print_Mul(expr)
        finally:
            self._settings["order"] = saved

    def _print_Elementwise(self, expr):
        saved = dict(self._entrywise)
        try:
            return self._print(self._entrywise_body(expr))
        finally:
            self._entrywise = saved

    def _activation_tex(self, name: str) -> str:
        """An activation's TeX name: the notation's, the spec's own, or its name set upright."""
        own = self._settings["activations"].get(name, rf"\operatorname{{{name}}}".replace("_", r"\_"))
        return self._settings["symbols"].activation_function(name, own)

    def _matrix_pieces(self, name: str) -> tuple[str, object, bool, bool] | None:
        """(symbol, layer, is_parameter, is_gradient) of a symbp matrix name in this notation,
        None for other names."""
        parts = matrix_parts(name)
        if parts is None:
            return None
        kind, layer, gradient = parts
        symbol, layer = matrix_symbol(kind, layer, self._settings["symbols"])
        return symbol, layer, kind in PARAMETER_KINDS, gradient

    def _is_entrywise_power(self, expr) -> bool:
        """A matrix raised entrywise (Z∘2), as opposed to a scalar power."""
        if not (self._entrywise and expr.exp.is_Integer and expr.exp > 1):
            return False
        return self._involves_matrix(expr.base)

    def _entrywise_body(self, expr) -> sp.Expr:
        placeholders = {}
        for position, (var, matrix) in enumerate(zip(expr.function.variables, expr.matrices, strict=True)):
            symbol = sp.Symbol(f"_symbp_matrix_{len(self._entrywise)}_{position}")
            placeholders[var] = symbol
            self._entrywise[symbol] = matrix
        return expr.function.expr.xreplace(placeholders)

    def _is_matrix_placeholder(self, expr) -> bool:
        return isinstance(expr, sp.Symbol) and expr in self._entrywise

    def _involves_matrix(self, expr) -> bool:
        return any(symbol in self._entrywise for symbol in expr.free_symbols)

    def _split_entrywise(self, expr: sp.Mul):
        """(coefficient, numerator factors, denominator factors) when >= 2 matrix factors are multiplied."""
        coefficient, factors = expr.as_coeff_mul()
        numerator = [f for f in factors if not (f.is_Pow and f.exp.is_negative)]
        denominator = [1 / f for f in factors if f.is_Pow and f.exp.is_negative]
        if sum(1 for f in numerator if self._involves_matrix(f)) < 2:
            return None
        return coefficient, numerator, denominator


def symbols_of(network) -> Symbols:
    """The Symbols of ``network``'s notation (the default profile's without a network)."""
    return Symbols(network.notation, network.depth, network.cost.mean) if network else Symbols()


def printer_settings(network) -> dict:
    activations = {act.name: act.latex for act in network.activations} if network else {}
    return {"symbols": symbols_of(network), "activations": activations}


def equation(lhs, rhs, network=None) -> tuple:
    """A derived equation (index or matrix form) as ``network``'s notation states it."""
    return as_printed(lhs, rhs, symbols_of(network))
