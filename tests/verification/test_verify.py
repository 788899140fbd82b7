"""verify(): the source texts' equations, a table of right and wrong formulas, the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from symbp.cli.main import main
from symbp.cli.verify import read_formula_file
from symbp.derivation.engine import derive
from symbp.rendering.latex import latex
from symbp.rendering.printer_base import equation
from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.diagnosis import pair_limit, two_slips
from symbp.verification.formula import parse_formula
from symbp.verification.verify_formula import verify

EXAMPLES = Path(__file__).resolve().parents[2] / "symbp" / "spec" / "examples"

RELU = {"name": "relu", "layers": [2, 3, 2], "activation": ["relu", "softplus"], "cost": "half_sse"}
LOG_COSH = {
    "name": "logcosh",
    "layers": [1, 3, 1],
    "activation": ["sigmoid", "identity"],
    "cost": {"name": "logcosh", "expr": "log(cosh(a - t))"},
}

# (spec, formula, expected: "holds" or a fragment of the diagnosis of a failure)
TABLE = [
    # ANN 4 - Backpropagation of Errors (demystified: input layer 1, half_sse, y = target)
    ("demystified", r"\delta^{(3)} = -(y-\hat{y}) f'(z^{(3)})", "holds"),
    ("demystified", r"\delta^{(3)} = (\hat{y} - y) \odot \hat{y} \odot (1 - \hat{y})", "holds"),
    ("demystified", r"\frac{\partial J}{\partial W^{(2)}} = (a^{(2)})^T \delta^{(3)}", "holds"),
    ("demystified", "dJ/dW(1) = X.T @ delta(2)", "holds"),
    ("demystified", r"\delta^{(3)} = -(y-\hat{y}) f(z^{(3)})", "where the derivative"),
    (
        "demystified",
        r"\frac{\partial J}{\partial W^{(2)}} = \frac{1}{N} (a^{(2)})^T \delta^{(3)}",
        "extra factor 1/N",
    ),
    ("demystified", r"\frac{\partial J}{\partial W^{(2)}} = (a^{(1)})^T \delta^{(3)}", "off by one layer"),
    (
        "demystified",
        r"\delta^{(2)} = \delta^{(3)} W^{(2)} f'(z^{(2)})",
        "W^{(2)} where (W^{(2)})^T is needed",
    ),
    ("demystified", r"\frac{\partial J}{\partial W^{(2)}} = (\delta^{(3)})^T a^{(2)}", "transpose"),
    # The backpropagation algorithm (half_adder: 2-2-2-2, sigmoid, half_mse, input layer 0)
    ("half_adder", r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \sigma'(z^{(L)}_j)", "holds"),
    ("half_adder", "delta(L)_j = (a(L)_j - t_j) * sigma'(z(L)_j)", "holds"),
    ("half_adder", r"\delta^{(L)}_j = (a^{(L)}_j - t_j) a^{(L)}_j (1 - a^{(L)}_j)", "holds"),
    (
        "half_adder",
        r"\delta^{(l)}_j = \sigma'(z^{(l)}_j) \sum_{k=1}^{n_{l+1}} w^{(l+1)}_{jk} \delta^{(l+1)}_k",
        "holds",
    ),
    ("half_adder", r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l-1)}_i \delta^{(l)}_j", "holds"),
    ("half_adder", r"\frac{\partial C}{\partial b^{(l)}_j} = \delta^{(l)}_j", "holds"),
    ("half_adder", r"\delta^{(L)}_{nj} = \frac{1}{N} (a^{(L)}_{nj} - t_{nj}) \sigma'(z^{(L)}_{nj})", "holds"),
    ("half_adder", r"\frac{\partial C}{\partial W^{(l)}} = (A^{(l-1)})^T \delta^{(l)}", "holds"),
    ("half_adder", r"\frac{\partial C}{\partial b^{(l)}} = \mathbf{1}^T \delta^{(l)}", "holds"),
    # sums over the samples in matrix formulas: row n of a matrix is written with the subscript n
    ("half_adder", r"\frac{\partial C}{\partial b^{(l)}} = \sum_{n=1}^{N} \delta^{(l)}_n", "holds"),
    ("half_adder", "dC/dW(l) = sum_n a(l-1)_n.T @ delta(l)_n", "holds"),
    ("half_adder", r"\frac{\partial C}{\partial b^{(l)}} = \sum_n \delta^{(l+1)}_n", "off by one layer"),
    ("logistic", r"\frac{\partial C}{\partial W} = \frac{1}{N} \sum_n x_n^T (a_n - t_n)", "holds"),
    ("logistic", r"\frac{\partial C}{\partial W} = \sum_n x_n^T (a_n - t_n)", "a factor 1/N is missing"),
    ("half_adder", r"\delta^{(l)} = (\delta^{(l+1)} (W^{(l+1)})^T) \odot \sigma'(Z^{(l)})", "holds"),
    ("half_adder", r"\delta^{(L)} = \frac{1}{N} (A^{(L)} - T) \odot \sigma'(Z^{(L)})", "holds"),
    ("half_adder", r"\delta^{(L)} = (A^{(L)} - T) \odot \sigma'(Z^{(L)})", "a factor 1/N is missing"),
    (
        "half_adder",
        r"\delta^{(L)}_{nj} = (a^{(L)}_{nj} - t_{nj}) \sigma'(z^{(L)}_{nj})",
        "a factor 1/N is missing",
    ),
    ("half_adder", r"\delta^{(L)}_j = 2 (a^{(L)}_j - t_j) \sigma'(z^{(L)}_j)", "a factor 2 too many"),
    ("half_adder", r"\delta^{(L)}_j = (t_j - a^{(L)}_j) \sigma'(z^{(L)}_j)", "sign flipped"),
    ("half_adder", r"\delta^{(L)}_j = a^{(L)}_j - t_j", "the activation derivative"),
    (
        "half_adder",
        r"\delta^{(l)}_j = \sigma'(z^{(l)}_j) \sum_k w^{(l+1)}_{kj} \delta^{(l+1)}_k",
        "indices transposed: w^{(l+1)}_{kj} where w^{(l+1)}_{jk} is needed",
    ),
    (
        "half_adder",
        r"\delta^{(l)}_j = \sigma'(z^{(l)}_j) \sum_k w^{(l)}_{jk} \delta^{(l+1)}_k",
        "off by one layer",
    ),
    (
        "half_adder",
        r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l-1)}_i \delta^{(l)}_j w^{(l)}_{ij}",
        "a weight",
    ),
    # Python Deep Learning (logistic regression: sigmoid + bce, averaged)
    ("logistic", r"\frac{\partial J}{\partial W} = \frac{1}{N} X^T (\hat{y} - y)", "holds"),
    ("logistic", r"\frac{\partial J}{\partial w_{j1}} = (y - t) x_j", "holds"),
    ("logistic", r"\delta^{(1)} = \frac{1}{N} (\hat{y} - y)", "holds"),
    ("logistic", r"\delta^{(1)} = \frac{1}{N}\left(\frac{1}{1+e^{-Z}} - T\right)", "holds"),
    ("logistic", "delta(1) = 1/N * (1/(1 + exp(-Z)) - T)", "holds"),
    (
        "logistic",
        r"\frac{\partial J}{\partial w_{j1}} = \frac{1}{N} \sum_n (\sigma(z_n) - t_n) x_{nj}",
        "holds",
    ),
    ("logistic", r"\frac{\partial J}{\partial W} = \frac{1}{N} X^T (y - \hat{y})", "sign flipped"),
    (
        "logistic",
        r"\delta^{(1)} = \frac{1}{N} (\hat{y} - y) \sigma'(z)",
        "an extra factor: the activation derivative",
    ),
    # a piecewise derivative written as cases (relu)
    (
        RELU,
        r"\delta^{(l)} = \left(\delta^{(l+1)} W^{(l+1)T}\right) \odot "
        r"\begin{cases} 1 & \text{for}\: Z^{(l)} > 0 \\ 0 & \text{otherwise} \end{cases}",
        "holds",
    ),
    (
        RELU,
        r"\delta^{(1)}_j = \begin{cases} \sum_k \delta^{(2)}_k w^{(2)}_{jk} & z^{(1)}_j > 0 "
        r"\\ 0 & \text{else} \end{cases}",
        "holds",
    ),
    (
        RELU,
        r"\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot "
        r"\begin{cases} 1 & Z^{(1)} \leq 0 \\ 0 & \text{otherwise} \end{cases}",
        "the condition z^{(1)} <= 0 is reversed",
    ),
    # da/dz written out is f'(z) of that layer
    (
        "half_adder",
        r"\delta^{(l)}_j = \frac{\partial a^{(l)}_j}{\partial z^{(l)}_j} "
        r"\sum_k \delta^{(l+1)}_k w^{(l+1)}_{jk}",
        "holds",
    ),
    ("half_adder", "delta(L)_j = (a(L)_j - t_j) * (da(L)_j/dz(L)_j)", "holds"),
    # hyperbolic functions (a log-cosh cost)
    (LOG_COSH, r"\delta^{(L)} = \frac{1}{N} \tanh(A^{(L)} - T)", "holds"),
    (
        LOG_COSH,
        r"\delta^{(L)}_{nj} = \frac{\sinh(a^{(L)}_{nj} - t_{nj})}{N \cosh(a^{(L)}_{nj} - t_{nj})}",
        "holds",
    ),
    (LOG_COSH, r"\delta^{(L)} = \tanh(A^{(L)} - T)", "a factor 1/N is missing"),
    # two slips at once
    ("half_adder", r"\delta^{(L)} = (T - A^{(L)}) \odot \sigma'(Z^{(L)})", "two slips: sign flipped"),
    (
        "half_adder",
        r"\delta^{(l)} = (\delta^{(l+1)} W^{(l+1)}) \odot \sigma(Z^{(l)})",
        "two slips: f(z^{(l)}) where the derivative",
    ),
    # softmax + cce and the linear net of unit 1.4 - Back-propagation
    ("softmax", r"\delta^{(L)} = \frac{1}{N} (A^{(L)} - T)", "holds"),
    ("softmax", r"\delta^{(L)} = A^{(L)} - T", "a factor 1/N is missing"),
    ("linear_net", r"\delta^{(L)} = A^{(L)} - T", "holds"),
    ("linear_net", r"\frac{\partial C}{\partial W^{(1)}} = X^T \delta^{(1)}", "holds"),
    ("linear_net", r"\frac{\partial C}{\partial W^{(1)}} = X^T \delta^{(2)}", "off by one layer"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "formula", "expected"), TABLE)
def test_table(spec, formula, expected):
    verdict = verify(spec, formula)
    if expected == "holds":
        assert verdict.holds, verdict.report()
        assert verdict.points == 5 and verdict.max_difference < 1e-8
    else:
        assert not verdict.holds
        assert verdict.diagnosis is not None and expected in verdict.diagnosis, verdict.report()
        assert verdict.counterexample is not None


@pytest.mark.slow
def test_cases_without_a_value_for_every_entry_are_undefined_not_wrong_numbers():
    formula = r"\delta^{(1)} = (\delta^{(2)} W^{(2)T}) \odot \begin{cases} 1 & Z^{(1)} > 0 \end{cases}"
    verdict = verify(RELU, formula)
    assert not verdict.holds
    assert "end them with \\text{otherwise}" in verdict.report()


@pytest.mark.slow
def test_a_claim_no_repair_explains_gets_no_diagnosis():
    verdict = verify("half_adder", r"\delta^{(L)} = \exp(A^{(L)}) \odot T \odot T")
    assert not verdict.holds and verdict.counterexample is not None
    assert verdict.diagnosis is None, verdict.diagnosis


def test_pairs_of_repairs_are_bounded_and_name_both_slips():
    formula = parse_formula(r"\delta^{(L)} = (T - A^{(L)}) \odot \sigma'(Z^{(L)})")
    pairs = list(two_slips(formula, limit=50))
    assert len(pairs) == 50
    assert all(pair.description.startswith("two slips: ") and "; and " in pair.description for pair in pairs)


def test_pair_search_shrinks_on_big_networks_by_a_count_not_a_clock():
    assert pair_limit(load("half_adder").parameter_count) == 6000
    assert pair_limit(64 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10) == 6000 * 1000 // 26122
    assert pair_limit(10**7) == 200


def _expectations(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        formula, _, comment = line.partition("#")
        if formula.strip():
            yield formula.strip(), comment.strip()


@pytest.mark.parametrize(
    ("spec", "formula", "expected"),
    [
        (spec, formula, expected)
        for spec in ("demystified", "logistic")
        for formula, expected in _expectations(EXAMPLES / f"verify_{spec}.txt")
    ],
)
def test_examples_files(spec, formula, expected):
    verdict = verify(spec, formula)
    if expected == "holds":
        assert verdict.holds, verdict.report()
    else:
        assert expected.startswith("fails: ")
        assert not verdict.holds and expected.removeprefix("fails: ") in (verdict.diagnosis or ""), (
            verdict.report()
        )


def test_juxtaposition_of_same_shaped_matrices_is_reported_as_elementwise():
    verdict = verify("demystified", r"\delta^{(2)} = \delta^{(3)} (W^{(2)})^T f'(z^{(2)})")
    assert verdict.holds
    assert any("elementwise product" in note for note in verdict.notes)


def test_numbering_flag_reads_the_first_texts_layers():
    formula = r"\delta^{(2)} = -(y-\hat{y}) f'(z^{(2)})"
    assert not verify("demystified", formula).holds
    assert verify("demystified", formula, numbering=0).holds


def test_counterexample_names_every_symbol_and_both_values():
    verdict = verify("demystified", r"\delta^{(3)} = (y-\hat{y}) f'(z^{(3)})")
    example = verdict.counterexample
    assert set(example.values) == {"W1", "W2", "X", "T"}
    assert example.claimed == pytest.approx(-example.derived)
    assert example.central == pytest.approx(example.derived, abs=1e-8)
    assert "counterexample" in verdict.report()


def test_generic_layer_lists_the_layers_checked():
    verdict = verify("half_adder", r"\frac{\partial C}{\partial w^{(l)}_{ij}} = a^{(l-1)}_i \delta^{(l)}_j")
    assert verdict.layers == [1, 2, 3]


def test_cli_exit_status(capsys):
    assert main(["verify", "demystified", r"\delta^{(3)} = -(y-\hat{y}) f'(z^{(3)})"]) == 0
    assert main(["verify", "demystified", r"\delta^{(3)} = (y-\hat{y}) f'(z^{(3)})"]) == 1
    assert main(["verify", "demystified", r"\delta^{(3)} = (y-\hat{y} f'(z^{(3)})"]) == 2
    err = capsys.readouterr().err
    assert "column 38" in err and "^" in err


def test_cli_reads_a_file(capsys):
    path = EXAMPLES / "verify_demystified.txt"
    assert main(["verify", "demystified", "--file", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.count("holds") == 5 and out.count("fails") == 4
    assert len(read_formula_file(str(path))) == 9


@pytest.mark.parametrize(
    ("spec", "formula", "fragment"),
    [
        ("half_adder", r"\delta^{(5)} = a", "\\delta has no layer 5 (layers 1..3)"),
        ("demystified", r"\frac{\partial J}{\partial b^{(2)}} = \delta^{(3)}", "no biases"),
        ("half_adder", r"\delta^{(l)}_j = \sigma'(z^{(l+5)}_j)", "no layer l fits"),
    ],
)
def test_left_sides_that_name_nothing(spec, formula, fragment):
    verdict = verify(spec, formula)
    assert not verdict.holds and fragment in verdict.diagnosis


def test_unbound_index_is_explained():
    verdict = verify("half_adder", r"\delta^{(L)}_j = (a^{(L)}_j - t_j) \sigma'(z^{(L)}_k)")
    assert not verdict.holds
    assert "index k is neither on the left side nor summed over" in verdict.counterexample.problem


def test_custom_activation_resolves_f_prime():
    spec = {
        "name": "custom",
        "layers": [2, 1],
        "activation": {"name": "softsign", "expr": "z/(1+abs(z))"},
        "cost": "half_mse",
    }
    assert verify(spec, r"\delta^{(L)} = \frac{1}{N}(A^{(L)} - T) \odot f'(Z^{(L)})").holds
    sigmoid_form = r"\delta^{(L)} = \frac{1}{N}(A^{(L)} - T) \odot A^{(L)} \odot (1 - A^{(L)})"
    assert not verify(spec, sigmoid_form).holds


@pytest.mark.parametrize("wrong", [r" + 10^{-30}", r" (1 + 10^{-13})"])
def test_a_small_network_says_when_its_agreement_is_numerical_only(wrong):
    # too small a difference for the random points; the exact algebra, tried on a network this small, is not
    # fooled, and the verdict says it did not prove the formula
    right = r"\delta^{(3)} = -(y-\hat y) f^\prime(z^{(3)})"
    proved, nearly = verify("demystified", right), verify("demystified", right + wrong)
    assert proved.holds and proved.proof and not any("not proved" in note for note in proved.notes)
    assert nearly.holds and nearly.proof is None
    note = "note: not proved symbolically: SymPy's exact algebra on this network did not show"
    assert note in nearly.report()
    deep = verify("half_adder", r"\delta^{(L)} = \frac{1}{N}(A^{(L)} - T) \odot A^{(L)} \odot (1 - A^{(L)})")
    assert deep.holds and not any("not proved" in note for note in deep.notes)  # never tried at depth 3


@pytest.mark.parametrize("spec", ["logistic", "half_adder", "softmax"])
def test_1_transposed_is_the_column_of_ones_as_texts_write_it(spec):
    # 1^T delta was read as the number 1 and failed (3x1 against 1x1), with a hint to change notation
    for ones in (r"1^T", r"\mathbf{1}^T"):
        assert verify(spec, r"\frac{\partial C}{\partial b^{(L)}} = " + ones + r" \delta^{(L)}").holds, ones
    assert not verify(spec, r"\frac{\partial C}{\partial b^{(L)}} = 1 \cdot \delta^{(L)}").holds


@pytest.mark.slow
def test_small_networks_are_proved_symbolically():
    verdict = verify("demystified", r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)}")
    assert verdict.proof is not None and "proved symbolically" in verdict.summary()
    deep = verify("half_adder", r"\frac{\partial C}{\partial W^{(L)}} = (A^{(L-1)})^T \delta^{(L)}")
    assert deep.holds and deep.proof is None  # depth 3: too big to expand, numeric verdict only
    assert verify(LOG_COSH, r"\delta^{(L)} = \frac{1}{N} \tanh(A^{(L)} - T)").proof is not None
    # small, but a quartic cost through two sigmoids has a numerator of degree ~50 in 26 symbols:
    # expanding it ran for minutes, so the proof is not tried
    quartic = {
        "name": "quartic",
        "layers": [3, 1, 2],
        "activation": ["sigmoid", "sigmoid"],
        "cost": {"name": "quartic", "expr": "(a - t)**4"},
    }
    wide = verify(
        quartic, r"\frac{\partial C}{\partial w^{(l)}_{ij}} = \sum_{n=1}^{N} a^{(l-1)}_{ni} \delta^{(l)}_{nj}"
    )
    assert wide.holds and wide.proof is None


def test_exact_zero_test_knows_the_sigmoid():
    import sympy as sp

    from symbp.verification.proof import is_zero

    z = sp.Symbol("z", real=True)
    sigma = 1 / (1 + sp.exp(-z))
    assert is_zero(sigma * (1 - sigma) - sp.diff(sigma, z))
    assert not is_zero(sigma * (1 - sigma) - sigma)


ROUND_TRIP_SPECS = [
    "half_adder",
    "demystified",
    "softmax",
    {"name": "deep", "layers": [2, 3, 3, 1], "activation": ["tanh", "tanh", "sigmoid"], "cost": "bce"},
    RELU,
    # hidden layers with different activations: the general forms keep f' (da/dz) unnamed
    {"name": "mixed", "layers": [2, 2, 2, 1], "activation": ["tanh", "sigmoid", "sigmoid"], "cost": "sse"},
    {"name": "cubic", "layers": [2, 1, 2], "cost": "mse",
     "activation": [{"name": "cubic", "expr": "z**3/3 + z"}, "identity"]},
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec", ROUND_TRIP_SPECS, ids=lambda spec: spec if isinstance(spec, str) else spec["name"]
)
def test_every_labelled_equation_the_documents_print_reads_back_and_holds(spec):
    """The LaTeX that documents print for every labelled equation (layer by layer, the general index and
    matrix forms) and every line of the backward pass, read by verify's parser:
    a printer that drops a bracket (odot 1 - A^2 for odot (1 - A^2)) makes a formula that fails."""
    network = load(spec)
    derivation = derive(network)
    equations = [step for step in derivation.steps if step.label not in (None, "eq:cost")]
    assert {"eq:delta-L-index", "eq:dW", "eq:delta-L-matrix", "eq:dW-matrix"} <= {
        step.label for step in equations
    }
    sides = [(step.eq.lhs, step.eq.rhs) for step in equations]
    sides += [(line.target, line.expr) for line in derivation.backward]  # the algorithm's backward pass
    for lhs, rhs in sides:
        verdict = verify(network, f"{latex(lhs, network)} = {latex(rhs, network)}")
        assert verdict.holds, verdict.report()


# the round trip in every profile: six networks (softmax/cce, tanh, relu, no biases, numbering 1 and a
# custom activation), every labelled equation and backward line in all 13 profiles (about 50 s).
PROFILE_SPECS = [
    "softmax",
    {"name": "tanh", "layers": [2, 3, 2], "activation": ["tanh", "identity"], "cost": "half_mse"},
    RELU,
    {"name": "nobias", "layers": [2, 3, 1], "activation": "sigmoid", "cost": "half_sse", "bias": False},
    "demystified",
    {"name": "cubic", "layers": [2, 1, 2], "cost": "mse",
     "activation": [{"name": "cubic", "expr": "z**3/3 + z"}, "identity"]},
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec", PROFILE_SPECS, ids=lambda spec: spec if isinstance(spec, str) else spec["name"]
)
def test_every_equation_the_documents_print_in_every_profile_reads_back_in_it_and_holds(spec):
    """A document printed in a profile (its symbols, layer marks, index order, layout, delta's sign and
    scale) reads back through verify in that profile and holds: labelled steps and the backward pass."""
    network = load(spec)
    derivation = derive(network)
    sides = [(step.eq.lhs, step.eq.rhs) for step in derivation.steps if step.label not in (None, "eq:cost")]
    sides += [(line.target, line.expr) for line in derivation.backward]
    checked = 0
    for profile in PROFILES.values():
        if network.numbering == 1:  # the spec's numbering stays: input layer 1, weights leave their layer
            profile = dataclasses.replace(profile, input_layer=1, weights_named_by="leaving")
        printed = dataclasses.replace(network, notation=profile)
        for lhs, rhs in sides:
            left, right = equation(lhs, rhs, printed)
            formula = f"{latex(left, printed)} = {latex(right, printed)}"
            verdict = verify(printed, formula)
            assert verdict.holds, f"{profile.name}: {verdict.report()}"
            checked += 1
    assert checked == len(sides) * len(PROFILES)


def test_cli_formulas_may_follow_an_option(capsys):
    holds = r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"
    slip = r"\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)"
    assert main(["verify", "half_adder", "--notation", "nielsen", holds, slip]) == 1
    out = capsys.readouterr().out
    assert out.count("holds for l = 2, 3") == 1 and "fails: w^{l+1} where" in out
    with pytest.raises(SystemExit) as refused:
        main(["verify", "half_adder", holds, "--bogus"])
    assert refused.value.code == 2 and "unrecognized arguments: --bogus" in capsys.readouterr().err
