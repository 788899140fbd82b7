"""The checks catch wrong equations, and their finite-difference partials are right.

Wrong steps are built by hand (a delta without the activation derivative, a
transposed weight index, ...) and handed to the Deriver's own check, which
must raise CheckFailed; the right versions of the same steps must pass, so a
test never passes because the check rejects everything. The finite-difference
partials are compared with backpropagation written out here in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.matrices.expressions import MatMul, Transpose

from symbp.derivation.chain import D
from symbp.derivation.engine import _Deriver
from symbp.derivation.numeric import cost_value, cost_values
from symbp.derivation.reference import ExactGradient, Instance
from symbp.derivation.reference.differences import OFFSETS, PerturbedBatch
from symbp.derivation.steps import MatrixLine
from symbp.derivation.symbolic import LAMBDA, C, L, MatrixSymbols, N, a, delta, i, j, k, l, n, t, w, width, z
from symbp.errors import CheckFailed
from symbp.naming import matrix_name
from symbp.spec.network import load


def network(**changes):
    """A tiny sigmoid network, 2-2-2-2 (square weights, so transposes stay in range)."""
    spec = {"name": "tiny", "layers": [2, 2, 2, 2], "activation": "sigmoid", "cost": "half_mse", "bias": True}
    return load(spec | changes)


@pytest.fixture(scope="module")
def deriver():
    return _Deriver(network())


def check(deriver, lhs, rhs, layers=(None,)):
    return deriver.checker.check(sp.Eq(lhs, rhs, evaluate=False), layers)


SIGMOID_PRIME = a[L, n, j] * (1 - a[L, n, j])
HIDDEN_PRIME = a[l, n, j] * (1 - a[l, n, j])
RECURSION = sp.Sum(delta[l + 1, n, k] * w[l + 1, j, k], (k, 1, width[l + 1]))


# -- wrong steps are caught ---------------------------------------------------
def test_output_delta_right_passes_and_without_activation_derivative_fails(deriver):
    error = (a[L, n, j] - t[n, j]) / N
    assert check(deriver, delta[L, n, j], error * SIGMOID_PRIME).max_error <= 1e-7
    with pytest.raises(CheckFailed):
        check(deriver, delta[L, n, j], error)


def test_recursion_with_transposed_weight_index_fails(deriver):
    hidden = (1, 2)
    assert check(deriver, delta[l, n, j], RECURSION * HIDDEN_PRIME, hidden).max_error <= 1e-7
    transposed = sp.Sum(delta[l + 1, n, k] * w[l + 1, k, j], (k, 1, width[l + 1]))
    with pytest.raises(CheckFailed):
        check(deriver, delta[l, n, j], transposed * HIDDEN_PRIME, hidden)


def test_recursion_with_wrong_layer_fails(deriver):
    wrong = sp.Sum(delta[l + 1, n, k] * w[l, j, k], (k, 1, width[l + 1])) * HIDDEN_PRIME
    with pytest.raises(CheckFailed):
        check(deriver, delta[l, n, j], wrong, (2,))


def test_weight_gradient_with_wrong_input_layer_fails(deriver):
    every = (1, 2, 3)
    right = sp.Sum(a[l - 1, n, i] * delta[l, n, j], (n, 1, N))
    assert check(deriver, D(C, w[l, i, j]), right, every).max_error <= 1e-7
    with pytest.raises(CheckFailed):
        check(deriver, D(C, w[l, i, j]), sp.Sum(a[l, n, i] * delta[l, n, j], (n, 1, N)), every)


def test_chain_rule_missing_a_factor_fails(deriver):
    """Unevaluated factors are finite-difference partials, so chain-rule steps are checked too."""
    da_dz = D(a[L, n, j], z[L, n, j])
    dz_dw = D(z[L, n, j], w[L, i, j])
    right = sp.Sum(D(C, a[L, n, j]) * da_dz * dz_dw, (n, 1, N))
    assert check(deriver, D(C, w[L, i, j]), right).max_error <= 1e-7
    with pytest.raises(CheckFailed):
        check(deriver, D(C, w[L, i, j]), sp.Sum(D(C, a[L, n, j]) * dz_dw, (n, 1, N)))


def test_missing_l2_term_fails():
    penalised = _Deriver(network(l2=0.3, layers=[2, 2]))
    data_part = sp.Sum(a[L - 1, n, i] * delta[L, n, j], (n, 1, N))
    assert check(penalised, D(C, w[L, i, j]), data_part + LAMBDA * w[L, i, j]).max_error <= 1e-7
    with pytest.raises(CheckFailed):
        check(penalised, D(C, w[L, i, j]), data_part)


def test_matrix_line_with_wrong_activation_fails(deriver):
    symbols = MatrixSymbols(deriver.network)
    right = MatMul(Transpose(symbols.A[1]), symbols.delta[2])
    deriver.checker.check_matrix_line(MatrixLine(symbols.dW[2], right, "eq:dW-matrix", 2))
    wrong = MatMul(Transpose(symbols.A[2]), symbols.delta[2])
    with pytest.raises(CheckFailed):
        deriver.checker.check_matrix_line(MatrixLine(symbols.dW[2], wrong, "eq:dW-matrix", 2))


# -- finite-difference partials against backpropagation written out --------
def sigmoid_backprop(instance: Instance) -> dict:
    """dC/dA, dC/dZ, dC/dW, dC/db of a sigmoid half_mse instance, by hand."""
    depth, samples = instance.depth, instance.samples
    grad_a = {depth: (instance.A[depth] - instance.T) / samples}
    grad = {"a": {}, "z": {}, "w": {}, "b": {}}
    for layer in range(depth, 0, -1):
        grad["a"][layer] = grad_a[layer]
        grad["z"][layer] = grad_a[layer] * instance.A[layer] * (1 - instance.A[layer])
        grad["w"][layer] = instance.A[layer - 1].T @ grad["z"][layer] + instance.lam * instance.W[layer]
        grad["b"][layer] = grad["z"][layer].sum(axis=0)
        grad_a[layer - 1] = grad["z"][layer] @ instance.W[layer].T
    return grad


@pytest.mark.parametrize("l2", [0.0, 0.25])
def test_cost_partials_match_backpropagation(l2):
    instance = Instance(network(layers=[3, 2, 3, 2], l2=l2), seed=5)
    expected = sigmoid_backprop(instance)
    for kind, by_layer in expected.items():
        for layer, values in by_layer.items():
            np.testing.assert_allclose(instance.cost_gradient[kind][layer], values, rtol=1e-9, atol=1e-12)
    assert instance.partial(("C",), ("w", 2, (1, 0))) == pytest.approx(expected["w"][2][1, 0], rel=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("block_columns", [1, 40, PerturbedBatch.BLOCK_COLUMNS])
@pytest.mark.parametrize("layers", [[2, 3, 2, 3, 2], [3, 2, 3, 1]])
def test_each_copy_of_the_batch_is_the_instance_with_its_one_node_moved(monkeypatch, block_columns, layers):
    """Whatever the blocks, copy number c of the batch ends where moving its node alone ends.

    The copies are laid out offset by offset, nodes in C order (``groups``);
    the expected outputs come from ``Instance._moved_value``, which moves the
    one node and runs the forward pass of that copy alone.
    """
    monkeypatch.setattr(PerturbedBatch, "BLOCK_COLUMNS", block_columns)
    instance = Instance(network(layers=layers, l2=0.1), seed=6)
    batch = PerturbedBatch(instance)
    depth, outputs = instance.depth, list(np.ndindex(instance.A[instance.depth].shape))
    assert batch.outputs.shape == (batch.rows, instance.samples, instance.sizes[-1])
    copies = 0
    for kind, layer, shape, rows in batch.groups:
        assert rows.start == copies
        nodes = list(np.ndindex(shape))
        for offset_index, change in enumerate(OFFSETS):
            for position, node in enumerate(nodes):
                copy = rows.start + offset_index * len(nodes) + position
                expected = [
                    instance._moved_value(("a", depth, out), (kind, layer, node), change) for out in outputs
                ]
                got = [batch.outputs[copy][out] for out in outputs]
                np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
        copies = rows.stop
    assert copies == batch.rows == len(batch.squares)


def test_hidden_layer_da_is_computed_only_when_read():
    """The checks of a derivation read dC/da only at the output layer, so the
    hidden layers' copies are left out of the batch; reading one computes all of them."""
    deriver = _Deriver(network(layers=[2, 3, 2, 3, 2]))
    deriver.run()
    for instance in deriver.checker.instances:
        assert list(dict.keys(instance.cost_gradient["a"])) == [instance.depth]
    instance = deriver.checker.instances[1]
    expected = sigmoid_backprop(instance)["a"]
    np.testing.assert_allclose(instance.cost_gradient["a"][2], expected[2], rtol=1e-9, atol=1e-12)
    assert sorted(dict.keys(instance.cost_gradient["a"])) == list(range(1, instance.depth + 1))


