"""The built-in notation profiles (the source texts, Nielsen, Ng, Goodfellow, ...) and how a spec
names one: a profile name, or a table that starts from a profile and overrides axes."""

from __future__ import annotations

import dataclasses

from symbp.errors import SpecError
from symbp.spec.declared import declared_symbols
from symbp.spec.notation import DEFAULT_NOTATION, Notation, changed

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

FIELDS = tuple(field.name for field in dataclasses.fields(Notation) if field.name not in ("name", "source"))


# Further names a spec or --notation may give a profile, accepted but never listed or printed.
ALIASES = {"seed": "default"}


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
