"""Symbols written without a layer (z_j, \\mathbf{h}, w_{ij}) in a network of several layers: at which
layer a formula can be read, or its refusal.

Reading them at the output layer, as a one-layer network's, could judge a true formula wrong: d2l's h
next to W^{(2)} is the hidden layer's, Rojas's o_i next to delta_j^{(1)} the input, Wikipedia's o_i in
o_i delta_j the layer below delta's. So they are refused, naming the first, when
- activations or deltas of two unit letters are written without a layer (o_i delta_j);
- the notation names the output otherwise (d2l's o) and an activation is written without a layer where
  it would be read at the output layer;
- an activation or pre-activation without a layer stands next to a symbol of a layer that is not the
  output's (\\mathbf{z} next to W^{(1)}, o_i next to delta^{(1)}).
Otherwise they are the output layer's when the formula names the output's layer, the target or the
output (Nielsen's \\nabla_a C next to z^L, Rumelhart's w_{ji} next to the target); with no layer written
anywhere they are read at one layer l, and the formula must hold at every layer that fits (a chain rule
for "any neuron j" holds at each), when every layer has the same activation, and refused otherwise.
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


def reading(formula: Formula, depth: int, uniform: bool) -> tuple[str, Sym | None]:
    """("written", None): every layer written; ("output", None); ("every", None); ("refused", symbol).
    ``depth``: the network's number of layers; ``uniform``: every layer has the same activation."""
    quantity = dataclasses.replace(
        formula.quantity.symbol(), indices=formula.quantity.indices, spelling=formula.quantity.spelling
    )
    symbols = [quantity, *(node for node in walk(formula.rhs) if isinstance(node, Sym))]
    unlayered = [sym for sym in symbols if sym.name in LAYERED and sym.layer is None]
    if not unlayered:
        return "written", None
    notation = formula.notation
    numbered = [sym for sym in unlayered if _numbered_matrix(sym, notation)]
    if numbered:
        return "refused", numbered[0]
    letters = {sym.indices[-1] for sym in unlayered if sym.name in UNITS and sym.indices}
    if len(letters) > 1:
        return "refused", unlayered[0]
    activations = [sym for sym in unlayered if sym.name in ("a", "z", "dz", "dact")]
    layered = [sym for sym in symbols if sym.name in LAYERED and sym.layer is not None]
    if layered or any(sym.name in OUTPUT for sym in symbols):
        # read at the output layer, unless the output has its own name or another layer is written
        named_output = notation.prediction and notation.prediction != notation.activation
        outputs = [sym for sym in activations if named_output and sym.name in ("a", "dact")]
        inner = [sym for sym in layered if not _at_output(sym, depth, notation)]
        if outputs or (inner and activations):
            return "refused", (outputs or activations)[0]
        return "output", None
    return ("every", None) if uniform else ("refused", unlayered[0])


def _numbered_matrix(sym: Sym, notation) -> bool:
    """A whole matrix's name with a number for a subscript (dA_{1}, Z_2 where a unit is a_j, z_j): the
    number may be the layer, as a matrix's subscript is in many texts, or a unit."""
    matrices = {"a": notation.activation_matrix, "dact": notation.activation_matrix}
    matrices |= {"z": notation.pre_activation_matrix, "dz": notation.pre_activation_matrix}
    units = {"a": notation.activation, "dact": notation.activation}
    units |= {"z": notation.pre_activation, "dz": notation.pre_activation}
    return (
        sym.name in matrices
        and sym.spelling == matrices[sym.name] != units[sym.name]
        and bool(sym.indices)
        and all(isinstance(index, int) for index in sym.indices)
    )


def _at_output(sym: Sym, depth: int, notation) -> bool:
    """Is a symbol's written layer the output layer's (L, or its number)?"""
    layer = sym.layer
    if layer.base == "L":
        return layer.offset == 0
    if layer.base is not None:
        return False
    leaving = sym.name in ("w", "b") and notation.weights_named_by == "leaving"
    return layer.offset == depth + notation.input_layer - (1 if leaving else 0)


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
    if _numbered_matrix(sym, notation):
        number = sym.indices[-1]
        message = (
            f"{name}_{{{number}}} names the whole matrix {name} with a subscript {number}, which may be its "
            f"layer or a unit: write the layer as {name}^{{{notation.layer_mark(number)}}}, or a unit as "
            f"{_unit(sym, notation)}^{{{mark}}}_{{{number}}} with its layer"
        )
        return FormulaError(formula.text, max(sym.column, 1), message)
    message = (
        f"{name} has no layer mark, and this network has {depth} layers: which one it means cannot be told; "
        f"write its layer (^{{{mark}}}) or give the notation unit_letters (one unit letter per layer)"
    )
    return FormulaError(formula.text, max(sym.column, 1), message)


def _unit(sym: Sym, notation) -> str:
    return notation.activation if sym.name in ("a", "dact") else notation.pre_activation
