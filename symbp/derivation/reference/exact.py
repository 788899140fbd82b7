"""The exact reference: sympy.diff of an instance's fully expanded cost, by a fast straight-line program.

A piecewise activation or cost (relu, leaky_relu, abs, a custom Piecewise) is
expanded on the branch that holds at the instance's point (``kinks.branch_at``):
the instance lies away from kinks, so there the cost equals that smooth
expression, and its size is what a smooth activation's would be, where folding
Piecewise symbolically through the layers grew without bound.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

from symbp.derivation.reference.instance import Instance
from symbp.derivation.reference.kinks import branch_at
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR

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
        instance, network = self.instance, self.instance.network
        total = sp.Integer(0)
        for sample in range(instance.samples):
            row = sp.Matrix([[sp.Float(x) for x in instance.X[sample]]])
            for layer in range(1, network.depth + 1):
                z_row = row * W[layer] + b[layer]
                act = network.activation(layer)
                if act.elementwise:
                    at = instance.Z[layer][sample]
                    branches = [branch_at(act.expr, {Z_SCALAR: at[unit]}) for unit in range(len(z_row))]
                    row = sp.Matrix([[f.subs(Z_SCALAR, z) for f, z in zip(branches, z_row, strict=True)]])
                else:
                    exps = z_row.applyfunc(sp.exp)
                    row = exps / sum(exps)
            outputs = instance.A[network.depth][sample]
            for unit, target in enumerate(instance.T[sample]):
                cost = branch_at(network.cost.expr, {A_SCALAR: outputs[unit], T_SCALAR: target})
                total += cost.subs({A_SCALAR: row[unit], T_SCALAR: sp.Float(target)})
        scale = sp.Rational(1, instance.samples) if network.cost.mean else 1
        penalty = sp.Float(instance.lam) / 2 * sum(sum(x**2 for x in matrix) for matrix in W.values())
        return scale * total + penalty

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
