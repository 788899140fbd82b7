"""Presentation MathML in a network's notation: SymPy's MathML printer, subclassed like the LaTeX one.

The page (``symbp.rendering.page``) shows every equation as native MathML, which
browsers render without a script. This printer dispatches ``_print_<Class>``
as ``symbp.rendering.latex.SymbpLatexPrinter`` does and asks the same
``Symbols`` for every symbol, layer mark and index letter. A notation's
symbols are short LaTeX (``\\hat{y}``, ``\\mathrm{net}``, ``C_x``): ``tex_nodes``
reads that small vocabulary into MathML elements, and refuses anything else by
name rather than print it wrong.
"""

from __future__ import annotations

import re
from html import escape

import sympy as sp
from sympy.matrices.expressions import MatrixSymbol, Transpose
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import PRECEDENCE

from symbp.derivation import symbolic
from symbp.errors import SpecError, SymbpError
from symbp.rendering.applied_notation import Symbols
from symbp.rendering.printer_base import (
    EntrywiseMixin,
    bracketed_in_product,
    display_limits,
    printer_settings,
)
from symbp.spec.notation import _UNICODE_COMMANDS, SYMBOL_FIELDS, as_text

_OPERATORS = {**_UNICODE_COMMANDS, r"\cdot": "·", r"\times": "×", r"\leftarrow": "←", r"\ldots": "…"}
_FONTS = {r"\mathrm": "normal", r"\operatorname": "normal", r"\text": "normal", r"\mathbf": "bold"}
_FONTS[r"\mathcal"] = "script"
# MathML Core renders mathvariant="normal" only: bold and script letters are their own Unicode characters.
_SCRIPT_GAPS = {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}


def _styled(text: str, font: str) -> str:
    """``text`` in Unicode's mathematical bold or script letters (the fonts MathML Core leaves to them)."""
    out = []
    for char in text:
        if font == "bold" and char.isascii() and char.isdigit():
            out.append(chr(0x1D7CE + int(char)))
        elif font == "bold" and char.isascii() and char.isalpha():
            out.append(chr((0x1D400 if char.isupper() else 0x1D41A) + ord(char.upper()) - ord("A")))
        elif font == "script" and char.isascii() and char.isupper():
            out.append(_SCRIPT_GAPS.get(char, chr(0x1D49C + ord(char) - ord("A"))))
        else:
            out.append(char)
    return "".join(out)


_FUNCTION_NAMES = {
    "\\" + name for name in ("tanh", "exp", "log", "ln", "max", "min", "sin", "cos", "sinh", "cosh")
}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|\s+|.")


class MathMLError(SymbpError, ValueError):
    """A notation symbol uses LaTeX this printer does not read."""


SYMBOL_VOCABULARY = (
    "LaTeX the HTML page prints: letters, digits, Greek letters, \\hat, \\mathrm, \\mathbf, \\mathcal, "
    "\\operatorname, \\text, braces, _ and ^"
)


def check_notation(notation) -> None:
    """Refuse, naming the field, a notation symbol the page could not print (before any work is done)."""
    dom = SymbpMathMLPrinter().dom
    for field in SYMBOL_FIELDS:
        value = getattr(notation, field)
        try:
            if value:
                tex_nodes(dom, value)
        except MathMLError as error:
            raise SpecError(f"notation.{field}", value, f"{SYMBOL_VOCABULARY} ({error})") from None


