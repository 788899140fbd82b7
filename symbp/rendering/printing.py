"""Printers for a network's notation: SymPy's LaTeX and pretty printers, subclassed.

SymPy prints ``w[L - 1, i, j]`` as ``{w}_{L - 1,i,j}``; the texts write
w^{(L-1)}_{ij}. These printers read the layer from the first index of every
per-layer ``Indexed`` (``symbp.derivation.symbolic``), the layer from the name of every
matrix (``symbp.naming``), and print symbp's matrix nodes (``Elementwise``,
``ColumnSum``, ``Broadcast``, ``Activate``). Every symbol, layer mark, index
letter and operator comes from the network's Notation (``symbp.rendering.symbols``);
symbolic layers (L, l-1) are names and stay. Equations are first put in the
notation's form (``symbp.rendering.transform``: delta's sign, column vectors).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol, Transpose
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm

from symbp.derivation import symbolic
from symbp.naming import PARAMETER_KINDS, parse_generic_matrix_name, parse_matrix_name
from symbp.rendering.symbols import Symbols
from symbp.rendering.transform import as_printed
from symbp.spec.notation import as_text as unicode

PER_LAYER = ("w", "b", "z", "a", "delta")
LAYER_BASES = {"L": symbolic.L, "l": symbolic.l}


def matrix_parts(name: str) -> tuple[str, object, bool] | None:
    """(kind, layer or None, is_gradient) of a symbp matrix name, None for other names."""
    generic = parse_generic_matrix_name(name)
    if generic:
        kind, base, offset = generic
        layer = LAYER_BASES[base] + offset
    else:
        try:
            kind, layer = parse_matrix_name(name)
        except ValueError:
            return None
    gradient = kind in ("dW", "db")
    return (kind[1:] if gradient else kind), layer, gradient


def matrix_symbol(kind: str, layer, symbols: Symbols) -> tuple[str, object]:
    """(LaTeX symbol, layer or None) of a matrix kind: X is the input layer's activations in a
    notation whose input is an activation (Raschka's A^{(in)})."""
    notation = symbols.notation
    if kind == "X":
        if notation.input_matrix == notation.activation_matrix:
            return notation.activation_matrix, 0
        return notation.input_matrix, None
    table = {
        "T": notation.target_matrix,
        "A": notation.activation_matrix,
        "Z": notation.pre_activation_matrix,
        "W": notation.weight_matrix,
        "b": notation.bias,
        "delta": notation.delta_matrix,
    }
    return table[kind], layer


def bracketed_in_product(arg) -> bool:
    """Whether a factor of an entrywise product needs brackets: products of matrices, and anything
    binding looser than a product (sums, entrywise functions whose body is a sum: odot (1 - A^2))."""
    return isinstance(arg, MatMul | HadamardProduct) or precedence(arg) < PRECEDENCE["Mul"]


def _display_limits(printer, expr: sp.Sum) -> list[tuple]:
    """The limits of a sum, innermost first; a sum over the layer symbol l starts at its
    displayed number (a name, so that it is shifted only once)."""
    symbols = printer._settings["symbols"]
    limits = []
    for var, low, high in expr.limits:
        if symbols.notation.input_layer and var == symbolic.l and low.is_Integer:
            low = sp.Symbol(symbols.layer_label(int(low)))
        limits.append((var, low, high))
    return limits


class _EntrywiseMixin:
    """Shared handling of ``Elementwise``: its scalar body printed with matrices in place of variables."""

    def __init__(self, settings=None):
        super().__init__(settings)
        self._entrywise = {}

    def _indexed_parts(self, expr) -> tuple[str, object, bool, str] | None:
        """(LaTeX symbol, layer or None, is a parameter, subscript) of an index-form quantity; None if
        not ours."""
        symbols = self._settings["symbols"]
        notation = symbols.notation
        name = str(expr.base.label)
        indices = expr.indices
        if name == "width":
            return "n", None, False, symbols.layer_label(indices[0])
        if name == "t":
            return notation.target, None, False, symbols.subscript(indices)
        if name not in PER_LAYER:
            return None
        subscript = symbols.subscript(indices[1:], weight=name == "w")
        if name == "a" and indices[0] == 0 and notation.input != notation.activation:
            return notation.input, None, False, subscript
        if name == "a" and self._is_output(indices[0]) and symbols.writes_prediction:
            return notation.prediction, None, False, subscript
        symbol = {
            "w": notation.weight,
            "b": notation.bias,
            "z": notation.pre_activation,
            "a": notation.activation,
            "delta": notation.delta,
        }[name]
        return symbol, indices[0], name in PARAMETER_KINDS, subscript

    def _is_output(self, layer) -> bool:
        depth = self._settings["symbols"].depth
        return layer == symbolic.L or (depth is not None and layer == depth)

    def _print_MatrixSymbol(self, expr):
        return self._matrix(expr.name) or super()._print_MatrixSymbol(expr)

    def _print_Transpose(self, expr):
        """A transposed symbp matrix in the notation's mark; (1^T M)^T and (1 b)^T as column sums."""
        if isinstance(expr.arg, MatrixSymbol):
            printed = self._matrix(expr.arg.name, transposed=True)
            if printed:
                return printed
        if isinstance(expr.arg, symbolic.ColumnSum | symbolic.Broadcast):
            return self._column_sum(expr.arg)
        return super()._print_Transpose(expr)

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
    """LaTeX in the derivation's own notation (see the module docstring)."""

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
            for var, low, high in reversed(_display_limits(self, expr))
        ]
        body = self._print(expr.function)
        if expr.function.is_Add:
            body = rf"\left({body}\right)"
        return " ".join(sigmas) + " " + body

    # -- matrix form --------------------------------------------------------
    def _matrix(self, name: str, transposed: bool = False) -> str | None:
        parts = matrix_parts(name)
        if parts is None:
            return None
        kind, layer, gradient = parts
        symbols = self._settings["symbols"]
        symbol, layer = matrix_symbol(kind, layer, symbols)
        parameter = kind in PARAMETER_KINDS
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

    def _print_Elementwise(self, expr):
        saved = dict(self._entrywise)
        try:
            return self._print(self._entrywise_body(expr))
        finally:
            self._entrywise = saved

    def _print_ColumnSum(self, expr):
        tee = self._settings["symbols"].notation.transpose
        return rf"\mathbf{{1}}^{{{tee}}} " + self.parenthesize(expr.args[0], PRECEDENCE["Mul"], strict=True)

    def _print_Broadcast(self, expr):
        return r"\mathbf{1} " + self._print(expr.args[0])

    def _print_ActivationDerivative(self, expr):
        return rf"{self._settings['symbols'].generic_function}'\left({self._print(expr.args[0])}\right)"

    def _print_Activate(self, expr):
        name = self._activation_latex(expr.activation_name)
        return rf"{name}\left({self._print(expr.args[1])}\right)"

    def _activation_latex(self, name: str) -> str:
        own = self._settings["activations"].get(name, rf"\operatorname{{{name}}}".replace("_", r"\_"))
        return self._settings["symbols"].activation_function(name, own)

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
        return super()._print_Sum(sp.Sum(expr.function, *_display_limits(self, expr)))

    def _matrix(self, name: str, transposed: bool = False) -> prettyForm | None:
        parts = matrix_parts(name)
        if parts is None:
            return None
        kind, layer, gradient = parts
        symbols = self._settings["symbols"]
        symbol, layer = matrix_symbol(kind, layer, symbols)
        parameter = kind in PARAMETER_KINDS
        tee = unicode(symbols.notation.transpose)
        if gradient:
            printed = self._gradient_pretty(symbols, self._scripted(symbol, layer, parameter=parameter))
            return prettyForm(*printed.parens()) ** prettyForm(tee) if transposed else printed
        if not transposed:
            return self._scripted(symbol, layer, parameter=parameter)
        if layer is None:
            return _script(unicode(symbol), tee)
        mark = unicode(symbols.layer_mark(layer, parameter))
        if symbols.notation.layer_style == "bare" and not mark.startswith("("):
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
        if self._entrywise and expr.exp.is_Integer and expr.exp > 1 and self._involves_matrix(expr.base):
            base = prettyForm(*self._print(expr.base).parens())
            return base ** prettyForm(f"∘{expr.exp}")
        return super()._print_Pow(expr)


