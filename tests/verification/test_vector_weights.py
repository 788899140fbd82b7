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
