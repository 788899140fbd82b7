"""Tidy derived matrix expressions before printing, without changing their value.

Three rewrites, each an identity:
* scalar factors are pulled out of products (``split``), so a line reads as
  one coefficient times a matrix expression;
* the entrywise factors of a Hadamard product are fused into one
  ``Elementwise`` whose body is cancelled when that makes it shorter: the
  product ``(-(t/a) + (1-t)/(1-a)) * a(1-a)`` that sigmoid with binary
  cross-entropy gives becomes ``a - t``, which cannot divide 0 by 0 when an
  output saturates;
* ``scale_lines`` turns the backward lines into lines for ``factor`` times each
  quantity (the in-place training step folds the learning rate into the
  output delta this way, so the update is one subtraction per parameter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from symbp.derivation.symbolic import Activate, Broadcast, ColumnSum, Elementwise


@dataclass(frozen=True)
class Line:
    """``target = coefficient * core``: one printed statement of the step."""

    target: sp.MatrixSymbol
    coefficient: sp.Expr
    core: sp.MatrixExpr
    label: str


def split(expr) -> tuple[sp.Expr, sp.MatrixExpr | None]:
    """(scalar coefficient, matrix core) with expr == coefficient * core."""
    if not getattr(expr, "is_Matrix", False):
        return sp.sympify(expr), None
    if isinstance(expr, sp.MatMul):
        coefficient, cores = sp.Integer(1), []
        for arg in expr.args:
            c, core = split(arg)
            coefficient *= c
            if core is not None:
                cores.append(core)
        if len(cores) == 1 and isinstance(cores[0], sp.MatAdd) and coefficient != 1:
            # distribute, so that a factor cancels against the terms' own coefficients
            return split(sp.MatAdd(*(sp.MatMul(coefficient, term) for term in cores[0].args)))
        return coefficient, cores[0] if len(cores) == 1 else sp.MatMul(*cores)
    if isinstance(expr, sp.HadamardProduct):
        return _hadamard([split(arg) for arg in expr.args])
    if isinstance(expr, sp.Transpose):
        c, core = split(expr.arg)
        return c, sp.Transpose(core)
    if isinstance(expr, ColumnSum):
        c, core = split(expr.args[0])
        return c, ColumnSum(core)
    if isinstance(expr, Broadcast):
        c, core = split(expr.args[0])
        return c, Broadcast(core, expr.args[1])
    if isinstance(expr, sp.MatAdd):
        terms = [split(arg) for arg in expr.args]
        common = terms[0][0]
        if all(c == common for c, _ in terms):
            return common, sp.MatAdd(*(core for _, core in terms))
        return sp.Integer(1), sp.MatAdd(*(_times(c, core) for c, core in terms))
    if isinstance(expr, Elementwise):
        return sp.Integer(1), _elementwise(expr)
    if isinstance(expr, Activate):
        return sp.Integer(1), Activate(expr.args[0], tidy(expr.args[1]))
    return sp.Integer(1), expr


def _times(coefficient, core):
    return core if coefficient == 1 else sp.MatMul(coefficient, core)


def tidy(expr):
    """The same matrix expression with its scalar coefficient in front."""
    coefficient, core = split(expr)
    return _times(coefficient, core)


def _elementwise(expr: Elementwise) -> Elementwise:
    """Scalar coefficients of the arguments moved into the body."""
    body = expr.function.expr
    matrices = []
    for variable, matrix in zip(expr.function.variables, expr.matrices, strict=True):
        c, core = split(matrix)
        body = body.xreplace({variable: c * variable}) if c != 1 else body
        matrices.append(core)
    return Elementwise(sp.Lambda(expr.function.variables, body), *matrices)


def _hadamard(parts) -> tuple[sp.Expr, sp.MatrixExpr]:
    coefficient = sp.Mul(*(c for c, _ in parts))
    others, bodies, slots = [], [], {}
    for _, core in parts:
        if isinstance(core, sp.HadamardProduct):
            others.extend(core.args)
        elif isinstance(core, Elementwise):
            renamed = {}
            for variable, matrix in zip(core.function.variables, core.matrices, strict=True):
                slots.setdefault(matrix, sp.Dummy(f"m{len(slots)}"))
                renamed[variable] = slots[matrix]
            bodies.append(core.function.expr.xreplace(renamed))
        else:
            others.append(core)
    if bodies:
        body = _shortest(sp.Mul(*bodies))
        if body.is_Number:
            coefficient *= body
        else:
            used = [(slot, matrix) for matrix, slot in slots.items() if body.has(slot)]
            variables = tuple(slot for slot, _ in used)
            others.append(Elementwise(sp.Lambda(variables, body), *(matrix for _, matrix in used)))
    if not others:
        raise ValueError("a Hadamard product of constants has no shape")
    return coefficient, others[0] if len(others) == 1 else sp.HadamardProduct(*others)


_CANONICAL: dict[str, sp.Dummy] = {}


def _shortest(body: sp.Expr) -> sp.Expr:
    """``body`` or its cancelled, factored form, whichever has fewer operations.

    Every hidden layer's backward line has the same body up to its fresh slot
    Dummies, and factoring each would be most of generate()'s time; so the work is
    memoised on the body with each Dummy renamed to one canonical Dummy of the
    same name (same names, same order: the same factored form).
    """
    dummies = body.atoms(sp.Dummy)
    if len({dummy.name for dummy in dummies}) < len(dummies):
        return _shortest_form(body)
    forward = {dummy: _CANONICAL.setdefault(dummy.name, sp.Dummy(dummy.name)) for dummy in dummies}
    back = {canonical: dummy for dummy, canonical in forward.items()}
    return _shortest_form(body.xreplace(forward)).xreplace(back)


@lru_cache(maxsize=1024)
def _shortest_form(body: sp.Expr) -> sp.Expr:
    candidate = sp.factor(sp.cancel(body))
    return candidate if sp.count_ops(candidate) < sp.count_ops(body) else body


def tidy_lines(lines) -> list[Line]:
    """Derivation MatrixLines as tidy ``Line``s (coefficient and core apart)."""
    result = []
    for line in lines:
        coefficient, core = split(line.expr)
        result.append(Line(line.target, coefficient, core, line.label))
    return result


def scale_lines(lines: list[Line], factor: sp.Symbol) -> list[Line] | None:
    """Lines computing ``factor`` times each target, or None when some line is not linear in them.

    A line may read earlier targets; those already hold ``factor`` times their
    value, so they are divided by ``factor`` before the whole line is
    multiplied by it; the factor may stay in a term's coefficient (the l2 term
    lr * lambda * W) but not inside an entrywise function.
    """
    scaled: dict = {}
    result = []
    for line in lines:
        expr = _times(line.coefficient, line.core).xreplace(scaled)
        coefficient, core = split(sp.MatMul(factor, expr))
        if any(
            factor in node.free_symbols
            for node in sp.preorder_traversal(core)
            if isinstance(node, Elementwise)
        ):
            return None
        result.append(Line(line.target, sp.factor(coefficient), core, line.label))
        scaled[line.target] = sp.MatMul(1 / factor, line.target)
    return result
