"""The document of a graph network's derivation, in text, Markdown or LaTeX.

It lists the layers with their connections (and, in LaTeX, draws them), the
forward equations in topological order, then the derivation step by step in
index form, layer by layer in reverse topological order: the chain rule through
each consumer of a layer, each consumer's delta recognised so that the sum over
consumers emerges, the identity path's term, a tied matrix's uses; then the
general index form and the matrix form. Last, every layer's backward matrix
equation with its terms, one per consumer, and its check against central
differences. Every symbol, a skip's W^{(l,s)} and dC/dA included, is printed in
the network's notation (``symbp.rendering.latex``, ``symbp.rendering.pretty``).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import MatrixSymbol, Transpose

from symbp.derivation.reasons import Quantity, reason
from symbp.rendering.graph_diagram import graph_tikz
from symbp.rendering.latex import latex
from symbp.rendering.math_style import MathStyle
from symbp.rendering.printer_base import symbols_of
from symbp.rendering.reasons import ReasonPrinter
from symbp.rendering.step_views import check_legend, check_mark
from symbp.spec.notation import as_text
from symbp.templating import anchor, latex_literal, markdown_literal

SECTION_TITLES = {"index": "In general: using indices", "matrix": "In general: using matrices"}
STEPS_INTRO = (
    "Each layer's derivative comes from the chain rule through the layers that read it (its consumers), "
    "one term each; each term's dC/dz is recognised as that consumer's delta, derived before it. "
    "Every step is checked on small random instances of the network."
)


def section_title(network, key: str) -> str:
    """A section's heading: a layer's number, role and name, the input, or the general forms."""
    if key in SECTION_TITLES:
        return SECTION_TITLES[key]
    if key == "input":
        return "The input (dC/dx)"
    layer = int(key.split("-")[1])
    role = " (output)" if layer == network.depth else ""
    return f"Layer {network.notation.layer_label(layer)}{role}: {network.graph.names[layer]}"


def repeated_layers(network, keys: list[str]) -> str:
    """Which layers are not derived one by one, as their steps would repeat a layer's above ("" if none)."""
    shown = {int(key.split("-")[1]) for key in keys if key.startswith("layer-")}
    layers = [layer for layer in range(network.depth, 0, -1) if layer not in shown]
    if not layers:
        return ""
    named = ", ".join(network.notation.layer_label(layer) for layer in layers)
    return (
        f"Layers {named} have the consumers, matrices and activation of a layer derived above, so "
        "their steps repeat its steps; the general form below holds at every layer (checked at each)."
    )


