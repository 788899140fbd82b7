"""Unicode terminal text in a network's notation: SymPy's pretty printer, subclassed
(``symbp.rendering.printer_base``)."""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import MatAdd, Transpose
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm

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
from symbp.spec.notation import as_text as unicode


def _script(base: str, sup: str | None = None, sub: str | None = None) -> prettyForm:
    """``base`` with a superscript above right and a subscript below right, as a text block."""
    pad = " " * len(base)
    lines = ([pad + sup] if sup else []) + [base] + ([pad + sub] if sub else [])
    wide = max(len(line) for line in lines)
    return prettyForm("\n".join(line.ljust(wide) for line in lines), baseline=1 if sup else 0)


class SymbpPrettyPrinter(EntrywiseMixin, PrettyPrinter):
    """Unicode terminal text in the same notation as ``SymbpLatexPrinter``."""

    printmethod = "_symbp_pretty"
    _default_settings = {
        **PrettyPrinter._default_settings,
        "use_unicode": True,
        "num_columns": 100,
        "symbols": Symbols(),
        "activations": {},
    }

    def _scripted(self, symbol: str, layer=None, subscript: str = "", parameter: bool = False) -> prettyForm:
        symbols = self._settings["symbols"]
        mark = None if layer is None else unicode(symbols.layer_mark(layer, parameter))
        return _script(unicode(symbol), mark, subscript or None)

    def _print_Indexed(self, expr):
        parts = self._indexed_parts(expr)
        if parts is None:
            return super()._print_Indexed(expr)
        return self._scripted(*parts[:2], parts[3], parts[2])

    def _print_Derivative(self, expr):
        order = sum(count for _, count in expr.variable_count)
        power = f"^{order}" if order > 1 else ""
        denominator = prettyForm("")
        for var, count in expr.variable_count:
            part = prettyForm(*prettyForm("∂").right(self._print(var)))
            if count > 1:
                part = prettyForm(*part.right(f"^{count}"))
            denominator = prettyForm(*denominator.right(part))
        if isinstance(expr.expr, sp.Symbol | sp.Indexed):
            numerator = prettyForm(*prettyForm("∂" + power).right(self._print(expr.expr)))
            return numerator / denominator
        operator = prettyForm("∂" + power) / denominator
        return prettyForm(*operator.right(prettyForm(*self._print(expr.expr).parens())))

    def _print_KroneckerDelta(self, expr):
        return prettyForm(f"[{expr.args[0]} = {expr.args[1]}]")

    def _print_Sum(self, expr):
        return super()._print_Sum(sp.Sum(expr.function, *display_limits(self, expr)))

    def _print_ConsumerSum(self, expr):
        """A sigma over c∈out(l) or r∈id(l), as ``SymbpLatexPrinter`` writes it."""
        where = f"{self._print(expr.variable)}∈{CONSUMER_SETS[expr.kind]}({self._print(expr.layer)})"
        sigma = prettyForm(*prettyForm("∑").below(where))
        sigma.baseline = 0
        body = self._print(expr.body)
        if bracketed_sum_body(expr.body):
            body = prettyForm(*body.parens())
        return prettyForm(*sigma.right(" ", body))

    _print_ConsumerMatSum = _print_ConsumerSum

    def _matrix(self, name: str, transposed: bool = False) -> prettyForm | None:
        pieces = self._matrix_pieces(name)
        if pieces is None:
            return None
        symbol, layer, parameter, gradient = pieces
        symbols = self._settings["symbols"]
        tee = unicode(symbols.notation.transpose)
        if gradient:
            printed = self._gradient_pretty(symbols, self._scripted(symbol, layer, parameter=parameter))
            return prettyForm(*printed.parens()) ** prettyForm(tee) if transposed else printed
        if not transposed:
            return self._scripted(symbol, layer, parameter=parameter)
        if layer is None:
            return _script(unicode(symbol), tee)
        mark = unicode(symbols.layer_mark(layer, parameter))
        if symbols.notation.brackets_transposed(mark):
            return prettyForm(*_script(unicode(symbol), mark).parens()) ** prettyForm(tee)
        return _script(unicode(symbol), mark + tee)

    def _gradient_pretty(self, symbols: Symbols, parameter: prettyForm) -> prettyForm:
        """dC/dW in the notation's style: a fraction, nabla_W C, or dW."""
        style = symbols.notation.gradient_style
        cost = unicode(symbols.cost)
        if style == "nabla":
            return prettyForm(*prettyForm(*prettyForm("∇").right(parameter)).right(" " + cost))
        if style == "d":
            return prettyForm(*prettyForm("d").right(parameter))
        return prettyForm("∂" + cost) / prettyForm(*prettyForm("∂").right(parameter))

    def _inline_transpose(self) -> str:
        """The transpose mark on one line (1ᵀ): a vector of ones has no second line to raise it to."""
        return unicode("^{" + self._settings["symbols"].notation.transpose + "}")

    def _column_sum(self, node) -> prettyForm:
        """(1ᵀ M)ᵀ = Mᵀ 1 and (1 b)ᵀ = bᵀ 1ᵀ in column vectors; one sample needs no ones."""
        symbols = self._settings["symbols"]
        inner = self._print(Transpose(node.args[0]).doit())
        if symbols.per_sample:
            return inner
        ones = "⋅1" if isinstance(node, symbolic.ColumnSum) else "⋅1" + self._inline_transpose()
        return prettyForm(*inner.right(ones))

    def _print_HadamardProduct(self, expr):
        return self._print_seq(
            expr.args,
            None,
            None,
            f" {unicode(self._settings['symbols'].notation.hadamard)} ",
            parenthesize=bracketed_in_product,
        )

    def _print_ColumnSum(self, expr):
        body = self._print(expr.args[0])
        if isinstance(expr.args[0], MatAdd):
            body = prettyForm(*body.parens())
        return prettyForm(*prettyForm(f"1{self._inline_transpose()}⋅").right(body))

    def _print_Broadcast(self, expr):
        return prettyForm(*prettyForm("1⋅").right(self._print(expr.args[0])))

    def _print_ActivationDerivative(self, expr):
        prime = unicode(self._settings["symbols"].generic_function) + "′"
        return prettyForm(*prettyForm(prime).right(prettyForm(*self._print(expr.args[0]).parens())))

    def _print_Activate(self, expr):
        name = expr.activation_name
        shown = unicode(self._settings["symbols"].activation_function(name, name))
        return prettyForm(*prettyForm(shown).right(prettyForm(*self._print(expr.args[1]).parens())))

    def _print_Symbol(self, expr, bold_name=False):
        if self._is_matrix_placeholder(expr):
            return self._print(self._entrywise[expr])
        symbols = self._settings["symbols"]
        named = symbols.named(expr.name)
        if named is not None:
            return prettyForm(unicode(named))
        if expr.name in symbols.letters:
            return prettyForm(symbols.letter(expr.name))
        return super()._print_Symbol(expr, bold_name)

    def _print_Mul(self, expr):
        split = self._split_entrywise(expr) if self._entrywise else None
        if split is None:
            return super()._print_Mul(expr)
        coefficient, numerator, denominator = split

        def joined(factors):
            forms = []
            for factor in factors:
                form = self._print(factor)
                if factor.is_Add:
                    form = prettyForm(*form.parens())
                forms.append(form)
            result = forms[0]
            odot = f" {unicode(self._settings['symbols'].notation.hadamard)} "
            for form in forms[1:]:
                result = prettyForm(*result.right(odot, form))
            return result

        result = joined(numerator)
        if denominator:
            result = result / joined(denominator)
        if coefficient == -1:
            return prettyForm(*prettyForm("-").right(result))
        if coefficient != 1:
            return prettyForm(*self._print(coefficient).right("⋅", result))
        return result

    def _print_Pow(self, expr):
        if self._is_entrywise_power(expr):
            base = prettyForm(*self._print(expr.base).parens())
            return base ** prettyForm(f"∘{expr.exp}")
        return super()._print_Pow(expr)


def pretty(expr, network=None) -> str:
    """``expr`` as Unicode terminal text in ``network``'s notation (fixed width: deterministic)."""
    return SymbpPrettyPrinter(printer_settings(network)).doprint(expr)


def pretty_equation(lhs, rhs, network=None, relation: str = "=") -> str:
    """``lhs relation rhs`` as one Unicode text block aligned on the baselines.

    ``rhs`` is an expression, text (a block of lines) or a tuple of both, set side by side."""
    printer = SymbpPrettyPrinter(printer_settings(network))
    parts = rhs if isinstance(rhs, tuple) else (rhs,)
    form = prettyForm(*printer._print(lhs).right(f" {relation} "))
    for part in parts:
        if isinstance(part, str):
            form = prettyForm(*form.right(prettyForm(part, baseline=part.count("\n") // 2)))
        else:
            form = prettyForm(*form.right(printer._print(part)))
    return form.render(**printer._settings)
