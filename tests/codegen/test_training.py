"""Training with the generated module: each optimiser against its textbook formula, BFGS against SciPy
on hand-written costs, shuffling, validation, early stopping, Ctrl-C, saving and loading, predictions.

The textbook formulas are evaluated here, in float64, from the module's plain `gradients()` (itself
checked against central differences elsewhere); the module's in-place steps must agree number for number.
"""

from __future__ import annotations

import itertools
import os
import tracemalloc

import numpy as np
import pytest

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.engine import derive
from symbp.spec.network import load
from tests.conftest import module_of, require

NETWORKS = [
    "half_adder",
    "demystified",
    "softmax",
    {"name": "mixed", "layers": [3, 4, 2], "activation": ["tanh", "identity"], "cost": "half_sse", "l2": 0.1},
    # a custom activation (A apart from Z), leaky_relu (no in-place helper), softmax with l2; no biases
    {
        "name": "custom",
        "layers": [3, 4, 5, 3],
        "activation": [
            {"name": "soft", "expr": "z/(1+abs(z))"},
            {"name": "leaky_relu", "slope": 0.2},
            "softmax",
        ],
        "cost": "cce",
        "l2": 0.05,
    },
    {
        "name": "unbiased",
        "layers": [3, 4, 4, 2],
        "activation": ["sigmoid", "tanh", "sigmoid"],
        "cost": "bce",
        "bias": False,
    },
]
SETTINGS = {"learning_rate": 0.3, "momentum": 0.8, "beta1": 0.85, "beta2": 0.99, "eps": 1e-3}


def scipy_optimize():
    """scipy.optimize, or a skip (a failure in CI, which installs the `train` extra)."""
    require("scipy")
    from scipy import optimize

    return optimize


def problem(module, samples=5, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (samples, module.LAYERS[0]))
    if module.COST == "cce":
        T = np.eye(module.LAYERS[-1])[rng.integers(0, module.LAYERS[-1], samples)]
    else:
        T = rng.uniform(0, 1, (samples, module.LAYERS[-1]))
    return X, T


def flat(params):
    return np.concatenate([value.reshape(-1) for value in params.values()])


def unflat(vector, like):
    result, offset = {}, 0
    for key, value in like.items():
        result[key] = vector[offset : offset + value.size].reshape(value.shape)
        offset += value.size
    return result


def textbook(optimizer, module, params, X, T, steps):
    """theta after `steps` full-batch steps of the optimiser, by its textbook formula."""
    return textbook_on_batches(optimizer, module, params, [(X, T)] * steps)


def textbook_on_batches(optimizer, module, params, batches):
    """theta after one step of the optimiser on each (X, T) of `batches` in turn, by its textbook formula."""
    eta, mu = SETTINGS["learning_rate"], SETTINGS["momentum"]
    beta1, beta2, eps = SETTINGS["beta1"], SETTINGS["beta2"], SETTINGS["eps"]
    theta = flat(params).copy()
    v = np.zeros_like(theta)
    m = np.zeros_like(theta)
    for t, (X, T) in enumerate(batches, start=1):
        g = flat(module.gradients(unflat(theta, params), X, T))
        if optimizer == "sgd":
            theta = theta - eta * g
        elif optimizer == "momentum":
            v = mu * v - eta * g
            theta = theta + v
        elif optimizer == "nesterov":
            v = mu * v - eta * g
            theta = theta + mu * v - eta * g
        else:
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1**t)
            v_hat = v / (1 - beta2**t)
            theta = theta - eta * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@pytest.mark.parametrize("steps", [1, 2])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("spec", NETWORKS, ids=lambda spec: spec if isinstance(spec, str) else spec["name"])
def test_steps_of_each_optimiser_equal_the_textbook_formula(spec, optimizer, steps):
    module = module_of(spec)
    X, T = problem(module)
    params = module.init_params(seed=1)
    expected = textbook(optimizer, module, params, X, T, steps)
    module.train(params, X, T, epochs=steps, optimizer=optimizer, **SETTINGS)
    np.testing.assert_allclose(flat(params), expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(flat(params), flat(module.init_params(seed=1)))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("spec", NETWORKS[1:], ids=str)
def test_mini_batches_with_a_shorter_last_batch_equal_the_textbook_formula(spec, optimizer):
    # two batches of 2 and a last batch of 1, for 3 epochs: the update uses the gradient's buffer as
    # scratch, so every step (the full-sized and the last) must rewrite all of it
    module = module_of(spec)
    X, T = problem(module)
    params = module.init_params(seed=1)
    batches = [(X[start : start + 2], T[start : start + 2]) for start in (0, 2, 4)] * 3
    expected = textbook_on_batches(optimizer, module, params, batches)
    module.train(params, X, T, epochs=3, batch_size=2, shuffle=False, optimizer=optimizer, **SETTINGS)
    np.testing.assert_allclose(flat(params), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 2])
