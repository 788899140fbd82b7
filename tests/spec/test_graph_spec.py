"""Graph specs: numbering, keys, chains kept as chains, and one clear line for each bad graph."""

from __future__ import annotations

import pytest

import symbp
from symbp.cli.main import main
from symbp.errors import SpecError


def _spec(*tables, **extra):
    return {"name": "g", "cost": "half_mse", "layers": [{"name": "x", "size": 2}, *tables], **extra}


def test_layers_are_numbered_in_topological_order_and_keys_follow():
    # written out of order: the output first; numbering puts every source before its reader
    network = symbp.load(
        _spec(
            {"name": "out", "size": 1, "activation": "sigmoid", "weighted": ["b", "x"]},
            {"name": "b", "size": 3, "activation": "tanh", "weighted": ["a"], "identity": ["a"]},
            {"name": "a", "size": 3, "activation": "tanh", "weighted": ["x"]},
        )
    )
    assert network.graph.names == ("x", "a", "b", "out")
    assert network.layers == (2, 3, 3, 1)
    assert network.graph.weight_keys() == ["W1", "W2", "W3", "W3_0"]
    assert network.graph.identity == ((), (), (1,), ())
    assert network.parameter_count == 6 + 9 + 3 + 2 + 3 + 3 + 1


def test_a_chain_written_as_layer_tables_is_the_chain():
    tables = _spec(
        {"name": "a", "size": 2, "activation": "sigmoid", "weighted": ["x"]},
        {"name": "b", "size": 1, "activation": "sigmoid", "weighted": ["a"]},
    )
    network = symbp.load(tables)
    chain = symbp.load({"name": "g", "cost": "half_mse", "layers": [2, 2, 1], "activation": "sigmoid"})
    assert network.graph is None
    assert network == chain


def test_input_gradient_makes_a_chain_a_graph_with_the_chain_keys():
    network = symbp.load({"name": "c", "layers": [2, 3, 1], "activation": "tanh", "input_gradient": True})
    assert network.graph.weight_keys() == ["W1", "W2"]
    assert network.input_gradient


def test_tied_matrix_has_no_key():
    network = symbp.load("tied_autoencoder")
    assert network.graph.weight_keys() == ["W1"]
    assert network.parameter_count == 12 + 2 + 6


BAD = {
    "cycle": (
        _spec(
            {"name": "a", "size": 2, "activation": "tanh", "weighted": ["x", "b"]},
            {"name": "b", "size": 2, "activation": "tanh", "weighted": ["a"]},
        ),
        "spec field 'layers': got ['a', 'b']; allowed: a graph without cycles",
    ),
    "unknown source": (
        _spec({"name": "a", "size": 1, "activation": "tanh", "weighted": ["y"]}),
        "spec field 'layers[1].weighted[0]': got 'y'; allowed: the name of a layer",
    ),
    "identity size": (
        _spec(
            {"name": "a", "size": 3, "activation": "tanh", "weighted": ["x"]},
            {"name": "b", "size": 2, "activation": "tanh", "weighted": ["a"], "identity": ["a"]},
            {"name": "c", "size": 1, "activation": "tanh", "weighted": ["b"]},
        ),
        "spec field 'layers[2].identity[0]': got 'a'; allowed: a layer of size 2",
    ),
    "tie shape": (
        _spec(
            {"name": "a", "size": 3, "activation": "tanh", "weighted": ["x"]},
            {
                "name": "b",
                "size": 2,
                "activation": "tanh",
                "weighted": [{"from": "a", "tie": {"from": "x", "into": "a", "transposed": False}}],
            },
        ),
        "spec field 'layers[2].weighted[0].tie': got 'x -> a'; allowed: a matrix of shape 3x2",
    ),
    "dangling layer": (
        _spec(
            {"name": "a", "size": 3, "activation": "tanh", "weighted": ["x"]},
            {"name": "b", "size": 1, "activation": "tanh", "weighted": ["x"]},
        ),
        "spec field 'layers[1]': got 'a'; allowed: a layer that feeds another",
    ),
    "identity into the output": (
        _spec(
            {"name": "a", "size": 2, "activation": "tanh", "weighted": ["x"]},
            {"name": "b", "size": 2, "activation": "tanh", "weighted": ["a"], "identity": ["a"]},
        ),
        "spec field 'layers[2].identity': got ['a']; allowed: none at the output layer",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_graph_is_one_clear_line(case):
    spec, expected = BAD[case]
    with pytest.raises(SpecError) as error:
        symbp.load(spec)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(expected), message


def test_bad_graph_file_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "cycle.toml"
    path.write_text(
        'name = "cycle"\nlayers = [\n  { name = "x", size = 2 },\n'
        '  { name = "a", size = 2, activation = "tanh", weighted = ["x", "a"] },\n]\n',
        encoding="utf-8",
    )
    assert main(["derive", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "a graph without cycles" in err, err


def test_graph_with_another_backend_is_one_line(capsys):
    assert main(["generate", "residual", "--backend", "torch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "written for NumPy only" in err, err
