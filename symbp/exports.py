"""Public names of a package, imported when first used (PEP 562).

A package ``__init__`` names its entry points through ``lazy``; nothing is
imported until a name is read, so ``symbp --help`` does not pay for SymPy.
"""

from __future__ import annotations

import importlib


def lazy(package: str, names: dict[str, str]):
    """``__getattr__`` and ``__dir__`` for ``package``, where ``names`` maps a public name to its module."""

    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(names[name]), name)

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
