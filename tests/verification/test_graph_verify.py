"""verify on graph networks: formulas about layers with several consumers, skips, residuals, tied weights and
dC/dx are read (default and nielsen notations), right ones hold, slips are diagnosed, the rest refused."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

import symbp
from symbp.cli.main import main
from symbp.codegen.loading import load_module
from symbp.derivation.reference import kink_free_params, random_data, random_point
from symbp.derivation.reference.graph import GraphPoint, graph_central_differences, graph_forward
from symbp.derivation.reference.kinks import MARGINS
from symbp.spec.catalog import builtin_text
from symbp.spec.network import load
from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify

# skip_xor with dC/dX derived: the input feeds layer 1 by W1 and layer 2 by the skip W2_0
SKIP_XOR_DX = tomllib.loads(builtin_text("skip_xor")) | {"input_gradient": True}

HOLDS = [
    # the hidden layer's delta (its one consumer is z^(2))
    ("skip_xor", None, r"\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot A^{(1)} \odot (1 - A^{(1)})"),
    # a skip weight's gradient, as the documents name it, in LaTeX and in plain maths
    ("skip_xor", None, r"\frac{\partial C}{\partial W^{(2,0)}} = X^T \delta^{(2)}"),
    ("skip_xor", None, r"dC/dW(2,0) = X.T @ delta(2)"),
    # a generic skip: read for every l whose connection exists (here l = 2)
    ("skip_xor", None, r"\frac{\partial C}{\partial W^{(l,l-2)}} = (A^{(l-2)})^T \delta^{(l)}"),
    # W^{(2,1)} is the chain-named W^{(2)}: the connection from the layer below
    ("skip_xor", None, r"\frac{\partial C}{\partial W^{(2,1)}} = A^{(1)T} \delta^{(2)}"),
    # a residual layer's delta: two consumers, z^(3) by W3 and the identity path into a^(3)
    (
        "residual",
        None,
        r"\delta^{(2)} = (\delta^{(3)} W^{(3)T} + \frac{\partial C}{\partial A^{(3)}}) \odot f'(Z^{(2)})",
    ),
    (
        "residual",
        None,
        r"\delta^{(2)} = (\delta^{(3)} W^{(3)T} + \delta^{(4)} W^{(4)T}) \odot (1 - \tanh(Z^{(2)})^2)",
    ),
    (
        "residual",
        None,
        r"\frac{\partial C}{\partial A^{(2)}} = \frac{\partial C}{\partial A^{(3)}} + \delta^{(3)} W^{(3)T}",
    ),
    # a tied weight's gradient: the encoder's use plus the decoder's (transposed) use
    (
        "tied_autoencoder",
        None,
        r"\frac{\partial C}{\partial W^{(1)}} = X^T \delta^{(1)} + \delta^{(2)T} A^{(1)}",
    ),
    # dC/dx with input_gradient on: a term through each of the input's two consumers
    (SKIP_XOR_DX, None, r"\frac{\partial C}{\partial X} = \delta^{(1)} W^{(1)T} + \delta^{(2)} W^{(2,0)T}"),
    # nielsen: column vectors of one sample, the input is layer 1, w^l enters layer l
    ("residual", "nielsen", r"\delta^{3} = ((w^{4})^T \delta^{4} + \nabla_{a^{4}} C) \odot \sigma'(z^{3})"),
    (
        "residual",
        "nielsen",
        r"\delta^{3} = ((w^{4})^T \delta^{4} + (w^{5})^T \delta^{5}) \odot \sigma'(z^{3})",
    ),
    ("skip_xor", "nielsen", r"\delta^{2} = ((w^{3})^T \delta^{3}) \odot \sigma'(z^{2})"),
    ("skip_xor", "nielsen", r"\frac{\partial C}{\partial w^{3,1}} = \delta^{3} x^T"),
    (
        "tied_autoencoder",
        "nielsen",
        r"\frac{\partial C}{\partial w^{2}} = \delta^{2} x^T + a^{2} (\delta^{3})^T",
    ),
    (
        SKIP_XOR_DX,
        "nielsen",
        r"\frac{\partial C}{\partial x} = (w^{2})^T \delta^{2} + (w^{3,1})^T \delta^{3}",
    ),
]


# index forms: one entry of one sample's term, the sums over units written out
HOLDS += [
    (
        "residual",
        None,
        r"\delta^{(2)}_j = \left(\sum_k \delta^{(3)}_k w^{(3)}_{jk}"
        r" + \frac{\partial C}{\partial a^{(3)}_j}\right) f'(z^{(2)}_j)",
    ),
    ("skip_xor", None, r"\frac{\partial C}{\partial w^{(2,0)}_{ij}} = x_i \delta^{(2)}_j"),
    ("skip_xor", None, r"\frac{\partial C}{\partial w^{(2,0)}_{ij}} = \sum_n x_{ni} \delta^{(2)}_{nj}"),
    (
        "tied_autoencoder",
        None,
        r"\frac{\partial C}{\partial w^{(1)}_{ij}} = x_i \delta^{(1)}_j + \delta^{(2)}_i a^{(1)}_j",
    ),
    (
        "residual",
        "nielsen",
        r"\delta^{3}_j = \left(\sum_k w^{4}_{kj} \delta^{4}_k + \frac{\partial C}{\partial a^{4}_j}\right)"
        r" \sigma'(z^{3}_j)",
    ),
    (
        SKIP_XOR_DX,
        "nielsen",
        r"\frac{\partial C}{\partial x_j} = \sum_k w^{2}_{kj} \delta^{2}_k"
        r" + \sum_k w^{3,1}_{kj} \delta^{3}_k",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("network, notation, formula", HOLDS)
def test_right_formulas_about_graph_layers_hold(network, notation, formula):
    verdict = verify(network, formula, notation=notation)
    assert verdict.holds, verdict.report()
    if "l-2" in formula:
        assert verdict.layers == [2]


SLIPS = [
    # a consumer's term left out: named as such, not as a formula of another layer
    (
        "residual",
        None,
        r"\delta^{(2)} = (\delta^{(3)} W^{(3)T}) \odot f'(Z^{(2)})",
        "the term through the identity path into a^{(3)} is missing",
    ),
    (
        "residual",
        "nielsen",
        r"\delta^{3} = ((w^{4})^T \delta^{4}) \odot \sigma'(z^{3})",
        "the term through the identity path into a^{4} is missing",
    ),
    (
        "tied_autoencoder",
        None,
        r"\frac{\partial C}{\partial W^{(1)}} = X^T \delta^{(1)}",
        "the term of its use into z^{(2)} is missing",
    ),
    (
        "tied_autoencoder",
        "nielsen",
        r"\frac{\partial C}{\partial w^{2}} = \delta^{2} x^T",
        "the term of its use into z^{3} is missing",
    ),
    (
        SKIP_XOR_DX,
        None,
        r"\frac{\partial C}{\partial X} = \delta^{(1)} W^{(1)T}",
        "the term through z^{(2)} is missing",
    ),
    # the chain's slips on a graph's own matrices
    (
        "skip_xor",
        None,
        r"\frac{\partial C}{\partial W^{(2,0)}} = X \delta^{(2)}",
        "X where X^T is needed (transposed)",
    ),
    ("skip_xor", "nielsen", r"\frac{\partial C}{\partial w^{3,1}} = \delta^{3} x", "x where x^T is needed"),
]


SLIPS += [
    (
        "residual",
        None,
        r"\delta^{(2)}_j = \left(\sum_k \delta^{(3)}_k w^{(3)}_{jk}\right) f'(z^{(2)}_j)",
        "the term through the identity path into a^{(3)} is missing",
    ),
    (
        "tied_autoencoder",
        None,
        r"\frac{\partial C}{\partial w^{(1)}_{ij}} = x_i \delta^{(1)}_j",
        "the term of its use into z^{(2)} is missing: (\\delta^{(2)}_{i} a^{(1)}_{j})",
    ),
    (
        SKIP_XOR_DX,
        "nielsen",
        r"\frac{\partial C}{\partial x_j} = \sum_k w^{2}_{kj} \delta^{2}_k",
        "the term through z^{3} is missing",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("network, notation, formula, diagnosis", SLIPS)
def test_slips_in_graph_formulas_fail_with_a_diagnosis(network, notation, formula, diagnosis):
    verdict = verify(network, formula, notation=notation)
    assert not verdict.holds
    assert verdict.diagnosis is not None and verdict.diagnosis.startswith(diagnosis), verdict.report()


def test_the_chain_rule_of_a_chain_fails_where_a_residual_adds_a_consumer():
    """The chain's delta^{(l)} holds for the layer without a residual consumer, fails for one with it."""
    verdict = verify("residual", r"\delta^{(l)} = (\delta^{(l+1)} W^{(l+1)T}) \odot f'(z^{(l)})")
    assert not verdict.holds and verdict.counterexample.where.endswith("with l = 1")
    verdict = verify("skip_xor", r"\delta^{(l)} = (\delta^{(l+1)} W^{(l+1)T}) \odot f'(z^{(l)})")
    assert verdict.holds and verdict.layers == [1]  # W^{(3)} does not exist: l = 2 does not fit


