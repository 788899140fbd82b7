"""What ``symbp.verify`` returns: the Verdict on one formula, and the Counterexample of one that fails
(with the values at the point where it fails)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symbp.naming import matrix_name
from symbp.verification.formula import PER_UNIT
from symbp.verification.written import show


@dataclass
class Counterexample:
    """Where the claim and the derivation disagree, with every value involved."""

    where: str
    derived: float
    claimed: float | None
    central: float
    values: dict
    problem: str | None = None
    checked_by: str = "central differences"  # what ``central`` is: a forward value's is the derivation's

    def lines(self) -> list[str]:
        claimed = "undefined" if self.claimed is None else f"{self.claimed:.10g}"
        out = [
            f"counterexample at {self.where}:",
            f"  derived {self.derived:.10g} ({self.checked_by} {self.central:.10g}), claimed {claimed}",
        ]
        if self.problem:
            out.append(f"  the right side cannot be evaluated: {self.problem}")
        for name, value in self.values.items():
            shown = np.array2string(np.asarray(value), precision=4, separator=", ", max_line_width=100)
            out.append(f"  {name} = {' '.join(shown.split())}")
        return out


@dataclass
class Verdict:
    """The outcome of one formula; ``holds`` is True or False."""

    formula: str
    holds: bool
    method: str
    points: int
    max_difference: float
    notes: list = field(default_factory=list)
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    layers: list = field(default_factory=list)
    proof: str | None = None
    notation: str | None = None  # the profile it was read in, when not the one asked for

    def summary(self) -> str:
        if self.holds:
            where = f" for {layer_words(self.layers)}" if self.layers else ""
            proved = f"{self.proof}, and " if self.proof else ""
            read = f" in the {self.notation} notation" if self.notation else ""
            return (
                f"holds{read}{where}: {proved}agrees {self.method} at {self.points} random points "
                f"(largest difference {self.max_difference:.2g})"
            )
        why = f": {self.diagnosis}" if self.diagnosis else ""
        return f"fails{why}"

    def __str__(self) -> str:
        return self.report()

    def report(self) -> str:
        """The verdict as ``symbp verify`` prints it."""
        lines = [self.formula, f"  {self.summary()}"]
        lines += [f"  note: {note}" for note in self.notes]
        if self.counterexample is not None:
            lines += ["  " + line for line in self.counterexample.lines()]
        return "\n".join(lines)


def counterexample(
    formula, generic, point, values: tuple, position: tuple, claimed, problem
) -> Counterexample:
    """Where a formula read for layer ``generic`` disagrees at a Point: ``values`` are the (derived,
    central) arrays of its left side, ``position`` the entry, ``claimed`` the right side's value there."""
    truth, checked = values
    quantity = formula.quantity
    entry = ", ".join(str(index + 1) for index in position)
    words = formula.notation
    name = show(quantity.symbol(), words)
    if quantity.kind not in PER_UNIT:
        name = f"\\partial {words.cost}/\\partial {name}"
    where = f"entry ({entry}) of {name}"
    if generic is not None:
        where += f" with {layer_words([generic])}"
    network = point.network
    shown = dict(point.params or {})
    for layer in range(1, network.depth + 1 if point.params is None else 1):
        shown[matrix_name("W", layer)] = point.W[layer]
        if network.bias:
            shown[matrix_name("b", layer)] = point.b[layer].reshape(-1)
    shown["X"], shown["T"] = point.X, point.T
    checked_by = "the derivation's forward pass" if quantity.kind in ("z", "a") else "central differences"
    return Counterexample(
        where, float(truth[position]), claimed, float(checked[position]), shown, problem, checked_by
    )


def layer_words(values: list) -> str:
    """Generic layers' values as a verdict states them: l = 1, 2, or in their own words (l = 2 and s = 0)."""
    if all(isinstance(value, int) for value in values):
        return f"l = {', '.join(map(str, values))}"
    return ", ".join(map(str, values))
