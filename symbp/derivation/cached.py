"""The Derivation of a network, derived once per process and shared by every check that needs it.

Deriving checks every step (seconds), and the Derivation is notation-free, so
formula checks and gradcheck draw on one cache.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from symbp.spec.network import Network
from symbp.spec.notation import DEFAULT_NOTATION


def derivation_of(network: Network):
    """The Derivation of a network, once per process (deriving checks every step: seconds).

    The Derivation is notation-free: one derivation serves every notation a formula is read in.
    """
    return _derivation(dataclasses.replace(network, notation=DEFAULT_NOTATION))


@lru_cache(maxsize=8)
def _derivation(network: Network):
    from symbp.derivation.any_network import derive

    return derive(network)
