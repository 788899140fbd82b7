"""Derivatives between two quantities of the network (Jacobian factors) in hand-derived formulas.

A chain-rule line such as delta^{(l)}_j = sum_k dC/dz^{(l+1)}_k dz^{(l+1)}_k/dz^{(l)}_j
is read with each factor as the derivative through the network, so a true line
holds and a wrong one fails; a factor that is not such a derivative is refused
in one line that names it, never judged.
"""

from __future__ import annotations

import pytest

from symbp.cli.main import main
from symbp.verification.formula import FormulaError, parse_formula
from symbp.verification.tree import Jacobian
from symbp.verification.verify_formula import verify


def d(top: str, bottom: str) -> str:
    """\\frac{\\partial top}{\\partial bottom}, as a learner writes a chain-rule factor."""
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


CHAIN_DELTA = rf"\delta^{{(l)}}_j = \sum_k {d('C', 'z^{(l+1)}_k')} {d('z^{(l+1)}_k', 'z^{(l)}_j')}"

TRUE_LINES = [
    # the default notation: layer marks ^{(l)}, w_{ij} from i below to j
    (None, CHAIN_DELTA),
    (
        None,
        rf"\delta^{{(l)}}_j = \sum_k \delta^{{(l+1)}}_k {d('z^{(l+1)}_k', 'a^{(l)}_j')}"
        f" {d('a^{(l)}_j', 'z^{(l)}_j')}",
    ),
    (None, f"{d('C', 'w^{(l)}_{ij}')} = {d('C', 'z^{(l)}_j')} {d('z^{(l)}_j', 'w^{(l)}_{ij}')}"),
    (None, rf"{d('C', 'w^{(l)}_{ij}')} = \sum_k {d('C', 'z^{(l)}_k')} {d('z^{(l)}_k', 'w^{(l)}_{ij}')}"),
    (None, f"{d('C', 'b^{(l)}_j')} = {d('C', 'z^{(l)}_j')} {d('z^{(l)}_j', 'b^{(l)}_j')}"),
    (None, rf"\delta^{{(L)}}_j = {d('C', 'a^{(L)}_j')} {d('a^{(L)}_j', 'z^{(L)}_j')}"),
    # through two layers at once
    (None, rf"{d('C', 'w^{(1)}_{ij}')} = \sum_k {d('C', 'z^{(3)}_k')} {d('z^{(3)}_k', 'w^{(1)}_{ij}')}"),
    # Nielsen: bare layer marks, w_{jk} from k below to j
    ("nielsen", rf"\delta^l_j = \sum_k {d('C', 'z^{l+1}_k')} {d('z^{l+1}_k', 'z^l_j')}"),
    ("nielsen", f"{d('C', 'w^l_{jk}')} = {d('C', 'z^l_j')} {d('z^l_j', 'w^l_{jk}')}"),
    ("nielsen", f"{d('C', 'b^l_j')} = {d('C', 'z^l_j')} {d('z^l_j', 'b^l_j')}"),
]


@pytest.mark.parametrize(("notation", "text"), TRUE_LINES)
def test_a_true_chain_rule_line_holds(notation, text):
    verdict = verify("half_adder", text, notation=notation)
    assert verdict.holds, verdict.report()


NET = r"\mathrm{net}_j"


@pytest.mark.parametrize(
    ("notation", "text"),
    [
        # Bishop: a is the pre-activation, z the activation, units i, j, k name the layers
        ("bishop", rf"\delta_j = \sum_k {d('E', 'a_k')} {d('a_k', 'a_j')}"),
        ("bishop", rf"\delta_j = \sum_k \delta_k {d('a_k', 'z_j')} {d('z_j', 'a_j')}"),
        ("bishop", f"{d('E', 'w_{ji}')} = {d('E', 'a_j')} {d('a_j', 'w_{ji}')}"),
        # Goodfellow: a pre-activation, h activation, generic layer k
        (
            "goodfellow",
            rf"{d('J', 'a^{(k)}_i')} = \sum_j {d('J', 'a^{(k+1)}_j')} {d('a^{(k+1)}_j', 'a^{(k)}_i')}",
        ),
        ("cs231n", rf"{d('L', 's^{(2)}_j')} = \sum_k {d('L', 's^{(3)}_k')} {d('s^{(3)}_k', 's^{(2)}_j')}"),
        ("wikipedia", f"{d('E', 'w_{ij}')} = {d('E', 'o_j')} {d('o_j', NET)} {d(NET, 'w_{ij}')}"),
        ("ng", rf"\delta^{{(l)}}_j = \sum_i \delta^{{(l+1)}}_i {d('z^{(l+1)}_i', 'z^{(l)}_j')}"),
    ],
)
def test_a_true_chain_rule_line_holds_in_other_profiles_symbols(notation, text):
    verdict = verify("half_adder", text, notation=notation)
    assert verdict.holds, verdict.report()


