"""Graph networks: named layers joined by weighted, identity (residual) and tied connections.

A spec whose ``layers`` is a list of tables describes a graph: the first table
is the input (``name`` and ``size``), every other one a layer with ``size``,
``activation`` (or the spec's), the earlier layers it takes **weighted**
inputs from (one weight matrix per source; a source may be a table
``{from = name, tie = {from = s, into = l, transposed = true}}`` that reuses
the matrix of the connection s -> l) and the layers it takes **identity**
inputs from, added after its activation. Layers are numbered in topological
order (the spec's order among equals), the input as 0, the last the output.
A chain's own weights keep ``W{l}``; a connection s -> l that skips layers is
``W{l}_{s}``; a tied connection has no key of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from symbp.errors import SpecError

LAYER_KEYS = ("name", "size", "activation", "weighted", "identity")
SOURCE_KEYS = ("from", "tie")
TIE_KEYS = ("from", "into", "transposed")


@dataclass(frozen=True)
class Connection:
    """The weighted input of layer ``target`` from layer ``source``.

    ``tie`` is (source, target) of the connection whose matrix this one uses
    (transposed when ``transposed``); None when it has a matrix of its own.
    """

    source: int
    target: int
    tie: tuple[int, int] | None = None
    transposed: bool = False

    @property
    def own_key(self) -> str | None:
        """The params key of this connection's own matrix (None when tied)."""
        if self.tie is not None:
            return None
        return weight_key(self.source, self.target)

    @property
    def matrix_key(self) -> str:
        """The params key of the matrix this connection multiplies by (its own or the tied one's)."""
        return weight_key(*self.tie) if self.tie is not None else weight_key(self.source, self.target)


def weight_key(source: int, target: int) -> str:
    """``W{l}`` for the connection from l-1, ``W{l}_{s}`` for one that skips layers."""
    return f"W{target}" if source == target - 1 else f"W{target}_{source}"


@dataclass(frozen=True)
class Graph:
    """The connections of a graph network, by layer number (0 the input, the last the output)."""

    names: tuple[str, ...]
    weighted: tuple[tuple[Connection, ...], ...]
    identity: tuple[tuple[int, ...], ...]

    @property
    def depth(self) -> int:
        return len(self.names) - 1

    def connections(self):
        """Every weighted connection, layer by layer."""
        return [connection for row in self.weighted for connection in row]

    def weighted_consumers(self, layer: int) -> list[Connection]:
        """The weighted connections that read layer ``layer``."""
        return [connection for connection in self.connections() if connection.source == layer]

    def identity_consumers(self, layer: int) -> list[int]:
        """The layers that add layer ``layer``'s output after their activation."""
        return [target for target, sources in enumerate(self.identity) if layer in sources]

    def weight_keys(self) -> list[str]:
        """The keys of the matrices that are parameters (tied connections have none), in layer order."""
        return [connection.own_key for connection in self.connections() if connection.own_key]

    def weight_shape(self, key: str, sizes) -> tuple[int, int]:
        source, target = parse_weight_key(key)
        return sizes[source], sizes[target]


def parse_weight_key(key: str) -> tuple[int, int]:
    """(source, target) of ``W{l}`` or ``W{l}_{s}``."""
    target, _, source = key[1:].partition("_")
    return (int(source) if source else int(target) - 1), int(target)


def chain_graph(depth: int) -> Graph:
    """The graph of a chain of ``depth`` layers (each fed by the one below)."""
    names = ("input", *(f"layer{layer}" for layer in range(1, depth + 1)))
    weighted = ((), *((Connection(layer - 1, layer),) for layer in range(1, depth + 1)))
    return Graph(names, weighted, ((),) * (depth + 1))