@pytest.mark.parametrize("spec", ["half_adder", NETWORKS[4]], ids=str)
def test_params_in_another_key_order_train_to_the_same_parameters(spec, batch_size):
    # the packing follows the caller's order (all W first, then all b here): the training may not
    module = module_of(spec)
    X, T = problem(module)
    canonical = module.init_params(seed=2)
    reordered = {key: canonical[key].copy() for key in sorted(canonical, key=lambda key: key[0] != "W")}
    assert list(reordered) != list(canonical)
    settings = {"epochs": 4, "batch_size": batch_size, "optimizer": "adam", **SETTINGS}
    module.train(canonical, X, T, **settings)
    module.train(reordered, X, T, **settings)
    assert list(reordered) == sorted(canonical, key=lambda key: key[0] != "W")
    for key, value in canonical.items():
        assert reordered[key].tobytes() == value.tobytes(), key
    expected = textbook("adam", module, module.init_params(seed=2), X, T, 4)
    if batch_size is None:
        np.testing.assert_allclose(flat(canonical), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("spec", ["half_adder", *NETWORKS[3:]], ids=str)
def test_the_steady_state_step_allocates_nothing(spec):
    module = module_of(spec)
    X, T = problem(module, samples=6)
    params = module.init_params()
    cached = module._cached(params, X, 4, 0.01)  # a rate at which no network here diverges
    # sgd: adam's step count t is a fresh int object past 256, held but not growing
    update = module.IN_PLACE["sgd"][0](cached["flat"], cached["gradient"], X.dtype)
    step, last = cached["step"], cached["last"]
    batch, rest = X[:4].copy(), X[4:].copy()
    targets, rest_targets = T[:4].copy(), T[4:].copy()

    def steps():
        step(batch, targets)
        update()
        last(rest, rest_targets)
        update()

    steps()
    # the measurement's own objects (the ints it returns) are what it holds around no work at all
    assert held_after(steps, 300) == held_after(lambda: None, 300)


def held_after(function, calls):
    """Bytes allocated by `calls` calls of `function` and still held after them."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in itertools.repeat(None, calls):  # range() would leave a fresh int object at the end
            function()
        return tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()


def test_adam_bias_correction_at_steps_1_and_2():
    module = module_of("half_adder")
    X, T = problem(module)
    start = module.init_params(seed=1)
    eta, beta1, beta2, eps = (SETTINGS[key] for key in ("learning_rate", "beta1", "beta2", "eps"))
    g1 = flat(module.gradients(start, X, T))
    after_one = {key: value.copy() for key, value in start.items()}
    module.train(after_one, X, T, epochs=1, optimizer="adam", **SETTINGS)
    # step 1: m_hat = g and v_hat = g^2 exactly, so every entry moves by eta g / (|g| + eps)
    np.testing.assert_allclose(flat(start) - flat(after_one), eta * g1 / (np.abs(g1) + eps), atol=1e-12)
    g2 = flat(module.gradients(after_one, X, T))
    m_hat = (beta1 * (1 - beta1) * g1 + (1 - beta1) * g2) / (1 - beta1**2)
    v_hat = (beta2 * (1 - beta2) * g1**2 + (1 - beta2) * g2**2) / (1 - beta2**2)
    after_two = {key: value.copy() for key, value in start.items()}
    module.train(after_two, X, T, epochs=2, optimizer="adam", **SETTINGS)
    step_two = flat(after_one) - flat(after_two)
    np.testing.assert_allclose(step_two, eta * m_hat / (np.sqrt(v_hat) + eps), atol=1e-12)
    uncorrected = (
        eta
        * (beta1 * (1 - beta1) * g1 + (1 - beta1) * g2)
        / (np.sqrt(beta2 * (1 - beta2) * g1**2 + (1 - beta2) * g2**2) + eps)
    )
    assert np.max(np.abs(step_two - uncorrected)) > 1e-3  # the correction is not a no-op


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def demystified_by_hand(theta, X, y):
    """Welch's J = 1/2 sum (y - yhat)^2 of a 2-3-1 sigmoid net without biases, and dJ/dW1, dJ/dW2."""
    W1, W2 = theta[:6].reshape(2, 3), theta[6:].reshape(3, 1)
    z2 = X @ W1
    a2 = _sigmoid(z2)
    z3 = a2 @ W2
    yhat = _sigmoid(z3)
    J = 0.5 * np.sum((y - yhat) ** 2)
    delta3 = -(y - yhat) * yhat * (1 - yhat)
    delta2 = (delta3 @ W2.T) * a2 * (1 - a2)
    return J, np.concatenate([(X.T @ delta2).ravel(), (a2.T @ delta3).ravel()])


def logistic_by_hand(theta, X, t, l2):
    """Mean binary cross-entropy of one sigmoid neuron plus l2/2 |w|^2, and its gradient (w, b)."""
    w, b = theta[:2], theta[2]
    a = _sigmoid(X @ w + b)
    N = len(X)
    J = -np.mean(t * np.log(a) + (1 - t) * np.log(1 - a)) + l2 / 2 * np.sum(w**2)
    return J, np.concatenate([X.T @ (a - t) / N + l2 * w, [np.mean(a - t)]])


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
def test_bfgs_on_demystified_reaches_the_minimum_scipy_reaches_on_a_hand_written_cost(method):
    optimize = scipy_optimize()
    network = load("demystified")
    module = module_of("demystified")
    X, y = np.array(network.X), np.array(network.T)
    params = module.init_params(seed=0)
    theta0 = flat(params).copy()
    history = module.train(params, X, y, learning_rate=1.0, epochs=200, optimizer=method, print_every=1)
    scipy_method = {"bfgs": "BFGS", "lbfgs": "L-BFGS-B"}[method]
    result = optimize.minimize(
        demystified_by_hand,
        theta0,
        args=(X, y.ravel()[:, None]),
        jac=True,
        method=scipy_method,
        options={"maxiter": 200},
    )
    assert history.stopped == "converged" and result.success
    assert abs(history[-1] - result.fun) < 1e-9
    assert abs(history.epochs[-1] - result.nit) <= 2
    np.testing.assert_allclose(module.forward(params, X), y, atol=1e-3)


def test_bfgs_on_logistic_with_l2_reaches_scipys_minimum_on_a_hand_written_cost():
    optimize = scipy_optimize()
    spec = {"name": "logistic_l2", "layers": [2, 1], "activation": "sigmoid", "cost": "bce", "l2": 0.05}
    module = module_of(spec)
    network = load("logistic")
    X, t = np.array(network.X), np.array(network.T)
    params = module.init_params(seed=0)
    theta0 = flat(params).copy()
    history = module.train(params, X, t, learning_rate=1.0, epochs=500, optimizer="bfgs", tolerance=1e-10)
    result = optimize.minimize(
        logistic_by_hand, theta0, args=(X, t.ravel(), 0.05), jac=True, method="BFGS", options={"gtol": 1e-10}
    )
    # SciPy may end the module's run on precision loss where its gradient is within 1.1x the tolerance:
    # the same minimum, to the last digits this test asserts
    assert history.stopped in ("converged", "precision")
    assert abs(history[-1] - result.fun) < 1e-12
    np.testing.assert_allclose(flat(params), result.x, atol=1e-6)


def test_demystified_bfgs_converges_in_under_100_iterations_with_a_falling_cost():
    """Welch's part 6 trains this network with SciPy's BFGS: fewer than 100 iterations, J falling each one."""
    scipy_optimize()
    network = load({**_demystified_spec(), "train": {"optimizer": "bfgs", "epochs": 200, "print_every": 1}})
    module = load_module(generate(derive(network)))
    X, y = np.array(network.X), np.array(network.T)
    params = module.init_params(seed=0)
    history = module.train(params, X, y, learning_rate=1.0, epochs=network.train.epochs, print_every=1)
    assert module.TRAIN["optimizer"] == "bfgs"
    assert history.stopped == "converged" and history.epochs[-1] < 100
    assert all(later <= earlier for earlier, later in itertools.pairwise(history))
    assert history[-1] < 1e-9


def _demystified_spec():
    import tomllib
    from importlib import resources

    text = resources.files("symbp.spec.examples").joinpath("demystified.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_bfgs_without_scipy_says_what_to_install(monkeypatch):
    import sys

    module = module_of("half_adder")
    X, T = problem(module)
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(ImportError) as error:
        module.train(module.init_params(), X, T, learning_rate=1.0, epochs=5, optimizer="bfgs")
    message = str(error.value)
    assert "\n" not in message and "pip install scipy" in message and "symbp[train]" in message


def test_shuffling_is_reproducible_under_a_seed_and_changes_the_order():
    module = module_of("half_adder")
    X, T = problem(module, samples=6)

    def run(**options):
        params = module.init_params(seed=2)
        module.train(params, X, T, learning_rate=0.5, epochs=3, batch_size=1, **options)
        return flat(params).tobytes()

    assert run(seed=4) == run(seed=4)
    assert run(seed=4) != run(seed=5)
    in_order = run(seed=4, shuffle=False)
    assert in_order != run(seed=4)
    # without shuffling, per-sample steps take the rows in turn (the loop of unit 1.4 - Back-propagation)
    params = module.init_params(seed=2)
    for _ in range(3):
        for row in range(len(X)):
            g = module.gradients(params, X[row : row + 1], T[row : row + 1])
            params = {key: value - 0.5 * g[key] for key, value in params.items()}
    np.testing.assert_allclose(np.frombuffer(in_order), flat(params), rtol=1e-12, atol=1e-14)


CURVE = [5.0, 4.0, 3.0, 3.5, 3.0, 2.9, 3.1, 3.2, 3.3, 1.0]  # best 2.9 at epoch 6; 7, 8, 9 do not improve


def test_early_stopping_stops_at_the_right_epoch_of_a_constructed_validation_curve():
    module = module_of("half_adder")
    vector = np.zeros(3)
    stopper = module._EarlyStopping(3, vector)
    for epoch, value in enumerate(CURVE, start=1):
        vector[:] = epoch  # the parameters "of epoch e"
        if stopper.stop(epoch, value):
            break
    assert epoch == 9
    stopper.restore()
    assert stopper.best_epoch == 6 and vector.tolist() == [6.0, 6.0, 6.0]


@pytest.mark.parametrize("epochs", [50, 8])
def test_early_stopping_leaves_the_best_epochs_parameters_byte_for_byte(monkeypatch, epochs):
    """train() on a constructed validation curve: the parameters left are those after epoch 6, not the
    last epoch's, whether patience ran out (after epoch 9) or the epochs did (after epoch 8)."""
    module = module_of("half_adder")
    X, T = problem(module, samples=6)
    X_held, T_held = problem(module, samples=4, seed=9)
    real_cost, validation_calls = module.cost, []

    def constructed(params, X, T):
        if X is not X_held:
            return real_cost(params, X, T)
        validation_calls.append(1)
        return ([9.0] + CURVE)[len(validation_calls) - 1]  # epoch 0, then the curve

    monkeypatch.setattr(module, "cost", constructed)
    params = module.init_params(seed=4)
    history = module.train(
        params,
        X,
        T,
        learning_rate=0.5,
        epochs=epochs,
        print_every=1,
        validation=(X_held, T_held),
        early_stopping=3,
    )
    monkeypatch.undo()
    stopped = min(epochs, 9)
    assert history.stopped == ("early_stopping" if epochs == 50 else "epochs")
    assert history.last_epoch == stopped and history.best_epoch == 6
    assert history.validation == [9.0, *CURVE[:stopped]] and history.epochs == list(range(stopped + 1))
    assert next(iter(module._CACHE.values()))["ending"] is None  # the next call starts afresh
    best = module.init_params(seed=4)
    module.train(best, X, T, learning_rate=0.5, epochs=6)
    assert flat(params).tobytes() == flat(best).tobytes()
    last = module.init_params(seed=4)
    module.train(last, X, T, learning_rate=0.5, epochs=stopped)
    assert flat(params).tobytes() != flat(last).tobytes()
    assert history[6] == module.cost(best, X, T) and history[-1] == module.cost(last, X, T)


def test_early_stopping_in_train_stops_where_its_validation_history_says():
    module = module_of("half_adder")
    X, T = problem(module, samples=8, seed=5)
    X_held, T_held = problem(module, samples=8, seed=6)
    params = module.init_params()
    history = module.train(
        params,
        X,
        T,
        learning_rate=2.0,
        epochs=3000,
        print_every=1,
        validation=(X_held, T_held),
        early_stopping=4,
    )
    assert history.stopped == "early_stopping" and len(history.validation) == len(history)
    best, waited, stop = np.inf, 0, None
    for epoch, value in zip(history.epochs[1:], history.validation[1:], strict=True):
        best, waited = (value, 0) if value < best else (best, waited + 1)
        if waited == 4:
            stop = epoch
            break
    assert history.epochs[-1] == stop < 3000


def test_validation_fraction_holds_out_seeded_rows_and_records_their_cost():
    module = module_of("softmax")
    X, T = problem(module, samples=20)
    history = module.train(
        module.init_params(), X, T, learning_rate=0.5, epochs=40, print_every=10, validation=0.25
    )
    (_, _), (X_held, T_held) = module._split(X, T, 0.25, 0)
    assert len(X_held) == 5 and history.epochs == [0, 10, 20, 30, 40]
    assert len(history.validation) == 5 and history.validation[0] == module.cost(
        module.init_params(), X_held, T_held
    )
    with pytest.raises(ValueError, match="must hold out some rows"):
        module.train(module.init_params(), X, T, learning_rate=0.5, epochs=1, validation=0.01)


def test_ctrl_c_ends_training_keeping_the_last_completed_step(monkeypatch):
    module = module_of("half_adder")
    X, T = problem(module)
    factory, names, folded = module.IN_PLACE["momentum"]
    calls = []

    def interrupting(*arguments):
        update = factory(*arguments)

        def counted():
            calls.append(1)
            if len(calls) == 6:
                raise KeyboardInterrupt
            update()

        return counted

    monkeypatch.setitem(module.IN_PLACE, "momentum", (interrupting, names, folded))
    params = module.init_params()
    history = module.train(params, X, T, learning_rate=0.5, epochs=10**9, optimizer="momentum", print_every=2)
    monkeypatch.undo()
    assert history.stopped == "interrupted" and history.last_epoch == 5
    assert history.epochs == [0, 2, 4, 5]
    expected = module.init_params()
    module.train(expected, X, T, learning_rate=0.5, epochs=5, optimizer="momentum")
    assert flat(params).tobytes() == flat(expected).tobytes()
    assert history[-1] == module.cost(expected, X, T)


def test_short_calls_in_a_loop_reuse_buffers_and_equal_one_long_call():
    module = module_of("half_adder")
    X, T = problem(module)
    looped = module.init_params()
    module.train(looped, X, T, learning_rate=0.5, epochs=1)
    cached = next(iter(module._CACHE.values()))
    for _ in range(4):
        module.train(looped, X, T, learning_rate=0.5, epochs=1)
    assert next(iter(module._CACHE.values())) is cached
    once = module.init_params()
    module.train(once, X, T, learning_rate=0.5, epochs=5)
    assert flat(looped).tobytes() == flat(once).tobytes()
    other = {key: value.astype(np.float32) for key, value in module.init_params().items()}
    module.train(other, X, T, learning_rate=0.5, epochs=1)
    assert other["W1"].dtype == np.float32 and next(iter(module._CACHE.values())) is not cached


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda p: p.update(extra=np.ones(3)),
            r"params\['extra'\]: this network has no such parameter; it has W1 \(2, 2\)",
        ),
        (lambda p: p.pop("b3"), r"params lacks 'b3'; this network has W1 \(2, 2\), b1 \(2,\)"),
        (
            lambda p: p.update(W1=np.zeros((3, 2))),
            r"params\['W1'\] has shape \(3, 2\); this network's W1 is \(2, 2\)",
        ),
    ],
)
def test_params_that_are_not_this_networks_are_refused_before_training(change, message):
    # before, an extra key was packed with the rest and updated by a gradient never computed
    module = module_of("half_adder")
    X, T = problem(module)
    params = module.init_params()
    change(params)
    before = {key: value.copy() for key, value in params.items()}
    with pytest.raises(ValueError, match=message):
        module.train(params, X, T, learning_rate=0.5, epochs=3)
    assert all(np.array_equal(params[key], before[key]) for key in params)


