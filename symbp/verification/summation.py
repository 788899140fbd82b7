"""Implicit summation (Einstein's convention): in a notation that declares it (``summation = "implicit"``),
an index repeated in a product and not on the left side is summed over that product, as a source that
writes \\delta^l_j = w^{l+1}_{kj}\\delta^{l+1}_k\\sigma'(z^l_j) means."""

from __future__ import annotations

from collections import Counter

from symbp.verification.tree import Bin, Jacobian, Neg, Node, Sum, Sym, children

_TERMS = ("add", "sub")


def _uses(node: Node, bound: frozenset) -> Counter:
    """How many symbols use each index not bound by a sum written inside ``node``."""
    if isinstance(node, Sym):
        return Counter(
            index for index in set(node.indices or ()) if isinstance(index, str) and index not in bound
        )
    if isinstance(node, Sum):
        bound = bound | {node.index}
    if isinstance(node, Jacobian):
        return _uses(node.of, bound) + _uses(node.by, bound)
    total = Counter()
    for child in children(node):
        total += _uses(child, bound)
    return total


def repeated_indices(node: Node, free: frozenset) -> list[str]:
    """The indices a term of ``node`` repeats that are neither free (on the left side) nor summed."""
    if isinstance(node, Bin) and node.op in _TERMS:
        return list(dict.fromkeys(repeated_indices(node.left, free) + repeated_indices(node.right, free)))
    if isinstance(node, Neg):
        return repeated_indices(node.arg, free)
    return sorted(
        index for index, count in _uses(node, frozenset()).items() if count > 1 and index not in free
    )


def with_implicit_sums(node: Node, free: frozenset) -> Node:
    """``node`` with each term's repeated indices summed over that term (the index's whole range)."""
    if isinstance(node, Bin) and node.op in _TERMS:
        left, right = with_implicit_sums(node.left, free), with_implicit_sums(node.right, free)
        return Bin(node.op, left, right, column=node.column)
    if isinstance(node, Neg):
        return Neg(with_implicit_sums(node.arg, free), column=node.column)
    for index in repeated_indices(node, free):
        node = Sum(index, 1, None, node, column=node.column)
    return node
