"""A sub-expression of a formula written back as short LaTeX in a notation's symbols (for diagnoses)."""

from __future__ import annotations

import dataclasses
import re
from functools import partial

from symbp.spec.notation import DEFAULT_NOTATION, Notation
from symbp.verification.lexicon import lexicon, unwrapped
from symbp.verification.tree import (
    Bin,
    Call,
    Cases,
    Jacobian,
    Neg,
    Node,
    NpSum,
    Num,
    Sym,
    Transpose,
)
from symbp.verification.units import weight_named


def show(node: Node, notation: Notation = DEFAULT_NOTATION) -> str:
    """Short LaTeX for a sub-expression, in the symbols of ``notation``, for diagnoses."""
    say = partial(show, notation=notation)
    if isinstance(node, Sym):
        written = node.layer is not None and not node.layer.implied
        layer = "^{" + notation.mark(str(node.layer)) + "}" if written else ""
        indices = "_{" + "".join(str(index) for index in node.indices) + "}" if node.indices else ""
        if node.name == "share":  # one output's loss, as written (Loss_k, E_{o1} read as E_{1})
            return (node.spelling or notation.cost) + indices
        if node.name in ("dact", "dz"):
            below = lexicon(notation).spelling(node.name[1])
            return f"\\partial {notation.cost}/\\partial {below}{layer}{indices}"
        named = _named_weight(node, notation)
        if named is not None:  # Mazur's w_7: the declared name of that entry
            return named
        matrix = node.name in ("w", "x") and not node.indices
        name = _in_typeface(lexicon(notation).spelling(node.name, matrix), node.spelling)
        unit = _named_unit(node, notation)
        if unit is not None:  # Mazur's out_{h1}: the unit by its declared family's name
            return f"{name}_{{{unit}}}"
        return name + layer + indices
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Transpose):
        inner = say(node.arg)
        return f"{inner}^T" if re.fullmatch(r"[^^]*", inner) and isinstance(node.arg, Sym) else f"({inner})^T"
    if isinstance(node, Call):
        name = _function_name(notation) if node.func == "act" else "\\" + node.func
        return f"{name}{chr(39) if node.prime else ''}({say(node.arg)})"
    if isinstance(node, Neg):
        return f"-{say(node.arg)}"
    if isinstance(node, Cases):
        return "\\begin{cases}...\\end{cases}"
    if isinstance(node, Jacobian):
        return f"\\partial {say(node.of)}/\\partial {say(node.by)}"
    if isinstance(node, NpSum):
        return f"np.sum({say(node.arg)})"
    if isinstance(node, Bin):
        hadamard = f" {notation.hadamard} "
        symbol = {"add": " + ", "sub": " - ", "div": "/", "pow": "^", "hadamard": hadamard}.get(node.op, " ")
        return f"({say(node.left)}{symbol}{say(node.right)})"
    return "..."


_TYPEFACE = re.compile(
    r"\\([A-Za-z]+)\s*\{|\{\s*\\(cal|bf|rm|it|sf)\s|\\(vec|bm|boldsymbol|mathbf)(?:\s+|(?=\\))"
)


def _in_typeface(name: str, written: str | None) -> str:
    """The notation's name for a symbol in the typeface the writer gave it (\\mathbf{W}, {\\cal C})."""
    if not written or unwrapped(written) == written:
        return name
    match = _TYPEFACE.match(written)
    if match is None:
        return name
    base = unwrapped(name)
    if match[2]:
        return f"{{\\{match[2]} {base}}}"
    return f"\\{match[1] or match[3]}{{{base}}}"


def _function_name(notation: Notation) -> str:
    """The activation function as diagnoses name it: f where the notation writes the default \\sigma."""
    return "f" if notation.function == DEFAULT_NOTATION.function else notation.function


def as_needed(node: Node, notation: Notation) -> Node:
    """A repair's symbol as the notation names it: an activation at the input layer's number is the
    input (d2l's h^{(0)} is x), whatever the writer's slip wrote there."""
    layer = getattr(node, "layer", None)
    if isinstance(node, Sym) and node.name == "a" and layer is not None and layer.base is None:
        if layer.offset == notation.input_layer:
            return dataclasses.replace(node, name="x", layer=None)
    return node


def _named_weight(node: Sym, notation: Notation) -> str | None:
    """A weight entry with a layer written as a number: its declared name, if the notation has one."""
    layer = node.layer
    if node.name != "w" or layer is None or layer.base is not None or len(node.indices or ()) != 2:
        return None
    if not all(isinstance(index, int) for index in node.indices):
        return None
    return weight_named(dataclasses.replace(layer, shown=None, implied=False), node.indices, notation)


def _named_unit(node: Sym, notation: Notation) -> str | None:
    """One unit's quantity at a layer written as a number (out^{(1)}_{1}) as its declared unit (h1)."""
    layer = node.layer
    if node.name == "w" or layer is None or layer.base is not None or len(node.indices or ()) != 1:
        return None
    (number,) = node.indices
    if not isinstance(number, int):
        return None
    family = next((entry.name for entry in notation.declared("units") if entry.layer == layer.offset), None)
    return None if family is None else f"{family}{number}"
