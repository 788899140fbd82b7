"""Generated NumPy modules: fresh, ruff-clean, exact gradients, stable, and the seeds' numbers.

Derivations take about a second each, so they are cached per spec and the
architecture grid is a fixed sample of the full product.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import random
import re
import shutil
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.cli.main import main as cli_main
from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module as module_from
from symbp.files import ownership
from symbp.spec.catalog import graph_builtin_names
from symbp.spec.network import builtin_names
from tests.conftest import derived, module_of

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"


def problem(module, samples: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, module.LAYERS[0]))
    outputs = module.LAYERS[-1]
    if module.COST == "cce":
        T = np.eye(outputs)[rng.integers(0, outputs, samples)]
    else:
        T = rng.uniform(0.05, 0.95, (samples, outputs))
    return X, T


def assert_close(got: dict, want: dict, relative=1e-7, absolute=1e-9):
    assert got.keys() == want.keys()
    for key in got:
        g, w = np.asarray(got[key]), np.asarray(want[key])
        assert g.shape == w.shape, key
        error = np.abs(g - w)
        ok = (error <= absolute) | (error <= relative * np.maximum(np.abs(g), np.abs(w)))
        assert ok.all(), (key, g, w)


def check_gradients(spec, seed: int = 0):
    module = module_of(spec)
    params = module.init_params(seed=seed + 1)
    X, T = problem(module, seed=seed)
    exact = module.gradients(params, X, T)
    assert_close(exact, module.numeric_gradients(params, X, T))
    values = derived(spec).evaluate(params, X, T)
    assert_close(exact, {key: values["d" + key].reshape(exact[key].shape) for key in exact})
    # the in-place training step is printed separately from the same lines: one step must agree
    expected = {key: params[key] - 0.1 * exact[key] for key in params}
    module.train(params, X, T, learning_rate=0.1, epochs=1)
    assert_close(params, expected, relative=1e-10, absolute=1e-13)


# -- generated/ is fresh, formatted, deterministic ---------------------------
@pytest.mark.parametrize("name", builtin_names() + graph_builtin_names())
def test_generated_file_is_fresh(name):
    path = GENERATED / f"{name}.py"
    _, _, body = path.read_text(encoding="utf-8").partition("\n")
    assert body == generate(derived(name)), "stale: regenerate with python tools/refresh.py"
    assert ownership(path) == "ours"


def test_generation_is_deterministic():
    # the freshness tests compare with files written by other processes; here: same input, same text
    derivation = derived("half_adder")
    assert generate(derivation, "float32") == generate(derivation, "float32")


CUSTOM = {
    "name": "custom",
    "layers": [2, 2, 1],
    "activation": {"name": "softsign", "expr": "z/(1+abs(z))"},
    "cost": {"name": "quartic", "expr": "(a - t)**4/4"},
    "l2": 0.01,
}


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_generated_code_passes_ruff(tmp_path):
    derivation = copy.copy(derived(CUSTOM))
    text = 'quotes """ and \\ backslashes stay inside the docstring'
    derivation.network = dataclasses.replace(derivation.network, description=text)
    (tmp_path / "custom.py").write_text(generate(derivation, "float32"), encoding="utf-8")
    targets = [str(GENERATED), str(tmp_path / "custom.py")]
    config = ["--config", str(ROOT / "pyproject.toml")]
    assert subprocess.run(["ruff", "check", *config, *targets], capture_output=True).returncode == 0
    assert (
        subprocess.run(["ruff", "format", "--check", *config, *targets], capture_output=True).returncode == 0
    )
    assert text in module_from((tmp_path / "custom.py").read_text()).__doc__


