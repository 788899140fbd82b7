"""lark's parse tree of a formula turned into the syntax tree, each symbol resolved through a Lexicon.

Subscripts and quotients are read here (da/dz is f'(z), dC/dx the gradient); layer marks in ``layer_marks``.
"""

from __future__ import annotations

import re

from lark import Token, Transformer

from symbp.verification.layer_marks import SUB_LAYER, layer_from_mark, layer_from_match, plain_layer
from symbp.verification.layer_sets import layer_set
from symbp.verification.lexicon import Lexicon
from symbp.verification.output_share import output_share
from symbp.verification.tree import (
    Bin,
    Call,
    Cases,
    Gradient,
    Jacobian,
    Layer,
    LayerSum,
    Neg,
    Node,
    NpSum,
    Num,
    Ones,
    Partial,
    Piece,
    Sum,
    Sym,
    Transpose,
)
from symbp.verification.units import UnitError, unit_subscript, weight_between

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
_LOWER_LIMIT = re.compile(r"^\s*([a-zA-Z])\s*(?:=\s*([0-9]+))?\s*$")
# a sum over the units of a named set (Mitchell's k \in outputs, k \in Downstream(j); Haykin's j \in C): in a
# layered network that is every unit of the layer the index subscripts, as a sum over k is
_IN_SET = re.compile(
    r"^\s*([a-zA-Z])\s*(?:\\in(?![A-Za-z])|∈)\s*"
    r"(?:\\(?:mathit|mathrm|text|mathcal|operatorname)\s*\{\s*[A-Za-z]+\s*\}|[A-Za-z]+)"
    r"(?:\s*\(\s*[a-zA-Z]\s*\))?\s*$"
)


