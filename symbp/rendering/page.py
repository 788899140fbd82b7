"""The derivation as one self-contained HTML page: maths as MathML, the network live, linked to the code.

``render_page(derivation, code, recording)`` fills ``templates/derivation.html.j2``.
Every equation is printed from the Derivation by ``symbp.rendering.mathml`` in
the network's notation, with its LaTeX (``symbp.rendering.latex``) as an
annotation that reads back through verify. The page needs no network access
and no script to be read: the script (inline, like the style) only steps
through the derivation, highlights what a selection touches and moves the
numbers through the recorded epochs.
"""

from __future__ import annotations

import json
from functools import partial
from html import escape

from symbp.rendering.math_style import MathStyle
from symbp.rendering.mathml import check_notation, inline_math
from symbp.rendering.page_graph import (
    graph_drawing,
    graph_matrices,
    graph_numbers,
    graph_sections,
    graph_symbols,
)
from symbp.rendering.page_network import Recording, drawing, gradient_instances, number, sample, snapshot
from symbp.rendering.page_steps import code_lines, code_targets, line_pages, plain_math, step_pages
from symbp.rendering.step_views import PART_TITLES, check_legend
from symbp.rendering.symbol_tables import layout_note, matrix_table, symbol_table
from symbp.rendering.worked import omitted_because
from symbp.templating import environment

TEMPLATE = "derivation.html.j2"


def _recording_data(derivation, recording: Recording | None, numbers):
    """The frames of the recorded epochs: ``numbers(derivation, params, x, t)`` of the sample at each."""
    network = derivation.network
    params, (x, t_, position) = sample(network)
    if recording is None:
        if params is None:
            raise ValueError(f"{network.name}: a graph network's page needs its module's recorded run")
        recording = Recording((0,), (params,), (), "no training run was recorded: the numbers of epoch 0")
    frames = []
    for index, epoch in enumerate(recording.epochs):
        frame = {"epoch": epoch, **numbers(derivation, recording.params[index], x, t_)}
        if recording.costs:
            frame["cost"] = number(recording.costs[index])
        frames.append(frame)
    return recording, frames, position, x, t_


def _curve(recording: Recording) -> dict | None:
    """The training cost at the recorded epochs as an SVG polyline (log scale when every cost is positive)."""
    if len(recording.costs) < 2:
        return None
    import math

    values = list(recording.costs)
    logarithmic = all(value > 0 for value in values)
    ys = [math.log10(value) if logarithmic else value for value in values]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    last = max(recording.epochs) or 1
    points = [
        (f"{60 + 260 * epoch / last:.1f}", f"{10 + 100 * (high - y) / span:.1f}")
        for epoch, y in zip(recording.epochs, ys, strict=True)
    ]
    return {
        "points": " ".join(f"{x},{y}" for x, y in points),
        "marks": points,
        "logarithmic": logarithmic,
        "high": number(10**high if logarithmic else high),
        "low": number(10**low if logarithmic else low),
        "last": last,
    }


def _listed(values, shown: int = 8) -> str:
    """A sample's entries: all of a short one, the first three and the last of a long one."""
    numbers = [number(value) for value in values]
    if len(numbers) <= shown:
        return ", ".join(numbers)
    return f"{', '.join(numbers[:3])}, …, {numbers[-1]} ({len(numbers)} values)"


def page_context(derivation, code: str, recording: Recording | None = None, module_name: str = "") -> dict:
    """Everything the page template uses, printed from ``derivation`` in its network's notation."""
    network = derivation.network
    check_notation(network.notation)
    style = MathStyle(network, "latex")
    graph = network.graph is not None
    draw = graph_drawing(network) if graph else drawing(network)
    listing = code_lines(code)
    lines = line_pages(derivation, listing)
    steps = step_pages(derivation, graph_sections(derivation) if graph else None)
    omitted = omitted_because(network)  # beyond 10^6 parameters no number is evaluated, as in the documents
    if omitted:
        recording, frames, position, x, t_ = Recording((0,), (), (), omitted), [{"epoch": 0}], 0, None, None
    else:
        numbers = graph_numbers if graph else partial(snapshot, drawn=draw.by_units)
        recording, frames, position, x, t_ = _recording_data(derivation, recording, numbers)
    instances = {}
    if draw.by_units:
        for key, (lhs, rhs) in gradient_instances(derivation, network).items():
            instances[key] = plain_math(lhs, rhs, network)
    back = code_targets(lines)
    symbols = symbol_table(network, style) + (graph_symbols(network, style) if graph else ())
    matrices = matrix_table(network, style) + (graph_matrices(network, style) if graph else ())
    return {
        "name": network.name,
        "summary": network.summary(),
        "description": network.description,
        "notation_source": network.notation.source,
        "notation_name": network.notation.name,
        "bias": network.bias,
        "input_gradient": network.input_gradient,
        "worked": not graph,  # a chain's documents work the same sample; a graph's have no worked example
        "legend": check_legend(derivation.steps),
        "symbols": [(inline_math(symbol), meaning) for symbol, meaning in symbols],
        "matrices": [(inline_math(symbol), meaning) for symbol, meaning in matrices],
        "layout_note": layout_note(network),
        "sections": steps,
        "part_titles": PART_TITLES,
        "step_count": sum(len(part[1]) for _, parts in steps for part in parts),
        "lines": lines,
        "step_labels": {step.label for step in derivation.steps if step.label},
        "code": [(number_, text, label, back.get(number_)) for number_, text, label in listing],
        "module_name": module_name or f"{network.name}.py",
        "drawing": draw,
        "instances": instances,
        "frames": json.dumps(frames, separators=(",", ":"), sort_keys=True),
        "recording": recording,
        "curve": _curve(recording),
        "cost_rows": [
            (epoch, number(cost)) for epoch, cost in zip(recording.epochs, recording.costs, strict=False)
        ],
        "first": frames[0],
        "sample_position": position,
        "omitted": omitted,
        "sample_x": "" if omitted else _listed(x[0]),
        "sample_t": "" if omitted else _listed(t_[0]),
        "cost_symbol": inline_math(network.notation.cost),
    }


def render_page(derivation, code: str, recording: Recording | None = None, module_name: str = "") -> str:
    """The page as one HTML document (no external resource): see the module docstring."""
    env = environment()
    env.filters["html"] = lambda value: escape(str(value), quote=True)
    return env.get_template(TEMPLATE).render(page_context(derivation, code, recording, module_name))