def test_parameters_that_are_not_floating_point_are_refused_before_training():
    module = module_of("half_adder")
    X, T = problem(module)
    params = module.init_params()
    params["b1"] = np.zeros(params["b1"].shape, np.int64)
    before = {key: value.copy() for key, value in params.items()}
    with pytest.raises(TypeError, match=r"params\['b1'\] holds int64: train needs floating-point arrays"):
        module.train(params, X, T, learning_rate=0.5, epochs=3)
    assert all(np.array_equal(params[key], before[key]) for key in params)
    mixed = module.init_params()
    mixed["b1"] = mixed["b1"].astype(np.float32)
    history = module.train(mixed, X, T, learning_rate=0.5, epochs=3)
    assert mixed["b1"].dtype == np.float32 and history[-1] < history[0]


def test_history_is_the_list_of_training_costs_it_always_was():
    module = module_of("half_adder")
    X, T = problem(module)
    history = module.train(module.init_params(), X, T, learning_rate=0.5, epochs=7, print_every=3)
    assert isinstance(history, list) and history.epochs == [0, 3, 6, 7] and history.validation == []
    assert list(history) == [float(value) for value in history] and history.stopped == "epochs"


def test_save_and_load_round_trip_the_bytes(tmp_path):
    module = module_of("softmax")
    params = {key: value.astype(np.float32) for key, value in module.init_params(seed=3).items()}
    written = module.save_params(tmp_path / "weights", params)
    assert written.endswith("weights.npz") and sorted(os.listdir(tmp_path)) == ["weights.npz"]
    loaded = module.load_params(written)
    assert list(loaded) == list(params)
    for key, value in params.items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        assert loaded[key].tobytes() == value.tobytes()


