"""Read a hand-derived backpropagation formula into a small syntax tree.

The formula is an equation: its left side names a quantity of the derivation
(dC/dw^{(l)}_{ij}, dC/db^{(l)}_j, delta^{(l)}_j or the matrix forms dC/dW^{(l)},
dC/db^{(l)}, delta^{(l)}), its right side is the claim. It is read through a Notation (its symbols,
layer marks, index order; ``symbp.verification.lexicon``) by the lark grammar
in ``symbp.verification.grammar`` and nothing else: no ``eval``, no
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

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from symbp.errors import SymbpError
from symbp.spec.notation import SEED, Notation
from symbp.verification.grammar import grammar_for
from symbp.verification.lexicon import ELEMENTARY, Lexicon, lexicon

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
    shown: str | None = field(default=None, compare=False)  # a named layer as written (^{(h)})
    implied: bool = field(default=False, compare=False)  # read off a unit letter (Bishop's z_j), not written
    letter: str | None = field(default=None, compare=False)  # the generic letter as written (Goodfellow's k)

    def __str__(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.base is None:
            return str(self.offset)
        base = self.letter or self.base
        if self.offset == 0:
            return base
        return f"{base}{self.offset:+d}"

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
    """A symbol: ``name`` is its role (lexicon.ROLES), with optional layer and indices.

    ``spelling`` is how the formula wrote it (\\Theta for the role w), for diagnoses in the reader's symbols.
    """

    name: str
    layer: Layer | None = None
    indices: tuple | None = None
    spelling: str | None = field(default=None, compare=False)


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


@dataclass(frozen=True)
class Gradient(Node):
    """The cost's gradient by a symbol (\\frac{\\partial C}{\\partial a^L_j}, \\nabla_{W^{(k)}} J, dZ)."""

    by: Node
    cost: str = "C"


@dataclass(frozen=True)
class NpSum(Node):
    """np.sum(M, axis=k, keepdims=...): the sum of the rows (axis 0) or columns (axis 1), or of all."""

    arg: Node
    axis: int | None = None


__all__ = ["ELEMENTARY", "Formula", "FormulaError", "parse_formula", "parse_tree"]
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
    ".*": "hadamard",
    "\\bullet": "hadamard",
    "•": "hadamard",
}
_PLAIN_LAYER = re.compile(r"[(\[]\s*(?:([0-9]+)|([Ll])(?:\s*([+-])\s*([0-9]+))?)\s*[)\]]")
_LAYER = re.compile(r"(n_\s*\{?\s*l\s*\}?)|([0-9]+)|([Llk])(?:\s*([+-])\s*([0-9]+))?")
_SUB_LAYER = re.compile(r"^\s*(?:([0-9]+)|([Ll])(?:\s*([+-])\s*([0-9]+))?)\s*$")
_LOWER_LIMIT = re.compile(r"^\s*([a-zA-Z])\s*(?:=\s*([0-9]+))?\s*$")


def _layer_from_match(match: re.Match) -> Layer:
    number, base, sign, amount = match.groups()
    if number is not None:
        return Layer(None, int(number))
    offset = int(amount) * (-1 if sign == "-" else 1) if amount else 0
    return Layer(base, offset)


