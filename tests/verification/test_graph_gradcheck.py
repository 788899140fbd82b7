"""gradcheck on graph networks: the params keys of a graph, a right gradient passes, a slip is named."""

from __future__ import annotations

import pytest

import symbp
from symbp.codegen.loading import load_module


@pytest.mark.parametrize("name", ["skip_xor", "residual", "tied_autoencoder"])
def test_gradcheck_on_graphs(name):
    module = load_module(symbp.generate(symbp.derive(symbp.load(name))))
    assert symbp.gradcheck(name, module.gradients).ok

    def doubled_skip_or_tie(params, X, T):
        gradients = module.gradients(params, X, T)
        key = {"skip_xor": "W2_0", "residual": "W3", "tied_autoencoder": "W1"}[name]
        return gradients | {key: 2 * gradients[key]}

    report = symbp.gradcheck(name, doubled_skip_or_tie)
    assert not report.ok
    slipped = [(row.name, row.slip) for row in report.rows if row.slip]
    key = {"skip_xor": "W2_0", "residual": "W3", "tied_autoencoder": "W1"}[name]
    assert slipped == [(key, "it is twice the derived gradient (a factor 2 too many, or a 1/2 missing)")]


def test_gradcheck_tied_gradient_needs_both_uses():
    """The decoder's use of W1 alone (the encoder's term left out) is refused."""
    network = symbp.load("tied_autoencoder")
    module = load_module(symbp.generate(symbp.derive(network)))

    def one_use(params, X, T):
        values = module._forward(params, X)
        gradients = module.gradients(params, X, T)
        delta2 = values["A2"] * (1 - values["A2"]) * (values["A2"] - T) / len(X)
        return gradients | {"W1": delta2.T @ values["A1"]}

    report = symbp.gradcheck(network, one_use)
    assert not report.ok
    assert report.first_wrong is not None and "W1" in report.first_wrong
    assert [row.name for row in report.rows if row.max_rel > 1e-6] == ["W1"]
