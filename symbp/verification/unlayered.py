"""Symbols written without a layer (z_j, \\mathbf{h}, w_{ij}) in a network of several layers: at which
layer a formula can be read, or its refusal.

Reading them at the output layer, as a one-layer network's, could judge a true formula wrong: d2l's h
next to W^{(2)} is the hidden layer's, Wikipedia's o_i in o_i delta_j the layer below delta's. So:
- next to a symbol with a written (or unit-letter) layer, or with two unit letters on activations and
  deltas, which layer each means cannot be told: refused, naming the symbol;
- with the target or the output in the formula, they are the output layer's, as before;
- otherwise, when every layer has the same activation, every one of them is read at one layer l, and the
  formula must hold at every layer that fits (a chain rule written for "any neuron j" holds at each);
  with activations that differ by layer (d2l's hidden phi and linear output) it is refused.
"""

from __future__ import annotations

import dataclasses

from symbp.verification.formula import Formula, FormulaError
from symbp.verification.tree import Layer, Sym, map_children, walk
from symbp.verification.written import show

# symbols that stand for one layer's quantity (the input x, the target and the output name theirs)
LAYERED = ("a", "z", "delta", "dz", "dact", "w", "b")
# the output's symbols: a formula with one of them is about the output layer
OUTPUT = ("t", "y", "yhat")
UNITS = ("a", "z", "delta", "dz", "dact")


def reading(formula: Formula, uniform: bool) -> tuple[str, Sym | None]:
    """("written", None): every layer written; ("output", None); ("every", None); ("refused", symbol).
    ``uniform``: every layer of the network has the same activation."""
    quantity = dataclasses.replace(formula.quantity.symbol(), indices=formula.quantity.indices)
    symbols = [quantity, *(node for node in walk(formula.rhs) if isinstance(node, Sym))]
    unlayered = [sym for sym in symbols if sym.name in LAYERED and sym.layer is None]
    if not unlayered:
        return "written", None
    if any(sym.name in LAYERED and sym.layer is not None for sym in symbols):
        return "refused", unlayered[0]
    letters = {sym.indices[-1] for sym in unlayered if sym.name in UNITS and sym.indices}
    if len(letters) > 1:
        return "refused", unlayered[0]
    if any(sym.name in OUTPUT for sym in symbols):
        return "output", None
    return ("every", None) if uniform else ("refused", unlayered[0])


def at_every_layer(formula: Formula) -> Formula:
    """The formula with each symbol written without a layer read at the generic layer l."""
    generic = Layer("l", 0)

    def place(node):
        if isinstance(node, Sym) and node.name in LAYERED and node.layer is None:
            return dataclasses.replace(node, layer=generic)
        return map_children(node, place)

    quantity = formula.quantity
    if quantity.layer is None:
        quantity = dataclasses.replace(quantity, layer=generic)
    return dataclasses.replace(formula, quantity=quantity, rhs=place(formula.rhs))


def unlayered_error(formula: Formula, sym: Sym, depth: int) -> FormulaError:
    """The refusal of a symbol without a layer whose layer cannot be told."""
    notation = formula.notation
    name = sym.spelling or show(sym, notation)
    mark = notation.layer_mark(1)
    message = (
        f"{name} has no layer mark, and this network has {depth} layers: which one it means cannot be told; "
        f"write its layer (^{{{mark}}}) or give the notation unit_letters (one unit letter per layer)"
    )
    return FormulaError(formula.text, max(sym.column, 1), message)
