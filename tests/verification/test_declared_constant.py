"""A named constant declared in [notation.symbols] (Haykin's slope a of the logistic 1/(1 + exp(-a v))):
read as its exact value wherever it is written, and refused with a layer or a subscript."""

import pytest

import symbp
from symbp.errors import SpecError
from symbp.verification.formula import FormulaError

HAYKIN = {
    "layout": "column",
    "weight_indices": "to_from",
    "unit_letters": ["i", "j", "k"],
    "pre_activation": "v",
    "activation": "y",
    "target": "d",
    "function": r"\varphi",
    "delta_sign": -1,
    "delta_of": "sample",
}
NETWORK = {"name": "haykin", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_mse"}
HIDDEN = r"\delta_j(n) = a y_j(n)[1 - y_j(n)] \sum_k \delta_k(n) w_{kj}(n)"


def slope(value) -> dict:
    return {**HAYKIN, "symbols": {"a": {"quantity": "constant", "value": value}}}


@pytest.mark.parametrize(
    ("value", "holds", "diagnosis"),
    [
        (1, True, None),
        ("1", True, None),
        (2, False, "a factor 2 too many"),
        ("1/2", False, "a factor 2 is missing"),
    ],
)
def test_haykins_slope_is_read_as_its_declared_value(value, holds, diagnosis):
    verdict = symbp.verify(NETWORK, HIDDEN, notation=slope(value))
    assert verdict.holds is holds
    assert diagnosis is None or diagnosis in verdict.diagnosis


def test_undeclared_the_slope_is_refused_naming_it():
    with pytest.raises(FormulaError) as raised:
        symbp.verify(NETWORK, HIDDEN, notation=HAYKIN)
    assert "a has no layer mark" in str(raised.value)


@pytest.mark.parametrize("written", ["a_j", "a^{(2)}"])
def test_a_constant_with_a_subscript_or_a_layer_is_refused_naming_it(written):
    with pytest.raises(FormulaError) as raised:
        symbp.verify(NETWORK, HIDDEN.replace("= a y", f"= {written} y"), notation=slope(1))
    assert "no subscript on a" in str(raised.value)


@pytest.mark.parametrize("value", [0.5, "slope", True, None])
def test_a_constant_s_value_must_be_rational(value):
    given = {"quantity": "constant"} if value is None else {"quantity": "constant", "value": value}
    with pytest.raises(SpecError) as raised:
        symbp.verify(NETWORK, HIDDEN, notation={**HAYKIN, "symbols": {"a": given}})
    assert "notation.symbols.a" in str(raised.value)
