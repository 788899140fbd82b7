"""How one document prints maths: LaTeX (LaTeX and Markdown documents) or Unicode text (terminal)."""

from __future__ import annotations

import sympy as sp

from symbp.rendering.latex import latex
from symbp.rendering.pretty import pretty, pretty_equation
from symbp.rendering.printer_base import equation as notation_equation
from symbp.rendering.printer_base import symbols_of
from symbp.spec.network import Network
from symbp.spec.notation import as_text as unicode

ETA = sp.Symbol("eta")
RELATIONS_LATEX = {"=": "=", "<-": r"\leftarrow", "<": "<"}
RELATIONS_PRETTY = {"=": "=", "<-": "←", "<": "<"}


class MathStyle:
    """Prints expressions and equations for one network in one output format."""

    def __init__(self, network: Network, kind: str):
        self.network = network
        self.kind = kind

    def expr(self, expr) -> str:
        if self.kind == "latex":
            return latex(expr, self.network)
        return pretty(expr, self.network)

    def stated(self, lhs, rhs) -> tuple:
        """A derived equation as the notation states it (symbp.rendering.transform)."""
        return notation_equation(lhs, rhs, self.network)

    def equation(self, lhs, rhs, relation: str = "=") -> str:
        if self.kind == "latex":
            return f"{self.expr(lhs)} {RELATIONS_LATEX[relation]} {self.expr(rhs)}"
        return pretty_equation(lhs, rhs, self.network, RELATIONS_PRETTY[relation])

    def activation(self, act) -> str:
        """The activation's symbol, with its definition when it is elementwise: sigma(z) = 1/(1+e^-z)."""
        body = act.expr
        if isinstance(body, sp.Function) and len(body.args) == 1:
            # tanh(z) = tanh(z) defines nothing: show the function in exponentials instead
            body = body.rewrite(sp.exp)
        if self.kind == "latex":
            symbol = symbols_of(self.network).activation_function(act.name, act.latex)
            if not act.elementwise:
                return symbol
            return rf"{symbol}(z) = {self.expr(body)}"
        symbol = unicode(symbols_of(self.network).activation_function(act.name, act.name))
        if not act.elementwise:
            return symbol
        return pretty_equation(sp.Symbol(f"{symbol}(z)"), body, self.network, "=")
