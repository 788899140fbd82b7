"""A family's letter written as an index (Mazur's w_{ho} beside out_{h1}): the one unit of that family the
formula names.

Worked examples name their units (h1, o2; h = {quantity = "units", layer = 1}) and write a family's letter
where a general formula has an index: \\sum_o \\delta_o w_{ho} out_{h1}(1 - out_{h1}) is about h1. A letter
summed over or on the left side stays an index; any other is the family's unit the formula names, and is
refused, naming it, when the formula names none or several.
"""

from __future__ import annotations

import re

from symbp.spec.notation import Notation
from symbp.verification.parse import FormulaError
from symbp.verification.tree import Node, Sum, Sym, children, with_index
from symbp.verification.written import show


def with_named_units(text: str, rhs: Node, bound: frozenset, notation: Notation) -> Node:
    """``rhs`` with each free index that is a family's letter fixed to the one unit of it the text names."""
    families = {entry.name for entry in notation.declared("units") if len(entry.name) == 1}
    for letter, sym in _free(rhs, bound):
        if letter not in families:
            continue
        numbers = sorted(set(re.findall(rf"(?<![A-Za-z\\]){letter}_?\{{?([0-9]+)\}}?", text)))
        if len(numbers) != 1:
            named = ", ".join(letter + number for number in numbers) or "none"
            message = (
                f"{letter} in {show(sym, notation)} is neither summed nor on the left side, and stands for a "
                f"unit of the family {letter} only where the formula names one (it names {named}): write "
                f"\\sum_{letter} or the unit"
            )
            raise FormulaError(text, sym.column, message)
        rhs = with_index(rhs, letter, int(numbers[0]))
    return rhs


def _free(node: Node, bound: frozenset) -> list[tuple[str, Sym]]:
    """The (letter, symbol) of each index letter neither in ``bound`` nor summed over where it is used."""
    if isinstance(node, Sym):
        return [
            (index, node) for index in node.indices or () if isinstance(index, str) and index not in bound
        ]
    if isinstance(node, Sum):
        bound = bound | {node.index}
    return [found for child in children(node) for found in _free(child, bound)]
