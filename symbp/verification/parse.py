"""The text of one formula parsed into its (left side, right side) syntax trees, or refused.

A refusal is a FormulaError: the 1-based column and, in words, what was
expected there (lark's terminal names translated for a reader).
"""

from __future__ import annotations

import re
from functools import cache

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from symbp.errors import SymbpError
from symbp.spec.notation import DEFAULT_NOTATION, Notation
from symbp.verification.grammar import grammar_for
from symbp.verification.layer_marks import LETTERS
from symbp.verification.lexicon import Lexicon, lexicon
from symbp.verification.syntax import Invalid, ToTree
from symbp.verification.tree import Node

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


@cache
def _parser(words: Lexicon) -> Lark:
    notation = words.notation
    grammar = grammar_for(
        words.symbol_pattern(),
        words.function_pattern(),
        notation.layer_style,
        notation.layer_names,
        notation.sample_index,
        words.script_next_pattern(),
        notation.depth_letter,
        # inside parentheses a mark holds no symbol; a bare ^{s} could be cs231n's score s as a power
        LETTERS
        if notation.layer_style != "bare"
        else "".join(letter for letter in LETTERS if words.role(letter) is None),
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
    "SAMPLE_ARG": "a sample argument ((n))",
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


_ACCENT = re.compile(
    r"\\(?:hat|widehat|tilde|widetilde|bar|overline|check|breve|dot|ddot)\s*\{\s*(\\?[A-Za-z]+)\s*\}"
)


def _unexpected_character(text: str, column: int, allowed, words: Lexicon) -> str:
    char = text[column - 1]
    word = re.match(r"\\[A-Za-z]+\s*\{(?:[^{}]|\{[^{}]*\})*\}|\\?[A-Za-z_]\w*", text[column - 1 :])
    if word:
        name = word[0][:24]
        notation = words.notation
        accent = _ACCENT.match(word[0])
        if accent:  # \hat{\delta}, \tilde{z}: a name of its own, never the plain letter it decorates
            return (
                f"{word[0]} is not a name of the {notation.name} notation, and is not read as {accent[1]}: "
                f"declare it in [notation.symbols] ({word[0]} = 'delta_matrix', 'pre_activation', ...)"
            )
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


def _unknown_wrapped_name(before: str, words: Lexicon) -> str | None:
    """A typeface-wrapped name just before a parse error (\\mathrm{GELU}'), when it names nothing here."""
    match = re.search(r"\\[A-Za-z]+\s*\{[^{}]*\}\s*$", before)
    if match and words.role(match[0]) is None and words.function(match[0]) is None:
        return match[0].rstrip()
    return None


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


# a display formula ends a sentence: "= X^T \delta^{(2)}." or "...,\quad" carries no maths
_CLOSING = re.compile(r"(?:\s|\\[,;:! ]|\\q?quad)*[.,;](?:\s|\\[,;:! ]|\\q?quad|\$)*$")


# "... \in \mathbb{R}^q" after a formula states its shape, not its value (d2l's dJ/do = dL/do \in R^q)
_SHAPE = re.compile(
    r"\s*\\in\s*(?:\\math(?:bb|bf)\s*\{\s*R\s*\}|\\R(?![A-Za-z]))"
    r"(?:\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?(?=(?:\s|\\[,;:! ]|\\q?quad|[.,;$])*$)"
)


def _without_closing_punctuation(text: str) -> str:
    stripped = _CLOSING.sub("", _SHAPE.sub("", text))
    return stripped if stripped.strip() else text


# an accent over a subscripted letter (Brilliant's \hat{y_d}) marks the letter: the same name as \hat{y}_d,
# moved by swapping the brace and the subscript so that every column stays where the writer put it
_ACCENTED_SCRIPT = re.compile(r"(\\(?:hat|widehat)\{\s*[A-Za-z])(_(?:\{[^{}]*\}|[A-Za-z0-9]))\}")


def _accent_on_the_letter(text: str) -> str:
    return _ACCENTED_SCRIPT.sub(r"\1}\2", text)


def parse_tree(text: str, notation: Notation = DEFAULT_NOTATION) -> tuple[Node, Node]:
    """(left side, right side) of a formula read in ``notation``, or FormulaError pointing at the column."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(str(text), 1, "expected a formula 'quantity = expression'")
    if len(text) > MAX_LENGTH:
        raise FormulaError(text[:60], 1, f"a formula of at most {MAX_LENGTH} characters")
    if "\n" in text.strip():
        raise FormulaError(text, text.index("\n") + 1, "one formula per line")
    text = _without_closing_punctuation(text)
    words = lexicon(notation)
    try:
        tree = _parser(words).parse(_accent_on_the_letter(text))
        _check_nesting(text, tree)
        return ToTree(words).transform(tree)
    except UnexpectedCharacters as error:
        message = _unexpected_character(text, error.column, error.allowed, words)
        raise FormulaError(text, error.column, message) from None
    except UnexpectedToken as error:
        column = error.column if error.token.type != "$END" else len(text.rstrip()) + 1
        if not isinstance(column, int) or column < 1:
            column = len(text.rstrip()) + 1
        unknown = _unknown_wrapped_name(text[: column - 1], words)
        if unknown:
            raise FormulaError(
                text, column - len(unknown), _unexpected_character(unknown, 1, (), words)
            ) from None
        expected = describe_expected(error.expected)
        found = _shown(text, column)
        what = "the formula ends too early" if found is None else f"unexpected {found}"
        raise FormulaError(text, column, f"{what}; expected {expected}") from None
    except UnexpectedInput as error:
        column = getattr(error, "column", len(text) + 1)
        raise FormulaError(text, column, "the formula is incomplete") from None
    except VisitError as error:
        if isinstance(error.orig_exc, Invalid):
            raise FormulaError(text, error.orig_exc.column, error.orig_exc.message) from None
        raise
