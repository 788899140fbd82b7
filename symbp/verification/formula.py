"""Read a hand-derived backpropagation formula into a small syntax tree.

The formula is an equation: its left side names a quantity of the derivation
(dC/dw^{(l)}_{ij}, dC/db^{(l)}_j, delta^{(l)}_j or the matrix forms dC/dW^{(l)},
dC/db^{(l)}, delta^{(l)}), its right side is the claim. It is read by the lark
grammar in ``symbp.formula_grammar`` and nothing else: no ``eval``, no
``sympify``, no SymPy LaTeX parser, so text that is not a formula (Python, for
one) is refused with the column and what was expected there.

Two spellings share the grammar. LaTeX, as in the seed texts:
``\\delta^{(L)}_j = (a^{(L)}_j - t_j) \\sigma'(z^{(L)}_j)``. Plain maths:
``delta(L)_j = (a(L)_j - t_j) * sigma'(z(L)_j)``: a layer in parentheses right
after a symbol, ``_ij`` for indices, ``dC/dW(2)`` for a derivative, ``yhat``,
``.T`` for a transpose, ``*`` for the elementwise (or scalar) product and
``@`` for the matrix product. Juxtaposition and ``\\cdot`` mean the matrix
product when the shapes allow it and the elementwise product of same-shaped
matrices (the third seed text's reading); ``\\odot`` is always elementwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from symbp.errors import SymbpError
from symbp.verification.grammar import GRAMMAR

MAX_LENGTH = 2000
MAX_NESTING = 150  # parse-tree levels: about three a bracket, a sign or an operator


class FormulaError(SymbpError, ValueError):
    """A formula that cannot be read: says where (1-based column) and what was expected."""

    def __init__(self, text: str, column: int, message: str):
        self.text = text
        self.column = column
        self.reason = message
        super().__init__(f"column {column}: {message}")

    def pointer(self) -> str:
        """The formula with a caret under the offending column (two lines)."""
        return f"  {self.text}\n  {' ' * (self.column - 1)}^"


# -- the syntax tree ----------------------------------------------------------
@dataclass(frozen=True)
class Layer:
    """A layer as written: ``base`` is "L", "l" or None (a number), plus an offset."""

    base: str | None
    offset: int

    def __str__(self) -> str:
        if self.base is None:
            return str(self.offset)
        if self.offset == 0:
            return self.base
        return f"{self.base}{self.offset:+d}"

    def value(self, output: int, generic: int | None) -> int:
        """The layer number as written (display numbering), given the values of L and l."""
        if self.base is None:
            return self.offset
        if self.base == "L":
            return output + self.offset
        if generic is None:
            raise ValueError("the generic layer l has no value here")
        return generic + self.offset


@dataclass(frozen=True)
class Node:
    column: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Num(Node):
    value: float


@dataclass(frozen=True)
class Sym(Node):
    """A symbol: name in SYMBOLS' values, with optional layer and indices."""

    name: str
    layer: Layer | None = None
    indices: tuple | None = None


@dataclass(frozen=True)
class Ones(Node):
    """A column of ones (1 in 1^T M, the sum over samples)."""


@dataclass(frozen=True)
class Call(Node):
    """f(x), f'(x): ``func`` is "act" (f, g, sigma: the spec's activation) or a name in ELEMENTARY."""

    func: str
    prime: bool
    arg: Node