REFUSED = [
    # a tied connection has no matrix of its own, on either side
    (
        "tied_autoencoder",
        r"\frac{\partial C}{\partial W^{(2)}} = A^{(1)T} \delta^{(2)}",
        "W^{(2)} names no matrix",
    ),
    (
        "tied_autoencoder",
        r"\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot f'(z^{(1)})",
        "tied to W^{(1)} transposed",
    ),
    # no connection there
    ("skip_xor", r"\delta^{(1)} = (\delta^{(2)} W^{(3,1)T}) \odot f'(z^{(1)})", "W has no layer 3,1"),
    (
        "half_adder",
        r"\delta^{(1)} = (\delta^{(2)} W^{(2,0)T}) \odot f'(z^{(1)})",
        "layer 2 takes no weighted",
    ),
    # two layers only on a weight matrix
    ("skip_xor", r"\delta^{(1)} = (\delta^{(2)} a^{(2,1)T}) \odot f'(z^{(1)})", "only on a weight matrix"),
]


@pytest.mark.parametrize("network, formula, words", REFUSED)
def test_what_is_not_read_on_a_graph_is_refused_naming_the_token(network, formula, words):
    with pytest.raises(FormulaError) as refused:
        verify(network, formula)
    assert words in refused.value.reason and "\n" not in refused.value.reason


