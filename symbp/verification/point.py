"""The numbers of one check point, and how a formula's symbols are read on them.

A ``Point`` holds the forward values (Z, A), parameters, data and the true
deltas of the network at one choice of parameters and data (floats, or exact
SymPy numbers for a proof). A ``Reading`` says how symbols resolve: the
notation, the value of a generic l, what y means; it collects notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symbp.spec.graph import Connection
from symbp.spec.network import Network
from symbp.spec.notation import DEFAULT_NOTATION, Notation

PER_SAMPLE = ("a", "z", "delta", "dz", "x", "t", "y", "yhat", "dact", "error", "share")
WEIGHTS = ("w", "accumulator", "gradient")
# what a column layout writes transposed: every matrix a symbol names
MATRICES = PER_SAMPLE + WEIGHTS + ("b",)


def reads_as_graph(network: Network) -> bool:
    """Is a network more than a chain (a skip, a join, a residual or a tie)? A chain given as a graph (to
    derive dC/dX) reads as the chain it is."""
    graph = network.graph
    if graph is None:
        return False
    chain = all(row == (Connection(layer - 1, layer),) for layer, row in enumerate(graph.weighted) if layer)
    return not chain or any(graph.identity)


class EvalError(Exception):
    """The formula does not make sense on this network (shapes, layers, indices)."""

    def __init__(self, message: str, column: int = 0):
        super().__init__(message)
        self.column = column


@dataclass
class Point:
    """The numbers of one check point; dicts are keyed by internal layer (input = 0)."""

    network: Network
    X: np.ndarray
    T: np.ndarray
    W: dict
    b: dict
    Z: dict
    A: dict
    delta: dict
    symbolic: bool = False
    # a graph network's parameters by their keys (W2, W2_0, b2; a tied matrix has none): W holds only the
    # matrices a chain would name W^{(l)}, from the layer below
    params: dict | None = None

    @property
    def N(self) -> int:
        return self.X.shape[0]


def y_is_target(names) -> bool:
    """Whether y is the target in a formula with these symbol names: when it also has \\hat{y} or has no
    t (Neural Networks Demystified); else y is the output (Python Deep Learning)."""
    return "yhat" in names or "t" not in names


@dataclass
class Reading:
    """How symbols resolve: the notation, the value of a generic l, what y means; collects notes."""

    notation: Notation = DEFAULT_NOTATION
    generic: int | None = None
    y_is_target: bool = True
    notes: list = field(default_factory=list)
    sample: str | None = "n"  # the letter that subscripts a sample in this formula (Formula.sample)
    # explicit gradients of the cost read the other way: of the whole cost where the notation's delta is of
    # one sample's loss, and of one sample's loss where it is of the whole cost (Formula.summed_gradients)
    other_gradients: bool = False
    # the layer each letter of an enclosing sum over a graph's set of layers stands for (display numbering)
    layers: dict = field(default_factory=dict)
    summed: set = field(default_factory=set)  # those of its letters an enclosing sum binds (not a free s)

    @property
    def numbering(self) -> int:
        return self.notation.input_layer

    @property
    def columns(self) -> bool:
        return self.notation.layout == "column"

    def weight_shift(self) -> int:
        """Display layer of W minus the display layer it enters: 0 (entering) or -1 (leaving)."""
        return -1 if self.notation.weights_named_by == "leaving" else 0

    def note(self, text: str):
        if text not in self.notes:
            self.notes.append(text)
