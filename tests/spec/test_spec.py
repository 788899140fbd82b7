"""Spec parsing and validation: every bad spec gets one clear error naming field, value and allowed values."""

import math
import textwrap

import pytest
import sympy as sp

from symbp.errors import SpecError, SymbpError
from symbp.spec.functions import Z
from symbp.spec.network import builtin_names, load, network_from_dict


def spec(**fields):
    base = {"name": "net", "layers": [2, 3, 1], "activation": "sigmoid", "cost": "half_mse"}
    base.update(fields)
    return base


def test_builtins_load_with_their_seed_settings():
    assert builtin_names() == ["demystified", "half_adder", "linear_net", "logistic", "softmax"]
    half_adder = load("half_adder")
    assert half_adder.layers == (2, 2, 2, 2)
    assert half_adder.train.learning_rate == 0.5 and half_adder.train.epochs == 20000
    assert half_adder.T == ((0, 0), (1, 0), (1, 0), (0, 1))
    demystified = load("demystified")
    assert demystified.layers == (2, 3, 1) and not demystified.bias and demystified.cost.name == "half_sse"
    assert demystified.X[0] == (0.3, 1.0) and demystified.T[2] == (0.93,) and demystified.numbering == 1
    assert load("linear_net").train.batch_size == 1
    assert load("linear_net").activations[0].name == "identity"
    assert load("softmax").activations[-1].name == "softmax" and load("softmax").cost.name == "cce"
    assert load("logistic").layers == (2, 1) and load("logistic").cost.name == "bce"


def test_toml_file_and_dict_give_the_same_network(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(
        textwrap.dedent(
            """
            name = "net"
            layers = [2, 3, 1]
            activation = ["tanh", { name = "softsign", expr = "z/(1+abs(z))" }]
            cost = { name = "quartic", expr = "(a - t)**4/4" }
            l2 = 0.01
            [train]
            learning_rate = 0.2
            batch_size = 2
            """
        )
    )
    from_file = load(path)
    from_dict = load(
        spec(
            activation=["tanh", {"name": "softsign", "expr": "z/(1+abs(z))"}],
            cost={"name": "quartic", "expr": "(a - t)**4/4"},
            l2=0.01,
            train={"learning_rate": 0.2, "batch_size": 2},
        )
    )
    assert from_file == from_dict
    assert from_file.activation(2).expr == Z / (1 + sp.Abs(Z))
    assert from_file.train.batch_size == 2 and from_file.l2 == 0.01


def test_leaky_relu_slope_is_configurable():
    network = load(spec(activation={"name": "leaky_relu", "slope": 0.2}))
    assert network.activation(1).expr.subs(Z, -1) == sp.Rational(-1, 5)


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"colour": "red"}, "colour", "known keys are"),
        ({"layers": [2, 0, 1]}, "layers[1]", "integer at least 1"),
        ({"layers": [2, 1.5, 1]}, "layers[1]", "integer at least 1"),
        ({"layers": [2]}, "layers", "list of 2"),
        ({"layers": "2-3-1"}, "layers", "list of 2"),
        ({"activation": ["sigmoid"]}, "activation", "list of exactly 2"),
        ({"activation": "swish"}, "activation", "sigmoid, tanh, relu"),
        ({"activation": ["softmax", "sigmoid"], "cost": "cce"}, "activation[0]", "only at the output"),
        ({"layers": [2, 3], "activation": "softmax", "cost": "half_mse"}, "cost", "cce with a softmax"),
        ({"cost": "cce"}, "cost", "only with a softmax output"),
        ({"activation": "relu", "cost": "bce"}, "cost", "stay in (0, 1)"),
        ({"activation": "tanh", "cost": "bce"}, "cost", "stay in (0, 1)"),
        ({"cost": "hinge"}, "cost", "half_mse, half_sse, mse, sse, bce, cce"),
        ({"bias": "yes"}, "bias", "true or false"),
        ({"l2": -1}, "l2", ">= 0"),
        ({"numbering": 2}, "numbering", "0 (input layer is layer 0)"),
        ({"train": {"learning_rate": 0}}, "train.learning_rate", "> 0"),
        ({"train": {"epochs": -1}}, "train.epochs", "integer at least 0"),
        ({"train": {"batch_size": 0}}, "train.batch_size", "integer at least 1"),
        ({"train": {"momentum": 0.9}}, "train.momentum", "only with optimizer momentum or nesterov"),
        ({"train": {"nesterov": True}}, "train.nesterov", "known keys are"),
        ({"train": {"max_iter": 50}}, "train.max_iter", "(max_iter is called epochs here)"),
        ({"train": {"learnig_rate": 0.1}}, "train.learnig_rate", "(did you mean learning_rate?)"),
        ({"activations": "tanh"}, "activations", "(activations is called activation here)"),
        (
            {"train": {"optimizer": "rmsprop"}},
            "train.optimizer",
            "sgd, momentum, nesterov, adam, bfgs, lbfgs",
        ),
        ({"train": {"optimizer": "momentum", "momentum": 1.0}}, "train.momentum", "below 1"),
        ({"train": {"optimizer": "adam", "beta2": -0.1}}, "train.beta2", "at least 0"),
        ({"train": {"optimizer": "adam", "eps": 0}}, "train.eps", "> 0"),
        ({"train": {"optimizer": "sgd", "beta1": 0.9}}, "train.beta1", "only with optimizer adam"),
        ({"train": {"optimizer": "bfgs", "tolerance": "small"}}, "train.tolerance", "> 0"),
        ({"train": {"shuffle": "yes"}}, "train.shuffle", "true or false"),
        ({"train": {"validation": 1.5}}, "train.validation", "below 1"),
        ({"train": {"early_stopping": 5}}, "train.early_stopping", "validation data is set"),
        ({"train": {"early_stopping": -1}}, "train.early_stopping", "integer at least 0"),
        ({"train": {"epochs": 10**9 + 1}}, "train.epochs", "at most 1000000000"),
        ({"data": {"X": [[1, 2, 3]], "T": [[1]]}}, "data.X[0]", "exactly 2 numbers"),
        ({"data": {"X": [[1, 2]], "T": [[1, 0]]}}, "data.T[0]", "exactly 1 numbers"),
        ({"data": {"X": [[1, math.inf]], "T": [[1]]}}, "data.X[0]", "finite numbers"),
        ({"data": {"X": [[1, math.nan]], "T": [[1]]}}, "data.X[0]", "finite numbers"),
        ({"data": {"X": [[1, 2]], "T": [[1], [0]]}}, "data.T", "as many rows"),
        ({"name": "bad name!"}, "name", "letters, digits or _"),
        ({"activation": {"name": "mine", "expr": "x/(1+abs(x))"}}, "activation.expr", "unknown name 'x'"),
        (
            {"activation": {"name": "mine", "expr": "__import__('os').system('true')"}},
            "activation.expr",
            "only calls of the listed",
        ),
        ({"activation": {"name": "mine", "expr": "z.real"}}, "activation.expr", "Attribute"),
        ({"activation": {"name": "mine", "expr": "z +"}}, "activation.expr", "syntax error at the end"),
        ({"activation": {"name": "mine", "expr": "z )"}}, "activation.expr", "syntax error at column 3"),
        ({"activation": {"name": "mine", "expr": "3"}}, "activation.expr", "depends on z"),
        ({"cost": {"name": "mine", "expr": "(a - y)**2"}}, "cost.expr", "unknown name 'y'"),
        ({"cost": {"name": "mine", "expr": "t**2"}}, "cost.expr", "depends on a"),
    ],
)
def test_bad_specs_name_field_value_and_allowed(fields, field, fragment):
    with pytest.raises(SpecError) as error:
        network_from_dict(spec(**fields))
    assert error.value.field == field
    message = str(error.value)
    assert f"spec field '{field}'" in message and "allowed:" in message
    assert fragment in message


