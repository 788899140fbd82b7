"""Evaluate the right side of a read formula on the numbers of one network.

A formula's symbols resolve against a ``Point``: the forward values (Z, A),
parameters, data and the true deltas of the network at one choice of
parameters and data. Matrix formulas evaluate to arrays (rows are samples);
index formulas evaluate to one number per choice of their free indices.

Symbols are read through the formula's Notation (``Reading.notation``): the
input layer is numbered ``input_layer`` (0 or 1); a, z, delta of display layer
l are internal layer l - input_layer; W^{(l)} and b^{(l)} are named by the
layer they enter (the default profile, Nielsen) or leave (Welch, Ng,
UFLDL); w_ij joins i below to j (from_to) or j below to i (to_from). A symbol
without a layer is the output layer's (x is the input). f, g and sigma are the
spec's activation of the layer their argument belongs to.

Internally rows are samples. In a column layout every matrix a symbol names
is transposed (a^{(l)} is n_l x 1 per sample, or n_l x m with batches as
columns; W^{(l)} is n_l x n_{l-1}), so a formula evaluates to the matrix as its
source writes it. The numbers of delta follow the notation too: Rumelhart's
delta is -dE/dnet, and a delta of each sample's own loss (deeplearning.ai's dZ,
``delta_of = "sample"``) is N times dC/dZ of the mean cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from symbp.derivation.numeric import activation_derivative as numeric_activation_derivative
from symbp.derivation.numeric import activation_function
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import Activation
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network
from symbp.spec.notation import DEFAULT_NOTATION, Notation
from symbp.verification.formula import (
    ELEMENTARY,
    Bin,
    Call,
    Cases,
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

PER_SAMPLE = ("a", "z", "delta", "dz", "x", "t", "y", "yhat", "dact")
WEIGHTS = ("w", "accumulator", "gradient")
# what a column layout writes transposed: every matrix a symbol names
MATRICES = PER_SAMPLE + WEIGHTS + ("b",)


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
    """How symbols resolve: the notation, the value of a generic l, what y means; collects notes."""

    notation: Notation = DEFAULT_NOTATION
    generic: int | None = None
    y_is_target: bool = True
    notes: list = field(default_factory=list)
    sample: str | None = "n"  # the letter that subscripts a sample in this formula (Formula.sample)

    @property
    def numbering(self) -> int:
        return self.notation.input_layer

    @property
    def columns(self) -> bool:
        return self.notation.layout == "column"

    def weight_shift(self) -> int:
        """Display layer of W minus the display layer it enters: 0 (entering) or -1 (leaving)."""
        return -1 if self.notation.weights_named_by == "leaving" else 0

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
        # a named layer (Raschka's W^{(h)}) names the layer a parameter enters, whatever the numbers do
        named = sym.layer.shown in self.reading.notation.layer_names
        shift = self.reading.weight_shift() if sym.name in WEIGHTS + ("b",) and not named else 0
        internal = display - numbering - shift
        lowest = 0 if sym.name in ("a", "width", "dact") else 1
        if not lowest <= internal <= self.depth:
            shown = sym.layer if sym.layer.base is None else f"{sym.layer} = {display}"
            first, last = lowest + numbering + shift, self.depth + numbering + shift
            name = sym.spelling or _NAMES.get(sym.name, sym.name)
            raise EvalError(f"{name} has no layer {shown} (layers {first}..{last})", sym.column)
        if sym.name == "b" and not self.point.network.bias:
            raise EvalError("this network has no biases", sym.column)
        return internal

    def array(self, sym: Sym) -> np.ndarray:
        """The whole matrix a symbol names (rows = samples for per-sample quantities)."""
        point = self.point
        if sym.name in ("N", "e", "width", "lambda"):
            return np.array(self.constant(sym))
        layer = self.layer_of(sym)
        if sym.name == "delta":
            return point.delta[layer] * self.delta_scale()
        if sym.name == "dz":
            return point.delta[layer] * self.example_scale()
        if sym.name == "dact":
            return self.activation_gradient(layer, point.delta.__getitem__) * self.example_scale()
        if sym.name in ("accumulator", "gradient"):
            return self.weight_gradient(layer, sym.name == "gradient")
        if sym.name == "y":
            if self.reading.y_is_target:
                self.reading.note("y read as the target t (the formula uses \\hat{y} or no t)")
                return point.T
            self.reading.note("y read as the network's output (the formula also uses t)")
            return point.A[self.depth]
        table = {"a": point.A, "z": point.Z, "w": point.W, "b": point.b}
        if sym.name in table:
            return table[sym.name][layer]
        return {"x": point.X, "t": point.T, "yhat": point.A[self.depth]}[sym.name]

    def example_scale(self) -> int:
        """N when the notation's delta is of each sample's own loss (delta_of = "sample": Nielsen's
        dC_x/dz, deeplearning.ai's dZ) and the cost is a mean, else 1."""
        network = self.point.network
        return self.point.N if self.reading.notation.delta_of == "sample" and network.cost.mean else 1

    def delta_scale(self) -> int:
        """What the notation's delta is in units of dC/dz: its sign (Rumelhart: -1) times example_scale."""
        return self.reading.notation.delta_sign * self.example_scale()

    def activation_gradient(self, layer: int, delta_of) -> np.ndarray:
        """dC/dA of an internal layer (rows are samples): delta^{(l+1)} W^{(l+1)T}, or at the output the
        cost's derivative by the output. ``delta_of(l)`` gives the delta of a layer (derived or central)."""
        point = self.point
        if layer < self.depth:
            return delta_of(layer + 1) @ point.W[layer + 1].T
        cost = point.network.cost
        derivative = sp.diff(cost.expr, A_SCALAR)
        if self.symbolic:
            function = np.vectorize(sp.Lambda((A_SCALAR, T_SCALAR), derivative), otypes=[object])
            scale = sp.Rational(1, point.N) if cost.mean else 1
        else:
            function = sp.lambdify((A_SCALAR, T_SCALAR), derivative, "numpy")
            scale = 1 / point.N if cost.mean else 1
        with np.errstate(all="ignore"):
            values = function(point.A[self.depth], point.T) * np.ones_like(point.T)
        return values * scale

    def weight_gradient(self, layer: int, penalised: bool) -> np.ndarray:
        """Ng's Delta^{(l)} (the sum over the examples of each one's gradient) or D^{(l)} (dJ/dTheta)."""
        point = self.point
        mean = point.network.cost.mean
        summed = point.A[layer - 1].T @ point.delta[layer]
        if not penalised:
            return summed * (point.N if mean else 1)
        l2 = sp.nsimplify(point.network.l2) if self.symbolic else point.network.l2
        return summed + l2 * point.W[layer]

    def constant(self, sym: Sym) -> float:
        if sym.name == "N":
            return self.scalar_of(self.point.N)
        if sym.name == "lambda":
            l2 = self.point.network.l2 * (self.point.N if self.reading.notation.l2_per_sample else 1)
            return sp.nsimplify(l2) if self.symbolic else float(l2)
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
        factors = _flatten(node)
        values = [self.matrix(factor) for factor in factors]
        notes = []
        try:
            value = values[0]
            for factor, right in zip(factors[1:], values[1:], strict=True):
                joint = Bin("juxt", node, factor, column=factor.column)
                value = combine(joint, value, right, notes, self.reading.columns)
        except EvalError as error:
            found = next(_groupings(factors, values, self.reading.columns), None)
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
        sample_index = self.reading.sample
        if node.name in PER_SAMPLE:
            sample = bindings.get(sample_index, bindings.get("#sample", 1))
            if len(indices) == 2:
                sample, unit = indices
            elif node.indices == (sample_index,):
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
                raise EvalError(f"{node.spelling or 'w'} takes two indices (w_{{ij}})", node.column)
            wanted = tuple(indices) if indices else (1, 1)
            if self.reading.notation.weight_indices == "to_from":
                wanted = wanted[::-1]  # w_jk joins k below to j: row k, column j of the internal W
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

    def _s_NpSum(self, node: NpSum, bindings):
        raise EvalError("np.sum belongs in a matrix formula", node.column)

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
    "dact": "\\partial C/\\partial a",
    "dz": "\\partial C/\\partial z",
    "accumulator": "\\Delta",
    "gradient": "D",
}


