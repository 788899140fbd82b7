"""A forward definition (Z^{(l)} = ..., A^{(l)} = ...) read as a claim about the forward pass: checked at the
check points against the reference forward pass, on chains and graphs, in the matrix and the index form."""

from __future__ import annotations

import dataclasses

import pytest

from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.verify_formula import verify

TINY = {"name": "tiny", "layers": [2, 2, 1], "activation": "sigmoid", "cost": "half_mse"}

HOLDS = [
    (TINY, r"Z^{(1)} = \mathbf{1} b^{(1)} + X W^{(1)}"),
    (TINY, r"A^{(2)} = \sigma\left(Z^{(2)}\right)"),
    (TINY, r"z^{(2)}_{nj} = \sum_i a^{(1)}_{ni} w^{(2)}_{ij} + b^{(2)}_j"),
    ("half_adder", r"a^{(2)}_{j} = \sigma(z^{(2)}_j)"),
    # a skip's extra product, a residual's identity input, a tied matrix's transposed use
    ("skip_xor", r"Z^{(2)} = \mathbf{1} b^{(2)} + A^{(1)} W^{(2)} + X W^{(2,0)}"),
    ("residual", r"A^{(2)} = \tanh\left(Z^{(2)}\right) + A^{(1)}"),
    ("residual", r"a^{(3)}_{nj} = \tanh(z^{(3)}_{nj}) + a^{(2)}_{nj}"),
    ("tied_autoencoder", r"Z^{(2)} = \mathbf{1} b^{(2)} + A^{(1)} W^{(1)T}"),
    # SymPy's power of a function, \tanh^{2}{(z)}: the square of tanh(z)
    (
        "residual",
        r"\delta^{(2)}_{nj} = \left(1 - \tanh^{2}{\left(z^{(2)}_{nj} \right)}\right) \left(\frac{\partial C}"
        r"{\partial a^{(3)}_{nj}} + \sum_{k=1}^{n_{3}} \delta^{(3)}_{nk} w^{(3)}_{jk}\right)",
    ),
]


@pytest.mark.parametrize("network, formula", HOLDS)
def test_a_right_forward_definition_holds(network, formula):
    verdict = verify(network, formula)
    assert verdict.holds, verdict.report()


def test_a_forward_definition_of_a_small_chain_is_proved():
    assert verify(TINY, r"Z^{(2)} = \mathbf{1} b^{(2)} + A^{(1)} W^{(2)}").proof is not None


@pytest.mark.parametrize(
    "network, formula",
    [
        ("skip_xor", r"Z^{(2)} = \mathbf{1} b^{(2)} + A^{(1)} W^{(2)}"),  # the skip's product left out
        ("residual", r"A^{(2)} = \tanh\left(Z^{(2)}\right)"),  # the identity input left out
        ("residual", r"a^{(2)}_{nj} = 1 - \tanh^{2}{\left(z^{(2)}_{nj} \right)} + a^{(1)}_{nj}"),
    ],
)
def test_a_wrong_forward_definition_fails_against_the_forward_pass_with_no_backward_slip(network, formula):
    verdict = verify(network, formula)
    assert not verdict.holds
    assert verdict.diagnosis is None or "notation" in verdict.diagnosis  # no slip of the backward pass
    assert "the derivation's forward pass" in "\n".join(verdict.counterexample.lines())


def test_raschkas_named_layers_read_a_deeper_networks_hidden_layers_by_number_and_a_skips_two_names():
    def raschka(name):
        return dataclasses.replace(load(name), notation=PROFILES["raschka"])

    assert verify(raschka("residual"), r"A^{(h2)} = \tanh\left(Z^{(h2)}\right) + A^{(h1)}").holds
    assert not verify(raschka("residual"), r"A^{(h2)} = \tanh\left(Z^{(h2)}\right) + A^{(h2)}").holds
    skip = r"Z^{(out)} = \mathbf{1} b^{(out)} + A^{(h)} W^{(out)} + A^{(in)} W^{(out,in)}"
    assert verify(raschka("skip_xor"), skip).holds
