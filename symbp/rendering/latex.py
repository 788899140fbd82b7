"""LaTeX in a network's notation: SymPy's LaTeX printer, subclassed (``symbp.rendering.printer_base``)."""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import Transpose
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from symbp.derivation import symbolic
from symbp.derivation.symbolic import CONSUMER_SETS
from symbp.rendering.applied_notation import Symbols
from symbp.rendering.printer_base import (
    EntrywiseMixin,
    bracketed_in_product,
    bracketed_sum_body,
    display_limits,
    printer_settings,
)


class SymbpLatexPrinter(EntrywiseMixin, LatexPrinter):
    """LaTeX in the network's notation (see ``symbp.rendering.printer_base``)."""

    printmethod = "_symbp_latex"
    _default_settings = {
        **LatexPrinter._default_settings,
        "long_frac_ratio": 2,  # 1/N in front of a long sum, not a fraction around it
        "inline_derivative": False,  # dC/dw as a slash (for headings), not a fraction
        "symbols": Symbols(),
        "activations": {},
    }

    # -- index form ---------------------------------------------------------
    def _print_Indexed(self, expr):
        parts = self._indexed_parts(expr)
        if parts is None:
            return super()._print_Indexed(expr)
        symbol, layer, parameter, subscript = parts
        return self._settings["symbols"].scripted(symbol, layer, subscript, parameter)

    def _print_Derivative(self, expr):
        if self._settings["inline_derivative"] and isinstance(expr.expr, sp.Symbol | sp.Indexed):
            variables = " ".join(rf"\partial {self._print(var)}" for var in expr.variables)
            return rf"\partial {self._print(expr.expr)} / {variables}"
        variables = " ".join(
            rf"\partial {self._print(var)}" + (f"^{{{count}}}" if count > 1 else "")
            for var, count in expr.variable_count
        )
        order = sum(count for _, count in expr.variable_count)
        power = f"^{{{order}}}" if order > 1 else ""
        if isinstance(expr.expr, sp.Symbol | sp.Indexed):
            return rf"\frac{{\partial{power} {self._print(expr.expr)}}}{{{variables}}}"
        body = self.parenthesize(expr.expr, PRECEDENCE["Mul"], strict=True)
        return rf"\frac{{\partial{power}}}{{{variables}}} {body}"

    def _print_KroneckerDelta(self, expr, exp=None):
        return rf"[{self._print(expr.args[0])} = {self._print(expr.args[1])}]"

    def _print_Sum(self, expr):
        """One sigma per index, outermost first, as the texts write them."""
        sigmas = [
            rf"\sum_{{{self._print(var)}={self._print(low)}}}^{{{self._print(high)}}}"
            for var, low, high in reversed(display_limits(self, expr))
        ]
        body = self._print(expr.function)
        if expr.function.is_Add:
            body = rf"\left({body}\right)"
        return " ".join(sigmas) + " " + body

    def _print_ConsumerSum(self, expr):
        """sum over c in out(l) (the layers that read l by a weight) or r in id(l) (that add a^{(l)})."""
        where = rf"{self._print(expr.variable)} \in \operatorname{{{CONSUMER_SETS[expr.kind]}}}"
        body = self._print(expr.body)
        if bracketed_sum_body(expr.body):
            body = rf"\left({body}\right)"
        return rf"\sum_{{{where}({self._print(expr.layer)})}} {body}"

    _print_ConsumerMatSum = _print_ConsumerSum

    # -- matrix form --------------------------------------------------------
    def _matrix(self, name: str, transposed: bool = False) -> str | None:
        pieces = self._matrix_pieces(name)
        if pieces is None:
            return None
        symbol, layer, parameter, gradient = pieces
        symbols = self._settings["symbols"]
        if gradient:
            printed = self._gradient_latex(symbols, symbols.scripted(symbol, layer, parameter=parameter))
            return rf"\left({printed}\right)^{{{symbols.notation.transpose}}}" if transposed else printed
        if transposed:
            return symbols.transposed(symbol, layer, parameter)
        return symbols.scripted(symbol, layer, parameter=parameter)

    def _gradient_latex(self, symbols: Symbols, parameter: str) -> str:
        """dC/dW in the notation's style: a fraction, nabla_W C, or dW."""
        style = symbols.notation.gradient_style
        cost = symbols.cost
        if style == "nabla":
            return rf"\nabla_{{{parameter}}} {cost}"
        if style == "d":
            return f"d{parameter}"
        return rf"\frac{{\partial {cost}}}{{\partial {parameter}}}"

    def _column_sum(self, node) -> str:
        """(1^T M)^T = M^T 1 and (1 b)^T = b^T 1^T in column vectors; one sample needs no ones."""
        symbols = self._settings["symbols"]
        inner = self._print(Transpose(node.args[0]).doit())
        if symbols.per_sample:
            return inner
        if isinstance(node, symbolic.ColumnSum):
            return rf"{inner} \mathbf{{1}}"
        return rf"{inner} \mathbf{{1}}^{{{symbols.notation.transpose}}}"

    def _print_HadamardProduct(self, expr):
        return f" {self._settings['symbols'].notation.hadamard} ".join(
            rf"\left({self._print(arg)}\right)"
            if bracketed_in_product(arg)
            else self.parenthesize(arg, PRECEDENCE["Mul"], strict=True)
            for arg in expr.args
        )

    def _print_ColumnSum(self, expr):
        tee = self._settings["symbols"].notation.transpose
        return rf"\mathbf{{1}}^{{{tee}}} " + self.parenthesize(expr.args[0], PRECEDENCE["Mul"], strict=True)

    def _print_Broadcast(self, expr):
        return r"\mathbf{1} " + self._print(expr.args[0])

    def _print_ActivationDerivative(self, expr):
        return rf"{self._settings['symbols'].generic_function}'\left({self._print(expr.args[0])}\right)"

    def _print_Activate(self, expr):
        name = self._activation_tex(expr.activation_name)
        return rf"{name}\left({self._print(expr.args[1])}\right)"

    # -- entrywise scalars ----------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if self._is_matrix_placeholder(expr):
            return self._print(self._entrywise[expr])
        symbols = self._settings["symbols"]
        named = symbols.named(expr.name)
        if named is not None:
            return named
        if expr.name in symbols.letters:
            return symbols.letter(expr.name)
        return super()._print_Symbol(expr, style)

    def _print_Mul(self, expr):
        split = self._split_entrywise(expr) if self._entrywise else None
        if split is None:
            return super()._print_Mul(expr)
        coefficient, numerator, denominator = split
        odot = f" {self._settings['symbols'].notation.hadamard} "
        top = odot.join(self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in numerator)
        if denominator:
            bottom = odot.join(self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in denominator)
            top = rf"\frac{{{top}}}{{{bottom}}}"
        if coefficient == 1:
            return top
        if coefficient == -1:
            return "- " + top
        return f"{self._print(coefficient)} {top}"

    def _print_Pow(self, expr):
        if self._is_entrywise_power(expr):
            base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=True)
            if self._is_matrix_placeholder(expr.base) and "^" in base:
                base = rf"\left({base}\right)"
            return rf"{base}^{{\circ {expr.exp}}}"
        if isinstance(expr.base, sp.Indexed) and expr.exp.is_Integer and expr.exp > 0:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)


def latex(expr, network=None, inline: bool = False) -> str:
    """``expr`` as LaTeX maths in ``network``'s notation (symbols, layers, activation symbols);
    ``inline`` writes derivatives with a slash, for headings and running text."""
    return SymbpLatexPrinter({**printer_settings(network), "inline_derivative": inline}).doprint(expr)
