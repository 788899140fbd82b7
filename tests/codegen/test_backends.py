"""The torch and jax backends: the same derived gradients as the NumPy module, the same optimiser steps as
the textbook formulas; torch's steady-state step allocates no buffer, jax's step donates its parameters."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache

import numpy as np
import pytest

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from tests.codegen.test_training import NETWORKS, SETTINGS, flat, problem, textbook
from tests.conftest import derived, require

pytestmark = pytest.mark.slow  # seconds a test: left out of the quick loop

BUILT_INS = ["demystified", "half_adder", "linear_net", "logistic", "softmax"]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", {"name": "leaky_relu", "slope": 0.1}, "identity"]
GRID = [
    {"name": f"grid{index}", "layers": [3, 4, 2], "activation": [hidden, output], "cost": cost}
    for index, (hidden, (output, cost)) in enumerate(
        (hidden, pair)
        for hidden in ACTIVATIONS
        for pair in [("sigmoid", "bce"), ("identity", "half_sse"), ("softmax", "cce")]
    )
]
SPECS = BUILT_INS + NETWORKS + GRID


def _name(spec) -> str:
    return spec if isinstance(spec, str) else spec["name"]


BACKENDS = ["torch", "jax"]


@cache
def _modules(key: str, dtype: str, backend: str):
    derivation = derived(json.loads(key))
    return load_module(generate(derivation, dtype=dtype)), load_module(
        generate(derivation, dtype=dtype, backend=backend)
    )


def modules(spec, dtype="float64", backend="torch"):
    require(backend)
    return _modules(json.dumps(spec, sort_keys=True), dtype, backend)


def to_numpy(value):
    return value.cpu().numpy() if hasattr(value, "cpu") else np.asarray(value)


def as_numpy(params):
    return {key: to_numpy(value) for key, value in params.items()}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("samples", [1, 5])
@pytest.mark.parametrize("spec", SPECS, ids=_name)
def test_gradients_equal_the_numpy_modules_in_float64(spec, samples, backend):
    numpy_module, torch_module = modules(spec, backend=backend)
    X, T = problem(numpy_module, samples=samples)
    expected = numpy_module.gradients(numpy_module.init_params(seed=2), X, T)
    params = torch_module.init_params(seed=2)
    for key, value in numpy_module.init_params(seed=2).items():
        np.testing.assert_array_equal(to_numpy(params[key]), value)
    got = torch_module.gradients(params, X, T)
    assert list(got) == list(expected)
    for key, value in expected.items():
        assert got[key].shape == value.shape
        np.testing.assert_allclose(to_numpy(got[key]), value, rtol=1e-12, atol=1e-12)
    assert torch_module.cost(params, X, T) == pytest.approx(numpy_module.cost(as_numpy(params), X, T), 1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", SPECS, ids=_name)
def test_gradients_equal_the_numpy_modules_in_float32(spec, backend):
    numpy_module, torch_module = modules(spec, "float32", backend)
    X, T = problem(numpy_module, samples=4)
    expected = numpy_module.gradients(numpy_module.init_params(seed=2), X, T)
    got = torch_module.gradients(torch_module.init_params(seed=2), X, T)
    for key, value in expected.items():
        assert to_numpy(got[key]).dtype == np.float32
        scale = np.abs(value).max() + 1e-6
        np.testing.assert_allclose(to_numpy(got[key]), value, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch_size", [None, 2])
@pytest.mark.parametrize("steps", [1, 2])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("spec", ["half_adder", "softmax", *NETWORKS[3:]], ids=_name)
def test_steps_of_each_optimiser_equal_the_textbook_formula(spec, optimizer, steps, batch_size, backend):
    numpy_module, torch_module = modules(spec, backend=backend)
    X, T = problem(numpy_module, samples=2)  # batch_size=2 takes the whole batch: one step per epoch
    params = torch_module.init_params(seed=1)
    expected = textbook(optimizer, numpy_module, numpy_module.init_params(seed=1), X, T, steps)
    history = torch_module.train(
        params, X, T, epochs=steps, optimizer=optimizer, batch_size=batch_size, **SETTINGS
    )
    np.testing.assert_allclose(flat(as_numpy(params)), expected, rtol=1e-12, atol=1e-12)
    assert history[-1] == pytest.approx(numpy_module.cost(as_numpy(params), X, T), 1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", ["half_adder", "softmax", *NETWORKS[3:]], ids=_name)
def test_mini_batches_train_as_the_numpy_module_does(spec, backend):
    numpy_module, torch_module = modules(spec, backend=backend)
    X, T = problem(numpy_module, samples=7)
    expected = numpy_module.init_params(seed=3)
    expected_history = numpy_module.train(
        expected, X, T, epochs=3, batch_size=3, optimizer="adam", resume=False, **SETTINGS
    )
    params = torch_module.init_params(seed=3)
    history = torch_module.train(params, X, T, epochs=3, batch_size=3, optimizer="adam", **SETTINGS)
    assert (history.stopped, expected_history.stopped) == ("epochs", "epochs")  # not a swallowed Ctrl-C
    np.testing.assert_allclose(flat(as_numpy(params)), flat(expected), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", ["half_adder", "softmax", *NETWORKS[3:]], ids=_name)
def test_the_steady_state_step_allocates_no_buffer(spec, dtype):
    """The step's tensors keep their storage, and the profiler sees no allocation but the 0-d double
    tensors eager torch wraps a Python number in (8 bytes each), all freed again."""
    numpy_module, torch_module = modules(spec, dtype)
    torch = torch_module.torch
    from torch.profiler import ProfilerActivity, profile

    X, T = (torch.as_tensor(array, dtype=torch_module.DTYPE) for array in problem(numpy_module, samples=6))
    cached = torch_module._steps(torch_module.init_params(), X, 4, 0.01)
    update = torch_module.IN_PLACE["adam"][0](cached["flat"], cached["gradient"], 0.01, 0.9, 0.99, 1e-8)
    step, last = cached["step"], cached["last"]
    batch, rest, targets, rest_targets = X[:4], X[4:], T[:4], T[4:]

    def steps():
        step(batch, targets)
        update()
        last(rest, rest_targets)
        update()

    def storage():
        cells = [cell.cell_contents for part in (step.forward, step.backward) for cell in part.__closure__]
        return [(id(t), t.data_ptr()) for t in cells if isinstance(t, torch.Tensor)]

    steps()
    before = storage()
    pointers = cached["flat"].data_ptr(), cached["gradient"].data_ptr()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        steps()
    assert storage() == before and len(before) > 5
    assert (cached["flat"].data_ptr(), cached["gradient"].data_ptr()) == pointers
    sizes = [event.cpu_memory_usage for event in profiler.events() if event.name == "[memory]"]
    assert all(abs(size) <= 8 for size in sizes)
    assert sum(sizes) == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_module_keeps_the_contract(backend):
    numpy_module, torch_module = modules("softmax", backend=backend)
    X, T = problem(numpy_module, samples=6)
    params = torch_module.init_params(
        seed=0, dtype=torch_module.DTYPE, device=None if backend == "jax" else "cpu"
    )
    assert list(params) == list(numpy_module.SHAPES)
    assert {key: tuple(value.shape) for key, value in params.items()} == numpy_module.SHAPES
    assert torch_module.gradient_check(torch_module.init_params(seed=0), X, T) < 1e-6
    predicted = torch_module.predict(params, X)
    assert to_numpy(predicted).tolist() == numpy_module.predict(as_numpy(params), X).tolist()
    assert torch_module.accuracy(params, X, T) == numpy_module.accuracy(as_numpy(params), X, T)


@pytest.mark.parametrize("backend", BACKENDS)
def test_save_and_load_round_trip_the_values(tmp_path, backend):
    _, torch_module = modules("half_adder", backend=backend)
    params = torch_module.init_params(seed=4)
    loaded = torch_module.load_params(torch_module.save_params(tmp_path / "p", params))
    assert list(loaded) == list(params)
    assert all(np.array_equal(to_numpy(loaded[key]), to_numpy(params[key])) for key in params)


def test_a_cuda_device_trains_as_the_cpu_does():
    numpy_module, torch_module = modules("softmax")
    if not torch_module.torch.cuda.is_available():
        pytest.skip("no CUDA device")
    X, T = problem(numpy_module, samples=6)
    on_gpu = torch_module.init_params(seed=0, device="cuda")
    on_cpu = torch_module.init_params(seed=0)
    torch_module.train(on_gpu, X, T, epochs=2, optimizer="adam", **SETTINGS)
    torch_module.train(on_cpu, X, T, epochs=2, optimizer="adam", **SETTINGS)
    assert on_gpu["W1"].device.type == "cuda"
    np.testing.assert_allclose(flat(as_numpy(on_gpu)), flat(as_numpy(on_cpu)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("backend", "library"), [("torch", "PyTorch"), ("jax", "JAX")])
def test_without_the_library_the_module_is_written_and_its_import_says_what_to_install(
    tmp_path, backend, library
):
    source = generate(derived("half_adder"), backend=backend)
    path = tmp_path / f"half_adder_{backend}.py"
    path.write_text(source, encoding="utf-8")
    blocker = f"import sys; sys.modules[{backend!r}] = None; "
    result = subprocess.run(
        [sys.executable, "-c", blocker + f"import runpy; runpy.run_path({str(path)!r})"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        f"ImportError: this module needs {library}: pip install 'symbp[{backend}]'"
    )


def test_the_jax_step_donates_the_parameters_and_state():
    numpy_module, jax_module = modules("softmax", backend="jax")
    X, T = (jax_module.jnp.asarray(array) for array in problem(numpy_module, samples=6))
    start, step = jax_module.make_step(
        "adam", learning_rate=0.1, momentum=0.9, beta1=0.9, beta2=0.99, eps=1e-8
    )
    params = jax_module.init_params(seed=0)
    state = start(params)
    new_params, new_state = step(params, state, X, T)
    assert all(value.is_deleted() for value in params.values())
    assert all(value.is_deleted() for value in state[0].values())
    assert not any(value.is_deleted() for value in new_params.values())


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_command_writes_the_backends_module(tmp_path, capsys, backend):
    from symbp.cli.main import main

    path = tmp_path / f"softmax_{backend}.py"
    assert main(["generate", "softmax", "--backend", backend, "-o", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert f"symbp generate --backend {backend}" in text and "# eq:dW-matrix" in text
    assert main(["generate", "softmax", "--backend", backend, "--minimal"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"symbp generate: --minimal prints the NumPy teaching module, not --backend {backend}"
    )


def _same_training(numpy_module, module, X, T, **settings):
    """Train the NumPy module and `module` from the same parameters; both end alike (float64, 1e-12)."""
    expected = numpy_module.init_params(seed=5)
    expected_history = numpy_module.train(expected, X, T, **settings, **SETTINGS)
    params = module.init_params(seed=5)
    history = module.train(params, X, T, **settings, **SETTINGS)
    np.testing.assert_allclose(flat(as_numpy(params)), flat(expected), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(history, expected_history, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(history.validation, expected_history.validation, rtol=1e-12, atol=1e-12)
    assert history.epochs == expected_history.epochs
    for field in ("stopped", "last_epoch", "best_epoch"):
        assert getattr(history, field) == getattr(expected_history, field), field
    return history


FEATURES = {
    "validation": {"validation": 0.3},
    "pair": {"validation": "pair"},
    "early_stopping": {"validation": 0.3, "early_stopping": 2},
    "print_every": {"print_every": 3},
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("feature", FEATURES)
@pytest.mark.parametrize(
    "optimizer", [("adam", 3), ("momentum", None), ("bfgs", None), ("lbfgs", None)], ids=lambda o: o[0]
)
def test_each_training_setting_trains_as_the_numpy_module_does(optimizer, feature, backend):
    if optimizer[0] in ("bfgs", "lbfgs"):
        require("scipy")
    numpy_module, module = modules("softmax", backend=backend)
    X, T = problem(numpy_module, samples=10)
    settings = dict(FEATURES[feature])
    if settings.get("validation") == "pair":
        settings["validation"] = problem(numpy_module, samples=4, seed=8)
    name, batch_size = optimizer
    _same_training(
        numpy_module, module, X, T, epochs=9, optimizer=name, batch_size=batch_size, resume=False, **settings
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_early_stopping_leaves_the_best_epochs_parameters(backend):
    numpy_module, module = modules("softmax", backend=backend)
    X, T = problem(numpy_module, samples=10)
    settings = {"epochs": 30, "optimizer": "adam", "validation": 0.3, "early_stopping": 3, "resume": False}
    history = _same_training(numpy_module, module, X, T, **settings)
    assert history.stopped == "early_stopping" and history.best_epoch < history.last_epoch


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
def test_a_tolerance_ends_bfgs_as_in_the_numpy_module(method, backend):
    require("scipy")
    numpy_module, module = modules("half_adder", backend=backend)
    X, T = problem(numpy_module, samples=4)
    history = _same_training(
        numpy_module, module, X, T, epochs=500, optimizer=method, tolerance=1e-3, resume=False
    )
    assert history.stopped == "converged" and history.last_epoch < 500


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch_size", [None, 3])
@pytest.mark.parametrize("optimizer", ["nesterov", "adam"])
def test_a_loop_of_one_epoch_calls_trains_as_one_call(optimizer, batch_size, backend):
    numpy_module, module = modules("softmax", backend=backend)
    X, T = problem(numpy_module, samples=7)
    settings = {"optimizer": optimizer, "batch_size": batch_size, **SETTINGS}
    expected = numpy_module.init_params(seed=6)
    numpy_module.train(expected, X, T, epochs=4, resume=False, **settings)
    looped = module.init_params(seed=6)
    histories = [module.train(looped, X, T, epochs=1, resume=False, **settings)]
    histories += [module.train(looped, X, T, epochs=1, **settings) for _ in range(3)]
    np.testing.assert_allclose(flat(as_numpy(looped)), flat(expected), rtol=1e-12, atol=1e-12)
    assert all(history.stopped == "epochs" for history in histories)
    afresh = module.init_params(seed=6)
    for _ in range(2):  # resume=False starts the optimiser and the shuffling afresh each call
        module.train(afresh, X, T, epochs=1, resume=False, **settings)
    assert np.abs(flat(as_numpy(afresh)) - flat(as_numpy(looped))).max() > 1e-3


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_progress_lines_are_the_numpy_modules(backend, capsys):
    numpy_module, module = modules("softmax", backend=backend)
    X, T = problem(numpy_module, samples=10)
    settings = {"epochs": 6, "print_every": 2, "validation": 0.3, "optimizer": "adam", "resume": False}

    def shown() -> list[str]:
        # the rate and the time left are the machine's; the rest is the same text
        lines = capsys.readouterr().out.splitlines()
        return [re.sub(r"  \S+ epochs/s  .* left$", "", line) for line in lines]

    numpy_module.train(numpy_module.init_params(seed=5), X, T, **settings, **SETTINGS)
    expected = shown()
    module.train(module.init_params(seed=5), X, T, **settings, **SETTINGS)
    got = shown()
    assert got == expected and len(got) == 3
    assert got[0].startswith("epoch 2/6  cost ") and "  validation " in got[0]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", ["demystified", "half_adder"])
def test_running_the_module_prints_what_the_numpy_module_prints(tmp_path, spec, backend):
    """main(): the spec's training and outputs, or the gradient check on random data without data."""
    require(backend)
    printed = {}
    for name in ("numpy", backend):
        path = tmp_path / f"{spec}_{name}.py"
        path.write_text(generate(derived(spec), backend=name), encoding="utf-8")
        result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = [re.sub(r"  \S+ epochs/s  .* left$", "", line) for line in result.stdout.splitlines()]
        # the outputs' last bits may differ: ten decimals compared
        printed[name] = [re.sub(r"(\d\.\d{10})\d+", r"\1", line) for line in lines]
    assert printed[backend] == printed["numpy"] and len(printed["numpy"]) > 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_keeps_the_last_completed_epoch_and_is_not_resumed(backend, monkeypatch):
    numpy_module, module = modules("softmax", backend=backend)
    X, T = problem(numpy_module, samples=7)
    settings = {"optimizer": "adam", "batch_size": None, "resume": False, **SETTINGS}
    real_engine, calls = module._engine, []

    def interrupting_engine(*arguments):
        engine = real_engine(*arguments)
        advance = engine.advance

        def counted(state, rows):
            calls.append(1)
            if len(calls) == 4:
                raise KeyboardInterrupt
            return advance(state, rows)

        monkeypatch.setattr(engine, "advance", counted)
        return engine

    monkeypatch.setattr(module, "_engine", interrupting_engine)
    params = module.init_params(seed=2)
    history = module.train(params, X, T, epochs=10, **settings)
    monkeypatch.undo()
    assert history.stopped == "interrupted" and history.last_epoch == 3
    expected = numpy_module.init_params(seed=2)
    numpy_module.train(expected, X, T, epochs=3, **settings)
    np.testing.assert_allclose(flat(as_numpy(params)), flat(expected), rtol=1e-12, atol=1e-12)
    assert "last" not in module._ENDING  # the next call starts afresh


def test_the_torch_engines_mini_batch_epoch_allocates_no_buffer():
    """train's steps on shuffled mini-batches gather the rows into the engine's own batch buffers."""
    numpy_module, module = modules("softmax")
    torch = module.torch
    from torch.profiler import ProfilerActivity, profile

    X, T = (torch.as_tensor(array) for array in problem(numpy_module, samples=7))
    settings = {"learning_rate": 0.1, "momentum": 0.9, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8}
    engine = module._engine(module.init_params(), X, T, 3, "adam", settings)
    state, order = engine.start(), np.random.default_rng(0).permutation(7)

    def epoch():
        for start in range(0, 7, 3):
            engine.advance(state, order[start : start + 3])

    epoch()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        epoch()
    sizes = [event.cpu_memory_usage for event in profiler.events() if event.name == "[memory]"]
    assert all(abs(size) <= 8 for size in sizes) and sum(sizes) == 0
