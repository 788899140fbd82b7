"""What each symbol, layer and function of a formula is at one Point: the values evaluation starts from.

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

import numpy as np
import sympy as sp

from symbp.derivation.numeric import activation_derivative as numeric_activation_derivative
from symbp.derivation.numeric import activation_function
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import Activation
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.graph import chain_graph
from symbp.verification.layer_sets import bound_letters
from symbp.verification.lexicon import ELEMENTARY, lexicon
from symbp.verification.point import PER_SAMPLE, WEIGHTS, EvalError, Point, Reading
from symbp.verification.tree import Call, Node, Num, Sym, walk


def activation_derivative(activation: Activation):
    """f' as a NumPy function (elementwise activations only; softmax's f' is a Jacobian)."""
    if not activation.elementwise:
        raise EvalError(f"f' of {activation.name} is a Jacobian, not an elementwise factor")
    return numeric_activation_derivative(activation)


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


class SymbolValues:
    """The values of a formula's symbols and functions at one Point."""

    def __init__(self, point: Point, reading: Reading):
        self.point = point
        self.reading = reading
        self.depth = point.network.depth
        self.symbolic = point.symbolic

    def scalar_of(self, value):
        """A number of this evaluation: float, or an exact SymPy number or expression."""
        return sp.sympify(value) if self.symbolic else float(value)

    # -- layers ---------------------------------------------------------------
    def layer_of(self, sym: Sym) -> int:
        """The internal layer of a symbol (0 = input); EvalError when the network has no such layer."""
        if sym.name in ("t", "y", "yhat", "error", "share"):
            if sym.name == "error" and sym.layer is not None:
                self._output_only(sym)
            return self.depth
        if sym.name == "x":
            if sym.layer is not None:
                raise EvalError("x takes no layer (it is the input; write a^{(0)} for a layer)", sym.column)
            return 0
        if sym.layer is None:
            return self.depth
        numbering = self.reading.numbering
        try:
            display = sym.layer.value(self.depth + numbering, self.reading.generic, self.reading.layers)
        except ValueError as error:  # a set's letter outside its sum (a diagnosis's repair can put it there)
            raise EvalError(str(error), sym.column) from None
        # a named layer (Raschka's W^{(h)}) names the layer a parameter enters, whatever the numbers do;
        # so does a skip's pair of layers W^{(2,0)}
        named = sym.layer.shown in self.reading.notation.layer_names or sym.layer.source is not None
        shift = self.reading.weight_shift() if sym.name in WEIGHTS + ("b",) and not named else 0
        internal = display - numbering - shift
        lowest = 0 if sym.name in ("a", "width", "dact") else 1
        if not lowest <= internal <= self.depth:
            shown = sym.layer if sym.layer.base is None else f"{sym.layer} = {display}"
            first, last = lowest + numbering + shift, self.depth + numbering + shift
            name = (
                _NAMES[sym.name]
                if sym.name in ("dz", "dact")
                else sym.spelling or _NAMES.get(sym.name, sym.name)
            )
            raise EvalError(f"{name} has no layer {shown} (layers {first}..{last})", sym.column)
        if sym.name == "b" and not self.point.network.bias:
            raise EvalError("this network has no biases", sym.column)
        if sym.name == "w" and (self.point.params is not None or sym.layer.source is not None):
            self.matrix_used(sym, internal) if self.point.params else self.weight_key(sym, internal)
        return internal

    def weight_key(self, sym: Sym, target: int) -> str:
        """The params key of the matrix W^{(l)} (from layer l-1) or a skip's W^{(l,s)} names; EvalError
        when layer l takes no weighted input from there, or multiplies by a tied matrix."""
        connection, written, name = self.connection(sym, target)
        numbering = self.reading.numbering
        if connection.tie is not None:
            tied_target, tied_source = connection.tie[1], connection.tie[0]
            tied = self.reading.notation.mark(str(tied_target + numbering))
            if tied_source != tied_target - 1:
                tied = self.reading.notation.mark(f"{tied_target + numbering},{tied_source + numbering}")
            how = " transposed" if connection.transposed else ""
            raise EvalError(
                f"{written} names no matrix of its own: it is tied to {name}^{{{tied}}}{how}; write that",
                sym.column,
            )
        return connection.own_key

    def matrix_used(self, sym: Sym, target: int):
        """The matrix a weight symbol names; W^{(c,l)} of a general form, its consumer c bound by a sum over
        out(l), is the matrix that connection multiplies by: the one it is tied to (transposed where so)."""
        connection, _, _ = self.connection(sym, target)
        if connection.tie is None or not bound_letters(sym.layer) & self.reading.summed:
            return self.point.params[self.weight_key(sym, target)]
        matrix = self.point.params[connection.matrix_key]
        return matrix.T if connection.transposed else matrix

    def connection(self, sym: Sym, target: int) -> tuple:
        """(the Connection, the matrix as written, its name) a weight symbol of layer ``target`` names;
        EvalError when layer ``target`` takes no weighted input from the layer it names."""
        graph = self.point.network.graph or chain_graph(self.depth)
        numbering = self.reading.numbering
        source = target - 1
        name = sym.spelling or "W"
        written = name
        if sym.layer is not None:
            written = f"{name}^{{{self.reading.notation.mark(str(sym.layer))}}}"
            if sym.layer.source is not None:
                try:
                    source = sym.layer.source.value(
                        self.depth + numbering, self.reading.generic, self.reading.layers
                    )
                except ValueError as error:  # a set's letter outside its sum, as in layer_of
                    raise EvalError(str(error), sym.column) from None
                source -= numbering
        connection = next((c for c in graph.weighted[target] if c.source == source), None)
        if connection is None:
            raise EvalError(
                f"{written} names no matrix: layer {target + numbering} takes no weighted input from layer "
                f"{source + numbering}",
                sym.column,
            )
        return connection, written, name

    def array(self, sym: Sym) -> np.ndarray:
        """The whole matrix a symbol names (rows = samples for per-sample quantities)."""
        point = self.point
        if sym.name in ("N", "e", "width", "lambda", "constant"):
            return np.array(self.constant(sym))
        layer = self.layer_of(sym)
        if sym.name == "delta":
            return point.delta[layer] * self.delta_scale(sym.spelling)
        if sym.name == "error":
            return (point.A[self.depth] - point.T) * self.declared_factor(sym.spelling)
        if sym.name == "share":
            return self.output_slopes()
        if sym.name == "dz":
            return point.delta[layer] * self.gradient_scale(sym.spelling, sym.named)
        if sym.name == "dact":
            return self.activation_gradient(layer, point.delta.__getitem__) * self.gradient_scale(
                sym.spelling, sym.named
            )
        if sym.name in ("accumulator", "gradient"):
            return self.weight_gradient(layer, sym.name == "gradient")
        if sym.name == "y":
            if self.reading.y_is_target:
                self.reading.note("y read as the target t (the formula uses \\hat{y} or no t)")
                return point.T
            self.reading.note("y read as the network's output (the formula also uses t)")
            return point.A[self.depth]
        if sym.name == "w" and point.params is not None:
            return self.matrix_used(sym, layer)
        table = {"a": point.A, "z": point.Z, "w": point.W, "b": point.b}
        if sym.name in table:
            return table[sym.name][layer]
        return {"x": point.X, "t": point.T, "yhat": point.A[self.depth]}[sym.name]

    def _output_only(self, sym: Sym) -> None:
        """An output's error is of the output layer (E_{o1}, Err^{L}_k), not another (E_{h1}, Err^{L-1}_k)."""
        if sym.layer.base == "l" and self.reading.generic is None:
            raise EvalError("the generic layer l has no value here", sym.column)
        output = self.depth + self.reading.numbering
        if sym.layer.value(output, self.reading.generic, self.reading.layers) != output:
            name = sym.spelling or "the error"
            raise EvalError(f"{name} is an output's error: a unit of layer {output}", sym.column)

    def declared_factor(self, spelling: str | None):
        """The factor a declared name carries (1 for others), exact in a proof."""
        factor = lexicon(self.reading.notation).factor(spelling)
        return sp.Rational(factor.numerator, factor.denominator) if self.symbolic else float(factor)

    def example_scale(self) -> int:
        """N when the notation's delta is of each sample's own loss (delta_of = "sample": Nielsen's
        dC_x/dz, deeplearning.ai's dZ) and the cost is a mean, else 1."""
        network = self.point.network
        return self.point.N if self.reading.notation.delta_of == "sample" and network.cost.mean else 1

    def gradient_scale(self, cost: str | None = None, named: bool = False) -> int:
        """A written gradient of the cost (dC/dz, dC/da) in units of the derivation's: example_scale, or
        with ``Reading.other_gradients`` the other reading of a mean cost's C (whole cost, one sample's); a
        gradient by the notation's own name (``named``: dZ, dA) keeps the notation's reading."""
        scale = self.example_scale()
        if (
            cost is not None
            and getattr(lexicon(self.reading.notation).declaration(cost), "quantity", "") == "loss"
        ):
            return self.point.N if self.point.network.cost.mean else 1  # a name declared as one sample's loss
        if not self.reading.other_gradients or not self.point.network.cost.mean or named:
            return scale
        return 1 if scale != 1 else self.point.N

    def delta_scale(self, spelling: str | None = None) -> int:
        """What the notation's delta is in units of dC/dz: its sign (Rumelhart: -1) times example_scale; a
        name declared with a factor (Delta = -1/2 dE/dz) is that factor times example_scale."""
        if lexicon(self.reading.notation).factor(spelling) != 1:
            return self.declared_factor(spelling) * self.example_scale()
        return self.reading.notation.delta_sign * self.example_scale()

    def activation_gradient(self, layer: int, delta_of) -> np.ndarray:
        """dC/dA of an internal layer (rows are samples): delta^{(l+1)} W^{(l+1)T}, or at the output the
        cost's derivative by the output. ``delta_of(l)`` gives the delta of a layer (derived or central)."""
        point = self.point
        graph = point.network.graph
        if layer < self.depth and point.params is not None:
            # the sum over the layer's consumers: each weighted one's delta times its matrix as used,
            # transposed, and each identity one's dC/dA passed straight down
            total = 0
            for connection in graph.weighted_consumers(layer):
                matrix = point.params[connection.matrix_key]
                used = matrix.T if connection.transposed else matrix
                total = total + delta_of(connection.target) @ used.T
            for consumer in graph.identity_consumers(layer):
                total = total + self.activation_gradient(consumer, delta_of)
            return total
        if layer < self.depth:
            return delta_of(layer + 1) @ point.W[layer + 1].T
        if not point.network.cost.mean:
            return self.output_slopes()
        return self.output_slopes() * (sp.Rational(1, point.N) if self.symbolic else 1 / point.N)

    def output_slopes(self) -> np.ndarray:
        """dc/da of each output's term c(a, t) of the cost, per sample (rows) and output: the gradient of
        one sample's loss by the output, and of one output's share of it (Loss_k) by its own output."""
        point = self.point
        derivative = sp.diff(point.network.cost.expr, A_SCALAR)
        if self.symbolic:
            function = np.vectorize(sp.Lambda((A_SCALAR, T_SCALAR), derivative), otypes=[object])
        else:
            function = sp.lambdify((A_SCALAR, T_SCALAR), derivative, "numpy")
        with np.errstate(all="ignore"):
            return function(point.A[self.depth], point.T) * np.ones_like(point.T)

    def weight_gradient(self, layer: int, penalised: bool) -> np.ndarray:
        """Ng's Delta^{(l)} (the sum over the examples of each one's gradient) or D^{(l)} (dJ/dTheta)."""
        point = self.point
        if point.params is not None:
            raise EvalError("the sums of the examples' gradients (\\Delta, D) are read for chains only")
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
        if sym.name == "constant":  # a declared constant (Haykin's slope a), exact in a proof
            value = lexicon(self.reading.notation).declaration(sym.spelling).value
            return sp.Rational(value.numerator, value.denominator) if self.symbolic else float(value)
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
        return self.activation_of(self.activation_layer(call.arg), call.prime)

    def activation_of(self, layer: int, prime: bool):
        """The activation of an internal layer, or its derivative f', as a function on arrays."""
        activation = self.point.network.activation(layer)
        if self.symbolic:
            return _symbolic_function(Call("act", prime, Num(0)), activation)
        if prime:
            return activation_derivative(activation)
        return activation_function(activation)

    def jacobian_positions(self, of: Sym, by: Sym, bindings: dict) -> tuple | None:
        """(sample, unit of ``of``, entry of ``by`` within its sample) of a derivative between two
        quantities, zero-based; None when ``by`` belongs to another sample (the derivative is 0)."""
        sample, unit = self.position(of, bindings, self.array(of).shape)
        at = self.position(by, bindings, self.array(by).shape)
        if by.name in PER_SAMPLE:
            if at[0] != sample:
                return None
            at = at[1:]
        elif by.name == "b":
            at = at[1:]
        return sample, unit, at

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
