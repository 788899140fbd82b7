"""A gradient of the cost scaled by the number of samples (Nielsen's delta^l_{xj} = n dC/da^l_{xj} da/dz,
a document's dC/da = 1/n sum_p delta w) tells that C is the whole cost, as a sum over the samples does; and
n_{3} in a notation whose n counts the samples is layer 3's width."""

from __future__ import annotations

import dataclasses

import pytest

from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.verify_formula import verify


def _in(profile: str, name: str = "skip_xor"):
    return dataclasses.replace(load(name), notation=PROFILES[profile])


@pytest.mark.parametrize(
    "profile, formula",
    [
        (
            "nielsen",
            r"\delta^{3}_{xj} = n \frac{\partial C}{\partial a^{3}_{xj}} \frac{\partial a^{3}_{xj}}"
            r"{\partial z^{3}_{xj}}",
        ),
        (
            "nielsen",
            r"\frac{\partial C}{\partial a^{2}_{xj}} = \frac{1}{n} \sum_{p=1}^{n_{3}} "
            r"\delta^{3}_{xp} w^{3}_{pj}",
        ),
        (
            "welch",
            r"\delta^{(3)}_{nj} = N \frac{\partial J}{\partial \hat{y}_{nj}} \frac{\partial \hat{y}_{nj}}"
            r"{\partial z^{(3)}_{nj}}",
        ),
    ],
)
def test_a_gradient_scaled_by_the_samples_is_read_as_the_whole_costs_and_says_so(profile, formula):
    verdict = verify(_in(profile), formula)
    assert verdict.holds, verdict.report()
    assert any("whole cost" in note for note in verdict.notes)


def test_without_the_scale_the_gradient_is_one_samples_as_the_notation_reads_it():
    per_sample = (
        r"\delta^{3}_{xj} = \frac{\partial C}{\partial a^{3}_{xj}} "
        r"\frac{\partial a^{3}_{xj}}{\partial z^{3}_{xj}}"
    )
    verdict = verify(_in("nielsen"), per_sample)
    assert verdict.holds and not any("whole cost" in note for note in verdict.notes)
    # the scale where the notation's own reading already holds is a slip, not a second reading
    doubled = per_sample.replace("= ", "= n n ", 1)
    assert not verify(_in("nielsen"), doubled).holds


def test_the_notations_own_named_gradients_keep_its_reading_where_the_written_ones_are_the_whole_costs():
    """deeplearning.ai's J is the mean cost and its dz, dA are of each sample's loss: J's written gradient
    scaled by 1/m next to dz is read as the whole cost's; dA = W^T dZ is the course's own line."""
    network = _in("deeplearning_ai", "residual")
    written = (
        r"\frac{\partial J}{\partial a^{[3]}_{ik}} = \frac{1}{m} \sum_{p=1}^{n_{4}} "
        r"dz^{[4]}_{ip} w^{[4]}_{pk}"
    )
    assert verify(network, written).holds
    assert verify(network, r"dA^{[3]} = W^{[4]T} dZ^{[4]}").holds
    assert not verify(network, r"dA^{[3]} = \frac{1}{m} W^{[4]T} dZ^{[4]}").holds


def test_a_named_gradient_transposed_is_that_gradient_transposed():
    """cs231n's dS^{(2)T}, as a tied matrix's gradient prints its decoder's use."""
    network = _in("cs231n", "tied_autoencoder")
    assert verify(network, r"dW^{(1)} = X^{T} dS^{(1)} + dS^{(2)T} H^{(1)}").holds
    assert not verify(network, r"dW^{(1)} = X^{T} dS^{(1)} + H^{(1)T} dS^{(2)}").holds
