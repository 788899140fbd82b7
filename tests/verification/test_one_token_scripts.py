"""TeX's one-token scripts: an unbraced subscript followed by a symbol ends after one letter, as TeX reads it
(\\delta^l_ja^{l-1}_k is \\delta^l_j a^{l-1}_k); a run of index letters stays plain maths' w_jk; a run whose
letters after the first start a symbol that is also an index letter is refused, naming it."""

import pytest

import symbp
from symbp.verification.formula import FormulaError


@pytest.mark.parametrize(
    ("formula", "notation", "holds"),
    [
        (r"\frac{\partial C}{\partial w^l_{jk}} = \delta^l_ja^{l-1}_k", "nielsen", True),
        (r"\frac{\partial C}{\partial w^l_{jk}} = \delta^l_ja^{l}_k", "nielsen", False),
        (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k\delta^l_j", "nielsen", True),
        (r"\frac{\partial C}{\partial w^L_{jk}} = \delta_j^La_k^{L-1}", "nielsen", True),
        (r"\delta^L_j = (a^L_j-y_j)\sigma'(z^L_j)", "nielsen", True),
        (r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l-1)}_i\delta^{(l)}_j", "default", True),
        (r"\frac{\partial C}{\partial w^{(l)}_{ij}} = \delta^{(l)}_ja^{(l-1)}_i", "default", True),
        (r"\frac{\partial C}{\partial w^{(l)}_{ij}} = \delta^{(l)}_ia^{(l-1)}_j", "default", False),
        # plain maths: a run of index letters is one subscript
        ("dC/dw(2)_ij = a(1)_i * delta(2)_j", "default", True),
    ],
)
def test_an_unbraced_subscript_is_read_as_tex_reads_it(formula, notation, holds):
    assert symbp.verify("half_adder", formula, notation=notation).holds is holds


def test_the_reading_changes_the_verdict_it_would_otherwise_refuse():
    """\\delta^l_ja was read as the subscript ja (then a second layer mark): now it is a product."""
    verdict = symbp.verify(
        "half_adder", r"\frac{\partial C}{\partial w^l_{jk}} = \delta^l_ja^{l}_k", notation="nielsen"
    )
    assert verdict.diagnosis == "off by one layer: a^{l}_{k} where a^{l-1}_{k} is needed"


def test_a_subscript_that_reads_two_ways_is_refused_naming_it():
    # n is the width of a layer and an index letter: a_{jn} or a_j times n?
    with pytest.raises(FormulaError) as raised:
        symbp.verify("half_adder", r"\delta^{(L)}_j = \sum_k a^{(L)}_jn w^{(L)}_{kj}")
    message = str(raised.value)
    assert "'_jn' reads two ways" in message
    assert "write _{jn} or _j n" in message
    assert "\n" not in message
