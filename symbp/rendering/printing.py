"""Printers for symbp's notation: SymPy's LaTeX and pretty printers, subclassed.

SymPy prints ``w[L - 1, i, j]`` as ``{w}_{L - 1,i,j}``; the texts write
w^{(L-1)}_{ij}. These printers read the layer from the first index of every
per-layer ``Indexed`` (``symbp.symbolic``), the layer from the name of every
matrix (``symbp.naming``), and print symbp's matrix nodes (``Elementwise``,
``ColumnSum``, ``Broadcast``, ``Activate``). Concrete layer numbers are shown
through ``symbp.naming.display_layer`` so a network numbered from 1 (the third
seed text) reads as its text does; symbolic layers (L, l-1) are names and stay.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm

from symbp.derivation import symbolic
from symbp.naming import (
    LATEX_SYMBOL,
    PARAMETER_KINDS,
    UNICODE_SYMBOL,
    display_layer,
    parse_generic_matrix_name,
    parse_matrix_name,
)

PER_LAYER = ("w", "b", "z", "a", "delta")
PRETTY_ACTIVATION = {"sigmoid": "σ"}


def layer_text(layer, numbering: int, parameter: bool = False) -> str:
    """A layer as a reader sees it (``symbp.naming.display_layer``), 'L-1' compact."""
    if isinstance(layer, int | sp.Integer):
        return str(display_layer(int(layer), numbering, parameter))
    return str(display_layer(layer, numbering, parameter)).replace(" ", "")


def index_text(indices) -> str:
    """Subscript of an entry: 'nj' for one-character indices, 'n,10' otherwise."""
    parts = [str(index).replace(" ", "") for index in indices]
    return ("" if all(len(part) == 1 for part in parts) else ",").join(parts)


def matrix_parts(name: str, numbering: int) -> tuple[str, str | None, bool] | None:
    """(kind, displayed layer, is_gradient) of a symbp matrix name, None for other names."""
    generic = parse_generic_matrix_name(name)
    if generic:
        kind, base, offset = generic
        layer = layer_text(sp.Symbol(base) + offset, numbering, kind in PARAMETER_KINDS)
    else:
        try:
            kind, number = parse_matrix_name(name)
        except ValueError:
            return None
        layer = None if number is None else layer_text(number, numbering, kind in PARAMETER_KINDS)
    gradient = kind in ("dW", "db")
    return (kind[1:] if gradient else kind), layer, gradient


def bracketed_in_product(arg) -> bool:
    """Whether a factor of an entrywise product needs brackets: products of matrices, and anything
    binding looser than a product (sums, entrywise functions whose body is a sum: odot (1 - A^2))."""
    return isinstance(arg, MatMul | HadamardProduct) or precedence(arg) < PRECEDENCE["Mul"]


def _display_limits(printer, expr: sp.Sum) -> list[tuple]:
    """The limits of a sum, innermost first; a sum over the layer symbol l starts at its
    displayed number (a name, so that it is shifted only once)."""
    numbering = printer._settings["numbering"]
    limits = []
    for var, low, high in expr.limits:
        if numbering and var == symbolic.l and low.is_Integer:
            low = sp.Symbol(str(display_layer(int(low), numbering)))
        limits.append((var, low, high))
    return limits


class _EntrywiseMixin:
    """Shared handling of ``Elementwise``: its scalar body printed with matrices in place of variables."""

    def __init__(self, settings=None):
        super().__init__(settings)
        self._entrywise = {}

    def _indexed_parts(self, expr) -> tuple[str, str | None, str] | None:
        """(symbol key, displayed layer or None, subscript) of an index-form quantity; None if not ours."""
        name = str(expr.base.label)
        numbering = self._settings["numbering"]
        indices = expr.indices
        if name == "width":
            return "n", None, layer_text(indices[0], numbering)
        if name == "t":
            return "t", None, index_text(indices)
        if name not in PER_LAYER:
            return None
        if name == "a" and indices[0] == 0:
            return "x", None, index_text(indices[1:])
        return name, layer_text(indices[0], numbering, name in PARAMETER_KINDS), index_text(indices[1:])

    def _print_Mul(self, expr):
        """Chain-rule products (they hold partial derivatives) keep the order of the chain."""
        if not any(isinstance(arg, sp.Derivative) for arg in expr.args):
            return super()._print_Mul(expr)
        saved = self._settings["order"]
        self._settings["order"] = "none"
        try:
            return super()._print_Mul(expr)
        finally:
            self._settings["order"] = saved

    def _entrywise_body(self, expr) -> sp.Expr:
        placeholders = {}
        for position, (var, matrix) in enumerate(zip(expr.function.variables, expr.matrices, strict=True)):
            symbol = sp.Symbol(f"_symbp_matrix_{len(self._entrywise)}_{position}")
            placeholders[var] = symbol
            self._entrywise[symbol] = matrix
        return expr.function.expr.xreplace(placeholders)

    def _is_matrix_placeholder(self, expr) -> bool:
        return isinstance(expr, sp.Symbol) and expr in self._entrywise

    def _involves_matrix(self, expr) -> bool:
        return any(symbol in self._entrywise for symbol in expr.free_symbols)

    def _split_entrywise(self, expr: sp.Mul):
        """(coefficient, numerator factors, denominator factors) when >= 2 matrix factors are multiplied."""
        coefficient, factors = expr.as_coeff_mul()
        numerator = [f for f in factors if not (f.is_Pow and f.exp.is_negative)]
        denominator = [1 / f for f in factors if f.is_Pow and f.exp.is_negative]
        if sum(1 for f in numerator if self._involves_matrix(f)) < 2:
            return None
        return coefficient, numerator, denominator


class SymbpLatexPrinter(_EntrywiseMixin, LatexPrinter):
    """LaTeX in the first seed text's notation (see the module docstring)."""

    printmethod = "_symbp_latex"
    _default_settings = {
        **LatexPrinter._default_settings,
        "long_frac_ratio": 2,  # 1/N in front of a long sum, not a fraction around it
        "inline_derivative": False,  # dC/dw as a slash (for headings), not a fraction
        "numbering": 0,
        "activations": {},
    }

    # -- index form ---------------------------------------------------------
    def _print_Indexed(self, expr):
        parts = self._indexed_parts(expr)
        if parts is None:
            return super()._print_Indexed(expr)
        key, layer, subscript = parts
        superscript = f"^{{({layer})}}" if layer is not None else ""
        return f"{LATEX_SYMBOL[key]}{superscript}_{{{subscript}}}"

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
            for var, low, high in reversed(_display_limits(self, expr))
        ]
        body = self._print(expr.function)
        if expr.function.is_Add:
            body = rf"\left({body}\right)"
        return " ".join(sigmas) + " " + body

    # -- matrix form --------------------------------------------------------
    def _matrix_latex(self, name: str, transposed: bool = False) -> str | None:
        parts = matrix_parts(name, self._settings["numbering"])
        if parts is None:
            return None
        kind, layer, gradient = parts
        tee = "T" if transposed else ""
        if layer is None:
            return f"{kind}^{{T}}" if transposed else kind
        symbol = f"{LATEX_SYMBOL[kind]}^{{({layer}){tee}}}"
        if gradient:
            fraction = rf"\frac{{\partial C}}{{\partial {LATEX_SYMBOL[kind]}^{{({layer})}}}}"
            return rf"\left({fraction}\right)^{{T}}" if transposed else fraction
        return symbol

    def _print_MatrixSymbol(self, expr):
        return self._matrix_latex(expr.name) or super()._print_MatrixSymbol(expr)

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, MatrixSymbol):
            printed = self._matrix_latex(expr.arg.name, transposed=True)
            if printed:
                return printed
        return super()._print_Transpose(expr)

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(
            rf"\left({self._print(arg)}\right)"
            if bracketed_in_product(arg)
            else self.parenthesize(arg, PRECEDENCE["Mul"], strict=True)
            for arg in expr.args
        )

    def _print_Elementwise(self, expr):
        saved = dict(self._entrywise)
        try:
            return self._print(self._entrywise_body(expr))
        finally:
            self._entrywise = saved

    def _print_ColumnSum(self, expr):
        return r"\mathbf{1}^{T} " + self.parenthesize(expr.args[0], PRECEDENCE["Mul"], strict=True)

    def _print_Broadcast(self, expr):
        return r"\mathbf{1} " + self._print(expr.args[0])

    def _print_ActivationDerivative(self, expr):
        return rf"f'\left({self._print(expr.args[0])}\right)"

    def _print_Activate(self, expr):
        name = self._activation_latex(expr.activation_name)
        return rf"{name}\left({self._print(expr.args[1])}\right)"

    def _activation_latex(self, name: str) -> str:
        return self._settings["activations"].get(name, rf"\operatorname{{{name}}}".replace("_", r"\_"))

    # -- entrywise scalars ----------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if self._is_matrix_placeholder(expr):
            return self._print(self._entrywise[expr])
        return super()._print_Symbol(expr, style)

    def _print_Mul(self, expr):
        split = self._split_entrywise(expr) if self._entrywise else None
        if split is None:
            return super()._print_Mul(expr)
        coefficient, numerator, denominator = split
        top = r" \odot ".join(self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in numerator)
        if denominator:
            bottom = r" \odot ".join(
                self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in denominator
            )
            top = rf"\frac{{{top}}}{{{bottom}}}"
        if coefficient == 1:
            return top
        if coefficient == -1:
            return "- " + top
        return f"{self._print(coefficient)} {top}"

    def _print_Pow(self, expr):
        if self._entrywise and expr.exp.is_Integer and expr.exp > 1 and self._involves_matrix(expr.base):
            base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=True)
            if self._is_matrix_placeholder(expr.base) and "^" in base:
                base = rf"\left({base}\right)"
            return rf"{base}^{{\circ {expr.exp}}}"
        if isinstance(expr.base, sp.Indexed) and expr.exp.is_Integer and expr.exp > 0:
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)