def test_predict_and_accuracy_pick_classes():
    softmax = module_of("softmax")
    X, T = problem(softmax, samples=12)
    params = softmax.init_params()
    classes = softmax.predict(params, X)
    assert np.array_equal(classes, np.argmax(softmax.forward(params, X), axis=1))
    assert softmax.accuracy(params, X, T) == np.mean(classes == np.argmax(T, axis=1))
    logistic = module_of("logistic")
    network = load("logistic")
    X, T = np.array(network.X), np.array(network.T)
    params = logistic.init_params()
    logistic.train(params, X, T, learning_rate=0.5, epochs=2000)
    assert np.array_equal(logistic.predict(params, X), (logistic.forward(params, X) > 0.5).astype(int))
    assert logistic.accuracy(params, X, T) == 1.0
    regression = module_of(NETWORKS[3])
    with pytest.raises(ValueError, match="accuracy needs classes: this network's output is values"):
        regression.accuracy(regression.init_params(), *problem(regression))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "bfgs", "lbfgs"])
def test_the_document_prints_the_chosen_optimiser_and_the_module_cites_its_labels(name):
    from symbp.derivation.optimizers import optimizer
    from symbp.rendering.documents import render

    spec = {"name": "net", "layers": [2, 3, 1], "activation": "sigmoid", "train": {"optimizer": name}}
    derivation = derive(load(spec))
    tex, text = render(derivation, "latex"), render(derivation, "text")
    chosen = optimizer(name)
    for label in chosen.labels:
        assert rf"\label{{{label}}}" in tex and f"[{label}]" in text
    others = {label for other in ("sgd", "momentum", "adam", "bfgs") for label in optimizer(other).labels}
    assert not {label for label in others - set(chosen.labels) if rf"\label{{{label}}}" in tex}
    source = generate(derivation)
    for in_place in ("sgd", "momentum", "nesterov", "adam"):
        for label in optimizer(in_place).labels[1:]:
            assert f"        # {label}\n" in source
    assert "eq:update-gradient" in source and "from scipy.optimize import minimize" in source
    assert "\nimport scipy" not in source and "\nfrom scipy" not in source  # SciPy only inside bfgs's path


