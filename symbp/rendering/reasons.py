"""A step's reason printed in a document's notation and format.

A Reason (``symbp.derivation.reasons``) is prose and quantity tokens; each token is
printed here through the notation's Symbols: maths for LaTeX and Markdown, one line of
text for the terminal, a reference to another equation where the document defines it. A
column layout states the matrix steps with its own prose (the row layout's entries
(n, j) are its (j, n)); a notation whose delta is -dE/dnet or one sample's own
derivative writes the definition of delta so.
"""

from __future__ import annotations

from symbp.derivation.reasons import (
    DeltaDefinition,
    Letter,
    Partial,
    Quantity,
    Reason,
    Reference,
    Text,
    reason,
)
from symbp.derivation.symbolic import L, N
from symbp.rendering.applied_notation import Symbols
from symbp.spec.notation import as_text as unicode
from symbp.templating import anchor, latex_literal, markdown_literal

_QUANTITIES = {"delta": "delta", "z": "pre_activation", "a": "activation", "w": "weight", "b": "bias"}
_MATRICES = {"W": "weight_matrix", "A": "activation_matrix"}

# The matrix steps in column vectors (the row layout's prose names its entries (n, j)).
COLUMN_REASONS = {
    "eq:delta-L-matrix": reason("all outputs at once (columns are samples)"),
    "eq:delta-rec-matrix": reason(
        "the sum over the layer above is its transposed weight matrix times its deltas; f' applies entrywise"
    ),
    "eq:dW-matrix": reason(
        "the sum over the samples of each delta times each activation below is a matrix product "
        "with the transposed activations"
    ),
    "eq:db-matrix": reason("the bias gradient sums the deltas over the samples (the columns)"),
}
PER_SAMPLE_REASONS = {
    "eq:delta-L-matrix": reason("one sample: the column vector of the output layer"),
    "eq:delta-rec-matrix": COLUMN_REASONS["eq:delta-rec-matrix"],
    "eq:dW-matrix": reason(
        "one sample: the outer product of its deltas and its transposed activations below"
    ),
    "eq:db-matrix": reason("one sample: the bias gradient is its delta"),
}
# display: inside display maths (Jupyter's rendering of one step), prose in \text{}
FORMATS = ("latex", "markdown", "text", "display")


def stated_reason(step, symbols: Symbols) -> Reason:
    """The reason of a step in the notation's layout: column layouts restate the matrix steps."""
    if step.kind == "matrix" and symbols.column:
        table = PER_SAMPLE_REASONS if symbols.per_sample else COLUMN_REASONS
        return table.get(step.label, step.reason)
    return step.reason


