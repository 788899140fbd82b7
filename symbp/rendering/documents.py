"""Render a Derivation as terminal text, Markdown or a standalone LaTeX article.

``render(derivation, format)`` fills the format's template (``templates/``)
with the content of the view modules (``step_views``, ``symbol_tables``,
``update_views``, ``example_views``): the templates lay it out, every
equation in them comes from the Derivation. The ``*_repr_*`` functions give
Jupyter's rich display of a derivation, one of its sections or one step.
"""

from __future__ import annotations

import sympy as sp

from symbp.rendering import example_views, step_views, symbol_tables, update_views
from symbp.rendering.diagram import diagram_context
from symbp.rendering.math_style import MathStyle
from symbp.templating import environment

FORMATS = ("text", "markdown", "latex")
TEMPLATES = {"text": "derivation.txt.j2", "markdown": "derivation.md.j2", "latex": "derivation.tex.j2"}
SECTION_TEMPLATES = {"text": "section.txt.j2", "markdown": "section.md.j2", "latex": "section.tex.j2"}
_PRINTER = {"text": "pretty", "markdown": "latex", "latex": "latex"}


def _batch_mode(network) -> str:
    size = network.train.batch_size
    if size is None:
        count = f" (N = {len(network.X)} here)" if network.has_data else ""
        return f"Full batch: every step uses all N training samples{count} at once."
    if size == 1:
        return "Per sample: every step uses one training sample (N = 1), the samples taken in turn."
    return f"Mini-batches: every step uses a batch of {size} training samples (N = {size})."


def _uses_kronecker(derivation) -> bool:
    return any(step.eq.has(sp.KroneckerDelta) for step in derivation.steps)


def context(derivation, fmt: str, training: dict | None = None) -> dict:
    """Everything a document template may use, printed for ``fmt``.

    ``training`` (optional, from ``symbp demo``) holds a run's cost curve for the PDF's plot.
    """
    network = derivation.network
    style = MathStyle(network, _PRINTER[fmt])
    return {
        **symbol_tables.notation_context(network, style),
        **diagram_context(network),
        **update_views.update_context(network, style),
        "check_legend": step_views.check_legend(derivation.steps),
        "name": network.name,
        "summary": network.summary(),
        "description": network.description,
        "bias": network.bias,
        "several_activations": network.uniform_activation is None,
        "symbols": symbol_tables.symbol_table(network, style),
        "matrices": symbol_tables.matrix_table(network, style),
        "has_kronecker": _uses_kronecker(derivation),
        "sections": step_views.sections(derivation, style, fmt),
        "batch_mode": _batch_mode(network),
        "input_symbol": style.expr(sp.MatrixSymbol("X", 1, 1)),
        "forward": step_views.lines(derivation.forward, style),
        "backward": step_views.lines(derivation.backward, style),
        "epochs_note": f"The spec trains for {network.train.epochs} epochs (passes over the training data).",
        "example": example_views.example_context(derivation, style),
        "training": training,
    }


def render(derivation, format: str = "text", training: dict | None = None) -> str:  # noqa: A002
    r"""The whole derivation document in ``format`` ("text", "markdown" or "latex").

    ``training`` (the demo's) adds the gradient check and the cost curve.

    >>> import symbp
    >>> tex = symbp.render(symbp.derive(symbp.load("half_adder")), "latex")
    >>> tex.startswith(r"\documentclass")
    True
    >>> r"\label{eq:delta-rec-matrix}" in tex
    True
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if derivation.network.graph is not None:  # skips, residuals, ties or dX: the graph's own document
        from symbp.rendering.graph_document import render_graph

        return render_graph(derivation, format)
    return environment().get_template(TEMPLATES[format]).render(context(derivation, format, training))


def render_section(derivation, key: str, fmt: str = "markdown") -> str:
    """One section of the document ("cost", "L", "L-1", "L-2", "index" or "matrix") alone."""
    style = MathStyle(derivation.network, _PRINTER[fmt])
    views = step_views.sections(derivation, style, fmt)
    for section in views:
        if section.key == key:
            return environment().get_template(SECTION_TEMPLATES[fmt]).render(section=section)
    known = ", ".join(view.key for view in views)
    raise KeyError(f"no section {key!r}; this derivation has {known}")


def step_latex(step, network=None) -> str:
    """One step as display maths with its reason, for Jupyter's ``_repr_latex_``."""
    style = MathStyle(network, "latex")
    lhs, rhs = (style.expr(side) for side in style.stated(step.eq.lhs, step.eq.rhs))
    reason = step_views.display_reason(step, network)
    return rf"$$ {lhs} = {rhs} \qquad \text{{(}}{reason}\text{{)}} $$"


def derivation_markdown(derivation) -> str:
    """The whole document as Markdown, for Jupyter's ``_repr_markdown_`` of a Derivation."""
    return render(derivation, "markdown")
