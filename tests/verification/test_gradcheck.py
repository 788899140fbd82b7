"""gradcheck: a hand-written gradient function against the derivation and central differences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symbp.cli.main import main
from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.engine import derive
from symbp.errors import SymbpError
from symbp.spec.network import load
from symbp.verification.gradient_check import gradcheck, load_function

FIXTURES = Path(__file__).resolve().parent / "gradcheck_fixtures.py"


def test_correct_function_passes():
    report = gradcheck("half_adder", load_function(f"{FIXTURES}:correct"))
    assert report.ok, report.text()
    assert report.datasets[0] == "the spec's data" and len(report.datasets) == 3
    assert all(row.max_rel < 1e-10 for row in report.rows)
    assert "PASS" in report.text()


def test_transposed_dw_is_named():
    report = gradcheck("half_adder", load_function(f"{FIXTURES}:transposed_dw"))
    assert not report.ok
    assert "W2[0, 1]" in report.first_wrong
    rows = {row.name: row for row in report.rows}
    assert rows["W2"].max_abs > 1e-4 and rows["W1"].max_abs < 1e-12
    assert rows["W2"].slip == "it is the transpose of the derived gradient"
    assert "  W2: it is the transpose of the derived gradient" in report.text()


def test_missing_mean_is_named():
    report = gradcheck("half_adder", load_function(f"{FIXTURES}:missing_mean"))
    assert not report.ok
    assert report.first_wrong.startswith("the spec's data: W1[")
    assert all(row.max_rel == pytest.approx(3.0) for row in report.rows)  # 4 samples: 4x too big
    assert all(
        row.slip == "it is N times the derived gradient (the mean cost's 1/N is missing)"
        for row in report.rows
    )


def test_slips_are_named_only_when_they_explain_every_entry():
    flipped = {
        row.name: row.slip
        for row in gradcheck("half_adder", load_function(f"{FIXTURES}:flipped_biases")).rows
    }
    assert flipped == {"W1": None, "b1": "the sign is flipped", "W2": None, "b2": "the sign is flipped",
                       "W3": None, "b3": "the sign is flipped"}  # fmt: skip
    report = gradcheck("half_adder", load_function(f"{FIXTURES}:no_derivative"))
    assert not report.ok and all(row.slip is None for row in report.rows)


def _row_columns(report):
    return {line.split()[0]: line.split()[1:] for line in report.text().splitlines()[3:9]}


def test_a_nan_gradient_never_reads_as_no_error():
    # max(0.0, nan) is 0.0: the table once showed 0 for every NaN gradient
    def nans(params, X, T):
        return {key: np.full(value.shape, np.nan) for key, value in params.items()}

    report = gradcheck("half_adder", nans)
    assert not report.ok and all(np.isnan(row.max_abs) and np.isnan(row.max_rel) for row in report.rows)
    assert _row_columns(report)["W1"] == ["nan", "nan", "nan"]


@pytest.mark.slow
def test_parameters_the_function_never_answered_for_show_dashes_not_zeros():
    module = load_module(generate(derive(load("half_adder"))))

    def only_w1(params, X, T):
        return {"W1": module.gradients(params, X, T)["W1"]}

    def fails(params, X, T):
        raise RuntimeError("not written yet")

    columns = _row_columns(gradcheck("half_adder", only_w1))
    assert float(columns["W1"][0]) < 1e-12 and columns["b1"] == columns["W3"] == ["-", "-", "-"]
    report = gradcheck("half_adder", fails)
    assert not report.ok and "RuntimeError: not written yet" in report.first_wrong
    assert all(value == ["-", "-", "-"] for value in _row_columns(report).values())


def test_cli_exit_status(capsys):
    assert main(["gradcheck", f"{FIXTURES}:correct", "--spec", "half_adder"]) == 0
    assert main(["gradcheck", f"{FIXTURES}:transposed_dw", "--spec", "half_adder"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: the spec's data: W2[0, 1]" in out
    assert main(["gradcheck", f"{FIXTURES}:nothing", "--spec", "half_adder"]) == 2
    assert main(["gradcheck", "no_such_file.py:f", "--spec", "half_adder"]) == 2


def test_user_file_is_not_edited():
    before = FIXTURES.read_bytes()
    gradcheck("half_adder", load_function(f"{FIXTURES}:correct"))
    assert FIXTURES.read_bytes() == before


def test_bad_reference():
    with pytest.raises(SymbpError, match="FILE.py:FUNCTION"):
        load_function("no_colon")
