"""A gradient of the cost summed or scaled over the samples: Ng's Delta written as the examples' gradients
summed, and the gradients by one sample's z or a that can mean the whole cost's or one sample's loss's
(read both ways by verify)."""

from __future__ import annotations

import re

from symbp.spec.notation import Notation
from symbp.verification.tree import Gradient, Node, Sum, Sym, children, walk


def summed_weight_gradient(node: Node, notation: Notation) -> Sym | None:
    """\\sum_d \\partial E_d/\\partial w_{ij}: one sample's loss's gradient by a weight summed over the
    samples (Brilliant's and Nielsen's mean of the examples' gradients) is the sum of the examples'
    gradients, Ng's Delta; None for any other node."""
    if not (isinstance(node, Sum) and isinstance(node.body, Gradient) and node.lower == 1):
        return None
    letter, by = notation.sample_index, node.body.by
    one_sample = re.search(rf"(_\{{?{letter}\}}?|\(\s*{letter}\s*\))$", node.body.cost)
    if node.index != letter or not one_sample or not (isinstance(by, Sym) and by.name == "w"):
        return None
    if node.upper is not None and not (isinstance(node.upper, Sym) and node.upper.name == "N"):
        return None
    return Sym("accumulator", by.layer, by.indices, spelling=None, column=node.column)


def sums_own_gradient(node: Node, cost: str, summed: frozenset) -> bool:
    """Is a gradient of ``cost`` by a sample's z or a (its first subscript) summed over that sample?"""
    if isinstance(node, Gradient) and node.cost == cost and isinstance(node.by, Sym):
        indices = node.by.indices or ()
        return node.by.name in ("z", "a") and len(indices) == 2 and indices[0] in summed
    if isinstance(node, Sum):
        summed = summed | {node.index}
    return any(sums_own_gradient(child, cost, summed) for child in children(node))


def scales_own_gradient(node: Node, quantity) -> bool:
    """Is a gradient of the cost by a sample's z or a, on the left or the right, scaled by the number of
    samples on the right (Nielsen's \\delta^l_{xj} = n \\partial C/\\partial a^l_{xj} ...)? There too C can
    mean the whole cost or one sample's loss."""
    nodes = list(walk(node))
    gradients = quantity.kind in ("act", "dz") or any(
        isinstance(item, Gradient)
        and item.cost == quantity.cost
        and getattr(item.by, "name", "") in ("z", "a", "yhat")
        for item in nodes
    )
    return gradients and any(isinstance(item, Sym) and item.name == "N" for item in nodes)
