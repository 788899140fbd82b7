"""Evaluate the right side of a read formula on the numbers of one network.

A formula's symbols resolve against a ``Point``: the forward values (Z, A),
parameters, data and the true deltas of the network at one choice of
parameters and data. Matrix formulas evaluate to arrays (rows are samples);
index formulas evaluate to one number per choice of their free indices.
What each symbol is at the point comes from ``symbp.verification.symbol_values``,
the shape rules of products and sums from ``symbp.verification.shapes``.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from symbp.verification.jacobians import jacobian_entry, runs_backwards
from symbp.verification.layer_sets import sum_over
from symbp.verification.point import MATRICES, PER_SAMPLE, WEIGHTS, EvalError, Point, Reading
from symbp.verification.shapes import combine, flatten, groupings
from symbp.verification.symbol_values import SymbolValues
from symbp.verification.tree import (
    Bin,
    Call,
    Cases,
    Jacobian,
    LayerSum,
    Neg,
    Node,
    NpSum,
    Num,
    Ones,
    Sum,
    Sym,
    Transpose,
    walk,
)

_RELATIONS = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}


# entries of a matrix compared at each check point (enough to catch a wrong entry, few enough to stay quick)
MAX_ENTRIES = 24


def entry_bindings(evaluator: Evaluator, node: Node, letters: list) -> list[dict]:
    """The first MAX_ENTRIES bindings of ``node``'s index letters, entry by entry (EvalError when one has
    no range here)."""
    ranges = [range(1, evaluator.index_range(node, letter, {}, node) + 1) for letter in letters]
    return [
        dict(zip(letters, values, strict=True))
        for values in itertools.islice(itertools.product(*ranges), MAX_ENTRIES)
    ]


class Evaluator(SymbolValues):
    """Numbers for a formula's right side at one Point."""

    def __init__(self, point: Point, reading: Reading):
        super().__init__(point, reading)
        # in a matrix formula, the sample (row) each index of an enclosing sum stands for
        self.rows: dict[str, int] = {}

    # -- matrix formulas ------------------------------------------------------
    def matrix(self, node: Node):
        """An ndarray (2-D) or a float."""
        method = getattr(self, f"_m_{type(node).__name__}")
        return method(node)

    def _m_Num(self, node: Num):
        return sp.Rational(repr(node.value)) if self.symbolic else node.value

    def _m_Sym(self, node: Sym):
        value = self.array(node)
        if node.indices is not None:
            # parse_formula allows only a summed sample index here, on per-sample matrices
            row = self.rows[node.indices[0]]
            value = value[row : row + 1]
        if value.ndim == 0:
            return self.scalar_of(value.item())
        return value.T if self.reading.columns and node.name in MATRICES else value

    def _m_NpSum(self, node: NpSum):
        value = self.matrix(node.arg)
        if not isinstance(value, np.ndarray):
            return value
        if node.axis is None:
            return self.scalar_of(np.sum(value))
        return np.sum(value, axis=node.axis, keepdims=True)

    def _m_Ones(self, node: Ones):
        return np.ones((self.point.N, 1))

    def _m_Neg(self, node: Neg):
        return -self.matrix(node.arg)

    def _m_Transpose(self, node: Transpose):
        value = self.matrix(node.arg)
        return value.T if isinstance(value, np.ndarray) else value

    def _m_Call(self, node: Call):
        function = self.function(node)
        value = np.asarray(self.matrix(node.arg), dtype=object if self.symbolic else float)
        with np.errstate(all="ignore"):
            result = function(value)
        return self.scalar_of(np.asarray(result).item()) if np.ndim(result) == 0 else result

    def _m_Sum(self, node: Sum):
        """A sum over the samples: the body with row n of each matrix subscripted n, added up."""
        samples = self.point.N
        upper = samples if node.upper is None else self.matrix(node.upper)
        if node.lower != 1 or np.ndim(upper) != 0 or upper != samples:
            raise EvalError("a sum in a matrix formula runs over the samples, from 1 to N", node.column)
        if node.index in self.rows:
            raise EvalError(f"the index {node.index} is already summed over", node.column)
        total = 0
        for row in range(samples):
            self.rows[node.index] = row
            total = total + self.matrix(node.body)
        del self.rows[node.index]
        return total

    def _m_LayerSum(self, node: LayerSum):
        return sum_over(self, node, self.matrix)

    def _m_Cases(self, node: Cases):
        return self._cases(node, self.matrix)

    def _cases(self, node: Cases, value_of):
        """The first piece whose condition holds, entry by entry (value_of: matrix or scalar evaluation)."""
        if self.symbolic:
            raise EvalError("cases have no exact form to prove here", node.column)
        otherwise = node.pieces[-1] if node.pieces[-1].relation is None else None
        conditional = [piece for piece in node.pieces if piece.relation is not None]
        result = np.nan if otherwise is None else value_of(otherwise.value)
        covered = otherwise is not None
        for piece in reversed(conditional):
            holds = _RELATIONS[piece.relation](value_of(piece.left), value_of(piece.right))
            result = np.where(holds, value_of(piece.value), result)
            covered = np.logical_or(covered, holds)
        if not np.all(covered):
            message = "no line of the cases holds for some entries: end them with \\text{otherwise}"
            raise EvalError(message, node.column)
        return result if np.ndim(result) else self.scalar_of(result)

    def _m_Bin(self, node: Bin):
        if node.op == "juxt":
            return self._product_chain(node)
        left, right = self.matrix(node.left), self.matrix(node.right)
        return combine(node, left, right, self.reading.notes, self.reading.columns)

    def _product_chain(self, node: Bin):
        """A B C ... written side by side: left to right, or else the first grouping that fits the shapes.

        Texts write X^T delta^{(3)} (W^{(2)})^T f'(z^{(2)}) for X^T (delta W^T f'(z)).
        """
        factors = flatten(node)
        values = [self.matrix(factor) for factor in factors]
        notes = []
        try:
            value = values[0]
            for factor, right in zip(factors[1:], values[1:], strict=True):
                joint = Bin("juxt", node, factor, column=factor.column)
                value = combine(joint, value, right, notes, self.reading.columns)
        except EvalError as error:
            found = next(groupings(factors, values, self.reading.columns), None)
            if found is None:
                raise error from None
            value, notes = found
            notes.append(
                f"the product at column {factors[0].column} is grouped from the right to fit the shapes"
            )
        for note in notes:
            self.reading.note(note)
        return value

    # -- index formulas -------------------------------------------------------
    def scalar(self, node: Node, bindings: dict) -> float:
        method = getattr(self, f"_s_{type(node).__name__}")
        return method(node, bindings)

    def _s_Num(self, node: Num, bindings):
        return self._m_Num(node)

    def _s_Sym(self, node: Sym, bindings):
        value = self.array(node)
        if value.ndim == 0:
            return self.scalar_of(value.item())
        position = self.position(node, bindings, value.shape)
        return self.scalar_of(value[position])

    def _s_Ones(self, node: Ones, bindings):
        return 1.0

    def _s_Neg(self, node: Neg, bindings):
        return -self.scalar(node.arg, bindings)

    def _s_Transpose(self, node: Transpose, bindings):
        return self.scalar(node.arg, bindings)

    def _s_Call(self, node: Call, bindings):
        value = self.scalar(node.arg, bindings)
        if (
            node.func == "act"
            and not self.point.network.activation(self.activation_layer(node.arg)).elementwise
        ):
            raise EvalError("softmax is not elementwise: use a matrix formula", node.column)
        with np.errstate(all="ignore"):
            result = self.function(node)(np.asarray(value, dtype=object if self.symbolic else float))
        return self.scalar_of(np.asarray(result).item())

    def _s_Sum(self, node: Sum, bindings):
        if node.upper is not None:
            upper = round(self.scalar(node.upper, bindings))
        else:
            upper = self.index_range(node.body, node.index, bindings, node)
        total = 0.0
        for value in range(node.lower, upper + 1):
            total += self.scalar(node.body, {**bindings, node.index: value})
        return total

    def index_range(self, body: Node, index: str, bindings: dict, node: Node) -> int:
        """The last value of a summation index written without limits: the size it indexes."""
        if index == self.reading.sample:
            return self.point.N
        for sym in walk(body):
            if isinstance(sym, Sym) and sym.indices and index in sym.indices:
                shape = self.array(sym).shape
                where = sym.indices.index(index)
                if sym.name in PER_SAMPLE and len(sym.indices) == 1:
                    return shape[1]
                if sym.name in WEIGHTS and self.reading.notation.weight_indices == "to_from":
                    where = len(sym.indices) - 1 - where
                return shape[where]
        raise EvalError(f"the summation index {index} indexes nothing", node.column)

    def _s_Jacobian(self, node: Jacobian, bindings):
        return jacobian_entry(self, node, bindings)

    def runs_backwards(self, node: Jacobian) -> bool:
        """Is a derivative between two quantities one of an earlier quantity by a later one?"""
        return runs_backwards(self, node)

    def _s_NpSum(self, node: NpSum, bindings):
        raise EvalError("np.sum belongs in a matrix formula", node.column)

    def _s_LayerSum(self, node: LayerSum, bindings):
        return sum_over(self, node, lambda body: self.scalar(body, bindings))

    def _s_Cases(self, node: Cases, bindings):
        return self._cases(node, lambda part: self.scalar(part, bindings))

    def _s_Bin(self, node: Bin, bindings):
        left, right = self.scalar(node.left, bindings), self.scalar(node.right, bindings)
        with np.errstate(all="ignore"):
            if node.op == "add":
                return left + right
            if node.op == "sub":
                return left - right
            if node.op == "div":
                return left / right if right != 0 else float("nan")
            if node.op == "pow":
                return left**right if self.symbolic else float(np.power(left, right))
            return left * right