def _table(field: str, value: object, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise SpecError(field, value, "a table with " + ", ".join(allowed))
    for key in value:
        if key not in allowed:
            raise SpecError(f"{field}.{key}", value[key], "known keys are " + ", ".join(allowed))
    return value


def _names(field: str, value: object) -> list:
    if not isinstance(value, list):
        raise SpecError(field, value, "a list of layer names")
    return value


class _Parsed:
    """One layer table as written: its name, size, activation and the names of its sources."""

    def __init__(self, index: int, table: dict, require_size, parse_activation, default_activation):
        field = f"layers[{index}]"
        self.field = field
        self.name = table.get("name")
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise SpecError(f"{field}.name", self.name, "a layer name (letters, digits, _)")
        self.size = require_size(f"{field}.size", table.get("size"))
        if index == 0:
            for key in ("activation", "weighted", "identity"):
                if key in table:
                    raise SpecError(f"{field}.{key}", table[key], "nothing: the first table is the input")
            return
        if "activation" in table:
            self.activation = parse_activation(f"{field}.activation", table["activation"])
        elif default_activation is not None:
            self.activation = default_activation
        else:
            raise SpecError(f"{field}.activation", None, "an activation (here or the spec's activation)")
        sources = _names(f"{field}.weighted", table.get("weighted"))
        if not sources:
            raise SpecError(f"{field}.weighted", sources, "at least one source layer")
        self.weighted = [self._source(f"{field}.weighted[{k}]", item) for k, item in enumerate(sources)]
        self.identity = _names(f"{field}.identity", table.get("identity", []))

    def _source(self, field: str, item: object) -> tuple[str, dict | None]:
        if isinstance(item, str):
            return item, None
        table = _table(field, item, SOURCE_KEYS)
        tie = table.get("tie")
        if tie is not None:
            tie = _table(f"{field}.tie", tie, TIE_KEYS)
            if not isinstance(tie.get("transposed", False), bool):
                raise SpecError(f"{field}.tie.transposed", tie["transposed"], "true or false")
        return table.get("from"), tie


def parse_graph(value: list, require_size, parse_activation, default_activation):
    """(sizes, activations, Graph) of a list of layer tables, in topological order.

    ``require_size(field, value)`` and ``parse_activation(field, value)`` are the
    spec's own rules for a size and an activation.
    """
    parsed = [
        _Parsed(
            index,
            _table(f"layers[{index}]", table, LAYER_KEYS),
            require_size,
            parse_activation,
            default_activation,
        )
        for index, table in enumerate(value)
    ]
    position = {}
    for item in parsed:
        if item.name in position:
            raise SpecError(f"{item.field}.name", item.name, "a name no other layer has")
        position[item.name] = len(position)
    _check_sources(parsed, position)
    order = _topological(parsed, position)
    number = {parsed[index].name: rank for rank, index in enumerate(order)}
    layers = [parsed[index] for index in order]
    sizes = tuple(item.size for item in layers)
    weighted: list[tuple[Connection, ...]] = [()]
    identity: list[tuple[int, ...]] = [()]
    for rank, item in enumerate(layers[1:], start=1):
        row = []
        for k, (source, tie) in enumerate(item.weighted):
            row.append(_connection(f"{item.field}.weighted[{k}]", number[source], rank, tie, number))
        weighted.append(tuple(row))
        identity.append(tuple(number[source] for source in item.identity))
    graph = Graph(tuple(item.name for item in layers), tuple(weighted), tuple(identity))
    _check_graph(graph, layers, sizes)
    return sizes, tuple(item.activation for item in layers[1:]), graph


def _check_sources(parsed: list[_Parsed], position: dict):
    for item in parsed[1:]:
        lists = [("weighted", [source for source, _ in item.weighted]), ("identity", item.identity)]
        for kind, sources in lists:
            for k, source in enumerate(sources):
                field = f"{item.field}.{kind}[{k}]"
                if source not in position:
                    raise SpecError(field, source, "the name of a layer: " + ", ".join(position))
                if sources.index(source) != k:
                    raise SpecError(field, source, f"a source named once in {kind}")
        for k, source in enumerate(item.identity):
            if source == parsed[0].name:
                raise SpecError(f"{item.field}.identity[{k}]", source, "a layer other than the input")


def _topological(parsed: list[_Parsed], position: dict) -> list[int]:
    """Indices of the tables in topological order, the spec's order among equals; a cycle is refused."""
    sources = {
        index: {position[name] for name, _ in item.weighted} | {position[name] for name in item.identity}
        for index, item in enumerate(parsed)
        if index
    }
    sources[0] = set()
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < len(parsed):
        ready = [index for index in sorted(sources) if index not in placed and sources[index] <= placed]
        if not ready:
            cycle = [parsed[index].name for index in sorted(sources) if index not in placed]
            raise SpecError("layers", cycle, "a graph without cycles (these layers feed each other)")
        order.append(ready[0])
        placed.add(ready[0])
    return order


def _connection(field: str, source: int, target: int, tie: dict | None, number: dict) -> Connection:
    if tie is None:
        return Connection(source, target)
    ends = []
    for end in ("from", "into"):
        name = tie.get(end)
        if name not in number:
            raise SpecError(f"{field}.tie.{end}", name, "the name of a layer: " + ", ".join(number))
        ends.append(number[name])
    return Connection(source, target, (ends[0], ends[1]), tie.get("transposed", False))


def _check_graph(graph: Graph, layers: list[_Parsed], sizes: tuple[int, ...]):
    connections = {(c.source, c.target): c for c in graph.connections()}
    for target, row in enumerate(graph.weighted):
        for k, connection in enumerate(row):
            field = f"{layers[target].field}.weighted[{k}]"
            if connection.tie is None:
                continue
            tied = connections.get(connection.tie)
            names = f"{graph.names[connection.tie[0]]} -> {graph.names[connection.tie[1]]}"
            if tied is None or tied.tie is not None:
                raise SpecError(f"{field}.tie", names, "a weighted connection with a matrix of its own")
            rows, cols = sizes[tied.source], sizes[tied.target]
            shape = (cols, rows) if connection.transposed else (rows, cols)
            if shape != (sizes[connection.source], sizes[connection.target]):
                need = (sizes[connection.source], sizes[connection.target])
                raise SpecError(
                    f"{field}.tie",
                    names,
                    f"a matrix of shape {need[0]}x{need[1]} (the tied one as used is {shape[0]}x{shape[1]})",
                )
    for target, sources in enumerate(graph.identity):
        for k, source in enumerate(sources):
            if sizes[source] != sizes[target]:
                raise SpecError(
                    f"{layers[target].field}.identity[{k}]",
                    graph.names[source],
                    f"a layer of size {sizes[target]} like {graph.names[target]} (not {sizes[source]})",
                )
    if graph.identity[-1]:
        raise SpecError(f"{layers[-1].field}.identity", list(layers[-1].identity), "none at the output layer")
    for layer in range(graph.depth):
        if not graph.weighted_consumers(layer) and not graph.identity_consumers(layer):
            raise SpecError(
                layers[layer].field,
                graph.names[layer],
                "a layer that feeds another (only the output feeds none)",
            )
