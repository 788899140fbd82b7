"""Evaluate the right side of a read formula on the numbers of one network.

A formula's symbols resolve against a ``Point``: the forward values (Z, A),
parameters, data and the true deltas of the network at one choice of
parameters and data. Matrix formulas evaluate to arrays (rows are samples);
index formulas evaluate to one number per choice of their free indices.

Layers are read as written (``Reading.numbering``): with numbering 0 the input
is layer 0 and W^{(l)} enters layer l (first seed text); with numbering 1 the
input is layer 1 and W^{(l)} leaves layer l (third seed text). Either way
W^{(l)} and b^{(l)} are the parameters of internal layer l and a, z, delta of
display layer l are internal layer l - numbering. A symbol without a layer is
the output layer's (x is the input). f, g and sigma are the spec's activation
of the layer their argument belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from symbp.derivation.numeric import activation_derivative as numeric_activation_derivative
from symbp.derivation.numeric import activation_function
from symbp.spec.functions import Activation
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network
from symbp.verification.formula import (
    ELEMENTARY,
    Bin,
    Call,
    Cases,
    Neg,
    Node,
    Num,
    Ones,
    Sum,
    Sym,
    Transpose,
    walk,
)

PER_SAMPLE = ("a", "z", "delta", "x", "t", "y", "yhat")


class EvalError(Exception):
    """The formula does not make sense on this network (shapes, layers, indices)."""

    def __init__(self, message: str, column: int = 0):
        super().__init__(message)
        self.column = column


@dataclass
class Point:
    """The numbers of one check point; dicts are keyed by internal layer (input = 0)."""

    network: Network
    X: np.ndarray
    T: np.ndarray
    W: dict
    b: dict
    Z: dict
    A: dict
    delta: dict
    symbolic: bool = False

    @property
    def N(self) -> int:
        return self.X.shape[0]


@dataclass
class Reading:
    """How symbols resolve: layer numbering, the value of a generic l, what y means; collects notes."""

    numbering: int
    generic: int | None = None
    y_is_target: bool = True
    notes: list = field(default_factory=list)

    def note(self, text: str):
        if text not in self.notes:
            self.notes.append(text)


def activation_derivative(activation: Activation):
    """f' as a NumPy function (elementwise activations only; softmax's f' is a Jacobian)."""
    if not activation.elementwise:
        raise EvalError(f"f' of {activation.name} is a Jacobian, not an elementwise factor")
    return numeric_activation_derivative(activation)


_RELATIONS = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}
_ELEMENTARY = {name: getattr(np, name) for name in ELEMENTARY}
_SYMBOLIC = {name: getattr(sp, name) for name in ELEMENTARY}


def _symbolic_function(call: Call, activation: Activation | None):
    """The exact (SymPy) version of a function, applied entry by entry."""
    if call.func != "act":
        scalar = _SYMBOLIC[call.func]
    elif not activation.elementwise:
        raise EvalError("softmax has no exact entrywise form here", call.column)
    else:
        body = sp.diff(activation.expr, Z_SCALAR) if call.prime else activation.expr
        scalar = sp.Lambda(Z_SCALAR, body)
    return np.vectorize(scalar, otypes=[object])


