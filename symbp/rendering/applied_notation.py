"""What a Notation makes of each quantity: symbols, layer marks, index letters.

The printers (``symbp.rendering.latex``, ``symbp.rendering.pretty``) ask a ``Symbols`` how to write a
layer (``^{(l)}``, ``^l``, ``^{[l]}``, ``^{(out)}``), an index letter (the
derivation's i, j, n renamed to the source's k, j, x), a weight's subscript
order (to_from swaps the derivation's i, j) and every named symbol. All of it
is LaTeX; ``symbp.spec.notation.as_text`` turns it into terminal text.
"""

from __future__ import annotations

import sympy as sp

from symbp.derivation.symbolic import N
from symbp.spec.notation import DEFAULT_NOTATION, Notation

# The derivation's unit and sample letters (symbp.derivation.symbolic); the notation renames them.
UNIT_LETTERS = ("i", "j", "k", "m", "p", "q")
SAMPLE_LETTER = "n"
SPARE_LETTERS = ("k", "p", "q", "m", "r", "s", "u", "v", "i", "j", "n")
# Plain symbols of the derivation (symbp.derivation.symbolic, symbp.rendering.math_style) by notation field.
NAMED_SYMBOLS = {"C": "cost", "N": "samples", "lambda": "l2", "eta": "learning_rate"}
# The generic symbol of an activation function: sigma names the logistic function, so a
# notation writing sigmoid as sigma writes any other activation f.
GENERIC_FUNCTION = "f"


class Symbols:
    """A Notation applied to one network (its depth names the layers of a named style)."""

    def __init__(
        self, notation: Notation = DEFAULT_NOTATION, depth: int | None = None, mean_cost: bool = True
    ):
        self.notation = notation
        self.depth = depth
        self.mean_cost = (
            mean_cost  # the cost averages its samples' losses (1/N), so a sample's delta is N delta
        )
        self.letters = self._letter_map()

    # -- index letters -------------------------------------------------------
    def _letter_map(self) -> dict[str, str]:
        """The derivation's letters -> the notation's, one to one (a displaced letter takes a spare)."""
        below, above = self.notation.index_letters
        mapping = {"i": below, "j": above, SAMPLE_LETTER: self.notation.sample_index}
        used = set(mapping.values())
        for name in UNIT_LETTERS[2:]:
            letter = name if name not in used else next(s for s in SPARE_LETTERS if s not in used)
            mapping[name] = letter
            used.add(letter)
        return mapping

    def letter(self, name: str) -> str:
        return self.letters.get(name, name)

    def subscript(self, indices, weight: bool = False) -> str:
        """A subscript from index expressions: letters renamed, a weight's pair in the notation's order."""
        parts = [self._index_text(index) for index in indices]
        if weight and self.notation.weight_indices == "to_from":
            parts[-2:] = parts[-2:][::-1]
        return ("" if all(len(part) == 1 for part in parts) else ",").join(parts)

    def _index_text(self, index) -> str:
        renamed = sp.sympify(index).xreplace(
            {symbol: sp.Symbol(self.letter(symbol.name)) for symbol in sp.sympify(index).free_symbols}
        )
        return str(renamed).replace(" ", "")

    # -- layers --------------------------------------------------------------
    def layer_mark(self, layer, parameter: bool = False) -> str:
        """The notation's superscript body for a layer of this network (``Notation.layer_mark``); a
        connection's matrix has the pair (into, from) of a skip (``Notation.connection_mark``)."""
        if isinstance(layer, tuple | sp.Tuple):
            return self.notation.connection_mark(*layer, depth=self.depth)
        return self.notation.layer_mark(layer, parameter, self.depth)

    def scripted(self, symbol: str, layer=None, subscript: str = "", parameter: bool = False) -> str:
        """LaTeX of symbol^{layer}_{subscript}."""
        text = symbol
        if layer is not None:
            text += "^{" + self.layer_mark(layer, parameter) + "}"
        if subscript:
            text += "_{" + subscript + "}"
        return text

    def transposed(self, symbol: str, layer=None, parameter: bool = False) -> str:
        """LaTeX of a transposed matrix: W^{(l)T}, W^{[l]T}, (w^{l})^T, X^T."""
        tee = self.notation.transpose
        if layer is None:
            return f"{symbol}^{{{tee}}}"
        mark = self.layer_mark(layer, parameter)
        if self.notation.brackets_transposed(mark):
            return rf"\left({symbol}^{{{mark}}}\right)^{{{tee}}}"
        return f"{symbol}^{{{mark}{tee}}}"

    # -- named symbols ---------------------------------------------------------
    def named(self, name: str) -> str | None:
        """The notation's symbol for a plain symbol of the derivation (C, N, lambda, eta), or None."""
        field = NAMED_SYMBOLS.get(name)
        return getattr(self.notation, field) if field else None

    def activation_function(self, activation_name: str, latex: str) -> str:
        """A layer's activation symbol: the notation's for sigmoid, its own name for the others."""
        return self.notation.function if activation_name == "sigmoid" else latex

    @property
    def generic_function(self) -> str:
        """The symbol of an activation that differs from layer to layer (f, or the notation's letter)."""
        return GENERIC_FUNCTION if self.notation.function == r"\sigma" else self.notation.function

    @property
    def writes_prediction(self) -> bool:
        """Whether the output's activation is written as the prediction (y-hat, y, p): a plain symbol,
        not a function of the input such as h_Theta(x), which the symbol table names instead."""
        prediction = self.notation.prediction
        return bool(prediction) and "(" not in prediction and prediction != self.notation.activation

    @property
    def delta_scale(self):
        """The derivation's delta over the notation's: -1 for -dE/dnet, 1/N for a sample's own loss."""
        scale = sp.Integer(self.notation.delta_sign)
        if self.notation.delta_of == "sample" and self.mean_cost:
            scale = scale / N
        return scale

    @property
    def named_gradient_scale(self):
        """The derivation's dC/dA over the notation's named dA: 1/N where gradients are written by name
        (dA, dZ) and a delta is a sample's own loss's."""
        named = self.notation.gradient_style == "d" and self.notation.delta_of == "sample"
        return 1 / N if named and self.mean_cost else sp.Integer(1)

    @property
    def cost(self) -> str:
        """The cost a matrix gradient differentiates: one sample's (C_x) in a one-sample matrix form."""
        return self.notation.cost_one if self.per_sample else self.notation.cost

    @property
    def column(self) -> bool:
        return self.notation.layout == "column"

    @property
    def per_sample(self) -> bool:
        """The matrix form describes one sample (column vectors, no batch): N = 1."""
        return self.column and not self.notation.batch_columns
