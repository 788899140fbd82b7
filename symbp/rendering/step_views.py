"""A document's sections, parts and steps (and the matrix lines), printed for a template.

Every equation here is printed from the Derivation (its steps, forward and
backward lines); the templates add headings, prose and layout only. The same
Derivation always yields the same content (no timestamps, paths or random state).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symbp.rendering.latex import latex
from symbp.rendering.math_style import MathStyle
from symbp.rendering.printer_base import symbols_of
from symbp.rendering.reasons import ReasonPrinter
from symbp.spec.network import Network

SECTION_TITLES = {
    "cost": "The cost",
    "L": "Weights and biases in layer L (output layer)",
    "L-1": "Weights and biases in layer L-1",
    "L-2": "Weights and biases in layer L-2",
    "index": "In general: using indices",
    "matrix": "In general: using matrices",
}
PART_TITLES = {
    "W": "Derivative of the cost by a weight",
    "b": "Derivative of the cost by a bias",
    "delta": "Using delta",
    "a": "Derivative of the cost by a layer's output: a sum over its consumers",
}
SECTION_OFFSET = {"L": 0, "L-1": 1, "L-2": 2}


@dataclass(frozen=True)
class StepView:
    lhs: str
    rhs: str
    equation: str
    reason: str
    kind: str
    label: str | None
    check: str
    continues: bool  # same left side as the step before it: print only "= rhs"


@dataclass(frozen=True)
class PartView:
    part: str
    title: str
    subject: str  # the quantity derived (printed maths), or ""
    steps: tuple[StepView, ...]


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    layer_note: str  # "In this network L = 3, so this is layer 2.", or ""
    parts: tuple[PartView, ...]


@dataclass(frozen=True)
class LineView:
    target: str
    expr: str
    equation: str
    label: str
    layer: int


# The short mark each step carries for how it was checked; the legend explains each once.
CHECK_MARKS = {"symbolic+numeric": "sym+num", "numeric": "num"}


def describe_check(step) -> str:
    """How a step was checked, in one line of plain text (labels generalised, for the legend)."""
    if step.check is None:
        return "a definition (nothing to check)" if step.kind == "definition" else "not checked"
    return re.sub(r" eq:[A-Za-z0-9-]+", "", step.check.describe())


def check_mark(step) -> str:
    """The short mark of a step's check: 'def', 'sym+num', 'num', 'matrix' (see ``check_legend``)."""
    if step.check is None:
        return "def" if step.kind == "definition" else "none"
    mark = CHECK_MARKS.get(step.check.method, step.check.method)
    return f"matrix {mark}" if step.kind == "matrix" else mark


def check_legend(steps) -> tuple[tuple[str, str], ...]:
    """(mark, how it was checked) for every mark the document uses, in order of first use."""
    legend: dict[str, str] = {}
    for step in steps:
        mark, described = check_mark(step), describe_check(step)
        if legend.setdefault(mark, described) != described:
            raise ValueError(f"two check methods share the mark {mark!r}: {legend[mark]!r}, {described!r}")
    return tuple(legend.items())


def _step_views(steps, style: MathStyle, reasons: ReasonPrinter) -> tuple[StepView, ...]:
    views, previous_lhs = [], None
    for step in steps:
        lhs, rhs = style.stated(step.eq.lhs, step.eq.rhs)
        views.append(
            StepView(
                lhs=style.expr(lhs),
                rhs=style.expr(rhs),
                equation=style.equation(lhs, rhs),
                reason=reasons(step),
                kind=step.kind,
                label=step.label,
                check=check_mark(step),
                continues=step.eq.lhs == previous_lhs,
            )
        )
        previous_lhs = step.eq.lhs
    return tuple(views)


def _subject(part: str, steps, style: MathStyle) -> str:
    """The derivative a part derives, written inline (for its heading)."""
    if part in ("W", "b") and steps and style.kind == "latex":
        return latex(steps[0].eq.lhs, style.network, inline=True)
    return ""


def _layer_note(network: Network, key: str) -> str:
    if key not in SECTION_OFFSET:
        return ""
    output = network.notation.layer_label(network.depth)
    here = network.notation.layer_label(network.depth - SECTION_OFFSET[key])
    if key == "L":
        return f"In this network L = {output}."
    return f"In this network L = {output}, so this is layer {here}."


def sections(derivation, style: MathStyle, fmt: str) -> tuple[SectionView, ...]:
    """The derivation's sections, each split into its parts (W, b, delta) in order of appearance,
    each step's reason printed for the document's format ``fmt``."""
    # a reason may cite only the equations the document defines
    labels = frozenset(step.label for step in derivation.steps if step.label)
    reasons = ReasonPrinter(symbols_of(derivation.network), fmt, labels)
    views = []
    for key, steps in derivation.sections():
        order: list[str] = []
        for step in steps:
            if step.part not in order:
                order.append(step.part)
        parts = []
        for part in order:
            members = [step for step in steps if step.part == part]
            parts.append(
                PartView(
                    part,
                    PART_TITLES.get(part, ""),
                    _subject(part, members, style),
                    _step_views(members, style, reasons),
                )
            )
        views.append(
            SectionView(key, SECTION_TITLES[key], _layer_note(derivation.network, key), tuple(parts))
        )
    return tuple(views)


def lines(matrix_lines, style: MathStyle) -> tuple[LineView, ...]:
    views = []
    for line in matrix_lines:
        target, expr = style.stated(line.target, line.expr)
        views.append(
            LineView(
                style.expr(target), style.expr(expr), style.equation(target, expr), line.label, line.layer
            )
        )
    return tuple(views)


def display_reason(step, network=None) -> str:
    """A step's reason inside display maths, in ``network``'s notation (Jupyter's view of one step)."""
    return ReasonPrinter(symbols_of(network), "display")(step)
