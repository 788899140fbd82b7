"""Quantities a source names its own way, declared in [notation.symbols]: one output's error, one sample's
loss, a delta with a constant factor and the depth letter; each read as its quantity, or refused."""

import pytest

import symbp
from symbp.errors import SymbpError
from symbp.spec.network import network_from_dict
from symbp.spec.profiles import notation_from

# AIMA writes Err_k for an output's error and \Delta_k for its delta; a text that defines its delta as
# -1/2 dE/dz; Haykin's e_j = t_j - a_j (the error with the other sign)
ERRORS = {
    "profile": "nielsen",
    "symbols": {
        "Err": "error",
        "Delta": {"quantity": "delta", "factor": "-1/2"},
        "e": {"quantity": "error", "factor": -1},
    },
}
DEPTH = {"profile": "nielsen", "symbols": {"K": "depth"}}
# N for the last layer, while N still counts the samples where it is a symbol (1/N)
DEPTH_N = {"profile": "default", "symbols": {"N": "depth"}}


@pytest.mark.parametrize(
    ("formula", "notation", "holds"),
    [
        (r"\delta^L_j = Err_j \sigma'(z^L_j)", ERRORS, True),
        (r"\delta^L_j = -Err_j \sigma'(z^L_j)", ERRORS, False),
        (r"\delta^L_j = -e_j \sigma'(z^L_j)", ERRORS, True),
        (r"\delta^L_j = e_j \sigma'(z^L_j)", ERRORS, False),
        (r"\Delta^L_j = -\frac{1}{2} Err_j \sigma'(z^L_j)", ERRORS, True),
        (r"\Delta^L_j = \frac{1}{2} e_j \sigma'(z^L_j)", ERRORS, True),
        (r"\Delta^L_j = Err_j \sigma'(z^L_j)", ERRORS, False),
        # the factor is the same on both sides of the recursion
        (r"\Delta^l_j = \sigma'(z^l_j) \sum_k w^{l+1}_{kj} \Delta^{l+1}_k", ERRORS, True),
        (r"\Delta^l_j = -\frac{1}{2}\sigma'(z^l_j) \sum_k w^{l+1}_{kj} \Delta^{l+1}_k", ERRORS, False),
        (r"\delta^K_j = (a^K_j - y_j)\sigma'(z^K_j)", DEPTH, True),
        (r"\frac{\partial C}{\partial w^{K-1}_{jk}} = \delta^{K-1}_j a^{K-2}_k", DEPTH, True),
        (r"\frac{\partial C}{\partial w^K_{jk}} = \delta^K_j a^K_k", DEPTH, False),
        (r"\delta^{(N)}_j = (a^{(N)}_j - t_j) f'(z^{(N)}_j)", DEPTH_N, True),
        (r"\frac{\partial C}{\partial W^{(N)}} = \sum_n (a^{(N-1)}_n)^T \delta^{(N)}_n", DEPTH_N, True),
        (
            r"\frac{\partial C}{\partial W^{(N)}} = \frac{1}{N} \sum_n (a^{(N-1)}_n)^T \delta^{(N)}_n",
            DEPTH_N,
            False,
        ),
    ],
)
def test_a_declared_quantity_is_read_as_that_quantity(formula, notation, holds):
    assert symbp.verify("half_adder", formula, notation=notation).holds is holds


def test_a_diagnosis_names_the_depth_letter_as_written():
    verdict = symbp.verify(
        "half_adder", r"\frac{\partial C}{\partial w^K_{jk}} = \delta^K_j a^K_k", notation=DEPTH
    )
    assert verdict.diagnosis == "off by one layer: a^{K}_{k} where a^{K-1}_{k} is needed"


def test_an_error_of_a_hidden_layer_is_refused_naming_it():
    verdict = symbp.verify("half_adder", r"\delta^{L-1}_j = Err^{2}_j \sigma'(z^{L-1}_j)", notation=ERRORS)
    assert not verdict.holds
    assert verdict.counterexample.problem.startswith("Err is an output's error: a unit of layer 4")


@pytest.mark.parametrize("layer", ["L-1", "2", "1"])
def test_an_error_written_at_a_layer_before_the_output_names_nothing(layer):
    verdict = symbp.verify("half_adder", rf"\delta^L_j = Err^{{{layer}}}_j \sigma'(z^L_j)", notation=ERRORS)
    assert not verdict.holds