def _layer_from_mark(text: str, notation: Notation) -> Layer:
    """The layer a mark names: ^{(l)}, ^l, ^{[l+1]}, ^{(n_l)} (the output layer), ^{(out)} (named layers)."""
    mark = text[text.index("^") + 1 :]
    named = re.search(r"\(\s*([^()\s]+)\s*\)", mark)
    if notation.layer_style == "named" and named and named.group(1) in notation.layer_names:
        written = named.group(1)
        bottom, hidden, top = notation.layer_names
        if written == bottom:
            return Layer(None, notation.input_layer, shown=written)
        return Layer("L", 0 if written == top else -1, shown=written)
    output, number, base, sign, amount = _LAYER.search(mark).groups()
    if output is not None:
        return Layer("L", 0, shown="n_l")
    if number is not None:
        return Layer(None, int(number))
    offset = int(amount) * (-1 if sign == "-" else 1) if amount else 0
    return Layer("L" if base == "L" else "l", offset, letter=None if base in "lL" else base)


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
    """lark parse tree -> the dataclass nodes above; symbols and functions resolve through a Lexicon."""

    def __init__(self, words: Lexicon):
        super().__init__()
        self.words = words

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
        operand = children[0]
        if isinstance(operand, Num) and operand.value == 1:
            # 1^T M, as texts write the sum over samples: a transposed number 1 can only be the ones column
            operand = Ones(column=operand.column)
        return Transpose(operand, column=children[1].column)

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
        """f(z), f'(z), g^{[l]\\prime}(Z^{[l]}), f'_j(net_j): a layer or subscript on f only says which f."""
        func = children[0]
        marks = [child for child in children[1:-1] if isinstance(child, Token)]
        prime = any(
            mark.type == "PRIME" or (mark.type == "LAYER_SUP" and re.search(r"(\\prime|')\s*\}$", mark.value))
            for mark in marks
        )
        return Call(self.words.function(func.value), prime, children[-1], column=func.column)

    def np_dot(self, children):
        return Bin("matmul", children[2], children[4], column=children[0].column)

    def np_power(self, children):
        return Bin("pow", children[2], children[4], column=children[0].column)

    def np_multiply(self, children):
        return Bin("hadamard", children[2], children[4], column=children[0].column)

    def np_sum(self, children):
        axis = None
        for keyword in children[3:]:
            if isinstance(keyword, tuple) and keyword[0] == "axis":
                axis = keyword[1]
        if axis not in (None, 0, 1):
            raise _Invalid(children[0].column, "np.sum over axis 0 (the rows) or 1 (the columns)")
        return NpSum(children[2], axis, column=children[0].column)

    def keyword(self, children):
        name, _, value = children
        if name.type == "KW_AXIS":
            return ("axis", int(float(value.value)))
        return ("keepdims", value.value == "True")

    def nabla(self, children):
        """\\nabla_{W^{(k)}} J, \\nabla_a C: the gradient of the cost (the last symbol) by the first."""
        by, cost = (children[2], children[4]) if len(children) == 5 else (children[1], children[2])
        return _gradient(by, cost, children[0].column)

    def derivative_of(self, children):
        """\\frac{\\partial}{\\partial \\Theta^{(l)}_{ij}} J(\\Theta): the derivative operator on the cost."""
        by = children[5]
        if not isinstance(by, Partial):
            raise _Invalid(
                children[0].column, "\\frac{\\partial}{\\partial x} with \\partial in the denominator"
            )
        return _gradient(by.arg, children[7], children[0].column)

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
            return _number(value) if value.type == "DIGIT" else _symbol(value, [], self.words)
        return value

    def summation(self, children):
        token, *rest = children
        limits = [child for child in rest if isinstance(child, Token) and child.type == "SUM_LOWER"]
        if not limits:
            raise _Invalid(token.column, "a summation index after \\sum (\\sum_{k} or \\sum_{k=1}^{n})")
        match = _LOWER_LIMIT.match(_sub_content(limits[0]))
        if not match:
            raise _Invalid(limits[0].column, "a summation index like _{k} or _{k=1}")
        index, lower = match.group(1), int(match.group(2) or 1)
        nodes = [child for child in rest if child is not limits[0]]  # [upper,] body
        upper = nodes[0] if len(nodes) == 2 else None
        return Sum(index, lower, upper, nodes[-1], column=token.column)

    def symbol(self, children):
        return _symbol(children[0], children[1:], self.words)


def _gradient(by: Node, cost: Node, column: int) -> Gradient:
    if not (isinstance(cost, Sym) and cost.name == "cost"):
        raise _Invalid(getattr(cost, "column", column), "the gradient of the cost (C, J, E, L)")
    return Gradient(by, cost.spelling or "C", column=column)


def _quotient(top: Node, bottom: Node, column: int) -> Node:
    """top / bottom; da/dz of one layer and entry is f'(z) of that layer, as symbp's documents print it.

    dC/dx (the cost over a symbol) is the cost's gradient by x.
    """
    if (
        isinstance(top, Partial)
        and isinstance(bottom, Partial)
        and isinstance(top.arg, Sym)
        and top.arg.name == "cost"
    ):
        return Gradient(bottom.arg, top.arg.spelling or "C", column=column)
    if (
        isinstance(top, Partial)
        and isinstance(bottom, Partial)
        and isinstance(top.arg, Call)
        and top.arg.func == "act"
        and not top.arg.prime
        and top.arg.arg == bottom.arg
    ):
        return Call("act", True, bottom.arg, column=column)  # d phi(z)/dz (Raschka)
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


