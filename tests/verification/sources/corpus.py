"""The reading corpus: each source's formulas as printed, judged by ``symbp.verify`` in its notation.

A formula is *right* when it is read and its verdict is the one its writer means (a true formula holds, a
slip fails), *wrong* when it is read and judged the other way, *refused* when it is not read (one line
saying why). Each source's table declares its own names ([notation.symbols]): one output's error, a
delta with a constant factor, one name per unit or per weight, a name for a whole layer, the depth letter,
a layer's width.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache

from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify

MODULES = (
    "mitchell",
    "haykin",
    "hjorth_jensen",
    "cs229",
    "rojas",
    "brilliant",
    "jurafsky_martin",
    "d2l",
    "aima",
    "mazur",
    "neurotic_networks",
)


@dataclass(frozen=True)
class Written:
    """One formula as its source prints it: ``holds`` is what its writer means (False for a slip, and
    ``diagnosis`` then words the diagnosis must contain); ``notation`` and ``network`` change the source's
    for this formula (a derivation that names another layer's units with the same letter)."""

    text: str
    holds: bool
    where: str
    diagnosis: str | None = None
    notation: dict = field(default_factory=dict)
    network: dict | None = None


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    network: dict
    notation: dict
    formulas: tuple[Written, ...]


@dataclass(frozen=True)
class Outcome:
    """How one formula was judged: "right", "wrong" or "refused" (``line``: the refusal)."""

    source: str
    written: Written
    result: str
    line: str = ""
    diagnosis: str | None = None


def sources() -> list[Source]:
    return [importlib.import_module(f"{__package__}.{name}").SOURCE for name in MODULES]


def judge(source: Source, written: Written) -> Outcome:
    notation = {**source.notation, **written.notation}
    network = written.network or source.network
    try:
        verdict = verify(network, written.text, notation=notation)
    except FormulaError as error:
        return Outcome(source.name, written, "refused", str(error))
    result = "right" if verdict.holds is written.holds else "wrong"
    return Outcome(source.name, written, result, diagnosis=verdict.diagnosis)


@cache
def outcomes() -> tuple[Outcome, ...]:
    """Every formula of every source, judged once per run."""
    return tuple(judge(source, written) for source in sources() for written in source.formulas)
