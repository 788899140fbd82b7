"""Notation: how one source writes backpropagation, as data.

The Derivation is notation-free (one internal convention, that of the blog post
The backpropagation algorithm: row vectors, layers 0..L, w_ij from neuron i of layer l-1 to neuron j
of layer l, delta = dC/dz). A Notation says how a reader's source writes the
same quantities; every printer and the formula reader take every symbol from
it, so a document printed in a notation reads back through verify in it.

A spec picks one with ``notation = "nielsen"`` or a ``[notation]`` table that
starts from a profile and overrides axes (``profile = "nielsen"``, then any
field below). Symbols are LaTeX; terminal printers translate them.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import NamedTuple

from symbp.errors import SpecError
from symbp.naming import display_layer

LAYOUTS = ("row", "column")
WEIGHT_INDICES = ("from_to", "to_from")
WEIGHTS_NAMED_BY = ("entering", "leaving")
LAYER_STYLES = ("paren", "bare", "bracket", "named")
GRADIENT_STYLES = ("partial", "nabla", "d")
UNINDEXED = ("sample", "mean")
SUMMATIONS = ("explicit", "implicit")
DELTA_OF = ("cost", "sample")
# Fields that hold a LaTeX symbol (the terminal printers translate them).
SYMBOL_FIELDS = (
    "cost",
    "cost_one",
    "target",
    "prediction",
    "pre_activation",
    "activation",
    "input",
    "weight",
    "weight_matrix",
    "pre_activation_matrix",
    "activation_matrix",
    "input_matrix",
    "target_matrix",
    "bias",
    "function",
    "samples",
    "sample_index",
    "learning_rate",
    "l2",
    "delta",
    "delta_matrix",
    "hadamard",
    "transpose",
)


class Declared(NamedTuple):
    """One of a source's own names ([notation.symbols]): ``name`` stands for ``quantity``, times ``factor``
    (a delta defined as -1/2 dE/dz, an error t - a); a weight between the units ``start`` and ``end``
    (Mazur's w_5); a family of units of one ``layer`` (h for h1, h2); the depth letter (K for L); or a
    named constant and its ``value``."""

    name: str
    quantity: str
    factor: Fraction = Fraction(1)
    start: str = ""
    end: str = ""
    layer: int | None = None
    value: Fraction | None = None  # a named constant's value (Haykin's slope a of the logistic)


@dataclass(frozen=True)
class Notation:
    """Every axis on which textbooks differ; the defaults are The backpropagation algorithm's."""

    name: str = "default"
    source: str = "The backpropagation algorithm (blog post)"
    # -- layout and indices
    layout: str = "row"  # row: z = a W + b, W is n_{l-1} x n_l; column: z = W a + b, W is n_l x n_{l-1}
    batch_columns: bool = False  # column layout only: a batch is a matrix with one sample per column
    weight_indices: str = "from_to"  # from_to: w_ij joins i below to j; to_from: w_jk joins k below to j
    weights_named_by: str = "entering"  # entering: W^{(l)} feeds layer l; leaving: W^{(l)} leaves layer l
    input_layer: int = 0  # the number of the input layer (0 or 1)
    layer_style: str = "paren"  # paren ^{(l)}, bare ^l, bracket ^{[l]}, named ^{(in)}, ^{(h)}, ^{(out)}
    layer_names: tuple[str, ...] = ()  # named style: (input, hidden, output), e.g. ("in", "h", "out")
    unit_letters: tuple[str, ...] = ()  # one unit-index letter per layer from the input (Bishop: i, j, k)
    index_letters: tuple[str, ...] = ("i", "j")  # a weight's units: (the one below, the one it feeds)
    # -- symbols (LaTeX)
    cost: str = "C"
    cost_one: str = "C_x"  # the cost of one example
    target: str = "t"
    prediction: str = ""  # the network's output; empty: the activation of layer L
    pre_activation: str = "z"
    activation: str = "a"
    input: str = "x"
    weight: str = "w"
    weight_matrix: str = "W"
    pre_activation_matrix: str = "Z"  # the matrix (or, one sample at a time, the vector) of z
    activation_matrix: str = "A"
    input_matrix: str = "X"
    target_matrix: str = "T"
    delta_matrix: str = r"\delta"
    bias: str = "b"
    function: str = r"\sigma"  # the activation function's symbol when it is not named (f, g, h, \phi)
    samples: str = "N"
    sample_index: str = "n"
    learning_rate: str = r"\eta"
    l2: str = r"\lambda"
    delta: str = r"\delta"
    # -- delta and what an unindexed formula means
    delta_sign: int = 1  # 1: delta = dC/dz; -1: delta = -dE/dnet (Rumelhart, Hinton and Williams)
    delta_of: str = (
        "cost"  # cost: delta = dC/dz of the whole cost; sample: of each sample's own loss (dZ = dL/dZ)
    )
    unindexed: str = "sample"  # a formula without a sample index: one sample, or the batch mean
    # -- products and operators
    hadamard: str = r"\odot"
    transpose: str = "T"  # W^T; "\top" for W^\top
    gradient_style: str = "partial"  # partial: \frac{\partial C}{\partial W}; nabla: \nabla_W C; d: dW
    accumulators: bool = False  # Delta^{(l)} and D^{(l)} = 1/m Delta^{(l)} (Ng)
    # the penalty is lambda/(2m) sum w^2 (Ng, Nielsen, deeplearning.ai): the reader's lambda is then the
    # spec's l2 times the number of samples, so that (lambda/m) W is the spec's l2 W
    l2_per_sample: bool = False
    # a source's own names for quantities ([notation.symbols]: net = "pre_activation", out = "activation"),
    # as Declared entries; a declared name is read before the notation's other spellings
    symbols: tuple = ()
    # implicit: a formula's index repeated in a product and not on its left side is summed over (Einstein)
    summation: str = "explicit"

    def __post_init__(self):
        for field, allowed in (
            ("layout", LAYOUTS),
            ("weight_indices", WEIGHT_INDICES),
            ("weights_named_by", WEIGHTS_NAMED_BY),
            ("layer_style", LAYER_STYLES),
            ("gradient_style", GRADIENT_STYLES),
            ("unindexed", UNINDEXED),
            ("delta_of", DELTA_OF),
            ("summation", SUMMATIONS),
        ):
            if getattr(self, field) not in allowed:
                raise SpecError(f"notation.{field}", getattr(self, field), ", ".join(allowed))
        if self.input_layer not in (0, 1) or isinstance(self.input_layer, bool):
            raise SpecError("notation.input_layer", self.input_layer, "0 or 1")
        if self.delta_sign not in (1, -1) or isinstance(self.delta_sign, bool):
            raise SpecError("notation.delta_sign", self.delta_sign, "1 (dC/dz) or -1 (-dE/dnet)")
        if self.batch_columns and self.layout != "column":
            raise SpecError("notation.batch_columns", self.batch_columns, "true only with layout = 'column'")
        if self.layer_style == "named" and len(self.layer_names) != 3:
            raise SpecError("notation.layer_names", self.layer_names, "three names: input, hidden, output")
        if len(self.index_letters) != 2 or len(set(self.index_letters)) != 2:
            raise SpecError(
                "notation.index_letters", self.index_letters, "two different letters: below, above"
            )
        for field in ("index_letters", "unit_letters", "layer_names"):
            if not all(isinstance(item, str) and item for item in getattr(self, field)):
                raise SpecError(f"notation.{field}", getattr(self, field), "a list of non-empty strings")
        for field in SYMBOL_FIELDS:
            if not getattr(self, field) and field != "prediction":
                raise SpecError(f"notation.{field}", getattr(self, field), "a non-empty LaTeX symbol")

    def declared(self, quantity: str) -> tuple:
        """The source's own names declared as ``quantity``."""
        return tuple(entry for entry in self.symbols if entry.quantity == quantity)

    @property
    def depth_letter(self) -> str:
        """The letter the source writes for the output layer (L, or a declared N or K)."""
        return next((entry.name for entry in self.declared("depth")), "L")

    def mark(self, label: str, style: str | None = None) -> str:
        """The superscript body of a layer label: '(2)', '2' (bare), '[2]', '(out)' (named)."""
        style = style or self.layer_style
        return {"paren": f"({label})", "bare": label, "bracket": f"[{label}]", "named": f"({label})"}[style]

    def layer_label(self, layer, parameter: bool = False) -> str:
        """A layer (an int or a SymPy expression: 2, L-1) as the reader numbers it ('3', 'L-1');
        weights and biases by the layer they enter or leave, as the notation names them."""
        return _layer_label(layer, self.input_layer, parameter, self.weights_named_by == "leaving")

    def layer_mark(self, layer, parameter: bool = False, depth: int | None = None) -> str:
        """The superscript body for a layer: '(2)', 'l+1' (bare, braced by the caller), '[l]', and in
        the named style '(out)' (a concrete layer is named only when the network's ``depth`` is given)."""
        style = self.layer_style
        if style == "named":
            name = self._named_layer(layer, parameter, depth)
            if name:
                return f"({name})"
            style = "paren"
        return self.mark(self.layer_label(layer, parameter), style)

    def connection_mark(self, target, source, depth: int | None = None) -> str:
        """The superscript body of the matrix from layer ``source`` into layer ``target`` that skips
        layers: both layers as the reader numbers them, into first ('(2,0)', '2,0', '[2,0]', '(out,in)')."""
        labels = []
        for layer in (target, source):
            named = self._named_layer(layer, False, depth) if self.layer_style == "named" else None
            labels.append(named or self.layer_label(layer))
        style = "paren" if self.layer_style == "named" else self.layer_style
        return self.mark(",".join(labels), style)

    def brackets_transposed(self, mark: str) -> bool:
        """Whether a transposed matrix with this layer mark is written (W^{l})^T: a bare mark would
        run into the transpose sign (W^{lT}); '(l)' (a named layer, say) would not."""
        return self.layer_style == "bare" and not mark.startswith("(")

    def _named_layer(self, layer, parameter: bool, depth: int | None) -> str | None:
        """in / h / out of a named style (Raschka); the symbolic output layer L is 'out'."""
        if str(layer) == "L":
            return self.layer_names[2]
        concrete = _concrete(layer)
        if concrete is not None and depth is not None:
            return self.layer_name(concrete, depth, parameter)
        return None

    def layer_name(self, layer: int, depth: int, parameter: bool = False) -> str | None:
        """A concrete layer's name in the named style (in, h or h1, h2, ..., out); None if it has none.
        Weights and biases are named by the layer they enter, so no parameter is named 'in'."""
        if self.layer_style != "named":
            return None
        first, hidden, last = self.layer_names
        if layer == 0:
            return None if parameter else first
        if layer == depth:
            return last
        if 0 < layer < depth:
            return hidden if depth == 2 else f"{hidden}{layer}"
        return None

    def summary(self) -> str:
        """One line of the axes a reader notices first: layout, weight entry, layer mark, symbols."""
        layer = {
            "paren": "^{(l)}",
            "bare": "^l",
            "bracket": "^{[l]}",
            "named": "^{(" + ",".join(self.layer_names) + ")}",
        }
        below, above = self.index_letters
        entry = below + above if self.weight_indices == "from_to" else above + below
        layout = "rows" if self.layout == "row" else ("batch columns" if self.batch_columns else "columns")
        symbols = " ".join((self.cost, self.target, self.pre_activation, self.activation, self.function))
        sign = ", delta=-dE/dnet" if self.delta_sign < 0 else ""
        weight = f"{self.weight}_{{{entry}}}"
        return f"{layout}, {weight}, {layer[self.layer_style]}, input {self.input_layer}, {symbols}{sign}"


_UNICODE_COMMANDS = {
    r"\sigma": "σ",
    r"\Theta": "Θ",
    r"\theta": "θ",
    r"\eta": "η",
    r"\alpha": "α",
    r"\lambda": "λ",
    r"\delta": "δ",
    r"\epsilon": "ε",
    r"\varepsilon": "ε",
    r"\phi": "φ",
    r"\varphi": "φ",
    r"\odot": "⊙",
    r"\bullet": "•",
    r"\circ": "∘",
    r"\top": "ᵀ",
    r"\nabla": "∇",
    r"\partial": "∂",
    r"\sum": "∑",
}


def _script_capital(match) -> str:
    """\\mathcal{E} -> ℰ: the letterlike block holds some script capitals, the mathematical block the rest."""
    letter = match.group(1)
    try:
        return unicodedata.lookup(f"MATHEMATICAL SCRIPT CAPITAL {letter}")
    except KeyError:
        return unicodedata.lookup(f"SCRIPT CAPITAL {letter}")


@cache  # a document asks for the same few symbols about 2000 times
def as_text(tex: str) -> str:
    """A notation's LaTeX symbol as terminal text: \\hat{y} -> ŷ, \\mathrm{net} -> net, \\Theta -> Θ."""
    text = re.sub(r"\\hat\{(\w)\}", lambda match: match.group(1) + "\u0302", tex)
    text = re.sub(r"\^\{?(?:T|\\top)\}?(?![A-Za-z])", "ᵀ", text)  # 1^T on one line: 1ᵀ
    text = re.sub(r"\\(?:mathrm|mathbf|text|operatorname)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\mathcal\{([A-Z])\}", _script_capital, text)
    text = re.sub(r"\\(?:left|right)(?![A-Za-z])", "", text)  # sizing means nothing on one line: (w^2)ᵀ
    for command, char in sorted(_UNICODE_COMMANDS.items(), key=lambda item: -len(item[0])):
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", char, text)
    text = text.replace("{", "").replace("}", "").replace(r"\_", "_").replace(" ", "")
    return unicodedata.normalize("NFC", text)


def _concrete(layer) -> int | None:
    """A concrete layer number (an int or a SymPy Integer), or None for a symbolic layer (L, l-1)."""
    if isinstance(layer, int) and not isinstance(layer, bool):
        return layer
    return int(layer) if getattr(layer, "is_Integer", False) else None


@cache  # a document prints a few layers about 800 times, and str() of a SymPy label is slow
def _layer_label(layer, input_layer: int, parameter: bool, leaving: bool) -> str:
    concrete = _concrete(layer)
    shown = display_layer(layer if concrete is None else concrete, input_layer, parameter, leaving)
    return str(shown).replace(" ", "")


DEFAULT_NOTATION = Notation()


def _change_words(key: str, value) -> str:
    if key == "symbols":
        return "its own names " + ", ".join(_declared_words(entry) for entry in value)
    return f"{key} = {value}"


def _declared_words(entry: Declared) -> str:
    words = {"units": f"the units of layer {entry.layer}", "depth": "the output layer"}
    if entry.quantity in words:
        return f"{entry.name} for {words[entry.quantity]}"
    if entry.quantity == "constant":
        return f"{entry.name} for the constant {entry.value}"
    scaled = "" if entry.factor == 1 else f"{entry.factor} times "
    between = f" from {entry.start} to {entry.end}" if entry.start else ""
    return f"{entry.name} for {scaled}the {entry.quantity.replace('_', '-')}{between}"


def changed(base: Notation, name: str, **changes) -> Notation:
    """``base`` with ``changes``, named ``name``; its source then says what differs from ``base``'s,
    so that a changed profile does not claim to be its source's notation."""
    notation = dataclasses.replace(base, name=name, **changes)
    differ = [_change_words(key, value) for key, value in changes.items() if getattr(base, key) != value]
    if not differ:
        return notation
    return dataclasses.replace(notation, source=f"{base.source}, with {', '.join(differ)}")
