"""The weights of a layer of one unit written as one vector (Jurafsky and Martin's w, as in w \\cdot x):
in a column layout the matrix W of such a layer is a 1 x n row, while the writer's w is a column, so a
gradient by that w written without indices is refused, naming it, rather than judged as the row's."""

from __future__ import annotations

from symbp.spec.network import Network
from symbp.verification.formula import Formula, FormulaError
from symbp.verification.lexicon import unwrapped
from symbp.verification.tree import Layer


def vector_weight_refusal(network: Network, formula: Formula) -> FormulaError | None:
    """The refusal of a gradient by a one-unit layer's weights spelled as an entry (w, not W) without
    indices in a column layout, fed by several units; None for any other formula."""
    quantity, notation = formula.quantity, formula.notation
    entry_spelling = unwrapped(quantity.spelling or "") == notation.weight != notation.weight_matrix
    if not (formula.matrix and quantity.kind == "w" and notation.layout == "column" and entry_spelling):
        return None
    layer = quantity.layer or Layer("L", 0)
    if layer.base == "l" or layer.source is not None:
        return None
    numbering = notation.input_layer
    entered = layer.value(network.depth + numbering, None) - numbering
    entered += 1 if notation.weights_named_by == "leaving" else 0
    # a 1 x 1 matrix is its own transpose (3Blue1Brown's chain of single neurons)
    if not 1 <= entered <= network.depth or network.layers[entered] != 1 or network.layers[entered - 1] == 1:
        return None
    written, matrix = quantity.spelling, notation.weight_matrix
    message = (
        f"{written} without indices names the weights of a layer of one unit: a column vector (as in "
        f"{written} \\cdot x) or the 1 x {network.layers[entered - 1]} matrix {matrix} of a column layout "
        f"cannot be told; write {matrix} for the matrix"
    )
    return FormulaError(formula.text, max(1, _column(formula)), message)


def _column(formula: Formula) -> int:
    return formula.text.find(formula.quantity.spelling or "") + 1
