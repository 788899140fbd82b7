"""The derivation as one self-contained HTML page: maths as MathML, the network live, linked to the code.

``render_page(derivation, code, recording)`` fills ``templates/derivation.html.j2``.
Every equation is printed from the Derivation by ``symbp.rendering.mathml`` in
the network's notation, with its LaTeX (``symbp.rendering.printing``) as an
annotation that reads back through verify. The page needs no network access
and no script to be read: the script (inline, like the style) only steps
through the derivation, highlights what a selection touches and moves the
numbers through the recorded epochs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape

from symbp.rendering import document
from symbp.rendering.mathml import check_notation, inline_math, mathml
from symbp.rendering.page_links import links
from symbp.rendering.page_network import Recording, drawing, gradient_instances, number, sample, snapshot
from symbp.rendering.printing import equation, latex, symbols_of
from symbp.rendering.reasons import ReasonSymbol, stated_reason
from symbp.rendering.worked import omitted_because
from symbp.templating import _reason_parts, anchor, environment

TEMPLATE = "derivation.html.j2"
_EQ_COMMENT = re.compile(r"#\s*(eq:[A-Za-z0-9-]*[A-Za-z0-9])\s*$")


def math_element(lhs_tex: str, lhs_mathml: str, rhs_tex: str, rhs_mathml: str, relation: str = "=") -> str:
    """One displayed equation: MathML, with its LaTeX as the annotation verify reads back."""
    tex = escape(f"{lhs_tex} {relation} {rhs_tex}", quote=False)
    # no aria-label: browsers give the MathML itself to screen readers, better than any flat text
    return (
        f'<math display="block" class="eq"><semantics><mrow>{lhs_mathml}'
        f"<mo>{escape(relation, quote=False)}</mo>{rhs_mathml}</mrow>"
        f'<annotation encoding="application/x-tex">{tex}</annotation></semantics></math>'
    )


def _stated_math(lhs, rhs, network) -> str:
    lhs, rhs = equation(lhs, rhs, network)
    return math_element(latex(lhs, network), mathml(lhs, network), latex(rhs, network), mathml(rhs, network))


def reason_html(text: str, labels, symbol) -> str:
    """A step's reason: plain text escaped, notation as inline MathML, known labels as links."""
    out = []
    for kind, value in _reason_parts(text, symbol):
        if kind == "math":
            out.append(inline_math(value))
        elif kind == "label" and value in labels:
            out.append(f'<a href="#{anchor(value)}">({escape(value)})</a>')
        else:
            out.append(escape(value if kind == "text" else f"({value})", quote=False))
    return "".join(out)


@dataclass(frozen=True)
class StepPage:
    number: int
    section: str
    part: str
    math: str
    reason: str
    check: str
    check_meaning: str
    label: str | None
    defines: str
    uses: str


@dataclass(frozen=True)
class LinePage:
    number: int
    kind: str  # "forward" or "backward"
    math: str
    label: str
    layer: int
    defines: str
    uses: str
    code_line: int | None


def _steps(derivation) -> list[tuple[document.SectionView, list[tuple[str, list[StepPage]]]]]:
    network = derivation.network
    symbols = symbols_of(network)
    labels = {step.label for step in derivation.steps if step.label}
    legend = dict(document.check_legend(derivation.steps))
    printer = ReasonSymbol(symbols)
    style = document.MathStyle(network, "latex")
    views = {view.key: view for view in document.sections(derivation, style)}
    counter = 0
    result = []
    for key, steps in derivation.sections():
        parts: list[tuple[str, list[StepPage]]] = []
        for step in steps:
            counter += 1
            if not parts or parts[-1][0] != step.part:
                parts.append((step.part, []))
            defines, uses = links(step.eq.lhs, step.eq.rhs, network.depth)
            mark = document.check_mark(step)
            parts[-1][1].append(
                StepPage(
                    number=counter,
                    section=key,
                    part=step.part,
                    math=_stated_math(step.eq.lhs, step.eq.rhs, network),
                    reason=reason_html(stated_reason(step, symbols), labels, printer),
                    check=mark,
                    check_meaning=legend[mark],
                    label=step.label,
                    defines=defines,
                    uses=uses,
                )
            )
        result.append((views[key], parts))
    return result


