"""Why a step holds, as data: prose and the quantities it names, never a string to be parsed again.

A ``Reason`` is a tuple of parts. ``Text`` is prose; ``Letter`` an index letter (or C, N) standing in
the prose ("sample n", "reaches C"); ``Quantity`` a quantity written inline (delta^{(L)}_{nj}, W^T,
sum_k); ``Partial`` a derivative dC/dz; ``DeltaDefinition`` "delta = dC/dz" at one layer; ``Reference``
another equation by its label. The derivation uses the internal convention's names
(``symbp.derivation.symbolic``); each renderer prints every part through the document's Notation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.derivation.symbolic import L, l


@dataclass(frozen=True)
class Text:
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Letter:
    """An index letter (i, j, k, m, n, p, q), the cost C or the sample count N, in the prose."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Quantity:
    """``name`` (delta, z, a, w, b; W, A, 1 transposed; sum; C) with its layer, indices, power."""

    name: str
    layer: sp.Expr | None = None
    indices: str = ""
    transposed: bool = False
    power: int | None = None
    one_sample: bool = False  # C: one sample's cost (C_x)

    def __str__(self) -> str:
        text = self.name
        if self.layer is not None:
            text += "^{(" + str(self.layer).replace(" ", "") + ")}"
        if self.transposed:
            text += "^T"
        if self.power is not None:
            text += f"^{self.power}"
        if self.one_sample:
            text += "_x"
        if self.indices:
            text += "_{" + self.indices + "}" if self.layer is not None else "_" + self.indices
        return text


@dataclass(frozen=True)
class Partial:
    """d top / d bottom."""

    top: Quantity
    bottom: Quantity

    def __str__(self) -> str:
        return f"d{self.top}/d{self.bottom}"


@dataclass(frozen=True)
class DeltaDefinition:
    """delta^{(layer)}_{indices} = dC/dz^{(layer)}_{indices}: a notation may scale or negate it."""

    layer: sp.Expr
    indices: str

    def __str__(self) -> str:
        return f"{self.delta} = {self.derivative}"

    @property
    def delta(self) -> Quantity:
        return Quantity("delta", self.layer, self.indices)

    @property
    def derivative(self) -> Partial:
        return Partial(Quantity("C"), Quantity("z", self.layer, self.indices))


@dataclass(frozen=True)
class Reference:
    """Another equation by its label; ``bracketed`` as the prose writes it: "(eq:delta-L)"."""

    label: str
    bracketed: bool = False

    def __str__(self) -> str:
        return f"({self.label})" if self.bracketed else self.label


Part = Text | Letter | Quantity | Partial | DeltaDefinition | Reference


@dataclass(frozen=True)
class Reason:
    parts: tuple[Part, ...]

    def __str__(self) -> str:
        return "".join(str(part) for part in self.parts)


def reason(*pieces) -> Reason:
    """A Reason from its parts, plain strings taken as prose."""
    return Reason(tuple(Text(piece) if isinstance(piece, str) else piece for piece in pieces))


def delta(layer, indices: str = "") -> Quantity:
    return Quantity("delta", layer, indices)


def total(letter: str) -> Quantity:
    """sum_letter, as the prose writes a sum."""
    return Quantity("sum", indices=letter)


# The built-in costs' definitions in words (a custom cost's is its own expression).
_SUMS = (total("n"), " ", total("j"))
COST_WORDS = {
    "half_mse": ("1/(2", Letter("N"), ") ", *_SUMS, " (a - t)^2"),
    "half_sse": ("1/2 ", *_SUMS, " (a - t)^2"),
    "mse": ("1/", Letter("N"), " ", *_SUMS, " (a - t)^2"),
    "sse": (*_SUMS, " (a - t)^2"),
    "bce": ("-(1/", Letter("N"), ") ", *_SUMS, " [t log a + (1-t) log(1-a)]"),
    "cce": ("-(1/", Letter("N"), ") ", *_SUMS, " t log a"),
}


def cost_reason(cost, l2: float) -> Reason:
    words = (cost.description,) if cost.custom else COST_WORDS[cost.name]
    penalty = (
        (", plus the l2 penalty lambda/2 sum ", Quantity("w", power=2), f" (lambda = {l2:g})") if l2 else ()
    )
    return reason("the cost: ", *words, *penalty)


MATRIX_REASONS = {
    "eq:delta-L-matrix": reason("all samples and outputs at once (rows are samples)"),
    "eq:delta-rec-matrix": reason(
        total("k"),
        " ",
        delta(None, "nk"),
        " ",
        Quantity("w", indices="jk"),
        " is entry (",
        Letter("n"),
        ", ",
        Letter("j"),
        ") of delta ",
        Quantity("W", transposed=True),
        "; f' applies entrywise",
    ),
    "eq:dW-matrix": reason(
        total("n"),
        " ",
        Quantity("a", indices="ni"),
        " ",
        delta(None, "nj"),
        " is entry (",
        Letter("i"),
        ", ",
        Letter("j"),
        ") of ",
        Quantity("A", transposed=True),
        " delta",
    ),
    "eq:db-matrix": reason(
        total("n"),
        " ",
        delta(None, "nj"),
        " is entry ",
        Letter("j"),
        " of the column sums ",
        Quantity("1", transposed=True),
        " delta",
    ),
}


# The steps' reasons that name quantities (the others are prose, written where the step is made).
DZ_DB = Partial(Quantity("z"), Quantity("b"))
EVALUATE_BIAS = reason("evaluate each factor (", DZ_DB, " = 1)")
BIAS_RATE = reason("every layer: ", DZ_DB, " = 1")
RECOGNISE_OUTPUT_DELTA = reason(
    "recognise ", delta(L), " ", Reference("eq:delta-L", True), " in the first factors"
)
RECOGNISE_RECURSION = reason(
    "recognise ", delta(L - 1, "np"), " ", Reference("eq:delta-L-1", True), ": the recursion repeats"
)
SWAP_SUMS = reason(
    "move the factors that do not depend on ",
    Letter("q"),
    " out of the ",
    Letter("q"),
    "-sum and swap the sums",
)
WEIGHT_RATE = reason(
    "every layer: ",
    Quantity("z", l, "nj"),
    " changes with its weight from neuron ",
    Letter("i"),
    " at the rate ",
    Quantity("a", l - 1, "ni"),
)


def output_weight_chain(softmax: bool) -> Reason:
    reach = (
        "chain rule: an output-layer weight reaches ",
        Letter("C"),
        " only through ",
        Quantity("z", L, "nj"),
    )
    reach += (" of each sample ", Letter("n"))
    if softmax:
        reach += (" (softmax: ", Quantity("z", L, "nj"), " moves every output ", Quantity("a", L, "nm"), ")")
    return reason(*reach)


def hidden_pattern(depth: int) -> Reason:
    """Every hidden layer repeats the pattern of the hidden layers derived one by one (L-1, L-2)."""
    more = (" and ", Reference("eq:delta-L-2")) if depth > 2 else ()
    return reason("every hidden layer repeats the pattern of ", Reference("eq:delta-L-1"), *more)
