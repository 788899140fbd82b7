"""The shape rules of a matrix formula: products, elementwise operations and broadcasting.

Juxtaposition means the matrix product when the shapes allow it and the
elementwise product of same-shaped matrices; a chain of products that does
not fit left to right is tried in every other grouping.
"""

from __future__ import annotations

import numpy as np

from symbp.verification.point import EvalError
from symbp.verification.tree import Bin, Node


def _shape(value) -> str:
    return "x".join(str(size) for size in value.shape) if isinstance(value, np.ndarray) else "scalar"


def _broadcastable(left, right, columns: bool = False) -> bool:
    """Same shape, or one a scalar or a (1, n) row added to every sample (columns: an (n, 1) column)."""
    if not isinstance(left, np.ndarray) or not isinstance(right, np.ndarray):
        return True
    if left.shape == right.shape:
        return True
    if columns:
        return left.shape[0] == right.shape[0] and 1 in (left.shape[1], right.shape[1])
    return left.shape[1] == right.shape[1] and 1 in (left.shape[0], right.shape[0])


def flatten(node: Node) -> list:
    """The factors of a chain of side-by-side products."""
    if isinstance(node, Bin) and node.op == "juxt":
        return flatten(node.left) + flatten(node.right)
    return [node]


def groupings(factors: list, values: list, columns: bool = False):
    """(value, notes) of every grouping of a product chain that fits the shapes."""
    if len(values) == 1:
        yield values[0], []
        return
    for split in range(len(values) - 1, 0, -1):
        for left, left_notes in groupings(factors[:split], values[:split], columns):
            for right, right_notes in groupings(factors[split:], values[split:], columns):
                notes = left_notes + right_notes
                joint = Bin("juxt", factors[split - 1], factors[split], column=factors[split].column)
                try:
                    yield combine(joint, left, right, notes, columns), notes
                except EvalError:
                    continue


def combine(node: Bin, left, right, notes: list, columns: bool = False):
    """One binary operation of a matrix formula, with the shape rules of the module docstring."""
    op = node.op
    both = isinstance(left, np.ndarray) and isinstance(right, np.ndarray)
    if op == "juxt" and both:
        if left.shape == right.shape:
            note = (
                f"the product at column {node.column} is read as the elementwise product "
                "(two matrices of the same shape written side by side, "
                "as Neural Networks Demystified writes them)"
            )
            if note not in notes:
                notes.append(note)
            return left * right
        op = "matmul"
    if op == "matmul" and both:
        if left.shape[1] != right.shape[0]:
            raise EvalError(f"a {_shape(left)} matrix cannot multiply a {_shape(right)} matrix", node.column)
        with np.errstate(all="ignore"):  # inf and nan are values a claim may have; the verdict reports them
            return left @ right
    if op in ("add", "sub", "hadamard", "star", "div", "pow") and not _broadcastable(left, right, columns):
        raise EvalError(f"shapes {_shape(left)} and {_shape(right)} do not match", node.column)
    with np.errstate(all="ignore"):
        if op == "add":
            return left + right
        if op == "sub":
            return left - right
        if op == "div":
            # np.divide, as two Python scalars (0/0 written in a formula) would raise ZeroDivisionError
            return np.divide(left, right)
        if op == "pow":
            return np.power(left, right)
        return left * right