def test_a_generated_script_trains_with_the_spec_validation_set_and_early_stopping(tmp_path):
    import subprocess
    import sys

    rows = {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "T": [[0], [1], [1], [0]]}
    spec = {
        "name": "xor",
        "layers": [2, 3, 1],
        "activation": "sigmoid",
        "train": {"optimizer": "momentum", "epochs": 400, "print_every": 100, "early_stopping": 50},
        "data": {**rows, "X_validation": [[0, 0.1], [0.9, 1]], "T_validation": [[0], [0]]},
    }
    script = tmp_path / "xor.py"
    script.write_text(generate(derive(load(spec))))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    module = load_module(script.read_text())
    params = module.init_params(seed=0)
    validation = (np.array(module.DATA_X_VALIDATION), np.array(module.DATA_T_VALIDATION))
    settings = {key: value for key, value in module.TRAIN.items() if key != "validation"}
    history = module.train(
        params, np.array(module.DATA_X), np.array(module.DATA_T), validation=validation, **settings
    )
    assert history.stopped == "early_stopping" and 0 < history.last_epoch < 400
    assert f"stopped early after epoch {history.last_epoch}:" in run.stdout
    assert f"kept the parameters of epoch {history.best_epoch} " in run.stdout
    assert 0 < history.best_epoch < history.last_epoch
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    assert f"final cost {module.cost(params, X, T):.6g} " in run.stdout  # of the parameters kept


