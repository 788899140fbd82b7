"""A chain of = in one formula (Hjorth-Jensen's dA/dw = dA/dz dz/dw = a(1 - a) a_k): every side after the
first is compared with the truth; the chain holds only if every side does, and a failing side is named."""

import pytest

import symbp
from symbp.verification.chained import chain_sides
from symbp.verification.formula import FormulaError

NOTES = {
    "layout": "column",
    "layer_style": "bare",
    "weight_indices": "to_from",
    "index_letters": ["k", "j"],
    "input_layer": 1,
    "cost": r"{\cal C}",
    "function": "f",
}
NETWORK = {"name": "fys_stk", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"}
JACOBIAN = r"\frac{\partial a_j^L}{\partial w_{jk}^{L}}"
CHAIN = r"\frac{\partial a_j^L}{\partial z_{j}^{L}}\frac{\partial z_j^L}{\partial w_{jk}^{L}}"
PRINTED = JACOBIAN + " = " + CHAIN + r"=a_j^L(1-a_j^L)a_k^{L-1},"
GRADIENT = r"\frac{\partial {\cal C}}{\partial w_{jk}^L}"


def test_the_chain_as_printed_holds_side_by_side():
    verdict = symbp.verify(NETWORK, PRINTED, notation=NOTES)
    assert verdict.holds
    assert verdict.notes[0].startswith("a chain of 3 sides: each equals the first")


@pytest.mark.parametrize(
    ("formula", "named", "step"),
    [
        # the last step drops the logistic's derivative: the side before it still holds
        (PRINTED.replace("a_j^L(1-a_j^L)", "a_j^L"), "the side a_j^La_k^{L-1} is not equal to", True),
        # the chain rule with the wrong unit below: wrong from the first step on
        (PRINTED.replace("a_k^{L-1}", "a_j^{L-1}"), "the side a_j^L(1-a_j^L)a_j^{L-1} is not equal", True),
        (
            JACOBIAN + r" = a_j^L a_k^{L-1} = a_j^L(1-a_j^L)a_k^{L-1}",
            "the side a_j^L a_k^{L-1} is not equal",
            False,
        ),
    ],
)
def test_a_failing_side_is_named_and_a_wrong_step_said(formula, named, step):
    verdict = symbp.verify(NETWORK, formula, notation=NOTES)
    assert not verdict.holds
    assert named in verdict.diagnosis and " against " in verdict.diagnosis  # the first differing entry
    assert ("the step from it is wrong" in verdict.diagnosis) is step


@pytest.mark.parametrize(
    ("formula", "holds", "words"),
    [
        (
            GRADIENT + r" = \delta_j^L a_k^{L-1} = \frac{\partial {\cal C}}{\partial z_j^L} a_k^{L-1}",
            True,
            None,
        ),
        (
            GRADIENT + r" = \delta_j^L a_k^{L-1} = \frac{\partial {\cal C}}{\partial z_j^L} a_j^{L-1}",
            False,
            "z_j^L} a_j^{L-1} does not hold, while the side before it",
        ),
        (
            GRADIENT + r" = \delta_j^L a_j^{L-1} = \delta_j^L a_k^{L-1}",
            False,
            "the side \\delta_j^L a_j^{L-1}",
        ),
    ],
)
def test_a_chain_about_a_quantity_judges_each_side_as_a_claim(formula, holds, words):
    verdict = symbp.verify(NETWORK, formula, notation=NOTES)
    assert verdict.holds is holds and verdict.formula == formula
    assert words is None or words in verdict.diagnosis


def test_a_derivative_at_the_generic_layer_is_refused_as_a_chain_naming_it():
    formula = r"\frac{\partial a_j^l}{\partial w_{jk}^{l}} = a_j^l(1-a_j^l)a_k^{l-1} = a_j^l a_k^{l-1}"
    with pytest.raises(FormulaError) as raised:
        symbp.verify(NETWORK, formula, notation=NOTES)
    message = str(raised.value)
    assert "only at a written layer" in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "count"),
    [
        (r"\delta_j = \sum_{k=1}^{n} w_{jk} \delta_k", 2),
        (r"a := b = c", 2),
        (r"a \leq b = c = d", 3),
        (r"\begin{cases} 1 & z >= 0 \end{cases} = x = y", 3),
    ],
)
def test_only_an_equals_sign_outside_brackets_splits_a_chain(text, count):
    assert len(chain_sides(text)) == count


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        # one local derivative, its own truth: Mazur's dout/dnet and dnet/dw written as a claim
        (r"\frac{\partial a_j^L}{\partial z_{j}^{L}} = a_j^L(1-a_j^L)", True),
        (r"\frac{\partial z_j^L}{\partial w_{jk}^{L}} = a_k^{L-1}", True),
        (r"\frac{\partial a_j^L}{\partial w_{jk}^{L}} = a_j^L(1-a_j^L)a_k^{L-1}", True),
        (r"\frac{\partial a_j^L}{\partial z_{j}^{L}} = a_j^L(1+a_j^L)", False),
        (r"\frac{\partial z_j^L}{\partial w_{jk}^{L}} = a_j^{L-1}", False),
    ],
)
def test_a_single_derivative_between_quantities_is_judged_against_itself(formula, holds):
    verdict = symbp.verify(NETWORK, formula, notation=NOTES)
    assert verdict.holds is holds
    if holds:
        assert "evaluated as the derivative through the network" in verdict.notes[0]
    else:
        assert verdict.diagnosis.startswith("the side ") and "is not equal to" in verdict.diagnosis
