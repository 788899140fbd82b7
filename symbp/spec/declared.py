"""A [notation.symbols] table read into Declared entries: a source's own name for each quantity it uses.

A value is a quantity (``net = "pre_activation"``) or a table with the quantity and what qualifies it:
``Delta = {quantity = "delta", factor = "-1/2"}`` (Delta = -1/2 dC/dz), ``e = {quantity = "error",
factor = -1}`` (e = t - a), ``h = {quantity = "units", layer = 1}`` (h1, h_2 name the units of layer 1),
``w_5 = {quantity = "weight", from = "h1", to = "o1"}`` (one weight between two named units),
``h = {quantity = "activation", layer = 1}`` (h written without a layer mark is layer 1's activation),
``K = "depth"`` (K is the output layer where the notation writes L) and ``r = "width"`` (r^{k}: the number
of units of layer k), ``a = {quantity = "constant", value = 1}`` (a named constant: Haykin's slope a of
the logistic, read as its value). ``Loss = "output_loss"`` makes Loss_k one output's term of the loss,
whatever the letter k.
"""

from __future__ import annotations

import re
from fractions import Fraction

from symbp.errors import SpecError
from symbp.spec.notation import Declared

# what a declared name may stand for (the Notation field whose role it takes, or a quantity of its own)
DECLARABLE = (
    "pre_activation",
    "pre_activation_matrix",
    "activation",
    "activation_matrix",
    "input",
    "input_matrix",
    "target",
    "target_matrix",
    "prediction",
    "weight",
    "weight_matrix",
    "bias",
    "delta",
    "delta_matrix",
    "cost",
    "samples",
    "error",
    "loss",
    "output_loss",
    "units",
    "depth",
    "width",
    "constant",
)
# the keys a declaration's table may carry, by quantity
_OPTIONS = {
    "delta": ("factor", "layer"),
    "error": ("factor",),
    "weight": ("from", "to"),
    "units": ("layer",),
    "activation": ("layer",),
    "pre_activation": ("layer",),
    "width": ("layer",),
    "constant": ("value",),
}
_BASE = r"\\?[A-Za-z]+|\\[A-Za-z]+\s*\{\s*\\?[A-Za-z]+\s*\}"
_DECLARED_NAME = re.compile(rf"(?:{_BASE})(?:_(?:[A-Za-z0-9]+|\{{[A-Za-z0-9]+\}}))?")
_UNIT = re.compile(r"([A-Za-z]+)_?\{?([0-9]+)\}?")


def declared_symbols(value: object, field: str) -> tuple:
    """[notation.symbols] as Declared entries (see the module's docstring)."""
    if not isinstance(value, dict):
        raise SpecError(field, value, "a table: name = quantity (net = 'pre_activation')")
    entries = [_entry(name, given, field) for name, given in value.items()]
    units = {entry.name for entry in entries if entry.quantity == "units"}
    for entry in entries:
        for end, key in ((entry.start, "from"), (entry.end, "to")):
            match = _UNIT.fullmatch(end) if end else None
            if end and (match is None or match[1] not in units):
                allowed = "a unit of a declared family (h = {quantity = 'units', layer = 1}), as h1"
                raise SpecError(f"{field}.{entry.name}.{key}", end, allowed)
    if len([entry for entry in entries if entry.quantity == "depth"]) > 1:
        raise SpecError(field, value, "one depth letter")
    return tuple(entries)


def unit_of(text: str) -> tuple[str, int] | None:
    """A named unit as written (h1, h_1, h_{1}): (its family's name, its number), or None."""
    match = _UNIT.fullmatch(text.replace(" ", ""))
    return (match[1], int(match[2])) if match else None


def _entry(name: object, given: object, field: str) -> Declared:
    if not isinstance(name, str) or not _DECLARED_NAME.fullmatch(name.strip()):
        allowed = "a name of letters, a command (\\alpha) or \\mathrm{...}, with an optional subscript (w_5)"
        raise SpecError(field, name, allowed)
    name = name.strip()
    where = f"{field}.{name}"
    options = {}
    if isinstance(given, dict):
        options = dict(given)
        given = options.pop("quantity", None)
    if given not in DECLARABLE:
        raise SpecError(where, given, "one of " + ", ".join(DECLARABLE))
    for key in options:
        if key not in _OPTIONS.get(given, ()):
            allowed = ", ".join(_OPTIONS.get(given, ())) or "no keys besides quantity"
            raise SpecError(f"{where}.{key}", options[key], f"for a {given}: {allowed}")
    if given == "depth" and not re.fullmatch(r"[A-Za-z]", name):
        raise SpecError(where, name, "one letter for the output layer (N, K, r)")
    if given == "units" and not (re.fullmatch(r"[A-Za-z]+", name) and isinstance(options.get("layer"), int)):
        raise SpecError(where, options.get("layer"), "letters naming the units of a layer = its number")
    layer = options.get("layer")
    if "layer" in options and (not isinstance(layer, int) or isinstance(layer, bool)):
        raise SpecError(f"{where}.layer", layer, "the number of the layer the name stands for")
    if given == "constant" and "value" not in options:
        raise SpecError(where, given, "a constant with its value: {quantity = 'constant', value = 1}")
    if ("from" in options) != ("to" in options):
        raise SpecError(where, options, "both from and to (the units the weight joins)")
    return Declared(
        name,
        given,
        _factor(options.get("factor", 1), f"{where}.factor"),
        str(options.get("from", "")),
        str(options.get("to", "")),
        options.get("layer"),
        _rational(options["value"], f"{where}.value") if given == "constant" else None,
    )


def _factor(value: object, field: str) -> Fraction:
    """A rational factor: an integer, or a fraction as text ("-1/2")."""
    factor = _rational(value, field)
    if not factor:
        raise SpecError(field, value, "a non-zero rational number: an integer or a fraction such as '-1/2'")
    return factor


def _rational(value: object, field: str) -> Fraction:
    """A rational number: an integer, or a fraction as text ("-1/2"), never a float (not exact)."""
    try:
        number = Fraction(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    except (ValueError, ZeroDivisionError):
        number = None
    if number is None:
        raise SpecError(field, value, "a rational number: an integer or a fraction such as '-1/2'")
    return number
