"""Check a hand-derived formula against the Derivation and central differences: ``verify``.

``verify(network, formula)`` reads the formula (``symbp.verification.formula``),
evaluates its right side (``symbp.verification.evaluate``) at K check points of
random parameters and data, and compares it with the derived value of the
quantity on its left (``symbp.verification.formula_check``); central differences
of the cost are computed at the same points as independent ground truth for the
derivation itself. The verdict either holds (with K and the largest difference)
or fails with a counterexample and, where one of the usual slips explains it, a
diagnosis (``symbp.verification.diagnosis``).

Formulas are read through a Notation (the network's, or one passed to verify);
see ``symbp.verification.symbol_values`` for how its symbols resolve.

Conventions (the default notation): delta^{(l)} = dC/dz^{(l)} of the whole cost. Matrix formulas are
over the batch (rows are samples), so for a mean cost they carry the 1/N.
Index formulas with no sample index n and no N describe one sample's term of
the cost (the form of The backpropagation algorithm, (a - t) f'(z) for half_mse); they are
checked on one-sample batches.
"""

from __future__ import annotations

import itertools

import numpy as np

from symbp.errors import CheckFailed
from symbp.spec.network import Network, load, require_checkable
from symbp.spec.notation import DEFAULT_NOTATION, Notation
from symbp.verification.chained import (
    chain_sides,
    identity_chain,
    is_network_derivative,
    pair,
    quantity_chain,
)
from symbp.verification.diagnosis import candidates, pair_limit, two_slips
from symbp.verification.formula import Formula, FormulaError, backwards_error, parse_formula
from symbp.verification.formula_check import CROSS_CHECK, FormulaCheck
from symbp.verification.graph_refusals import graph_refusal
from symbp.verification.graph_slips import graph_candidates
from symbp.verification.other_notations import chosen_notation, other_readers, profile_words, suggesting
from symbp.verification.share_check import each_output, read_on
from symbp.verification.summation import repeated_indices
from symbp.verification.unlayered import at_every_layer, reading, unlayered_error
from symbp.verification.vector_weights import vector_weight_refusal
from symbp.verification.verdict import Verdict

POINTS = 5


def verify(
    network,
    formula: str,
    *,
    numbering: int | None = None,
    notation: str | Notation | None = None,
    points: int = POINTS,
    seed: int = 0,
) -> Verdict:
    r"""Does ``formula`` hold for ``network`` (a Network, spec dict, path or built-in name)?

    ``notation`` is the profile (name, table or Notation) the formula is written
    in (default: the spec's), ``numbering`` the input layer's number in the
    formula (default: the notation's), ``points`` the number of random check
    points, ``seed`` their random seed. Without a notation (the spec's is the
    default profile), a formula that fails, or cannot be read, but holds in other built-in
    profiles says so.

    >>> import symbp
    >>> verdict = symbp.verify("demystified", r"\frac{\partial J}{\partial W^{(1)}} = X \delta^{(2)}")
    >>> verdict.holds, verdict.diagnosis
    (False, 'X where X^T is needed (transposed)')
    >>> verdict.counterexample.where
    'entry (1, 1) of \\partial C/\\partial W^{(1)}'
    >>> symbp.verify("half_adder", "delta(L)_j = (a(L)_j - t_j) * sigma'(z(L)_j)").holds
    True
    >>> symbp.verify("half_adder", r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",
    ...              notation="nielsen").holds
    True
    """
    network = load(network)
    require_checkable(network, "verify")
    chosen = chosen_notation(network, notation, numbering)
    sides = chain_sides(formula) if isinstance(formula, str) else []
    if len(sides) == 2 and _is_local_derivative(formula, chosen):  # da_j/dz_j = a_j (1 - a_j)
        return identity_chain(network, formula, chosen, points, seed)
    if len(sides) > 2:  # A = B = C: each side after the first against the truth
        if is_network_derivative(pair(formula, sides, 1), chosen):
            return identity_chain(network, formula, chosen, points, seed)
        verdicts = []
        for index in range(1, len(sides)):
            given = pair(formula, sides, index)
            verdicts.append(
                verify(network, given, numbering=numbering, notation=notation, points=points, seed=seed)
            )
            if not verdicts[-1].holds:
                break
        return quantity_chain(sides, formula, verdicts)
    searching = notation is None and numbering is None and network.notation == DEFAULT_NOTATION
    try:
        parsed = parse_formula(formula, chosen)
    except FormulaError as error:
        readers = other_readers(formula, chosen)
        if searching and len(readers) == 1:
            verdict = _for_each_output(network, read_on(network, readers[0]), points, seed)
            verdict.notation = readers[0].notation.name
            verdict.notes.insert(
                0, f"read in the {verdict.notation} notation (in {chosen.name}: {error.reason})"
            )
            return verdict
        raise suggesting(error, chosen, readers) from None
    verdict = _for_each_output(network, read_on(network, parsed), points, seed)
    if searching and not verdict.holds:
        holding = [
            reader.notation.name for reader in other_readers(formula, chosen) if _holds(network, reader, seed)
        ]
        if holding:
            also = f"it holds in {profile_words(holding)} (--notation {holding[0]})"
            verdict.diagnosis = f"{verdict.diagnosis}; {also}" if verdict.diagnosis else also
    return verdict


