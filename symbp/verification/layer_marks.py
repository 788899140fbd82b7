"""A layer as a formula writes it: a mark (^{(l)}, ^{[l+1]}, ^l, named layers, a skip's ^{(2,0)}), a
plain layer in parentheses (W(2), a(L-1)) or a layer subscript (W_2)."""

from __future__ import annotations

import dataclasses
import re

from symbp.derivation.symbolic import c, r, s
from symbp.spec.notation import Notation
from symbp.verification.tree import Layer

# the letters of a graph's general forms that stand for the layers of a set (c in out(l), r in id(l)) or
# a skip's source (W^{(l,s)}), as its documents print them
LETTERS = "".join(str(letter) for letter in (c, r, s))
SOURCE = str(s)
PLAIN_LAYER = re.compile(r"[(\[]\s*(?:([0-9]+)|([Ll])(?:\s*([+-])\s*([0-9]+))?)\s*[)\]]")
LAYER = re.compile(rf"(n_\s*\{{?\s*l\s*\}}?)|([0-9]+)|([Llk{LETTERS}])(?:\s*([+-])\s*([0-9]+))?")
SUB_LAYER = re.compile(rf"^\s*(?:([0-9]+)|([Ll{LETTERS}])(?:\s*([+-])\s*([0-9]+))?)\s*$")


def layer_from_match(match: re.Match) -> Layer:
    number, base, sign, amount = match.groups()
    if number is not None:
        return Layer(None, int(number))
    offset = int(amount) * (-1 if sign == "-" else 1) if amount else 0
    return Layer(base, offset)


def plain_layer(text: str) -> Layer:
    """W(2), a(L-1), and a skip's two layers W(2,0): the layer entered, then the one it comes from."""
    entered, _, source = text.partition(",")
    layer = layer_from_match(PLAIN_LAYER.search(entered + ")"))
    if source:
        return dataclasses.replace(layer, source=layer_from_match(PLAIN_LAYER.search("(" + source)))
    return layer


def layer_from_mark(text: str, notation: Notation) -> Layer:
    """The layer a mark names: ^{(l)}, ^l, ^{[l+1]}, ^{(n_l)} (the output layer), ^{(out)} (named layers)."""
    mark = text[text.index("^") + 1 :]
    named = re.search(r"\(\s*([^()]+?)\s*\)", mark)
    if notation.layer_style == "named" and named:
        entered, _, source = (part.strip() for part in named.group(1).partition(","))
        layer = _named_layer(entered, notation)
        if layer is not None and (not source or _named_layer(source, notation) is not None):
            return dataclasses.replace(layer, source=_named_layer(source, notation)) if source else layer
    depth = notation.depth_letter
    entered, _, source = re.sub(rf"(?<![A-Za-z]){depth}(?![A-Za-z])", "L", mark).partition(",")
    layer = _one_layer(entered, depth)
    return dataclasses.replace(layer, source=_one_layer(source, depth)) if source else layer


def _named_layer(written: str, notation: Notation) -> Layer | None:
    """in, h, out of a named style, or h1, h2 (a deeper network's hidden layers by number); None else."""
    bottom, hidden, top = notation.layer_names
    numbered = re.fullmatch(rf"{re.escape(hidden)}([0-9]+)", written)
    if numbered:
        return Layer(None, notation.input_layer + int(numbered.group(1)), shown=written)
    if written == bottom:
        return Layer(None, notation.input_layer, shown=written)
    if written in (hidden, top):
        return Layer("L", 0 if written == top else -1, shown=written)
    return None


def _one_layer(mark: str, depth: str) -> Layer:
    """One layer of a mark (a skip matrix's mark holds two); ``depth`` is the letter written for L."""
    output, number, base, sign, amount = LAYER.search(mark).groups()
    if output is not None:
        return Layer("L", 0, shown="n_l")
    if number is not None:
        return Layer(None, int(number))
    offset = int(amount) * (-1 if sign == "-" else 1) if amount else 0
    if base == "L":
        return Layer("L", offset, letter=None if depth == "L" else depth)
    if base in LETTERS:
        return Layer(base, offset)
    return Layer("l", offset, letter=None if base == "l" else base)
