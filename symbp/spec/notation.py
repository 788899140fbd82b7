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
from functools import cache

from symbp.errors import SpecError

LAYOUTS = ("row", "column")
WEIGHT_INDICES = ("from_to", "to_from")
WEIGHTS_NAMED_BY = ("entering", "leaving")
LAYER_STYLES = ("paren", "bare", "bracket", "named")
GRADIENT_STYLES = ("partial", "nabla", "d")
UNINDEXED = ("sample", "mean")
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
    # as (name, quantity) pairs; a declared name is read before the notation's other spellings
    symbols: tuple = ()

    def __post_init__(self):
        for field, allowed in (
            ("layout", LAYOUTS),
            ("weight_indices", WEIGHT_INDICES),
            ("weights_named_by", WEIGHTS_NAMED_BY),
            ("layer_style", LAYER_STYLES),
            ("gradient_style", GRADIENT_STYLES),
            ("unindexed", UNINDEXED),
            ("delta_of", DELTA_OF),
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

    def mark(self, label: str, style: str | None = None) -> str:
        """The superscript body of a layer label: '(2)', '2' (bare), '[2]', '(out)' (named)."""
        style = style or self.layer_style
        return {"paren": f"({label})", "bare": label, "bracket": f"[{label}]", "named": f"({label})"}[style]

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


@cache  # a document asks for the same few symbols about 2000 times
def as_text(tex: str) -> str:
    """A notation's LaTeX symbol as terminal text: \\hat{y} -> ŷ, \\mathrm{net} -> net, \\Theta -> Θ."""
    text = re.sub(r"\\hat\{(\w)\}", lambda match: match.group(1) + "\u0302", tex)
    text = re.sub(r"\^\{?(?:T|\\top)\}?(?![A-Za-z])", "ᵀ", text)  # 1^T on one line: 1ᵀ
    text = re.sub(r"\\(?:mathrm|mathbf|text|operatorname)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\mathcal\{L\}", "ℒ", text)
    for command, char in sorted(_UNICODE_COMMANDS.items(), key=lambda item: -len(item[0])):
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", char, text)
    text = text.replace("{", "").replace("}", "").replace(r"\_", "_").replace(" ", "")
    return unicodedata.normalize("NFC", text)


DEFAULT_NOTATION = Notation()
WELCH = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="welch",
    source="Neural Networks Demystified (Stephen Welch), parts 4 and 7, as the tutorial "
    "Artificial Neural Network (ANN) 4 - Backpropagation of Errors follows it",
    weights_named_by="leaving",
    input_layer=1,
    cost="J",
    cost_one="J",
    target="y",
    prediction=r"\hat{y}",
    function="f",
    pre_activation_matrix="z",
    activation_matrix="a",
    target_matrix="y",
)
NIELSEN = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="nielsen",
    source="Neural Networks and Deep Learning (Michael Nielsen), ch. 2 (BP1-BP4) and ch. 3",
    layout="column",
    weight_indices="to_from",
    input_layer=1,
    layer_style="bare",
    index_letters=("k", "j"),
    target="y",
    weight_matrix="w",
    pre_activation_matrix="z",
    activation_matrix="a",
    input_matrix="x",
    target_matrix="y",
    samples="n",
    sample_index="x",
)
NG = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="ng",
    source="Machine Learning (Andrew Ng, Coursera), week 5: backpropagation and ex4",
    layout="column",
    weight_indices="to_from",
    weights_named_by="leaving",
    input_layer=1,
    index_letters=("j", "i"),
    cost="J",
    cost_one="J",
    target="y",
    prediction=r"h_\Theta(x)",
    weight=r"\Theta",
    weight_matrix=r"\Theta",
    pre_activation_matrix="z",
    activation_matrix="a",
    input_matrix="x",
    target_matrix="y",
    function="g",
    samples="m",
    sample_index="t",  # "for t = 1 to m"
    learning_rate=r"\alpha",
    hadamard=".*",
    accumulators=True,
)
DEEPLEARNING_AI = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="deeplearning_ai",
    source="Deep Learning Specialization (deeplearning.ai), course 1 weeks 3-4, course 2 week 1",
    layout="column",
    batch_columns=True,
    weight_indices="to_from",
    layer_style="bracket",
    index_letters=("j", "k"),
    cost="J",
    cost_one=r"\mathcal{L}",
    target="y",
    prediction=r"\hat{y}",
    target_matrix="Y",
    delta="dz",
    delta_matrix="dZ",
    function="g",
    samples="m",
    sample_index="i",
    learning_rate=r"\alpha",
    hadamard="*",
    gradient_style="d",
    unindexed="mean",
)
GOODFELLOW = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="goodfellow",
    source="Deep Learning (Goodfellow, Bengio, Courville), section 6.5, algorithms 6.3 and 6.4",
    layout="column",
    weight_indices="to_from",
    index_letters=("j", "i"),
    cost="J",
    cost_one="J",  # algorithm 6.4 computes the gradient of J for one example
    target="y",
    prediction=r"\hat{y}",
    pre_activation="a",
    activation="h",
    pre_activation_matrix="a",
    activation_matrix="h",
    input_matrix="x",
    target_matrix="y",
    delta="g",
    delta_matrix="g",
    function="f",
    samples="m",
    sample_index="n",  # the book writes x^{(i)}, but i indexes the units of W_{i,j}
    learning_rate=r"\epsilon",
    transpose=r"\top",
    gradient_style="nabla",
)
BISHOP = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="bishop",
    source="Pattern Recognition and Machine Learning (Christopher Bishop), section 5.3",
    layout="column",
    weight_indices="to_from",
    unit_letters=("i", "j", "k"),
    cost="E",
    cost_one="E_n",
    prediction="y",
    pre_activation="a",
    activation="z",
    pre_activation_matrix="a",
    activation_matrix="z",
    input_matrix="x",
    target_matrix="t",
    function="h",
)
CS231N = dataclasses.replace(
    DEFAULT_NOTATION,
    name="cs231n",
    source="CS231n (Stanford), neural networks case study and assignment 1",
    index_letters=("j", "k"),
    cost="L",
    cost_one="L_i",
    target="y",
    prediction="p",
    pre_activation="s",
    activation="h",
    pre_activation_matrix="S",
    activation_matrix="H",
    target_matrix="Y",
    delta="ds",
    delta_matrix="dS",
    function="f",
    sample_index="i",  # L_i, the loss of example i
    learning_rate=r"\mathrm{step}",
    l2=r"\mathrm{reg}",
    hadamard="*",
    gradient_style="d",
    unindexed="mean",
)
UFLDL = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="ufldl",
    source="UFLDL tutorial (Stanford): Neural Networks, Backpropagation Algorithm",
    layout="column",
    weight_indices="to_from",
    weights_named_by="leaving",
    input_layer=1,
    index_letters=("j", "i"),
    cost="J",
    cost_one="J",
    target="y",
    prediction=r"h_{W,b}(x)",
    weight="W",
    pre_activation_matrix="z",
    activation_matrix="a",
    input_matrix="x",
    target_matrix="y",
    function="f",
    samples="m",
    sample_index="n",  # the wiki writes x^{(i)}, but i indexes the units of W_{ij}
    learning_rate=r"\alpha",
    hadamard=r"\bullet",
    gradient_style="nabla",
)
WIKIPEDIA = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="wikipedia",
    source="Wikipedia, Backpropagation (derivation section; matrix section for the layout)",
    layout="column",
    layer_style="bare",
    cost="E",
    cost_one="E",
    prediction="y",
    pre_activation=r"\mathrm{net}",
    activation="o",
    pre_activation_matrix=r"\mathrm{net}",
    activation_matrix="o",
    input_matrix="x",
    target_matrix="t",
    function=r"\varphi",
    hadamard=r"\circ",
)
RUMELHART = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="rumelhart",
    source="Rumelhart, Hinton, Williams: Learning internal representations by error propagation (PDP, ch. 8)",
    layout="column",
    weight_indices="to_from",
    cost="E",
    cost_one="E_p",
    prediction="o",
    pre_activation=r"\mathrm{net}",
    activation="o",
    input="o",
    pre_activation_matrix=r"\mathrm{net}",
    activation_matrix="o",
    input_matrix="o",
    target_matrix="t",
    function="f",
    samples="P",
    sample_index="p",
    delta_sign=-1,
)
RASCHKA = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="raschka",
    source="Python Machine Learning (Sebastian Raschka, Vahid Mirjalili), 2nd ed., ch. 12",
    layer_style="named",
    layer_names=("in", "h", "out"),
    index_letters=("k", "j"),
    cost="J",
    cost_one="J",
    target="y",
    input="a",
    input_matrix="A",
    target_matrix="Y",
    function=r"\phi",
    samples="n",
    sample_index="i",
)
THREE_BLUE_ONE_BROWN = dataclasses.replace(
    DEFAULT_NOTATION,
    delta_of="sample",
    name="3blue1brown",
    source="3Blue1Brown, Backpropagation calculus (Deep learning, chapter 4; Grant Sanderson)",
    layout="column",
    weight_indices="to_from",
    index_letters=("k", "j"),
    cost_one="C_0",
    target="y",
    input="a",
    pre_activation_matrix="z",
    activation_matrix="a",
    input_matrix="a",
    target_matrix="y",
    samples="n",
    sample_index="x",  # the video averages over examples; k is a neuron of layer L-1
)
PROFILES: dict[str, Notation] = {
    profile.name: profile
    for profile in (
        DEFAULT_NOTATION,
        WELCH,
        NIELSEN,
        NG,
        DEEPLEARNING_AI,
        GOODFELLOW,
        BISHOP,
        CS231N,
        UFLDL,
        WIKIPEDIA,
        RUMELHART,
        RASCHKA,
        THREE_BLUE_ONE_BROWN,
    )
}

