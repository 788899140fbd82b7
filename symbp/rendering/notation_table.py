"""Every notation profile side by side: how each writes z, the delta recursion and dW.

One derivation (``REFERENCE``, a sigmoid network with biases), printed in each
profile by symbp's own printers; docs/notation.md holds the table between
``BEGIN``/``END`` and ``python tools/refresh.py`` rewrites it.
"""

from __future__ import annotations

import dataclasses

from symbp.rendering.latex import latex
from symbp.rendering.printer_base import equation
from symbp.spec.profiles import PROFILES
from symbp.templating import table_math

REFERENCE = {"name": "reference", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_mse"}
BEGIN = "<!-- profiles table: written by python tools/refresh.py -->"
END = "<!-- end of profiles table -->"
COLUMNS = (
    "profile",
    "forward: z of layer 1",
    "delta recursion (matrix form)",
    "dW (matrix form)",
    "dC/dw (index form)",
)


def _cell(network, lhs, rhs) -> str:
    lhs, rhs = equation(lhs, rhs, network)
    return "$" + table_math(f"{latex(lhs, network)} = {latex(rhs, network)}") + "$"


def profile_rows(derivation) -> list[tuple[str, ...]]:
    """(profile, z, delta recursion, dW, dC/dw) printed in every profile."""
    rows = []
    for name, notation in PROFILES.items():
        network = dataclasses.replace(derivation.network, notation=notation)
        forward = derivation.forward[0]
        cells = [f"`{name}`", _cell(network, forward.target, forward.expr)]
        for label in ("eq:delta-rec-matrix", "eq:dW-matrix", "eq:dW"):
            eq = derivation.step(label).eq
            cells.append(_cell(network, eq.lhs, eq.rhs))
        rows.append(tuple(cells))
    return rows


def profile_table(derivation) -> str:
    """The Markdown table of ``profile_rows``, between the BEGIN and END markers."""
    lines = [BEGIN, "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in profile_rows(derivation)]
    return "\n".join([*lines, END])


def with_table(document: str, table: str) -> str:
    """``document`` with its profiles table replaced by ``table``."""
    start, end = document.index(BEGIN), document.index(END) + len(END)
    return document[:start] + table + document[end:]
