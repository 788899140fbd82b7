"""Decorated names (\\hat{\\delta}, \\tilde{z}, \\bar{a}): a name of its own, declared in [notation.symbols]
like any other; undeclared, refused naming it, never read as the plain letter it decorates."""

import pytest

import symbp
from symbp.errors import SpecError
from symbp.verification.formula import FormulaError

# Hjorth-Jensen's notes: a bare layer superscript, w_{jk} from k to j, layers from 1, a hat for a vector
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
HATS = {r"\hat{\delta}": "delta_matrix", r"\hat{z}": "pre_activation_matrix", r"\hat{a}": "activation_matrix"}
HADAMARD = r"\hat{\delta}^L = f'(\hat{z}^L)\circ\frac{\partial {\cal C}}{\partial (\hat{a}^L)}."


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        (HADAMARD, True),
        (HADAMARD.replace("f'(", "f("), False),
        (r"\hat{\delta}^l = (\hat{\delta}^{l+1} W^{l+1}) \circ f'(\hat{z}^l)", False),
        (r"\hat{\delta}^L = f'(\hat{z}^L) \circ (\hat{a}^L - t)", True),
    ],
)
def test_declared_decorated_names_are_read_as_their_quantities(formula, holds):
    assert symbp.verify(NETWORK, formula, notation={**NOTES, "symbols": HATS}).holds is holds


@pytest.mark.parametrize(
    ("declared", "name"),
    [
        ({}, r"\hat{\delta}"),
        ({r"\hat{\delta}": "delta_matrix"}, r"\hat{z}"),
        ({**HATS, r"\tilde{z}": "pre_activation_matrix"}, r"\bar{a}"),
    ],
)
def test_an_undeclared_decorated_name_is_refused_naming_it(declared, name):
    formula = HADAMARD.replace(r"\hat{a}", r"\bar{a}") if name == r"\bar{a}" else HADAMARD
    with pytest.raises(FormulaError) as raised:
        symbp.verify(NETWORK, formula, notation={**NOTES, "symbols": declared})
    message = str(raised.value)
    plain = name[name.index("{") + 1 : -1]
    assert f"{name} is not a name of the" in message and f"not read as {plain}" in message
    assert "[notation.symbols]" in message and "\n" not in message


def test_any_accent_can_be_declared():
    notation = {**NOTES, "symbols": {**HATS, r"\tilde{z}": "pre_activation_matrix"}}
    assert symbp.verify(NETWORK, HADAMARD.replace(r"\hat{z}", r"\tilde{z}"), notation=notation).holds


def test_a_decorated_name_of_no_letter_is_a_bad_declaration():
    with pytest.raises(SpecError) as raised:
        symbp.verify(NETWORK, HADAMARD, notation={**NOTES, "symbols": {r"\hat{1}": "delta_matrix"}})
    assert "notation.symbols" in str(raised.value)