def test_ctrl_c_during_bfgs_keeps_the_last_accepted_iterate(monkeypatch):
    scipy_optimize()
    module = module_of("demystified")
    network = load("demystified")
    X, y = np.array(network.X), np.array(network.T)
    real_cost, calls, iterates = module._cost_of, [], []

    def interrupting_cost(params, values, T):  # the objective's cost, from the step's forward arrays
        calls.append(1)
        if len(calls) == 25:
            raise KeyboardInterrupt
        return real_cost(params, values, T)

    monkeypatch.setattr(module, "_cost_of", interrupting_cost)
    real_report = module._report

    def remembering_report(history, epoch, costs, *rest):
        iterates.append(flat(costs.params).copy())
        return real_report(history, epoch, costs, *rest)

    monkeypatch.setattr(module, "_report", remembering_report)
    params = module.init_params(seed=0)
    history = module.train(params, X, y, learning_rate=1.0, epochs=200, optimizer="bfgs", print_every=1)
    monkeypatch.undo()
    assert history.stopped == "interrupted" and 0 < history.last_epoch < 200
    assert flat(params).tobytes() == iterates[-1].tobytes()  # the iterate SciPy accepted last
    assert history[-1] == module.cost(params, X, y) < history[0]


def _loop_and_long_call(module, X, T, epochs, **options):
    """(params, chained costs) of `epochs` calls of train(epochs=1), and of one call of `epochs` epochs.

    The loop's costs are the first call's starting cost, then each call's last; a continuing call's
    starting cost must be the previous call's last, bit for bit.
    """
    looped = module.init_params(seed=7)
    chained = []
    for _ in range(epochs):
        history = module.train(looped, X, T, epochs=1, **options)
        assert history.epochs == [0, 1]
        if chained:
            assert history[0] == chained[-1]
        else:
            chained.append(history[0])
        chained.append(history[-1])
    once = module.init_params(seed=7)
    history = module.train(once, X, T, epochs=epochs, print_every=1, **options)
    assert history.epochs == list(range(epochs + 1))
    return (looped, chained), (once, list(history))


