"""Every identifier name in one place (how documents write them is a Notation's job).

Generated code, printers and the formula checker all agree on these names:
``X``, ``T``, ``A2``, ``Z2``, ``W2``, ``b2``, ``delta2``, ``dW2``, ``db2``
(the input is layer 0, as in The backpropagation algorithm). Documents may
number the input layer 1 (Neural Networks Demystified); ``display_layer`` applies that
offset, and only printers call it.
"""

from __future__ import annotations

import re

MATRIX_KINDS = ("A", "Z", "W", "b", "delta", "dW", "db")
_MATRIX_NAME = re.compile(r"^(A|Z|W|b|delta|dW|db)(\d+)$")
# A graph's own names: a skip's matrix W{l}_{s} and its gradient, dC/dA of a hidden layer, dC/dX.
_GRAPH_NAME = re.compile(r"^(?:(d?W)(\d+)_(\d+)|dA(\d+)|dX)$")
# A graph's general layers: W_c_l (from l into a consumer c), dW_l_s, delta_c, A_s, dA_l, dA_r.
_GRAPH_GENERIC_NAME = re.compile(r"^(?:(d?W)_([cl])_([ls])|(A|Z|b|delta|db|dA)_([lcrs]))$")
_GENERIC_NAME = re.compile(r"^(A|Z|W|b|delta|dW|db)_(l|L)(?:(plus|minus)(\d+))?$")

# Parameters keep their matrix's number when the input layer is numbered 1 (see display_layer).
PARAMETER_KINDS = ("w", "b", "W", "dW", "db")


def matrix_name(kind: str, layer: int | None = None) -> str:
    """Identifier of a matrix: ``matrix_name("delta", 2) == "delta2"``; A0 is ``X``."""
    if kind in ("X", "T"):
        return kind
    if kind == "A" and layer == 0:
        return "X"
    if kind not in MATRIX_KINDS or layer is None or layer < 0:
        raise ValueError(f"no matrix {kind}{layer}")
    return f"{kind}{layer}"


def parse_matrix_name(name: str) -> tuple[str, int | None]:
    """Inverse of ``matrix_name``: ("delta", 2) for "delta2", ("X", None) for "X"."""
    if name in ("X", "T"):
        return name, None
    match = _MATRIX_NAME.match(name)
    if not match:
        raise ValueError(f"not a matrix name: {name}")
    return match.group(1), int(match.group(2))


def parse_graph_matrix_name(name: str) -> tuple[str, object] | None:
    """A graph's own matrix names: ("W", (2, 0)) for "W2_0" (into layer 2 from layer 0), ("dW", (2, 0)),
    ("dA", 1) for dC/dA1, ("dX", None) for dC/dX; None for other names."""
    match = _GRAPH_NAME.match(name)
    if not match:
        return None
    kind, target, source, hidden = match.groups()
    if kind:
        return kind, (int(target), int(source))
    return ("dA", int(hidden)) if hidden else ("dX", None)


def parse_graph_generic_name(name: str) -> tuple[str, object] | None:
    """("W", ("c", "l")) for "W_c_l", ("delta", "c") for "delta_c", ("dA", "l") for "dA_l": a graph's
    general layers by their letters; None for other names."""
    match = _GRAPH_GENERIC_NAME.match(name)
    if not match:
        return None
    pair_kind, target, source, kind, layer = match.groups()
    return (pair_kind, (target, source)) if pair_kind else (kind, layer)


def generic_matrix_name(kind: str, base: str, offset: int = 0) -> str:
    """Name of a matrix at a symbolic layer: ``generic_matrix_name("delta", "l", 1) == "delta_lplus1"``."""
    if offset == 0:
        return f"{kind}_{base}"
    return f"{kind}_{base}{'plus' if offset > 0 else 'minus'}{abs(offset)}"


def parse_generic_matrix_name(name: str) -> tuple[str, str, int] | None:
    """Inverse of ``generic_matrix_name``: ("delta", "l", 1) for "delta_lplus1"; None if not generic."""
    match = _GENERIC_NAME.match(name)
    if not match:
        return None
    kind, base, sign, amount = match.groups()
    offset = int(amount) * (1 if sign == "plus" else -1) if sign else 0
    return kind, base, offset


def display_layer(layer, numbering: int, parameter: bool = False, leaving: bool | None = None):
    """The layer label shown to a reader whose input layer is ``numbering`` (0 or 1).

    Quantities of a layer (z, a, delta) shift with the numbering. Weights and biases
    are named by the layer they enter or, with ``leaving``, the layer they leave
    (default: leaving when numbered from 1, as Neural Networks Demystified writes W^{(l)}).
    Symbolic labels (L, l) name the reader's layers, so only the leaving shift applies there.
    """
    leaving = bool(numbering) if leaving is None else leaving
    shift = int(leaving) if parameter else 0
    if isinstance(layer, int):
        return layer + numbering - shift
    return layer - shift


def param_names(depth: int, bias: bool) -> list[str]:
    """Keys of a params dict, in order: W1, b1, W2, b2, ..."""
    names = []
    for layer in range(1, depth + 1):
        names.append(matrix_name("W", layer))
        if bias:
            names.append(matrix_name("b", layer))
    return names
