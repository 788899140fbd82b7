"""Costs linear in the output (a constant output delta) and costs whose delta leaves out a quantity."""

from __future__ import annotations

import numpy as np
import pytest

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.engine import derive
from symbp.derivation.reference import CentralDifferences, random_point
from symbp.rendering.documents import derivation_markdown, render, step_latex
from symbp.spec.functions import ACTIVATION_NAMES
from symbp.spec.network import load
from symbp.verification.verify_formula import verify

# dC/da: 1 (the raw score), 2 (with a target), t (no a), 2a (no t).
COSTS = {"score": "a", "twice": "2*a - t", "weighted": "t*a", "square": "a*a"}
CONSTANT_DELTA = {"score": "1/N", "twice": "2/N"}


# softmax is an output activation, and takes only cce
ELEMENTWISE = [name for name in ACTIVATION_NAMES if name != "softmax"]


def _spec(activation: str, cost: str, bias: bool) -> dict:
    return {
        "name": "linear",
        "layers": [2, 3, 2],
        "activation": activation,
        "cost": {"name": cost, "expr": COSTS[cost]},
        "bias": bias,
    }


@pytest.mark.slow
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_a_cost_linear_in_the_output_derives_prints_generates_and_verifies(activation, cost):
    network = load(_spec(activation, cost, bias=cost != "twice"))
    derivation = derive(network)
    assert all(step.check for step in derivation.steps[1:])
    for fmt in ("text", "markdown", "latex"):
        assert "delta" in render(derivation, fmt).lower()
    assert derivation_markdown(derivation)
    assert all(step_latex(step, network) for step in derivation.steps)
    module = load_module(generate(derivation))
    params, X, T = random_point(network, 4, np.random.default_rng(0))
    gradients, central = module.gradients(params, X, T), CentralDifferences(network, params, X, T)
    for name in params:
        np.testing.assert_allclose(gradients[name], central["d" + name], rtol=1e-6, atol=1e-9, err_msg=name)
    assert verify(network, "dC/dW(l) = A(l-1)^T delta(l)").holds


@pytest.mark.slow
@pytest.mark.parametrize("cost", CONSTANT_DELTA)
def test_a_constant_output_delta_is_a_matrix_of_that_constant(cost):
    network = load(_spec("identity", cost, bias=True))
    derivation = derive(network)
    line = next(line for line in derivation.backward if line.target.name == "delta2")
    values = derivation.evaluate(*random_point(network, 5, np.random.default_rng(1)))
    assert values["delta2"].shape == (5, 2)
    assert np.allclose(values["delta2"], float(CONSTANT_DELTA[cost][0]) / 5)
    assert line.expr.is_Matrix
    right = verify(network, f"delta(L) = {CONSTANT_DELTA[cost]}")
    wrong = verify(network, f"delta(L) = 3*{CONSTANT_DELTA[cost]}")
    assert right.holds and not wrong.holds
