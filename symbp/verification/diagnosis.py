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

from dataclasses import dataclass, replace
from functools import partial

from symbp.spec.notation import SEED, Notation
from symbp.verification.formula import (
    Bin,
    Call,
    Cases,
    Formula,
    Layer,
    Neg,
    Node,
    NpSum,
    Num,
    Piece,
    Sum,
    Sym,
    Transpose,
    map_children,
    walk,
)
from symbp.verification.lexicon import lexicon

# pairs of repairs tried at the most: about a second on small networks (0.15 ms a pair). A pair costs
# more on a big network, so there the limit shrinks in proportion beyond PAIR_FULL_SIZE parameters
# (a count, not a time budget, so the same formula gets the same diagnosis on every machine).
PAIR_LIMIT = 6000
PAIR_FULL_SIZE = 1000
PAIR_MINIMUM = 200


def pair_limit(parameters: int) -> int:
    return max(PAIR_MINIMUM, min(PAIR_LIMIT, PAIR_LIMIT * PAIR_FULL_SIZE // max(parameters, 1)))


@dataclass(frozen=True)
class Candidate:
    """The claim with one slip undone; ``shift`` moves the left side's layer instead."""

    description: str
    rhs: Node
    shift: int = 0


def show(node: Node, notation: Notation = SEED) -> str:
    """Short LaTeX for a sub-expression, in the symbols of ``notation``, for diagnoses."""
    say = partial(show, notation=notation)
    if isinstance(node, Sym):
        written = node.layer is not None and not node.layer.implied
        layer = "^{" + notation.mark(str(node.layer)) + "}" if written else ""
        indices = "_{" + "".join(str(index) for index in node.indices) + "}" if node.indices else ""
        if node.name in ("dact", "dz"):
            below = lexicon(notation).spelling(node.name[1])
            return f"\\partial {notation.cost}/\\partial {below}{layer}{indices}"
        matrix = node.name in ("w", "x") and not node.indices
        return lexicon(notation).spelling(node.name, matrix) + layer + indices
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Transpose):
        inner = say(node.arg)
        return f"({inner})^T" if not isinstance(node.arg, Sym) else f"{inner}^T"
    if isinstance(node, Call):
        name = _function_name(notation) if node.func == "act" else "\\" + node.func
        return f"{name}{chr(39) if node.prime else ''}({say(node.arg)})"
    if isinstance(node, Neg):
        return f"-{say(node.arg)}"
    if isinstance(node, Cases):
        return "\\begin{cases}...\\end{cases}"
    if isinstance(node, NpSum):
        return f"np.sum({say(node.arg)})"
    if isinstance(node, Bin):
        hadamard = f" {notation.hadamard} "
        symbol = {"add": " + ", "sub": " - ", "div": "/", "pow": "^", "hadamard": hadamard}.get(node.op, " ")
        return f"({say(node.left)}{symbol}{say(node.right)})"
    return "..."


def _function_name(notation: Notation) -> str:
    """The activation function as diagnoses name it: f where the notation writes the seed's \\sigma."""
    return "f" if notation.function == SEED.function else notation.function


def substitute(node: Node, target: Node, new: Node) -> Node:
    """A copy of ``node`` with the sub-tree ``target`` (by identity) replaced by ``new``."""
    if node is target:
        return new
    return map_children(node, lambda child: substitute(child, target, new))


def _shift_all(node: Node, step: int) -> Node:
    """Every layer written on the symbols of ``node`` moved by ``step``."""
    if isinstance(node, Sym):
        if node.layer is None or node.name == "width":
            return node
        return replace(node, layer=_moved(node.layer, step))
    return map_children(node, lambda child: _shift_all(child, step))


def _moved(layer: Layer, step: int) -> Layer:
    return Layer(layer.base, layer.offset + step, letter=layer.letter, implied=layer.implied)


def _factor_words(node: Node, say) -> str:
    if isinstance(node, Call) and node.func == "act" and node.prime:
        return f"the activation derivative {say(node)}"
    if isinstance(node, Sym) and node.name == "w" or isinstance(node, Transpose) and _is(node.arg, "w"):
        return f"a weight {say(node)}"
    if isinstance(node, Sym) and node.name == "N":
        return say(node)
    return say(node)


def _is(node: Node, name: str) -> bool:
    return isinstance(node, Sym) and node.name == name


def _unit_indices(formula: Formula) -> tuple | None:
    """The left side's unit index (and sample index) for a factor of one unit, None in a matrix formula."""
    if formula.matrix:
        return None
    quantity = formula.quantity
    if quantity.kind in ("delta", "dz", "act") and len(quantity.indices) == 2:
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
    yield from _derivative_arguments(rhs, nodes, say)
    yield from _pre_post_swaps(rhs, nodes, say)
    yield from _swapped_letters(formula, rhs, say)
    for node in nodes:
        if isinstance(node, Bin) and node.op in ("juxt", "star", "matmul", "hadamard"):
            for kept, dropped in ((node.left, node.right), (node.right, node.left)):
                yield Candidate(
                    f"an extra factor: {_factor_words(dropped, say)}", substitute(rhs, node, kept)
                )
        if isinstance(node, Bin) and node.op == "div":
            yield Candidate(f"an extra factor 1/{say(node.right)}", substitute(rhs, node, node.left))
    yield from _missing_sums(formula, rhs, nodes)
    for node in nodes:
        if isinstance(node, NpSum) and node.axis is not None:
            other = 1 - node.axis
            yield Candidate(
                f"np.sum over axis {node.axis} where axis {other} is needed",
                substitute(rhs, node, replace(node, axis=other)),
            )
    yield from _reversed_conditions(rhs, nodes, say)
    yield from _transposes(formula, rhs, nodes, say)
    yield from _factor_orders(rhs, nodes, say)
    yield from _regularisation(formula, rhs, say)
    yield from _layer_shifts(formula, rhs, nodes, say)
    yield from _missing_factors(formula, rhs, nodes, layers, say)
    yield from _wrong_derivatives(rhs, nodes, say)


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
            yield Candidate(
                f"two slips: {first.description}; and {second.description}",
                second.rhs,
                first.shift + second.shift,
            )


_REVERSED = {">": "<", "<": ">", ">=": "<=", "<=": ">="}


def _reversed_conditions(rhs: Node, nodes: list, say):
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


def _missing_sums(formula: Formula, rhs: Node, nodes: list):
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


def _derivative_arguments(rhs: Node, nodes: list, say):
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


def _pre_post_swaps(rhs: Node, nodes: list, say):
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
        changed = _replace_symbol(node, first, swapped)
        yield Candidate(f"{say(first)} where {say(swapped)} is needed", substitute(rhs, node, changed))


def _replace_symbol(node: Node, old: Sym, new: Sym) -> Node:
    if isinstance(node, Sym):
        return new if node == old else node
    return map_children(node, lambda child: _replace_symbol(child, old, new))


def _swapped_letters(formula: Formula, rhs: Node, say):
    """The two unit letters of a weight's entry exchanged on the right side (a_j delta_k for a_k delta_j)."""
    quantity = formula.quantity
    if (
        quantity.kind != "w"
        or quantity.indices is None
        or not all(isinstance(i, str) for i in quantity.indices)
    ):
        return
    first, second = quantity.indices
    swapped = _rename(rhs, {first: second, second: first})
    wanted = say(Sym("w", quantity.layer, quantity.indices))
    written = say(Sym("w", quantity.layer, (second, first)))
    yield Candidate(
        f"swapped weight indices: the right side is the entry {written} where {wanted} is needed",
        swapped,
    )


def _rename(node: Node, letters: dict) -> Node:
    if isinstance(node, Sym) and node.indices:
        return replace(node, indices=tuple(letters.get(index, index) for index in node.indices))
    if isinstance(node, Sum) and node.index in letters:
        node = replace(node, index=letters[node.index])
    return map_children(node, lambda child: _rename(child, letters))


def _factor_orders(rhs: Node, nodes: list, say):
    """A matrix product written in the wrong order (a^T delta for delta a^T)."""
    for node in nodes:
        if isinstance(node, Bin) and node.op in ("juxt", "matmul"):
            flipped = replace(node, left=node.right, right=node.left)
            yield Candidate(
                f"the factors are in the wrong order: {say(flipped)} is needed",
                substitute(rhs, node, flipped),
            )


def _transposes(formula: Formula, rhs: Node, nodes: list, say):
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
                why = (
                    f" (swapped weight indices: in the {notation.name} notation {joins})"
                    if _is(node, "w")
                    else ""
                )
                yield Candidate(
                    f"indices transposed: {say(node)} where {say(swapped)} is needed{why}",
                    substitute(rhs, node, swapped),
                )
            elif not node.indices and not _under_transpose(rhs, node):
                yield Candidate(
                    f"{say(node)} where {say(node)}^T is needed (transposed)",
                    substitute(rhs, node, Transpose(node)),
                )


def _under_transpose(root: Node, target: Node) -> bool:
    return any(isinstance(node, Transpose) and node.arg is target for node in walk(root))


def _regularisation(formula: Formula, rhs: Node, say):
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


def _layer_shifts(formula: Formula, rhs: Node, nodes: list, say):
    for step in (1, -1):
        word = "high" if step == -1 else "low"
        yield Candidate(
            f"off by one layer: every layer on the right side is one too {word}", _shift_all(rhs, step)
        )
        target = say(Sym("delta")) if formula.quantity.kind == "delta" else "the derivative"
        yield Candidate(
            f"off by one layer: the right side is {target} of the layer {'above' if step > 0 else 'below'}",
            rhs,
            shift=step,
        )
    for node in nodes:
        if isinstance(node, Sym) and node.layer is not None and node.name != "width":
            for step in (1, -1):
                moved = replace(node, layer=_moved(node.layer, step))
                yield Candidate(
                    f"off by one layer: {say(node)} where {say(moved)} is needed",
                    substitute(rhs, node, moved),
                )


def _missing_factors(formula: Formula, rhs: Node, nodes: list, layers: list, say):
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


def _wrong_derivatives(rhs: Node, nodes: list, say):
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
