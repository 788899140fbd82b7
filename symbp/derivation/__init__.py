"""Stage 2, the derivation: the SymPy network, each chain-rule factor, the Derivation, its checks.

Every step is checked when it is made; renderers and the code generator only print what it holds.
"""

from symbp.exports import lazy

__all__ = ["Derivation", "SectionView", "Step", "derive"]
__getattr__, __dir__ = lazy(
    __name__, dict.fromkeys(__all__, "symbp.derivation.engine") | {"derive": "symbp.derivation.any_network"}
)