class _TexReader:
    """Reads one notation symbol (a few LaTeX commands, groups and scripts) into MathML elements."""

    def __init__(self, dom, tex: str):
        self.dom = dom
        self.tex = tex
        self.tokens = [token for token in _TOKEN.findall(tex) if not token.isspace()]
        self.position = 0

    def element(self, tag: str, *children, text: str | None = None, **attributes):
        node = self.dom.createElement(tag)
        for key, value in attributes.items():
            node.setAttribute(key, value)
        if text is not None:
            node.appendChild(self.dom.createTextNode(escape(text, quote=False)))
        for child in children:
            node.appendChild(child)
        return node

    def read(self):
        nodes = self.sequence()
        if self.position < len(self.tokens):
            raise MathMLError(f"unbalanced '}}' in the symbol {self.tex!r}")
        return nodes[0] if len(nodes) == 1 else self.element("mrow", *nodes)

    def sequence(self) -> list:
        nodes = []
        while self.position < len(self.tokens) and self.tokens[self.position] != "}":
            token = self.tokens[self.position]
            if token in "_^":
                if not nodes:
                    nodes.append(self.element("mrow"))
                self.position += 1
                nodes[-1] = self.scripted(nodes[-1], token)
            else:
                nodes.append(self.atom())
        return nodes

    def scripted(self, base, mark: str):
        script = self.argument()
        if mark == "_" and base.tagName == "msup":
            return self.element("msubsup", base.firstChild, script, base.lastChild)
        if mark == "^" and base.tagName == "msub":
            return self.element("msubsup", base.firstChild, base.lastChild, script)
        return self.element("msub" if mark == "_" else "msup", base, script)

    def argument(self):
        """The next group or single token, as one element."""
        if self.position >= len(self.tokens):
            raise MathMLError(f"a script or argument is missing at the end of the symbol {self.tex!r}")
        if self.tokens[self.position] == "{":
            self.position += 1
            nodes = self.sequence()
            if self.position >= len(self.tokens):
                raise MathMLError(f"unbalanced '{{' in the symbol {self.tex!r}")
            self.position += 1
            return nodes[0] if len(nodes) == 1 else self.element("mrow", *nodes)
        return self.atom()

    def atom(self):
        token = self.tokens[self.position]
        self.position += 1
        if token == "{":
            self.position -= 1
            return self.argument()
        if token in _FONTS:
            text, font = self.plain_argument(), _FONTS[token]
            if font == "normal":
                return self.element("mi", text=text, mathvariant="normal")
            return self.element("mi", text=_styled(text, font))
        if token == r"\hat":
            return self.element("mover", self.argument(), self.element("mo", text="^"), accent="true")
        if token == r"\frac":
            return self.element("mfrac", self.argument(), self.argument())
        if token in (r"\left", r"\right"):
            return self.element("mo", text=self.tokens_take())
        if token in _FUNCTION_NAMES:
            return self.element("mi", text=token[1:], mathvariant="normal")
        if token in _OPERATORS:
            char = _OPERATORS[token]
            tag = "mi" if char.isalpha() and token not in (r"\nabla", r"\partial") else "mo"
            return self.element(tag, text=char)
        if token.startswith("\\"):
            raise MathMLError(f"the symbol {self.tex!r} uses {token}, which the HTML page cannot print")
        if token.isdigit():
            return self.element("mn", text=token)
        if token.isalpha():
            return self.element("mi", text=token)
        return self.element("mo", text=token)

    def tokens_take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def plain_argument(self) -> str:
        if self.tokens[self.position] != "{":
            return self.tokens_take()
        end = self.tokens.index("}", self.position)
        text = "".join(self.tokens[self.position + 1 : end]).replace(r"\_", "_")
        self.position = end + 1
        return text


def tex_nodes(dom, tex: str):
    """A notation symbol's LaTeX (``\\hat{y}``, ``w^{(l)}_{ij}``, ``\\nabla_{W} C``) as one MathML element."""
    return _TexReader(dom, tex).read()


