"""Stage 3c, verification: people's formulas and gradient code checked against the derivation.

A formula is read by a grammar (never evaluated), proved exactly on small
networks, compared numerically, and diagnosed when it fails; gradient code is
compared with the derived gradients and central differences.
"""

from symbp.exports import lazy

__all__ = ["Report", "Verdict", "gradcheck", "parse_formula", "verify"]
__getattr__, __dir__ = lazy(
    __name__,
    {
        "Report": "symbp.verification.gradient_check",
        "Verdict": "symbp.verification.verdict",
        "gradcheck": "symbp.verification.gradient_check",
        "parse_formula": "symbp.verification.formula",
        "verify": "symbp.verification.verify_formula",
    },
)
