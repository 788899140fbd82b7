"""Which concrete quantities each equation of the derivation defines and uses, for the page's links.

The page highlights, for a selected weight, the equations that produce its
gradient, and for a selected delta the equation that defines it and every
later one that reuses it. Both are read from the SymPy equations themselves:
every per-layer quantity (``delta[L - 1, n, j]``, the matrix ``delta_lplus1``)
names its layer, and a symbolic layer (L - 1, or the general l) is resolved
to the network's concrete layers. A general equation in l holds for every l
whose layers all exist, so it is linked to each of them.
"""

from __future__ import annotations

import sympy as sp

from symbp.derivation import symbolic
from symbp.rendering.printer_base import PER_LAYER, matrix_parts

GRADIENT_KINDS = {"w": "dW", "b": "db"}


def _layer_terms(expr) -> list[tuple[str, sp.Expr]]:
    """(kind, layer expression) of every per-layer quantity in ``expr``: delta, a, z, w, b, dW, db."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative) and isinstance(node.variables[0], sp.Indexed):
            variable = node.variables[0]
            kind = GRADIENT_KINDS.get(str(variable.base.label))
            if kind and node.expr == symbolic.C:
                found.append((kind, variable.indices[0]))
        elif isinstance(node, sp.Indexed) and str(node.base.label) in PER_LAYER:
            found.append((str(node.base.label), node.indices[0]))
        elif isinstance(node, sp.MatrixSymbol):
            parts = matrix_parts(node.name)
            if parts is not None and parts[1] is not None:
                kind, layer, gradient = parts
                found.append(("d" + kind if gradient else kind, layer))
    return found


def _concrete(layer, depth: int, general: int | None) -> int | None:
    value = sp.sympify(layer).subs({symbolic.L: depth, symbolic.l: general if general is not None else 0})
    return int(value) if value.is_Integer else None


def _general_layers(terms, depth: int) -> list[int | None]:
    """The values of the general layer l for which every layer in ``terms`` exists (None: no l)."""
    if not any(sp.sympify(layer).has(symbolic.l) for _, layer in terms):
        return [None]
    valid = []
    for value in range(1, depth + 1):
        layers = [_concrete(layer, depth, value) for _, layer in terms]
        if all(layer is not None and 0 <= layer <= depth for layer in layers):
            valid.append(value)
    return valid


def _tokens(terms, depth: int, value: int | None, kinds) -> set[str]:
    tokens = set()
    for kind, layer in terms:
        concrete = _concrete(layer, depth, value)
        if kind in kinds and concrete is not None:
            tokens.add(f"{kind}-{concrete}")
    return tokens


def links(lhs, rhs, depth: int) -> tuple[str, str]:
    """('delta-3 dW-3', 'delta-3 ...'): the quantities an equation defines (its left side) and uses
    (its right side), as space-separated tokens kind-layer, over every layer it holds for."""
    left, right = _layer_terms(lhs), _layer_terms(rhs)
    defines, uses = set(), set()
    for value in _general_layers(left + right, depth):
        defined = _tokens(left, depth, value, ("delta", "dW", "db"))
        defines |= defined
        uses |= _tokens(right, depth, value, ("delta",)) - defined
    return " ".join(sorted(defines)), " ".join(sorted(uses))
