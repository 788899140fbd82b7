"""The slip particular to a graph network: one consumer's term left out of a sum over consumers.

Where a layer feeds several consumers, dC/da^{(l)} is the sum of one term per
consumer (a weighted one's delta times its matrix transposed, an identity
one's dC/da passed straight down), delta^{(l)} that sum times f'(z^{(l)}), and
a tied matrix's gradient the sum of its uses' contributions. A claim that
writes the sum without one of the terms is the claim plus that term: each such
repair is a candidate, tried before the chain's slips (a missing residual term
would otherwise pass for a formula of the layer above). Matrix formulas in a
notation whose weights are named by the layer they enter.
"""

from __future__ import annotations

from functools import partial

from symbp.spec.graph import parse_weight_key
from symbp.spec.network import Network
from symbp.verification.formula import Formula
from symbp.verification.slips import Candidate
from symbp.verification.tree import Bin, Call, Layer, Sym, Transpose
from symbp.verification.written import show


def graph_candidates(network: Network, formula: Formula):
    """Candidate repairs that add one consumer's (or one tied use's) missing term to the claim."""
    notation, quantity = formula.notation, formula.quantity
    if network.graph is None or not formula.matrix or notation.weights_named_by != "entering":
        return
    layer = quantity.layer or Layer("L", 0)
    if layer.base == "l" or layer.source is not None:
        return
    numbering = notation.input_layer
    internal = layer.value(network.depth + numbering, None) - numbering
    if not 0 <= internal <= network.depth:
        return
    terms = _Terms(network, notation)
    say = partial(show, notation=notation)
    if quantity.kind == "act":
        for where, term in terms.activation_gradient(internal):
            yield Candidate(
                f"the term through {where} is missing: {say(term)}", Bin("add", formula.rhs, term)
            )
    elif quantity.kind == "delta" and internal >= 1:
        slope = Call("act", True, terms.layer_symbol("z", internal))
        for where, term in terms.activation_gradient(internal):
            repaired = Bin("add", formula.rhs, Bin("hadamard", term, slope))
            yield Candidate(
                f"the term through {where} is missing: ({say(term)}) \\odot {say(slope)}", repaired
            )
    elif quantity.kind == "w" and internal >= 1:
        for where, term in terms.tied_uses(internal):
            yield Candidate(f"the term of {where} is missing: {say(term)}", Bin("add", formula.rhs, term))


class _Terms:
    """Each consumer's term as a formula would write it (row or column layout, the notation's numbers)."""

    def __init__(self, network: Network, notation):
        self.graph, self.say = network.graph, partial(show, notation=notation)
        self.columns, self.numbering = notation.layout == "column", notation.input_layer

    def layer_symbol(self, name: str, layer: int) -> Sym:
        if name == "a" and layer == 0:
            return Sym("x")
        return Sym(name, Layer(None, layer + self.numbering))

    def product(self, left, right) -> Bin:
        """left right as rows write it; a column layout writes the transpose, (right^T left^T), which with
        every symbol read transposed is the factors swapped."""
        return Bin("juxt", right, left) if self.columns else Bin("juxt", left, right)

    def matrix(self, key: str) -> Sym:
        source, target = parse_weight_key(key)
        skip = Layer(None, source + self.numbering) if source != target - 1 else None
        return Sym("w", Layer(None, target + self.numbering, source=skip))

    def activation_gradient(self, layer: int):
        """(where, term) of each consumer of a^{(layer)}: delta^{(c)} M^T, or an identity one's dC/da."""
        for connection in self.graph.weighted_consumers(layer):
            matrix = self.matrix(connection.matrix_key)
            # Z_c = A M, M the matrix as used (W^T for a transposed tie): the term is delta_c M^T
            term = self.product(
                self.layer_symbol("delta", connection.target),
                matrix if connection.transposed else Transpose(matrix),
            )
            yield self.say(self.layer_symbol("z", connection.target)), term
        for consumer in self.graph.identity_consumers(layer):
            yield (
                f"the identity path into {self.say(self.layer_symbol('a', consumer))}",
                Sym("dact", Layer(None, consumer + self.numbering)),
            )

    def tied_uses(self, layer: int):
        """(where, contribution) of each use of the matrix entering ``layer`` when it has several uses."""
        own = next((c for c in self.graph.weighted[layer] if c.source == layer - 1 and c.own_key), None)
        uses = [c for c in self.graph.connections() if own is not None and c.matrix_key == own.own_key]
        if len(uses) < 2:
            return
        for use in uses:
            below = self.layer_symbol("a", use.source)
            delta = self.layer_symbol("delta", use.target)
            # an own use adds A_s^T delta_t; a transposed one (Z_t = A_s W^T) adds delta_t^T A_s
            if use.transposed:
                term = self.product(Transpose(delta), below)
            else:
                term = self.product(Transpose(below), delta)
            where = f"its use into {self.say(self.layer_symbol('z', use.target))}"
            yield where, term
