"""The syntax tree of a read formula: its nodes, and walks over them.

The reader (``symbp.verification.syntax``) builds these nodes; evaluation,
proof and diagnosis walk them. A node is frozen: an edit makes a new tree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Layer:
    """A layer as written: ``base`` is "L", "l" or None (a number), plus an offset."""

    base: str | None
    offset: int
    shown: str | None = field(default=None, compare=False)  # a named layer as written (^{(h)})
    implied: bool = field(default=False, compare=False)  # read off a unit letter (Bishop's z_j), not written
    letter: str | None = field(default=None, compare=False)  # the generic letter as written (Goodfellow's k)
    # the layer a skip connection's matrix comes from: W^{(2,0)} enters layer 2 from layer 0
    source: Layer | None = None

    def __str__(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.source is not None:
            return f"{dataclasses.replace(self, source=None)},{self.source}"
        if self.base is None:
            return str(self.offset)
        base = self.letter or self.base
        if self.offset == 0:
            return base
        return f"{base}{self.offset:+d}"

    def value(self, output: int, generic: int | None, bound: dict | None = None) -> int:
        """The layer number as written (display numbering), given the values of L, l and of the letters a
        sum over a graph's set of layers binds (``bound``: c of c in out(l))."""
        if self.base is None:
            return self.offset
        if self.base == "L":
            return output + self.offset
        if self.base != "l":
            if not bound or self.base not in bound:
                raise ValueError(f"the layer {self.base} is bound by no sum over a set of layers")
            return bound[self.base] + self.offset
        if generic is None:
            raise ValueError("the generic layer l has no value here")
        return generic + self.offset


@dataclass(frozen=True)
class Node:
    column: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Num(Node):
    value: float


@dataclass(frozen=True)
class Sym(Node):
    """A symbol: ``name`` is its role (lexicon.ROLES), with optional layer and indices.

    ``spelling`` is how the formula wrote it (\\Theta for the role w), for diagnoses in the reader's symbols;
    ``named``: a gradient written by the notation's own name (dZ, dA), not as a derivative of the cost.
    """

    name: str
    layer: Layer | None = None
    indices: tuple | None = None
    spelling: str | None = field(default=None, compare=False)
    named: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Ones(Node):
    """A column of ones (1 in 1^T M, the sum over samples)."""


@dataclass(frozen=True)
class Call(Node):
    """f(x), f'(x): ``func`` is "act" (f, g, sigma: the spec's activation) or a name in ELEMENTARY."""

    func: str
    prime: bool
    arg: Node


@dataclass(frozen=True)
class Bin(Node):
    """A binary operation; op in add, sub, juxt (also \\cdot), star (*), matmul (@), hadamard, div, pow."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True)
class Sum(Node):
    """sum over ``index`` from ``lower`` to ``upper`` (None: the index's whole range)."""

    index: str
    lower: int
    upper: Node | None
    body: Node


@dataclass(frozen=True)
class LayerSum(Node):
    """A sum of ``body`` over the layers ``letter`` of a graph's set of layer ``layer``: ``kind`` is
    "weighted" (c in out(l), the layers that read l by a weight), "identity" (r in id(l)) or "sources"
    (s in in(l), the layers l reads by a weight)."""

    letter: str
    kind: str
    layer: Layer
    body: Node


@dataclass(frozen=True)
class Piece(Node):
    """One line of a cases bracket: ``value`` where ``left relation right`` (relation None: otherwise)."""

    value: Node
    relation: str | None = None
    left: Node | None = None
    right: Node | None = None


@dataclass(frozen=True)
class Cases(Node):
    """\\begin{cases} ... \\end{cases}: the value of the first piece whose condition holds."""

    pieces: tuple


@dataclass(frozen=True)
class Partial(Node):
    arg: Node


@dataclass(frozen=True)
class Gradient(Node):
    """The cost's gradient by a symbol (\\frac{\\partial C}{\\partial a^L_j}, \\nabla_{W^{(k)}} J, dZ)."""

    by: Node
    cost: str = "C"
    cost_indices: tuple | None = None  # a subscript on the cost (E_p: of sample p)
    share: Sym | None = None  # one output's share of the cost (Loss_k, E_{o1}): that output's unit


@dataclass(frozen=True)
class Jacobian(Node):
    """The derivative of one quantity of the network by another (dz^{(l+1)}_k/dz^{(l)}_j, dz_j/dw_{jk}):
    an entry of the Jacobian between them, through the network, for one sample. ``partial``: one term of a
    sum over consumers, read with the consumer's other inputs held fixed (see graph_jacobians)."""

    of: Sym
    by: Sym
    partial: bool = False


@dataclass(frozen=True)
class NpSum(Node):
    """np.sum(M, axis=k, keepdims=...): the sum of the rows (axis 0) or columns (axis 1), or of all."""

    arg: Node
    axis: int | None = None


def walk(node: Node):
    """Every node of a tree, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple:
    if isinstance(node, Bin):
        return (node.left, node.right)
    if isinstance(node, Neg | Transpose | Partial | Call | NpSum):
        return (node.arg,)
    if isinstance(node, Gradient):
        return (node.by,)
    if isinstance(node, Jacobian):
        return (node.of, node.by)
    if isinstance(node, LayerSum):
        return (node.body,)
    if isinstance(node, Sum):
        return (node.body,) if node.upper is None else (node.upper, node.body)
    if isinstance(node, Cases):
        return node.pieces
    if isinstance(node, Piece):
        return (node.value,) if node.relation is None else (node.value, node.left, node.right)
    return ()


def map_children(node: Node, function) -> Node:
    """``node`` with ``function`` applied to each child (a Node field, or a tuple of them: the cases)."""
    changes = {}
    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        if isinstance(value, Node):
            mapped = function(value)
        elif isinstance(value, tuple) and value and all(isinstance(part, Node) for part in value):
            mapped = tuple(function(part) for part in value)
        else:
            continue
        if any(after is not before for after, before in zip(_parts(mapped), _parts(value), strict=True)):
            changes[item.name] = mapped
    return dataclasses.replace(node, **changes) if changes else node


def _parts(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def with_index(node: Node | None, letter: str, value: int) -> Node | None:
    """``node`` with the free index ``letter`` fixed to ``value`` (a sum over that letter keeps its own)."""
    if node is None or (isinstance(node, Sum) and node.index == letter):
        return node
    if isinstance(node, Sym):
        indices = node.indices and tuple(value if index == letter else index for index in node.indices)
        return dataclasses.replace(node, indices=indices) if indices != node.indices else node
    return map_children(node, lambda child: with_index(child, letter, value))