def _shape(value) -> str:
    return "x".join(str(size) for size in value.shape) if isinstance(value, np.ndarray) else "scalar"


def _broadcastable(left, right, columns: bool = False) -> bool:
    """Same shape, or one a scalar or a (1, n) row added to every sample (columns: an (n, 1) column)."""
    if not isinstance(left, np.ndarray) or not isinstance(right, np.ndarray):
        return True
    if left.shape == right.shape:
        return True
    if columns:
        return left.shape[0] == right.shape[0] and 1 in (left.shape[1], right.shape[1])
    return left.shape[1] == right.shape[1] and 1 in (left.shape[0], right.shape[0])


def _flatten(node: Node) -> list:
    """The factors of a chain of side-by-side products."""
    if isinstance(node, Bin) and node.op == "juxt":
        return _flatten(node.left) + _flatten(node.right)
    return [node]


def _groupings(factors: list, values: list, columns: bool = False):
    """(value, notes) of every grouping of a product chain that fits the shapes."""
    if len(values) == 1:
        yield values[0], []
        return
    for split in range(len(values) - 1, 0, -1):
        for left, left_notes in _groupings(factors[:split], values[:split], columns):
            for right, right_notes in _groupings(factors[split:], values[split:], columns):
                notes = left_notes + right_notes
                joint = Bin("juxt", factors[split - 1], factors[split], column=factors[split].column)
                try:
                    yield combine(joint, left, right, notes, columns), notes
                except EvalError:
                    continue


def combine(node: Bin, left, right, notes: list, columns: bool = False):
    """One binary operation of a matrix formula, with the shape rules of the module docstring."""
    op = node.op
    both = isinstance(left, np.ndarray) and isinstance(right, np.ndarray)
    if op == "juxt" and both:
        if left.shape == right.shape:
            note = (
                f"the product at column {node.column} is read as the elementwise product "
                "(two matrices of the same shape written side by side, "
                "as Neural Networks Demystified writes them)"
            )
            if note not in notes:
                notes.append(note)
            return left * right
        op = "matmul"
    if op == "matmul" and both:
        if left.shape[1] != right.shape[0]:
            raise EvalError(f"a {_shape(left)} matrix cannot multiply a {_shape(right)} matrix", node.column)
        with np.errstate(all="ignore"):  # inf and nan are values a claim may have; the verdict reports them
            return left @ right
    if op in ("add", "sub", "hadamard", "star", "div") and not _broadcastable(left, right, columns):
        raise EvalError(f"shapes {_shape(left)} and {_shape(right)} do not match", node.column)
    with np.errstate(all="ignore"):
        if op == "add":
            return left + right
        if op == "sub":
            return left - right
        if op == "div":
            # np.divide, as two Python scalars (0/0 written in a formula) would raise ZeroDivisionError
            return np.divide(left, right)
        if op == "pow":
            return np.power(left, right)
        return left * right
