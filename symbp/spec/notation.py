"""Notation: how one source writes backpropagation, as data.

The Derivation is notation-free (one internal convention: the first seed
text's row vectors, layers 0..L, w_ij from neuron i of layer l-1 to neuron j
of layer l, delta = dC/dz). A Notation says how a reader's source writes the
same quantities; every printer and the formula reader take every symbol from
it, so a document printed in a notation reads back through verify in it.

A spec picks one with ``notation = "nielsen"`` or a ``[notation]`` table that
starts from a profile and overrides axes (``profile = "nielsen"``, then any
field below). Symbols are LaTeX; terminal printers translate them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from symbp.errors import SpecError

LAYOUTS = ("row", "column")
WEIGHT_INDICES = ("from_to", "to_from")
WEIGHTS_NAMED_BY = ("entering", "leaving")
LAYER_STYLES = ("paren", "bare", "bracket", "named")
GRADIENT_STYLES = ("partial", "nabla", "d")
UNINDEXED = ("sample", "mean")


@dataclass(frozen=True)
class Notation:
    """Every axis on which textbooks differ; the defaults are the first seed text's."""

    name: str = "seed"
    source: str = "The backpropagation algorithm (the first seed text)"
    # -- layout and indices
    layout: str = "row"  # row: z = a W + b, W is n_{l-1} x n_l; column: z = W a + b, W is n_l x n_{l-1}
    batch_columns: bool = False  # column layout only: a batch is a matrix with one sample per column
    weight_indices: str = "from_to"  # from_to: w_ij joins i below to j; to_from: w_jk joins k below to j
    weights_named_by: str = "entering"  # entering: W^{(l)} feeds layer l; leaving: W^{(l)} leaves layer l
    input_layer: int = 0  # the number of the input layer (0 or 1)
    layer_style: str = "paren"  # paren ^{(l)}, bare ^l, bracket ^{[l]}, named ^{(in)}, ^{(h)}, ^{(out)}
    layer_names: tuple[str, ...] = ()  # named style: (input, hidden, output), e.g. ("in", "h", "out")
    unit_letters: tuple[str, ...] = ()  # one unit-index letter per layer from the input (Bishop: i, j, k)
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
    bias: str = "b"
    function: str = r"\sigma"  # the activation function's symbol when it is not named (f, g, h, \phi)
    samples: str = "N"
    sample_index: str = "n"
    learning_rate: str = r"\eta"
    l2: str = r"\lambda"
    delta: str = r"\delta"
    # -- delta and what an unindexed formula means
    delta_sign: int = 1  # 1: delta = dC/dz; -1: delta = -dE/dnet (Rumelhart, Hinton and Williams)
    unindexed: str = "sample"  # a formula without a sample index: one sample, or the batch mean
    # -- products and operators
    hadamard: str = r"\odot"
    transpose: str = "T"  # W^T; "\top" for W^\top
    gradient_style: str = "partial"  # partial: \frac{\partial C}{\partial W}; nabla: \nabla_W C; d: dW
    accumulators: bool = False  # Delta^{(l)} and D^{(l)} = 1/m Delta^{(l)} (Ng)

    def __post_init__(self):
        for field, allowed in (
            ("layout", LAYOUTS),
            ("weight_indices", WEIGHT_INDICES),
            ("weights_named_by", WEIGHTS_NAMED_BY),
            ("layer_style", LAYER_STYLES),
            ("gradient_style", GRADIENT_STYLES),
            ("unindexed", UNINDEXED),
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


SEED = Notation()
WELCH = dataclasses.replace(
    SEED,
    name="welch",
    source="Neural Networks Demystified (Stephen Welch; the third seed text)",
    weights_named_by="leaving",
    input_layer=1,
    cost="J",
    cost_one="J",
    target="y",
    prediction=r"\hat{y}",
    function="f",
)
PROFILES: dict[str, Notation] = {profile.name: profile for profile in (SEED, WELCH)}

FIELDS = tuple(field.name for field in dataclasses.fields(Notation) if field.name not in ("name", "source"))


def notation_from(value: object, field: str = "notation") -> Notation:
    """A Notation from a profile name or a table ``{profile = NAME, <axis> = <value>, ...}``."""
    if isinstance(value, Notation):
        return value
    if isinstance(value, str):
        if value not in PROFILES:
            raise SpecError(field, value, "a profile: " + ", ".join(PROFILES))
        return PROFILES[value]
    if not isinstance(value, dict):
        raise SpecError(field, value, "a profile name or a table starting from one (profile = NAME)")
    table = dict(value)
    base = notation_from(table.pop("profile", "seed"), f"{field}.profile")
    for key, given in table.items():
        if key not in FIELDS:
            raise SpecError(f"{field}.{key}", given, "one of " + ", ".join(FIELDS))
        expected = type(getattr(base, key))
        if expected is tuple and isinstance(given, list):
            given = tuple(given)
        if not isinstance(given, expected) or (expected is int and isinstance(given, bool)):
            raise SpecError(f"{field}.{key}", given, f"a {expected.__name__}")
    return dataclasses.replace(base, name=f"{base.name}+custom" if table else base.name, **table)
