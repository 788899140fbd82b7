"""The exact reference: sympy.diff of an instance's fully expanded cost, by a fast straight-line program.

The cost is expanded by ``expanded`` (which verify's proof shares). A piecewise
activation or cost (relu, leaky_relu, abs, a custom Piecewise) is expanded on
the branch that holds at the instance's point (``kinks.branch_at``):
the instance lies away from kinks, so there the cost equals that smooth
expression, and its size is what a smooth activation's would be, where folding
Piecewise symbolically through the layers grew without bound.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import sympy as sp

from symbp.derivation.reference import expanded
from symbp.derivation.reference.instance import Instance

EXACT_LIMIT_OPS = 4000


class ExactGradient:
    """dC/dw and dC/db of an instance: the exact derivative of its fully expanded cost.

    The expanded cost E is one SymPy expression in the instance's weights and
    biases (its data and targets are numbers), composed from the spec's own
    activation and cost expressions; nothing of the derivation goes into it.
    ``values`` differentiates E exactly with sympy.diff, see ``_gradient_program``.
    """

    def __init__(self, instance: Instance):
        self.instance = instance
        network, sizes = instance.network, instance.sizes
        self.symbols = {}
        W, b = {}, {}
        for layer in range(1, network.depth + 1):
            W[layer] = expanded.symbols("w", sizes[layer - 1], sizes[layer], self._maker("w", layer))
            b[layer] = (
                expanded.symbols("b", 1, sizes[layer], self._maker("b", layer))
                if network.bias
                else np.zeros((1, sizes[layer]), dtype=object)
            )
        X = np.vectorize(sp.Float, otypes=[object])(instance.X)
        T = np.vectorize(sp.Float, otypes=[object])(instance.T)
        _, A = expanded.forward(network, X, W, b, at=instance)
        self.expression = expanded.cost(network, A[network.depth], T, W, sp.Float(instance.lam), at=instance)
        self.small = sp.count_ops(self.expression) <= EXACT_LIMIT_OPS

    def _maker(self, kind: str, layer: int):
        """Makes the symbol of entry (r, c) of W or b of ``layer``, and records it in ``symbols``."""

        def make(row: int, col: int) -> sp.Symbol:
            key = (kind, layer, (row, col) if kind == "w" else (col,))
            self.symbols[key] = sp.Symbol("_".join(map(str, (kind, layer, *key[2]))), real=True)
            return self.symbols[key]

        return make

    @cached_property
    def values(self) -> dict:
        symbols = list(self.symbols.values())
        steps, gradient = _gradient_program(self.expression, symbols)
        function = sp.lambdify(symbols, gradient, "math", cse=lambda exprs: (steps, exprs))
        values = function(*[self._value(key) for key in self.symbols])
        return dict(zip(self.symbols, map(float, values), strict=True))

    def _value(self, key) -> float:
        kind, layer, index = key
        return float((self.instance.W if kind == "w" else self.instance.b)[layer][index])


def _gradient_program(expression: sp.Expr, symbols: list[sp.Symbol]):
    """(steps, gradient): the exact dE/ds of every symbol s as a straight-line SymPy program.

    Every node p of E (a sum, a product, a power, an exp, a Piecewise, ...)
    gets a value symbol v_p and its ``piece``: p with each child replaced by the
    child's value symbol. Then, by the chain rule, dE/dv_c is the sum over the
    parents p of c of dE/dv_p * sympy.diff(piece_p, v_c), and dE/ds likewise.

    This is the same exact derivative as sympy.diff(E, s): sympy.diff applies
    the same chain rule, node by node, with the same local derivatives. It only
    adds up the terms of a node that several parents share once, instead of
    once per path from the top and again for each s. (For the half adder
    sympy.diff(E, s) went 18 times through the same nested sigmoids, 0.35 s of
    every cold ``symbp derive``; this takes 0.06 s.) It stays independent of
    the derivation being checked: the nodes are SymPy's own nodes of the
    expanded scalar cost, the local derivatives are sympy.diff of the spec's
    expressions, and no layer, index, sum or delta of the derivation enters.
    tests/test_checks.py compares it with sympy.diff(E, s) itself for every
    activation and cost.
    """
    value_of: dict = {}
    steps = []

    def visit(node):
        if node in value_of or node.is_Atom:
            return
        for arg in node.args:
            visit(arg)
        if isinstance(node, sp.Expr):
            piece = node.xreplace(value_of)
            value_of[node] = sp.Dummy("v", real=True) if node.is_real else sp.Dummy("v")
            steps.append((value_of[node], piece))

    visit(expression)
    terms = {value_of.get(expression, expression): [sp.Integer(1)]}
    for value, piece in reversed(list(steps)):
        if value not in terms:
            continue
        adjoint = sp.Dummy("g")
        steps.append((adjoint, sp.Add(*terms.pop(value))))
        for variable in sp.ordered(piece.free_symbols):
            terms.setdefault(variable, []).append(adjoint * sp.diff(piece, variable))
    return steps, [sp.Add(*terms.get(symbol, [])) for symbol in symbols]