def test_a_declared_loss_gradient_of_one_sample_holds_where_the_cost_is_a_mean():
    """\\delta_{nj} as the gradient of sample n's own loss: N times that of the mean cost C."""
    loss = {"profile": "default", "symbols": {"Loss": "loss"}}
    sample = r"\frac{\partial Loss}{\partial z^{(L)}_{nj}} = (a^{(L)}_{nj} - t_{nj}) f'(z^{(L)}_{nj})"
    assert symbp.verify("half_adder", sample, notation=loss).holds
    whole = r"\frac{\partial C}{\partial z^{(L)}_{nj}} = (a^{(L)}_{nj} - t_{nj}) f'(z^{(L)}_{nj})"
    verdict = symbp.verify("half_adder", whole, notation=loss)
    assert not verdict.holds
    assert "1/N" in verdict.diagnosis


@pytest.mark.parametrize(
    ("symbols", "words"),
    [
        ({"Delta": {"quantity": "delta", "factor": "half"}}, "notation.symbols.Delta.factor"),
        ({"Delta": {"quantity": "delta", "factor": 0}}, "a non-zero rational number"),
        ({"Err": {"quantity": "error", "layer": 1}}, "notation.symbols.Err.layer"),
        ({"KK": "depth"}, "one letter for the output layer"),
        ({"h": {"quantity": "activation", "layer": "one"}}, "notation.symbols.h.layer"),
        ({"x": {"quantity": "input", "layer": 0}}, "notation.symbols.x.layer"),
        ({"h": {"quantity": "units"}}, "letters naming the units of a layer"),
        ({"w_5": {"quantity": "weight", "from": "h1"}}, "both from and to"),
        ({"w_5": {"quantity": "weight", "from": "h1", "to": "o1"}}, "notation.symbols.w_5.from"),
        ({"Err": {"factor": 2}}, "notation.symbols.Err"),
    ],
)
def test_a_bad_declaration_is_refused_in_one_line_naming_the_field(symbols, words):
    with pytest.raises(SymbpError) as raised:
        notation_from({"profile": "nielsen", "symbols": symbols})
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


LOSS = {"profile": "default", "symbols": {"Loss": "loss"}}
DW = r"\frac{\partial C}{\partial w^{(L)}_{ij}} = "
SUMMED = r"\sum_n \frac{\partial %s}{\partial z^{(L)}_{nj}} a^{(L-1)}_{ni}"
DZ = r"\frac{\partial Loss}{\partial z^{(L)}_{nj}} = "


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        # the weight's gradient of the mean cost is 1/N the sum of each sample's loss gradients
        (DW + SUMMED % "Loss", False),
        (DW + r"\frac{1}{N}" + SUMMED % "Loss", True),
        (DZ + r"N \frac{\partial C}{\partial z^{(L)}_{nj}}", True),
        (DZ + r"\frac{\partial C}{\partial z^{(L)}_{nj}}", False),
        # with the cost symbol on both sides of the sum, C is read as the writer means it
        (DW + SUMMED % "C", True),
    ],
)
def test_a_loss_and_the_cost_keep_their_own_scale_on_either_side(formula, holds):
    assert symbp.verify("half_adder", formula, notation=LOSS).holds is holds


# Haykin's Neural Networks and Learning Machines: v for the induced local field, y for a neuron's output, d
# for the desired response, e_j(n) = d_j(n) - y_j(n), E(n) the error energy of sample n, delta = -dE/dv
HAYKIN = {
    "profile": "default",
    "unit_letters": ["i", "j", "k"],
    "weight_indices": "to_from",
    "pre_activation": "v",
    "activation": "y",
    "target": "d",
    "function": r"\varphi",
    "cost": r"\mathcal{E}",
    "delta_sign": -1,
    "symbols": {"e": {"quantity": "error", "factor": -1}},
}
DE_DW = r"\frac{\partial \mathcal{E}(n)}{\partial w_{kj}(n)} = "


@pytest.fixture(scope="module")
def two_layer():
    return network_from_dict(
        {"name": "haykin", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "half_sse"}
    )


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        (r"\delta_k(n) = e_k(n) \varphi'(v_k(n))", True),
        (r"\delta_k(n) = -e_k(n) \varphi'(v_k(n))", False),
        # E(n) is sample n's own error energy; w_{kj}(n) is the weight at step n
        (DE_DW + r"-e_k(n) \varphi'(v_k(n)) y_j(n)", True),
        (DE_DW + r"e_k(n) \varphi'(v_k(n)) y_j(n)", False),
        (r"\delta_j(n) = \varphi'(v_j(n)) \sum_k \delta_k(n) w_{kj}(n)", True),
        (r"\delta_j(n) = \varphi'(v_j(n)) \sum_k \delta_k(n) w_{jk}(n)", False),
    ],
)
def test_haykins_sample_arguments_and_error_read_as_printed(two_layer, formula, holds):
    assert symbp.verify(two_layer, formula, notation=HAYKIN).holds is holds


