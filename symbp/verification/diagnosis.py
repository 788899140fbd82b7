"""Why a formula fails: small edits of the claim, tried until one of them holds.

Each candidate is the claim with one typical slip undone (a sign, a factor
1/N or 2, the activation derivative, a weight, a transpose, swapped indices,
f' at the activation instead of the pre-activation, the derivative of another
activation, a regularisation term forgotten or doubled, a layer off by one);
the first edit that makes the formula hold at every check point names the
slip. When no single edit does, pairs of edits are tried the same way (two
slips). No candidate holding means no diagnosis, not a guess. Diagnoses are
written in the formula's notation (\\Theta^{(2)}, not W^{(2)}).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from symbp.verification.edits import substitute
from symbp.verification.formula import PER_UNIT, Formula
from symbp.verification.slips import (
    Candidate,
    derivative_arguments,
    factor_orders,
    is_named,
    layer_shifts,
    missing_factors,
    missing_sums,
    pre_post_swaps,
    regularisation,
    reversed_conditions,
    swapped_letters,
    transposes,
    wrong_derivatives,
)
from symbp.verification.tree import (
    Bin,
    Call,
    Neg,
    Node,
    NpSum,
    Num,
    Sym,
    Transpose,
    walk,
)
from symbp.verification.written import show

# pairs of repairs tried at the most: about a second on small networks (0.15 ms a pair). A pair costs
# more on a big network, so there the limit shrinks in proportion beyond PAIR_FULL_SIZE parameters
# (a count, not a time budget, so the same formula gets the same diagnosis on every machine).
PAIR_LIMIT = 6000
PAIR_FULL_SIZE = 1000
PAIR_MINIMUM = 200


def pair_limit(parameters: int) -> int:
    return max(PAIR_MINIMUM, min(PAIR_LIMIT, PAIR_LIMIT * PAIR_FULL_SIZE // max(parameters, 1)))


def _factor_words(node: Node, say) -> str:
    if isinstance(node, Call) and node.func == "act" and node.prime:
        return f"the activation derivative {say(node)}"
    if isinstance(node, Sym) and node.name == "w" or isinstance(node, Transpose) and is_named(node.arg, "w"):
        return f"a weight {say(node)}"
    if isinstance(node, Sym) and node.name == "N":
        return say(node)
    return say(node)


def _unit_indices(formula: Formula) -> tuple | None:
    """The left side's unit index (and sample index) for a factor of one unit, None in a matrix formula."""
    if formula.matrix:
        return None
    quantity = formula.quantity
    if quantity.kind in PER_UNIT and len(quantity.indices) == 2:
        return quantity.indices
    if quantity.kind == "w":
        above = 0 if formula.notation.weight_indices == "to_from" else 1
        return quantity.indices[above : above + 1]
    return quantity.indices[-1:]


def candidates(formula: Formula):
    """Candidate repairs, simplest first."""
    rhs = formula.rhs
    notation = formula.notation
    say = partial(show, notation=notation)
    nodes = list(walk(rhs))
    layers = []
    for layer in [formula.quantity.layer] + [node.layer for node in nodes if isinstance(node, Sym)]:
        if layer not in layers:
            layers.append(layer)
    samples = say(Sym("N"))
    yield Candidate("sign flipped: the right side is the negative of the derivative", Neg(rhs))
    if formula.matrix:
        yield Candidate(
            "indices transposed: the right side is the transpose of the derivative", Transpose(rhs)
        )
    yield Candidate(f"a factor 1/{samples} is missing", Bin("div", rhs, Sym("N")))
    yield Candidate(f"an extra factor 1/{samples}", Bin("star", rhs, Sym("N")))
    yield Candidate("a factor 2 too many (or a 1/2 missing)", Bin("div", rhs, Num(2.0)))
    yield Candidate("a factor 2 is missing", Bin("star", rhs, Num(2.0)))
    factor = Call("act", True, Sym("z", formula.quantity.layer, _unit_indices(formula)))
    yield Candidate(
        f"a factor is missing: the activation derivative {say(factor)}", Bin("hadamard", rhs, factor)
    )
    for node in nodes:
        if isinstance(node, Call) and node.func == "act" and not node.prime:
            yield Candidate(
                f"{say(node)} where the derivative {say(replace(node, prime=True))} is needed",
                substitute(rhs, node, replace(node, prime=True)),
            )
    yield from derivative_arguments(rhs, nodes, say)
    yield from pre_post_swaps(rhs, nodes, say)
    yield from swapped_letters(formula, rhs, say)
    for node in nodes:
        if isinstance(node, Bin) and node.op in ("juxt", "star", "matmul", "hadamard"):
            for kept, dropped in ((node.left, node.right), (node.right, node.left)):
                yield Candidate(
                    f"an extra factor: {_factor_words(dropped, say)}", substitute(rhs, node, kept)
                )
        if isinstance(node, Bin) and node.op == "div":
            yield Candidate(f"an extra factor 1/{say(node.right)}", substitute(rhs, node, node.left))
    yield from missing_sums(formula, rhs, nodes)
    for node in nodes:
        if isinstance(node, NpSum) and node.axis is not None:
            other = 1 - node.axis
            yield Candidate(
                f"np.sum over axis {node.axis} where axis {other} is needed",
                substitute(rhs, node, replace(node, axis=other)),
            )
    yield from reversed_conditions(rhs, nodes, say)
    yield from transposes(formula, rhs, nodes, say)
    yield from factor_orders(rhs, nodes, say)
    yield from regularisation(formula, rhs, say)
    yield from layer_shifts(formula, rhs, nodes, say)
    yield from missing_factors(formula, rhs, nodes, layers, say)
    yield from wrong_derivatives(rhs, nodes, say)


def two_slips(formula: Formula, limit: int = PAIR_LIMIT):
    """Pairs of repairs, for a claim that no single one explains: each candidate, then each of its own.

    At most ``limit`` pairs, simplest first, so a claim far from any repair
    costs a bounded search and the same search every time.
    """
    tried = 0
    for first in candidates(formula):
        for second in candidates(replace(formula, rhs=first.rhs)):
            if first.shift and second.shift:
                continue
            if tried == limit:
                return
            tried += 1
            # one slip made at two occurrences (o(1 - o) at the wrong unit) is named once
            again = "the same in a second place" if second.description == first.description else None
            yield Candidate(
                f"two slips: {first.description}; and {again or second.description}",
                second.rhs,
                first.shift + second.shift,
            )
