"""`symbp generate --minimal`: the teaching module gives the full module's gradients and costs to the bit."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from symbp.cli.main import main as cli_main
from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.engine import derive
from symbp.spec.catalog import builtin_names
from symbp.spec.network import load

GRID = [
    {"name": f"grid_{index}", "layers": [3, 4, 2], "activation": activations, "cost": cost, "bias": bias}
    for index, (activations, cost, bias) in enumerate(
        [
            (["tanh", "sigmoid"], "bce", True),
            (["relu", "identity"], "half_sse", True),
            ([{"name": "leaky_relu", "slope": 0.1}, "softmax"], "cce", False),
            (["softplus", "sigmoid"], "half_mse", True),
            (
                [{"name": "soft", "expr": "z/(1+abs(z))"}, "tanh"],
                {"name": "quartic", "expr": "(a-t)**4"},
                True,
            ),
            (["sigmoid", "identity"], "half_mse", False),
        ]
    )
]


def pair(spec):
    derivation = derive(load(spec))
    full = load_module(generate(derivation), "full_module")
    minimal = load_module(generate(derivation, minimal=True), "minimal_module")
    return full, minimal


def problem(module, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (6, module.LAYERS[0]))
    if module.COST == "cce":
        T = np.eye(module.LAYERS[-1])[rng.integers(0, module.LAYERS[-1], 6)]
    else:
        T = rng.uniform(0.05, 0.95, (6, module.LAYERS[-1]))
    return X, T


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec", [*builtin_names(), *GRID], ids=lambda spec: spec if isinstance(spec, str) else spec["name"]
)
def test_the_minimal_module_gives_the_full_modules_gradients_and_costs_bit_for_bit(spec):
    full, minimal = pair(spec)
    assert not hasattr(minimal, "_make_step") and not hasattr(minimal, "History")
    for seed in (0, 1):
        params = full.init_params(seed=seed)
        assert {key: value.tobytes() for key, value in minimal.init_params(seed=seed).items()} == {
            key: value.tobytes() for key, value in params.items()
        }
        X, T = problem(full, seed)
        assert minimal.cost(params, X, T) == full.cost(params, X, T)
        assert minimal.forward(params, X).tobytes() == full.forward(params, X).tobytes()
        ours, theirs = minimal.gradients(params, X, T), full.gradients(params, X, T)
        assert list(ours) == list(theirs)
        assert all(ours[key].tobytes() == theirs[key].tobytes() for key in ours)


@pytest.mark.slow
def test_the_minimal_half_adder_is_short_and_trains_as_a_script(tmp_path):
    target = tmp_path / "adder.py"
    assert cli_main(["generate", "half_adder", "--minimal", "-o", str(target)]) == 0
    source = target.read_text(encoding="utf-8")
    assert len(source.splitlines()) < 120 and "def train(" in source and "import numpy as np" in source
    run = subprocess.run(
        [sys.executable, str(target)], capture_output=True, text=True, timeout=300, check=True
    )
    lines = run.stdout.splitlines()
    assert lines[0].startswith("epoch 1000/20000  cost ") and float(lines[19].split()[3]) < 1e-3


def test_the_minimal_train_is_plain_gradient_descent():
    full, minimal = pair("logistic")
    X, T = np.array(full.DATA_X), np.array(full.DATA_T)
    params = minimal.init_params()
    expected = {key: value.copy() for key, value in params.items()}
    costs = minimal.train(params, X, T, learning_rate=0.3, epochs=3, print_every=1)
    expected_costs = [full.cost(expected, X, T)]
    for _ in range(3):
        step = full.gradients(expected, X, T)
        expected = {key: value - 0.3 * step[key] for key, value in expected.items()}
        expected_costs.append(full.cost(expected, X, T))
    assert all(params[key].tobytes() == expected[key].tobytes() for key in params)
    assert costs == expected_costs and costs[-1] < costs[0]
