"""A step's reason in a document's notation.

The derivation writes its reasons in plain text with the derivation's own symbols
inline ("introduce delta^{(L)}_{nj} = dC/dz^{(L)}_{nj}", "sum_k delta_nk w_jk
is entry (n, j) of delta W^T"). ``ReasonSymbol`` prints each such token the
way the notation writes it (for the templates' reason filters); ``reason_text``
does the same for terminal text. A column layout states the matrix steps with
its own prose (the row layout's entries (n, j) are its (j, n)).
"""

from __future__ import annotations

import re

import sympy as sp

from symbp.derivation import symbolic
from symbp.derivation.symbolic import N
from symbp.rendering.symbols import Symbols
from symbp.spec.notation import as_text as unicode

_TOKEN = re.compile(
    r"(?P<name>[A-Za-z]+|1)(?:\^\{?\((?P<layer>[^)]*)\)\}?|\^(?P<tee>T))?(?:_\{?(?P<sub>[a-z]+)\}?)?$"
)
_DERIVATIVE = re.compile(r"d(?P<top>\w+)/d(?P<bottom>.+)$")
_LAYERS = {"L": symbolic.L, "l": symbolic.l}
_QUANTITIES = {"delta": "delta", "z": "pre_activation", "a": "activation", "w": "weight", "b": "bias"}
_MATRICES = {
    "W": "weight_matrix",
    "A": "activation_matrix",
    "Z": "pre_activation_matrix",
    "delta": "delta_matrix",
}

# The matrix steps in column vectors (the row layout's prose names its entries (n, j)).
COLUMN_REASONS = {
    "eq:delta-L-matrix": "all outputs at once (columns are samples)",
    "eq:delta-rec-matrix": "the sum over the layer above is its transposed weight matrix times its deltas; "
    "f' applies entrywise",
    "eq:dW-matrix": "the sum over the samples of each delta times each activation below is a matrix product "
    "with the transposed activations",
    "eq:db-matrix": "the bias gradient sums the deltas over the samples (the columns)",
}
PER_SAMPLE_REASONS = {
    "eq:delta-L-matrix": "one sample: the column vector of the output layer",
    "eq:delta-rec-matrix": COLUMN_REASONS["eq:delta-rec-matrix"],
    "eq:dW-matrix": "one sample: the outer product of its deltas and its transposed activations below",
    "eq:db-matrix": "one sample: the bias gradient is its delta",
}
# A single index letter, or C or N, standing alone in a reason's prose ("entry (n, j)", "sample n").
_PROSE_LETTER = re.compile(r"(?<![\w^_{\\])([ijkmnpqCN])(?![\w}])")


def stated_reason(step, symbols: Symbols) -> str:
    """The reason of a step in the notation: column layouts restate the matrix steps, a sample's own
    delta is the derivative of one sample's cost, and the prose's letters are the notation's."""
    if step.kind == "matrix" and symbols.column:
        table = PER_SAMPLE_REASONS if symbols.per_sample else COLUMN_REASONS
        reason = table.get(step.label, step.reason)
    else:
        reason = step.reason
    if symbols.delta_scale.has(N):
        reason = reason.replace("= dC/dz", "= dC_x/dz")
    if symbols.notation.delta_sign < 0:
        reason = reason.replace("= dC", "= -dC")
    return _PROSE_LETTER.sub(lambda match: _prose_letter(match.group(1), symbols), reason)


def _prose_letter(letter: str, symbols: Symbols) -> str:
    if letter in ("C", "N"):
        return unicode(symbols.named(letter))
    return symbols.letter(letter)


class ReasonSymbol:
    """Prints one notation token of a reason as LaTeX, or as terminal text (``plain``)."""

    def __init__(self, symbols: Symbols, plain: bool = False):
        self.symbols = symbols
        self.plain = plain

    def __call__(self, token: str) -> str | None:
        derivative = _DERIVATIVE.match(token)
        if derivative:
            top, bottom = self._token(derivative.group("top")), self._token(derivative.group("bottom"))
            if top is None or bottom is None:
                return None
            return f"∂{top}/∂{bottom}" if self.plain else rf"\partial {top}/\partial {bottom}"
        return self._token(token)

    def _token(self, token: str) -> str | None:
        match = _TOKEN.match(token)
        if not match:
            return None
        name, layer, tee, sub = match.group("name", "layer", "tee", "sub")
        notation, symbols = self.symbols.notation, self.symbols
        if name == "sum" and sub:
            return self._out(r"\sum", None, symbols.subscript(list(sub)))
        if name == "C" and not (layer or tee):
            return (
                self._out(notation.cost_one if sub == "x" else notation.cost) if sub in (None, "x") else None
            )
        if name == "1" and tee:
            return self._out(r"\mathbf{1}", None, "", transposed=True)
        if tee and name in ("W", "A"):
            return self._out(getattr(notation, _MATRICES[name]), None, "", transposed=True)
        if name not in _QUANTITIES or tee:
            return None
        subscript = symbols.subscript(list(sub or ""), weight=name == "w")
        if layer is None:
            return self._out(getattr(notation, _QUANTITIES[name]), None, subscript)
        layer_expr = sp.sympify(layer, locals=_LAYERS)
        if name == "a" and layer_expr == symbolic.L and symbols.writes_prediction:
            return self._out(notation.prediction, None, subscript)
        return self._out(getattr(notation, _QUANTITIES[name]), layer_expr, subscript, parameter=name in "wb")

    def _out(self, symbol: str, layer=None, subscript: str = "", parameter=False, transposed=False) -> str:
        symbols = self.symbols
        if transposed:
            text = symbols.transposed(symbol)
        else:
            text = symbols.scripted(symbol, layer, subscript, parameter)
        if not self.plain:
            return text
        mark = "" if layer is None else "^" + unicode(symbols.layer_mark(layer, parameter))
        tail = (
            (
                "ᵀ"
                if unicode(symbols.notation.transpose) in "Tᵀ"
                else "^" + unicode(symbols.notation.transpose)
            )
            if transposed
            else ""
        )
        return unicode(symbol) + mark + tail + (f"_{subscript}" if subscript else "")


def reason_text(text: str, symbols: Symbols) -> str:
    """A reason for terminal text: its tokens in the notation, the rest as written."""
    printer = ReasonSymbol(symbols, plain=True)
    pattern = re.compile(r"d\w+/d[A-Za-z0-9^{}()_+-]+|[A-Za-z1]+(?:\^\{\([^)]*\)\}|\^T)?(?:_\{?[a-z]+\}?)?")

    def replace(match) -> str:
        token = match.group(0)
        if not re.search(r"[_^/]", token) and token not in ("C",):
            return token
        printed = printer(token)
        return token if printed is None else printed

    return pattern.sub(replace, text)