class Evaluator:
    """Numbers for a formula's right side at one Point."""

    def __init__(self, point: Point, reading: Reading):
        self.point = point
        self.reading = reading
        self.depth = point.network.depth
        self.symbolic = point.symbolic
        # in a matrix formula, the sample (row) each index of an enclosing sum stands for
        self.rows: dict[str, int] = {}

    def scalar_of(self, value):
        """A number of this evaluation: float, or an exact SymPy number or expression."""
        return sp.sympify(value) if self.symbolic else float(value)

    # -- layers ---------------------------------------------------------------
    def layer_of(self, sym: Sym) -> int:
        """The internal layer of a symbol (0 = input); EvalError when the network has no such layer."""
        if sym.name in ("t", "y", "yhat"):
            return self.depth
        if sym.name == "x":
            if sym.layer is not None:
                raise EvalError("x takes no layer (it is the input; write a^{(0)} for a layer)", sym.column)
            return 0
        if sym.layer is None:
            return self.depth
        numbering = self.reading.numbering
        display = sym.layer.value(self.depth + numbering, self.reading.generic)
        internal = display if sym.name in ("w", "b") else display - numbering
        lowest = 0 if sym.name in ("a", "width") else 1
        if not lowest <= internal <= self.depth:
            shown = sym.layer if sym.layer.base is None else f"{sym.layer} = {display}"
            first = lowest + (0 if sym.name in ("w", "b") else numbering)
            last = self.depth + (0 if sym.name in ("w", "b") else numbering)
            raise EvalError(f"{_NAMES[sym.name]} has no layer {shown} (layers {first}..{last})", sym.column)
        if sym.name == "b" and not self.point.network.bias:
            raise EvalError("this network has no biases", sym.column)
        return internal

    def array(self, sym: Sym) -> np.ndarray:
        """The whole matrix a symbol names (rows = samples for per-sample quantities)."""
        point = self.point
        if sym.name in ("N", "e", "width"):
            return np.array(self.constant(sym))
        layer = self.layer_of(sym)
        if sym.name == "y":
            if self.reading.y_is_target:
                self.reading.note("y read as the target t (the formula uses \\hat{y} or no t)")
                return point.T
            self.reading.note("y read as the network's output (the formula also uses t)")
            return point.A[self.depth]
        table = {
            "a": point.A,
            "z": point.Z,
            "delta": point.delta,
            "w": point.W,
            "b": point.b,
        }
        if sym.name in table:
            return table[sym.name][layer]
        return {"x": point.X, "t": point.T, "yhat": point.A[self.depth]}[sym.name]

    def constant(self, sym: Sym) -> float:
        if sym.name == "N":
            return self.scalar_of(self.point.N)
        if sym.name == "e":
            return sp.E if self.symbolic else float(np.e)
        return self.scalar_of(self.point.network.layers[self.layer_of(sym)])

    def activation_layer(self, arg: Node) -> int:
        """The layer whose activation f(arg) means: that of the first a/z (else w/b) in arg."""
        symbols = [node for node in walk(arg) if isinstance(node, Sym)]
        for names in (("z", "a"), ("w", "b")):
            for sym in symbols:
                if sym.name in names:
                    return max(self.layer_of(sym), 1)
        return self.depth

    def function(self, call: Call):
        if call.func != "act":
            if call.prime:
                raise EvalError(f"write the derivative of {call.func} out", call.column)
            return _symbolic_function(call, None) if self.symbolic else _ELEMENTARY[call.func]
        activation = self.point.network.activation(self.activation_layer(call.arg))
        if self.symbolic:
            return _symbolic_function(call, activation)
        if call.prime:
            return activation_derivative(activation)
        return activation_function(activation)

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
            return value[row : row + 1]
        return self.scalar_of(value.item()) if value.ndim == 0 else value

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
        return combine(node, self.matrix(node.left), self.matrix(node.right), self.reading.notes)

    def _product_chain(self, node: Bin):
        """A B C ... written side by side: left to right, or else the first grouping that fits the shapes.

        Texts write X^T delta^{(3)} (W^{(2)})^T f'(z^{(2)}) for X^T (delta W^T f'(z)).
        """
        factors = _flatten(node)
        values = [self.matrix(factor) for factor in factors]
        notes = []
        try:
            value = values[0]
            for factor, right in zip(factors[1:], values[1:], strict=True):
                value = combine(Bin("juxt", node, factor, column=factor.column), value, right, notes)
        except EvalError as error:
            found = next(_groupings(factors, values), None)
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

    def position(self, node: Sym, bindings: dict, shape) -> tuple:
        """Zero-based (row, column) of an indexed symbol."""
        indices = [self.index_value(index, bindings, node) for index in node.indices or ()]
        if node.name in PER_SAMPLE:
            sample = bindings.get("n", bindings.get("#sample", 1))
            if len(indices) == 2:
                sample, unit = indices
            elif node.indices == ("n",):
                sample, unit = indices[0], 1
            elif len(indices) == 1:
                unit = indices[0]
            elif shape[1] == 1:
                unit = 1
            else:
                raise EvalError(
                    f"{_NAMES[node.name]} needs an index (the layer has {shape[1]} units)", node.column
                )
            wanted = (sample, unit)
        elif node.name == "b":
            if len(indices) > 1:
                raise EvalError("b takes one index", node.column)
            wanted = (1, indices[0] if indices else 1)
        else:
            if len(indices) != 2 and shape != (1, 1):
                raise EvalError("w takes two indices (w_{ij})", node.column)
            wanted = tuple(indices) if indices else (1, 1)
        for value, size in zip(wanted, shape, strict=True):
            if not 1 <= value <= size:
                raise EvalError(f"index {value} out of range 1..{size} in {_NAMES[node.name]}", node.column)
        return tuple(value - 1 for value in wanted)

    def index_value(self, index, bindings: dict, node: Node) -> int:
        if isinstance(index, int):
            return index
        if index not in bindings:
            raise EvalError(f"index {index} is neither on the left side nor summed over", node.column)
        return bindings[index]

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
        if index == "n":
            return self.point.N
        for sym in walk(body):
            if isinstance(sym, Sym) and sym.indices and index in sym.indices:
                shape = self.array(sym).shape
                where = sym.indices.index(index)
                if sym.name in PER_SAMPLE and len(sym.indices) == 1:
                    return shape[1]
                return shape[where]
        raise EvalError(f"the summation index {index} indexes nothing", node.column)

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


