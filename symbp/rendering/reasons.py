"""A step's reason in a document's notation.

The derivation writes its reasons in plain text with the seed text's symbols
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

# The matrix steps in column vectors, in the derivation's own token style (translated like its reasons).
COLUMN_REASONS = {
    "eq:delta-L-matrix": "all outputs at once (columns are samples)",
    "eq:delta-rec-matrix": "sum_k w_jk delta_k is entry j of W delta; f' applies entrywise",
    "eq:dW-matrix": "sum_n delta_nj a_ni is entry (j, i) of delta A^T",
    "eq:db-matrix": "sum_n delta_nj is entry j of the row sums delta 1",
}
PER_SAMPLE_REASONS = {
    "eq:delta-L-matrix": "one sample: the column vector of the output layer",
    "eq:delta-rec-matrix": "sum_k w_jk delta_k is entry j of W delta; f' applies entrywise",
    "eq:dW-matrix": "delta_j a_i is entry (j, i) of the outer product delta A^T",
    "eq:db-matrix": "one sample: the bias gradient is the delta itself",
}


def stated_reason(step, symbols: Symbols) -> str:
    """The reason of a step in the notation's layout (column layouts restate the matrix steps)."""
    if step.kind == "matrix" and symbols.column:
        table = PER_SAMPLE_REASONS if symbols.per_sample else COLUMN_REASONS
        return table.get(step.label, step.reason)
    if symbols.notation.delta_sign < 0:
        return step.reason.replace("= dC/dz", "= -dC/dz")
    return step.reason


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
        if name == "C" and not (layer or tee or sub):
            return self._out(notation.cost)
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
        tail = unicode(symbols.notation.transpose) if transposed else ""
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