def test_softmax_output_delta_is_a_minus_t_over_n():
    """Softmax runs row by row on the stacked copies too (the last axis)."""
    instance = Instance(load("softmax"), seed=3)
    depth = instance.depth
    expected = (instance.A[depth] - instance.T) / instance.samples
    np.testing.assert_allclose(instance.cost_gradient["z"][depth], expected, rtol=1e-8, atol=1e-11)


def test_local_partials_match_analytic_values():
    instance = Instance(network(layers=[2, 3, 2]), seed=7)
    a1, a2, W2 = instance.A[1], instance.A[2], instance.W[2]
    assert instance.partial(("a", 2, (1, 0)), ("z", 2, (1, 0))) == pytest.approx(
        a2[1, 0] * (1 - a2[1, 0]), rel=1e-9
    )
    assert instance.partial(("a", 2, (1, 0)), ("z", 2, (1, 1))) == pytest.approx(0, abs=1e-12)
    assert instance.partial(("z", 2, (0, 1)), ("a", 1, (0, 2))) == pytest.approx(W2[2, 1], rel=1e-9)
    assert instance.partial(("z", 2, (2, 1)), ("w", 2, (0, 1))) == pytest.approx(a1[2, 0], rel=1e-9)
    assert instance.partial(("z", 2, (2, 1)), ("b", 2, (1,))) == pytest.approx(1, rel=1e-9)


