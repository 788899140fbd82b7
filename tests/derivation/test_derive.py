"""The derivation engine: steps, emerging deltas, checks, and gradients against finite differences."""

from functools import cache

import numpy as np
import pytest
import sympy as sp

from symbp.derivation import local
from symbp.derivation.engine import derive
from symbp.derivation.local import derivative_in_a
from symbp.derivation.reference import CentralDifferences
from symbp.derivation.symbolic import L, N, a, delta, t, z
from symbp.naming import param_names
from symbp.spec.functions import ACTIVATION_NAMES, A, Z, custom_activation, make_activation
from symbp.spec.network import builtin_names, load
from tests.conftest import derived

CUSTOM_ACTIVATION = {"name": "softsign", "expr": "z/(1+abs(z))"}
CUSTOM_COST = {"name": "quartic", "expr": "(a - t)**4/4"}


def random_problem(network, seed=0, samples=5):
    rng = np.random.default_rng(seed)
    params = {}
    for name in param_names(network.depth, network.bias):
        layer = int(name[1:])
        shape = (
            (network.layers[layer - 1], network.layers[layer]) if name[0] == "W" else (network.layers[layer],)
        )
        params[name] = rng.uniform(-1, 1, shape)
    X = rng.uniform(-1, 1, (samples, network.layers[0]))
    if network.cost.name == "cce":
        T = np.eye(network.layers[-1])[rng.integers(0, network.layers[-1], samples)]
    else:
        T = rng.uniform(0.1, 0.9, (samples, network.layers[-1]))
    return params, X, T


def assert_gradients_match(derivation, seed=0):
    network = derivation.network
    params, X, T = random_problem(network, seed)
    values = derivation.evaluate(params, X, T)
    reference = CentralDifferences(network, params, X, T)
    for name in params:
        got, expected = values["d" + name], reference["d" + name]
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_examples_derive_and_every_step_checks(name):
    derivation = derived(name)
    for step in derivation.steps:
        if step.kind == "definition":
            continue
        assert step.check is not None, step
        assert step.check.points >= 3
        assert step.check.max_error <= 1e-7
    depth = derivation.network.depth
    expected_sections = ["cost", "L", "L-1", "L-2"][: depth + 1] + ["index", "matrix"]
    assert [section for section, _ in derivation.sections()] == expected_sections
    assert_gradients_match(derivation)


def test_half_adder_follows_the_first_seed_text():
    derivation = derived("half_adder")
    kinds = [step.kind for step in derivation.steps if step.section == "L-2"]
    assert "swap_sums" in kinds and kinds.count("recognise_delta") >= 2
    output_delta = derivation.step("eq:delta-L").eq.rhs
    j = sp.Symbol("j", integer=True, positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    expected = (a[L, n, j] - t[n, j]) * a[L, n, j] * (1 - a[L, n, j]) / N
    assert sp.simplify(output_delta - expected) == 0
    recursion = derivation.step("eq:delta-L-1").eq.rhs
    assert recursion.has(delta[L, n, sp.Symbol("k", integer=True, positive=True)])
    assert derivation.step("eq:delta-L-2").eq.rhs.has(
        delta[L - 1, n, sp.Symbol("p", integer=True, positive=True)]
    )
    assert any(step.check.method.startswith("symbolic") for step in derivation.steps if step.check)


def test_softmax_with_cce_simplifies_to_a_minus_t_over_n_by_a_step():
    derivation = derived("softmax")
    kinds = [step.kind for step in derivation.steps if step.section == "L"]
    assert "simplify" in kinds
    n, j = sp.symbols("n j", integer=True, positive=True)
    assert sp.simplify(derivation.step("eq:delta-L").eq.rhs - (a[L, n, j] - t[n, j]) / N) == 0


def test_bce_with_sigmoid_cancels_the_sigmoid_derivative():
    n, j = sp.symbols("n j", integer=True, positive=True)
    assert sp.simplify(derived("logistic").step("eq:delta-L").eq.rhs - (a[L, n, j] - t[n, j]) / N) == 0


def test_half_sse_has_no_one_over_n():
    n, j = sp.symbols("n j", integer=True, positive=True)
    rhs = derived("demystified").step("eq:delta-L").eq.rhs
    assert sp.simplify(rhs - (a[L, n, j] - t[n, j]) * a[L, n, j] * (1 - a[L, n, j])) == 0


def test_hyperbolic_quotients_read_as_tanh():
    """diff(log(cosh(u))) is sinh(u)/cosh(u) to SymPy; the derivation says tanh(u), as a reader would."""
    spec = {
        "name": "lc",
        "layers": [2, 2],
        "activation": ["identity"],
        "cost": {"name": "lc", "expr": "log(cosh(a - t))"},
    }
    n, j = sp.symbols("n j", integer=True, positive=True)
    rhs = derived(spec).step("eq:delta-L").eq.rhs
    assert rhs == sp.tanh(a[L, n, j] - t[n, j]) / N


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sigmoid", A * (1 - A)), ("tanh", 1 - A**2), ("identity", 1), ("softplus", 1 - sp.exp(-A))],
)
def test_activation_derivatives_are_expressed_through_the_activation(name, expected):
    assert sp.simplify(derivative_in_a(make_activation(name)) - expected) == 0


