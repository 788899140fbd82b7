"""symbp descend: the descent of unit 1.4 - Back-propagation, with f'(x) derived, not approximated."""

import math
import subprocess
import sys

import pytest
import sympy as sp

from symbp.cli.main import main
from symbp.codegen.descent import X, descend
from symbp.errors import SymbpError


def test_the_seed_example_lands_at_2_67(capsys):
    assert main(["descend", "x**3 - 4*x**2 + 6", "--x0", "0.5", "--lr", "0.05", "--steps", "100"]) == 0
    out = capsys.readouterr().out
    assert "Local minimum occurs at: 2.67" in out and "Number of steps: 100\n" in out
    assert "f'(x) = 3*x**2 - 8*x" in out


@pytest.mark.parametrize(
    ("function", "x0", "steps", "outcome"),
    [
        # five steps of x**2 from 3 stop at 1.77, where f' is 3.54: once printed as its local minimum
        ("x**2", 3.0, 5, "Not yet a minimum after 5 steps: x = 1.77, where f'(x) = 3.54"),
        ("x**2", 3.0, 100, "Local minimum occurs at: 0.00"),
        # 1000 steps of x**4 reach 0.05, and Newton's estimate puts the minimum 0.017 further
        ("x**4", 1.0, 1000, "Not yet a minimum after 1000 steps: x = 0.05"),
        ("-x**2", 0.0, 10, "A local maximum, not a minimum, at: 0.00 (f'(x) = 0 and f''(x) = -2 there"),
        ("x**3", 0.0, 10, "A stationary point at: 0.00 (f'(x) = 0 there, and f''(x) is 0 or undefined"),
        ("abs(x)", 0.0, 10, "A stationary point at: 0.00"),
    ],
)
def test_the_last_x_is_called_a_minimum_only_when_it_is_one(function, x0, steps, outcome):
    assert descend(function, x0, 0.05, steps).outcome().startswith(outcome)


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


def test_the_generated_script_prints_what_the_command_prints(tmp_path):
    script = tmp_path / "descent.py"
    script.write_text(descend("x**3 - 4*x**2 + 6", 0.5, 0.05, 100).source)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60).stdout
    assert out == "Local minimum occurs at: 2.67\nNumber of steps: 100\n"