def test_custom_expression_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"__import__('os').system('touch {marker}')"
    with pytest.raises(SpecError):
        network_from_dict(spec(activation={"name": "evil", "expr": text}))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "empty"), (b"name = ", "TOML syntax error"), (b"\xff\xfe\x00", "not UTF-8")],
)
def test_unreadable_files_give_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "spec.toml"
    path.write_bytes(content)
    with pytest.raises(SymbpError, match=fragment):
        load(path)


def test_missing_file_directory_and_unknown_example(tmp_path):
    with pytest.raises(SymbpError, match="no such file"):
        load(tmp_path / "missing.toml")
    with pytest.raises(SymbpError, match="is a directory"):
        load(tmp_path)
    with pytest.raises(SpecError, match="one of demystified, half_adder"):
        load("half_addr")


def test_the_readme_example_spec_is_valid():
    from pathlib import Path

    from symbp.spec.network import loads

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml", 1)[1].split("```", 1)[0]
    network = loads(block)
    assert network.summary() == "4-8-8-3, tanh/softsign/softmax, cce, biases, l2 0.001"


def test_optimizer_settings_and_held_out_data_parse():
    data = {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "T": [[0], [1], [1], [0]]}
    held = {**data, "X_validation": [[0.5, 0.5]], "T_validation": [[1]]}
    network = network_from_dict(
        spec(train={"optimizer": "adam", "beta1": 0.8, "eps": 1e-7, "early_stopping": 3}, data=held)
    )
    train = network.train
    assert (train.optimizer, train.beta1, train.beta2, train.eps, train.early_stopping) == (
        "adam",
        0.8,
        0.999,
        1e-7,
        3,
    )
    assert network.X_validation == ((0.5, 0.5),) and network.T_validation == ((1.0,),)
    fraction = network_from_dict(spec(train={"optimizer": "nesterov", "validation": 0.25}, data=data))
    assert fraction.train.validation == 0.25 and fraction.train.momentum == 0.9
    assert network_from_dict(spec(train={"epochs": 10**9})).train.epochs == 10**9


@pytest.mark.parametrize(
    ("train", "data", "field", "fragment"),
    [
        ({}, {"X_validation": [[0.5, 0.5]]}, "data.T_validation", "non-empty list of rows"),
        ({}, {"X_validation": [[0.5]], "T_validation": [[1]]}, "data.X_validation[0]", "exactly 2"),
        (
            {"validation": 0.5},
            {"X_validation": [[0, 0]], "T_validation": [[1]]},
            "train.validation",
            "one source",
        ),
        ({"validation": 0.1}, {}, "train.validation", "rows on both sides of 4"),
    ],
)
def test_bad_held_out_data_names_its_field(train, data, field, fragment):
    base = {"X": [[0, 0], [0, 1], [1, 0], [1, 1]], "T": [[0], [1], [1], [0]]}
    with pytest.raises(SpecError) as error:
        network_from_dict(spec(train=train, data={**base, **data}))
    assert error.value.field == field and fragment in str(error.value)