def test_module_imports_only_numpy_and_the_standard_library():
    import sys

    source = generate(derived("softmax"))
    imports = {
        line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    assert "numpy" in imports
    assert imports - {"numpy"} <= set(sys.stdlib_module_names)


def labelled_chunks(source: str) -> dict[str, list[str]]:
    """The statements of gradients() under each label comment: {"delta-L-matrix": ["delta3 = ..."], ...}."""
    body = source.split("def gradients(")[1].split("\ndef ")[0]
    chunks: dict[str, list[str]] = {}
    for chunk in body.split("# eq:")[1:]:
        label, *statements = chunk.strip().splitlines()
        chunks.setdefault(label, []).extend(line.strip() for line in statements if "return" not in line)
    return chunks


def test_backward_lines_carry_labels():
    chunks = labelled_chunks(generate(derived("half_adder")))
    assert chunks["delta-L-matrix"][0].startswith("delta3 = ")
    assert [line.split(" =")[0] for line in chunks["delta-rec-matrix"]] == ["delta2", "delta1"]
    assert [line.split(" =")[0] for line in chunks["dW-matrix"]] == ["dW3", "dW2", "dW1"]
    assert [line.split(" =")[0] for line in chunks["db-matrix"]] == ["db3", "db2", "db1"]
    step = generate(derived("half_adder")).split("def backward(")[1]
    assert step.count("# eq:delta-rec-matrix") == 2 and "np.dot(delta3, W3.T, out=delta2)" in step


# -- exact gradients -----------------------------------------------------------
@pytest.mark.parametrize("name", builtin_names())
def test_builtin_gradients(name):
    check_gradients(name)


def _grid() -> list[dict]:
    """A fixed sample of activation x cost x bias x depth 1..4 x widths 1..5: every output
    activation with its costs at depth 1, then three random combinations at each depth 2..4.
    """
    hidden = ["sigmoid", "tanh", "relu", "softplus", "identity"]
    outputs = [("sigmoid", "half_mse"), ("sigmoid", "bce"), ("tanh", "half_sse"), ("softmax", "cce"),
               ("identity", "half_mse"), ("softplus", "half_sse"), ("identity", "mse"),
               ("tanh", "sse")]  # fmt: skip
    rng = random.Random(6)
    combos = list(itertools.product(hidden, outputs, (True, False), (1, 2, 3, 4)))
    # depth 1 has no hidden layer: every output activation and cost, biases on and off
    picked = [(None, out, index % 2 == 0, 1) for index, out in enumerate(outputs)]
    picked += [combo for depth in (2, 3, 4) for combo in rng.sample([c for c in combos if c[3] == depth], 3)]
    specs = []
    for act, (out, cost), bias, depth in picked:
        widths = [rng.randint(1, 5) for _ in range(depth + 1)]
        if out == "softmax":
            widths[-1] = max(widths[-1], 2)
        specs.append(
            {
                "name": "grid",
                "layers": widths,
                "activation": [act] * (depth - 1) + [out],
                "cost": cost,
                "bias": bias,
            }
        )
    return specs


@pytest.mark.slow
@pytest.mark.parametrize("spec", _grid(), ids=lambda spec: f"{spec['layers']}-{'/'.join(spec['activation'])}")
def test_grid_gradients(spec):
    check_gradients(spec)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layers=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    act=st.sampled_from(["sigmoid", "tanh", "softplus"]),
    cost=st.sampled_from(["half_mse", "half_sse"]),
    bias=st.booleans(),
    l2=st.sampled_from([0.0, 0.05]),
)
def test_random_architectures(layers, act, cost, bias, l2):
    spec = {"name": "drawn", "layers": layers, "activation": act, "cost": cost, "bias": bias, "l2": l2}
    check_gradients(spec, seed=len(layers))


def test_l2_and_train_step_agree_with_gradients():
    spec = {"name": "decay", "layers": [3, 4, 2], "activation": "sigmoid", "cost": "half_mse", "l2": 0.1}
    module = module_of(spec)
    params = module.init_params(seed=3)
    X, T = problem(module)
    expected = {key: params[key] - 0.2 * value for key, value in module.gradients(params, X, T).items()}
    module.train(params, X, T, learning_rate=0.2, epochs=1)
    assert_close(params, expected, relative=1e-12, absolute=1e-15)


# -- custom functions flow through the same path -------------------------------
def test_custom_activation_and_cost_change_the_backward_code():
    custom = CUSTOM
    plain = {**CUSTOM, "activation": "sigmoid", "cost": "half_mse"}

    def backward(spec):
        return labelled_chunks(generate(derived(spec)))

    assert backward(custom) != backward(plain)
    delta_output = " ".join(backward(custom)["delta-L-matrix"])
    assert "** 3" in delta_output and "abs(Z2)" in delta_output
    assert "** 3" not in " ".join(backward(plain)["delta-L-matrix"])
    check_gradients(custom)