def symbols_of(network) -> Symbols:
    """The Symbols of ``network``'s notation (the default profile's without a network)."""
    return Symbols(network.notation, network.depth, network.cost.mean) if network else Symbols()


def _settings(network) -> dict:
    activations = {act.name: act.latex for act in network.activations} if network else {}
    return {"symbols": symbols_of(network), "activations": activations}


def latex(expr, network=None, inline: bool = False) -> str:
    """``expr`` as LaTeX maths in ``network``'s notation (symbols, layers, activation symbols);
    ``inline`` writes derivatives with a slash, for headings and running text."""
    return SymbpLatexPrinter({**_settings(network), "inline_derivative": inline}).doprint(expr)


def pretty(expr, network=None) -> str:
    """``expr`` as Unicode terminal text in ``network``'s notation (fixed width: deterministic)."""
    return SymbpPrettyPrinter(_settings(network)).doprint(expr)


def equation(lhs, rhs, network=None) -> tuple:
    """A derived equation (index or matrix form) as ``network``'s notation states it."""
    return as_printed(lhs, rhs, symbols_of(network))


def pretty_equation(lhs, rhs, network=None, relation: str = "=") -> str:
    """``lhs relation rhs`` as one Unicode text block aligned on the baselines.

    ``rhs`` is an expression, text (a block of lines) or a tuple of both, set side by side."""
    printer = SymbpPrettyPrinter(_settings(network))
    parts = rhs if isinstance(rhs, tuple) else (rhs,)
    form = prettyForm(*printer._print(lhs).right(f" {relation} "))
    for part in parts:
        if isinstance(part, str):
            form = prettyForm(*form.right(prettyForm(part, baseline=part.count("\n") // 2)))
        else:
            form = prettyForm(*form.right(printer._print(part)))
    return form.render(**printer._settings)
