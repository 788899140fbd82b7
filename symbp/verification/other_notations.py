"""A formula read in the other built-in notations: which profiles read it, and how to say so."""

from __future__ import annotations

import dataclasses
import re

from symbp.spec.network import Network
from symbp.spec.notation import Notation
from symbp.spec.profiles import PROFILES, notation_from
from symbp.verification.formula import Formula, FormulaError, parse_formula


def other_readers(formula: str, chosen: Notation) -> list[Formula]:
    """The formula read in each other built-in profile that can read it."""
    readers = []
    for profile in PROFILES.values():
        if profile == chosen:
            continue
        try:
            readers.append(parse_formula(formula, profile))
        except FormulaError:
            continue
    return readers


_LAYER_MARK = re.compile(r"\^\s*(\{[^{}]*\}|\(\s*[^()]*\)|\[[^\[\]]*\]|[A-Za-z0-9])")
# what comes before a sum's upper limit (\sum_k^m: the ^m is a limit, not a layer)
_SUM_LIMITS = re.compile(r"\\sum\s*(\\limits)?\s*(_\s*(\{[^{}]*\}|[A-Za-z0-9]))?\s*$")


def profile_words(names: list[str]) -> str:
    """'the nielsen notation', 'the nielsen and wikipedia notations', 'the a, b, c notations and 4 more'."""
    if len(names) == 1:
        return f"the {names[0]} notation"
    if len(names) <= 3:
        return f"the {', '.join(names[:-1])} and {names[-1]} notations"
    return f"the {', '.join(names[:3])} notations and {len(names) - 3} more"


def suggesting(error: FormulaError, chosen: Notation, readers: list[Formula]) -> FormulaError:
    """The reading error, with the profiles that read the formula and how to write it in this one."""
    if not readers:
        return error
    names = [reader.notation.name for reader in readers]
    where = profile_words(names)
    mark = next(
        (
            found
            for found in _LAYER_MARK.finditer(error.text)
            if found.start() < error.column <= found.end()
            and not _SUM_LIMITS.search(error.text[: found.start()])
        ),
        None,
    )
    if mark:
        inner = re.sub(r"[{}()\[\]\s]", "", mark.group(1))
        if chosen.layer_style == "named":
            rewrite = "^{(" + ")}, ^{(".join(chosen.layer_names) + ")}"
        else:
            rewrite = "^{" + chosen.mark(inner) + "}"
        message = (
            f"`{mark.group(0)}` is a layer in {where}; this spec uses {chosen.name}: "
            f"pass --notation {names[0]} or write {rewrite}"
        )
    else:
        message = f"{error.reason}; the formula reads in {where}: pass --notation {names[0]}"
    return FormulaError(error.text, error.column, message)


def chosen_notation(network: Network, notation, numbering: int | None) -> Notation:
    """The notation a formula is read in: ``notation`` (a profile's name, a table or a Notation) or
    the network's, with ``numbering`` (0 or 1) numbering the input layer when given."""
    chosen = network.notation if notation is None else notation_from(notation, "notation")
    if numbering is None:
        return chosen
    named_by = "leaving" if numbering else "entering"
    return dataclasses.replace(chosen, input_layer=numbering, weights_named_by=named_by)
