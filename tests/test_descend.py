"""symbp descend: the fourth seed text's gradient descent, with f'(x) derived instead of approximated."""

import math

import pytest
import sympy as sp

from symbp.cli.main import main
from symbp.codegen.descent import X, descend
from symbp.errors import SymbpError


def test_the_seed_example_lands_at_2_67(capsys):
    assert main(["descend", "x**3 - 4*x**2 + 6", "--x0", "0.5", "--lr", "0.05", "--steps", "100"]) == 0
    out = capsys.readouterr().out
    assert "Local minimum occurs at: 2.67" in out and "Number of steps:  100" in out
    assert "f'(x) = 3*x**2 - 8*x" in out


def test_derivative_is_exact_and_the_loop_is_generated_code():
    result = descend("exp(x) - 2*x", 0.0, 0.1, 200)
    assert sp.simplify(result.derivative - (sp.exp(X) - 2)) == 0
    assert result.path[-1] == pytest.approx(math.log(2), abs=1e-9)
    assert "def f_prime(x):" in result.source and "math.exp(x) - 2" in result.source
    compile(result.source, "descent.py", "exec")


def test_divergence_and_injection_are_refused(tmp_path):
    with pytest.raises(SymbpError, match="diverged"):
        descend("x**4", 3.0, 100.0, 100)
    marker = tmp_path / "ran"
    with pytest.raises(SymbpError, match="only calls of the listed functions"):
        descend(f"__import__('os').system('touch {marker}')", 0.5, 0.1, 10)
    assert not marker.exists()