# Further names a spec or --notation may give a profile, accepted but never listed or printed.
ALIASES = {"seed": "default"}

FIELDS = tuple(field.name for field in dataclasses.fields(Notation) if field.name not in ("name", "source"))


# what a declared name may stand for (the Notation field whose role it takes)
DECLARABLE = (
    "pre_activation",
    "activation",
    "input",
    "target",
    "prediction",
    "weight",
    "weight_matrix",
    "bias",
    "delta",
    "cost",
    "samples",
)
_DECLARED_NAME = re.compile(r"\\?[A-Za-z]+|\\[A-Za-z]+\s*\{\s*[A-Za-z]+\s*\}")


def declared_symbols(value: object, field: str) -> tuple:
    """[notation.symbols] as (name, quantity) pairs: each name letters (or a command such as \\alpha or
    \\mathrm{net}), each quantity one of DECLARABLE."""
    if not isinstance(value, dict):
        raise SpecError(field, value, "a table: name = quantity (net = 'pre_activation')")
    pairs = []
    for name, quantity in value.items():
        if not isinstance(name, str) or not _DECLARED_NAME.fullmatch(name.strip()):
            raise SpecError(field, name, "a name of letters, a command (\\alpha) or \\mathrm{...}")
        if quantity not in DECLARABLE:
            raise SpecError(f"{field}.{name}", quantity, "one of " + ", ".join(DECLARABLE))
        pairs.append((name.strip(), quantity))
    return tuple(pairs)


