"""Implicit summation over a repeated index, where the notation declares it (summation = "implicit"); where
it does not, such a formula fails with the missing sum and a note saying how to declare the convention."""

import pytest

import symbp
from symbp.errors import SymbpError
from symbp.spec.profiles import notation_from

IMPLICIT = {"profile": "nielsen", "summation": "implicit"}
RECURSION = r"\delta^l_j = w^{l+1}_{kj}\delta^{l+1}_k\sigma'(z^l_j)"
CHAIN = (
    r"\frac{\partial C}{\partial z^l_j} = "
    r"\frac{\partial C}{\partial z^{l+1}_k}\frac{\partial z^{l+1}_k}{\partial z^l_j}"
)


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        (RECURSION, True),
        (CHAIN, True),
        (r"\delta^l_j = w^{l+1}_{jk}\delta^{l+1}_k\sigma'(z^l_j)", False),
        (r"\delta^l_j = \sigma'(z^l_j) \sum_k w^{l+1}_{kj}\delta^{l+1}_k", True),
        # an index on the left side is never summed
        (r"\frac{\partial C}{\partial w^L_{jk}} = \delta^L_j a^{L-1}_k", True),
        # each term sums its own repeated index
        (r"\delta^l_j = w^{l+1}_{kj}\delta^{l+1}_k\sigma'(z^l_j) - 0 w^{l+1}_{mj}\delta^{l+1}_m", True),
        (r"\delta^l_j = w^{l+1}_{kj}\delta^{l+1}_k\sigma'(z^l_j) + w^{l+1}_{mj}\delta^{l+1}_m", False),
    ],
)
def test_a_repeated_index_is_summed_where_the_notation_says_so(formula, holds):
    assert symbp.verify("half_adder", formula, notation=IMPLICIT).holds is holds


def test_without_the_declaration_the_missing_sum_is_named_and_the_convention_suggested():
    verdict = symbp.verify("half_adder", RECURSION, notation="nielsen")
    assert not verdict.holds
    assert verdict.diagnosis == "the sum over k is missing"
    assert any('summation = "implicit"' in note for note in verdict.notes)


def test_a_bad_summation_value_is_refused_naming_the_field():
    with pytest.raises(SymbpError) as raised:
        notation_from({"profile": "nielsen", "summation": "einstein"})
    assert "notation.summation" in str(raised.value)
    assert "explicit, implicit" in str(raised.value)
