"""The content of a derivation document, ready for a template to lay out.

Every equation here is printed from the Derivation (its steps, forward and
backward lines) or from symbp's symbols; the templates add headings, prose
and layout only. ``math`` is the format's printer: ``"latex"`` (LaTeX and
Markdown documents) or ``"pretty"`` (terminal text). The same Derivation
always yields the same content (no timestamps, paths or random state).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.derivation import optimizers
from symbp.derivation.symbolic import LAMBDA, C, N, a, b, delta, t, w, width, z
from symbp.naming import display_layer, matrix_name
from symbp.rendering import printing
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
}
SECTION_OFFSET = {"L": 0, "L-1": 1, "L-2": 2}
ETA = sp.Symbol("eta")
RELATIONS_LATEX = {"=": "=", "<-": r"\leftarrow", "<": "<"}
RELATIONS_PRETTY = {"=": "=", "<-": "←", "<": "<"}


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
            symbol = act.latex
            if not act.elementwise:
                return symbol
            return rf"{symbol}(z) = {self.expr(body)}"
        symbol = printing.PRETTY_ACTIVATION.get(act.name, act.name)
        if not act.elementwise:
            return symbol
        return printing.pretty_equation(sp.Symbol(f"{symbol}(z)"), body, self.network, "=")


def describe_check(step) -> str:
    """How a step was checked, in one line of plain text."""
    if step.check is None:
        return "a definition (nothing to check)" if step.kind == "definition" else "not checked"
    return step.check.describe()


def _step_views(steps, style: MathStyle) -> tuple[StepView, ...]:
    views, previous_lhs = [], None
    for step in steps:
        lhs, rhs = step.eq.lhs, step.eq.rhs
        views.append(
            StepView(
                lhs=style.expr(lhs),
                rhs=style.expr(rhs),
                equation=style.equation(lhs, rhs),
                reason=step.reason,
                kind=step.kind,
                label=step.label,
                check=describe_check(step),
                continues=lhs == previous_lhs,
            )
        )
        previous_lhs = lhs
    return tuple(views)


def _subject(part: str, steps, style: MathStyle) -> str:
    """The derivative a part derives, written inline (for its heading)."""
    if part in ("W", "b") and steps and style.kind == "latex":
        return printing.latex(steps[0].eq.lhs, style.network, inline=True)
    return ""


def _layer_note(network: Network, key: str) -> str:
    if key not in SECTION_OFFSET:
        return ""
    output = display_layer(network.depth, network.numbering)
    here = display_layer(network.depth - SECTION_OFFSET[key], network.numbering)
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
    return tuple(
        LineView(
            style.expr(line.target),
            style.expr(line.expr),
            style.equation(line.target, line.expr),
            line.label,
            line.layer,
        )
        for line in matrix_lines
    )


@dataclass(frozen=True)
class RuleView:
    equation: str
    aligned: str  # LaTeX with & before the relation (for align); the equation itself otherwise
    label: str
    why: str


def _terms(expr, target) -> list[tuple[bool, sp.Expr]]:
    """(is negative, magnitude) of each term of ``expr``, the terms holding ``target`` first, then
    positive before negative: theta - eta g reads as the texts write it, not as SymPy orders it."""
    terms = [term.as_coeff_Mul() for term in sp.Add.make_args(expr)]
    terms = [(coefficient.is_negative, abs(coefficient) * rest) for coefficient, rest in terms]
    return sorted(terms, key=lambda term: (not term[1].has(target), term[0]))


def _rhs(rule, style: MathStyle):
    """The right side in the texts' term order: LaTeX text, or a tuple of parts for the pretty printer."""
    terms = _terms(rule.expr, rule.target)
    if style.kind == "latex":
        text = ""
        for index, (negative, magnitude) in enumerate(terms):
            sign = ("- " if negative else "") if index == 0 else (" - " if negative else " + ")
            text += sign + style.expr(magnitude)
        return text
    parts: list = []
    for index, (negative, magnitude) in enumerate(terms):
        if index:
            parts.append(" - " if negative else " + ")
        elif negative:
            parts.append("-")
        parts.append(magnitude)
    return tuple(parts)


def update_rules(network: Network, style: MathStyle) -> tuple[RuleView, ...]:
    """The spec's optimiser, rule by rule (``symbp.derivation.optimizers``): the module's update lines."""
    rules = []
    for rule in optimizers.optimizer(network.train.optimizer).rules:
        rhs = _rhs(rule, style)
        if style.kind == "latex":
            lhs, relation = style.expr(rule.target), RELATIONS_LATEX[rule.relation]
            equation, aligned = f"{lhs} {relation} {rhs}", f"{lhs} &{relation} {rhs}"
        else:
            equation = printing.pretty_equation(rule.target, rhs, network, RELATIONS_PRETTY[rule.relation])
            aligned = equation
        rules.append(RuleView(equation, aligned, rule.label, rule.why))
    return tuple(rules)


