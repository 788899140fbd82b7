"""Named units and weights of a worked example (Mazur's net_{h1}, out_{o2}, w_5), read as the entries they
name: a unit of a declared family (h = {quantity = "units", layer = 1}) is that layer's unit, a weight
declared between two units (w_5 = {quantity = "weight", from = "h1", to = "o1"}) is that entry of W."""

from __future__ import annotations

from symbp.spec.declared import unit_of
from symbp.spec.notation import Declared, Notation
from symbp.verification.tree import Layer


class UnitError(ValueError):
    """A named unit or weight that names nothing (the syntax turns it into a refusal with the column)."""


def _family_layer(unit: str, notation: Notation) -> tuple[int, int] | None:
    """(display layer, unit number) of a named unit such as h1, h_1 or h_{1}; None if no family names it."""
    found = unit_of(unit)
    if found is None:
        return None
    family, number = found
    for entry in notation.declared("units"):
        if entry.name == family:
            return entry.layer, number
    return None


def unit_subscript(content: str, role: str, notation: Notation) -> tuple[Layer, tuple] | None:
    """The layer and index a named-unit subscript gives a symbol (net_{h1}: z of layer 1, unit 1)."""
    found = _family_layer(content, notation)
    if found is None:
        return None
    layer, number = found
    if role == "w":
        raise UnitError(
            f"a weight joins two units: declare it (w_5 = {{quantity = 'weight', from, to}}), not _{content}"
        )
    if role == "b" and notation.weights_named_by == "leaving":
        layer -= 1  # the bias of a unit of layer l is named by the layer below, as the weights are
    return Layer(None, layer), (number,)


def weight_between(entry: Declared, notation: Notation) -> tuple[Layer, tuple]:
    """The layer mark and indices of a weight declared between two named units, in the notation's order."""
    start, end = _family_layer(entry.start, notation), _family_layer(entry.end, notation)
    if start is None or end is None:
        raise UnitError(f"{entry.name} joins {entry.start} and {entry.end}: declare their units' layers")
    if end[0] != start[0] + 1:
        raise UnitError(
            f"{entry.name} joins {entry.start} (layer {start[0]}) to {entry.end} (layer {end[0]}): a weight "
            "joins a unit to one of the next layer"
        )
    layer = end[0] - 1 if notation.weights_named_by == "leaving" else end[0]
    indices = (start[1], end[1]) if notation.weight_indices == "from_to" else (end[1], start[1])
    return Layer(None, layer), indices


def weight_named(layer: Layer, indices: tuple, notation: Notation) -> str | None:
    """The declared name of the weight at ``layer`` with ``indices`` (w_7), if the notation names it."""
    for entry in notation.declared("weight"):
        try:
            if weight_between(entry, notation) == (layer, tuple(indices)):
                return entry.name
        except UnitError:
            continue
    return None
