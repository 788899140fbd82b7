"""Parity: each built-in trains like the text it comes from, through the generated module.

The classification examples are also trained on a real dataset that ships inside an
installed package (scikit-learn's bundled 8x8 digits; the optional `data` extra, which CI
installs) and must reach 95% accuracy on a held-out split.
"""

import importlib.util

import numpy as np
import pytest

from symbp.codegen.generator import generate
from symbp.derivation.engine import derive
from symbp.spec.network import load
from tests.conftest import require

pytestmark = pytest.mark.slow  # seconds a test: left out of the quick loop


def module_for(network, tmp_path):
    path = tmp_path / f"{network.name}.py"
    path.write_text(generate(derive(network)))
    spec = importlib.util.spec_from_file_location(f"parity_{network.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digits():
    require("sklearn")
    from sklearn.datasets import load_digits

    data = load_digits()
    X = data.data / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    return X[order], data.target[order]


def split(X, y, fraction=0.75):
    cut = int(len(X) * fraction)
    return X[:cut], y[:cut], X[cut:], y[cut:]


def test_demystified_trains_below_1e_3_and_its_gradients_check(tmp_path):
    network = load("demystified")
    module = module_for(network, tmp_path)
    X, T = np.array(network.X), np.array(network.T)
    params = module.init_params(seed=network.train.seed)
    assert module.gradient_check(params, X, T) < 1e-6
    costs = module.train(params, X, T, learning_rate=network.train.learning_rate, epochs=network.train.epochs)
    assert costs[-1] < 1e-3


def test_logistic_regression_reaches_95_percent_on_held_out_digits(tmp_path):
    X, y = digits()
    keep = y < 2
    X, T = X[keep], (y[keep] == 1).astype(float)[:, None]
    base = load("logistic")
    network = load({"name": "logistic_digits", "layers": [64, 1], "activation": "sigmoid", "cost": "bce"})
    assert (network.activations[0], network.cost) == (base.activations[0], base.cost)
    module = module_for(network, tmp_path)
    X_train, T_train, X_test, T_test = split(X, T)
    params = module.init_params(seed=0)
    module.train(params, X_train, T_train, learning_rate=0.5, epochs=300)
    accuracy = np.mean((module.forward(params, X_test) > 0.5) == (T_test > 0.5))
    assert accuracy >= 0.95


def test_softmax_reaches_95_percent_on_held_out_digits(tmp_path):
    X, y = digits()
    T = np.eye(10)[y]
    network = load({"name": "softmax_digits", "layers": [64, 10], "activation": "softmax", "cost": "cce"})
    module = module_for(network, tmp_path)
    X_train, T_train, X_test, T_test = split(X, T)
    params = module.init_params(seed=0)
    module.train(params, X_train, T_train, learning_rate=0.5, epochs=300, batch_size=32, seed=0)
    accuracy = np.mean(module.forward(params, X_test).argmax(axis=1) == T_test.argmax(axis=1))
    assert accuracy >= 0.95