class SymbpMathMLPrinter(EntrywiseMixin, MathMLPresentationPrinter):
    """Presentation MathML in the notation of ``symbp.rendering.latex.SymbpLatexPrinter``."""

    printmethod = "_symbp_mathml"
    _default_settings = {
        **MathMLPresentationPrinter._default_settings,
        "symbols": Symbols(),
        "activations": {},
    }

    def emptyPrinter(self, expr):
        raise MathMLError(f"the HTML page cannot print {type(expr).__name__}: {expr}")

    # -- small builders -------------------------------------------------------
    def _tex(self, tex: str):
        return tex_nodes(self.dom, tex)

    def _node(self, tag: str, *children, text: str | None = None, **attributes):
        return _TexReader(self.dom, "").element(tag, *children, text=text, **attributes)

    def _row(self, *children):
        return self._node("mrow", *children)

    def _mo(self, text: str, **attributes):
        return self._node("mo", text=text, **attributes)

    def _bracketed(self, node):
        return self._row(self._mo("("), node, self._mo(")"))

    def _script_tee(self, node):
        return self._node("msup", node, self._tex(self._settings["symbols"].notation.transpose))

    # -- index form -----------------------------------------------------------
    def _print_Indexed(self, expr):
        parts = self._indexed_parts(expr)
        if parts is None:
            return super()._print_Indexed(expr)
        symbol, layer, parameter, subscript = parts
        return self._tex(self._settings["symbols"].scripted(symbol, layer, subscript, parameter))

    def _print_Derivative(self, expr):
        order = sum(count for _, count in expr.variable_count)
        partial = self._mo("∂")
        top = self._node("msup", partial, self._print(order)) if order > 1 else partial
        bottom = self._row()
        for var, count in expr.variable_count:
            mark = self._node("msup", self._mo("∂"), self._print(count)) if count > 1 else self._mo("∂")
            bottom.appendChild(mark)
            bottom.appendChild(self._print(var))
        if isinstance(expr.expr, sp.Symbol | sp.Indexed):
            return self._node("mfrac", self._row(top, self._print(expr.expr)), bottom)
        body = self.parenthesize(expr.expr, PRECEDENCE["Mul"], strict=True)
        return self._row(self._node("mfrac", top, bottom), body)

    def _print_KroneckerDelta(self, expr):
        return self._row(
            self._mo("["), self._print(expr.args[0]), self._mo("="), self._print(expr.args[1]), self._mo("]")
        )

    def _print_Sum(self, expr):
        """One sigma per index, outermost first, as the texts write them."""
        row = self._row()
        for var, low, high in reversed(display_limits(self, expr)):
            under = self._row(self._print(var), self._mo("="), self._print(low))
            row.appendChild(self._node("munderover", self._mo("∑"), under, self._print(high)))
        body = self._print(expr.function)
        row.appendChild(self._bracketed(body) if expr.function.is_Add else body)
        return row

    # -- matrix form ----------------------------------------------------------
    def _matrix(self, name: str, transposed: bool = False):
        pieces = self._matrix_pieces(name)
        if pieces is None:
            return None
        symbol, layer, parameter, gradient = pieces
        symbols = self._settings["symbols"]
        scripted = symbols.scripted(symbol, layer, parameter=parameter)
        if gradient:
            printed = self._gradient(symbols, scripted)
            return self._script_tee(self._bracketed(printed)) if transposed else printed
        if transposed:
            return self._tex(symbols.transposed(symbol, layer, parameter))
        return self._tex(scripted)

    def _gradient(self, symbols: Symbols, parameter: str):
        """dC/dW in the notation's style: a fraction, nabla_W C, or dW."""
        style = symbols.notation.gradient_style
        cost = symbols.cost
        if style == "nabla":
            return self._tex(rf"\nabla_{{{parameter}}} {cost}")
        if style == "d":
            return self._tex(f"d{parameter}")
        return self._tex(rf"\frac{{\partial {cost}}}{{\partial {parameter}}}")

    def _ones(self, transposed: bool = False):
        one = self._node("mn", text=_styled("1", "bold"))
        return self._script_tee(one) if transposed else one

    def _column_sum(self, node):
        """(1^T M)^T = M^T 1 and (1 b)^T = b^T 1^T in column vectors; one sample needs no ones."""
        symbols = self._settings["symbols"]
        inner = self._print(Transpose(node.args[0]).doit())
        if symbols.per_sample:
            return inner
        return self._row(inner, self._ones(transposed=not isinstance(node, symbolic.ColumnSum)))

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, MatrixSymbol) or isinstance(
            expr.arg, symbolic.ColumnSum | symbolic.Broadcast
        ):
            return super()._print_Transpose(expr)
        return self._script_tee(self._bracketed(self._print(expr.arg)))

    def _print_MatMul(self, expr):
        row = self._row()
        factors = list(expr.args)
        if factors[0] == -1:
            row.appendChild(self._mo("-"))
            factors = factors[1:]
        for position, factor in enumerate(factors):
            if position:
                row.appendChild(self._mo("\u2062"))
            needs = bracketed_in_product(factor) and not isinstance(factor, sp.MatMul)
            row.appendChild(self._bracketed(self._print(factor)) if needs else self._print(factor))
        return row

    def _print_HadamardProduct(self, expr):
        row = self._row()
        for position, arg in enumerate(expr.args):
            if position:
                row.appendChild(self._tex(self._settings["symbols"].notation.hadamard))
            if bracketed_in_product(arg):
                row.appendChild(self._bracketed(self._print(arg)))
            else:
                row.appendChild(self.parenthesize(arg, PRECEDENCE["Mul"], strict=True))
        return row

    def _print_ColumnSum(self, expr):
        return self._row(
            self._ones(transposed=True), self.parenthesize(expr.args[0], PRECEDENCE["Mul"], True)
        )

    def _print_Broadcast(self, expr):
        return self._row(self._ones(), self._print(expr.args[0]))

    def _print_ActivationDerivative(self, expr):
        prime = self._node("msup", self._tex(self._settings["symbols"].generic_function), self._mo("′"))
        return self._row(prime, self._bracketed(self._print(expr.args[0])))

    def _print_Activate(self, expr):
        symbol = self._tex(self._activation_tex(expr.activation_name))
        return self._row(symbol, self._bracketed(self._print(expr.args[1])))

    # -- entrywise scalars ----------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if self._is_matrix_placeholder(expr):
            return self._print(self._entrywise[expr])
        symbols = self._settings["symbols"]
        named = symbols.named(expr.name)
        if named is not None:
            return self._tex(named)
        if expr.name in symbols.letters:
            return self._node("mi", text=symbols.letter(expr.name))
        if expr.name.startswith("_"):
            raise MathMLError(f"the HTML page cannot print the internal symbol {expr.name}")
        return self._tex(sp.latex(expr))

    def _print_Function(self, expr):
        own = self._settings["activations"]
        for name, tex in own.items():
            if type(expr).__name__ == name:
                return self._row(self._tex(tex), self._bracketed(self._print(expr.args[0])))
        return super()._print_Function(expr)

    def _print_Mul(self, expr):
        split = self._split_entrywise(expr) if self._entrywise else None
        if split is None:
            return super()._print_Mul(expr)
        coefficient, numerator, denominator = split
        top = self._hadamard_row(numerator)
        if denominator:
            top = self._node("mfrac", top, self._hadamard_row(denominator))
        if coefficient == 1:
            return top
        if coefficient == -1:
            return self._row(self._mo("-"), top)
        return self._row(self._print(coefficient), top)

    def _hadamard_row(self, factors):
        row = self._row()
        for position, factor in enumerate(factors):
            if position:
                row.appendChild(self._tex(self._settings["symbols"].notation.hadamard))
            row.appendChild(self.parenthesize(factor, PRECEDENCE["Mul"], strict=True))
        return row

    def _print_Pow(self, expr):
        if self._is_entrywise_power(expr):
            base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=True)
            return self._node("msup", base, self._row(self._mo("∘"), self._print(expr.exp)))
        if isinstance(expr.base, sp.Indexed) and expr.exp.is_Integer and expr.exp > 0:
            return self._node("msup", self._bracketed(self._print(expr.base)), self._print(expr.exp))
        return super()._print_Pow(expr)


def mathml(expr, network=None) -> str:
    """``expr`` as presentation MathML (the content of a ``<math>`` element) in ``network``'s notation."""
    return SymbpMathMLPrinter(printer_settings(network)).doprint(expr)


def inline_math(tex: str) -> str:
    """A notation symbol inside prose (reasons, tables) as a ``<math>`` element; its plain text where
    the symbol uses LaTeX this reader does not know (a notation of one's own)."""
    try:
        return f"<math>{tex_nodes(SymbpMathMLPrinter().dom, tex).toxml()}</math>"
    except MathMLError:
        return f"<span>{escape(as_text(tex), quote=False)}</span>"
