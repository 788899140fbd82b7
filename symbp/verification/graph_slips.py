"""The slip particular to a graph network: one consumer's term left out of a sum over consumers.

Where a layer feeds several consumers, dC/da^{(l)} is the sum of one term per
consumer (a weighted one's delta times its matrix transposed, an identity
one's dC/da passed straight down), delta^{(l)} that sum times f'(z^{(l)}), and
a tied matrix's gradient the sum of its uses' contributions. A claim that
writes the sum without one of the terms is the claim plus that term: each such
repair is a candidate, tried before the chain's slips (a missing residual term
would otherwise pass for a formula of the layer above). Matrix formulas and
index formulas of one sample, in a notation whose weights are named by the
layer they enter and whose layers are not named by unit letters.
"""

from __future__ import annotations

from symbp.spec.graph import parse_weight_key
from symbp.spec.network import Network
from symbp.verification.formula import Formula
from symbp.verification.point import reads_as_graph
from symbp.verification.slips import Candidate
from symbp.verification.tree import Bin, Call, Layer, Sum, Sym, Transpose, walk
from symbp.verification.written import show


def graph_candidates(network: Network, formula: Formula):
    """Candidate repairs that add one consumer's (or one tied use's) missing term to the claim."""
    notation, quantity = formula.notation, formula.quantity
    if not reads_as_graph(network) or notation.weights_named_by != "entering" or notation.unit_letters:
        return
    if not formula.matrix and not formula.per_sample:
        return  # an index formula over samples: its terms would need the sum over samples written in
    layer = quantity.layer or Layer("L", 0)
    if layer.base == "l" or layer.source is not None:
        return
    numbering = notation.input_layer
    internal = layer.value(network.depth + numbering, None) - numbering
    if not 0 <= internal <= network.depth:
        return
    terms = _Terms(network, formula)
    if quantity.kind == "act":
        for where, term in terms.activation_gradient(internal):
            yield Candidate(
                f"the term through {where} is missing: {terms.say(term)}", Bin("add", formula.rhs, term)
            )
    elif quantity.kind == "delta" and internal >= 1:
        slope = Call("act", True, terms.layer_symbol("z", internal, terms.unit))
        for where, term in terms.activation_gradient(internal):
            times = Bin("juxt", term, slope) if terms.unit else Bin("hadamard", term, slope)
            missing = f"({terms.say(term)}) {'' if terms.unit else notation.hadamard + ' '}{terms.say(slope)}"
            yield Candidate(f"the term through {where} is missing: {missing}", Bin("add", formula.rhs, times))
    elif quantity.kind == "w" and internal >= 1:
        for where, term in terms.tied_uses(internal):
            yield Candidate(
                f"the term of {where} is missing: {terms.say(term)}", Bin("add", formula.rhs, term)
            )


class _Terms:
    """Each consumer's term as the formula would write it: a matrix (row or column layout) or, for an index
    formula, the entry of its left side's unit (and sample); in the notation's numbers and index order."""

    def __init__(self, network: Network, formula: Formula):
        notation, indices = formula.notation, formula.quantity.indices
        self.graph, self.notation = network.graph, notation
        self.columns, self.numbering = notation.layout == "column", notation.input_layer
        # an index formula: the left side's sample index (if any) and unit; a free letter to sum over
        self.unit = self.sample = None
        if indices is not None and formula.quantity.kind != "w":
            self.sample, self.unit = (None, *indices)[-2:]
        self.weight = indices if formula.quantity.kind == "w" else None
        used = {index for node in walk(formula.rhs) if isinstance(node, Sym) for index in node.indices or ()}
        used |= {node.index for node in walk(formula.rhs) if isinstance(node, Sum)} | set(indices or ())
        self.free = next(letter for letter in "kmpqrsuv" if letter not in used)

    def say(self, node) -> str:
        if isinstance(node, Sum):
            return f"\\sum_{node.index} {self.say(node.body)}"
        return show(node, self.notation)

    def layer_symbol(self, name: str, layer: int, unit=None) -> Sym:
        indices = None if unit is None else tuple(i for i in (self.sample, unit) if i is not None)
        if name == "a" and layer == 0:
            return Sym("x", None, indices)
        return Sym(name, Layer(None, layer + self.numbering), indices)

    def product(self, left, right) -> Bin:
        """left right as rows write it; a column layout writes the transpose, (right^T left^T), which with
        every symbol read transposed is the factors swapped."""
        return Bin("juxt", right, left) if self.columns and self.unit is None else Bin("juxt", left, right)

    def matrix(self, key: str, entry: tuple | None = None) -> Sym:
        """The matrix of a params key, or its entry (row, column) in the notation's index order."""
        source, target = parse_weight_key(key)
        skip = Layer(None, source + self.numbering) if source != target - 1 else None
        if entry is not None and self.notation.weight_indices == "to_from":
            entry = entry[::-1]
        return Sym("w", Layer(None, target + self.numbering, source=skip), entry)

    def activation_gradient(self, layer: int):
        """(where, term) of each consumer of a^{(layer)}: delta^{(c)} M^T, or an identity one's dC/da."""
        for connection in self.graph.weighted_consumers(layer):
            delta = self.layer_symbol("delta", connection.target, self.free)
            if self.unit is not None:
                # Z_c = A M with M the matrix as used (W^T for a transposed tie): sum_k delta_k M_{jk}
                entry = (self.free, self.unit) if connection.transposed else (self.unit, self.free)
                term = Sum(self.free, 1, None, Bin("juxt", delta, self.matrix(connection.matrix_key, entry)))
            else:
                matrix = self.matrix(connection.matrix_key)
                term = self.product(
                    self.layer_symbol("delta", connection.target),
                    matrix if connection.transposed else Transpose(matrix),
                )
            yield self.say(self.layer_symbol("z", connection.target)), term
        for consumer in self.graph.identity_consumers(layer):
            gradient = self.layer_symbol("dact", consumer, self.unit)
            yield f"the identity path into {self.say(self.layer_symbol('a', consumer))}", gradient

    def tied_uses(self, layer: int):
        """(where, contribution) of each use of the matrix entering ``layer`` when it has several uses."""
        own = next((c for c in self.graph.weighted[layer] if c.source == layer - 1 and c.own_key), None)
        uses = [c for c in self.graph.connections() if own is not None and c.matrix_key == own.own_key]
        if len(uses) < 2:
            return
        row, column = (None, None)
        if self.weight is not None:
            row, column = self.weight if self.notation.weight_indices == "from_to" else self.weight[::-1]
        for use in uses:
            # an own use adds A_s^T delta_t; a transposed one (Z_t = A_s W^T) adds delta_t^T A_s
            first, second = ("delta", "a") if use.transposed else ("a", "delta")
            layers = {"a": use.source, "delta": use.target}
            left = self.layer_symbol(first, layers[first], row)
            right = self.layer_symbol(second, layers[second], column)
            if self.weight is None:
                term = self.product(Transpose(left), right)
            else:
                term = Bin("juxt", left, right)
            yield f"its use into {self.say(self.layer_symbol('z', use.target))}", term