def code_lines(code: str) -> list[tuple[int, str, str | None]]:
    """(line number, text, equation label of a '# eq:' comment or None) of every line of the module."""
    lines = []
    for number_, text in enumerate(code.splitlines(), start=1):
        match = _EQ_COMMENT.search(text)
        lines.append((number_, text, match.group(1) if match else None))
    return lines


def _implementing_line(code: list, label: str, target: str, start: int) -> int | None:
    """The line of the module's ``# label`` comment whose next line assigns ``target``, from ``start`` on."""
    word = re.compile(rf"\b{re.escape(target)}\b")
    for position in range(start, len(code) - 1):
        if code[position][2] == label and word.search(code[position + 1][1]):
            return code[position][0]
    return None


def _assigning_line(code: list, target: str, before: int) -> int | None:
    """The last line before line ``before`` that assigns ``target`` (the module's forward pass)."""
    assigns = re.compile(rf"\s*{re.escape(target)}\s*=[^=]")
    found = [number_ for number_, text, _ in code[: before - 1] if assigns.match(text)]
    return found[-1] if found else None


def _lines(derivation, code: list) -> list[LinePage]:
    """The forward and backward lines, each with the module line that computes it (None if not found)."""
    network = derivation.network
    backward = [
        (line, _implementing_line(code, line.label, line.target.name, 0)) for line in derivation.backward
    ]
    first = min((found for _, found in backward if found), default=len(code) + 1)
    forward = [(line, _assigning_line(code, line.target.name, first)) for line in derivation.forward]
    pages = []
    for kind, matrix_lines in (("forward", forward), ("backward", backward)):
        for line, found in matrix_lines:
            defines, uses = links(line.target, line.expr, network.depth)
            math = _stated_math(line.target, line.expr, network)
            pages.append(LinePage(len(pages) + 1, kind, math, line.label, line.layer, defines, uses, found))
    return pages


def _code_targets(lines: list[LinePage]) -> dict[int, str]:
    """Where each module line that computes a matrix line links back to: that line on the page."""
    return {line.code_line: f"line-{line.number}" for line in lines if line.code_line}


def _recording_data(derivation, recording: Recording | None, by_units: bool):
    network = derivation.network
    params, (x, t_, position) = sample(network)
    if recording is None:
        recording = Recording((0,), (params,), (), "no training run was recorded: the numbers of epoch 0")
    frames = []
    for index, epoch in enumerate(recording.epochs):
        frame = {"epoch": epoch, **snapshot(derivation, recording.params[index], x, t_, by_units)}
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
    style = document.MathStyle(network, "latex")
    draw = drawing(network)
    listing = code_lines(code)
    lines = _lines(derivation, listing)
    steps = _steps(derivation)
    omitted = omitted_because(network)  # beyond 10^6 parameters no number is evaluated, as in the documents
    if omitted:
        recording, frames, position, x, t_ = Recording((0,), (), (), omitted), [{"epoch": 0}], 0, None, None
    else:
        recording, frames, position, x, t_ = _recording_data(derivation, recording, draw.by_units)
    instances = {}
    if draw.by_units:
        for key, (lhs, rhs) in gradient_instances(derivation, network).items():
            instances[key] = math_element(
                latex(lhs, network), mathml(lhs, network), latex(rhs, network), mathml(rhs, network)
            )
    back = _code_targets(lines)
    return {
        "name": network.name,
        "summary": network.summary(),
        "description": network.description,
        "notation_source": network.notation.source,
        "notation_name": network.notation.name,
        "bias": network.bias,
        "legend": document.check_legend(derivation.steps),
        "symbols": [
            (inline_math(symbol), meaning) for symbol, meaning in document.symbol_table(network, style)
        ],
        "matrices": [
            (inline_math(symbol), meaning) for symbol, meaning in document.matrix_table(network, style)
        ],
        "layout_note": document.layout_note(network),
        "sections": steps,
        "part_titles": document.PART_TITLES,
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
