"""A graph's index-form steps: each one checked, the sum over consumers emerging term by term.

The built-ins' steps are read for their structure (one chain-rule term per consumer, each consumer's
dC/dz replaced by its delta, the identity path's dC/da carried down, a tied matrix's two uses), and
a wrong step is refused by the same check that passed the right ones.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symbp
from symbp.derivation.chain import D
from symbp.derivation.graph_general import Labels
from symbp.derivation.graph_steps import GraphStepDeriver, graph_steps
from symbp.derivation.reasons import Reference
from symbp.derivation.symbolic import C, ConsumerSum, a, delta, i, j, k, n, w, z
from symbp.errors import CheckFailed
from tests.codegen.test_graph_module import _random_spec

BUILTINS = ("skip_xor", "residual", "tied_autoencoder")


def _steps(name: str):
    return symbp.derive(symbp.load(name)).steps


def _labelled(steps) -> dict:
    return {step.label: step for step in steps if step.label}


def _terms(expr) -> list:
    return list(sp.Add.make_args(expr))


@pytest.mark.parametrize("name", BUILTINS)
def test_every_step_is_checked_and_every_quantity_derived(name):
    network = symbp.load(name)
    steps = symbp.derive(network).steps
    assert steps and all(step.check is not None and step.check.points >= 2 for step in steps)
    labels, named = set(_labelled(steps)), Labels(network.graph)
    depth = network.depth
    assert {named("delta", layer) for layer in range(1, depth + 1)} <= labels
    assert {named("dA", layer) for layer in range(1, depth)} <= labels
    assert {named("db", layer) for layer in range(1, depth + 1)} <= labels
    assert {named.weight(key) for key in network.graph.weight_keys()} <= labels
    assert {"eq:delta-index", "eq:delta-matrix", "eq:db-index", "eq:db-matrix"} <= labels
    # layers in reverse topological order, then the general forms
    sections = [key for key, _ in symbp.derive(network).sections()]
    assert sections == [f"layer-{layer}" for layer in range(depth, 0, -1)] + ["index", "matrix"]


def test_residual_sum_over_consumers_emerges():
    steps = [step for step in _steps("residual") if step.section == "layer-2" and step.part == "a"]
    chain, recognised, evaluated = steps
    # one chain-rule term per consumer of a^(2): z^(3) by a weight, a^(3) by the identity path
    assert len(_terms(chain.eq.rhs)) == 2
    assert chain.eq.rhs.has(D(C, z[3, n, k])) and chain.eq.rhs.has(D(C, a[3, n, j]))
    # the weighted consumer's dC/dz is recognised as its delta, the reason citing that delta's equation
    assert recognised.kind == "recognise_delta"
    assert not recognised.eq.rhs.has(D(C, z[3, n, k])) and recognised.eq.rhs.has(delta[3, n, k])
    assert Reference("eq:delta-h3", True) in recognised.reason.parts
    # evaluated: the consumer's weight, and dC/da^(3) carried straight down (da^(3)/da^(2) = 1)
    assert evaluated.label == "eq:dA-h2"  # labels name layers by their names: h2 is layer 2
    assert evaluated.eq.rhs.has(w[3, j, k]) and D(C, a[3, n, j]) in _terms(evaluated.eq.rhs)
    assert Reference("eq:dA-h3", True) in evaluated.reason.parts


def test_tied_weight_gradient_is_the_sum_of_its_uses():
    labels = _labelled(_steps("tied_autoencoder"))
    gradient = labels["eq:dW-code"].eq.rhs
    uses = {term.function for term in _terms(gradient)}
    assert uses == {a[0, n, i] * delta[1, n, j], a[1, n, j] * delta[2, n, i]}


def test_skip_weight_has_its_pair_of_layers():
    labels = _labelled(_steps("skip_xor"))
    step = labels["eq:dW-output-x"]
    assert step.eq.lhs == D(C, w[sp.Tuple(2, 0), i, j])
    assert step.eq.rhs.function == a[0, n, i] * delta[2, n, j]


def test_general_index_form_is_the_sum_over_consumers():
    general = _labelled(_steps("residual"))["eq:dA-index"].eq.rhs
    assert all(isinstance(term, ConsumerSum) for term in _terms(general))
    assert sorted(term.kind for term in _terms(general)) == ["identity", "weighted"]


def test_input_gradient_is_derived_through_its_consumers():
    spec = {
        "name": "skip_dx",
        "cost": "half_mse",
        "input_gradient": True,
        "layers": [
            {"name": "x", "size": 2},
            {"name": "h", "size": 2, "activation": "tanh", "weighted": ["x"]},
            {"name": "y", "size": 1, "activation": "sigmoid", "weighted": ["h", "x"]},
        ],
    }
    steps = _labelled(graph_steps(symbp.load(spec)))
    dx = steps["eq:dX"].eq.rhs
    assert len(_terms(dx)) == 2 and dx.has(delta[1, n, k]) and dx.has(delta[2, n, k])


def test_a_step_missing_a_consumer_is_refused():
    deriver = GraphStepDeriver(symbp.load("residual"))
    deriver.run()
    right = _labelled(deriver.steps)["eq:dA-h2"].eq.rhs
    dropped = right - D(C, a[3, n, j])  # the identity path left out
    with pytest.raises(CheckFailed):
        deriver.add(D(C, a[2, n, j]), dropped, None, "evaluate", "layer-2", "a")


@pytest.mark.slow
@pytest.mark.parametrize("index", range(12))
def test_random_graphs_derive_step_by_step(index):
    """Skips of every length, joins, residuals, ties both ways, every activation and cost."""
    network = symbp.load(_random_spec(np.random.default_rng(100 + index), index))
    steps = graph_steps(network)
    assert all(step.check is not None for step in steps)
    named = Labels(network.graph)
    assert {named("delta", layer) for layer in range(1, network.depth + 1)} <= set(_labelled(steps))