def test_a_chain_rule_line_in_the_wrong_profile_symbols_fails():
    """Bishop's z is the activation: dE/dz_k dz_k/dz_j sums to dE/dz_j, which is not delta_j."""
    verdict = verify("half_adder", rf"\delta_j = \sum_k {d('E', 'z_k')} {d('z_k', 'z_j')}", notation="bishop")
    assert not verdict.holds and "activation derivative" in verdict.diagnosis


def test_softmax_differentiated_entry_by_entry_holds():
    text = rf"\delta^{{(L)}}_j = \sum_k {d('C', 'a^{(L)}_k')} {d('a^{(L)}_k', 'z^{(L)}_j')}"
    assert verify("softmax", text).holds


def test_a_chain_rule_line_is_proved_exactly_on_a_small_network():
    factors = f"{d('C', 'a^{(1)}_j')} {d('a^{(1)}_j', 'z^{(1)}_j')} {d('z^{(1)}_j', 'w^{(1)}_{ij}')}"
    verdict = verify("logistic", f"{d('C', 'w^{(1)}_{ij}')} = {factors}")
    assert verdict.holds and verdict.proof and "proved symbolically" in verdict.proof


def test_a_sum_over_samples_of_jacobian_factors_holds():
    factors = f"{d('J', 'z^{(3)}_{nk}')} {d('z^{(3)}_{nk}', 'W^{(1)}_{ij}')}"
    text = rf"{d('J', 'W^{(1)}_{ij}')} = \sum_n \sum_k {factors}"
    assert verify("demystified", text).holds


@pytest.mark.parametrize(
    ("notation", "text", "diagnosis"),
    [
        (
            None,
            f"{d('C', 'w^{(l)}_{ij}')} = {d('C', 'z^{(l)}_j')} {d('z^{(l)}_j', 'w^{(l-1)}_{ij}')}",
            "off by one layer: w^{(l-1)}_{ij} where w^{(l)}_{ij} is needed",
        ),
        (
            None,
            rf"\delta^{{(l)}}_j = \sum_k {d('C', 'z^{(l+1)}_k')} {d('a^{(l+1)}_k', 'z^{(l)}_j')}",
            "a^{(l+1)}_{k} where z^{(l+1)}_{k} is needed",
        ),
        ("nielsen", f"{d('C', 'w^l_{jk}')} = {d('C', 'z^l_k')} {d('z^l_k', 'w^l_{jk}')}", None),
    ],
)
def test_a_wrong_chain_rule_line_fails(notation, text, diagnosis):
    verdict = verify("half_adder", text, notation=notation)
    assert not verdict.holds
    if diagnosis:
        assert diagnosis in verdict.diagnosis


def test_a_jacobian_factor_is_read_as_one():
    formula = parse_formula(rf"\delta^{{(l)}}_j = {d('z^{(l+1)}_k', 'w^{(l+1)}_{jk}')}")
    assert isinstance(formula.rhs, Jacobian)
    assert (formula.rhs.of.name, formula.rhs.by.name) == ("z", "w")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        # not a derivative between two quantities of the network
        (rf"\delta^{{(l)}}_j = {d('t_j', 'z^{(l)}_j')}", r"\partial t/\partial z"),
        (rf"\delta^{{(l)}}_j = {d('z^{(l)}_j', 't_j')}", r"\partial z/\partial t"),
        (rf"\delta^{{(l)}}_j = {d('(a^{(l)}_j + 1)', 'z^{(l)}_j')}", r"\partial (...)/\partial z"),
        # between two whole matrices
        (rf"\delta^{{(L)}} = {d('a^{(L)}', 'z^{(L-1)}')}", r"\partial a^{(L)}/\partial z^{(L-1)}"),
        # without the unit subscripts that pick an entry
        (rf"\delta^{{(l)}}_j = {d('z^{(l+1)}', 'z^{(l)}_j')}", "subscript"),
        (rf"\delta^{{(l)}}_j = {d('z^{(l)}_j', 'w^{(l)}_j')}", "2 subscript"),
        # a quantity by one that comes after it
        (rf"\delta^{{(l)}}_j = {d('z^{(l)}_j', 'z^{(l+1)}_k')}", "comes before"),
        (rf"\delta^{{(2)}}_j = {d('a^{(2)}_j', 'z^{(3)}_j')}", "da/dz of one neuron"),
        # on the left side, its own truth, but only at a layer written as a number or L
        (f"{d('z^{(l)}_j', 'w^{(l)}_{ij}')} = a^{{(l-1)}}_i", "its own truth only at a written layer"),
    ],
)
def test_a_factor_that_is_not_a_derivative_between_quantities_is_refused_naming_it(text, named):
    with pytest.raises(FormulaError) as caught:
        verify("half_adder", text)
    assert named in str(caught.value)


