"""A tied matrix's general equations (the sum of its uses' contributions), against a backward pass this
test writes in plain NumPy from the spec's meaning: ties as is and transposed, in row and column layouts,
and the generated module's gradient against the equation it prints."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest
import sympy as sp

import symbp
from symbp.codegen.loading import load_module
from symbp.derivation.symbolic import LAMBDA, N, a, delta, i, j
from symbp.rendering.math_style import MathStyle
from symbp.rendering.printer_base import symbols_of
from symbp.spec.profiles import PROFILES

ACTIVATIONS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
}
SPECS = {
    # the decoder multiplies by the encoder's matrix transposed
    "transposed": {
        "name": "tied_transposed",
        "cost": "half_mse",
        "layers": [
            {"name": "x", "size": 3},
            {"name": "code", "size": 2, "activation": "sigmoid", "weighted": ["x"]},
            {
                "name": "decoded",
                "size": 3,
                "activation": "sigmoid",
                "weighted": [{"from": "code", "tie": {"from": "x", "into": "code", "transposed": True}}],
            },
        ],
    },
    # a second layer multiplies by the first one's matrix as it is
    "as_is": {
        "name": "tied_as_is",
        "cost": "half_mse",
        "layers": [
            {"name": "x", "size": 3},
            {"name": "h1", "size": 3, "activation": "tanh", "weighted": ["x"]},
            {
                "name": "h2",
                "size": 3,
                "activation": "tanh",
                "weighted": [{"from": "h1", "tie": {"from": "x", "into": "h1"}}],
            },
            {"name": "out", "size": 2, "activation": "sigmoid", "weighted": ["h2"]},
        ],
    },
}
# (profile, samples): a profile stating one sample's equations is evaluated at one sample
LAYOUTS = [("default", 4), ("welch", 4), ("deeplearning_ai", 4), ("nielsen", 1), ("rumelhart", 1)]


def _uses(spec: dict) -> list[tuple[str, bool]]:
    """(params key, transposed) of the matrix each layer multiplies the layer below by."""
    number = {table["name"]: k for k, table in enumerate(spec["layers"])}
    uses = []
    for k, table in enumerate(spec["layers"][1:], start=1):
        (source,) = table["weighted"]
        if isinstance(source, str):
            uses.append((f"W{k}", False))
        else:
            uses.append((f"W{number[source['tie']['into']]}", source["tie"].get("transposed", False)))
    return uses


def _point(spec: dict, samples: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    sizes = [table["size"] for table in spec["layers"]]
    params = {}
    for k, (key, _) in enumerate(_uses(spec), start=1):
        if key == f"W{k}":
            params[key] = rng.uniform(-1, 1, (sizes[k - 1], sizes[k]))
        params[f"b{k}"] = rng.uniform(-0.5, 0.5, sizes[k])
    X = rng.uniform(-1, 1, (samples, sizes[0]))
    T = rng.uniform(0.1, 0.9, (samples, sizes[-1]))
    return params, X, T


def _reference(spec: dict, params: dict, X, T):
    """The spec's meaning: z_k = a_{k-1} M_k + b_k, a_k = f_k(z_k), M_k the layer's matrix or the tied one
    (transposed where the tie says so), C = 1/(2N) sum (a - t)^2; then backpropagation by hand, the tied
    matrix's gradient summing one contribution per use."""
    uses = _uses(spec)
    functions = [ACTIVATIONS[table["activation"]] for table in spec["layers"][1:]]
    matrices = [params[key].T if transposed else params[key] for key, transposed in uses]
    A, Z = [X], [None]
    for k, (matrix, (f, _)) in enumerate(zip(matrices, functions, strict=True), start=1):
        Z.append(A[-1] @ matrix + params[f"b{k}"])
        A.append(f(Z[-1]))
    depth, samples = len(uses), len(X)
    deltas = {depth: (A[depth] - T) / samples * functions[-1][1](Z[depth])}
    for k in range(depth - 1, 0, -1):
        deltas[k] = (deltas[k + 1] @ matrices[k].T) * functions[k - 1][1](Z[k])
    gradients = {}
    for k, (key, transposed) in enumerate(uses, start=1):
        contribution = A[k - 1].T @ deltas[k]
        gradients[key] = gradients.get(key, 0) + (contribution.T if transposed else contribution)
    cost = float(np.sum((A[depth] - T) ** 2) / (2 * samples))
    return A, deltas, gradients, cost


def _tied_steps(derivation):
    """The tied matrix's index equation and its matrix equations, in order."""
    index = [step for step in derivation.steps if step.label and step.label.endswith("-uses")]
    matrix = [step for step in derivation.steps if step.section == "matrix" and step.part == "W"]
    tied = [step for step in matrix if step.label is None or step.label.endswith("-uses-matrix")]
    return index, tied


@cache
def _derived(kind: str):
    return symbp.derive(symbp.load(SPECS[kind]))


def _evaluate(expr, values: dict, samples: int) -> np.ndarray:
    """A matrix expression's value with sympy's own matrices: each matrix symbol by its name."""
    matrices = {m: sp.ImmutableMatrix(values[m.name]) for m in expr.atoms(sp.MatrixSymbol)}
    value = expr.xreplace(matrices).xreplace({N: samples}).doit()
    return np.array(sp.Matrix(value).tolist(), dtype=float)


