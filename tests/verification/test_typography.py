r"""Typography and TeX read as TeX reads them: typeface wrappers, one-token scripts, spacing and sizing
commands, transposes and a display formula's closing punctuation."""

import pytest

import symbp
from symbp.verification.formula import FormulaError
from symbp.verification.lexicon import unwrapped

DEMYSTIFIED = r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)}"


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        (r"\mathbf{W}", "W"),
        (r"\boldsymbol{\delta}", r"\delta"),
        (r"\bm{a}", "a"),
        (r"\vec x", "x"),
        (r"\vec{x}", "x"),
        (r"{\cal C}", "C"),
        (r"\mathcal{L}", "L"),
        (r"\mathrm{net}", "net"),
        (r"\operatorname{ReLU}", "ReLU"),
        (r"\mathit{Err}", "Err"),
        (r"\mathsf{W}", "W"),
        (r"\text{net}", "net"),
        (r"\mathbf{\boldsymbol{W}}", "W"),
    ],
)
def test_typeface_wrappers_unwrap(written, plain):
    assert unwrapped(written) == plain


@pytest.mark.parametrize(
    "formula",
    [
        r"\frac{\partial J}{\partial \mathbf{W}^{(1)}} = \mathbf{X}^T \boldsymbol{\delta}^{(2)}",
        r"\frac{\partial {\cal J}}{\partial \mathbf{W}^{(1)}} = \mathbf{X}^\top \bm{\delta}^{(2)}",
        r"\frac{\partial \mathcal{J}}{\partial \mathsf{W}^{(1)}} = \mathit{X}^{\mathsf T} \delta^{(2)}.",
        r"\frac{\partial J}{\partial W^{(1)}} = \left( X^\intercal \right) \, \delta^{(2)} \;,",
        r"\frac{\partial J}{\partial W^{(1)}} = \Bigl( X^{\top} \Bigr) \cdot \delta^{(2)}",
        # a shape stated after the formula carries no value
        r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)} \in \mathbb{R}^{2 \times 3}.",
        r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)} \in \R^{d \times h}",
    ],
)
def test_styled_formulas_hold_as_their_plain_form(formula):
    assert symbp.verify("demystified", DEMYSTIFIED).holds
    assert symbp.verify("demystified", formula).holds


def test_a_styled_slip_is_diagnosed_as_the_plain_one_in_the_writers_typeface():
    verdict = symbp.verify(
        "demystified", r"\frac{\partial J}{\partial \mathbf{W}^{(1)}} = \mathbf{X} \bm\delta^{(2)}"
    )
    assert not verdict.holds
    assert verdict.diagnosis == r"\mathbf{X} where \mathbf{X}^T is needed (transposed)"


@pytest.mark.parametrize(
    "formula",
    [
        r"\frac{\partial C}{\partial w^l_{jk}} = \delta_j^la_k^{l-1}",
        r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k\delta^l_j",
        r"\delta^l = ((\mathbf{w}^{l+1})^\intercal \boldsymbol\delta^{l+1}) \odot \sigma'(\mathbf{z}^l)",
    ],
)
def test_one_token_scripts_read_as_tex_reads_them(formula):
    assert symbp.verify("half_adder", formula, notation="nielsen").holds


def test_a_one_token_script_slip_is_found():
    verdict = symbp.verify(
        "half_adder", r"\frac{\partial C}{\partial w^l_{jk}} = \delta_j^la_k^l", notation="nielsen"
    )
    assert not verdict.holds


@pytest.mark.parametrize(
    ("formula", "named"),
    [
        (r"\frac{\partial C}{\partial w^l_{jk}} = \mathbf{q}_k^{l-1}\delta^l_j", r"\mathbf{q}"),
        (r"\frac{\partial C}{\partial w^l_{jk}} = {\cal Q}_k^{l-1}\delta^l_j", "cal"),
        (r"\frac{\partial C}{\partial w^l_{jk}} = \mathbf{a_k^{l-1}}\delta^l_j", r"\mathbf{a_k^{l-1}}"),
    ],
)
def test_a_wrapper_around_an_unknown_name_is_refused_naming_it(formula, named):
    with pytest.raises(FormulaError) as raised:
        symbp.verify("half_adder", formula, notation="nielsen")
    assert named in str(raised.value) or "unexpected" in str(raised.value)


def test_closing_punctuation_is_not_a_period_inside_the_formula():
    with pytest.raises(FormulaError):
        symbp.verify("demystified", r"\frac{\partial J}{\partial W^{(1)}} = X^T . \delta^{(2)}")


BRILLIANT = {
    "name": "brilliant",
    "layers": [2, 3, 1],
    "activation": ["sigmoid", "identity"],
    "cost": "half_mse",
}
BRILLIANT_NOTATION = {
    "layout": "column",
    "layer_style": "bare",
    "pre_activation": "a",
    "activation": "o",
    "function": "g",
    "target": "y",
    "prediction": r"\hat{y}",
    "cost": "E",
    "cost_one": "E_d",
    "sample_index": "d",
    "samples": "N",
    "symbols": {"m": "depth"},
}


@pytest.mark.parametrize("output", [r"\hat{y}_d", r"\hat{y_d}", r"\hat{y_{d}}", r"\widehat{y_d}"])
def test_an_accent_over_a_subscripted_letter_reads_as_the_accented_letter_subscripted(output):
    formula = rf"\delta_1^m = g_o'(a_1^m)\left({output} - y_d\right)"
    assert symbp.verify(BRILLIANT, formula, notation=BRILLIANT_NOTATION).holds
    slip = rf"\delta_1^m = g_o'(a_1^m)\left(y_d - {output}\right)"
    assert not symbp.verify(BRILLIANT, slip, notation=BRILLIANT_NOTATION).holds


def test_a_refusal_after_an_accented_script_points_at_the_column_written():
    formula = r"\delta_1^m = g_o'(a_1^m)(\hat{y_d} - q_d)"
    with pytest.raises(FormulaError) as raised:
        symbp.verify(BRILLIANT, formula, notation=BRILLIANT_NOTATION)
    assert raised.value.column == formula.index("q_d") + 1
    assert raised.value.text == formula
