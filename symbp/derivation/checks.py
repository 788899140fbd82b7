"""Machine checks of derivation steps: how a step was checked, and what happens when it does not check.

A step is an equation between index-form (or matrix-form) expressions. To
check it, a concrete small instance of the spec is drawn at random
(``symbp.derivation.reference``: same activations, cost, bias and depth;
widths capped at 3; a few samples), both sides are evaluated there for several
index values (``symbp.derivation.index_eval``), and compared with a reference
that never looks at the derivation:

* ``exact``: sympy.diff of the fully expanded cost of the instance (only
  where that expression is small), node by node, evaluated at the point;
* ``numeric``: central finite differences of the numeric cost, with one
  Richardson extrapolation (float64, error far below the 1e-7 tolerance).

A disagreement raises CheckFailed. The engine takes the instance, the exact
reference and the evaluator (``Instance``, ``ExactGradient``,
``IndexEvaluator``) from here, with the rest of how a step is checked.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp

from symbp.derivation.index_eval import IndexEvaluator
from symbp.derivation.reference.exact import ExactGradient
from symbp.derivation.reference.instance import Instance
from symbp.derivation.symbolic import C
from symbp.errors import CheckFailed

RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Check:
    """How a step was checked: method, number of random points, largest error."""

    method: str
    points: int
    max_error: float
    detail: str

    def describe(self) -> str:
        """A summary that does not depend on floating-point noise (documents stay byte-stable)."""
        return (
            f"{self.method}: {self.detail}; agrees within a relative error of {RELATIVE_TOLERANCE:g} "
            f"at {self.points} random points"
        )


def reference_value(instance: Instance, lhs, evaluator: IndexEvaluator, exact: ExactGradient | None):
    """The independent value of a step's left side and how it was obtained."""
    if isinstance(lhs, sp.Derivative) and lhs.expr == C and exact is not None and exact.small:
        kind, layer, index = evaluator.node(lhs.variables[0])
        return exact.values[(kind, layer, index)], "exact"
    return evaluator(lhs), "numeric"


def index_combinations(free: list[sp.Symbol], ranges: dict, limit: int = 6):
    """Up to ``limit`` assignments of the free indices, spread over their ranges."""
    combos = list(itertools.product(*[range(1, ranges[var] + 1) for var in free]))
    if len(combos) <= limit:
        return combos
    stride = len(combos) / limit
    return [combos[int(k * stride)] for k in range(limit)]


def compare(rhs_value: float, reference: float) -> float:
    """Relative error, measured against max(|reference|, tolerance floor)."""
    scale = max(abs(reference), ABSOLUTE_TOLERANCE / RELATIVE_TOLERANCE)
    return abs(rhs_value - reference) / scale


def raise_failure(eq, where: str, rhs_value: float, reference: float, instance: Instance | None = None):
    """A failed check: the spec field whose numbers overflow there when there is one, else the step."""
    from symbp.derivation.conditioning import culprit

    field_error = culprit(instance) if instance is not None else None
    if field_error is not None:
        raise field_error
    raise CheckFailed(
        f"derivation step does not check at {where}: right side {rhs_value!r}, "
        f"reference {reference!r}; step: {eq}"
    )
