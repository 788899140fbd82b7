"""Why a formula fails: small edits of the claim, tried until one of them holds.

Each candidate is the claim with one typical slip undone (a sign, a factor
1/N or 2, the activation derivative, a weight, a transpose, swapped indices,
a layer off by one); the first edit that makes the formula hold at every check
point names the slip. When no single edit does, pairs of edits are tried the
same way (two slips). No candidate holding means no diagnosis, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from symbp.verification.formula import (
    Bin,
    Call,
    Cases,
    Formula,
    Layer,
    Neg,
    Node,
    Num,
    Piece,
    Sum,
    Sym,
    Transpose,
    walk,
)

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


def show(node: Node) -> str:
    """Short LaTeX for a sub-expression, for diagnoses."""
    if isinstance(node, Sym):
        name = {"delta": "\\delta", "yhat": "\\hat{y}", "width": "n"}.get(node.name, node.name)
        if node.name in ("w", "x") and not node.indices:
            name = name.upper()
        layer = f"^{{({node.layer})}}" if node.layer is not None else ""
        indices = "_{" + "".join(str(index) for index in node.indices) + "}" if node.indices else ""
        return name + layer + indices
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Transpose):
        inner = show(node.arg)
        return f"({inner})^T" if not isinstance(node.arg, Sym) else f"{inner}^T"
    if isinstance(node, Call):
        name = "f" if node.func == "act" else "\\" + node.func
        return f"{name}{chr(39) if node.prime else ''}({show(node.arg)})"
    if isinstance(node, Neg):
        return f"-{show(node.arg)}"
    if isinstance(node, Cases):
        return "\\begin{cases}...\\end{cases}"
    if isinstance(node, Bin):
        symbol = {"add": " + ", "sub": " - ", "div": "/", "pow": "^", "hadamard": " \\odot "}.get(
            node.op, " "
        )
        return f"({show(node.left)}{symbol}{show(node.right)})"
    return "..."


def _map_children(node: Node, function) -> Node:
    """``node`` with ``function`` applied to each child (a Node field, or a tuple of them: the cases)."""
    changes = {}
    for item in fields(node):
        value = getattr(node, item.name)
        if isinstance(value, Node):
            mapped = function(value)
        elif isinstance(value, tuple) and value and all(isinstance(part, Node) for part in value):
            mapped = tuple(function(part) for part in value)
        else:
            continue
        if any(after is not before for after, before in zip(_parts(mapped), _parts(value), strict=True)):
            changes[item.name] = mapped
    return replace(node, **changes) if changes else node


def _parts(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def substitute(node: Node, target: Node, new: Node) -> Node:
    """A copy of ``node`` with the sub-tree ``target`` (by identity) replaced by ``new``."""
    if node is target:
        return new
    return _map_children(node, lambda child: substitute(child, target, new))


def _shift_all(node: Node, step: int) -> Node:
    """Every layer written on the symbols of ``node`` moved by ``step``."""
    if isinstance(node, Sym):
        if node.layer is None or node.name == "width":
            return node
        return replace(node, layer=Layer(node.layer.base, node.layer.offset + step))
    return _map_children(node, lambda child: _shift_all(child, step))


def _factor_words(node: Node) -> str:
    if isinstance(node, Call) and node.func == "act" and node.prime:
        return f"the activation derivative {show(node)}"
    if isinstance(node, Sym) and node.name == "w" or isinstance(node, Transpose) and _is(node.arg, "w"):
        return f"a weight {show(node)}"
    if isinstance(node, Sym) and node.name == "N":
        return "N"
    return show(node)


def _is(node: Node, name: str) -> bool:
    return isinstance(node, Sym) and node.name == name


def _derivative_factor(formula: Formula, layer: Layer | None) -> Call:
    """f'(z^{(layer)}) with the left side's unit index in an index formula."""
    indices = None
    if not formula.matrix:
        indices = (
            formula.quantity.indices[-1:] if formula.quantity.kind != "w" else formula.quantity.indices[1:]
        )
        if formula.quantity.kind == "delta" and len(formula.quantity.indices) == 2:
            indices = formula.quantity.indices
    return Call("act", True, Sym("z", layer, indices))


def candidates(formula: Formula):
    """Candidate repairs, simplest first."""
    rhs = formula.rhs
    nodes = list(walk(rhs))
    layers = []
    for layer in [formula.quantity.layer] + [node.layer for node in nodes if isinstance(node, Sym)]:
        if layer not in layers:
            layers.append(layer)
    yield Candidate("sign flipped: the right side is the negative of the derivative", Neg(rhs))
    if formula.matrix:
        yield Candidate(
            "indices transposed: the right side is the transpose of the derivative", Transpose(rhs)
        )
    yield Candidate("a factor 1/N is missing", Bin("div", rhs, Sym("N")))
    yield Candidate("an extra factor 1/N", Bin("star", rhs, Sym("N")))
    yield Candidate("a factor 2 too many (or a 1/2 missing)", Bin("div", rhs, Num(2.0)))
    yield Candidate("a factor 2 is missing", Bin("star", rhs, Num(2.0)))
    factor = _derivative_factor(formula, formula.quantity.layer)
    yield Candidate(
        f"a factor is missing: the activation derivative {show(factor)}", Bin("hadamard", rhs, factor)
    )
    for node in nodes:
        if isinstance(node, Call) and node.func == "act" and not node.prime:
            yield Candidate(
                f"{show(node)} where the derivative {show(replace(node, prime=True))} is needed",
                substitute(rhs, node, replace(node, prime=True)),
            )
    for node in nodes:
        if isinstance(node, Bin) and node.op in ("juxt", "star", "matmul", "hadamard"):
            for kept, dropped in ((node.left, node.right), (node.right, node.left)):
                yield Candidate(f"an extra factor: {_factor_words(dropped)}", substitute(rhs, node, kept))
        if isinstance(node, Bin) and node.op == "div":
            yield Candidate(f"an extra factor 1/{show(node.right)}", substitute(rhs, node, node.left))
    yield from _reversed_conditions(rhs, nodes)
    yield from _transposes(rhs, nodes)
    yield from _layer_shifts(formula, rhs, nodes)
    yield from _missing_factors(formula, rhs, nodes, layers)


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


def _reversed_conditions(rhs: Node, nodes: list):
    for node in nodes:
        if isinstance(node, Cases):
            for position, piece in enumerate(node.pieces):
                if piece.relation is None:
                    continue
                flipped = replace(piece, relation=_REVERSED[piece.relation])
                pieces = node.pieces[:position] + (flipped,) + node.pieces[position + 1 :]
                condition = f"{show(piece.left)} {piece.relation} {show(piece.right)}"
                yield Candidate(
                    f"the condition {condition} is reversed ({_REVERSED[piece.relation]} is needed)",
                    substitute(rhs, node, replace(node, pieces=pieces)),
                )


def _transposes(rhs: Node, nodes: list):
    for node in nodes:
        if isinstance(node, Transpose):
            yield Candidate(f"{show(node)} where {show(node.arg)} is needed", substitute(rhs, node, node.arg))
        elif isinstance(node, Sym) and node.name in ("a", "z", "delta", "x", "w", "t", "y", "yhat"):
            if (
                node.indices
                and len(node.indices) == 2
                and all(isinstance(index, str) for index in node.indices)
            ):
                swapped = replace(node, indices=node.indices[::-1])
                yield Candidate(
                    f"indices transposed: {show(node)} where {show(swapped)} is needed",
                    substitute(rhs, node, swapped),
                )
            elif not node.indices and not _under_transpose(rhs, node):
                yield Candidate(
                    f"{show(node)} where {show(node)}^T is needed (transposed)",
                    substitute(rhs, node, Transpose(node)),
                )


def _under_transpose(root: Node, target: Node) -> bool:
    return any(isinstance(node, Transpose) and node.arg is target for node in walk(root))


def _layer_shifts(formula: Formula, rhs: Node, nodes: list):
    for step in (1, -1):
        word = "high" if step == -1 else "low"
        yield Candidate(
            f"off by one layer: every layer on the right side is one too {word}", _shift_all(rhs, step)
        )
        target = "\\delta" if formula.quantity.kind == "delta" else "the derivative"
        yield Candidate(
            f"off by one layer: the right side is {target} of the layer {'above' if step > 0 else 'below'}",
            rhs,
            shift=step,
        )
    for node in nodes:
        if isinstance(node, Sym) and node.layer is not None and node.name != "width":
            for step in (1, -1):
                moved = replace(node, layer=Layer(node.layer.base, node.layer.offset + step))
                yield Candidate(
                    f"off by one layer: {show(node)} where {show(moved)} is needed",
                    substitute(rhs, node, moved),
                )


def _missing_factors(formula: Formula, rhs: Node, nodes: list, layers: list):
    if not formula.matrix:
        return
    products = [node for node in nodes if not isinstance(node, Num | Sum | Piece)]
    for layer in layers:
        factor = Call("act", True, Sym("z", layer))
        for node in products:
            yield Candidate(
                f"a factor is missing: the activation derivative {show(factor)}",
                substitute(rhs, node, Bin("hadamard", node, factor)),
            )
    for layer in layers:
        weight = Sym("w", layer)
        for node in products:
            for extra in (Transpose(weight), weight):
                for built in (Bin("matmul", node, extra), Bin("matmul", extra, node)):
                    yield Candidate(
                        f"a factor is missing: the weight {show(extra)}", substitute(rhs, node, built)
                    )
