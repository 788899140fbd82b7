"""A derivation's definition of a symbol the notation already knows ("where Err_k = y_k - a_k"): not a
gradient to compare with the derivation, but an identity, checked entry by entry at random points (one
sample each) with both sides evaluated as any formula's right side is."""

from __future__ import annotations

import numpy as np

from symbp.spec.network import Network
from symbp.spec.notation import Notation
from symbp.verification.check_points import sample_evaluators
from symbp.verification.evaluate import entry_bindings
from symbp.verification.formula import with_unit_layers
from symbp.verification.parse import parse_tree
from symbp.verification.point import EvalError
from symbp.verification.tree import Sym, walk


def identity_counterexample(
    network: Network, text: str, notation: Notation, points: int, seed: int
) -> str | None | bool:
    """Where ``text``, a known symbol = an expression, fails at ``points`` random points: one line naming
    the entry and the two values, or False when it holds everywhere; None when its left side is not one
    symbol or a side cannot be evaluated on this network (FormulaError when unread)."""
    left, right = (with_unit_layers(side, notation) for side in parse_tree(text, notation))
    if not isinstance(left, Sym) or left.name in ("cost", "N", "e", "width", "lambda"):
        return None
    names = {node.name for side in (left, right) for node in walk(side) if isinstance(node, Sym)}
    letters = [index for index in left.indices or () if isinstance(index, str)]
    for number, evaluator in enumerate(sample_evaluators(network, notation, names, points, seed), start=1):
        try:
            for bindings in entry_bindings(evaluator, left, letters):
                expected, claimed = evaluator.scalar(left, bindings), evaluator.scalar(right, bindings)
                if not np.isclose(claimed, expected, rtol=1e-7, atol=1e-9):
                    entry = ", ".join(f"{letter}={value}" for letter, value in bindings.items())
                    at = f"{entry} at random point {number}" if entry else f"random point {number}"
                    return f"at {at}: the left side is {expected:.10g}, the right side {claimed:.10g}"
        except EvalError:
            return None
    return False
