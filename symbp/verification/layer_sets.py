"""A sum over a set of layers a graph defines, as the general forms of its documents write it:
\\sum_{c \\in \\operatorname{out}(l)} (the layers that read l by a weight), r in id(l) (that add a^{(l)}
after their activation), s in in(l) (the layers l reads by a weight). The letter stands for each member
in turn, taken from the spec's graph; a set with no member is an empty sum."""

from __future__ import annotations

import re
from dataclasses import dataclass

from symbp.derivation.graph_tied import uses_of
from symbp.derivation.symbolic import CONSUMER_SETS
from symbp.spec.graph import chain_graph
from symbp.spec.notation import Notation
from symbp.verification.layer_marks import LETTERS, SOURCE, layer_from_mark
from symbp.verification.point import EvalError
from symbp.verification.tree import LayerSum, Node, Sym, children, walk

SETS = {CONSUMER_SETS["weighted"]: "weighted", CONSUMER_SETS["identity"]: "identity", "in": "sources"}
_NAMES = "|".join(SETS)
# the letter is one of the set letters and the argument a layer (l, l+1, L, 2): k in out(j) is not one
SET_SUM = re.compile(
    rf"^\s*([{LETTERS}])\s*(?:\\in(?![A-Za-z])|∈)\s*"
    rf"(?:\\operatorname\s*\{{\s*({_NAMES})\s*\}}|({_NAMES}))\s*\(\s*([0-9]+|[lL](?:\s*[+-]\s*[0-9]+)?)\s*\)\s*$"
)


def layer_set(lower_limit: str, notation: Notation) -> tuple | None:
    """(letter, kind, layer) of a sum's lower limit naming a set of layers, None for anything else."""
    match = SET_SUM.match(lower_limit)
    if match is None:
        return None
    letter, braced, plain, layer = match.groups()
    return letter, SETS[braced or plain], layer_from_mark("^{(" + layer + ")}", notation)


def members(kind: str, layer: int, graph) -> list[int]:
    """The layers (internal numbers) of one set of layer ``layer``."""
    if kind == "weighted":
        return sorted({connection.target for connection in graph.weighted_consumers(layer)})
    if kind == "identity":
        return graph.identity_consumers(layer)
    return [connection.source for connection in graph.weighted[layer]]


def sum_over(evaluator, node: LayerSum, value_of):
    """The sum of ``value_of(body)`` with the node's letter bound to each member of its set."""
    reading = evaluator.reading
    numbering = reading.numbering
    try:
        at = node.layer.value(evaluator.depth + numbering, reading.generic, reading.layers) - numbering
    except ValueError as error:
        raise EvalError(str(error), node.column) from None
    if not 0 <= at <= evaluator.depth:
        raise EvalError(f"there is no layer {at + numbering}", node.column)
    graph = evaluator.point.network.graph or chain_graph(evaluator.depth)
    outer = reading.layers.get(node.letter), node.letter in reading.summed
    total = 0
    reading.summed.add(node.letter)
    try:
        for member in members(node.kind, at, graph):
            reading.layers[node.letter] = member + numbering
            total = total + value_of(node.body)
    finally:
        reading.layers.pop(node.letter, None)
        if outer[0] is not None:
            reading.layers[node.letter] = outer[0]
        if not outer[1]:
            reading.summed.discard(node.letter)
    return total


def bound_letters(layer) -> set:
    """The set letters a written layer uses (its own and a skip's source)."""
    layers = [layer, layer.source] if layer is not None else []
    return {part.base for part in layers if part is not None and (part.base or "L") in LETTERS}


def unbound(rhs: Node, left_letters: set) -> Sym | None:
    """The first symbol whose layer uses a set's letter that no enclosing sum binds (a free s of the left
    side's pair mark W^{(l,s)} is bound by the left side)."""

    def search(node: Node, bound: frozenset):
        if isinstance(node, LayerSum):
            bound = bound | {node.letter}
        if isinstance(node, Sym) and not bound_letters(node.layer) <= bound:
            return node
        for child in children(node):
            found = search(child, bound)
            if found is not None:
                return found
        return None

    return search(rhs, frozenset(left_letters))


def outside_sets(rhs: Node, evaluator) -> bool:
    """Whether the layer a sum over a set is of lies outside what the general form describes at this
    reading: a layer nothing reads (the output) for a set of consumers, the input for in(l). A set of such
    a layer that happens to be empty (id(l) where no layer adds a^{(l)}) is an empty sum."""
    graph = evaluator.point.network.graph or chain_graph(evaluator.depth)
    reading = evaluator.reading
    numbering = reading.numbering
    for node in walk(rhs):
        if not isinstance(node, LayerSum) or bound_letters(node.layer):
            continue
        try:
            at = node.layer.value(evaluator.depth + numbering, reading.generic, reading.layers) - numbering
        except ValueError:
            return True
        kinds = ("sources",) if node.kind == "sources" else ("weighted", "identity")
        if not 0 <= at <= evaluator.depth or not any(members(kind, at, graph) for kind in kinds):
            return True
    return False


@dataclass(frozen=True)
class WithSource:
    """A generic layer l read with a free source letter s (dC/dW^{(l,s)}): one weighted input of l."""

    layer: int | None  # None: the formula's other layers are numbers (dC/dW^{(2,s)})
    source: int

    def __str__(self) -> str:
        source = f"{SOURCE} = {self.source}"
        return source if self.layer is None else f"l = {self.layer} and {source}"


def with_sources(formula, values, network, numbering: int) -> list:
    """The generic values of l, each with every layer l reads by a matrix of its own when the formula
    leaves s free on the left side's pair mark (as the documents state dC/dW^{(l,s)}: a matrix with
    several uses has equations of its own); ``values`` as they are otherwise."""
    if SOURCE not in bound_letters(formula.quantity.layer):
        return list(values)
    graph = network.graph or chain_graph(network.depth)
    own = {
        (connection.target + numbering, connection.source + numbering)
        for connection in graph.connections()
        if connection.own_key and len(uses_of(graph, connection.own_key)) == 1
    }
    sources = range(numbering, network.depth + numbering)
    return [
        WithSource(value, source)
        for value in values
        for source in sources
        if value is None or (value, source) in own
    ]


def unpack(generic) -> tuple:
    """(the value of l, the letters it binds) of one generic value."""
    if isinstance(generic, WithSource):
        return generic.layer, {SOURCE: generic.source}
    return generic, {}
