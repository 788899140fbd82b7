"""Where a piecewise expression switches branch, and which branch holds at a point.

An activation or cost built from Piecewise, Abs, Heaviside, sign, Max or Min is
smooth inside each branch and has kinks where its conditions change truth. The
reference numbers read it branch by branch: a central difference is taken only
where no condition changes within the step (``Kinks.near``), or one-sided on the
side where the branch of the point goes on holding (``Kinks.side``), and the
exact reference differentiates the branch that holds at the instance's point
(``branch_at``), which is smooth, instead of folding Piecewise symbolically.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import sympy as sp

from symbp.derivation.reference.differences import STEP
from symbp.spec.expressions import NUMPY_MODULES

# No z within a margin of a kink: the widest that a few draws reach. A wide network has too many
# z entries for 20 steps; a central difference moves a z by about one step, so two still clear it.
MARGINS = (20 * STEP, 5 * STEP, 2 * STEP)
ATTEMPTS = 40

_SWITCHING = (sp.Piecewise, sp.Abs, sp.Heaviside, sp.sign, sp.Max, sp.Min)


def _relations(condition) -> list:
    """The relations (z > 0, ...) a Piecewise condition is made of."""
    if isinstance(condition, sp.core.relational.Relational):
        return [condition]
    if isinstance(condition, (sp.And, sp.Or, sp.Not)):
        return [relation for arg in condition.args for relation in _relations(arg)]
    return []


@cache
def conditions(expr: sp.Expr) -> tuple:
    """The conditions whose truth picks the branch of ``expr`` (none for a smooth expression)."""
    found: list = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Piecewise):
            found += [relation for _, condition in node.args for relation in _relations(condition)]
        elif isinstance(node, (sp.Abs, sp.Heaviside, sp.sign)):
            found += [node.args[0] > 0, node.args[0] < 0]
        elif isinstance(node, (sp.Max, sp.Min)):
            found += [left > right for left, right in itertools.permutations(node.args, 2)]
    return tuple(dict.fromkeys(found))


class Kinks:
    """The branch pattern of an expression in ``symbols`` over arrays of points."""

    def __init__(self, expr: sp.Expr, symbols: tuple):
        self.conditions = conditions(expr)
        self._truth = sp.lambdify(symbols, list(self.conditions), NUMPY_MODULES) if self.conditions else None

    def pattern(self, *values) -> np.ndarray:
        """(conditions, *shape) truth values at the points ``values`` (one array per symbol)."""
        shape = np.shape(values[0])
        if self._truth is None:
            return np.zeros((0, *shape), dtype=bool)
        return np.array([np.broadcast_to(truth, shape) for truth in self._truth(*values)], dtype=bool)

    def near(self, margin: float, first: np.ndarray, *rest) -> np.ndarray:
        """Where a branch changes within ``margin`` of ``first`` (the other symbols held)."""
        here = self.pattern(first, *rest)
        below, above = self.pattern(first - margin, *rest), self.pattern(first + margin, *rest)
        return np.any((below != here) | (above != here), axis=0)

    def side(self, margin: float, first: np.ndarray, *rest) -> np.ndarray:
        """-1 or +1 where the branch of the point holds only below or above it, 0 where it holds both ways."""
        here = self.pattern(first, *rest)
        below = np.all(self.pattern(first - margin, *rest) == here, axis=0)
        above = np.all(self.pattern(first + margin, *rest) == here, axis=0)
        return np.where(below & above, 0, np.where(below, -1, 1))


@cache
def kinks(expr: sp.Expr, symbols: tuple) -> Kinks:
    """``Kinks`` of an expression, made once per expression."""
    return Kinks(expr, symbols)


def branch_at(expr: sp.Expr, values: dict) -> sp.Expr:
    """``expr`` with every Piecewise, Abs, Heaviside, sign, Max and Min replaced by its branch at ``values``.

    At the point (and, away from a kink, around it) the result equals ``expr``, and it is smooth.
    """
    if not conditions(expr):
        return expr
    pattern = tuple(bool(condition.subs(values)) for condition in conditions(expr))
    return _branch(expr, pattern)


@cache
def _branch(expr: sp.Expr, pattern: tuple) -> sp.Expr:
    """``expr`` on the branch where its ``conditions`` have the truth values ``pattern``."""
    truth = dict(zip(conditions(expr), pattern, strict=True))

    def holds(condition) -> bool:
        if condition in (sp.true, True) or condition in (sp.false, False):
            return bool(condition)
        return bool(condition.xreplace(truth))

    def pick(node):
        if node.is_Atom:
            return node
        if isinstance(node, sp.Piecewise):
            return next(pick(value) for value, condition in node.args if holds(condition))
        argument = node.args[0] if node.args else None
        if isinstance(node, sp.Abs):
            return -pick(argument) if truth[argument < 0] else pick(argument)
        if isinstance(node, (sp.Heaviside, sp.sign)):
            positive, negative = truth[argument > 0], truth[argument < 0]
            if positive or negative:
                return sp.Integer(1 if positive else (0 if isinstance(node, sp.Heaviside) else -1))
            return node.func(sp.Integer(0), *node.args[1:])
        if isinstance(node, (sp.Max, sp.Min)):
            wins = (lambda x, y: truth[y > x]) if isinstance(node, sp.Max) else (lambda x, y: truth[x > y])
            chosen = next(x for x in node.args if not any(wins(x, y) for y in node.args if y is not x))
            return pick(chosen)
        return node.func(*[pick(arg) for arg in node.args])

    return pick(expr)


def away_from_kinks(draw):
    """``draw()`` (a point with ``clear_of_kinks(margin)``, or a tuple whose first item is one) again until
    it is clear of kinks by the widest of MARGINS it reaches in ATTEMPTS draws; the last draw if none is."""
    for margin in MARGINS:
        for _attempt in range(ATTEMPTS):
            drawn = draw()
            instance = drawn[0] if isinstance(drawn, tuple) else drawn
            if instance.clear_of_kinks(margin):
                return drawn
    return drawn
