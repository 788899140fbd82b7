"""The content of a derivation document, ready for a template to lay out.

Every equation here is printed from the Derivation (its steps, forward and
backward lines) or from symbp's symbols; the templates add headings, prose
and layout only. ``math`` is the format's printer: ``"latex"`` (LaTeX and
Markdown documents) or ``"pretty"`` (terminal text). The same Derivation
always yields the same content (no timestamps, paths or random state).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from symbp.derivation.symbolic import LAMBDA, C, N, a, b, delta, t, w, width, z
from symbp.naming import matrix_name
from symbp.rendering import printing
from symbp.rendering.reasons import reason_text, stated_reason
from symbp.spec.network import Network
from symbp.spec.notation import as_text as unicode

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
}
SECTION_OFFSET = {"L": 0, "L-1": 1, "L-2": 2}
ETA = sp.Symbol("eta")
RELATIONS_LATEX = {"=": "=", "<-": r"\leftarrow"}
RELATIONS_PRETTY = {"=": "=", "<-": "←"}


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


class MathStyle:
    """Prints expressions and equations for one network in one output format."""

    def __init__(self, network: Network, kind: str):
        self.network = network
        self.kind = kind

    def expr(self, expr) -> str:
        if self.kind == "latex":
            return printing.latex(expr, self.network)
        return printing.pretty(expr, self.network)

    def stated(self, lhs, rhs) -> tuple:
        """A derived equation as the notation states it (symbp.rendering.transform)."""
        return printing.equation(lhs, rhs, self.network)

    def equation(self, lhs, rhs, relation: str = "=") -> str:
        if self.kind == "latex":
            return f"{self.expr(lhs)} {RELATIONS_LATEX[relation]} {self.expr(rhs)}"
        return printing.pretty_equation(lhs, rhs, self.network, RELATIONS_PRETTY[relation])

    def activation(self, act) -> str:
        """The activation's symbol, with its definition when it is elementwise: sigma(z) = 1/(1+e^-z)."""
        body = act.expr
        if isinstance(body, sp.Function) and len(body.args) == 1:
            # tanh(z) = tanh(z) defines nothing: show the function in exponentials instead
            body = body.rewrite(sp.exp)
        if self.kind == "latex":
            symbol = printing.symbols_of(self.network).activation_function(act.name, act.latex)
            if not act.elementwise:
                return symbol
            return rf"{symbol}(z) = {self.expr(body)}"
        symbol = unicode(printing.symbols_of(self.network).activation_function(act.name, act.name))
        if not act.elementwise:
            return symbol
        return printing.pretty_equation(sp.Symbol(f"{symbol}(z)"), body, self.network, "=")


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


