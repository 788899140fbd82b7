"""How a notation's symbols map onto a generated module's arrays, for its docstring.

The module's contract does not change with the notation (params["W1"] is
always n_0 x n_1, rows of X are samples); a reader of Nielsen or
deeplearning.ai finds here which array holds their w^l, b^l and x: for
example "w^2 is params['W1'].T" (column vectors transpose every matrix).
"""

from __future__ import annotations

from symbp.spec.notation import DEFAULT_NOTATION, as_text
from symbp.spec.profiles import PROFILES


def _layer_label(notation, layer: int, depth: int, parameter: bool) -> str:
    mark = notation.layer_mark(layer, parameter, depth)
    bare_and_long = notation.layer_style == "bare" and len(mark) > 1
    return f"^{{{mark}}}" if bare_and_long else f"^{mark}"


def notation_lines(network) -> list[str]:
    """A heading, then one line per parameter (and for X and T): the notation's symbol, the module's array.

    Empty in the default notation, whose symbols are the module's own names."""
    notation = network.notation
    if notation == DEFAULT_NOTATION:
        return []
    column = notation.layout == "column"
    tee = ".T" if column else ""
    known = PROFILES.get(notation.name) == notation
    base = notation.name.removesuffix("+custom")
    named = (
        f"the {notation.name} notation ({notation.source})"
        if known
        else f"this spec's notation (the {base} profile, changed)"
    )
    lines = [f"In {named}:"]
    for layer in range(1, network.depth + 1):
        mark = _layer_label(notation, layer, network.depth, parameter=True)
        lines.append(f"{as_text(notation.weight_matrix)}{mark} is params['W{layer}']{tee}")
        if network.bias:
            shape = " as a column" if column else ""
            lines.append(f"{as_text(notation.bias)}{mark} is params['b{layer}']{shape}")
    samples = "one sample per column" if column else "one sample per row"
    given = as_text(notation.input_matrix)
    if notation.input_matrix == notation.activation_matrix:  # the input is layer 0's activation: A^(in)
        given += _layer_label(notation, 0, network.depth, parameter=False)
    lines.append(f"{given} is X{tee} and {as_text(notation.target_matrix)} is T{tee}")
    lines.append(f"({samples}; the module's arrays keep one sample per row)")
    return lines
