"""Print symbp's matrix and scalar expressions as plain NumPy source.

SymPy's own ``NumPyPrinter`` falls short for derived backprop equations: it
prints ``MatMul`` with a scalar factor as ``(A).dot(B).dot(N**(-1.0))``, has no
idea of symbp's ``Elementwise``/``ColumnSum``/``Broadcast``/``Activate`` nodes,
prints ``Heaviside`` with a nan default, and writes ``a*b``/``x/2`` where ruff
format wants ``a * b``/``x / 2``. This subclass fixes all of that, so printed
lines pass ``ruff format --check`` as they are.

Before printing, ``stabilise`` rewrites the overflow-prone forms a derivative
of the logistic function or of softplus takes (``exp(u)/(1 + exp(u))``,
``log(1 + exp(u))``) into calls of stable helpers, so a custom activation is as
safe with inputs of 1e4 as the built-in ones.
"""

from __future__ import annotations

import keyword
import re

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from symbp.derivation.symbolic import Activate, Broadcast, ColumnSum, Elementwise

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class sigmoid(sp.Function):  # noqa: N801 (prints as the helper of the same name)
    """The logistic function 1/(1 + exp(-u)), printed as the module's stable ``_sigmoid``."""


class softplus(sp.Function):  # noqa: N801
    """log(1 + exp(u)), printed as ``np.logaddexp(0, u)``."""


class log_softmax(sp.Function):  # noqa: N801
    """log of the softmax output, printed as the stable ``_log_softmax`` (log-sum-exp)."""


class safe_log(sp.Function):  # noqa: N801
    """log inside a cost, printed as ``_safe_log``, which never takes log(0)."""


def _one_plus_exp(base) -> sp.Expr | None:
    """u when ``base`` is 1 + exp(u), else None."""
    if isinstance(base, sp.Add) and len(base.args) == 2 and sp.S.One in base.args:
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _stable_mul(expr: sp.Mul) -> sp.Expr:
    """exp(u) * sigmoid(-u)**k -> sigmoid(u) * sigmoid(-u)**(k - 1): no exp of a large u is left."""
    factors = list(expr.args)
    for factor in factors:
        if not isinstance(factor, sp.exp):
            continue
        u = factor.args[0]
        for index, other in enumerate(factors):
            base, power = other.as_base_exp()
            if isinstance(base, sigmoid) and base.args[0] == -u and power.is_Integer and power > 0:
                rest = factors[:index] + factors[index + 1 :]
                rest.remove(factor)
                return sp.Mul(*rest, sigmoid(u), sigmoid(-u) ** (power - 1))
    return expr


def stabilise(expr: sp.Expr) -> sp.Expr:
    """Rewrite logistic and softplus forms that overflow for large |u| into stable calls."""

    def rewrite(node):
        if isinstance(node, sp.log):
            u = _one_plus_exp(node.args[0])
            if u is not None:
                return softplus(u)
        if isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp < 0:
            u = _one_plus_exp(node.base)
            if u is not None:
                return sigmoid(-u) ** (-int(node.exp))
        if isinstance(node, sp.Mul):
            return _stable_mul(node)
        return node

    previous = None
    while previous != expr:
        previous, expr = expr, sp.sympify(expr).replace(lambda node: True, rewrite)
    return expr


def check_identifier(name: str) -> str:
    """``name`` when it is a plain Python identifier that is no keyword; raise otherwise."""
    if not IDENTIFIER.match(name) or keyword.iskeyword(name):
        raise ValueError(f"not a valid identifier for generated code: {name!r}")
    return name


