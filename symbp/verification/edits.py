"""Edits of a syntax tree, each making a new tree: a sub-tree or a symbol replaced, index letters
renamed, layers moved."""

from __future__ import annotations

from dataclasses import replace

from symbp.verification.tree import (
    Layer,
    Node,
    Sum,
    Sym,
    map_children,
)


def substitute(node: Node, target: Node, new: Node) -> Node:
    """A copy of ``node`` with the sub-tree ``target`` (by identity) replaced by ``new``."""
    if node is target:
        return new
    return map_children(node, lambda child: substitute(child, target, new))


def shift_all(node: Node, step: int) -> Node:
    """Every layer written on the symbols of ``node`` moved by ``step``."""
    if isinstance(node, Sym):
        if node.layer is None or node.name == "width":
            return node
        return replace(node, layer=moved_layer(node.layer, step))
    return map_children(node, lambda child: shift_all(child, step))


def moved_layer(layer: Layer, step: int) -> Layer:
    return Layer(
        layer.base, layer.offset + step, letter=layer.letter, implied=layer.implied, source=layer.source
    )


def replace_symbol(node: Node, old: Sym, new: Sym) -> Node:
    if isinstance(node, Sym):
        return new if node == old else node
    return map_children(node, lambda child: replace_symbol(child, old, new))


def rename(node: Node, letters: dict) -> Node:
    if isinstance(node, Sym) and node.indices:
        return replace(node, indices=tuple(letters.get(index, index) for index in node.indices))
    if isinstance(node, Sum) and node.index in letters:
        node = replace(node, index=letters[node.index])
    return map_children(node, lambda child: rename(child, letters))
