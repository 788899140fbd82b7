"""One output's share of the cost (``symbp.verification.output_share``) against a network: where it is read.

A share is read where the network's cost separates over its outputs: an output layer of elementwise
units, each output's term depending on the network only through its own unit. Through softmax every
output depends on every unit, and a graph network's Jacobians are not read, so there a share is refused,
naming it. A share whose output letter is free (AIMA's dLoss_k/dw_{i,j} = -2 Delta_k w_{j,k} g'(in_j) a_i
says it for every output k) is checked for each output unit in turn.
"""

from __future__ import annotations

import dataclasses
import re

from symbp.spec.network import Network
from symbp.spec.notation import Notation
from symbp.verification.formula import Formula, FormulaError
from symbp.verification.lexicon import lexicon
from symbp.verification.point import reads_as_graph
from symbp.verification.tree import Jacobian, Sym, walk, with_index
from symbp.verification.vector_weights import with_one_unit_weights
from symbp.verification.written import show


def read_on(network: Network, formula: Formula) -> Formula:
    """The formula as read on this network: a one-index weight of a layer of one unit as its entry (J&M's
    w_j), and a share of the cost refused where the cost does not separate (FormulaError)."""
    formula = with_one_unit_weights(network, formula)
    refusal = share_refusal(network, formula)
    if refusal is not None:
        raise refusal
    return formula


def shares(formula: Formula) -> list[Sym]:
    """The output units of every share of the cost the formula differentiates (left side first)."""
    found = [formula.quantity.share] if formula.quantity.share is not None else []
    return found + [
        node.of for node in walk(formula.rhs) if isinstance(node, Jacobian) and node.of.name == "share"
    ]


def share_refusal(network: Network, formula: Formula) -> FormulaError | None:
    """Why a share of the cost in the formula is not read on this network (None: it is read)."""
    notation = formula.notation
    output = network.depth + notation.input_layer
    for share in shares(formula):
        token = re.match(r"[^\s_]+_(?:\{[^{}]*\}|\w)", formula.text[share.column - 1 :])
        written = token[0] if token else show(share, notation)  # as written: E_{h1}, not E_{1}
        reason = None
        if not network.activation(network.depth).elementwise:
            name = network.activation(network.depth).name
            reason = f"the cost does not separate over the outputs of a {name} layer (each depends on all)"
        elif reads_as_graph(network):
            reason = "a derivative through a graph network is not read"
        elif share.layer.base is None and share.layer.offset != output:
            reason = f"it names a unit of layer {share.layer.offset}, not of the output layer {output}"
        elif (letter := share.indices[0]) in notation.unit_letters and not _declared(share, notation):
            if notation.input_layer + notation.unit_letters.index(letter) != output:
                reason = f"{letter} is not the output layer's unit letter in unit_letters"
        if reason is not None:
            message = f"{written} (one output's loss) is not read here: {reason}"
            return FormulaError(formula.text, share.column, message)
    return None


def each_output(network: Network, formula: Formula) -> list[tuple[str, Formula]]:
    """The formula for each output unit its free share letter stands for (k = 1, 2, ...), each with a
    note naming it; the formula alone when no share's letter is free."""
    bound = set(formula.quantity.indices or ())
    free = [share.indices[0] for share in shares(formula) if isinstance(share.indices[0], str)]
    free = [letter for letter in dict.fromkeys(free) if letter not in bound]
    if not free:
        return [("", formula)]
    letter = free[0]
    quantity = formula.quantity
    return [
        (
            f"{letter} = {unit}",
            dataclasses.replace(
                formula,
                quantity=dataclasses.replace(quantity, share=with_index(quantity.share, letter, unit)),
                rhs=with_index(formula.rhs, letter, unit),
            ),
        )
        for unit in range(1, network.layers[-1] + 1)
    ]


def _declared(share: Sym, notation: Notation) -> bool:
    entry = lexicon(notation).declaration(share.spelling or "")
    return entry is not None and entry.quantity == "output_loss"
