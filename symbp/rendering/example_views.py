"""The worked example as the document prints it: matrices of rounded numbers, group by group."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.rendering.math_style import ETA, MathStyle
from symbp.rendering.pretty import pretty_equation
from symbp.rendering.worked import omitted_because, worked_example


@dataclass(frozen=True)
class EquationView:
    lhs: str
    rhs: str
    equation: str


def _dots_columns(rows) -> set[int]:
    filled = next((row for row in rows if any(cell is not None for cell in row)), ())
    return {k for k, cell in enumerate(filled) if cell is None}


def matrix_latex(rows) -> str:
    """Rounded entries as a bmatrix; a row or column of None becomes dots."""
    dots = _dots_columns(rows)
    lines = []
    for row in rows:
        if all(cell is None for cell in row):
            lines.append(" & ".join(r"\ddots" if k in dots else r"\vdots" for k in range(len(row))))
        else:
            lines.append(" & ".join(r"\cdots" if cell is None else cell for cell in row))
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


def matrix_text(rows) -> str:
    """Rounded entries as bracketed text rows, columns right-aligned."""
    dots = _dots_columns(rows)
    cells = [
        [
            ("⋱" if k in dots else "⋮") if all(c is None for c in row) else ("…" if c is None else c)
            for k, c in enumerate(row)
        ]
        for row in rows
    ]
    wide = max(len(cell) for row in cells for cell in row)
    lines = ["[" + " ".join(cell.rjust(wide) for cell in row) + "]" for row in cells]
    return "\n".join(lines)


def _in_layout(style: MathStyle, rows):
    """A row-layout matrix's entries in the notation's layout: transposed for column vectors."""
    return tuple(zip(*rows, strict=True)) if style.network.notation.layout == "column" else rows


def _entry(style: MathStyle, lhs, rows) -> EquationView:
    rows = _in_layout(style, rows)
    if style.kind == "latex":
        value = matrix_latex(rows)
        printed = style.expr(lhs)
        return EquationView(printed, value, f"{printed} = {value}")
    value = matrix_text(rows)
    return EquationView(style.expr(lhs), value, pretty_equation(lhs, value, style.network))


def _update_entry(style: MathStyle, param, gradient, rows) -> EquationView:
    """'P - eta dC/dP = numbers' for one updated parameter."""
    rows = _in_layout(style, rows)
    eta = style.expr(ETA)
    if style.kind == "latex":
        lhs = rf"{style.expr(param)} - {eta} {style.expr(gradient)}"
        value = matrix_latex(rows)
        return EquationView(lhs, value, f"{lhs} = {value}")
    value = matrix_text(rows)
    equation = pretty_equation(param, (gradient, " = ", value), style.network, f"- {eta}⋅")
    return EquationView(style.expr(param), value, equation)


def _named(quantity) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(quantity.name, 1, 1)


def example_groups(example, style: MathStyle) -> tuple[tuple[str, tuple[EquationView, ...]], ...]:
    """The worked example as titled groups of 'name = numbers' equations."""
    sample = (
        _entry(style, _named(example.x), example.x.rows),
        _entry(style, _named(example.t), example.t.rows),
    )
    forward = tuple(_entry(style, _named(q), q.rows) for layer in example.layers for q in layer.forward)
    backward = tuple(
        _entry(style, _named(q), q.rows) for layer in reversed(example.layers) for q in layer.backward
    )
    update = tuple(
        _update_entry(style, _named(old), sp.MatrixSymbol("d" + old.name, 1, 1), new.rows)
        for layer in example.layers
        for old, new in layer.updated
    )
    return (
        ("The sample", sample),
        ("Forward pass", forward),
        ("Backward pass", backward),
        ("Update", update),
    )


def example_context(derivation, style: MathStyle) -> dict:
    """The worked example for the templates, or why the document leaves it out."""
    omitted = omitted_because(derivation.network)
    if omitted:
        return {"omitted": omitted}
    example = worked_example(derivation)
    return {
        "omitted": None,
        "seed": example.seed,
        "from_data": example.from_data,
        "sample": example.sample,
        "groups": example_groups(example, style),
        "cost_before": example.cost_before,
        "cost_after": example.cost_after,
    }
