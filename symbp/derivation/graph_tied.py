"""A tied matrix's general equations: its gradient as the sum of its uses' contributions.

A matrix used by several connections (an autoencoder's decoder multiplying by the
encoder's W transposed) is one parameter, so its gradient sums one contribution per
use. Each contribution is the general rate of a connection from layer s into layer l,
sum_n a^{(s)}_{ni} delta^{(l)}_{nj}, taken at that use; a transposed use reads the
matrix with its two indices swapped, so its contribution has i and j swapped. In
matrices each contribution is A^{(s)T} delta^{(l)}, a transposed use's transposed
whole, and the transpose of that product, written out, is the backward pass's term
(``symbp.derivation.graph``). The index equation is checked by the chain's StepChecker;
the matrix equations against central differences of the cost on the same instances.
"""

from __future__ import annotations

import dataclasses

import sympy as sp
from sympy.matrices.expressions import MatAdd, MatMul, MatrixSymbol, Transpose

from symbp.derivation.chain import D
from symbp.derivation.graph_check import check_matrix_equation
from symbp.derivation.reasons import Quantity, Reference, reason
from symbp.derivation.reference.graph_instance import weight_layer
from symbp.derivation.step_check import matrix_step_check
from symbp.derivation.steps import Step
from symbp.derivation.symbolic import LAMBDA, C, N, a, delta, i, j, l, n, s, w
from symbp.naming import matrix_name


def weight_entry(key: str, row, col) -> sp.Indexed:
    """w^{(l)}_{row col} of the params key ``key``; a matrix that skips layers has the pair (into, from)."""
    layer = weight_layer(key)
    return w[sp.Tuple(*layer) if isinstance(layer, tuple) else layer, row, col]


def connection_rate() -> sp.Expr:
    """dC/dw^{(l,s)}_{ij} through one connection from layer s into layer l:
    sum_n a^{(s)}_{ni} delta^{(l)}_{nj}."""
    return sp.Sum(a[s, n, i] * delta[l, n, j], (n, 1, N))


def tied_keys(graph) -> list[str]:
    """The matrices more than one connection multiplies by."""
    return [key for key in graph.weight_keys() if len(uses_of(graph, key)) > 1]


def uses_of(graph, key: str) -> list:
    """The connections that multiply by the matrix ``key``, in layer order."""
    return [use for use in graph.connections() if use.matrix_key == key]


class TiedForms:
    """Adds a tied matrix's index and matrix equations to a GraphStepDeriver's steps."""

    def __init__(self, deriver):
        self.deriver, self.network = deriver, deriver.network
        self.graph = self.network.graph

    def index_label(self, key: str) -> str:
        return f"{self.deriver.labels.weight(key)}-uses"

    def matrix_label(self, key: str) -> str:
        return f"{self.index_label(key)}-matrix"

    def index_form(self, rate_label: str | None) -> None:
        """dC/dw_{ij} = the sum over the matrix's uses of each one's rate, i and j swapped if transposed."""
        for key in tied_keys(self.graph):
            terms, named = [], []
            for position, use in enumerate(uses_of(self.graph, key)):
                term = connection_rate().xreplace({l: use.target, s: use.source})
                terms.append(term.xreplace({i: j, j: i}) if use.transposed else term)
                how = " transposed (its indices swapped)" if use.transposed else " as is"
                named += [("; " if position else ": ") + "the use in ", Quantity("z", use.target), how]
            entry = weight_entry(key, i, j)
            rhs = sp.Add(*terms, *([LAMBDA * entry] if self.network.l2 else []), evaluate=False)
            rate = (" ", Reference(rate_label, True)) if rate_label else ()
            why = reason(
                "a tied matrix: the sum of its uses' contributions, each the delta of the layer it enters "
                "times the activation it multiplies",
                *rate,
                *named,
                "; as derived layer by layer: ",
                Reference(self.deriver.labels.weight(key)),
            )
            label = self.index_label(key)
            self.deriver.add(D(C, entry), rhs, why, "generalise", "index", "W", label)

    def matrix_form(self) -> None:
        """dC/dW = sum over uses of A^{(s)T} delta^{(l)}, a transposed use's product transposed whole; then
        those products written out, as the backward pass (and the generated module) computes them."""
        steps = {step.label: step for step in self.deriver.steps}
        instances, sizes = self.deriver.checker.instances, self.network.layers
        for key in tied_keys(self.graph):
            uses, terms = uses_of(self.graph, key), []
            for use in uses:
                below = MatrixSymbol(matrix_name("A", use.source), N, sizes[use.source])
                into = MatrixSymbol(matrix_name("delta", use.target), N, sizes[use.target])
                rate = MatMul(Transpose(below), into)
                terms.append(Transpose(rate) if use.transposed else rate)
            matrix = MatrixSymbol(key, *self.graph.weight_shape(key, sizes))
            terms += [MatMul(LAMBDA, matrix)] if self.network.l2 else []
            index_label = self.index_label(key)
            words = "each use's sum over the samples is a product with the transposed activations"
            transposed = any(use.transposed for use in uses)
            whole = "; a transposed use's product is transposed whole" if transposed else ""
            why = reason(words, whole, " ", Reference(index_label, True))
            lines = [(MatAdd(*terms), why, self.matrix_label(key))]
            if transposed:
                why = reason("the transpose of a product is the product of the transposes in reverse order")
                lines.append((MatAdd(*(term.doit() for term in terms)), why, None))
            check = matrix_step_check(steps[index_label].check, index_label)
            for expr, why, label in lines:
                eq = sp.Eq(MatrixSymbol(f"d{key}", *matrix.shape), expr, evaluate=False)
                step_check = dataclasses.replace(check, max_error=check_matrix_equation(instances, eq))
                self.deriver.steps.append(Step(eq, why, "matrix", "matrix", "W", label, step_check))
