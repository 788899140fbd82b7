"""Derivations shared by the document tests (derived once per test session)."""

from __future__ import annotations

from tests.conftest import derived

# Each extra case trains with another optimiser, so the documents print (and compile) its update rules.
DEEP = {
    "name": "deep",
    "layers": [3, 4, 4, 4, 4, 4, 2],
    "activation": "tanh",
    "cost": "half_mse",
    "train": {"optimizer": "adam", "eps": 1e-7},
}
WIDE = {
    "name": "wide",
    "layers": [20, 20, 20],
    "activation": "sigmoid",
    "cost": "half_mse",
    "train": {"optimizer": "lbfgs"},
}
SPECIALS = {
    "name": "odd_name_with_under_scores_",
    "description": r"TeX specials: _ & % $ # { } ~ ^ \ and < > | \"quotes\" and accents: déjà vu",
    "layers": [2, 3, 1],
    "activation": {"name": "softsign", "expr": "z/(1+abs(z))"},
    "cost": {"name": "quartic", "expr": "(a - t)**4/4"},
    "bias": False,
    "train": {"optimizer": "nesterov", "momentum": 0.95},
}
EXTRA = {"deep": DEEP, "wide": WIDE, "specials": SPECIALS}


def derivation(source: str):
    """The Derivation of a built-in example name or of one of the EXTRA specs."""
    return derived(EXTRA.get(source, source))
