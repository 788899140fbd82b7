"""``derive(network)`` for every network: a chain's derivation or a graph's, by the network's shape.

A chain (each layer fed by the one below) is derived step by step in index
form (``symbp.derivation.engine``); a network with skips, residuals, tied
weights or ``input_gradient`` is derived by collecting each quantity's terms
over its consumers (``symbp.derivation.graph``). Both check every equation.
"""

from __future__ import annotations

from symbp.derivation.engine import derive as derive_chain
from symbp.derivation.graph import derive_graph
from symbp.spec.network import Network


def derive(network: Network):
    """The checked derivation of ``network`` (a Derivation, or a GraphDerivation for a graph).

    >>> import symbp
    >>> symbp.derive(symbp.load("skip_xor")).gradient_keys
    ['W1', 'b1', 'W2', 'W2_0', 'b2']
    """
    if network.graph is not None:
        return derive_graph(network)
    return derive_chain(network)
