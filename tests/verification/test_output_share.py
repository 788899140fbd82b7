"""One output's share of the loss (AIMA's Loss_k, Mazur's E_{o1}): read where the cost separates over the
outputs, for each output its free letter stands for, and refused, naming it, everywhere else."""

import numpy as np
import pytest

import symbp
from symbp.spec.network import load
from symbp.spec.profiles import notation_from
from symbp.verification.evaluate import Evaluator
from symbp.verification.formula import FormulaError, parse_formula
from symbp.verification.formula_check import FormulaCheck
from symbp.verification.share_check import each_output

AIMA = {
    "layout": "column",
    "unit_letters": ["i", "j", "k"],
    "activation": "a",
    "target": "y",
    "function": "g",
    "cost": "Loss",
    "symbols": {"in": "pre_activation", "Delta": {"quantity": "delta", "factor": "-1/2"}},
}
SSE = {"name": "aima", "layers": [2, 3, 2], "activation": "sigmoid", "cost": "sse"}
MAZUR = {
    "layout": "column",
    "cost": "E_{total}",
    "symbols": {
        "net": "pre_activation",
        "out": "activation",
        "target": "target",
        "i": {"quantity": "units", "layer": 0},
        "h": {"quantity": "units", "layer": 1},
        "o": {"quantity": "units", "layer": 2},
        "w_5": {"quantity": "weight", "from": "h1", "to": "o1"},
        "w_1": {"quantity": "weight", "from": "i1", "to": "h1"},
    },
}
HALF_SSE = {"name": "mazur", "layers": [2, 2, 2], "activation": "sigmoid", "cost": "half_sse"}
W5 = r"-(target_{o1} - out_{o1}) out_{o1}(1 - out_{o1}) out_{h1}"
HIDDEN = r"\frac{\partial Loss_k}{\partial w_{i,j}} = "


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        (r"\frac{\partial Loss_k}{\partial w_{j,k}} = -2(y_k - a_k) g'(in_k) a_j", True),
        (r"\frac{\partial Loss_k}{\partial w_{j,k}} = -2(y_k - a_k) a_j", False),
        (r"\frac{\partial Loss_k}{\partial in_k} = 2 (a_k - y_k) g'(in_k)", True),
        (r"\frac{\partial Loss_k}{\partial a_j} = 2 (a_k - y_k) g'(in_k) w_{j,k}", True),
        (r"\frac{\partial Loss_k}{\partial b_k} = 2 (a_k - y_k) g'(in_k)", True),
        (HIDDEN + r"2 (a_k - y_k) g'(in_k) w_{j,k} g'(in_j) a_i", True),
        (HIDDEN + r"-2 \Delta_k w_{j,k} g'(in_j) a_i", True),
        # the whole loss's gradient is not one output's: the sum over the outputs is a slip here
        (HIDDEN + r"\sum_k 2 (a_k - y_k) g'(in_k) w_{j,k} g'(in_j) a_i", False),
    ],
)
def test_aimas_share_of_the_loss_is_that_outputs_term(formula, holds):
    assert symbp.verify(SSE, formula, notation=AIMA).holds is holds


def test_a_free_output_letter_is_checked_for_each_output_and_the_failing_one_named():
    holding = symbp.verify(SSE, HIDDEN + r"2 (a_k - y_k) g'(in_k) w_{j,k} g'(in_j) a_i", notation=AIMA)
    assert holding.notes[0] == "read for each output in turn (k = 1, k = 2): it holds for each"
    # right for the first output only: a weight to output 1 where output k's is needed
    failing = symbp.verify(SSE, HIDDEN + r"2 (a_k - y_k) g'(in_k) w_{j,1} g'(in_j) a_i", notation=AIMA)
    assert not failing.holds
    assert failing.notes[0] == "read for each output in turn (k = 1, k = 2): it fails for k = 2"