def test_batched_costs_equal_single_costs():
    instance = Instance(network(l2=0.5), seed=2)
    outputs = np.stack([instance.A[3], instance.A[3] + 0.1])
    weights = {1: np.array([[1.0]]), 2: np.array([[1.0, 1.0]])}
    batched = cost_values(instance.network, outputs, instance.T, np.array([0.0, 3.0]), 0.5)
    assert batched[0] == pytest.approx(cost_value(instance.network, outputs[0], instance.T, {}, 0.5))
    assert batched[1] == pytest.approx(cost_value(instance.network, outputs[1], instance.T, weights, 0.5))


def test_reference_env_holds_every_layer():
    instance = Instance(network(), seed=4)
    for layer in (1, 2, 3):
        for kind in ("delta", "dW", "db", "A", "Z", "W", "b"):
            assert matrix_name(kind, layer) in instance.reference_env


# -- the exact reference is sympy.diff of the expanded cost ------------------
EXACT_CASES = {
    "sigmoid, bce, l2": {"layers": [2, 2, 1], "activation": "sigmoid", "cost": "bce", "l2": 0.3},
    "relu (Piecewise)": {"layers": [2, 3, 2], "activation": "relu", "cost": "half_mse"},
    "leaky_relu, tanh, no biases": {
        "layers": [2, 2, 2],
        "activation": [{"name": "leaky_relu", "slope": 0.2}, "tanh"],
        "cost": "sse",
        "bias": False,
    },
    "softmax, cce": {"layers": [2, 2, 3], "activation": ["softplus", "softmax"], "cost": "cce"},
    "custom abs and erf": {
        "layers": [2, 2, 1],
        "activation": [{"name": "soft", "expr": "z/(1+abs(z))"}, {"name": "gelu", "expr": "z*(1+erf(z))/2"}],
        "cost": {"name": "cube", "expr": "abs(a-t)**3"},
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("spec", EXACT_CASES.values(), ids=EXACT_CASES)
def test_exact_reference_equals_sympy_diff_of_the_expanded_cost(spec):
    """ExactGradient shares the work at common nodes; its values must be sympy.diff(E, s) itself."""
    exact = ExactGradient(Instance(load({"name": "exact", **spec}), seed=11, samples=1))
    symbols = list(exact.symbols.values())
    direct = [sp.diff(exact.expression, symbol) for symbol in symbols]
    point = {symbol: exact._value(key) for key, symbol in exact.symbols.items()}
    expected = sp.lambdify(symbols, direct, "math")(*point.values())
    assert len(expected) == len(exact.values) > 0
    for key, value in zip(exact.symbols, expected, strict=True):
        assert exact.values[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
