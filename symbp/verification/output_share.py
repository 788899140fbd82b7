"""One output's share of the cost (AIMA's Loss_k, Mazur's E_{o1}): a cost subscripted by an output unit.

Every cost symbp derives is a sum over the output units of one term c(a_k, t_k) per sample, so a cost
written with one output unit's subscript is that output's term, c(a_k, t_k) of one sample. The subscript
says which unit: a named unit (E_{o1}, with o declared as the output layer's units), a unit letter of the
notation (Loss_k where unit_letters ends in k), or any letter after a name declared ``output_loss``. Whether
the unit is the output layer's, and whether the network's cost separates, is checked against the network
(``symbp.verification.share_check``).
"""

from __future__ import annotations

from symbp.spec.notation import Declared, Notation
from symbp.verification.tree import Layer
from symbp.verification.units import UnitError


def output_share(
    spelling: str, layer: Layer | None, indices: tuple, declared: Declared | None, notation: Notation
) -> tuple[Layer, tuple]:
    """The layer and the output index of a cost written with a unit's subscript; UnitError when the
    subscript names no output unit (a refusal naming the token)."""
    shown = ",".join(map(str, indices))
    written = f"{spelling}_{{{shown}}}"
    if len(indices) != 1:
        raise UnitError(
            f"{written}: one output's loss takes one subscript, its output unit (Loss_k, E_{{o1}})"
        )
    (index,) = indices
    named = layer is not None and isinstance(index, int)  # a named unit (o1) gives its layer
    declared_share = declared is not None and declared.quantity == "output_loss"
    if named or declared_share or index in notation.unit_letters:
        return layer or Layer("L", 0), indices
    raise UnitError(
        f"{written}: a cost with a subscript other than the sample letter {notation.sample_index} is read as "
        f"one output's loss only with a named output unit (E_{{o1}}), the output layer's letter in "
        f"unit_letters, or {spelling} declared in [notation.symbols]: {spelling} = 'output_loss'"
    )