class _Writer:
    """Prints one graph derivation in one format."""

    def __init__(self, derivation, fmt: str):
        self.derivation, self.fmt = derivation, fmt
        self.network = derivation.network
        self.style = MathStyle(self.network, "pretty" if fmt == "text" else "latex")
        labels = frozenset(step.label for step in derivation.steps if step.label)
        self.reasons = ReasonPrinter(symbols_of(self.network), fmt, labels)

    # -- pieces -----------------------------------------------------------------------
    def text(self, line: str) -> str:
        return {"latex": latex_literal, "markdown": markdown_literal}.get(self.fmt, str)(line)

    def inline(self, expr) -> str:
        printed = latex(expr, self.network, inline=True)
        return as_text(printed) if self.fmt == "text" else f"${printed}$"

    def heading(self, title: str, level: int = 1) -> str:
        if self.fmt == "latex":
            return ("\\section*{" if level == 1 else "\\subsection*{") + self.text(title) + "}"
        if self.fmt == "markdown":
            return "#" * level + " " + self.text(title)
        return title + "\n" + ("=" if level == 1 else "-") * len(title)

    def equation(self, lhs, rhs, label: str | None = None) -> str:
        lhs, rhs = self.style.stated(lhs, rhs)
        if self.fmt == "text":
            return self.style.equation(lhs, rhs) + (f"   [{label}]" if label else "")
        body = self.style.equation(lhs, rhs)
        if self.fmt == "latex":
            if label:
                return f"\\begin{{equation}}\n{body} \\label{{{label}}}\n\\end{{equation}}"
            return f"\\[ {body} \\]"
        if label:
            return f'<a id="{anchor(label)}"></a>\n\n$$ {body} \\tag{{{label}}} $$'
        return f"$$ {body} $$"

    def matrix_name(self, name: str) -> str:
        """A consumer's matrix (Z3, A3) or the cost (C, the l2 penalty's), in the notation."""
        if name == "C":
            return self.inline(sp.Symbol("C"))
        return self.inline(MatrixSymbol(name, 1, 1))

    def route(self, term) -> str:
        """How a quantity reaches a consumer, in the notation: the matrix it is multiplied by, the use of
        a matrix, the activation or identity path of a layer, the bias or the l2 penalty."""
        if term.route == "penalty":
            return self.reasons.print(reason("the l2 penalty lambda/2 sum ", Quantity("w", power=2)))
        if term.route == "bias":
            return self.text("added to every sample")
        layer = self.text(f"layer {self.network.notation.layer_label(term.layer)}")
        if term.route == "weight":
            return f"{self.text('multiplied by ')}{self.inline(term.matrix)}{self.text(' into ')}{layer}"
        if term.route == "use":
            tied = "tied " if term.tied else ""
            shown = ", transposed" if isinstance(term.matrix, Transpose) else ""
            return f"{self.text(f'its {tied}use in ')}{layer}{self.text(shown)}"
        if term.route == "activation":
            return f"{self.text('the activation of ')}{layer}"
        return f"{self.text('the identity path into ')}{layer}"

    # -- sections ---------------------------------------------------------------------
    def layer_lines(self) -> list[str]:
        graph, network, lines = self.network.graph, self.network, []
        for layer, name in enumerate(graph.names):
            number = network.notation.layer_label(layer)
            if layer == 0:
                lines.append(
                    f"- {self.text(f'layer {number} ({name}): the input, {network.layers[0]} units')}"
                )
                continue
            sources = []
            for connection in graph.weighted[layer]:
                matrix = MatrixSymbol(connection.matrix_key, 1, 1)
                shown = self.inline(Transpose(matrix) if connection.transposed else matrix)
                tied = self.text(" (tied)") if connection.tie else ""
                sources.append(f"{self.text(graph.names[connection.source])} by {shown}{tied}")
            identity = [graph.names[source] for source in graph.identity[layer]]
            residual = f"; plus {', '.join(identity)} after the activation" if identity else ""
            activation = network.activation(layer).name
            head = f"layer {number} ({name}): {network.layers[layer]} units, {activation} of "
            lines.append(f"- {self.text(head)}{' + '.join(sources)}{self.text(residual)}")
        return lines

    def steps(self) -> list[str]:
        out = [self.heading("Step by step, in reverse topological order", 2), "", self.text(STEPS_INTRO), ""]
        sections = self.derivation.sections()
        for key, steps in sections:
            out += [self.heading(section_title(self.network, key), 3 if self.fmt == "markdown" else 2), ""]
            if key == "index":
                out += self.repeated([key for key, _ in sections])
            for step in steps:
                mark = f"[{check_mark(step)}]"
                why = self.reasons(step)
                if self.fmt == "markdown":
                    out.append(f"*{why}.* <sub>{self.text(mark)}</sub>")
                else:
                    out.append(f"{why}. {self.text(mark)}")
                out += ["", self.equation(step.eq.lhs, step.eq.rhs, step.label), ""]
        legend = [f"{mark}: {described}" for mark, described in check_legend(self.derivation.steps)]
        out += [self.text("Checks: " + "; ".join(legend) + "."), ""]
        return out

    def repeated(self, keys: list[str]) -> list[str]:
        words = repeated_layers(self.network, keys)
        return [self.text(words), ""] if words else []

    def backward(self) -> list[str]:
        out = [self.heading("Backward pass, in reverse topological order", 2), ""]
        for line in self.derivation.backward:
            if line.quantity is None:
                out.append(self.text(line.reason))
            else:
                consumers = ", ".join(
                    f"{self.matrix_name(term.consumer)} ({self.route(term)})" for term in line.terms
                )
                out.append(
                    f"{self.text('chain rule: ')}{self.inline(line.quantity)}{self.text(' reaches ')}"
                    f"{self.matrix_name('C')}{self.text(' through ')}{consumers}"
                    f"{self.text('; its derivative sums their terms' if len(line.terms) > 1 else '')}"
                )
            if len(line.terms) > 1:
                for term in line.terms:
                    where = f"{self.text('through ')}{self.matrix_name(term.consumer)}{self.text(':')}"
                    shown = self.style.stated(line.target, term.expr)[1]  # in the notation's layout
                    out += (
                        [where, self.style.expr(shown)]
                        if self.fmt == "text"
                        else [f"{where} {self.inline(shown)}"]
                    )
            out.append(self.equation(line.target, line.expr))
            error = self.derivation.checked[line.target.name]
            out += [self.text(f"checked: central differences agree to {error:.1e} (relative)"), ""]
        return out

    def document(self) -> str:
        network = self.network
        out = [self.heading(f"Backpropagation through {network.name}"), "", self.text(network.summary()), ""]
        out += [self.heading("The layers", 2), "", *self.layer_lines(), ""]
        if self.fmt == "latex":
            out += [graph_tikz(network), ""]
        out += [self.heading("Forward pass, in topological order", 2), ""]
        out += [self.equation(line.target, line.expr) for line in self.derivation.forward]
        out += ["", *self.steps(), *self.backward()]
        body = "\n".join(out)
        if self.fmt != "latex":
            return body + "\n"
        preamble = "\\documentclass{article}\n\\usepackage{amsmath,amssymb,bm,tikz}\n\\begin{document}\n"
        return preamble + body + "\n\\end{document}\n"


def render_graph(derivation, fmt: str) -> str:
    """The whole graph derivation document in ``fmt`` ("text", "markdown" or "latex")."""
    return _Writer(derivation, fmt).document()