LOOPED = {
    "full batch": {},
    "mini-batch, shuffled": {"batch_size": 2, "shuffle": True, "seed": 3},
    "per sample, in order": {"batch_size": 1, "shuffle": False},
}


@pytest.mark.parametrize("batches", LOOPED, ids=str)
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
def test_a_loop_of_one_epoch_calls_is_one_long_call_number_for_number(optimizer, batches):
    module = module_of("half_adder")
    X, T = problem(module, samples=5)
    (looped, chained), (once, costs) = _loop_and_long_call(
        module, X, T, 12, optimizer=optimizer, **SETTINGS, **LOOPED[batches]
    )
    assert chained == costs  # every cost, bit for bit
    assert flat(looped).tobytes() == flat(once).tobytes()
    if batches == "full batch":  # and both are the textbook trajectory
        expected = textbook(optimizer, module, module.init_params(seed=7), X, T, 12)
        np.testing.assert_allclose(flat(once), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec", NETWORKS[1:], ids=lambda spec: spec if isinstance(spec, str) else spec["name"]
)
def test_the_loop_equals_the_long_call_on_other_networks_and_in_float32(spec):
    for dtype in ("float64", "float32"):
        module = load_module(generate(derive(load(spec)), dtype))
        X, T = problem(module, samples=6)
        (looped, chained), (once, costs) = _loop_and_long_call(module, X, T, 6, optimizer="adam", **SETTINGS)
        assert chained == costs and flat(looped).tobytes() == flat(once).tobytes()


def test_recorded_costs_are_the_costs_of_the_parameters_at_those_epochs():
    """Taken from the step's forward pass, they equal cost() there (same arithmetic; the tolerance
    only allows for a BLAS whose matmul into a buffer rounds differently from `@`)."""
    for spec in NETWORKS:
        module = module_of(spec)
        X, T = problem(module, samples=5)
        history = module.train(module.init_params(seed=2), X, T, epochs=4, print_every=1, **SETTINGS)
        for epoch, value in zip(history.epochs, history, strict=True):
            params = module.init_params(seed=2)
            module.train(params, X, T, epochs=epoch, **SETTINGS)
            assert value == pytest.approx(module.cost(params, X, T), rel=1e-13, abs=0), (spec, epoch)


