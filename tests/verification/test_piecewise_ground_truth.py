"""Verify and gradcheck on piecewise networks: ground truth never across a kink."""

from __future__ import annotations

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.engine import derive
from symbp.spec.network import load
from symbp.verification.gradient_check import gradcheck
from symbp.verification.verify_formula import verify

RELU_OUTPUT = {
    "name": "relu_out",
    "layers": [2, 3, 2],
    "activation": "relu",
    "cost": "half_sse",
    "bias": False,
}


def test_verify_accepts_a_correct_and_refuses_a_wrong_output_delta_on_a_relu_output_without_biases():
    right = verify(RELU_OUTPUT, "delta(L) = (A(L) - T) * f'(Z(L))")
    wrong = verify(RELU_OUTPUT, "delta(L) = 2*(A(L) - T) * f'(Z(L))")
    assert right.holds, right.report()
    assert not wrong.holds and wrong.counterexample is not None


def test_gradcheck_accepts_the_generated_gradients_of_a_deep_relu_network_without_biases():
    spec = {**RELU_OUTPUT, "layers": [2, 3, 3, 3, 2]}
    module = load_module(generate(derive(load(spec))))
    report = gradcheck(spec, module.gradients)
    assert report.ok, report
