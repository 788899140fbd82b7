"""What verify does not read on a graph network, refused in one line naming the token.

A graph's layers may take several weighted inputs, skip layers, add identity
inputs and share matrices, so two things a chain's reading relies on do not
hold there: a weight matrix W^{(l)} from the layer below may not exist (a layer
fed only by a skip) or be another's matrix (a tie), and Ng's sums of the
examples' gradients (Delta, D) are a chain's A^{(l-1)T} delta^{(l)}. Each is refused
before anything is judged, never read a chain's way. (A derivative between two
quantities is read through every path: ``symbp.verification.graph_jacobians``.)
"""

from __future__ import annotations

from symbp.verification.evaluate import Evaluator
from symbp.verification.formula import FormulaError
from symbp.verification.layer_sets import bound_letters
from symbp.verification.point import EvalError, reads_as_graph
from symbp.verification.tree import Sym, walk
from symbp.verification.written import show


def graph_refusal(check) -> FormulaError | None:
    """The refusal of the first token of ``check``'s formula not read on its network (None: all read):
    on a chain, only a skip's matrix W^{(l,s)}."""
    network, formula = check.network, check.formula
    text, say = formula.text, lambda node: show(node, formula.notation)
    graph = reads_as_graph(network)
    for node in walk(formula.rhs) if graph else ():
        if isinstance(node, Sym) and node.name in ("accumulator", "gradient"):
            message = (
                f"{say(node)}, a sum of the examples' gradients, is read on chains only: write "
                "\\partial C/\\partial W of the layer instead"
            )
            return FormulaError(text, node.column, message)
    if not check.generic:
        return None
    evaluator = Evaluator(check.points[0][1], check.reading(check.generic[0]))
    weights = [node for node in walk(formula.rhs) if isinstance(node, Sym) and node.name == "w"]
    if formula.quantity.kind == "w":
        weights.insert(0, formula.quantity.symbol())
    if not graph:
        weights = [sym for sym in weights if sym.layer is not None and sym.layer.source is not None]
    for sym in weights:
        if sym.layer is not None and (sym.layer.base == "l" or bound_letters(sym.layer)):
            continue  # a generic layer (or a set's member) is read for the values where its matrix exists
        try:
            evaluator.layer_of(sym)
        except EvalError as error:
            return FormulaError(text, max(sym.column, 1), str(error))
    return None