def test_the_reference_is_the_cost_gradient():
    """The test's own backward pass agrees with central differences of its own cost."""
    for kind, spec in SPECS.items():
        params, X, T = _point(spec, 4)
        _, _, gradients, _ = _reference(spec, params, X, T)
        for key, gradient in gradients.items():
            numeric = np.zeros_like(gradient)
            for index in np.ndindex(gradient.shape):
                moved = []
                for sign in (1, -1):
                    shifted = {**params, key: params[key].copy()}
                    shifted[key][index] += sign * 1e-6
                    moved.append(_reference(spec, shifted, X, T)[3])
                numeric[index] = (moved[0] - moved[1]) / 2e-6
            assert np.allclose(gradient, numeric, rtol=1e-6, atol=1e-9), (kind, key)


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_tied_index_equation_is_the_sum_of_the_uses(kind):
    derivation, spec = _derived(kind), SPECS[kind]
    (index,), _ = _tied_steps(derivation)
    assert index.check is not None and index.check.points >= 2
    params, X, T = _point(spec, 4)
    A, deltas, gradients, _ = _reference(spec, params, X, T)
    nodes = {a: dict(enumerate(A)), delta: deltas}
    expected = gradients["W1"]
    value = np.zeros_like(expected)
    for row, col in np.ndindex(expected.shape):
        summed = index.eq.rhs.xreplace({i: row + 1, j: col + 1, N: len(X)}).doit()
        entries = {
            node: nodes[node.base][int(node.indices[0])][int(node.indices[1]) - 1, int(node.indices[2]) - 1]
            for node in summed.atoms(sp.Indexed)
        }
        value[row, col] = float(summed.xreplace(entries))
    assert np.max(np.abs(value - expected)) <= 1e-12 * np.max(np.abs(expected))
    # one term per use; the transposed use's term has the weight's two indices swapped
    terms = sp.Add.make_args(index.eq.rhs)
    assert len(terms) == 2
    if kind == "transposed":
        assert terms[1].function == a[1, terms[1].variables[0], j] * delta[2, terms[1].variables[0], i]


@pytest.mark.parametrize(("profile", "samples"), LAYOUTS)
@pytest.mark.parametrize("kind", sorted(SPECS))
def test_tied_matrix_equations_in_the_notations_layout(kind, profile, samples):
    """Each tied matrix equation, as the profile states it (rows or columns, its delta's scale), has the
    value of the reference gradient (transposed in a column layout)."""
    derivation, spec = _derived(kind), SPECS[kind]
    network = dataclasses.replace(derivation.network, notation=PROFILES[profile])
    symbols = symbols_of(network)
    _, steps = _tied_steps(derivation)
    assert len(steps) == (2 if kind == "transposed" else 1)
    params, X, T = _point(spec, samples)
    A, deltas, gradients, _ = _reference(spec, params, X, T)
    scale = float(symbols.delta_scale.subs(N, samples))
    values = {"X": X} | {f"A{k}": value for k, value in enumerate(A) if k}
    values |= {f"delta{k}": value / scale for k, value in deltas.items()}  # the notation's delta
    if symbols.column:
        values = {name: value.T for name, value in values.items()}
    expected = gradients["W1"].T if symbols.column else gradients["W1"]
    for step in steps:
        lhs, rhs = MathStyle(network, "latex").stated(step.eq.lhs, step.eq.rhs)
        value = _evaluate(rhs, values, samples)
        assert np.max(np.abs(value - expected)) <= 1e-12 * np.max(np.abs(expected)), (step.eq, rhs)


def test_a_transposed_use_stays_transposed_whole_in_a_column_layout():
    derivation = _derived("transposed")
    _, (grouped, written) = _tied_steps(derivation)
    for profile in ("default", "nielsen"):
        network = dataclasses.replace(derivation.network, notation=PROFILES[profile])
        rhs = MathStyle(network, "latex").stated(grouped.eq.lhs, grouped.eq.rhs)[1]
        assert any(isinstance(term, sp.Transpose) and isinstance(term.arg, sp.MatMul) for term in rhs.args), (
            profile
        )
        rhs = MathStyle(network, "latex").stated(written.eq.lhs, written.eq.rhs)[1]
        assert not any(isinstance(term, sp.Transpose) for term in rhs.args), profile


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_the_module_computes_the_printed_equation(kind):
    """The generated module's line for the tied matrix is the last printed matrix equation, and its
    gradient has that equation's value at the reference's activations and deltas."""
    derivation, spec = _derived(kind), SPECS[kind]
    _, steps = _tied_steps(derivation)
    line = next(line for line in derivation.backward if line.target.name == "dW1")
    assert line.expr == steps[-1].eq.rhs
    module = load_module(symbp.generate(derivation))
    params, X, T = _point(spec, 4)
    A, deltas, gradients, _ = _reference(spec, params, X, T)
    values = {"X": X} | {f"A{k}": value for k, value in enumerate(A) if k}
    values |= {f"delta{k}": value for k, value in deltas.items()}
    printed = _evaluate(steps[-1].eq.rhs, values, len(X))
    derived = module.gradients(params, X, T)["W1"]
    assert np.max(np.abs(derived - printed)) <= 1e-12 * np.max(np.abs(printed))
    assert np.max(np.abs(derived - gradients["W1"])) <= 1e-12 * np.max(np.abs(gradients["W1"]))


@pytest.mark.parametrize("kind", sorted(SPECS))
@pytest.mark.parametrize("options", [{"l2": 0.01}, {"bias": False}], ids=["l2", "no-bias"])
def test_the_modules_line_is_the_last_printed_equation(kind, options):
    """With the l2 penalty or without biases, the backward line the module prints for the tied matrix is
    the last tied matrix equation of the document (the penalty's term once)."""
    derivation = symbp.derive(symbp.load(SPECS[kind] | options))
    _, steps = _tied_steps(derivation)
    line = next(line for line in derivation.backward if line.target.name == "dW1")
    assert line.expr == steps[-1].eq.rhs
    penalties = [term for term in steps[-1].eq.rhs.args if term.has(LAMBDA)]
    assert len(penalties) == (1 if "l2" in options else 0)
