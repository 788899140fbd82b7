"""The repairs of each kind of slip: a formula's claim with one typical mistake undone.

Each generator yields Candidates (the repaired right side and what it repairs,
in the formula's notation); ``symbp.verification.diagnosis`` orders them and
tries them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from symbp.verification.edits import moved_layer, rename, replace_symbol, shift_all, substitute
from symbp.verification.formula import Formula, unit_layer
from symbp.verification.tree import (
    Bin,
    Call,
    Cases,
    Layer,
    Node,
    Num,
    Piece,
    Sum,
    Sym,
    Transpose,
    walk,
)
from symbp.verification.written import as_needed


@dataclass(frozen=True)
class Candidate:
    """The claim with one slip undone; ``shift`` moves the left side's layer instead."""

    description: str
    rhs: Node
    shift: int = 0


def is_named(node: Node, name: str) -> bool:
    return isinstance(node, Sym) and node.name == name


_REVERSED = {">": "<", "<": ">", ">=": "<=", "<=": ">="}


def reversed_conditions(rhs: Node, nodes: list, say):
    for node in nodes:
        if isinstance(node, Cases):
            for position, piece in enumerate(node.pieces):
                if piece.relation is None:
                    continue
                flipped = replace(piece, relation=_REVERSED[piece.relation])
                pieces = node.pieces[:position] + (flipped,) + node.pieces[position + 1 :]
                condition = f"{say(piece.left)} {piece.relation} {say(piece.right)}"
                yield Candidate(
                    f"the condition {condition} is reversed ({_REVERSED[piece.relation]} is needed)",
                    substitute(rhs, node, replace(node, pieces=pieces)),
                )


def missing_sums(formula: Formula, rhs: Node, nodes: list):
    """An index that is neither on the left side nor summed: the sum over it is missing."""
    if formula.matrix:
        return
    bound = set(formula.quantity.indices) | {node.index for node in nodes if isinstance(node, Sum)}
    free = []
    for node in nodes:
        if isinstance(node, Sym) and node.indices:
            free += [index for index in node.indices if isinstance(index, str) and index not in bound]
    for index in dict.fromkeys(free):
        yield Candidate(f"the sum over {index} is missing", Sum(index, 1, None, rhs))


def derivative_arguments(rhs: Node, nodes: list, say):
    """f' taken at the activation instead of the pre-activation, or the other way round."""
    swap = {"a": "z", "z": "a", "yhat": "z"}
    for node in nodes:
        if isinstance(node, Call) and node.func == "act" and node.prime and _is_one_of(node.arg, swap):
            argument = replace(node.arg, name=swap[node.arg.name])
            if node.arg.name == "yhat":
                argument = Sym("z", Layer("L", 0), node.arg.indices)
            moved = replace(node, arg=argument)
            where = "pre-activation" if node.arg.name == "z" else "activation"
            yield Candidate(
                f"{say(node)} where {say(moved)} is needed (f' taken at the {where})",
                substitute(rhs, node, moved),
            )


def _is_one_of(node: Node, names) -> bool:
    return isinstance(node, Sym) and node.name in names


def pre_post_swaps(rhs: Node, nodes: list, say):
    """The activation written where the pre-activation is meant, or the other way round (Bishop's a and
    z, z(1 - z) for a(1 - a)): every occurrence of one symbol in a sub-expression swapped."""
    swap = {"a": "z", "z": "a"}
    seen = set()
    for node in nodes:
        if isinstance(node, Call) and node.func == "act":
            continue
        symbols = [sym for sym in walk(node) if isinstance(sym, Sym)]
        kinds = {(sym.name, sym.layer, sym.indices) for sym in symbols}
        if (
            len(kinds) != 1
            or symbols[0].name not in swap
            or any(isinstance(inner, Call) for inner in walk(node))
        ):
            continue
        key = (kinds.pop(), id(node) if isinstance(node, Sym) else None)
        if key in seen:
            continue
        seen.add(key)
        first = symbols[0]
        swapped = replace(first, name=swap[first.name], spelling=None)
        changed = replace_symbol(node, first, swapped)
        yield Candidate(f"{say(first)} where {say(swapped)} is needed", substitute(rhs, node, changed))


def swapped_letters(formula: Formula, rhs: Node, say):
    """The two unit letters of a weight's entry exchanged on the right side (a_j delta_k for a_k delta_j)."""
    quantity = formula.quantity
    if (
        quantity.kind != "w"
        or quantity.indices is None
        or not all(isinstance(i, str) for i in quantity.indices)
    ):
        return
    first, second = quantity.indices
    swapped = rename(rhs, {first: second, second: first})
    wanted = say(Sym("w", quantity.layer, quantity.indices))
    written = say(Sym("w", quantity.layer, (second, first)))
    yield Candidate(
        f"swapped weight indices: the right side is the entry {written} where {wanted} is needed",
        swapped,
    )


def factor_orders(rhs: Node, nodes: list, say):
    """A matrix product written in the wrong order (a^T delta for delta a^T)."""
    for node in nodes:
        if isinstance(node, Bin) and node.op in ("juxt", "matmul"):
            flipped = replace(node, left=node.right, right=node.left)
            yield Candidate(
                f"the factors are in the wrong order: {say(flipped)} is needed",
                substitute(rhs, node, flipped),
            )