def test_a_call_from_fresh_parameters_or_other_settings_starts_its_state_afresh():
    module = module_of("half_adder")
    X, T = problem(module)
    settings = {**SETTINGS, "optimizer": "momentum"}

    def fresh(epochs, **options):
        params = module.init_params(seed=5)
        module.train(params, X, T, epochs=epochs, **{**settings, **options})
        return params

    params = fresh(3)
    module.train(params, X, T, epochs=2, **settings)
    assert flat(params).tobytes() == flat(fresh(5)).tobytes()  # continued: velocity resumed
    restarted = fresh(3)
    expected = textbook("momentum", module, restarted, X, T, 2)
    for change in ({"resume": False}, {"momentum": 0.7}, {"learning_rate": 0.2}):
        params = fresh(3)
        module.train(params, X, T, epochs=2, **{**settings, **change})
        if change == {"resume": False}:
            np.testing.assert_allclose(flat(params), expected, rtol=1e-12, atol=1e-12)
        assert flat(params).tobytes() != flat(fresh(5)).tobytes(), change
    fresh(3)
    params = module.init_params(seed=5)  # init_params again: not where the last call ended
    module.train(params, X, T, epochs=5, **settings)
    assert flat(params).tobytes() == flat(fresh(5)).tobytes()
    # parameters changed by hand start afresh
    params = fresh(3)
    params["W1"][0, 0] += 1e-3
    nudged = {key: value.copy() for key, value in params.items()}
    module.train(params, X, T, epochs=2, **settings)
    expected = textbook("momentum", module, nudged, X, T, 2)
    np.testing.assert_allclose(flat(params), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 2])
def test_other_data_keeps_the_state_but_its_costs_are_computed_on_that_data(batch_size):
    module = module_of("half_adder")
    X, T = problem(module, samples=6)
    settings = {**SETTINGS, "optimizer": "momentum", "batch_size": batch_size, "shuffle": False}
    params = module.init_params(seed=5)
    module.train(params, X, T, epochs=3, **settings)
    start = {key: value.copy() for key, value in params.items()}
    X_other, T_other = problem(module, samples=6, seed=11)
    resumed = module.train(params, X_other, T_other, epochs=2, **settings)
    assert resumed[0] == module.cost(start, X_other, T_other)
    afresh = {key: value.copy() for key, value in start.items()}
    module.train(afresh, X_other, T_other, epochs=2, **settings, resume=False)
    assert flat(params).tobytes() != flat(afresh).tobytes()  # the velocity carried on
    # the same arrays changed in place between calls: the first cost is of the new contents
    before = {key: value.copy() for key, value in params.items()}
    X_other[0, 0] += 0.5
    history = module.train(params, X_other, T_other, epochs=1, **settings)
    assert history[0] == module.cost(before, X_other, T_other)
    assert history[-1] == module.cost(params, X_other, T_other)


def test_an_interrupted_call_is_not_resumed(monkeypatch):
    module = module_of("half_adder")
    X, T = problem(module)
    params = module.init_params(seed=5)
    module.train(params, X, T, epochs=3, optimizer="adam", **SETTINGS)
    assert next(iter(module._CACHE.values()))["ending"] is not None
    factory, names, folded = module.IN_PLACE["adam"]

    def interrupting(*arguments):
        def update():
            raise KeyboardInterrupt

        return update

    monkeypatch.setitem(module.IN_PLACE, "adam", (interrupting, names, folded))
    start = {key: value.copy() for key, value in params.items()}
    # resume=False: a fresh update from the patched factory, not the resumed one
    history = module.train(params, X, T, epochs=3, optimizer="adam", **SETTINGS, resume=False)
    monkeypatch.undo()
    assert history.stopped == "interrupted" and flat(params).tobytes() == flat(start).tobytes()
    assert next(iter(module._CACHE.values()))["ending"] is None
    module.train(params, X, T, epochs=2, optimizer="adam", **SETTINGS)
    np.testing.assert_allclose(flat(params), textbook("adam", module, start, X, T, 2), rtol=1e-12, atol=1e-12)