def test_a_generic_layer_is_checked_only_where_each_derivative_goes_up_the_network():
    text = rf"\delta^{{(l)}}_j = \sum_k \delta^{{(L-1)}}_k {d('z^{(L-1)}_k', 'z^{(l)}_j')}"
    verdict = verify("half_adder", text)
    assert verdict.holds and verdict.layers == [1, 2]  # not l = L, where z^{(L-1)} comes before z^{(l)}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            rf"\delta^{{(1)}}_j = \sum_k \delta^{{(L)}}_k {d('z^{(1)}_k', 'z^{(L)}_j')}",
            "z^{(1)}_{k} comes before z^{(L)}_{j}",
        ),
        (
            r"\delta^{(L)}_j = " + d("C", r"\hat{y}_j") + d("z^{(L)}_j", r"\hat{y}_j"),
            "comes before \\hat{y}_{j}",
        ),
    ],
)
def test_a_derivative_down_the_network_at_every_layer_is_refused(text, named):
    with pytest.raises(FormulaError) as caught:
        verify("half_adder", text)
    assert named in str(caught.value)


def test_the_command_refuses_with_status_2_and_judges_with_0_and_1(capsys):
    assert main(["verify", "half_adder", rf"\delta^{{(l)}}_j = {d('t_j', 'z^{(l)}_j')}"]) == 2
    assert r"\partial t/\partial z" in capsys.readouterr().err
    assert main(["verify", "half_adder", CHAIN_DELTA]) == 0
    wrong = CHAIN_DELTA.replace(d("z^{(l+1)}_k", "z^{(l)}_j"), d("z^{(l+1)}_j", "z^{(l)}_k"))
    assert main(["verify", "half_adder", wrong]) == 1


# -- the cost symbol summed over samples: the whole cost, or one sample's loss ------------------------
@pytest.mark.parametrize(
    ("notation", "text", "read_as"),
    [
        # Nielsen's dC/dz is one sample's; summed with the left side's C it is the chain rule over samples
        (
            "nielsen",
            rf"{d('C', 'w^l_{jk}')} = \sum_x {d('C', 'z^l_{xj}')} a^{{l-1}}_{{xk}}",
            "the whole cost C",
        ),
        (
            "nielsen",
            rf"{d('C', 'w^l_{jk}')} = \sum_x {d('C', 'z^l_{xj}')} {d('z^l_{xj}', 'w^l_{jk}')}",
            "the whole cost C",
        ),
        # the default notation's dC/dz is the whole cost's; with 1/N the writer means each sample's loss
        (
            None,
            rf"{d('C', 'w^{(l)}_{ij}')} = \frac{{1}}{{N}} \sum_n {d('C', 'z^{(l)}_{nj}')} a^{{(l-1)}}_{{ni}}",
            "one sample's loss",
        ),
    ],
)
def test_a_gradient_of_the_same_cost_summed_over_samples_holds_in_the_reading_that_makes_it_true(
    notation, text, read_as
):
    verdict = verify("half_adder", text, notation=notation)
    assert verdict.holds, verdict.report()
    assert any(read_as in note for note in verdict.notes)


def test_the_same_sum_over_samples_with_a_real_slip_still_fails():
    text = rf"{d('C', 'w^l_{jk}')} = \sum_x {d('C', 'z^l_{xj}')} a^{{l}}_{{xk}}"
    assert not verify("half_adder", text, notation="nielsen").holds


def test_a_derivative_between_quantities_on_the_left_at_a_written_layer_is_judged():
    assert verify("half_adder", f"{d('z^{(2)}_j', 'w^{(2)}_{ij}')} = a^{{(1)}}_i").holds
    verdict = verify("half_adder", f"{d('z^{(2)}_j', 'w^{(2)}_{ij}')} = a^{{(1)}}_j")
    assert not verdict.holds and "is not equal to" in verdict.diagnosis
