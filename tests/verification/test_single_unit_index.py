"""An index left free on the right side over a layer of one unit: a one-output network's k written without
its sum (the sum has one term) is read as that unit, and the same line on two outputs still lacks its sum."""

import pytest

from symbp.verification.verify_formula import verify

LINE = r"\frac{\partial C}{\partial a^{L-1}_j} = w^L_{kj} \delta^L_k"


def network(outputs):
    return {"name": "net", "layers": [2, 3, outputs], "activation": "sigmoid", "cost": "half_sse"}


def test_a_free_index_over_one_output_unit_is_that_unit():
    assert verify(network(1), LINE, notation="nielsen").holds


def test_a_free_index_over_two_units_still_lacks_its_sum():
    verdict = verify(network(2), LINE, notation="nielsen")
    assert not verdict.holds and "the sum over k is missing" in verdict.diagnosis


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        (r"\dfrac{\partial E}{\partial{ L_j}}=(L_k-T) L_k(1-L_k) w_{jk}", True),
        (
            r"\dfrac{\partial E}{\partial{ L_j}}=(\dfrac{\partial E}{\partial{ L_k}})"
            r"(\dfrac{\partial L_k}{\partial{ L_j}})",
            True,
        ),
        (r"\dfrac{\partial E}{\partial{ L_j}}=(L_k-T) L_k(1-L_k) w_{ij}", False),
    ],
)
def test_a_blog_s_one_output_lines_are_read_as_written(text, holds):
    notation = {
        "weight_indices": "from_to",
        "unit_letters": ["h", "i", "j", "k"],
        "activation": "L",
        "pre_activation": "net",
        "target": "T",
        "cost": "E",
    }
    spec = {
        "name": "blog",
        "layers": [2, 3, 3, 1],
        "activation": "sigmoid",
        "cost": "half_sse",
        "bias": False,
    }
    assert verify(spec, text, notation=notation).holds is holds