def _symbol(head: Token, suffixes: list, words: Lexicon) -> Sym | Transpose:
    """A symbol with its layer and subscript; W^{(l)T} (as symbp's documents print it) is (W^{(l)})^T."""
    name = words.role(head.value)
    if name is None:
        raise _Invalid(head.column, f"'{head.value}' is not a symbol of the {words.notation.name} notation")
    spelling = " ".join(head.value.split())
    if name == "N" and any(
        suffix.type == "SUB" and _SUB_LAYER.match(_sub_content(suffix)) and not _sub_content(suffix).isdigit()
        for suffix in suffixes
    ):
        name = "width"  # n_l, n_{l+1}: a layer's width, in a notation whose n counts the samples
    layer = indices = None
    transposed = False
    for suffix in suffixes:
        if suffix.type in ("LAYER_SUP", "PLAIN_LAYER"):
            if layer is not None:
                raise _Invalid(suffix.column, "one layer index per symbol")
            if suffix.type == "PLAIN_LAYER":
                layer = _layer_from_match(_PLAIN_LAYER.search(suffix.value))
            else:
                layer = _layer_from_mark(suffix.value, words.notation)
            transposed = suffix.type == "LAYER_SUP" and bool(re.search(r"(T|\\top)\s*\}$", suffix.value))
            if suffix.type == "LAYER_SUP" and re.search(r"(\\prime|')\s*\}$", suffix.value):
                raise _Invalid(suffix.column, "a prime only on a function (f', g^{[l]\\prime})")
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
    symbol = Sym(name, layer, indices, spelling=spelling, column=head.column)
    return Transpose(symbol, column=head.column) if transposed else symbol


@cache
def _parser(words: Lexicon) -> Lark:
    notation = words.notation
    grammar = grammar_for(
        words.symbol_pattern(), words.function_pattern(), notation.layer_style, notation.layer_names
    )
    return Lark(grammar, parser="lalr", lexer="contextual", maybe_placeholders=False)


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
    "NAME": "a symbol (a, z, x, t, y, w, W, b, N)",
    "NABLA": "\\nabla_",
    "NP_DOT": "np.dot",
    "NP_SUM": "np.sum",
    "NP_POWER": "np.power",
    "NP_MULTIPLY": "np.multiply",
    "COMMA": "','",
    "KW_AXIS": "axis",
    "KW_KEEPDIMS": "keepdims",
    "BOOL": "True or False",
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
    "SUM_LOWER": "a summation index (_{k} or _{k=1})",
    "DIGIT": "a digit",
    "$END": "the end of the formula",
}
_OPERAND_START = {"NUMBER", "NAME", "LPAR", "LBRACE", "FRAC", "FUNC", "PARTIAL", "ONES", "SUM"}
_OPERAND_START |= {"NABLA", "NP_DOT", "NP_SUM", "NP_POWER", "NP_MULTIPLY", "CASES_BEGIN"}


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