# -- training and the seeds -----------------------------------------------------
@pytest.mark.slow
def test_half_adder_script_trains():
    result = subprocess.run(
        [sys.executable, str(GENERATED / "half_adder.py")], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    # not a terminal: a plain progress line every print_every epochs, the cost to 6 significant figures
    assert lines[0].startswith("initial cost ") and lines[1].startswith("epoch 1000/20000  cost ")
    assert len([line for line in lines if line.startswith("epoch ")]) == 20
    assert float(next(line for line in lines if line.startswith("final cost ")).split()[2]) < 1e-3
    module = module_of("half_adder")
    params = module.init_params(seed=module.TRAIN["seed"])
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    settings_ = {key: value for key, value in module.TRAIN.items() if key not in ("seed", "print_every")}
    costs = module.train(params, X, T, seed=module.TRAIN["seed"], **settings_)
    assert costs[-1] < 1e-3
    assert np.array_equal(np.round(module.forward(params, X)), T)


def course_notes_step(params, x, y, alpha):
    """One per-sample update with the scalar formulas of unit 1.4 - Back-propagation (linear activations)."""
    (w11, w12), (w21, w22) = params["W1"]
    (w31, w32), (w41, w42) = params["W2"]
    b1, b2 = params["b1"]
    b3, b4 = params["b2"]
    x1, x2 = x
    y1, y2 = y
    h1 = w11 * x1 + w21 * x2 + b1
    h2 = w12 * x1 + w22 * x2 + b2
    o1 = w31 * h1 + w41 * h2 + b3
    o2 = w32 * h1 + w42 * h2 + b4
    d_o1, d_o2 = (o1 - y1) * 1, (o2 - y2) * 1
    d_h1 = (d_o1 * w31 + d_o2 * w32) * 1
    d_h2 = (d_o1 * w41 + d_o2 * w42) * 1
    return {
        "W1": np.array(
            [
                [w11 - alpha * d_h1 * x1, w12 - alpha * d_h2 * x1],
                [w21 - alpha * d_h1 * x2, w22 - alpha * d_h2 * x2],
            ]
        ),
        "b1": np.array([b1 - alpha * d_h1, b2 - alpha * d_h2]),
        "W2": np.array(
            [
                [w31 - alpha * d_o1 * h1, w32 - alpha * d_o2 * h1],
                [w41 - alpha * d_o1 * h2, w42 - alpha * d_o2 * h2],
            ]
        ),
        "b2": np.array([b3 - alpha * d_o1, b4 - alpha * d_o2]),
    }


def test_linear_net_per_sample_step_matches_the_course_notes():
    module = module_of("linear_net")
    alpha = module.TRAIN["learning_rate"]
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    params = module.init_params(seed=0)
    expected = course_notes_step({k: v.tolist() for k, v in params.items()}, X[0], T[0], alpha)
    module.train(params, X[:1], T[:1], learning_rate=alpha, epochs=1, batch_size=1)
    assert_close(params, expected, relative=1e-13, absolute=1e-16)
    # a whole epoch: one step per sample, in the order the documented shuffle gives
    params = module.init_params(seed=0)
    expected = {k: v.tolist() for k, v in params.items()}
    for index in np.random.default_rng(5).permutation(len(X)):
        expected = {k: v.tolist() for k, v in course_notes_step(expected, X[index], T[index], alpha).items()}
    module.train(params, X, T, learning_rate=alpha, epochs=1, batch_size=1, seed=5)
    assert_close(params, {k: np.array(v) for k, v in expected.items()}, relative=1e-13, absolute=1e-16)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "samples"),
    [
        ("logistic", 6),
        ("softmax", 6),
        ({"name": "wide", "layers": [3, 4, 2], "activation": ["softplus", "sigmoid"], "cost": "bce"}, 6),
        ({"name": "soft", "layers": [2, 1], "activation": {"name": "sgm", "expr": "1/(1+exp(-z))"}}, 6),
        # over 4096 entries per layer: the sigmoid silences exp's overflow instead of clipping
        ({"name": "batch", "layers": [3, 12, 10], "activation": ["sigmoid", "softmax"], "cost": "cce"}, 500),
    ],
    ids=str,
)
def test_stable_with_large_inputs(spec, samples):
    module = module_of(spec)
    params = module.init_params(seed=1)
    X, T = problem(module, samples=samples)
    X = X * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(module.cost(params, X, T))
        assert all(np.isfinite(value).all() for value in module.gradients(params, X, T).values())
        costs = module.train(params, X, T, learning_rate=0.01, epochs=3, batch_size=4)
        assert np.isfinite(costs).all()
        assert np.isfinite(module.train(params, X, T, learning_rate=0.01, epochs=2)).all()
        assert np.isfinite(module.forward(params, X)).all()


