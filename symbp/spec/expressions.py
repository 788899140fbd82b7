"""Read a custom activation or cost written as plain maths, without running it.

The text is parsed by Python's own grammar (``ast.parse``), which only builds a
syntax tree; the tree is then translated node by node into SymPy, and any node
outside a small whitelist (names other than the allowed variables, attribute
access, subscripts, lambdas, ...) is refused with the column where it starts.
Nothing the user wrote is ever executed. What the reader accepts is bounded
so that SymPy cannot be sent into a hang or a recursion: the nesting depth,
the magnitude of every number (literal or folded) and of every numeric
exponent.
"""

from __future__ import annotations

import ast
import math

import numpy as np
import sympy as sp

from symbp.errors import SpecError

FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
    "atan": sp.atan,
    "erf": sp.erf,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
# For sympy.lambdify: NumPy has every function above but erf, which is applied entry by entry.
# The module object, not the name "numpy": for the name, lambdify runs `from numpy import *`,
# which makes NumPy 2 import numpy.f2py, numpy.testing and more (about 230 modules, 0.1 s).
NUMPY_MODULES = [{"erf": np.vectorize(math.erf, otypes=[float])}, np]

_BINARY = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: lambda x, y: x / y,
    ast.Pow: lambda x, y: x**y,
}
_UNARY = {ast.USub: lambda x: -x, ast.UAdd: lambda x: x}
MAX_LENGTH = 500
MAX_NESTING = 50  # operators and calls inside one another
MAX_EXPONENT = 100  # |p| of a numeric exponent in x**p
MAX_MAGNITUDE = 10**100  # |c| of any number, as written or folded (10**400 is refused before it is computed)


def parse_expression(text: object, variables: dict[str, sp.Symbol], field: str) -> sp.Expr:
    """Translate ``text`` into a SymPy expression over ``variables``.

    ``field`` names the spec field in error messages.
    """
    allowed = ", ".join(sorted(variables)) + "; functions " + ", ".join(sorted(FUNCTIONS))
    if not isinstance(text, str) or not text.strip():
        raise SpecError(field, text, f"a non-empty expression in {allowed}")
    if len(text) > MAX_LENGTH:
        raise SpecError(field, text[:40] + "...", f"an expression of at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        # Python gives no column (None or 0) when the text ends before the expression does.
        where = f"at column {error.offset}" if error.offset else "at the end: the expression is unfinished"
        raise SpecError(field, text, f"a valid expression (syntax error {where})") from None
    if _nesting(tree.body) > MAX_NESTING:
        raise SpecError(field, text, f"an expression nested at most {MAX_NESTING} deep")
    translator = _Translator(variables, field, text, allowed)
    expr = translator.visit(tree.body)
    if not isinstance(expr, sp.Expr) or expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise SpecError(field, text, "a finite expression")
    return expr


def _nesting(node: ast.AST) -> int:
    """How deep operators and calls nest (counted without recursion: the tree may be deep)."""
    deepest, pending = 0, [(node, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


class _Translator(ast.NodeVisitor):
    """Whitelisted AST node -> SymPy translation (dispatch on the node type)."""

    def __init__(self, variables, field, text, allowed):
        self.variables = variables
        self.field = field
        self.text = text
        self.allowed = allowed

    def refuse(self, node: ast.AST, what: str):
        column = getattr(node, "col_offset", 0) + 1
        raise SpecError(self.field, self.text, f"{self.allowed} ({what} at column {column})")

    def generic_visit(self, node):
        self.refuse(node, f"'{type(node).__name__}' is not allowed")

    def bounded(self, node: ast.AST, value: sp.Expr) -> sp.Expr:
        """``value`` unless it is a number larger than MAX_MAGNITUDE or folds into a too large power."""
        if isinstance(value, sp.Number) and abs(value) > MAX_MAGNITUDE:
            self.refuse(node, "a number larger than 1e100")
        if isinstance(value, sp.Pow) and isinstance(value.exp, sp.Number) and abs(value.exp) > MAX_EXPONENT:
            self.refuse(node, f"an exponent larger than {MAX_EXPONENT}")
        return value

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.refuse(node, f"constant {value!r} is not a number")
        if isinstance(value, float) and not math.isfinite(value):
            self.refuse(node, "a non-finite constant")
        if abs(value) > MAX_MAGNITUDE:
            self.refuse(node, "a number larger than 1e100")
        return sp.Integer(value) if isinstance(value, int) else sp.nsimplify(value, rational=True)

    def visit_Name(self, node):
        if node.id in self.variables:
            return self.variables[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        self.refuse(node, f"unknown name '{node.id}'")

    def visit_BinOp(self, node):
        operation = _BINARY.get(type(node.op))
        if operation is None:
            self.refuse(node, f"operator '{type(node.op).__name__}' is not allowed")
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow) and isinstance(right, sp.Number):
            self._check_power(node, left, right)
        return self.bounded(node, operation(left, right))

    def _check_power(self, node: ast.AST, base: sp.Expr, exponent: sp.Number):
        """Refuse a power before SymPy computes it: 10**10**10 would never finish."""
        if abs(exponent) > MAX_EXPONENT:
            self.refuse(node, f"an exponent larger than {MAX_EXPONENT}")
        if isinstance(base, sp.Number) and base != 0 and abs(math.log10(abs(float(base))) * exponent) > 100:
            self.refuse(node, "a power larger than 1e100")

    def visit_UnaryOp(self, node):
        operation = _UNARY.get(type(node.op))
        if operation is None:
            self.refuse(node, f"operator '{type(node.op).__name__}' is not allowed")
        return self.bounded(node, operation(self.visit(node.operand)))

    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            self.refuse(node, "only calls of the listed functions are allowed")
        if node.keywords or len(node.args) != 1:
            self.refuse(node, f"{node.func.id}() takes exactly one argument")
        return self.bounded(node, FUNCTIONS[node.func.id](self.visit(node.args[0])))