def transposes(formula: Formula, rhs: Node, nodes: list, say):
    notation = formula.notation
    below, above = notation.index_letters
    entry = below + above if notation.weight_indices == "from_to" else above + below
    joins = f"{say(Sym('w'))}_{{{entry}}} joins {below} below to {above}"
    for node in nodes:
        if isinstance(node, Transpose):
            yield Candidate(f"{say(node)} where {say(node.arg)} is needed", substitute(rhs, node, node.arg))
        elif isinstance(node, Sym) and node.name in ("a", "z", "delta", "x", "w", "t", "y", "yhat"):
            if (
                node.indices
                and len(node.indices) == 2
                and all(isinstance(index, str) for index in node.indices)
            ):
                swapped = replace(node, indices=node.indices[::-1])
                if node.layer is not None and node.layer.implied:
                    # a unit letter names the weight's layer (Mitchell's w_kh): swapped, the layer moves too
                    swapped = unit_layer(replace(swapped, layer=None), notation)
                why = (
                    f" (swapped weight indices: in the {notation.name} notation {joins})"
                    if is_named(node, "w")
                    else ""
                )
                yield Candidate(
                    f"indices transposed: {say(node)} where {say(swapped)} is needed{why}",
                    substitute(rhs, node, swapped),
                )
            elif node.name == "w" and len(node.indices or ()) == 2 and node.indices[0] != node.indices[1]:
                # a named weight (Mazur's w_6) where the one joining the same units the other way is meant
                swapped = replace(node, indices=node.indices[::-1])
                yield Candidate(
                    f"{say(node)} where {say(swapped)} is needed (the weight's two units swapped)",
                    substitute(rhs, node, swapped),
                )
            elif not node.indices and not _under_transpose(rhs, node):
                yield Candidate(
                    f"{say(node)} where {say(Transpose(node))} is needed (transposed)",
                    substitute(rhs, node, Transpose(node)),
                )


def _under_transpose(root: Node, target: Node) -> bool:
    return any(isinstance(node, Transpose) and node.arg is target for node in walk(root))


def regularisation(formula: Formula, rhs: Node, say):
    """The l2 term lambda W of a weight gradient forgotten, doubled, or put on a bias."""
    quantity = formula.quantity
    if quantity.kind not in ("w", "b"):
        return
    parameter = Sym(quantity.kind, quantity.layer, quantity.indices)
    term = Bin("star", Sym("lambda"), parameter)
    shown = f"{say(Sym('lambda'))} {say(parameter)}"
    if formula.notation.l2_per_sample:
        term = Bin("div", term, Sym("N"))
        shown = f"{say(Sym('lambda'))}/{say(Sym('N'))} {say(parameter)}"
    if quantity.kind == "b":
        yield Candidate(f"the bias is regularised: drop {shown}", Bin("sub", rhs, term))
        return
    yield Candidate(f"the regularisation term {shown} is missing", Bin("add", rhs, term))
    yield Candidate(f"the regularisation term {shown} is counted twice", Bin("sub", rhs, term))
    halved = Bin("div", term, Num(2.0))
    yield Candidate(f"the regularisation term is {shown}/2, {shown} is needed", Bin("add", rhs, halved))
    yield Candidate(f"the regularisation term is 2{shown}, {shown} is needed", Bin("sub", rhs, halved))


def layer_shifts(formula: Formula, rhs: Node, nodes: list, say):
    for step in (1, -1):
        word = "high" if step == -1 else "low"
        yield Candidate(
            f"off by one layer: every layer on the right side is one too {word}", shift_all(rhs, step)
        )
        target = say(Sym("delta")) if formula.quantity.kind == "delta" else "the derivative"
        yield Candidate(
            f"off by one layer: the right side is {target} of the layer {'above' if step > 0 else 'below'}",
            rhs,
            shift=step,
        )
    for node in nodes:
        # a layer a unit letter implies moves only with another letter, which this repair cannot write
        if (
            isinstance(node, Sym)
            and node.layer is not None
            and not node.layer.implied
            and node.name != "width"
        ):
            for step in (1, -1):
                moved = replace(node, layer=moved_layer(node.layer, step))
                needed = say(as_needed(moved, formula.notation))
                yield Candidate(
                    f"off by one layer: {say(node)} where {needed} is needed",
                    substitute(rhs, node, moved),
                )


def missing_factors(formula: Formula, rhs: Node, nodes: list, layers: list, say):
    if not formula.matrix:
        return
    products = [node for node in nodes if not isinstance(node, Num | Sum | Piece)]
    for layer in layers:
        factor = Call("act", True, Sym("z", layer))
        for node in products:
            yield Candidate(
                f"a factor is missing: the activation derivative {say(factor)}",
                substitute(rhs, node, Bin("hadamard", node, factor)),
            )
    for layer in layers:
        weight = Sym("w", layer)
        for node in products:
            for extra in (Transpose(weight), weight):
                for built in (Bin("matmul", node, extra), Bin("matmul", extra, node)):
                    yield Candidate(
                        f"a factor is missing: the weight {say(extra)}", substitute(rhs, node, built)
                    )


def wrong_derivatives(rhs: Node, nodes: list, say):
    """A factor written as some activation's derivative (a(1 - a), 1 - a^2) that is not this layer's."""
    for node in nodes:
        if not isinstance(node, Bin | Call) or isinstance(node, Call) and node.func == "act" and node.prime:
            continue
        symbols = [sym for sym in walk(node) if isinstance(sym, Sym)]
        if not symbols or any(sym.name not in ("a", "z") for sym in symbols):
            continue
        if len({(sym.layer, sym.indices) for sym in symbols}) != 1:
            continue
        first = symbols[0]
        factor = Call("act", True, Sym("z", first.layer, first.indices))
        yield Candidate(
            f"{say(node)} is the derivative of another activation: this layer's {say(factor)} is needed",
            substitute(rhs, node, factor),
        )