def reference_sigmoid(z: float) -> float:
    """1 / (1 + e^-z) in exact-enough float arithmetic from the math module, for either sign of z."""
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    return math.exp(z) / (1 + math.exp(z)) if z > -745 else 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [12, 5000], ids=["clipped", "overflow silenced"])
def test_sigmoid_helper_matches_math_and_never_warns(dtype, size):
    module = module_of("logistic", dtype)
    rng = np.random.default_rng(3)
    z = np.concatenate([[-1e4, -800.0, -90.0, -30.0, 0.0, 30.0, 90.0, 1e4], rng.normal(0, 20, size - 8)])
    z = z.astype(dtype).reshape(-1, 1)
    want = np.array([reference_sigmoid(float(value)) for value in z.ravel()]).reshape(z.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = module._sigmoid(z.copy())
        in_place = z.copy()
        module._sigmoid(in_place, out=in_place)
    tiny = np.finfo(dtype).tiny
    relative = np.abs(got - want) / np.maximum(want, tiny)
    assert got.dtype == np.dtype(dtype)
    assert np.max(relative[want > 1e3 * tiny]) < 50 * np.finfo(dtype).eps
    assert np.max(np.abs(got - want)) < 50 * np.finfo(dtype).eps
    np.testing.assert_array_equal(in_place, got)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 4), (600, 10)])
def test_softmax_helper_matches_math_and_never_warns(dtype, shape):
    module = module_of("softmax", dtype)
    z = np.random.default_rng(4).normal(0, 30, shape)
    z[0, :2] = [1e4, -1e4]
    z = z.astype(dtype)
    want = []
    for row in z.astype(float):
        top = max(row)
        exps = [math.exp(value - top) for value in row]
        want.append([value / math.fsum(exps) for value in exps])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = module._softmax(z.copy())
    np.testing.assert_allclose(got, np.array(want), rtol=50 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(got.sum(axis=1), 1, rtol=10 * np.finfo(dtype).eps * shape[1])


def test_float32_module_trains_in_float32():
    module = module_of("softmax", "float32")
    params = module.init_params()
    assert params["W1"].dtype == np.float32
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    costs = module.train(params, X, T, learning_rate=0.5, epochs=50)
    assert params["W1"].dtype == np.float32 and costs[-1] < costs[0]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_train_step_and_update_do_not_allocate_in_steady_state(optimizer):
    module = module_of("half_adder")
    params = module.init_params()
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    cached = module._cached(params, X, len(X), 0.5)
    factory, names, _ = module.IN_PLACE[optimizer]
    settings = {"learning_rate": 0.5, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    update = factory(cached["flat"], cached["gradient"], *(settings[name] for name in names), X.dtype)
    step = cached["step"]
    step(X, T)
    update()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(200):
            step(X, T)
            update()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename") if stat.size_diff > 0)
    assert grown < 2000


@pytest.mark.parametrize(
    ("optimizer", "passes"), [("sgd", 1), ("momentum", 3), ("nesterov", 5), ("adam", 10)]
)
def test_each_update_makes_as_few_passes_as_the_fewest_hand_written_update(optimizer, passes):
    # benchmarks/train_step.py's fewest_passes: one ufunc call is one pass over the parameter vector;
    # the steps themselves are checked against the textbook formulas in test_training
    text = (GENERATED / "half_adder.py").read_text(encoding="utf-8")
    source = text.split(f"def _update_{optimizer}(", 1)[1].split("\n\n\n", 1)[0]
    # a pass: a ufunc call, or an augmented assignment to one of the update's vectors
    vector_pass = re.compile(r"(np\.(?!zeros|empty)\w+\(|(flat|gradient|velocity|step|m|v) [-+*/]= )")
    assert len([line for line in source.splitlines() if vector_pass.match(line.strip())]) == passes


# -- the command ---------------------------------------------------------------
def test_cli_generate_writes_owned_file(tmp_path, capsys):
    target = tmp_path / "adder.py"
    assert cli_main(["generate", "half_adder", "-o", str(target), "--dtype", "float32"]) == 0
    assert ownership(target) == "ours" and "DTYPE = np.float32" in target.read_text()
    target.write_text(target.read_text() + "# mine\n")
    assert cli_main(["generate", "half_adder", "-o", str(target)]) == 2
    assert "refusing" in capsys.readouterr().err