def test_the_derivative_of_a_share_agrees_with_central_differences_of_that_outputs_term():
    """The left side's truth against an independent reference: central differences of (a_k - y_k)^2."""
    network = load(SSE)
    formula = parse_formula(r"\frac{\partial Loss_k}{\partial w_{i,j}} = a_i", notation_from(AIMA))
    (_, first), (_, second) = each_output(network, formula)  # the formula for output 1, for output 2
    check = FormulaCheck(network, second, 1, 3)
    _params, point, derived, central = check.points[0]
    truth, _ = check.truth(Evaluator(point, check.reading(None)), derived, central, 0)

    def share(W1):
        hidden = 1 / (1 + np.exp(-(point.X @ W1 + point.b[1])))
        output = 1 / (1 + np.exp(-(hidden @ point.W[2] + point.b[2])))
        return (output[0, 1] - point.T[0, 1]) ** 2

    step = 1e-6
    for i in range(2):
        for j in range(3):
            moved = np.zeros_like(point.W[1])
            moved[i, j] = step
            reference = (share(point.W[1] + moved) - share(point.W[1] - moved)) / (2 * step)
            assert truth[i, j] == pytest.approx(reference, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        (
            r"\frac{\partial E_{total}}{\partial out_{h1}} = \frac{\partial E_{o1}}{\partial out_{h1}} + "
            r"\frac{\partial E_{o2}}{\partial out_{h1}}",
            True,
        ),
        (r"\frac{\partial E_{total}}{\partial out_{h1}} = \frac{\partial E_{o1}}{\partial out_{h1}}", False),
        (
            r"\frac{\partial E_{o1}}{\partial w_{5}} = " + W5,
            True,
        ),
        (
            r"\frac{\partial E_{o2}}{\partial w_{5}} = " + W5,
            False,
        ),
        (
            r"\frac{\partial E_{total}}{\partial w_{1}} = "
            r"(\sum_{o} \delta_{o} w_{ho}) out_{h1}(1 - out_{h1}) i_{1}",
            True,
        ),
        (r"\frac{\partial E_{total}}{\partial w_{1}} = \delta_{h1} i_{2}", False),
    ],
)
def test_mazurs_named_output_and_input_units(formula, holds):
    assert symbp.verify(HALF_SSE, formula, notation=MAZUR).holds is holds


def test_a_declared_output_loss_takes_any_letter():
    formula = r"\frac{\partial E_q}{\partial z^{(L)}_q} = (a^{(L)}_q - t_q) f'(z^{(L)}_q)"
    declared = {"profile": "default", "symbols": {"E": "output_loss"}}
    assert symbp.verify("half_adder", formula, notation=declared).holds
    assert not symbp.verify("half_adder", formula.replace("- t_q)", "- t_q)^2"), notation=declared).holds


@pytest.mark.parametrize(
    ("network", "formula", "notation", "words"),
    [
        (
            {"name": "s", "layers": [2, 3, 3], "activation": ["sigmoid", "softmax"], "cost": "cce"},
            r"\frac{\partial Loss_k}{\partial w_{j,k}} = (a_k - y_k) a_j",
            AIMA,
            "Loss_k (one output's loss) is not read here: the cost does not separate over the outputs of a "
            "softmax layer",
        ),
        (
            SSE,
            r"\frac{\partial Loss_j}{\partial w_{i,j}} = a_i",
            AIMA,
            "j is not the output layer's unit letter",
        ),
        (
            HALF_SSE,
            r"\frac{\partial E_{h1}}{\partial w_{1}} = i_{1}",
            MAZUR,
            "E_{h1} (one output's loss) is not read here: it names a unit of layer 1, not of the output",
        ),
        (
            "half_adder",
            r"\frac{\partial C_k}{\partial z^{(L)}_k} = a^{(L)}_k",
            "default",
            "C_{k}: a cost with a subscript other than the sample letter n is read as one output's loss only "
            "with a named output unit",
        ),
        (SSE, r"\frac{\partial Loss_k}{\partial W} = a", AIMA, "is read entry by entry"),
        (SSE, r"\frac{\partial Loss_k}{\partial w_{j,k}} = Loss_k a_j", AIMA, "only in a gradient"),
        (
            HALF_SSE,
            r"\frac{\partial E_{total}}{\partial w_{1}} = (\sum_{o} \delta_{o} w_{ho}) i_{1}",
            MAZUR,
            "h in w_{ho} is neither summed nor on the left side",
        ),
    ],
)
def test_a_share_that_is_not_read_is_refused_in_one_line_naming_it(network, formula, notation, words):
    with pytest.raises(FormulaError) as raised:
        symbp.verify(network, formula, notation=notation)
    message = str(raised.value)
    assert words in message and "\n" not in message


def test_an_l2_penalty_belongs_to_no_outputs_share():
    """With weight decay the whole loss's gradient gains lambda w; one output's share does not."""
    decayed = {**SSE, "l2": 0.1}
    right = r"-2(y_k - a_k) g'(in_k) a_j"
    assert symbp.verify(decayed, r"\frac{\partial Loss_k}{\partial w_{j,k}} = " + right, notation=AIMA).holds
    whole = symbp.verify(decayed, r"\frac{\partial Loss}{\partial w_{j,k}} = " + right, notation=AIMA)
    assert not whole.holds and "regularisation" in whole.diagnosis
