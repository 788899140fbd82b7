"""The training runtime (symbp/codegen/runtime/) tested as the package's own Python modules.

Each test binds a derived part to the runtime's parts: a small one written here for linear
regression, whose gradient descent is computed by hand, or one symbp generated; and unbinds it after.
"""

from __future__ import annotations

import dataclasses
import io
import types

import numpy as np
import pytest

from symbp.codegen import derived_interface
from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.codegen.runtime import PARTS, entry, helpers, progress, settings, training
from symbp.codegen.runtime_source import SECTION, part_source
from symbp.derivation.engine import derive
from symbp.spec.network import Train, load


@pytest.fixture
def bound():
    """Bind a derived part to the runtime for one test; the cache and the binding are undone after it."""

    def bind(derived) -> types.SimpleNamespace:
        training._CACHE.clear()
        derived_interface.bind(derived)
        return types.SimpleNamespace(**{**vars(training), **vars(helpers), **vars(entry)})

    yield bind
    training._CACHE.clear()
    derived_interface.bind(vars(derived_interface))


def linear_part() -> dict:
    """A derived part written by hand: z = X W1 + b1, identity output, half_mse cost."""

    def init_params(seed=0, dtype=np.float64):
        rng = np.random.default_rng(seed)
        return {"W1": rng.uniform(-1, 1, (2, 1)).astype(dtype), "b1": rng.uniform(-1, 1, 1).astype(dtype)}

    def _arrays(params, *arrays):
        return [np.ascontiguousarray(array, dtype=params["W1"].dtype) for array in arrays]

    def _forward(params, X):
        Z1 = X @ params["W1"] + params["b1"]
        return {"Z1": Z1, "A1": Z1}

    def forward(params, X):
        (X,) = _arrays(params, X)
        return _forward(params, X)["A1"]

    def _cost_of(params, values, T):
        return float(((values["A1"] - T) ** 2 / 2).sum() / T.shape[0])

    def cost(params, X, T):
        X, T = _arrays(params, X, T)
        return _cost_of(params, _forward(params, X), T)

    def gradients(params, X, T):
        X, T = _arrays(params, X, T)
        delta1 = (forward(params, X) - T) / X.shape[0]
        return {"W1": X.T @ delta1, "b1": delta1.sum(axis=0)}

    def _make_step(params, gradient, gradients, N, learning_rate):
        Z1, delta1, ones = np.empty((N, 1)), np.empty((N, 1)), np.ones(N)

        def forward_half(X):
            np.dot(X, params["W1"], out=Z1)
            np.add(Z1, params["b1"], out=Z1)

        def backward_half(X, T):
            np.subtract(Z1, T, out=delta1)
            np.multiply(delta1, learning_rate / N, out=delta1)
            np.dot(X.T, delta1, out=gradients["W1"])
            np.dot(ones, delta1, out=gradients["b1"])

        def step(X, T):
            forward_half(X)
            backward_half(X, T)

        step.forward, step.backward, step.values = forward_half, backward_half, {"A1": Z1}
        return step

    return {
        "LAYERS": (2, 1),
        "SHAPES": {"W1": (2, 1), "b1": (1,)},
        "ACTIVATIONS": ("identity",),
        "COST": "half_mse",
        "OUTPUT": "values",
        "DTYPE": np.float64,
        "DATA_X": [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
        "DATA_T": [[1.0], [2.0], [3.5]],
        "DATA_X_VALIDATION": None,
        "DATA_T_VALIDATION": None,
        "TRAIN": {"learning_rate": 0.2, "epochs": 5, "print_every": 0},
        **{function.__name__: function for function in (init_params, _arrays, forward, cost, _cost_of)},
        "gradients": gradients,
        "_make_step": _make_step,
    }


@pytest.fixture
def linear(bound) -> types.SimpleNamespace:
    return bound(linear_part())


def test_an_unbound_runtime_refuses_to_run():
    with pytest.raises(RuntimeError, match="cost: no derived part is bound"):
        helpers.numeric_gradients({"W1": np.zeros(1)}, [[0.0]], [[0.0]])


def test_the_defaults_are_the_spec_readers():
    assert settings.TRAIN_DEFAULTS == dataclasses.asdict(Train())


@pytest.mark.parametrize("epochs", [1, 7])
def test_sgd_is_gradient_descent_on_the_bound_derived_part(linear, epochs):
    X, T = np.array(linear.DATA_X), np.array(linear.DATA_T)
    params = linear.init_params(seed=2)
    W, b = params["W1"].copy(), params["b1"].copy()
    history = linear.train(params, X, T, learning_rate=0.2, epochs=epochs)
    for _ in range(epochs):
        delta = (X @ W + b - T) / len(X)
        W, b = W - 0.2 * X.T @ delta, b - 0.2 * delta.sum(axis=0)
    assert np.allclose(params["W1"], W, rtol=1e-13) and np.allclose(params["b1"], b, rtol=1e-13)
    assert history.epochs == [0, epochs] and history[-1] == linear.cost(params, X, T)


def test_a_missing_w1_is_refused_in_one_line_like_any_other_key(linear):
    params = linear.init_params()
    del params["W1"]
    with pytest.raises(ValueError, match=r"^params lacks 'W1'; this network has W1 \(2, 1\), b1 \(1,\)$"):
        linear.train(params, linear.DATA_X, linear.DATA_T, learning_rate=0.1, epochs=1)


def test_a_regression_has_outputs_for_predictions_and_no_accuracy(linear):
    params = linear.init_params()
    assert np.array_equal(linear.predict(params, linear.DATA_X), linear.forward(params, linear.DATA_X))
    with pytest.raises(ValueError, match="accuracy needs classes"):
        linear.accuracy(params, linear.DATA_X, linear.DATA_T)


def test_progress_is_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    line = progress._Progress(2, 10, stream)
    line.show(2, 0.123456789, None)
    line.show(4, 0.0123456789, 0.5)
    line.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[0].startswith("epoch 2/10  cost 0.123457  ") and lines[0].endswith(" left")
    assert lines[1].startswith("epoch 4/10  cost 0.0123457  validation 0.5  ") and " epochs/s  " in lines[1]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_rewritten_in_place():
    stream = Terminal()
    line = progress._Progress(1, 3, stream)
    for epoch in (1, 2, 3):
        line.show(epoch, 1.0 / epoch, None)
    line.close()
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("\n")
    assert text.rsplit("\r", 1)[1].startswith("epoch 3/3  cost 0.333333  ")


@pytest.mark.parametrize(("seconds", "text"), [(4.4, "4 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")])
def test_time_left_reads_as_people_write_it(seconds, text):
    assert progress._duration(seconds) == text


def test_train_prints_its_progress_every_print_every_epochs(linear, capsys):
    X, T = np.array(linear.DATA_X), np.array(linear.DATA_T)
    linear.train(linear.init_params(), X, T, learning_rate=0.1, epochs=6, print_every=3)
    lines = capsys.readouterr().out.splitlines()  # pytest's capture is not a terminal
    assert [line.split("  ")[0] for line in lines] == ["epoch 3/6", "epoch 6/6"]


def test_a_generated_module_carries_the_runtime_verbatim_and_binds_like_the_package(bound):
    source = generate(derive(load("half_adder")))
    runtime_text = source[source.index(SECTION) :]
    assert source.count(SECTION) == 1 and all(part_source(name)[1] in runtime_text for name in PARTS)
    assert "symbp.codegen" not in source.replace("symbp/codegen/runtime/", "")
    derived = load_module(source, "half_adder_for_runtime")
    package = bound(derived)
    X, T = np.array(derived.DATA_X), np.array(derived.DATA_T)
    ours, theirs = derived.init_params(), derived.init_params()
    assert package.train(ours, X, T, learning_rate=0.5, epochs=30) == derived.train(
        theirs, X, T, learning_rate=0.5, epochs=30
    )
    assert all(ours[key].tobytes() == theirs[key].tobytes() for key in ours)


def test_main_trains_on_the_data_and_prints_the_final_cost(linear, capsys):
    assert linear.main() == 0
    out = capsys.readouterr().out
    assert out.startswith("initial cost ") and "final cost " in out and "after epoch 5" in out


def test_the_half_adders_derived_part_is_short_and_prints_the_forward_pass_once():
    source = generate(derive(load("half_adder")))
    derived = source[: source.index(SECTION)]
    assert len(derived.splitlines()) <= 200
    assert derived.count("Z1 = X @ W1 + b1") == 1 and "values = _forward(params, X)" in derived
    # the in-place step: augmented assignments, a buffer of its own for every forward array
    assert "delta3 *= work1" in derived and "np.multiply(delta3, work1, out=delta3)" not in derived
    assert "A1 = np.empty((N, 2), dtype)" in derived and "A1 = Z1" not in derived