class ReasonPrinter:
    """Prints reasons in one notation and format; ``labels`` are the equations the document defines."""

    def __init__(self, symbols: Symbols, fmt: str, labels=frozenset()):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.symbols = symbols
        self.fmt = fmt
        self.labels = labels

    def __call__(self, step) -> str:
        """The reason of ``step``, as its section prints it."""
        return self.print(stated_reason(step, self.symbols))

    def print(self, why: Reason) -> str:
        if self.fmt == "text":
            return "".join(self._text(part) for part in why.parts)
        if self.fmt == "display":
            return _display(self.pieces(why))
        return "".join(self._marked_up(kind, value) for kind, value in self.pieces(why))

    def pieces(self, why: Reason):
        """The reason as ("text", prose), ("math", LaTeX) and ("label", Reference) pieces."""
        for part in why.parts:
            if isinstance(part, Text):
                yield "text", part.text
            elif isinstance(part, Letter):
                yield "text", self._letter(part.name)
            elif isinstance(part, Reference):
                yield "label", part
            elif isinstance(part, DeltaDefinition):
                yield "math", self._latex(part.delta)
                yield "text", " = " + self._sign()
                yield "math", self._latex(self._defining(part))
            else:
                yield "math", self._latex(part)

    def _marked_up(self, kind: str, value) -> str:
        """One piece as LaTeX or Markdown: maths in $...$, known labels as references, text escaped."""
        latex = self.fmt == "latex"
        if kind == "math":
            return f"${value}$"
        if kind == "label":
            if value.label in self.labels:
                return rf"\eqref{{{value.label}}}" if latex else f"[({value.label})](#{anchor(value.label)})"
            value = f"({value.label})"
        return latex_literal(value) if latex else markdown_literal(value)

    # -- the notation's letters and signs ------------------------------------
    def _letter(self, name: str) -> str:
        """An index letter in the notation's letters; C and N as the notation's symbols."""
        if name in ("C", "N"):
            return unicode(self.symbols.named(name))
        return self.symbols.letter(name)

    def _sign(self) -> str:
        return "-" if self.symbols.notation.delta_sign < 0 else ""

    def _defining(self, definition: DeltaDefinition) -> Partial:
        """dC/dz, or one sample's dC_x/dz where the notation's delta is each sample's own."""
        derivative = definition.derivative
        if self.symbols.delta_scale.has(N):
            return Partial(Quantity("C", one_sample=True), derivative.bottom)
        return derivative

    # -- LaTeX ------------------------------------------------------------------
    def _latex(self, part) -> str:
        if isinstance(part, Partial):
            return rf"\partial {self._latex(part.top)}/\partial {self._latex(part.bottom)}"
        symbol, layer, subscript, parameter = self._written(part)
        symbols = self.symbols
        if part.transposed:
            return symbols.transposed(symbol)
        text = symbols.scripted(symbol, layer, subscript, parameter)
        return text if part.power is None else f"{text}^{{{part.power}}}"

    def _written(self, part: Quantity) -> tuple[str, object, str, bool]:
        """(LaTeX symbol, layer or None, subscript, is a parameter) of a quantity in the notation."""
        notation, symbols = self.symbols.notation, self.symbols
        if part.name == "sum":
            return r"\sum", None, symbols.subscript(list(part.indices)), False
        if part.name == "C":
            return (notation.cost_one if part.one_sample else notation.cost), None, "", False
        if part.name == "1":
            return r"\mathbf{1}", None, "", False
        if part.name in _MATRICES:
            return getattr(notation, _MATRICES[part.name]), None, "", False
        subscript = symbols.subscript(list(part.indices), weight=part.name == "w")
        if part.name == "a" and part.layer == L and symbols.writes_prediction:
            return notation.prediction, None, subscript, False
        return getattr(notation, _QUANTITIES[part.name]), part.layer, subscript, part.name in ("w", "b")

    # -- terminal text ----------------------------------------------------------
    def _text(self, part) -> str:
        if isinstance(part, Text):
            return part.text
        if isinstance(part, Letter):
            return self._letter(part.name)
        if isinstance(part, Reference):
            return str(part)
        if isinstance(part, DeltaDefinition):
            return f"{self._text(part.delta)} = {self._sign()}{self._text(self._defining(part))}"
        if isinstance(part, Partial):
            return f"∂{self._text(part.top)}/∂{self._text(part.bottom)}"
        symbol, layer, subscript, parameter = self._written(part)
        symbols = self.symbols
        text = unicode(symbol)
        if layer is not None:
            text += "^" + unicode(symbols.layer_mark(layer, parameter))
        if part.transposed:
            tee = unicode(symbols.notation.transpose)
            text += "ᵀ" if tee in "Tᵀ" else "^" + tee
        if part.power is not None:
            text += f"^{part.power}"
        return text + (f"_{subscript}" if subscript else "")


def _display(pieces) -> str:
    """The pieces inside display maths: each run of prose one \\text{}, which in MathJax holds no TeX
    specials (braces and backslashes go), references as written."""
    out, prose = [], ""
    for kind, value in pieces:
        if kind == "math":
            out.append(_as_text(prose) + value)
            prose = ""
        else:
            prose += value if kind == "text" else f"({value.label})"
    return "".join(out) + _as_text(prose)


def _as_text(prose: str) -> str:
    plain = prose.replace("\\", "").replace("{", "").replace("}", "")
    return rf"\text{{{plain}}}" if plain else ""
