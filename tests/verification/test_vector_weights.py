"""Jurafsky and Martin's w, the weights of logistic regression's one unit as a column (w \\cdot x): in a
column layout the layer's matrix W is a row, so a gradient by w without indices is refused, naming it."""

import pytest

import symbp
from symbp.verification.formula import FormulaError

# Speech and Language Processing's table: a column layout, w for an entry, W for a matrix
SLP = {"layout": "column", "layer_style": "bracket", "cost": "L", "cost_one": "L_{CE}", "target": "y"}


@pytest.mark.parametrize("by", ["w", r"\mathbf{w}"])
def test_a_gradient_by_one_units_weight_vector_is_refused_naming_it(by):
    formula = rf"\frac{{\partial L_{{CE}}}}{{\partial {by}}} = (\hat{{y}} - y) x"
    with pytest.raises(FormulaError) as raised:
        symbp.verify("logistic", formula, notation=SLP)
    message = str(raised.value)
    assert f"{by} without indices names the weights of a layer of one unit" in message
    assert "\n" not in message


@pytest.mark.parametrize(("right", "holds"), [("(\\hat{y} - y) x^T", True), ("(\\hat{y} - y) x", False)])
def test_the_matrix_of_a_layer_of_one_unit_is_still_read_as_a_row(right, holds):
    formula = rf"\frac{{\partial L_{{CE}}}}{{\partial W}} = {right}"
    assert symbp.verify("logistic", formula, notation=SLP).holds is holds


SLP_NET = {"name": "slp", "layers": [2, 3, 1], "activation": ["relu", "sigmoid"], "cost": "bce"}


@pytest.mark.parametrize(
    ("network", "formula", "holds"),
    [
        ("logistic", r"\frac{\partial L_{CE}}{\partial w_j} = (\hat y - y) x_j", True),
        ("logistic", r"\frac{\partial L_{CE}}{\partial w_j} = (\hat y - y) x_1", False),
        ("logistic", r"\frac{\partial L_{CE}}{\partial w_j} = [\sigma(w \cdot x + b) - y] x_j", True),
        ("logistic", r"\frac{\partial L_{CE}}{\partial b} = \sigma(w \cdot x) - y", False),
        ("logistic", r"\frac{\partial L_{CE}}{\partial w_j} = \frac{\partial L_{CE}}{\partial z} x_j", True),
        (SLP_NET, r"\frac{\partial L}{\partial w^{[2]}_j} = (\hat y - y) a^{[1]}_j", True),
        (SLP_NET, r"\frac{\partial L}{\partial w^{[2]}_j} = (\hat y - y) w^{[2]}_j", False),
    ],
)
def test_a_weight_with_one_index_into_a_layer_of_one_unit_is_the_weight_from_that_unit(
    network, formula, holds
):
    assert symbp.verify(network, formula, notation=SLP).holds is holds


@pytest.mark.parametrize(
    "formula",
    [
        r"\frac{\partial L}{\partial w^{[1]}_j} = (\hat y - y) x_j",
        r"\frac{\partial L}{\partial w^{[2]}_{j1}} = (\hat y - y) w^{[1]}_j",
    ],
)
def test_a_weight_with_one_index_into_a_layer_of_several_units_is_refused_naming_it(formula):
    with pytest.raises(FormulaError) as raised:
        symbp.verify(SLP_NET, formula, notation=SLP)
    message = str(raised.value)
    assert "w^{[1]}_{j}: a weight with one index is read only into a layer of one unit" in message
    assert "it enters a layer of 3 units" in message and "\n" not in message