def notation_from(value: object, field: str = "notation") -> Notation:
    """A Notation from a profile name or a table ``{profile = NAME, <axis> = <value>, ...}``."""
    if isinstance(value, Notation):
        return value
    if isinstance(value, str):
        name = ALIASES.get(value, value)
        if name not in PROFILES:
            raise SpecError(field, value, "a profile: " + ", ".join(PROFILES))
        return PROFILES[name]
    if not isinstance(value, dict):
        raise SpecError(field, value, "a profile name or a table starting from one (profile = NAME)")
    table = dict(value)
    base = notation_from(table.pop("profile", DEFAULT_NOTATION), f"{field}.profile")
    if "symbols" in table:
        table["symbols"] = declared_symbols(table["symbols"], f"{field}.symbols")
    for key, given in table.items():
        if key not in FIELDS:
            raise SpecError(f"{field}.{key}", given, "one of " + ", ".join(FIELDS))
        expected = type(getattr(base, key))
        if expected is tuple and isinstance(given, list):
            given = table[key] = tuple(given)
        if not isinstance(given, expected) or (expected is int and isinstance(given, bool)):
            raise SpecError(f"{field}.{key}", given, f"a {expected.__name__}")
    return changed(base, f"{base.name}+custom" if table else base.name, **table)


def _change_words(key: str, value) -> str:
    if key == "symbols":
        return "its own names " + ", ".join(
            f"{name} for the {quantity.replace('_', '-')}" for name, quantity in value
        )
    return f"{key} = {value}"


def changed(base: Notation, name: str, **changes) -> Notation:
    """``base`` with ``changes``, named ``name``; its source then says what differs from ``base``'s,
    so that a changed profile does not claim to be its source's notation."""
    notation = dataclasses.replace(base, name=name, **changes)
    differ = [_change_words(key, value) for key, value in changes.items() if getattr(base, key) != value]
    if not differ:
        return notation
    return dataclasses.replace(notation, source=f"{base.source}, with {', '.join(differ)}")