# every elementwise activation of symbp/spec/functions.py, and every custom one the tests derive
IN_A_ACTIVATIONS = [
    *(make_activation(name) for name in ACTIVATION_NAMES if name not in ("softmax", "leaky_relu")),
    *(make_activation("leaky_relu", slope=slope) for slope in (0.01, 0.0, 0.1, 0.2, 0.5)),
    *(
        custom_activation(name, expr)
        for name, expr in [
            ("softsign", "z/(1+abs(z))"),
            ("gelu", "z*(1+erf(z))/2"),
            ("cubic", "z**3/3 + z"),
            ("sgm", "1/(1+exp(-z))"),
        ]
    ),
]


def _in_a_by_simplify(activation):
    """derivative_in_a as first written, with sympy.solve (checked) and sympy.simplify: the reference."""
    expr = activation.expr
    derivative = sp.diff(expr, Z)
    candidates = [derivative.subs(expr, A)]
    if expr.count(Z) == 1 and not expr.has(sp.Abs, sp.Piecewise, sp.Max, sp.Min, sp.sign):
        candidates += [sp.simplify(derivative.subs(Z, inverse)) for inverse in sp.solve(sp.Eq(A, expr), Z)]
    candidates.append(local._quadratic_fit(expr, derivative))
    for candidate in candidates:
        if candidate is None or candidate.has(Z) or candidate.has(sp.I):
            continue
        difference = sp.simplify(candidate.subs(A, expr) - derivative)
        if difference == 0 or sp.simplify(difference.rewrite(sp.exp)) == 0:
            return candidate
    return None


@pytest.mark.slow
@pytest.mark.parametrize("activation", IN_A_ACTIVATIONS, ids=lambda act: f"{act.name}:{act.expr}")
def test_the_in_a_form_is_the_one_sympy_simplify_gave(activation):
    """The narrow simplification and unchecked solve give simplify's very expression (same documents)."""
    found, reference = derivative_in_a(activation), _in_a_by_simplify(activation)
    assert sp.srepr(found) == sp.srepr(reference)


def test_custom_activation_and_cost_change_the_factors():
    derivation = derived(
        {"name": "custom", "layers": [2, 3, 2], "activation": CUSTOM_ACTIVATION, "cost": CUSTOM_COST}
    )
    output_delta = derivation.step("eq:delta-L").eq.rhs
    n, j = sp.symbols("n j", integer=True, positive=True)
    entry = {a[L, n, j]: 0.7, t[n, j]: 0.2, z[L, n, j]: -0.4, N: 5}
    softsign_slope = 1 / (1 + 0.4) ** 2
    assert float(output_delta.subs(entry)) == pytest.approx((0.7 - 0.2) ** 3 * softsign_slope / 5, rel=1e-12)
    hidden = derivation.step("eq:delta-L-1").eq.rhs
    assert hidden.has(sp.Abs) and not hidden.has(a[L - 1, n, j] * (1 - a[L - 1, n, j]))
    assert_gradients_match(derivation, seed=3)