def test_a_cost_subscripted_with_the_sample_letter_is_that_samples_cost():
    formula = r"\frac{\partial C_n}{\partial z^{(L)}_{nj}} = (a^{(L)}_{nj} - t_{nj}) f'(z^{(L)}_{nj})"
    assert symbp.verify("half_adder", formula).holds
    assert not symbp.verify("half_adder", formula.replace("C_n", "C")).holds


@pytest.mark.parametrize("written", ["E(n)", "E^{(n)}", "E_n"])
def test_a_declared_loss_names_its_sample_as_an_argument_a_mark_or_a_subscript(written):
    notation = {"profile": "default", "symbols": {"E": "loss"}}
    left = rf"\frac{{\partial {written}}}{{\partial z^{{(L)}}_{{nj}}}}"
    right = left + r" = (a^{(L)}_{nj} - t_{nj}) f'(z^{(L)}_{nj})"
    assert symbp.verify("half_adder", right, notation=notation).holds
    verdict = symbp.verify("half_adder", right.replace("= (", "= 2("), notation=notation)
    assert verdict.diagnosis == "a factor 2 too many (or a 1/2 missing)"


# CS229 writes the output layer r (z^{[r]}), Brilliant m; Brilliant's r^{k} and Rojas's m count a layer's
# units; d2l's h and z, written without a layer mark, are the hidden layer's, Rojas's o_i the input's
WIDTH = {"profile": "default", "symbols": {"r": "width"}}
HIDDEN = {"profile": "default", "symbols": {"h": {"quantity": "activation", "layer": 1}}}
INPUT = {"profile": "default", "symbols": {"h": {"quantity": "activation", "layer": 0}}}
LOWER_DEPTH = {"profile": "nielsen", "symbols": {"r": "depth"}}
DW2 = r"\frac{\partial C}{\partial w^{(2)}_{ij}} = "


@pytest.mark.parametrize(
    ("formula", "notation", "holds"),
    [
        (
            r"\delta^{(l)}_j = f'(z^{(l)}_j) \sum_{k=1}^{r^{(l+1)}} w^{(l+1)}_{jk} \delta^{(l+1)}_k",
            WIDTH,
            True,
        ),
        (
            r"\delta^{(l)}_j = f'(z^{(l)}_j) \sum_{k=1}^{r^{(l)}} w^{(l+1)}_{jk} \delta^{(l+1)}_k",
            WIDTH,
            False,
        ),
        (DW2 + r"h_i \delta^{(2)}_j", HIDDEN, True),
        (DW2 + r"h_i \delta^{(2)}_j", INPUT, False),
        (DW2 + r"h^{(1)}_i \delta^{(2)}_j", INPUT, True),
        (r"\delta^r_j = (a^r_j - y_j)\sigma'(z^r_j)", LOWER_DEPTH, True),
        (r"\frac{\partial C}{\partial w^r_{jk}} = \delta^r_j a^{r}_k", LOWER_DEPTH, False),
    ],
)
def test_a_layers_width_own_name_and_a_lowercase_depth_letter(two_layer, formula, notation, holds):
    assert symbp.verify(two_layer, formula, notation=notation).holds is holds


def test_a_width_declared_for_one_layer_is_that_layers():
    notation = {"profile": "default", "symbols": {"m": {"quantity": "width", "layer": 2}}}
    hidden = r"\delta^{(1)}_j = f'(z^{(1)}_j) \sum_{q=1}^{m} w^{(2)}_{jq} \delta^{(2)}_q"
    network = network_from_dict(
        {"name": "wide", "layers": [2, 3, 4], "activation": "sigmoid", "cost": "half_sse"}
    )
    assert symbp.verify(network, hidden, notation=notation).holds
    notation["symbols"]["m"]["layer"] = 1
    assert not symbp.verify(network, hidden, notation=notation).holds


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        # Brilliant's derivation for one example d: the left side's delta is that example's
        (r"\delta^{(L)}_j = (a^{(L)}_{nj} - t_{nj}) f'(z^{(L)}_{nj})", True),
        (r"\delta^{(L)}_j = (t_{nj} - a^{(L)}_{nj}) f'(z^{(L)}_{nj})", False),
        # a weight has no sample: there the sum over n is missing
        (r"\frac{\partial C}{\partial w^{(L)}_{ij}} = \delta^{(L)}_{nj} a^{(L-1)}_{ni}", False),
    ],
)
def test_a_units_quantity_without_the_sample_its_right_side_names_is_that_samples(two_layer, formula, holds):
    assert symbp.verify(two_layer, formula, notation={"profile": "default"}).holds is holds