class Invalid(Exception):
    """Raised inside the transformer; becomes a FormulaError with the column."""

    def __init__(self, column: int, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def _sub_content(token: Token) -> str:
    body = token.value[1:].strip()
    return body[1:-1] if body.startswith("{") else body


def _indices(token: Token, words: Lexicon) -> tuple:
    """``_{ij}`` -> ("i", "j"); ``_{i,j}`` -> ("i", "j"); ``_{12}`` -> (1, 2) (1-based)."""
    content = _sub_content(token).replace(" ", "")
    _refuse_ambiguous_script(token, content, words)
    parts = content.split(",") if "," in content else list(content)
    result = []
    for part in parts:
        if part.isdigit():
            result.append(int(part))
        elif re.fullmatch(r"[a-zA-Z]", part):
            result.append(part)
        else:
            raise Invalid(token.column, f"a subscript of index letters or numbers, not '{content}'")
    if not result:
        raise Invalid(token.column, "an index inside the subscript")
    return tuple(result)


def _refuse_ambiguous_script(token: Token, content: str, words: Lexicon) -> None:
    """An unbraced subscript whose letters after the first start a symbol (a_kn, n the width): TeX reads
    a_k n, plain maths a_{kn}; neither is chosen for the writer."""
    if "{" in token.value or len(content) < 2:
        return
    name = words.starts_with_name(content[1:])
    if name is not None:
        first, rest = content[0], content[1:]
        raise Invalid(
            token.column,
            f"'_{content}' reads two ways: TeX reads _{first} {rest} ({name} a symbol), plain maths "
            f"_{{{content}}}; write _{{{content}}} or _{first} {rest}",
        )


class ToTree(Transformer):
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
        called = Call(self.words.function(func.value), prime, children[-1], column=func.column)
        power = next((mark for mark in marks if mark.type == "FUNC_POWER"), None)
        return called if power is None else self.entrywise_power([called, power])

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
            raise Invalid(children[0].column, "np.sum over axis 0 (the rows) or 1 (the columns)")
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
            raise Invalid(
                children[0].column, "\\frac{\\partial}{\\partial x} with \\partial in the denominator"
            )
        return _gradient(by.arg, children[7], children[0].column)

    def frac(self, children):
        return _quotient(children[2], children[5], children[0].column)

    def piece(self, children):
        value, _amp, *rest = children
        left, relation, right = rest[-3:]
        return Piece(value, RELATIONS[relation.value], left, right, column=relation.column)

    def indicator(self, children):
        """1\\{z > 0\\}: the cases 1 where the condition holds, 0 otherwise."""
        token, left, relation, right, end = children
        opened = token.value.count("{") - token.value.count("\\{") - token.value.count("}")
        if opened != end.value.count("}") - end.value.count("\\}"):
            raise Invalid(
                end.column, "an indicator closed as it opens: 1\\{z > 0\\} or \\mathbb{1}_{\\{z > 0\\}}"
            )
        one = Piece(
            Num(1.0, column=token.column), RELATIONS[relation.value], left, right, column=relation.column
        )
        return Cases((one, Piece(Num(0.0, column=token.column), column=token.column)), column=token.column)

    def otherwise(self, children):
        return Piece(children[0], column=children[2].column)

    def cases(self, children):
        pieces = tuple(child for child in children if isinstance(child, Piece))
        if any(piece.relation is None for piece in pieces[:-1]):
            raise Invalid(children[0].column, "'otherwise' only on the last line of the cases")
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
            raise Invalid(token.column, "a summation index after \\sum (\\sum_{k} or \\sum_{k=1}^{n})")
        lower_limit = _sub_content(limits[0])
        nodes = [child for child in rest if child is not limits[0]]  # [upper,] body
        if (over := layer_set(lower_limit, self.words.notation)) is not None:
            return LayerSum(*over, nodes[-1], column=token.column)
        match = _LOWER_LIMIT.match(lower_limit) or _IN_SET.match(lower_limit)
        if not match:
            raise Invalid(
                limits[0].column,
                "a summation index like _{k}, _{k=1} or _{k \\in outputs} (a set named by one word)",
            )
        index = match.group(1)
        lower = int(match.group(2) or 1) if match.re is _LOWER_LIMIT else 1
        upper = nodes[0] if len(nodes) == 2 else None
        return Sum(index, lower, upper, nodes[-1], column=token.column)

    def symbol(self, children):
        return _symbol(children[0], children[1:], self.words)


def _gradient(by: Node, cost: Node, column: int) -> Gradient:
    if not (isinstance(cost, Sym) and cost.name in ("cost", "share")):
        raise Invalid(getattr(cost, "column", column), "the gradient of the cost (C, J, E, L)")
    if cost.name == "share":
        return Gradient(by, cost.spelling or "C", share=cost, column=column)
    return Gradient(by, cost.spelling or "C", cost.indices, column=column)


# the quantities a derivative between two of them may name: what is differentiated, and by what
JACOBIAN_OF = ("z", "a", "yhat")
JACOBIAN_BY = ("z", "a", "yhat", "x", "w", "b")


def _quotient(top: Node, bottom: Node, column: int) -> Node:
    """top / bottom; da/dz of one layer and entry is f'(z) of that layer, as symbp's documents print it.

    dC/dx (the cost over a symbol) is the cost's gradient by x; the derivative of a quantity of the
    network by another (dz^{(l+1)}_k/dz^{(l)}_j, da_j/dz_k, dz_j/dw_{jk}) is that Jacobian's entry.
    A derivative of anything else is refused, naming it.
    """
    if not (isinstance(top, Partial) and isinstance(bottom, Partial)):
        return Bin("div", top, bottom, column=column)
    if isinstance(top.arg, Sym) and top.arg.name in ("cost", "share"):
        return _gradient(bottom.arg, top.arg, column)
    if (
        isinstance(top.arg, Call)
        and top.arg.func == "act"
        and not top.arg.prime
        and top.arg.arg == bottom.arg
    ):
        return Call("act", True, bottom.arg, column=column)  # d phi(z)/dz (Raschka)
    of, by = top.arg, bottom.arg
    if (
        isinstance(of, Sym)
        and isinstance(by, Sym)
        and (of.name, by.name) == ("a", "z")
        and (of.layer, of.indices) == (by.layer, by.indices)
    ):
        return Call("act", True, by, column=column)
    if _comes_before(of, by):
        if (of.name, by.name) == ("a", "z"):
            raise Invalid(column, "da/dz of one neuron: the same layer and subscript on a and z")
        raise Invalid(
            column, f"{_written(of)} comes before {_written(by)} in the network: it does not depend on it"
        )
    if not (
        isinstance(of, Sym) and of.name in JACOBIAN_OF and isinstance(by, Sym) and by.name in JACOBIAN_BY
    ):
        raise Invalid(
            column,
            f"the derivative \\partial {_written(of)}/\\partial {_written(by)} is not one between quantities "
            "of the network: \\partial z, \\partial a or \\partial \\hat{y} over \\partial z, a, x, w or b, "
            "or \\partial C over any of them",
        )
    return Jacobian(of, by, column=column)


def _comes_before(of: Node, by: Node) -> bool:
    """Is z or a ``of`` written at a layer before z or a ``by`` (the same letter l, L or a number)?"""
    order = {"z": 0, "a": 1}
    if not (isinstance(of, Sym) and isinstance(by, Sym) and of.name in order and by.name in order):
        return False
    if of.layer is None or by.layer is None or of.layer.base != by.layer.base:
        return False
    return (of.layer.offset, order[of.name]) < (by.layer.offset, order[by.name])


def _written(node: Node) -> str:
    """A symbol as the formula wrote it (its spelling), for a refusal; '...' for anything else."""
    return node.spelling or node.name if isinstance(node, Sym) else "(...)"


def _number(token: Token) -> Num:
    return Num(float(token.value), column=token.column)


def _symbol(head: Token, suffixes: list, words: Lexicon) -> Sym | Transpose:
    """A symbol with its layer and subscript; W^{(l)T} (as symbp's documents print it) is (W^{(l)})^T."""
    name = words.role(head.value)
    if name is None:
        raise Invalid(head.column, f"'{head.value}' is not a symbol of the {words.notation.name} notation")
    spelling = " ".join(head.value.split())
    if name == "N" and any(
        suffix.type == "SUB" and SUB_LAYER.match(_sub_content(suffix)) for suffix in suffixes
    ):
        name = "width"  # n_l, n_{l+1}, n_3: a layer's width, in a notation whose n counts the samples
    layer = indices = None
    declared = words.declaration(head.value)
    if declared is not None and declared.start:
        if suffixes:
            raise Invalid(suffixes[0].column, f"no layer or subscript on {spelling}: it names one weight")
        layer, indices = _named(weight_between, head.column, declared, words.notation)
    transposed = False
    arguments = [suffix for suffix in suffixes if suffix.type == "SAMPLE_ARG"]
    suffixes = [suffix for suffix in suffixes if suffix.type != "SAMPLE_ARG"]
    for suffix in suffixes:
        if suffix.type in ("LAYER_SUP", "PLAIN_LAYER"):
            if layer is not None:
                raise Invalid(suffix.column, "one layer index per symbol")
            if suffix.type == "PLAIN_LAYER":
                layer = plain_layer(suffix.value)
            else:
                layer = layer_from_mark(suffix.value, words.notation)
            if layer.source is not None and name not in ("w", "gradient"):
                raise Invalid(suffix.column, "two layers (entered, from) only on a weight matrix: W^{(2,0)}")
            transposed = suffix.type == "LAYER_SUP" and bool(
                re.search(r"(T|\\top|\\intercal)\s*\}?\s*\}$", suffix.value)
            )
            if suffix.type == "LAYER_SUP" and re.search(r"(\\prime|')\s*\}$", suffix.value):
                raise Invalid(suffix.column, "a prime only on a function (f', g^{[l]\\prime})")
        elif transposed:
            raise Invalid(suffix.column, "no subscript on a transposed matrix")
        elif indices is not None or (name == "width" and layer is not None):
            raise Invalid(suffix.column, "one subscript per symbol")
        elif name == "width":
            match = SUB_LAYER.match(_sub_content(suffix))
            if not match:
                raise Invalid(suffix.column, "a layer as the subscript of n (n_l, n_{l+1}, n_L)")
            layer = layer_from_match(match)
        elif unit := _named(unit_subscript, suffix.column, _sub_content(suffix), name, words.notation):
            if layer is not None:
                raise Invalid(suffix.column, "one layer index per symbol (a named unit gives its layer)")
            layer, indices = unit
        else:
            indices = _indices(suffix, words)
    if layer is None and declared is not None and declared.layer is not None and declared.quantity != "units":
        layer = Layer(None, declared.layer)  # d2l's h, Rojas's o_i: a layer's name when written without one
    # on a weight or bias a sample argument names the step (Haykin's w_{ji}(n)): the weight the derivative
    # is taken at, so it changes nothing
    if arguments and not (name in ("w", "b") and indices is not None):
        indices = _with_sample(arguments, indices, transposed, words.notation)
    if name == "cost" and indices is not None and indices != (words.notation.sample_index,):
        # AIMA's Loss_k, Mazur's E_{o1}: one output's share of the cost, not the cost (nor one sample's)
        layer, indices = _named(output_share, head.column, spelling, layer, indices, declared, words.notation)
        name = "share"
    symbol = Sym(name, layer, indices, spelling=spelling, column=head.column)
    return Transpose(symbol, column=head.column) if transposed else symbol


def _named(read, column: int, *arguments):
    """A named unit's or weight's (layer, indices) by ``read``, its UnitError a refusal at ``column``."""
    try:
        return read(*arguments)
    except UnitError as error:
        raise Invalid(column, str(error)) from None


def _with_sample(arguments: list, indices: tuple | None, transposed: bool, notation) -> tuple | None:
    """The indices of a symbol with a sample argument: \\delta_j(n) is \\delta_{nj} (the sample first, as a
    sample subscript is written); \\delta^L(n), a vector of one sample, only in a column notation."""
    column = arguments[0].column
    letter = notation.sample_index
    if len(arguments) > 1:
        raise Invalid(arguments[1].column, "one sample argument per symbol")
    if indices is None:
        if notation.layout == "column" and not notation.batch_columns and not transposed:
            return None
        raise Invalid(column, f"a sample argument ({letter}) on an entry (\\delta_j({letter})), not a matrix")
    if len(indices) != 1 or letter in indices:
        raise Invalid(column, f"a sample argument ({letter}) after one unit subscript (e_j({letter}))")
    return (letter, *indices)