GRID_ACTIVATIONS = ["sigmoid", "tanh", "relu", {"name": "leaky_relu", "slope": 0.1}, "softplus", "identity"]
GRID_COSTS = ["half_mse", "half_sse", CUSTOM_COST]


@pytest.mark.slow
@pytest.mark.parametrize("activation", GRID_ACTIVATIONS + [CUSTOM_ACTIVATION], ids=str)
@pytest.mark.parametrize("cost", GRID_COSTS, ids=str)
def test_index_form_gradients_agree_with_finite_differences(activation, cost):
    bias = (str(activation) + str(cost)).__len__() % 2 == 0
    spec = {"name": "grid", "layers": [3, 2, 2], "activation": activation, "cost": cost, "bias": bias}
    assert_gradients_match(derived(spec), seed=1)


@pytest.mark.parametrize("bias", [True, False])
def test_bce_and_mixed_activations_and_l2(bias):
    spec = {
        "name": "mixed",
        "layers": [2, 3, 3, 1],
        "activation": ["tanh", "relu", "sigmoid"],
        "cost": "bce",
        "bias": bias,
        "l2": 0.05,
    }
    derivation = derived(spec)
    assert derivation.step("eq:dW").eq.rhs.has(sp.Symbol("lambda", nonnegative=True))
    assert_gradients_match(derivation, seed=2)


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_shallow_and_deep_networks_get_the_steps_that_exist(depth):
    derivation = derived({"name": "d", "layers": [2] * (depth + 1), "activation": "tanh"})
    sections = [section for section, _ in derivation.sections()]
    assert ("L-1" in sections) == (depth >= 2) and ("L-2" in sections) == (depth >= 3)
    assert [line.target.name for line in derivation.backward][:2] == [f"delta{depth}", f"dW{depth}"]
    assert len(derivation.backward) == 3 * depth
    assert_gradients_match(derivation)


def test_matrix_form_is_labelled_for_code_to_cite():
    derivation = derived("half_adder")
    labels = {line.label for line in derivation.backward}
    assert labels == {"eq:delta-L-matrix", "eq:delta-rec-matrix", "eq:dW-matrix", "eq:db-matrix"}
    matrix_steps = {step.label for step in derivation.general_matrix}
    assert labels <= matrix_steps


def test_custom_activation_with_erf_derives_and_generates():
    from symbp.codegen.generator import generate

    spec = {"name": "gelu_like", "layers": [2, 3, 2], "activation": {"name": "g", "expr": "z*(1+erf(z))/2"}}
    derivation = derived(spec)
    assert_gradients_match(derivation)
    namespace: dict = {}
    exec(compile(generate(derivation), "gelu_like.py", "exec"), namespace)
    _, X, T = random_problem(derivation.network, seed=4)
    assert namespace["gradient_check"](namespace["init_params"](seed=0), X, T) < 1e-6


def test_a_cost_with_abs_derives_through_hidden_layers():
    # every quantity is real: abs' is sign, never re/im of a complex target (it crashed the checks)
    spec = {
        "name": "cubic",
        "layers": [2, 3, 2],
        "activation": "sigmoid",
        "cost": {"name": "cubic", "expr": "abs(a - t)**3"},
    }
    derivation = derived(spec)
    assert not any(step.eq.has(sp.re, sp.im) for step in derivation.steps)
    assert_gradients_match(derivation, seed=2)


def test_every_layers_copy_of_a_matrix_line_shares_one_numpy_function(monkeypatch):
    """Checking the matrix lines lambdifies each distinct body once, not once per layer
    (the bodies differ only in their entry names, A3_entry, A4_entry, ...)."""
    from symbp.derivation import numeric

    calls = []
    monkeypatch.setattr(
        numeric, "_lambdified", cache(lambda *key: calls.append(key) or numeric._array_function(*key))
    )
    spec = {"name": "deep", "layers": [2] * 13, "activation": "sigmoid", "cost": "half_mse", "bias": True}
    derivation = derive(load(spec))
    assert len(derivation.backward) == 3 * 12
    assert len(calls) == 2  # the output delta's body and the hidden layers' f'