def _script(base: str, sup: str | None = None, sub: str | None = None) -> prettyForm:
    """``base`` with a superscript above right and a subscript below right, as a text block."""
    pad = " " * len(base)
    lines = ([pad + sup] if sup else []) + [base] + ([pad + sub] if sub else [])
    wide = max(len(line) for line in lines)
    return prettyForm("\n".join(line.ljust(wide) for line in lines), baseline=1 if sup else 0)


class SymbpPrettyPrinter(_EntrywiseMixin, PrettyPrinter):
    """Unicode terminal text in the same notation as ``SymbpLatexPrinter``."""

    printmethod = "_symbp_pretty"
    _default_settings = {
        **PrettyPrinter._default_settings,
        "use_unicode": True,
        "num_columns": 100,
        "numbering": 0,
        "activations": {},
    }

    def _print_Indexed(self, expr):
        parts = self._indexed_parts(expr)
        if parts is None:
            return super()._print_Indexed(expr)
        key, layer, subscript = parts
        return _script(UNICODE_SYMBOL[key], f"({layer})" if layer is not None else None, subscript)

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
        return super()._print_Sum(sp.Sum(expr.function, *_display_limits(self, expr)))

    def _matrix_pretty(self, name: str, transposed: bool = False) -> prettyForm | None:
        parts = matrix_parts(name, self._settings["numbering"])
        if parts is None:
            return None
        kind, layer, gradient = parts
        tee = "T" if transposed else ""
        if layer is None:
            return _script(kind, tee or None)
        if gradient:
            fraction = prettyForm("∂C") / _script("∂" + UNICODE_SYMBOL[kind], f"({layer})")
            return prettyForm(*fraction.parens()) ** prettyForm("T") if transposed else fraction
        return _script(UNICODE_SYMBOL[kind], f"({layer}){tee}")

    def _print_MatrixSymbol(self, expr):
        return self._matrix_pretty(expr.name) or super()._print_MatrixSymbol(expr)

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, MatrixSymbol):
            printed = self._matrix_pretty(expr.arg.name, transposed=True)
            if printed:
                return printed
        return super()._print_Transpose(expr)

    def _print_HadamardProduct(self, expr):
        return self._print_seq(
            expr.args,
            None,
            None,
            " ⊙ ",
            parenthesize=bracketed_in_product,
        )

    def _print_Elementwise(self, expr):
        saved = dict(self._entrywise)
        try:
            return self._print(self._entrywise_body(expr))
        finally:
            self._entrywise = saved

    def _print_ColumnSum(self, expr):
        body = self._print(expr.args[0])
        if isinstance(expr.args[0], MatAdd):
            body = prettyForm(*body.parens())
        return prettyForm(*prettyForm("1ᵀ⋅").right(body))

    def _print_Broadcast(self, expr):
        return prettyForm(*prettyForm("1⋅").right(self._print(expr.args[0])))

    def _print_ActivationDerivative(self, expr):
        return prettyForm(*prettyForm("f′").right(prettyForm(*self._print(expr.args[0]).parens())))

    def _print_Activate(self, expr):
        name = self._settings["activations"].get(expr.activation_name, expr.activation_name)
        return prettyForm(*prettyForm(name).right(prettyForm(*self._print(expr.args[1]).parens())))

    def _print_Symbol(self, expr, bold_name=False):
        if self._is_matrix_placeholder(expr):
            return self._print(self._entrywise[expr])
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
            for form in forms[1:]:
                result = prettyForm(*result.right(" ⊙ ", form))
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
        if self._entrywise and expr.exp.is_Integer and expr.exp > 1 and self._involves_matrix(expr.base):
            base = prettyForm(*self._print(expr.base).parens())
            return base ** prettyForm(f"∘{expr.exp}")
        return super()._print_Pow(expr)