def test_cli_refuses_a_tied_matrix_in_one_line_and_judges_a_graph_formula(capsys):
    assert (
        main(["verify", "tied_autoencoder", r"\frac{\partial C}{\partial W^{(2)}} = \delta^{(2)T} A^{(1)}"])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(
        "symbp verify: cannot read the formula: column 1: W^{(2)} names no matrix of its own"
    )
    holds = r"\frac{\partial C}{\partial W^{(1)}} = X^T \delta^{(1)} + \delta^{(2)T} A^{(1)}"
    assert (
        main(["verify", "tied_autoencoder", holds, r"\frac{\partial C}{\partial W^{(1)}} = X^T \delta^{(1)}"])
        == 1
    )
    out = capsys.readouterr().out
    assert "holds" in out and "fails: the term of its use into z^{(2)} is missing" in out


# -- kinks: relu and leaky_relu graphs are drawn clear of them ----------------------------------
RELU_RESIDUAL = {
    "name": "relu_residual",
    "cost": "half_mse",
    "layers": [
        {"name": "x", "size": 3},
        {"name": "h1", "size": 4, "activation": "relu", "weighted": ["x"]},
        {"name": "h2", "size": 4, "activation": "leaky_relu", "weighted": ["h1", "x"], "identity": ["h1"]},
        {"name": "out", "size": 2, "activation": "relu", "weighted": ["h2"]},
    ],
}


def test_graph_points_are_drawn_clear_of_kinks_and_their_differences_match():
    network = load(RELU_RESIDUAL)
    rng = np.random.default_rng(3)
    for samples in (2, 5, 7):
        params, X, T = random_point(network, samples, rng)
        assert GraphPoint(network, params, X, T).clear_of_kinks(MARGINS[0])
        X, T = random_data(network, samples, rng)
        params = kink_free_params(network, rng, X, T)
        assert GraphPoint(network, params, X, T).clear_of_kinks(MARGINS[0])
        # clear of kinks, each central difference is the one-sided slope on the point's own branch
        Z, _ = graph_forward(network, params, X)
        central = graph_central_differences(network, params, X, T)
        slope = np.where(Z[3] > 0, 1.0, 0.0)
        _, A = graph_forward(network, params, X)
        assert np.allclose(central["delta3"], (A[3] - T) * slope / samples, atol=1e-8)


def test_relu_residual_formulas_hold_and_slips_fail():
    holds = r"\delta^{(2)} = (\delta^{(3)} W^{(3)T}) \odot f'(z^{(2)})"
    assert verify(RELU_RESIDUAL, holds, points=8).holds
    both = r"\delta^{(1)} = (\delta^{(2)} W^{(2)T} + \frac{\partial C}{\partial A^{(2)}}) \odot f'(z^{(1)})"
    assert verify(RELU_RESIDUAL, both, points=8).holds
    verdict = verify(RELU_RESIDUAL, r"\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot f'(z^{(1)})", points=8)
    assert not verdict.holds and verdict.diagnosis.startswith(
        "the term through the identity path into a^{(2)}"
    )


# a sigmoid output fed by three sources and two residual sums saturates at many random points, where
# bce's -log(1 - a) is too steep for central differences: those points are drawn again
SATURATING = {
    "name": "saturating",
    "cost": "bce",
    "layers": [
        {"name": "x", "size": 2},
        {"name": "h1", "size": 3, "activation": "leaky_relu", "weighted": ["x"]},
        {"name": "h2", "size": 3, "activation": "identity", "weighted": ["h1"], "identity": ["h1"]},
        {
            "name": "h3",
            "size": 3,
            "activation": "leaky_relu",
            "weighted": ["h2", "h1", {"from": "x", "tie": {"from": "x", "into": "h1"}}],
            "identity": ["h1", "h2"],
        },
        {
            "name": "out",
            "size": 3,
            "activation": "sigmoid",
            "weighted": ["h3", {"from": "h1", "tie": {"from": "h3", "into": "out"}}],
        },
    ],
}


def test_points_where_the_cost_is_too_steep_to_difference_are_drawn_again():
    network = load(SATURATING)
    rng = np.random.default_rng(0)
    for _ in range(5):
        params, X, T = random_point(network, 3, rng)
        _, A = graph_forward(network, params, X)
        assert np.all(np.minimum(A[4], 1 - A[4]) > 1e-4)
        central = graph_central_differences(network, params, X, T)
        assert np.allclose(central["delta4"], (A[4] - T) / 3, rtol=1e-7, atol=1e-10)  # bce's on a sigmoid
    saturated = GraphPoint(network, params, X, T)
    saturated.A[4][0, 0] = 1 - 1e-9
    assert not saturated.clear_of_kinks(MARGINS[-1])


def test_a_saturating_output_delta_is_judged_not_a_failed_check():
    verdict = verify(SATURATING, r"\delta^{(4)} = \frac{1}{N} (A^{(4)} - T)")
    assert verdict.holds
    assert not verify(SATURATING, r"\delta^{(4)} = A^{(4)} - T").holds


@pytest.mark.slow
def test_gradcheck_passes_the_generated_gradients_of_a_relu_residual():
    network = load(RELU_RESIDUAL)
    module = load_module(symbp.generate(symbp.derive(network)))
    assert symbp.gradcheck(network, module.gradients, random_sets=4).ok


@pytest.mark.slow
def test_a_derivation_file_about_a_residual_layer_names_its_first_wrong_line(tmp_path, capsys):
    lines = [
        r"\delta^{(2)} &= \frac{\partial C}{\partial A^{(2)}} \odot f'(Z^{(2)}) \\",
        r"&= \left(\delta^{(3)} W^{(3)T} + \frac{\partial C}{\partial A^{(3)}}\right) \odot f'(Z^{(2)}) \\",
        r"&= \left(\delta^{(3)} W^{(3)T}\right) \odot f'(Z^{(2)})",
    ]
    path = tmp_path / "residual.tex"
    path.write_text("\\begin{align*}\n" + "\n".join(lines) + "\n\\end{align*}\n")
    assert main(["verify", "residual", "--derivation", str(path)]) == 1
    out = capsys.readouterr().out
    assert "first wrong line: 3 (the term through the identity path into a^{(3)} is missing" in out


TINY_DX = {
    "name": "tiny",
    "layers": [2, 2, 1],
    "activation": "sigmoid",
    "cost": "half_mse",
    "input_gradient": True,
}


@pytest.mark.slow
def test_a_chain_with_input_gradient_reads_as_the_chain_it_is():
    """dC/dx on a chain holds and is proved; a chain's Jacobians are read there (not refused)."""
    verdict = verify(TINY_DX, r"\frac{\partial C}{\partial x_i} = \sum_j \delta^{(1)}_j w^{(1)}_{ij}")
    assert verdict.holds and verdict.proof is not None
    jacobian = r"\delta^{(1)}_j = \sum_k \frac{\partial z^{(2)}_k}{\partial z^{(1)}_j} \delta^{(2)}_k"
    assert verify(TINY_DX, jacobian).holds


def test_a_power_of_two_matrices_of_other_shapes_in_another_reading_is_a_verdict_not_a_traceback():
    """Read in the other notations (the formula fails in the default), W^{(2)T} can be a power of two
    matrices whose shapes do not match: that reading does not hold, the verdict stands."""
    verdict = verify(
        {**TINY_DX, "input_gradient": False}, r"\frac{\partial C}{\partial X} = \delta^{(2)} W^{(2)T}"
    )
    assert not verdict.holds and verdict.diagnosis.startswith("off by one layer")
