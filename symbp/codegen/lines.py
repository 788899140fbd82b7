"""Assignments that fit the line limit, so generated code passes ``ruff format --check`` as printed.

A long derived expression (a custom activation's derivative, say) is not
wrapped the way ruff would wrap it; instead its largest part is assigned to a
named temporary first (``delta2_1 = ...``), repeatedly, until every statement
fits. Inside an ``Elementwise`` body the part becomes a new entrywise array
over the same matrices, so the temporaries stay plain NumPy arrays.
"""

from __future__ import annotations

import sympy as sp

from symbp.derivation.symbolic import Elementwise

LINE_LIMIT = 110


def _direct(expr) -> bool:
    return isinstance(expr, sp.MatrixSymbol) or (
        isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.MatrixSymbol)
    )


class Assigner:
    """Statements ``target = expr`` no longer than the limit at a given indentation."""

    def __init__(self, printer, indent: int):
        self.printer = printer
        self.indent = indent

    def __call__(self, target: str, expr) -> list[str]:
        statements: list[str] = []
        self.root = target
        self._assign(target, expr, statements, [0])
        return statements

    def _fits(self, target: str, expr) -> bool:
        return self.indent + len(target) + 3 + len(self.printer.doprint(expr)) <= LINE_LIMIT

    def _assign(self, target: str, expr, statements: list[str], counter: list[int]):
        while not self._fits(target, expr):
            spilled = self._spill(target, expr, statements, counter)
            if spilled is None:
                break  # nothing left to split: an atom longer than the line
            expr = spilled
        statements.append(f"{target} = {self.printer.doprint(expr)}")

    def _temporary(self, target: str, shape, counter: list[int]) -> sp.MatrixSymbol:
        counter[0] += 1
        return sp.MatrixSymbol(f"{self.root}_{counter[0]}", *shape)

    def _spill(self, target, expr, statements, counter):
        """``expr`` with its largest part replaced by a temporary assigned in ``statements``."""
        if isinstance(expr, Elementwise):
            return self._spill_body(target, expr, statements, counter)
        parts = [arg for arg in expr.args if getattr(arg, "is_Matrix", False) and not _direct(arg)]
        if not parts:
            return None
        part = max(parts, key=lambda arg: len(self.printer.doprint(arg)))
        temporary = self._temporary(target, part.shape, counter)
        self._assign(temporary.name, part, statements, counter)
        return expr.xreplace({part: temporary})

    def _spill_body(self, target, expr: Elementwise, statements, counter):
        body = expr.function.expr
        variables = set(expr.function.variables)
        parts = [arg for arg in body.args if arg.free_symbols & variables and not arg.is_Symbol]
        if not parts:
            return None
        part = max(parts, key=lambda arg: len(sp.srepr(arg)))
        temporary = self._temporary(target, expr.shape, counter)
        used = [(v, m) for v, m in zip(expr.function.variables, expr.matrices, strict=True) if part.has(v)]
        inner = Elementwise(sp.Lambda(tuple(v for v, _ in used), part), *(m for _, m in used))
        self._assign(temporary.name, inner, statements, counter)
        slot = sp.Dummy("spilled")
        new_body = body.xreplace({part: slot})
        return Elementwise(sp.Lambda((*expr.function.variables, slot), new_body), *expr.matrices, temporary)