def _step_views(steps, style: MathStyle) -> tuple[StepView, ...]:
    views, previous_lhs = [], None
    symbols = printing.symbols_of(style.network)
    for step in steps:
        lhs, rhs = style.stated(step.eq.lhs, step.eq.rhs)
        reason = stated_reason(step, symbols)
        views.append(
            StepView(
                lhs=style.expr(lhs),
                rhs=style.expr(rhs),
                equation=style.equation(lhs, rhs),
                reason=reason if style.kind == "latex" else reason_text(reason, symbols),
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
        return printing.latex(steps[0].eq.lhs, style.network, inline=True)
    return ""


def _layer_note(network: Network, key: str) -> str:
    if key not in SECTION_OFFSET:
        return ""
    symbols = printing.symbols_of(network)
    output = symbols.layer_label(network.depth)
    here = symbols.layer_label(network.depth - SECTION_OFFSET[key])
    if key == "L":
        return f"In this network L = {output}."
    return f"In this network L = {output}, so this is layer {here}."


def sections(derivation, style: MathStyle) -> tuple[SectionView, ...]:
    """The derivation's sections, each split into its parts (W, b, delta) in order of appearance."""
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
                    _step_views(members, style),
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


def update_rules(network: Network, style: MathStyle) -> tuple[str, ...]:
    """Gradient descent on every parameter of a generic layer l: P <- P - eta dC/dP."""
    rules = []
    eta = style.expr(ETA)
    for kind in ("W", "b") if network.bias else ("W",):
        param = sp.MatrixSymbol(f"{kind}_l", 1, 1)
        gradient = sp.MatrixSymbol(f"d{kind}_l", 1, 1)
        if style.kind == "latex":
            rules.append(
                rf"{style.expr(param)} \leftarrow {style.expr(param)} - {eta} {style.expr(gradient)}"
            )
        else:
            rules.append(printing.pretty_equation(param, (param, f" - {eta}⋅", gradient), network, "←"))
    return tuple(rules)


def _letters(network: Network) -> dict[str, str]:
    """The notation's letters for the symbol table's prose: below, above, sample."""
    symbols = printing.symbols_of(network)
    return {"i": symbols.letter("i"), "j": symbols.letter("j"), "n": symbols.letter("n")}


def symbol_table(network: Network, style: MathStyle) -> tuple[tuple[str, str], ...]:
    """(printed symbol, plain-text meaning) for every symbol the document uses."""
    l, n_, i, j = sp.symbols("l n i j")  # noqa: E741 (the texts' layer index)
    symbols = printing.symbols_of(network)
    notation = network.notation
    first, last = symbols.layer_label(0), symbols.layer_label(network.depth)
    x = _letters(network)
    named_by = "the layer they leave" if notation.weights_named_by == "leaving" else "the layer they enter"
    rows = [
        (style.expr(sp.Symbol("L")), f"the output layer; layers are numbered {first} (input) to L = {last}"),
        (style.expr(width[l]), f"number of neurons in layer l (here {'-'.join(map(str, network.layers))})"),
        (style.expr(N), "number of training samples in a batch"),
        (style.expr(a[0, n_, i]), f"input {x['i']} of sample {x['n']} (the activations of the input layer)"),
        (
            style.expr(w[l, i, j]),
            f"weight from neuron {x['i']} of layer l-1 to neuron {x['j']} of layer l "
            f"(weights are numbered by {named_by})",
        ),
    ]
    if network.bias:
        rows.append((style.expr(b[l, j]), f"bias of neuron {x['j']} of layer l"))
    rows += [
        (style.expr(z[l, n_, j]), f"weighted input of neuron {x['j']} of layer l for sample {x['n']}"),
        (style.expr(a[l, n_, j]), f"activation (output) of neuron {x['j']} of layer l for sample {x['n']}"),
    ]
    if notation.prediction:
        rows.append(
            (
                notation.prediction if style.kind == "latex" else unicode(notation.prediction),
                "the network's output (the activation of layer L)",
            )
        )
    rows += [
        (style.expr(t[n_, j]), f"target for output {x['j']} of sample {x['n']}"),
        (style.expr(C), f"the cost ({network.cost.name}), defined in the first equation"),
        (style.expr(delta[l, n_, j]), _delta_meaning(network, x)),
    ]
    if network.l2:
        rows.append((style.expr(LAMBDA), f"L2 penalty weight, here {network.l2:g}"))
    runs: list[list] = []  # [activation, first layer, last layer] of each run of equal activations
    for layer, act in enumerate(network.activations, start=1):
        if runs and runs[-1][0] == act:
            runs[-1][2] = layer
        else:
            runs.append([act, layer, layer])
    for act, first, last in runs:
        shown = [symbols.layer_label(layer) for layer in (first, last)]
        if network.uniform_activation:
            where = "every layer"
        elif first == last:
            where = f"layer {shown[0]}"
        else:
            where = f"layers {shown[0]} to {shown[1]}"
        rows.append((style.activation(act), f"activation of {where} ({act.name})"))
    rows.append((style.expr(ETA), f"learning rate, here {network.train.learning_rate:g}"))
    return tuple(rows)


def _delta_meaning(network: Network, x: dict[str, str]) -> str:
    cost = unicode(network.notation.cost)
    sign = "minus the derivative" if network.notation.delta_sign < 0 else "the derivative"
    return f"delta: {sign} of {cost} by the weighted input of neuron {x['j']}, layer l"


def layout_note(network: Network) -> str:
    """How the matrix form lays out samples and neurons, in one sentence."""
    notation = network.notation
    if notation.layout == "row":
        return "In the matrix form each row of a matrix is one sample (row vectors)."
    if notation.batch_columns:
        return (
            "In the matrix form each column of a matrix is one sample (column vectors, batches as columns)."
        )
    return "The matrix form is written for one sample: every vector is a column (the sums over samples drop)."


def matrix_table(network: Network, style: MathStyle) -> tuple[tuple[str, str], ...]:
    """(printed matrix, meaning) for the matrix form, in the notation's layout."""

    def generic(kind: str) -> str:
        name = matrix_name(kind) if kind in ("X", "T") else f"{kind}_l"
        return style.expr(sp.MatrixSymbol(name, 1, 1))

    x = _letters(network)
    notation = network.notation
    if notation.layout == "row":
        each, weights = (
            "one row per sample, one column per",
            (f"row {x['i']}, column {x['j']} holds the weight from neuron {x['i']} to neuron {x['j']}"),
        )
        bias = "one row, one entry per neuron"
    else:
        each = "one column per sample, one row per" if notation.batch_columns else "one entry per"
        weights = f"row {x['j']}, column {x['i']} holds the weight from neuron {x['i']} to neuron {x['j']}"
        bias = "a column, one entry per neuron"
    rows = [
        (generic("X"), f"the inputs: {each} input neuron"),
        (generic("T"), f"the targets: {each} output neuron"),
        (generic("Z"), f"weighted inputs of layer l: {each} neuron"),
        (generic("A"), f"activations of layer l: {each} neuron"),
        (generic("W"), f"weights of layer l: {weights}"),
    ]
    if network.bias:
        rows.append((generic("b"), f"biases of layer l: {bias}"))
    rows.append((generic("delta"), f"deltas of layer l: {each} neuron"))
    return tuple(rows)


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
    return EquationView(style.expr(lhs), value, printing.pretty_equation(lhs, value, style.network))


def _update_entry(style: MathStyle, param, gradient, rows) -> EquationView:
    """'P - eta dC/dP = numbers' for one updated parameter."""
    rows = _in_layout(style, rows)
    eta = style.expr(ETA)
    if style.kind == "latex":
        lhs = rf"{style.expr(param)} - {eta} {style.expr(gradient)}"
        value = matrix_latex(rows)
        return EquationView(lhs, value, f"{lhs} = {value}")
    value = matrix_text(rows)
    equation = printing.pretty_equation(param, (gradient, " = ", value), style.network, f"- {eta}⋅")
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
