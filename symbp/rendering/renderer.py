"""Render a Derivation as terminal text, Markdown or a standalone LaTeX article.

``render(derivation, format)`` fills the format's template (``templates/``)
with the content of ``symbp.rendering.document``: the templates lay it out, every
equation in them comes from the Derivation. The ``*_repr_*`` functions give
Jupyter's rich display of a derivation, one of its sections or one step.
"""

from __future__ import annotations

import sympy as sp

from symbp.derivation import symbolic
from symbp.derivation.optimizers import THETA, optimizer
from symbp.derivation.symbolic import w
from symbp.rendering import document
from symbp.rendering.diagram import MAX_SHOWN, bias_symbol, layout
from symbp.rendering.printing import latex, symbols_of
from symbp.rendering.reasons import ReasonSymbol
from symbp.rendering.worked import omitted_because, worked_example
from symbp.spec.notation import as_text as unicode
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


def _labels(derivation) -> frozenset[str]:
    """The labels the document defines (a reason may cite only these as references)."""
    return frozenset(step.label for step in derivation.steps if step.label)


def context(derivation, fmt: str, training: dict | None = None) -> dict:
    """Everything a document template may use, printed for ``fmt``.

    ``training`` (optional, from ``symbp demo``) holds a run's cost curve for the PDF's plot.
    """
    network = derivation.network
    style = document.MathStyle(network, _PRINTER[fmt])
    omitted = omitted_because(network)
    example = None if omitted else worked_example(derivation)
    i, j, l = sp.symbols("i j l")  # noqa: E741 (the texts' layer index)
    return {
        **_notation_context(network, style),
        "check_legend": document.check_legend(derivation.steps),
        "reason_symbol": ReasonSymbol(symbols_of(network)),
        "name": network.name,
        "summary": network.summary(),
        "description": network.description,
        "bias": network.bias,
        "several_activations": network.uniform_activation is None,
        "symbols": document.symbol_table(network, style),
        "matrices": document.matrix_table(network, style),
        "has_kronecker": _uses_kronecker(derivation),
        "diagram": layout(network),
        "weight_symbol": latex(w[l, i, j], network),
        "bias_symbol": bias_symbol(network),
        "max_shown": MAX_SHOWN,
        "sections": document.sections(derivation, style),
        "labels": _labels(derivation),
        "batch_mode": _batch_mode(network),
        "input_symbol": style.expr(sp.MatrixSymbol("X", 1, 1)),
        "forward": document.lines(derivation.forward, style),
        "backward": document.lines(derivation.backward, style),
        "learning_rate": f"{network.train.learning_rate:g}",
        "updates": document.update_rules(network, style),
        "optimizer_title": optimizer(network.train.optimizer).title,
        "update_settings": document.update_settings(network, style),
        "theta_symbol": style.expr(THETA),
        # squares, roots and quotients of vectors appear (Adam's): say they act entry by entry
        "entrywise_rules": any(rule.expr.has(sp.Pow) for rule in optimizer(network.train.optimizer).rules),
        "packed_parameters": document.packed_parameters(network),
        "epochs_note": f"The spec trains for {network.train.epochs} epochs (passes over the training data).",
        "example": {"omitted": omitted}
        if omitted
        else {
            "omitted": None,
            "seed": example.seed,
            "from_data": example.from_data,
            "sample": example.sample,
            "groups": document.example_groups(example, style),
            "cost_before": example.cost_before,
            "cost_after": example.cost_after,
        },
        "training": training,
    }


def _notation_context(network, style) -> dict:
    """The notation's words and symbols for the templates' prose (printed for the format)."""
    symbols = symbols_of(network)
    notation = network.notation
    as_format = (lambda tex: tex) if style.kind == "latex" else unicode
    ones = None
    if notation.layout == "row":
        ones = (r"\mathbf{1}^{" + notation.transpose + "} M", "rows")
    elif notation.batch_columns:
        ones = (r"M \mathbf{1}", "columns")
    return {
        "notation_source": notation.source,
        "notation_name": notation.name,
        "layout_note": document.layout_note(network),
        "hadamard": as_format(notation.hadamard),
        "eta": style.expr(document.ETA),
        "cost_symbol": style.expr(symbolic.C),
        "ones": None if ones is None else {"sum": as_format(ones[0]), "what": ones[1]},
        "per_sample": symbols.per_sample,
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
    style = document.MathStyle(derivation.network, _PRINTER[fmt])
    for section in document.sections(derivation, style):
        if section.key == key:
            template = environment().get_template(SECTION_TEMPLATES[fmt])
            symbol = ReasonSymbol(symbols_of(derivation.network))
            return template.render(section=section, labels=_labels(derivation), reason_symbol=symbol)
    known = ", ".join(view.key for view in document.sections(derivation, style))
    raise KeyError(f"no section {key!r}; this derivation has {known}")


def step_latex(step, network=None) -> str:
    """One step as display maths with its reason, for Jupyter's ``_repr_latex_``."""
    style = document.MathStyle(network, "latex")
    lhs, rhs = (style.expr(side) for side in style.stated(step.eq.lhs, step.eq.rhs))
    reason = step.reason.replace("\\", "").replace("{", "").replace("}", "")
    return rf"$$ {lhs} = {rhs} \qquad \text{{({reason})}} $$"


def derivation_markdown(derivation) -> str:
    """The whole document as Markdown, for Jupyter's ``_repr_markdown_`` of a Derivation."""
    return render(derivation, "markdown")
