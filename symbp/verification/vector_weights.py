"""The weights of a layer of one unit written as one vector (Jurafsky and Martin's w, as in w \\cdot x).

In a column layout the matrix W of such a layer is a 1 x n row, while the writer's w is a column, so a
gradient by that w written without indices is refused, naming it, rather than judged as the row's. One
entry of it, w_j, is the weight from unit j below to the layer's one unit: read as such (w_{j1}), and
refused, naming it, where the layer it enters has several units; in an index formula w \\cdot x is the sum
of w_j x_j.
"""

from __future__ import annotations

import dataclasses

from symbp.spec.network import Network
from symbp.verification.formula import Formula, FormulaError
from symbp.verification.lexicon import unwrapped
from symbp.verification.tree import Bin, Layer, Sum, Sym, map_children, walk
from symbp.verification.written import show


def vector_weight_refusal(network: Network, formula: Formula) -> FormulaError | None:
    """The refusal of a gradient by a one-unit layer's weights spelled as an entry (w, not W) without
    indices in a column layout, fed by several units; None for any other formula."""
    quantity, notation = formula.quantity, formula.notation
    entry_spelling = unwrapped(quantity.spelling or "") == notation.weight != notation.weight_matrix
    if not (formula.matrix and quantity.kind == "w" and notation.layout == "column" and entry_spelling):
        return None
    entered = _entered(network, formula, quantity.layer)
    # a 1 x 1 matrix is its own transpose (3Blue1Brown's chain of single neurons)
    if entered is None or network.layers[entered] != 1 or network.layers[entered - 1] == 1:
        return None
    written, matrix = quantity.spelling, notation.weight_matrix
    message = (
        f"{written} without indices names the weights of a layer of one unit: a column vector (as in "
        f"{written} \\cdot x) or the 1 x {network.layers[entered - 1]} matrix {matrix} of a column layout "
        f"cannot be told; write {matrix} for the matrix"
    )
    return FormulaError(formula.text, max(1, _column(formula)), message)


def with_one_unit_weights(network: Network, formula: Formula) -> Formula:
    """The formula with each weight of one index (w_j) read as the weight from unit j to the one unit of
    the layer it enters; FormulaError naming it where that layer has several units (or none is known)."""
    quantity = formula.quantity
    if quantity.kind == "w" and quantity.indices is not None and len(quantity.indices) == 1:
        left = Sym("w", quantity.layer, quantity.indices, spelling=quantity.spelling, column=1)
        indices = _both(network, formula, left).indices
        formula = dataclasses.replace(formula, quantity=dataclasses.replace(quantity, indices=indices))
    if not formula.matrix and any(_dot(node) for node in walk(formula.rhs)):
        formula = dataclasses.replace(formula, rhs=_with_sums(formula.rhs))
    if any(_one_index(node) for node in walk(formula.rhs)):
        formula = dataclasses.replace(formula, rhs=_with_both(network, formula, formula.rhs))
    return formula


def _dot(node) -> bool:
    r"""w \cdot x (or w a) in an index formula: the weight vector of a one-unit layer times its input."""
    return (
        isinstance(node, Bin)
        and node.op == "juxt"
        and all(isinstance(part, Sym) and part.indices is None for part in (node.left, node.right))
        and node.left.name == "w"
        and node.right.name in ("x", "a")
    )


def _with_sums(node):
    r"""Each w \cdot x as the sum over the units below of w_d x_d."""
    if _dot(node):
        product = Bin(
            "juxt", *(dataclasses.replace(part, indices=("#d",)) for part in (node.left, node.right))
        )
        return Sum("#d", 1, None, product, column=node.column)
    return map_children(node, _with_sums)


def _one_index(node) -> bool:
    return isinstance(node, Sym) and node.name == "w" and node.indices is not None and len(node.indices) == 1


def _with_both(network: Network, formula: Formula, node):
    if _one_index(node):
        return _both(network, formula, node)
    return map_children(node, lambda child: _with_both(network, formula, child))


def _both(network: Network, formula: Formula, sym: Sym) -> Sym:
    """w_j as the weight from unit j to the one unit of the layer it enters, in the notation's order."""
    entered = _entered(network, formula, sym.layer)
    if entered is None or network.layers[entered] != 1:
        units = "an unknown number of" if entered is None else str(network.layers[entered])
        message = (
            f"{show(sym, formula.notation)}: a weight with one index is read only into a layer of one unit "
            f"(logistic regression's w_j); it enters a layer of {units} units: write both units (w_{{jk}})"
        )
        raise FormulaError(formula.text, sym.column, message)
    (index,) = sym.indices
    from_to = formula.notation.weight_indices == "from_to"
    return dataclasses.replace(sym, indices=(index, 1) if from_to else (1, index))


def _entered(network: Network, formula: Formula, layer: Layer | None) -> int | None:
    """The internal layer the weights of a written layer enter (None for the generic l or a skip)."""
    notation = formula.notation
    layer = layer or Layer("L", 0)
    if layer.base == "l" or layer.source is not None:
        return None
    numbering = notation.input_layer
    entered = layer.value(network.depth + numbering, None) - numbering
    entered += 1 if notation.weights_named_by == "leaving" else 0
    return entered if 1 <= entered <= network.depth else None


def _column(formula: Formula) -> int:
    return formula.text.find(formula.quantity.spelling or "") + 1