def _layers(network: Network, formula: Formula) -> tuple:
    """How the formula's symbols without a layer are read (``symbp.verification.unlayered``)."""
    if network.depth == 1:
        return "written", None
    return reading(formula, network.depth, network.uniform_activation is not None)


def _holds(network: Network, formula: Formula, seed: int) -> bool:
    """Does a read formula hold (numerically, at a few points; no diagnosis, no proof)?"""
    try:
        formula = read_on(network, formula)
    except FormulaError:
        return False
    unlayered_reading, _ = _layers(network, formula)
    if unlayered_reading == "refused":
        return False
    if unlayered_reading == "every":
        formula = at_every_layer(formula)
    check = FormulaCheck(network, formula, 3, seed)
    if not check.generic or check.missing_quantity():
        return False
    return check.compare(None) is not None


def _for_each_output(network: Network, parsed: Formula, points: int, seed: int) -> Verdict:
    """The verdict, for each output unit in turn when a share of the cost has a free letter (Loss_k)."""
    outputs = each_output(network, parsed)
    verdicts = []
    for which, formula in outputs:
        verdicts.append((which, _verdict(network, formula, points, seed)))
        if not verdicts[-1][1].holds:
            break
    which, verdict = verdicts[-1]
    if len(outputs) > 1:
        each = ", ".join(output for output, _ in outputs)
        said = "it holds for each" if verdict.holds else f"it fails for {which}"
        verdict.notes.insert(0, f"read for each output in turn ({each}): {said}")
    return verdict


def _is_local_derivative(formula: str, notation: Notation) -> bool:
    """Is the left side a derivative between two quantities of the network, its own truth? (A formula
    that cannot be read so is left to the reader's usual refusal.)"""
    try:
        return is_network_derivative(formula, notation)
    except FormulaError:
        return False


def _verdict(network: Network, parsed: Formula, points: int, seed: int) -> Verdict:
    formula = parsed.text
    check = FormulaCheck(network, parsed, points, seed)
    unlayered_reading, unlayered = _layers(network, parsed)
    if unlayered_reading == "every":
        parsed = at_every_layer(parsed)
        check = FormulaCheck(network, parsed, points, seed)
    if not check.generic and check.backwards is not None:
        raise backwards_error(parsed, check.backwards)
    refusal = graph_refusal(check) or vector_weight_refusal(network, parsed)
    if refusal is not None:
        raise refusal
    missing = "no layer l fits every layer in the formula" if not check.generic else check.missing_quantity()
    if missing:
        return Verdict(formula, False, "numerically", 0, np.inf, diagnosis=missing)
    if unlayered_reading == "refused":
        raise unlayered_error(parsed, unlayered, network.depth)
    largest = check.compare(None)
    if check.cross_check > CROSS_CHECK:
        raise CheckFailed(f"the derivation and central differences disagree by {check.cross_check:.2g}")
    layers = [value for value in check.generic if value is not None]
    if largest is not None:
        proof = check.prove()
        return Verdict(
            formula, True, "numerically", len(check.points), largest, check.notes, layers=layers, proof=proof
        )
    if parsed.summed_gradients and network.cost.mean:
        other = _other_gradient_reading(network, parsed, points, seed)
        if other is not None:
            return other
    counterexample = check.compare(None, keep=True)
    diagnosis = None
    pairs = two_slips(parsed, pair_limit(network.parameter_count))
    repairs = itertools.chain(graph_candidates(network, parsed), candidates(parsed), pairs)
    # the slips known are the backward pass's: a forward definition's failure is not explained by them
    for candidate in () if parsed.quantity.kind in ("z", "a") else repairs:
        if check.compare(candidate) is not None:
            diagnosis = candidate.description
            break
    repeated = [] if parsed.matrix else repeated_indices(parsed.rhs, frozenset(parsed.quantity.indices))
    if repeated:
        check.notes.append(
            f"{', '.join(repeated)} is repeated in a product and not summed; in a source that sums repeated "
            'indices implicitly, declare it in the notation: summation = "implicit"'
        )
    return Verdict(
        formula,
        False,
        "numerically",
        len(check.points),
        np.inf,
        check.notes,
        diagnosis,
        counterexample,
        layers,
    )


def _other_gradient_reading(network: Network, parsed: Formula, points: int, seed: int) -> Verdict | None:
    """The verdict of a formula that sums the left side's cost gradient over samples, read with that C the
    other way (the whole cost, or one sample's loss), when it holds so; None when it does not."""
    check = FormulaCheck(network, parsed, points, seed, other_gradients=True)
    largest = check.compare(None)
    if largest is None:
        return None
    cost, name = parsed.quantity.cost, parsed.notation.name
    if parsed.notation.delta_of == "sample":
        note = (
            f"the gradients of {cost} summed over the samples (or scaled by their number) are read as those "
            f"of the whole cost {cost}, as on the left side; in the {name} notation they are "
            "of one sample's loss"
        )
    else:
        note = (
            f"the gradients of {cost} summed over the samples (or scaled by their number) are read as those "
            "of one sample's loss; "
            f"in the {name} notation they are of the whole cost"
        )
    layers = [value for value in check.generic if value is not None]
    proof = check.prove()
    return Verdict(
        parsed.text,
        True,
        "numerically",
        len(check.points),
        largest,
        [note, *check.notes],
        layers=layers,
        proof=proof,
    )