@dataclass(frozen=True)
class Bin(Node):
    """A binary operation; op in add, sub, juxt (also \\cdot), star (*), matmul (@), hadamard, div, pow."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True)
class Sum(Node):
    """sum over ``index`` from ``lower`` to ``upper`` (None: the index's whole range)."""

    index: str
    lower: int
    upper: Node | None
    body: Node


@dataclass(frozen=True)
class Piece(Node):
    """One line of a cases bracket: ``value`` where ``left relation right`` (relation None: otherwise)."""

    value: Node
    relation: str | None = None
    left: Node | None = None
    right: Node | None = None


@dataclass(frozen=True)
class Cases(Node):
    """\\begin{cases} ... \\end{cases}: the value of the first piece whose condition holds."""

    pieces: tuple


@dataclass(frozen=True)
class Partial(Node):
    arg: Node


SYMBOLS = {
    **dict.fromkeys(("a", "A"), "a"),
    **dict.fromkeys(("z", "Z"), "z"),
    **dict.fromkeys(("x", "X"), "x"),
    **dict.fromkeys(("t", "T"), "t"),
    **dict.fromkeys(("y", "Y"), "y"),
    **dict.fromkeys(("w", "W"), "w"),
    **dict.fromkeys(("b",), "b"),
    **dict.fromkeys(("\\delta", "delta", "δ"), "delta"),
    **dict.fromkeys(("C", "J", "E"), "cost"),
    "N": "N",
    "n": "width",
    "e": "e",
}
# functions a formula may apply besides the activation; NumPy and SymPy spell them alike
ELEMENTARY = ("exp", "log", "tanh", "sinh", "cosh")
FUNCTIONS = {
    **dict.fromkeys(("\\sigma", "sigma", "σ", "f", "g"), "act"),
    **dict.fromkeys(("\\ln", "ln"), "log"),
    **{spelling: name for name in ELEMENTARY for spelling in ("\\" + name, name)},
}
RELATIONS = {
    **dict.fromkeys((">", "\\gt"), ">"),
    **dict.fromkeys(("<", "\\lt"), "<"),
    **dict.fromkeys((">=", "\\geq", "\\ge", "≥"), ">="),
    **dict.fromkeys(("<=", "\\leq", "\\le", "≤"), "<="),
}
OPERATORS = {
    "\\cdot": "juxt",
    "\\times": "juxt",
    "·": "juxt",
    "*": "star",
    "@": "matmul",
    "/": "div",
    "\\odot": "hadamard",
    "\\circ": "hadamard",
    "⊙": "hadamard",
    "∘": "hadamard",
}
_LAYER = re.compile(r"[(\[]\s*(?:([0-9]+)|([Ll])(?:\s*([+-])\s*([0-9]+))?)\s*[)\]]")
_SUB_LAYER = re.compile(r"^\s*(?:([0-9]+)|([Ll])(?:\s*([+-])\s*([0-9]+))?)\s*$")
_LOWER_LIMIT = re.compile(r"^\s*([a-zA-Z])\s*(?:=\s*([0-9]+))?\s*$")


def _layer_from_match(match: re.Match) -> Layer:
    number, base, sign, amount = match.groups()
    if number is not None:
        return Layer(None, int(number))
    offset = int(amount) * (-1 if sign == "-" else 1) if amount else 0
    return Layer(base, offset)


class _Invalid(Exception):
    """Raised inside the transformer; becomes a FormulaError with the column."""

    def __init__(self, column: int, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def _sub_content(token: Token) -> str:
    body = token.value[1:].strip()
    return body[1:-1] if body.startswith("{") else body


def _indices(token: Token) -> tuple:
    """``_{ij}`` -> ("i", "j"); ``_{i,j}`` -> ("i", "j"); ``_{12}`` -> (1, 2) (1-based)."""
    content = _sub_content(token).replace(" ", "")
    parts = content.split(",") if "," in content else list(content)
    result = []
    for part in parts:
        if part.isdigit():
            result.append(int(part))
        elif re.fullmatch(r"[a-zA-Z]", part):
            result.append(part)
        else:
            raise _Invalid(token.column, f"a subscript of index letters or numbers, not '{content}'")
    if not result:
        raise _Invalid(token.column, "an index inside the subscript")
    return tuple(result)


class _ToTree(Transformer):
    """lark parse tree -> the dataclass nodes above."""

    def equation(self, children):
        left, _, right = children
        return left, right

    def add(self, children):
        return Bin("add", children[0], children[2], column=children[1].column)

    def sub(self, children):
        return Bin("sub", children[0], children[2], column=children[1].column)

    def neg(self, children):
        return Neg(children[1], column=children[0].column)

    def pos(self, children):
        return children[1]

    def juxt(self, children):
        return Bin("juxt", children[0], children[1], column=children[1].column)

    def binop(self, children):
        left, op, right = children
        operator = OPERATORS[op.value.strip()]
        if operator == "div":
            return _quotient(left, right, op.column)
        return Bin(operator, left, right, column=op.column)

    def transpose(self, children):
        return Transpose(children[0], column=children[1].column)

    def power(self, children):
        base, caret, *rest = children
        exponent = rest[1] if len(rest) == 3 else _number(rest[0])
        if isinstance(base, Sym) and base.name == "e" and base.layer is None and base.indices is None:
            return Call("exp", False, exponent, column=base.column)
        return Bin("pow", base, exponent, column=caret.column)

    def entrywise_power(self, children):
        """A^{\\circ 2}: the entrywise power symbp's documents print; powers of matrices are entrywise."""
        base, token = children
        exponent = Num(float(re.search(r"[0-9]+", token.value).group()), column=token.column)
        return Bin("pow", base, exponent, column=token.column)

    def number(self, children):
        return _number(children[0])

    def ones(self, children):
        return Ones(column=children[0].column)

    def group(self, children):
        return children[1]

    def call(self, children):
        func = children[0]
        prime = len(children) == 3
        return Call(FUNCTIONS[func.value], prime, children[-1], column=func.column)

    def frac(self, children):
        return _quotient(children[2], children[5], children[0].column)

    def piece(self, children):
        value, _amp, *rest = children
        left, relation, right = rest[-3:]
        return Piece(value, RELATIONS[relation.value], left, right, column=relation.column)

    def otherwise(self, children):
        return Piece(children[0], column=children[2].column)

    def cases(self, children):
        pieces = tuple(child for child in children if isinstance(child, Piece))
        if any(piece.relation is None for piece in pieces[:-1]):
            raise _Invalid(children[0].column, "'otherwise' only on the last line of the cases")
        return Cases(pieces, column=children[0].column)

    def partial(self, children):
        return Partial(children[1], column=children[0].column)

    def upper(self, children):
        value = children[-2] if len(children) == 4 else children[1]
        if isinstance(value, Token):
            return _number(value) if value.type == "NUMBER" else _symbol(value, [])
        return value

    def summation(self, children):
        token = children[0]
        rest = children[1:]
        index, lower = None, 1
        if rest and isinstance(rest[0], Token) and rest[0].type == "SUB":
            match = _LOWER_LIMIT.match(_sub_content(rest[0]))
            if not match:
                raise _Invalid(rest[0].column, "a summation index like _{k} or _{k=1}")
            index, lower = match.group(1), int(match.group(2) or 1)
            rest = rest[1:]
        if index is None:
            raise _Invalid(token.column, "a summation index after \\sum (\\sum_{k} or \\sum_{k=1}^{n})")
        upper = rest[0] if len(rest) == 2 else None
        return Sum(index, lower, upper, rest[-1], column=token.column)

    def symbol(self, children):
        return _symbol(children[0], children[1:])


def _quotient(top: Node, bottom: Node, column: int) -> Node:
    """top / bottom; da/dz of one layer and entry is f'(z) of that layer, as symbp's documents print it."""
    if (
        isinstance(top, Partial)
        and isinstance(bottom, Partial)
        and isinstance(top.arg, Sym)
        and isinstance(bottom.arg, Sym)
        and (top.arg.name, bottom.arg.name) == ("a", "z")
    ):
        if (top.arg.layer, top.arg.indices) != (bottom.arg.layer, bottom.arg.indices):
            raise _Invalid(column, "da/dz of one neuron: the same layer and subscript on a and z")
        return Call("act", True, bottom.arg, column=column)
    return Bin("div", top, bottom, column=column)


def _number(token: Token) -> Num:
    return Num(float(token.value), column=token.column)


def _symbol(head: Token, suffixes: list) -> Sym | Transpose:
    """A symbol with its layer and subscript; W^{(l)T} (as symbp's documents print it) is (W^{(l)})^T."""
    name = "yhat" if head.type == "HAT_Y" else SYMBOLS[head.value]
    layer = indices = None
    transposed = False
    for suffix in suffixes:
        if suffix.type in ("LAYER_SUP", "PLAIN_LAYER"):
            if layer is not None:
                raise _Invalid(suffix.column, "one layer index per symbol")
            layer = _layer_from_match(_LAYER.search(suffix.value))
            transposed = suffix.type == "LAYER_SUP" and bool(re.search(r"(T|\\top)\s*\}$", suffix.value))
        elif transposed:
            raise _Invalid(suffix.column, "no subscript on a transposed matrix")
        elif indices is not None or (name == "width" and layer is not None):
            raise _Invalid(suffix.column, "one subscript per symbol")
        elif name == "width":
            match = _SUB_LAYER.match(_sub_content(suffix))
            if not match:
                raise _Invalid(suffix.column, "a layer as the subscript of n (n_l, n_{l+1}, n_L)")
            layer = _layer_from_match(match)
        else:
            indices = _indices(suffix)
    symbol = Sym(name, layer, indices, column=head.column)
    return Transpose(symbol, column=head.column) if transposed else symbol


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)


TERMINAL_NAMES = {
    "EQ": "'='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MULOP": "an operator (\\cdot, *, @, /, \\odot)",
    "CARET": "'^'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "NUMBER": "a number",
    "FRAC": "\\frac",
    "SUM": "\\sum",
    "FUNC": "a function (\\sigma, f, \\exp, \\log, \\tanh, \\sinh, \\cosh)",
    "PRIME": "a prime (')",
    "PARTIAL": "\\partial",
    "HAT_Y": "\\hat{y}",
    "NAME": "a symbol (a, z, x, t, y, w, W, b, N)",
    "DELTA": "\\delta",
    "ONES": "\\mathbf{1}",
    "TRANSPOSE": "a transpose (^T)",
    "LAYER_SUP": "a layer superscript (^{(l)})",
    "ENTRYWISE_POWER": "an entrywise power (^{\\circ 2})",
    "CASES_BEGIN": "\\begin{cases}",
    "CASES_END": "\\end{cases}",
    "ROW_END": "\\\\ (the end of a line of cases)",
    "AMP": "&",
    "CASE_IF": "\\text{for}",
    "CASE_ELSE": "\\text{otherwise}",
    "RELATION": "a comparison (>, <, \\geq, \\leq)",
    "PLAIN_LAYER": "a layer in parentheses ((l))",
    "SUB": "a subscript (_{ij})",
    "$END": "the end of the formula",
}
_OPERAND_START = {"NUMBER", "NAME", "DELTA", "HAT_Y", "LPAR", "LBRACE", "FRAC", "FUNC", "PARTIAL", "ONES"}
_OPERAND_START |= {"SUM"}


def describe_expected(names) -> str:
    """Human words for a set of lark terminal names."""
    names = set(names)
    words = []
    if len(names & _OPERAND_START) >= 4:
        words.append("an operand (a symbol, number, function, \\frac, \\sum or '(')")
        names -= _OPERAND_START
    words += sorted(TERMINAL_NAMES.get(name, name) for name in names)
    return ", ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " or " + words[-1]


def _shown(text: str, column: int) -> str | None:
    """The text at a column (None at the end)."""
    if column > len(text.rstrip()):
        return None
    return repr(text[column - 1 :].split()[0][:12])


def _unexpected_character(text: str, column: int, allowed) -> str:
    char = text[column - 1]
    if char.isalpha() or char == "_":
        name = re.match(r"\w+", text[column - 1 :])[0][:12]
        return (
            f"unknown name starting {name!r}; symbols are a, z, x, t, y, \\hat{{y}}, w, W, b, \\delta, "
            "N, n_l, e; functions \\sigma, f, g, \\exp, \\log, \\tanh"
        )
    return f"unexpected character {char!r}; expected {describe_expected(allowed or ())}"


def _check_nesting(text: str, tree) -> None:
    """Refuse a parse tree nested deeper than MAX_NESTING before anything walks it recursively.

    The grammar's parser is iterative, so 900 nested braces parse; the tree
    walks after it (transformer, evaluation, proof) are recursive.
    """
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_NESTING:
            column = getattr(node.meta, "column", 1) if hasattr(node, "meta") else getattr(node, "column", 1)
            raise FormulaError(
                text, column or 1, f"nesting (brackets, signs, operators) at most {MAX_NESTING} levels deep"
            )
        pending.extend((child, depth + 1) for child in getattr(node, "children", ()))


def parse_tree(text: str) -> tuple[Node, Node]:
    """(left side, right side) of a formula, or FormulaError pointing at the column."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(str(text), 1, "expected a formula 'quantity = expression'")
    if len(text) > MAX_LENGTH:
        raise FormulaError(text[:60], 1, f"a formula of at most {MAX_LENGTH} characters")
    if "\n" in text.strip():
        raise FormulaError(text, text.index("\n") + 1, "one formula per line")
    try:
        tree = _parser().parse(text)
        _check_nesting(text, tree)
        return _ToTree().transform(tree)
    except UnexpectedCharacters as error:
        message = _unexpected_character(text, error.column, error.allowed)
        raise FormulaError(text, error.column, message) from None
    except UnexpectedToken as error:
        column = error.column if error.token.type != "$END" else len(text.rstrip()) + 1
        if not isinstance(column, int) or column < 1:
            column = len(text.rstrip()) + 1
        expected = describe_expected(error.expected)
        found = _shown(text, column)
        what = "the formula ends too early" if found is None else f"unexpected {found}"
        raise FormulaError(text, column, f"{what}; expected {expected}") from None
    except UnexpectedInput as error:
        column = getattr(error, "column", len(text) + 1)
        raise FormulaError(text, column, "the formula is incomplete") from None
    except VisitError as error:
        if isinstance(error.orig_exc, _Invalid):
            raise FormulaError(text, error.orig_exc.column, error.orig_exc.message) from None
        raise


# -- what the formula claims -------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    """The left side: ``kind`` is "w", "b" or "delta"; ``indices`` None for the matrix form."""

    kind: str
    layer: Layer | None
    indices: tuple | None
    cost: str = "C"

    @property
    def matrix(self) -> bool:
        return self.indices is None


@dataclass(frozen=True)
class Formula:
    """A read formula: the quantity it defines and the claimed right side."""

    text: str
    quantity: Quantity
    rhs: Node

    @property
    def matrix(self) -> bool:
        return self.quantity.matrix

    @property
    def per_sample(self) -> bool:
        """An index formula with no sample index n and no N describes one sample's cost term."""
        if self.matrix:
            return False
        names = {node.name for node in walk(self.rhs) if isinstance(node, Sym)}
        indices = set(self.quantity.indices)
        for node in walk(self.rhs):
            if isinstance(node, Sym) and node.indices:
                indices |= set(node.indices)
            if isinstance(node, Sum):
                indices.add(node.index)
        return "n" not in indices and "N" not in names

    def symbols(self) -> set[str]:
        return {node.name for node in walk(self.rhs) if isinstance(node, Sym)}

    def generic(self) -> bool:
        """True when a layer is written with the generic l (checked for every layer it fits)."""
        layers = [self.quantity.layer] + [node.layer for node in walk(self.rhs) if isinstance(node, Sym)]
        return any(layer is not None and layer.base == "l" for layer in layers)


def walk(node: Node):
    """Every node of a tree, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple:
    if isinstance(node, Bin):
        return (node.left, node.right)
    if isinstance(node, Neg | Transpose | Partial | Call):
        return (node.arg,)
    if isinstance(node, Sum):
        return (node.body,) if node.upper is None else (node.upper, node.body)
    if isinstance(node, Cases):
        return node.pieces
    if isinstance(node, Piece):
        return (node.value,) if node.relation is None else (node.value, node.left, node.right)
    return ()


_QUANTITY_WORDS = (
    "the left side must name a quantity: \\frac{\\partial C}{\\partial w^{(l)}_{ij}}, "
    "\\frac{\\partial C}{\\partial b^{(l)}_j}, \\delta^{(l)}_j "
    "or a matrix form (W^{(l)}, b^{(l)}, \\delta^{(l)})"
)
_INDEX_COUNT = {"w": (2,), "b": (1,), "delta": (1, 2)}


def _quantity(text: str, left: Node) -> Quantity:
    cost = "C"
    target = left
    if isinstance(left, Bin) and left.op == "div":
        top, bottom = left.left, left.right
        if not (isinstance(top, Partial) and isinstance(top.arg, Sym) and top.arg.name == "cost"):
            raise FormulaError(text, left.column, _QUANTITY_WORDS + " (numerator: \\partial C, J or E)")
        if not (isinstance(bottom, Partial) and isinstance(bottom.arg, Sym)):
            raise FormulaError(text, bottom.column, _QUANTITY_WORDS)
        cost = text[top.arg.column - 1]
        target = bottom.arg
        if target.name == "z":
            target = Sym("delta", target.layer, target.indices, column=target.column)
    if not isinstance(target, Sym) or target.name not in _INDEX_COUNT:
        raise FormulaError(text, target.column, _QUANTITY_WORDS)
    if target.indices is not None and len(target.indices) not in _INDEX_COUNT[target.name]:
        wanted = " or ".join(str(count) for count in _INDEX_COUNT[target.name])
        raise FormulaError(text, target.column, f"{wanted} subscript index(es) on the left side")
    return Quantity(target.name, target.layer, target.indices, cost)


def parse_formula(text: str) -> Formula:
    """Read ``text`` into a Formula, or raise FormulaError (column + what was expected)."""
    left, right = parse_tree(text)
    quantity = _quantity(text, left)
    for node in walk(right):
        if isinstance(node, Partial):
            raise FormulaError(text, node.column, "\\partial only on the left side")
        if isinstance(node, Sym) and node.name == "cost":
            raise FormulaError(text, node.column, "the cost (C, J, E) only on the left side")
        if isinstance(node, Sym) and node.name in ("N", "e") and node.indices:
            raise FormulaError(text, node.column, f"no subscript on {text[node.column - 1]}")
    if quantity.matrix:
        stray = _subscript_not_summed(right, frozenset())
        if stray is not None:
            message = (
                "no subscripts on the right side of a matrix formula (the left side has none), "
                "except a sample index summed over: \\sum_n \\delta^{(l)}_n"
            )
            raise FormulaError(text, stray.column, message)
    return Formula(text, quantity, right)


def _subscript_not_summed(node: Node, summed: frozenset) -> Sym | None:
    """The first symbol whose subscript is not a single index of an enclosing sum (a row: one sample).

    Weights and biases have no row per sample, so any subscript on them counts.
    """
    if isinstance(node, Sym) and node.indices is not None:
        if len(node.indices) != 1 or node.indices[0] not in summed or node.name in ("w", "b"):
            return node
    if isinstance(node, Sum):
        summed = summed | {node.index}
    for child in children(node):
        found = _subscript_not_summed(child, summed)
        if found is not None:
            return found
    return None