_NAMES = {
    "a": "a",
    "z": "z",
    "delta": "\\delta",
    "w": "W",
    "b": "b",
    "x": "x",
    "t": "t",
    "y": "y",
    "yhat": "\\hat{y}",
    "width": "n",
}


def _shape(value) -> str:
    return "x".join(str(size) for size in value.shape) if isinstance(value, np.ndarray) else "scalar"


def _broadcastable(left, right) -> bool:
    """Same shape, or one of them a scalar or a (1, n) row added to every sample."""
    if not isinstance(left, np.ndarray) or not isinstance(right, np.ndarray):
        return True
    if left.shape == right.shape:
        return True
    return left.shape[1] == right.shape[1] and 1 in (left.shape[0], right.shape[0])


def _flatten(node: Node) -> list:
    """The factors of a chain of side-by-side products."""
    if isinstance(node, Bin) and node.op == "juxt":
        return _flatten(node.left) + _flatten(node.right)
    return [node]


def _groupings(factors: list, values: list):
    """(value, notes) of every grouping of a product chain that fits the shapes."""
    if len(values) == 1:
        yield values[0], []
        return
    for split in range(len(values) - 1, 0, -1):
        for left, left_notes in _groupings(factors[:split], values[:split]):
            for right, right_notes in _groupings(factors[split:], values[split:]):
                notes = left_notes + right_notes
                joint = Bin("juxt", factors[split - 1], factors[split], column=factors[split].column)
                try:
                    yield combine(joint, left, right, notes), notes
                except EvalError:
                    continue


def combine(node: Bin, left, right, notes: list):
    """One binary operation of a matrix formula, with the shape rules of the module docstring."""
    op = node.op
    both = isinstance(left, np.ndarray) and isinstance(right, np.ndarray)
    if op == "juxt" and both:
        if left.shape == right.shape:
            note = (
                f"the product at column {node.column} is read as the elementwise product "
                "(two matrices of the same shape written side by side, as in the third seed text)"
            )
            if note not in notes:
                notes.append(note)
            return left * right
        op = "matmul"
    if op == "matmul" and both:
        if left.shape[1] != right.shape[0]:
            raise EvalError(f"a {_shape(left)} matrix cannot multiply a {_shape(right)} matrix", node.column)
        return left @ right
    if op in ("add", "sub", "hadamard", "star", "div") and not _broadcastable(left, right):
        raise EvalError(f"shapes {_shape(left)} and {_shape(right)} do not match", node.column)
    with np.errstate(all="ignore"):
        if op == "add":
            return left + right
        if op == "sub":
            return left - right
        if op == "div":
            return left / right
        if op == "pow":
            return np.power(left, right)
        return left * right
