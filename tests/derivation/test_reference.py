"""The reference numbers: the one ground truth, exact on piecewise networks, never across a kink."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from symbp.derivation.engine import derive
from symbp.derivation.reference import CentralDifferences, ExactGradient, Instance
from symbp.derivation.reference.kinks import branch_at, kinks
from symbp.spec.functions import Z
from symbp.spec.network import load

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "symbp"
REFERENCE = PACKAGE / "derivation" / "reference"
# The checks, verify, gradcheck, the demo's check and the worked example.
CONSUMERS = (
    "derivation/checks.py",
    "verification/groundtruth.py",
    "verification/gradient_check.py",
    "pipeline/end_to_end.py",
    "rendering/worked.py",
)
DRAWS = {"uniform", "normal", "standard_normal", "integers", "random", "choice", "permutation"}
DEFINED_ONLY_IN_REFERENCE = ("central", "richardson", "random_params", "random_data", "initial_params")


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> dict[str, set[str]]:
    """Names imported by a file, by symbp module."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("symbp"):
            found.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return found


# The training runtime is copied into each generated module, which stands alone (NumPy and the standard
# library only): it shuffles and draws its own data, as the module keeps its own numeric_gradients.
STANDALONE = PACKAGE / "codegen" / "runtime"


def _outside_reference():
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if REFERENCE not in path.parents and STANDALONE not in path.parents
    ]


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_each_ground_truth_consumer_imports_the_reference(consumer):
    modules = _imports(PACKAGE / consumer)
    assert any(module.startswith("symbp.derivation.reference") for module in modules), consumer


def test_verify_and_gradcheck_draw_points_and_central_differences_from_the_reference():
    imported: set[str] = set()
    for path in (PACKAGE / "verification").rglob("*.py"):
        for module, names in _imports(path).items():
            if module.startswith("symbp.derivation.reference"):
                imported |= names
    assert {"CentralDifferences", "random_point", "kink_free_params"} <= imported


def test_nothing_outside_the_reference_draws_random_numbers_or_differences_the_cost():
    """Random draws (rng.uniform, ...) and central differences live in one package."""
    for path in _outside_reference():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in DRAWS, f"{path}:{node.lineno} draws random numbers"
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                lowered = node.name.lower()
                assert not any(word in lowered for word in DEFINED_ONLY_IN_REFERENCE), f"{path}: {node.name}"


# -- piecewise activations: branch by branch --------------------------------
# Custom piecewise activations, written with abs: a leaky relu, and one whose kink is at z = 1/2.
LEAKY = {"name": "leaky", "expr": "(z + abs(z))/2 + (z - abs(z))/20"}
STEPPED = {"name": "stepped", "expr": "abs(z - 1/2) + z/2"}
ABSOLUTE = {"name": "absolute", "expr": "abs(z)"}


def test_branch_at_picks_the_branch_of_the_point():
    relu = load({"name": "r", "layers": [1, 1], "activation": "relu", "cost": "half_sse"}).activations[0]
    assert branch_at(relu.expr, {Z: 0.3}) == Z
    assert branch_at(relu.expr, {Z: -0.3}) == 0
    assert branch_at(abs(Z) + 1, {Z: -2.0}) == 1 - Z
    found = kinks(relu.expr, (Z,))
    assert list(found.near(0.01, np.array([-0.5, 0.005, 0.5]))) == [False, True, False]
    assert list(found.side(0.01, np.array([0.0]))) == [-1]


@pytest.mark.parametrize(
    "activation", ["relu", "leaky_relu", LEAKY, STEPPED, {"name": "absolute", "expr": "abs(z)"}]
)
def test_exact_reference_of_a_piecewise_network_equals_central_differences(activation):
    """The branch-by-branch expansion is the cost near the point: its exact derivative is what
    central differences of the numeric cost give, output layer included."""
    network = load({"name": "p", "layers": [2, 3, 3, 2], "activation": activation, "cost": "half_sse"})
    instance = Instance(network, seed=11, samples=1)
    exact = ExactGradient(instance)
    assert exact.small
    for (kind, layer, index), value in exact.values.items():
        assert value == pytest.approx(instance.cost_gradient[kind][layer][index], rel=1e-7, abs=1e-9)


PIECEWISE = ["relu", "leaky_relu", STEPPED]


@pytest.mark.slow
@pytest.mark.parametrize("depth", range(1, 7))
@pytest.mark.parametrize("activation", PIECEWISE, ids=["relu", "leaky_relu", "custom"])
def test_piecewise_at_every_layer_derives_with_every_check_made(activation, depth):
    layers = [2] + [3] * (depth - 1) + [2]
    spec = {"name": "p", "layers": layers, "cost": "half_sse", "bias": depth % 2 == 0}
    derivation = derive(load({**spec, "activation": activation}))
    smooth = derive(load({**spec, "activation": "sigmoid"}))
    checked = [step.label for step in derivation.steps if step.check]
    assert checked == [step.label for step in smooth.steps if step.check]
    assert len(checked) == len(derivation.steps) - 1  # the cost's definition is the one step not checked
    if depth <= 3:
        assert any(step.check.method == "symbolic+numeric" for step in derivation.steps if step.check)


def test_a_z_no_draw_moves_off_a_kink_is_differenced_on_its_branch_side():
    """No biases and an input row of zeros: z of that sample is 0 at every layer whatever the weights."""
    network = load(
        {"name": "dead", "layers": [2, 3, 2], "activation": "relu", "cost": "half_sse", "bias": False}
    )
    params = {"W1": np.ones((2, 3)), "W2": np.ones((3, 2))}
    X, T = np.array([[0.0, 0.0], [0.5, 0.25]]), np.array([[0.3, 0.6], [0.2, 0.9]])
    central = CentralDifferences(network, params, X, T)
    derived = derive(network).evaluate(params, X, T)
    for key in ("delta1", "delta2", "dW1", "dW2"):
        np.testing.assert_allclose(central[key], derived[key], rtol=1e-7, atol=1e-9, err_msg=key)
    assert np.all(central["delta2"][0] == 0)
