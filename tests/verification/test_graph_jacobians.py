"""Derivatives between two quantities of a graph network: evaluated through every path (skips, identity
paths, both uses of a tied matrix), checked against central differences of the reference forward pass; a
sum over consumers reads each consumer's derivative with its other inputs held fixed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from symbp.derivation.reference.graph import graph_forward
from symbp.spec.network import load
from symbp.verification.check_points import check_points
from symbp.verification.evaluate import Evaluator
from symbp.verification.formula import FormulaError
from symbp.verification.point import Reading
from symbp.verification.tree import Jacobian, Layer, Sym
from symbp.verification.verify_formula import verify

STEP = 1e-6


def _moved(network, params, X, by: tuple, entry: tuple, step: float) -> tuple:
    """(Z, A) of the reference forward pass of one sample with entry ``entry`` of ``by`` moved by ``step``."""
    kind, where = by
    if kind in ("W", "b"):
        key = where if kind == "W" else f"b{where}"
        params = {name: np.array(value, dtype=float) for name, value in params.items()}
        params[key][entry] += step
        return graph_forward(network, params, X)
    if by == ("A", 0):
        X = X.copy()
        X[(0, *entry)] += step
        return graph_forward(network, params, X)
    Z, A = graph_forward(network, params, X)
    value = (Z if kind == "Z" else A)[where].copy()
    value[(0, *entry)] += step
    return graph_forward(network, params, X, fixed={(kind, where): value})


# the unit letters of the quantity a derivative is by (its sample is n, as the quantity's it is of)
LETTERS = {"W": ("i", "k"), "b": ("k",), "Z": ("n", "k"), "A": ("n", "k")}


def _symbol(kind: str, where, letters: tuple) -> Sym:
    """The formula symbol of a reference node or parameter key (W2_0 is w^{(2,0)})."""
    if kind == "W":
        target, _, source = where[1:].partition("_")
        skip = Layer(None, int(source)) if source else None
        return Sym("w", Layer(None, int(target), source=skip), letters)
    return Sym({"Z": "z", "A": "a", "b": "b"}[kind], Layer(None, where), letters)


@pytest.mark.parametrize("name", ["skip_xor", "residual", "tied_autoencoder"])
def test_a_derivative_between_any_two_quantities_of_a_graph_is_the_change_through_every_path(name):
    network = load(name)
    _, point, _, _ = check_points(network, True, 1, seed=3)[0]
    evaluator = Evaluator(point, Reading())
    params, X, depth = point.params, point.X, network.depth
    nodes = [("Z", layer) for layer in range(1, depth + 1)] + [("A", layer) for layer in range(depth + 1)]
    tops = [node for node in nodes if node != ("A", 0)]  # the input: nothing but itself moves it
    parameters = [("W", key) for key in params if key.startswith("W")]
    parameters += [("b", layer) for layer in range(1, depth + 1)]
    checked = 0
    for of, by in itertools.product(tops, nodes + parameters):
        node = Jacobian(_symbol(*of, ("n", "j")), _symbol(*by, LETTERS[by[0]]))
        shape = params[by[1]].shape if by[0] == "W" else (network.layers[by[1]],)
        table = 0 if of[0] == "Z" else 1
        pairs = list(itertools.product(range(network.layers[of[1]]), np.ndindex(*shape)))
        for unit, entry in pairs[:: max(1, len(pairs) // 4)]:  # a few entries of each, spread out
            up = _moved(network, params, X, by, entry, STEP)[table][of[1]][0, unit]
            down = _moved(network, params, X, by, entry, -STEP)[table][of[1]][0, unit]
            bindings = {"n": 1, "j": unit + 1} | {
                letter: value + 1 for letter, value in zip(LETTERS[by[0]][-len(entry) :], entry, strict=True)
            }
            claimed = evaluator.scalar(node, bindings)
            assert claimed == pytest.approx((up - down) / (2 * STEP), abs=1e-7), (of, by, unit, entry)
            checked += 1
    assert checked >= len(tops) * len(nodes + parameters)


DA2 = r"\frac{\partial C}{\partial a^{(2)}_{nj}}"
THROUGH_A3 = r"\frac{\partial C}{\partial a^{(3)}_{nk}} \frac{\partial a^{(3)}_{nk}}{\partial a^{(2)}_{nj}}"
HOLDS = [
    # the sum over a residual layer's consumers: the identity path's da^(3)/da^(2) is I, z^(3) held fixed
    (
        "residual",
        DA2
        + r" = \frac{\partial C}{\partial a^{(3)}_{nj}} \frac{\partial a^{(3)}_{nj}}{\partial a^{(2)}_{nj}}"
        r" + \sum_{k} \delta^{(3)}_{nk} \frac{\partial z^{(3)}_{nk}}{\partial a^{(2)}_{nj}}",
    ),
    # one factor by a^(2): through every path (every path from a^(2) to C passes a^(3))
    ("residual", DA2 + r" = \sum_k " + THROUGH_A3),
    # a derivative across layers: a^(1) reaches z^(4) through the residual paths and the tanh layers
    (
        "residual",
        r"\frac{\partial C}{\partial a^{(1)}_{nj}} = \sum_k \delta^{(4)}_{nk} \frac{\partial z^{(4)}_{nk}}"
        r"{\partial a^{(1)}_{nj}}",
    ),
    # a tied matrix's two uses, each a consumer's derivative by W^(1) with the other input held fixed
    (
        "tied_autoencoder",
        r"\frac{\partial C}{\partial w^{(1)}_{ij}} = \sum_{n} \delta^{(1)}_{nj} \frac{\partial z^{(1)}_{nj}}"
        r"{\partial w^{(1)}_{ij}} + \sum_{n} \sum_{k} \delta^{(2)}_{nk} \frac{\partial z^{(2)}_{nk}}"
        r"{\partial w^{(1)}_{ij}}",
    ),
    # the decoder's z^(2) alone, through every path: the decoder's use and the encoder's, through a^(1)
    (
        "tied_autoencoder",
        r"\frac{\partial C}{\partial w^{(1)}_{ij}} = \sum_{n} \sum_{k} \delta^{(2)}_{nk} \frac{\partial "
        r"z^{(2)}_{nk}}{\partial w^{(1)}_{ij}}",
    ),
    # a skip's matrix and the input it multiplies
    (
        "skip_xor",
        r"\frac{\partial C}{\partial w^{(2,0)}_{ij}} = \sum_{n} \delta^{(2)}_{nj} "
        r"\frac{\partial z^{(2)}_{nj}}{\partial w^{(2,0)}_{ij}}",
    ),
    ("skip_xor", r"\delta^{(1)}_j = \sum_k \frac{\partial z^{(2)}_k}{\partial z^{(1)}_j} \delta^{(2)}_k"),
]


@pytest.mark.parametrize("name, formula", HOLDS)
def test_chain_rule_steps_through_graph_quantities_hold(name, formula):
    verdict = verify(name, formula)
    assert verdict.holds, verdict.report()


def test_an_identity_path_read_with_the_consumers_other_input_held_says_so():
    verdict = verify(*HOLDS[0])
    assert verdict.holds
    assert any("held fixed" in note and "z^{(3)}" in note for note in verdict.notes)


FAILS = [
    # the path through z^(3) left out: da^(3)/da^(2) is the derivative through every path here, and a^(2)
    # reaches C through a^(3) alone, so one unit's term of the sum over k is not all of it
    (
        "residual",
        DA2
        + r" = \frac{\partial C}{\partial a^{(3)}_{nj}} \frac{\partial a^{(3)}_{nj}}{\partial a^{(2)}_{nj}}",
    ),
    # a^(1) reaches C around z^(3), by the identity path from a^(2) into a^(3)
    (
        "residual",
        r"\frac{\partial C}{\partial a^{(1)}_{nj}} = \sum_k \delta^{(3)}_{nk} \frac{\partial z^{(3)}_{nk}}"
        r"{\partial a^{(1)}_{nj}}",
    ),
]


@pytest.mark.parametrize("name, formula", FAILS)
def test_a_chain_rule_step_that_leaves_out_a_path_fails(name, formula):
    assert not verify(name, formula).holds


REFUSED = [
    # a tied connection has no matrix of its own to differentiate by
    (
        "tied_autoencoder",
        r"\frac{\partial C}{\partial w^{(1)}_{ij}} = \sum_{n} \sum_{k} \delta^{(2)}_{nk} \frac{\partial "
        r"z^{(2)}_{nk}}{\partial w^{(2)}_{ij}}",
        "tied to w^{(1)} transposed",
    ),
    # no connection from layer 1 into layer 3
    (
        "residual",
        r"\delta^{(1)}_{nj} = \sum_k \delta^{(3)}_{nk} \frac{\partial z^{(3)}_{nk}}{\partial w^{(3,1)}_{jk}}",
        "layer 3 takes no weighted input from layer 1",
    ),
    # dA_{1}, as a profile's printer writes dC/dA^{(1)}: its 1 was read as a unit of the output layer
    ("skip_xor", r"dA_{1} = \delta^{(2)} W^{(2)T}", "which may be its layer or a unit"),
    ("skip_xor", r"\frac{\partial C}{\partial A_{1}} = \delta^{(2)} W^{(2)T}", "write the layer as A^{(1)}"),
]


@pytest.mark.parametrize("name, formula, words", REFUSED)
def test_what_is_no_derivative_between_quantities_of_the_network_is_refused_naming_it(name, formula, words):
    with pytest.raises(FormulaError) as refused:
        verify(name, formula)
    assert words in refused.value.reason and "\n" not in refused.value.reason