def packed_parameters(network: Network) -> str:
    """What theta and g hold, inline LaTeX in the document's notation: every W^(l) (and b^(l))."""
    kinds = ("W", "b") if network.bias else ("W",)
    names = [printing.latex(sp.MatrixSymbol(f"{kind}_l", 1, 1), network) for kind in kinds]
    gradients = [printing.latex(sp.MatrixSymbol(f"d{kind}_l", 1, 1), network, inline=True) for kind in kinds]
    theta = printing.latex(optimizers.THETA, network)
    g = printing.latex(optimizers.G, network)
    return (
        f"${theta}$ holds every ${'$ and $'.join(names)}$, "
        f"${g}$ every ${'$ and $'.join(gradients)}$ of the backward pass"
    )


def update_settings(network: Network, style: MathStyle) -> tuple[str, ...]:
    """'eta = 0.5' and the like: the optimiser's settings, each symbol printed from its SymPy symbol."""
    train = network.train
    chosen = optimizers.optimizer(train.optimizer).settings
    return tuple(
        f"{style.expr(optimizers.SETTINGS[name])} = {_number(getattr(train, name), style)}" for name in chosen
    )


def _number(value: float, style: MathStyle) -> str:
    """A setting's value: 0.9, or 10^{-8} in LaTeX where Python writes 1e-08."""
    text = f"{value:g}"
    if style.kind != "latex" or "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"


def symbol_table(network: Network, style: MathStyle) -> tuple[tuple[str, str], ...]:
    """(printed symbol, plain-text meaning) for every symbol the document uses."""
    l, n_, i, j = sp.symbols("l n i j")  # noqa: E741 (the texts' layer index)
    first = display_layer(0, network.numbering)
    last = display_layer(network.depth, network.numbering)
    rows = [
        (style.expr(sp.Symbol("L")), f"the output layer; layers are numbered {first} (input) to L = {last}"),
        (style.expr(width[l]), f"number of neurons in layer l (here {'-'.join(map(str, network.layers))})"),
        (style.expr(N), "number of training samples in a batch"),
        (style.expr(a[0, n_, i]), "input i of sample n (the activations of the input layer)"),
        (style.expr(w[l, i, j]), "weight from neuron i of layer l-1 to neuron j of layer l"),
    ]
    if network.bias:
        rows.append((style.expr(b[l, j]), "bias of neuron j of layer l"))
    rows += [
        (style.expr(z[l, n_, j]), "weighted input of neuron j of layer l for sample n"),
        (style.expr(a[l, n_, j]), "activation (output) of neuron j of layer l for sample n"),
        (style.expr(t[n_, j]), "target for output j of sample n"),
        (style.expr(C), f"the cost ({network.cost.name}), defined in the first equation"),
        (
            style.expr(delta[l, n_, j]),
            "delta: the derivative of C by the weighted input z of neuron j, layer l",
        ),
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
        shown = [display_layer(layer, network.numbering) for layer in (first, last)]
        if network.uniform_activation:
            where = "every layer"
        elif first == last:
            where = f"layer {shown[0]}"
        else:
            where = f"layers {shown[0]} to {shown[1]}"
        rows.append((style.activation(act), f"activation of {where} ({act.name})"))
    rows.append((style.expr(ETA), f"learning rate, here {network.train.learning_rate:g}"))
    return tuple(rows)


def matrix_table(network: Network, style: MathStyle) -> tuple[tuple[str, str], ...]:
    """(printed matrix, meaning) for the matrix form: one row per sample, one column per neuron."""

    def generic(kind: str) -> str:
        name = matrix_name(kind) if kind in ("X", "T") else f"{kind}_l"
        return style.expr(sp.MatrixSymbol(name, 1, 1))

    rows = [
        (generic("X"), "the inputs: one row per sample, one column per input neuron"),
        (generic("T"), "the targets: one row per sample, one column per output neuron"),
        (generic("Z"), "weighted inputs of layer l: one row per sample, one column per neuron"),
        (generic("A"), "activations of layer l: one row per sample, one column per neuron"),
        (generic("W"), "weights of layer l: row i, column j holds the weight from neuron i to neuron j"),
    ]
    if network.bias:
        rows.append((generic("b"), "biases of layer l: one row, one entry per neuron"))
    rows.append((generic("delta"), "deltas of layer l: one row per sample, one column per neuron"))
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


def _entry(style: MathStyle, lhs, rows) -> EquationView:
    if style.kind == "latex":
        value = matrix_latex(rows)
        printed = style.expr(lhs)
        return EquationView(printed, value, f"{printed} = {value}")
    value = matrix_text(rows)
    return EquationView(style.expr(lhs), value, printing.pretty_equation(lhs, value, style.network))


def _update_entry(style: MathStyle, param, gradient, rows) -> EquationView:
    """'P - eta dC/dP = numbers' for one updated parameter."""
    if style.kind == "latex":
        lhs = rf"{style.expr(param)} - \eta {style.expr(gradient)}"
        value = matrix_latex(rows)
        return EquationView(lhs, value, f"{lhs} = {value}")
    value = matrix_text(rows)
    equation = printing.pretty_equation(param, (gradient, " = ", value), style.network, "- η⋅")
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
