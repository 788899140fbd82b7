"""A chain of equalities in one formula (Hjorth-Jensen's dA/dw = dA/dz dz/dw = a(1 - a) a_k): every side
after the first compared with the truth, and with its neighbour.

When the first side names a quantity of the derivation (dC/dw_{jk}), each later side is a claim about it,
judged as the formula first side = that side. When it is a derivative between two quantities of the network
(da^L_j/dw^L_{jk}), it is its own truth: every side is evaluated entry by entry at random points, one sample
each, and must equal it. The chain holds only if every side does; a failing side is named, with whether it
already differs from the side before it.
"""

from __future__ import annotations

import numpy as np

from symbp.spec.network import Network
from symbp.spec.notation import Notation
from symbp.verification.check_points import sample_evaluators
from symbp.verification.evaluate import Evaluator, entry_bindings
from symbp.verification.formula import gradients_as_symbols, with_unit_layers
from symbp.verification.formula_check import ATOL, RTOL
from symbp.verification.parse import FormulaError, parse_tree
from symbp.verification.point import EvalError
from symbp.verification.tree import Call, Jacobian, Node, Sym, walk
from symbp.verification.verdict import Verdict

_OPEN, _CLOSE = "{([", "})]"


def chain_sides(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each side of the formula's = signs outside brackets (one pair: no chain)."""
    depth, start, sides = 0, 0, []
    for place, char in enumerate(text):
        if char in _OPEN and text[place - 1 : place] != "\\":
            depth += 1
        elif char in _CLOSE and text[place - 1 : place] != "\\":
            depth -= 1
        elif char == "=" and depth == 0 and text[place - 1 : place] not in (":", "<", ">", "!", "&"):
            sides.append((start, place))
            start = place + 1
    return [*sides, (start, len(text))]


def pair(text: str, sides: list, index: int) -> str:
    """The formula first side = side ``index``, the sides between blanked so every column stays put."""
    first_end, (start, end) = sides[0][1], sides[index]
    return text[: first_end + 1] + " " * (start - first_end - 1) + text[start:end]


def is_network_derivative(text: str, notation: Notation) -> bool:
    """Is the chain's first side a derivative between two quantities of the network (its own truth), or an
    activation's derivative f'(z_j)?"""
    left, _ = parse_tree(text, notation)
    # da_j/dz_j is read as f'(z_j) as soon as it is parsed
    return isinstance(left, Jacobian) or (isinstance(left, Call) and left.prime)


def identity_chain(network: Network, text: str, notation: Notation, points: int, seed: int) -> Verdict:
    """The verdict of a chain whose first side is a derivative between quantities of the network."""
    sides = chain_sides(text)
    pairs = [pair(text, sides, index) for index in range(1, len(sides))]
    nodes = [_side(pairs[0], notation, left=True)] + [_side(written, notation) for written in pairs]
    shown = _shown(text, sides)
    letters = list(
        dict.fromkeys(
            index
            for node in walk(nodes[0])
            if isinstance(node, Sym)
            for index in node.indices or ()
            if isinstance(index, str)
        )
    )
    symbols = [node for side in nodes for node in walk(side) if isinstance(node, Sym)]
    generic = next((sym for sym in symbols if sym.layer is not None and sym.layer.base == "l"), None)
    if generic is not None:
        message = f"{shown[0]} is its own truth only at a written layer (L, 2), not at the generic l"
        raise FormulaError(text, generic.column or 1, message)
    names = {sym.name for sym in symbols}
    unequal, largest = {}, 0.0  # unequal: side -> its first differing entry, or why it has no value
    for evaluator in sample_evaluators(network, notation, names, points, seed):
        for bindings in _entries(evaluator, nodes[0], letters, text, shown[0]):
            truth = _value(evaluator, nodes[0], bindings, text, shown[0])
            for index, node in enumerate(nodes[1:], start=1):
                try:
                    number = evaluator.scalar(node, bindings)
                except EvalError as error:
                    unequal.setdefault(index, str(error))
                    continue
                if np.isclose(number, truth, rtol=RTOL, atol=ATOL):
                    largest = max(largest, abs(number - truth))
                else:
                    entry = ", ".join(f"{letter} = {value}" for letter, value in bindings.items())
                    at = f" at {entry}" if entry else ""
                    unequal.setdefault(index, f"{number:.10g} against {truth:.10g}{at}")
    if not unequal:
        note = (
            f"a chain of {len(nodes)} sides: each equals the first, the derivative through the network"
            if len(nodes) > 2
            else f"{shown[0]} evaluated as the derivative through the network, entry by entry"
        )
        return Verdict(text, True, "numerically", points, largest, [note])
    index = min(unequal)
    diagnosis = f"the side {shown[index]} is not equal to {shown[0]}"
    diagnosis += f" ({unequal[index]})"
    if index > 1:
        diagnosis += f", while the side before it, {shown[index - 1]}, is: the step from it is wrong"
    return Verdict(text, False, "numerically", points, np.inf, [], diagnosis)


def _entries(evaluator: Evaluator, first: Node, letters: list, text: str, shown: str) -> list[dict]:
    """The bindings of the first side's index letters, entry by entry; refused when it has no entries."""
    try:
        return entry_bindings(evaluator, first, letters)
    except EvalError as error:
        raise FormulaError(text, error.column or 1, f"{shown} cannot be evaluated: {error}") from None


def _value(evaluator: Evaluator, first: Node, bindings: dict, text: str, shown: str):
    """The first side's entry: the truth; a first side that names nothing here is refused, naming it."""
    try:
        return evaluator.scalar(first, bindings)
    except EvalError as error:
        raise FormulaError(text, error.column or 1, f"{shown} cannot be evaluated: {error}") from None


def _shown(text: str, sides: list) -> list[str]:
    """Each side as written, without the punctuation that ends a display formula."""
    return [text[start:end].strip().rstrip(".,;").strip() for start, end in sides]


def _side(text: str, notation: Notation, left: bool = False) -> Node:
    """One side of a pair as an expression to evaluate (gradients of the cost as the symbols they name)."""
    first, second = (with_unit_layers(side, notation) for side in parse_tree(text, notation))
    return gradients_as_symbols(text, first if left else second, notation)


def quantity_chain(sides: list, text: str, verdicts: list[Verdict]) -> Verdict:
    """The verdict of a chain whose first side names a quantity, from each side's own verdict."""
    shown = _shown(text, sides)
    for index, verdict in enumerate(verdicts, start=1):
        if not verdict.holds:
            verdict.formula = text
            said = f"the side {shown[index]} does not hold"
            if index > 1:
                said += f", while the side before it, {shown[index - 1]}, does: the step from it is wrong"
            verdict.diagnosis = f"{said}: {verdict.diagnosis}" if verdict.diagnosis else said
            return verdict
    verdict = verdicts[-1]
    verdict.formula = text
    verdict.notes.insert(0, f"a chain of {len(sides)} sides: each side after the first holds")
    return verdict