def _unexpected_character(text: str, column: int, allowed, words: Lexicon) -> str:
    char = text[column - 1]
    word = re.match(r"\\?[A-Za-z_]\w*", text[column - 1 :])
    if word:
        name = word[0][:12]
        notation = words.notation
        symbols = ", ".join(
            value
            for value in dict.fromkeys(
                getattr(notation, field)
                for field in ("pre_activation", "activation", "input", "target", "weight", "weight_matrix")
                + ("bias", "delta", "samples")
            )
            if value
        )
        return (
            f"unknown name starting {name!r}; symbols of the {notation.name} notation are {symbols}; "
            f"functions {notation.function}, \\exp, \\log, \\tanh"
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


def parse_tree(text: str, notation: Notation = SEED) -> tuple[Node, Node]:
    """(left side, right side) of a formula read in ``notation``, or FormulaError pointing at the column."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(str(text), 1, "expected a formula 'quantity = expression'")
    if len(text) > MAX_LENGTH:
        raise FormulaError(text[:60], 1, f"a formula of at most {MAX_LENGTH} characters")
    if "\n" in text.strip():
        raise FormulaError(text, text.index("\n") + 1, "one formula per line")
    words = lexicon(notation)
    try:
        tree = _parser(words).parse(text)
        _check_nesting(text, tree)
        return _ToTree(words).transform(tree)
    except UnexpectedCharacters as error:
        message = _unexpected_character(text, error.column, error.allowed, words)
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
    """The left side: ``kind`` is "w", "b", "delta", "dz" (dC/dz, which is delta unless the notation signs
    or scales delta) or "act" (dC/da); ``indices`` None for the matrix form."""

    kind: str
    layer: Layer | None
    indices: tuple | None
    cost: str = "C"

    @property
    def matrix(self) -> bool:
        return self.indices is None


@dataclass(frozen=True)
class Formula:
    """A read formula: the quantity it defines, the claimed right side, and the notation it was read in."""

    text: str
    quantity: Quantity
    rhs: Node
    notation: Notation = field(default=SEED, compare=False)

    @property
    def matrix(self) -> bool:
        return self.quantity.matrix

    @property
    def per_sample(self) -> bool:
        """Does the formula describe one sample's cost term (checked on one-sample batches)?

        An index formula does when it has no sample index and no N; a matrix formula does in a column
        layout that writes one sample as a column vector (Nielsen's delta^l, Ng's delta^{(l)}).
        """
        names = {node.name for node in walk(self.rhs) if isinstance(node, Sym)}
        if "accumulator" in names:
            return False  # Ng's Delta sums the examples
        if self.matrix:
            return self.notation.layout == "column" and not self.notation.batch_columns
        if "N" in names:
            return False
        indices = set(self.quantity.indices)
        for node in walk(self.rhs):
            if isinstance(node, Sym) and node.indices:
                indices |= set(node.indices)
            if isinstance(node, Sum):
                indices.add(node.index)
        letter = self.sample
        # E_p, L_i: the cost of one sample, whose index then names that sample
        return letter not in indices or re.search(rf"_\{{?{letter}\}}?$", self.quantity.cost) is not None

    @property
    def sample(self) -> str | None:
        """The notation's sample letter when this formula subscripts a sample with it (delta_{nj},
        o_{pj}, \\sum_n x_n), None when it uses the letter for units (Raschka's w_{i,j}, a_i).

        A sample is the first of two subscripts on a per-sample symbol; the letter names a unit when
        it subscripts a weight or a bias, or is a unit's only subscript in a notation whose weights use it.
        """
        letter = self.notation.sample_index
        if letter in self.notation.unit_letters:
            return None
        quantity = Sym(self.quantity.kind, self.quantity.layer, self.quantity.indices)
        symbols = [quantity] + [node for node in walk(self.rhs) if isinstance(node, Sym) and node.indices]
        as_sample = as_unit = False
        for sym in symbols:
            if not sym.indices or letter not in sym.indices:
                continue
            if sym.name in ("w", "b", "accumulator", "gradient"):
                as_unit = True
            elif len(sym.indices) == 2:
                as_sample = as_sample or sym.indices[0] == letter
                as_unit = as_unit or sym.indices[1] == letter
        if as_sample and not as_unit:
            return letter
        if as_unit:
            return None
        return None if letter in self.notation.index_letters else letter

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
    if isinstance(node, Neg | Transpose | Partial | Call | NpSum):
        return (node.arg,)
    if isinstance(node, Gradient):
        return (node.by,)
    if isinstance(node, Sum):
        return (node.body,) if node.upper is None else (node.upper, node.body)
    if isinstance(node, Cases):
        return node.pieces
    if isinstance(node, Piece):
        return (node.value,) if node.relation is None else (node.value, node.left, node.right)
    return ()


def map_children(node: Node, function) -> Node:
    """``node`` with ``function`` applied to each child (a Node field, or a tuple of them: the cases)."""
    changes = {}
    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        if isinstance(value, Node):
            mapped = function(value)
        elif isinstance(value, tuple) and value and all(isinstance(part, Node) for part in value):
            mapped = tuple(function(part) for part in value)
        else:
            continue
        if any(after is not before for after, before in zip(_parts(mapped), _parts(value), strict=True)):
            changes[item.name] = mapped
    return dataclasses.replace(node, **changes) if changes else node


def _parts(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


_QUANTITY_WORDS = (
    "the left side must name a quantity: \\frac{\\partial C}{\\partial w^{(l)}_{ij}}, "
    "\\frac{\\partial C}{\\partial b^{(l)}_j}, \\delta^{(l)}_j, \\frac{\\partial C}{\\partial a^{(l)}_j} "
    "or a matrix form (W^{(l)}, b^{(l)}, \\delta^{(l)}, \\nabla_{W^{(l)}} C, dW^{(l)})"
)
_INDEX_COUNT = {"w": (2,), "b": (1,), "delta": (1, 2), "dz": (1, 2), "act": (1, 2)}
# what the gradient of the cost by a symbol is: dC/dz is delta, dC/da the activation's gradient
_GRADIENT_OF = {"z": "dz", "a": "act", "yhat": "act", "x": "act", "w": "w", "b": "b"}


def _gradient_target(by: Node, notation: Notation) -> Sym | None:
    """The quantity a gradient by ``by`` names, as a symbol of kind w, b, delta or act (None: nothing)."""
    if not isinstance(by, Sym) or by.name not in _GRADIENT_OF:
        return None
    layer = by.layer
    if by.name == "yhat":
        layer = Layer("L", 0)
    elif by.name == "x":
        layer = Layer(None, notation.input_layer)
    return Sym(_GRADIENT_OF[by.name], layer, by.indices, spelling=by.spelling, column=by.column)


def _quantity(text: str, left: Node, notation: Notation) -> Quantity:
    cost = notation.cost
    target = left
    if isinstance(left, Gradient | Partial):
        by = left.by if isinstance(left, Gradient) else left.arg
        cost = left.cost if isinstance(left, Gradient) else cost
        target = _gradient_target(by, notation)
        if target is None:
            raise FormulaError(text, by.column, _QUANTITY_WORDS)
    elif isinstance(left, Bin) and left.op == "div":
        raise FormulaError(text, left.column, _QUANTITY_WORDS + " (numerator: \\partial C, J or E)")
    elif isinstance(target, Sym) and target.name == "gradient":
        target = Sym("w", target.layer, target.indices, column=target.column)  # Ng's D^{(l)}
    elif not isinstance(target, Sym) or target.name not in ("w", "b", "delta"):
        raise FormulaError(text, target.column, _QUANTITY_WORDS)
    if target.indices is not None and len(target.indices) not in _INDEX_COUNT[target.name]:
        wanted = " or ".join(str(count) for count in _INDEX_COUNT[target.name])
        raise FormulaError(text, target.column, f"{wanted} subscript index(es) on the left side")
    return Quantity(target.name, target.layer, target.indices, cost)


def _gradients_as_symbols(text: str, node: Node, notation: Notation) -> Node:
    """The right side with each gradient of the cost (dC/dz, \\nabla_a C, dA) as the symbol it names."""
    by = node.by if isinstance(node, Gradient) else node.arg if isinstance(node, Partial) else None
    if by is not None:
        target = _gradient_target(by, notation)
        if target is None or target.name not in ("dz", "act"):
            what = "\\partial" if isinstance(node, Partial) else "this gradient"
            message = f"{what} on the right side only as the gradient by an activation or a pre-activation"
            raise FormulaError(text, node.column, message)
        name = {"act": "dact", "dz": "dz"}[target.name]
        return dataclasses.replace(target, name=name, spelling=None)
    return map_children(node, lambda child: _gradients_as_symbols(text, child, notation))


def _unit_layer(sym: Sym, notation: Notation) -> Sym:
    """A symbol without a layer whose unit letter names one (Bishop: x_i, z_j, y_k; w_kj enters k's layer)."""
    letters = notation.unit_letters
    if not letters or sym.layer is not None or not sym.indices:
        return sym
    if sym.name in ("a", "z", "delta", "act"):
        letter, shift = sym.indices[-1], 0
    elif sym.name in ("w", "b", "accumulator", "gradient"):
        to_index = 0 if notation.weight_indices == "to_from" or sym.name == "b" else -1
        letter = sym.indices[to_index]
        shift = -1 if notation.weights_named_by == "leaving" else 0
    else:
        return sym
    if letter not in letters:
        return sym
    layer = Layer(None, notation.input_layer + letters.index(letter) + shift, implied=True)
    return dataclasses.replace(sym, layer=layer)


def _with_unit_layers(node: Node, notation: Notation) -> Node:
    if isinstance(node, Sym):
        return _unit_layer(node, notation)
    return map_children(node, lambda child: _with_unit_layers(child, notation))


def parse_formula(text: str, notation: Notation = SEED) -> Formula:
    """Read ``text`` in ``notation`` into a Formula, or raise FormulaError (column + what was expected)."""
    left, right = parse_tree(text, notation)
    left, right = _with_unit_layers(left, notation), _with_unit_layers(right, notation)
    quantity = _quantity(text, left, notation)
    right = _gradients_as_symbols(text, right, notation)
    for node in walk(right):
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
    return Formula(text, quantity, right, notation)


def _subscript_not_summed(node: Node, summed: frozenset) -> Sym | None:
    """The first symbol whose subscript is not a single index of an enclosing sum (a row: one sample).

    Weights and biases have no row per sample, so any subscript on them counts.
    """
    if isinstance(node, Sym) and node.indices is not None:
        weights = ("w", "b", "accumulator", "gradient")
        if len(node.indices) != 1 or node.indices[0] not in summed or node.name in weights:
            return node
    if isinstance(node, Sum):
        summed = summed | {node.index}
    for child in children(node):
        found = _subscript_not_summed(child, summed)
        if found is not None:
            return found
    return None