class ModulePrinter(NumPyPrinter):
    """NumPy source for matrix expressions (``@``, ``.T``, ``*``) and scalar bodies.

    ``names`` maps SymPy symbol names to identifiers of the generated module
    (``lambda`` -> ``L2``); every printed identifier is checked.
    ``activations`` maps an activation name to a callable ``f(printed_z) ->
    source`` for ``Activate`` nodes.
    """

    printmethod = "_symbp_numpy"

    def __init__(self, names: dict[str, str] | None = None, activations: dict | None = None):
        super().__init__({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
        self.names = names or {}
        self.placeholders: dict[str, str] = {}
        self.activations = activations or {}

    # -- names, modules, numbers --------------------------------------------
    def _module_format(self, fqn, register=True):
        return "np." + fqn[len("numpy.") :] if fqn.startswith("numpy.") else fqn

    def _print_Symbol(self, expr):
        if expr.name in self.placeholders:
            return self.placeholders[expr.name]
        return check_identifier(self.names.get(expr.name, expr.name))

    _print_MatrixSymbol = _print_Symbol

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return f"{expr.p} / {expr.q}"

    def _print_Half(self, expr):
        return "1 / 2"

    # -- scalar operators, spaced as ruff format writes them -----------------
    def _print_Mul(self, expr):
        coefficient, rest = expr.as_coeff_Mul()
        sign = ""
        if coefficient.is_negative:
            sign, coefficient = "-", -coefficient
        numerator, denominator = [], []
        for factor in sp.Mul.make_args(rest):
            if isinstance(factor, sp.Pow) and factor.exp.is_Number and factor.exp.is_negative:
                denominator.append(sp.Pow(factor.base, -factor.exp))
            else:
                numerator.append(factor)
        if coefficient.is_Rational:
            if coefficient.p != 1:
                numerator.insert(0, sp.Integer(coefficient.p))
            if coefficient.q != 1:
                denominator.insert(0, sp.Integer(coefficient.q))
        elif coefficient != 1:
            numerator.insert(0, coefficient)
        level = PRECEDENCE["Mul"]
        top = " * ".join(self.parenthesize(f, level, strict=True) for f in numerator) or "1"
        if not denominator:
            text = top
        elif len(denominator) == 1:
            text = f"{top} / {self.parenthesize(denominator[0], level)}"
        else:
            text = f"{top} / ({' * '.join(self.parenthesize(f, level, strict=True) for f in denominator)})"
        if sign and len(numerator) + len(denominator) > 1 and numerator and precedence(numerator[0]) < level:
            return f"-({text})"
        if sign and numerator and isinstance(numerator[0], sp.Pow) and not text.startswith(("1 /", "np.")):
            # ruff format writes a negated power as -(x**2)
            first = self._print(numerator[0])
            return f"-({first}){text[len(first) :]}"
        return sign + text

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.base, expr.exp
        if exponent == sp.S.Half:
            return f"np.sqrt({self._print(base)})"
        if exponent.is_Number and exponent.is_negative:
            return f"1 / {self.parenthesize(sp.Pow(base, -exponent), PRECEDENCE['Mul'])}"
        simple = base.is_Symbol or (base.is_Number and not base.is_negative and base.is_Integer)
        left = self.parenthesize(base, PRECEDENCE["Pow"])
        right = self.parenthesize(exponent, PRECEDENCE["Pow"])
        if simple and (exponent.is_Integer and not exponent.is_negative or exponent.is_Symbol):
            return f"{left}**{right}"
        if exponent.is_Rational and not exponent.is_Integer:
            right = f"({right})"
        return f"{left} ** {right}"

    def _print_Piecewise(self, expr):
        *pieces, (default, condition) = expr.args
        if condition != sp.true:
            raise ValueError("a Piecewise without a default piece cannot be printed")
        text = self._print(default)
        for value, condition in reversed(pieces):
            text = f"np.where({self._print(condition)}, {self._print(value)}, {text})"
        return text

    def _print_Heaviside(self, expr):
        middle = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return f"np.heaviside({self._print(expr.args[0])}, {self._print(sp.Float(middle))})"

    def _print_sigmoid(self, expr):
        return f"_sigmoid({self._print(expr.args[0])})"

    def _print_softplus(self, expr):
        return f"np.logaddexp(0, {self._print(expr.args[0])})"

    def _print_log_softmax(self, expr):
        return f"_log_softmax({self._print(expr.args[0])})"

    def _print_safe_log(self, expr):
        return f"_safe_log({self._print(expr.args[0])})"

    def _print_sign(self, expr):
        return f"np.sign({self._print(expr.args[0])})"

    def _print_erf(self, expr):
        return f"_erf({self._print(expr.args[0])})"

    # -- matrix nodes -------------------------------------------------------
    def _print_MatMul(self, expr):
        scalars = [arg for arg in expr.args if not arg.is_Matrix]
        matrices = [arg for arg in expr.args if arg.is_Matrix]
        level = PRECEDENCE["Mul"]
        product = " @ ".join(self.parenthesize(m, level, strict=True) for m in matrices)
        if not scalars:
            return product
        coefficient = sp.Mul(*scalars)
        if coefficient == 1:
            return product
        if coefficient == -1:
            return f"-({product})" if len(matrices) > 1 else f"-{product}"
        if len(matrices) > 1:
            product = f"({product})"
        return f"{self.parenthesize(coefficient, level, strict=True)} * {product}"

    def _print_MatAdd(self, expr):
        parts = []
        for term in expr.args:
            text = self._print(term)
            if text.startswith("-"):
                parts.append(f"- {text[1:]}" if parts else text)
            else:
                parts.append(f"+ {text}" if parts else text)
        return " ".join(parts)

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, PRECEDENCE['Atom'], strict=True)}.T"

    def _print_HadamardProduct(self, expr):
        return " * ".join(self.parenthesize(arg, PRECEDENCE["Mul"], strict=True) for arg in expr.args)

    def _print_Elementwise(self, expr: Elementwise):
        if not expr.function.expr.free_symbols & set(expr.function.variables):
            # A constant body (the delta of a cost linear in the output) is a matrix of that constant.
            return f"np.full({self._print(expr.matrices[0])}.shape, {self._print(expr.function.expr)})"
        return self.scalar(expr.function.expr, dict(zip(expr.function.variables, expr.matrices, strict=True)))

    def scalar(self, body: sp.Expr, arguments: dict) -> str:
        """A scalar body with each variable standing for the printed matrix it maps to."""
        placeholders = {}
        printed = {}
        for index, (variable, matrix) in enumerate(arguments.items()):
            placeholder = sp.Symbol(f"_arg{index}")
            placeholders[variable] = placeholder
            text = self._print(matrix)
            simple = isinstance(matrix, sp.MatrixSymbol | sp.Symbol) or IDENTIFIER.match(text)
            printed[placeholder.name] = text if simple else f"({text})"
        saved = self.placeholders
        self.placeholders = {**saved, **printed}
        try:
            return self._print(stabilise(body.xreplace(placeholders)))
        finally:
            self.placeholders = saved

    def _print_ColumnSum(self, expr: ColumnSum):
        return f"np.sum({self._print(expr.args[0])}, axis=0)"

    def _print_Broadcast(self, expr: Broadcast):
        return self._print(expr.args[0])

    def _print_Activate(self, expr: Activate):
        return self.activations[expr.activation_name](self._print(expr.args[1]))

    def parenthesize(self, item, level, strict=False):
        """Matrix nodes: symbols bare, products and sums in parentheses; scalars as SymPy does."""
        if isinstance(item, sp.MatrixSymbol | sp.Transpose | ColumnSum | Broadcast | Activate):
            return self._print(item)
        if isinstance(item, sp.MatMul | sp.MatAdd | sp.HadamardProduct | Elementwise):
            return f"({self._print(item)})"
        return super().parenthesize(item, level, strict)