def _settings(network) -> dict:
    activations = {act.name: act.latex for act in network.activations} if network else {}
    return {"numbering": network.numbering if network else 0, "activations": activations}


def _pretty_settings(network) -> dict:
    settings = _settings(network)
    settings["activations"] = {name: PRETTY_ACTIVATION.get(name, name) for name in settings["activations"]}
    return settings


def latex(expr, network=None, inline: bool = False) -> str:
    """``expr`` as LaTeX maths in symbp's notation for ``network`` (numbering, activation symbols);
    ``inline`` writes derivatives with a slash, for headings and running text."""
    return SymbpLatexPrinter({**_settings(network), "inline_derivative": inline}).doprint(expr)


def pretty(expr, network=None) -> str:
    """``expr`` as Unicode terminal text in symbp's notation (fixed width: output is deterministic)."""
    return SymbpPrettyPrinter(_pretty_settings(network)).doprint(expr)


def pretty_equation(lhs, rhs, network=None, relation: str = "=") -> str:
    """``lhs relation rhs`` as one Unicode text block aligned on the baselines.

    ``rhs`` is an expression, text (a block of lines) or a tuple of both, set side by side."""
    printer = SymbpPrettyPrinter(_pretty_settings(network))
    parts = rhs if isinstance(rhs, tuple) else (rhs,)
    form = prettyForm(*printer._print(lhs).right(f" {relation} "))
    for part in parts:
        if isinstance(part, str):
            form = prettyForm(*form.right(prettyForm(part, baseline=part.count("\n") // 2)))
        else:
            form = prettyForm(*form.right(printer._print(part)))
    return form.render(**printer._settings)
