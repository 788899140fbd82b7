r"""Reading rules the sources without a profile needed, each with a case it must refuse: an algorithm's
assignment and a definition sign, a sum over a named set of units, a transpose as a second superscript,
a weight at step n, one sample's cost written E(n), an indicator, and symbols no layer can be told for."""

from __future__ import annotations

import pytest

import symbp
from symbp.verification.formula import FormulaError

MITCHELL = {
    "layout": "column",
    "weight_indices": "to_from",
    "unit_letters": ["i", "h", "k"],
    "pre_activation": "net",
    "activation": "o",
    "cost": "E",
    "delta_sign": -1,
}
MITCHELL_NET = {"name": "m", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"}
HAYKIN = {
    "layout": "column",
    "weight_indices": "to_from",
    "unit_letters": ["i", "j", "k"],
    "pre_activation": "v",
    "activation": "y",
    "target": "d",
    "cost": r"\mathcal{E}_{av}",
    "cost_one": r"\mathcal{E}(n)",
    "function": r"\varphi",
    "delta_sign": -1,
    "delta_of": "sample",
}
HAYKIN_NET = {"name": "h", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_mse"}
RELU_NET = {"name": "r", "layers": [3, 4, 2], "activation": ["relu", "identity"], "cost": "half_sse"}
BRACKETS = {"layout": "column", "layer_style": "bracket", "cost": "J", "target": "y", "transpose": r"\top"}


def holds(network, formula: str, notation=None) -> bool:
    return symbp.verify(network, formula, notation=notation).holds


def refusal(network, formula: str, notation=None) -> str:
    with pytest.raises(FormulaError) as raised:
        symbp.verify(network, formula, notation=notation)
    return str(raised.value)


@pytest.mark.parametrize("sign", [r"\leftarrow", r"\gets", "←", r"\equiv", r"\triangleq", r"\coloneqq", ":="])
def test_an_assignment_or_a_definition_sign_states_the_equation(sign):
    assert holds(MITCHELL_NET, rf"\delta_k {sign} o_k(1 - o_k)(t_k - o_k)", MITCHELL)
    assert not holds(MITCHELL_NET, rf"\delta_k {sign} o_k(1 - o_k)(o_k - t_k)", MITCHELL)


@pytest.mark.parametrize(
    "formula",
    [
        r"w_{kh} \leftarrow w_{kh} + \delta_k o_h",
        r"w^{(2)}_{ij} := w^{(2)}_{ij} - a^{(1)}_i \delta^{(2)}_j",
    ],
)
def test_an_update_rule_is_refused_not_read_as_a_gradient(formula):
    notation = MITCHELL if "kh" in formula else None
    network = MITCHELL_NET if "kh" in formula else "half_adder"
    message = refusal(network, formula, notation)
    assert "an update of w" in message and "is not read" in message


@pytest.mark.parametrize(
    "limits",
    [
        r"k \in outputs",
        r"k \in Downstream(j)",
        r"k \in \mathit{outputs}",
        r"k \in \mathcal{K}",
        "k ∈ outputs",
    ],
)
def test_a_sum_over_a_named_set_of_units_is_the_sum_over_their_layer(limits):
    assert holds(MITCHELL_NET, rf"\delta_h = o_h(1 - o_h) \sum_{{{limits}}} w_{{kh}} \delta_k", MITCHELL)
    assert not holds(MITCHELL_NET, rf"\delta_h = o_h(1 - o_h) \sum_{{{limits}}} w_{{hk}} \delta_k", MITCHELL)


@pytest.mark.parametrize("limits", [r"k \in \{1, 2\}", r"k \in A \cup B", r"k \in outputs, k \neq j"])
def test_a_sum_over_a_set_that_is_not_one_name_is_refused(limits):
    message = refusal(MITCHELL_NET, rf"\delta_h = o_h(1 - o_h) \sum_{{{limits}}} w_{{kh}} \delta_k", MITCHELL)
    assert "a set named by one word" in message


@pytest.mark.parametrize("mark", ["^\\top", "^{\\top}", "^T", "^\\intercal"])
def test_a_transpose_written_as_a_second_superscript_is_read(mark):
    assert holds(
        RELU_NET, rf"\frac{{\partial J}}{{\partial W^{{[k]}}}} = \delta^{{[k]}} a^{{[k-1]{mark}}}", BRACKETS
    )
    assert not holds(
        RELU_NET, rf"\frac{{\partial J}}{{\partial W^{{[k]}}}} = a^{{[k-1]}} \delta^{{[k]{mark}}}", BRACKETS
    )


def test_a_second_superscript_that_is_not_a_transpose_is_refused():
    refusal(RELU_NET, r"\frac{\partial J}{\partial W^{[k]}} = \delta^{[k]} a^{[k-1]^2}", BRACKETS)


def test_a_weight_at_step_n_is_the_weight_and_another_argument_is_refused():
    recursion = r"\delta_j(n) = \varphi'_j(v_j(n)) \sum_k \delta_k(n) w_{kj}(n)"
    assert holds(HAYKIN_NET, recursion, HAYKIN)
    assert not holds(HAYKIN_NET, recursion.replace("w_{kj}", "w_{jk}"), HAYKIN)
    refusal(HAYKIN_NET, recursion.replace("w_{kj}(n)", "w_{kj}(m)"), HAYKIN)


def test_a_cost_written_with_the_sample_argument_is_one_sample_s():
    assert holds(
        HAYKIN_NET, r"\frac{\partial \mathcal{E}(n)}{\partial w_{kj}(n)} = -\delta_k(n) y_j(n)", HAYKIN
    )
    whole = (
        r"\frac{\partial \mathcal{E}_{av}}{\partial w_{kj}} = -\frac{1}{N} \sum_{n=1}^{N} \delta_k(n) y_j(n)"
    )
    assert holds(HAYKIN_NET, whole, HAYKIN)
    assert not holds(HAYKIN_NET, whole.replace(r"\frac{1}{N}", ""), HAYKIN)


@pytest.mark.parametrize(
    ("network", "formula"),
    [
        ("half_adder", r"\frac{\partial J}{\partial W^{(2)}} = \frac{\partial J}{\partial a^{(2)}} a^T"),
        ("half_adder", r"\delta_j = \sum_k w_{jk} \delta_k \sigma'(z_j)"),
        (RELU_NET, r"\frac{\partial C}{\partial z} = \frac{\partial C}{\partial a} \odot \sigma'(z)"),
    ],
)
def test_a_symbol_whose_layer_cannot_be_told_is_refused(network, formula):
    """Next to a written layer, with two units' letters, or in layers of different activations, reading
    it at the output layer could judge a true formula wrong."""
    assert "has no layer mark, and this network has" in refusal(network, formula)


def test_symbols_without_a_layer_for_any_unit_are_read_at_every_layer():
    first = r"\frac{\partial E}{\partial w_{ij}} = \frac{\partial E}{\partial o_j} "
    through = r"\frac{\partial o_j}{\partial \mathrm{net}_j} "
    last = r"\frac{\partial \mathrm{net}_j}{\partial w_{ij}}"
    assert holds("half_adder", first + through + last, "wikipedia")
    assert not holds("half_adder", first + last, "wikipedia")
    assert holds(
        "half_adder", r"\frac{\partial C}{\partial z} = \frac{\partial C}{\partial a} \odot \sigma'(z)"
    )
    # the target pins them to the output layer
    assert holds("half_adder", r"\delta_j = (a_j - t_j) a_j (1 - a_j)")


def test_a_symbol_without_a_layer_in_a_one_layer_network_is_that_layer_s():
    one_sample = {"layout": "column", "cost": "L", "target": "y"}
    assert holds("logistic", r"\frac{\partial L}{\partial z} = a - y", one_sample)
    assert not holds("logistic", r"\frac{\partial L}{\partial z} = y - a", one_sample)


@pytest.mark.parametrize(
    "indicator",
    [
        r"1\{z^{[1]} \geq 0\}",
        r"1\{z^{[1]} > 0\}",
        r"\mathbb{1}_{\{z^{[1]} > 0\}}",
        r"\mathbf{1}\{z^{[1]}>0\}",
    ],
)
def test_an_indicator_is_one_where_its_condition_holds(indicator):
    start = r"\frac{\partial J}{\partial z^{[1]}} = \frac{\partial J}{\partial a^{[1]}} \odot "
    formula = start + indicator
    assert holds(RELU_NET, formula, BRACKETS)


def test_a_reversed_indicator_fails_and_an_unclosed_one_is_refused():
    start = r"\frac{\partial J}{\partial z^{[1]}} = \frac{\partial J}{\partial a^{[1]}} \odot "
    verdict = symbp.verify(RELU_NET, start + r"1\{z^{[1]} \leq 0\}", notation=BRACKETS)
    assert not verdict.holds and "reversed" in verdict.diagnosis
    assert "an indicator closed as it opens" in refusal(
        RELU_NET, start + r"\mathbb{1}_{\{z^{[1]} > 0\}", BRACKETS
    )


BRILLIANT_NET = {"name": "b", "layers": [2, 3, 1], "activation": ["sigmoid", "identity"], "cost": "half_mse"}
BRILLIANT = {
    "layout": "column",
    "layer_style": "bare",
    "pre_activation": "a",
    "activation": "o",
    "cost": "E",
    "cost_one": "E_d",
    "sample_index": "d",
}
MEAN = r"\frac{\partial E}{\partial w_{ij}^k} = \frac{1}{N} \sum_{d=1}^N "


def test_the_examples_gradients_summed_over_the_samples_are_read():
    assert holds(BRILLIANT_NET, MEAN + r"\frac{\partial E_d}{\partial w_{ij}^k}", BRILLIANT)
    assert holds(
        "half_adder",
        r"\frac{\partial C}{\partial w^l_{jk}} = \frac{1}{n}\sum_x \frac{\partial C_x}{\partial w^l_{jk}}",
        "nielsen",
    )
    verdict = symbp.verify(
        BRILLIANT_NET,
        MEAN.replace(r"\frac{1}{N}", "") + r"\frac{\partial E_d}{\partial w_{ij}^k}",
        notation=BRILLIANT,
    )
    assert not verdict.holds and verdict.diagnosis == "a factor 1/N is missing"


def test_the_whole_cost_s_gradient_by_a_weight_summed_over_the_samples_is_refused():
    message = refusal(BRILLIANT_NET, MEAN + r"\frac{\partial E}{\partial w_{ij}^k}", BRILLIANT)
    assert "on the right side only as the gradient by an activation" in message
