"""No NumPy warning reaches the terminal, from any command, even where the numbers overflow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # each case starts symbp in a child process
RUN = "import sys\nfrom symbp.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"
EXPLODING = (
    'name = "boom"\nlayers = [1, 1]\nbias = false\nactivation = { name = "e", expr = "exp(exp(exp(z)))" }\n'
)
SATURATING = (
    'name = "flat"\nlayers = [2, 3, 2]\ncost = "bce"\n'
    'activation = [{ name = "e", expr = "exp(exp(exp(z)))" }, "sigmoid"]\n'
)


@pytest.mark.parametrize(
    "argv, status",
    [
        (("derive", "boom.toml"), 0),
        (("derive", "flat.toml"), 2),
        (("generate", "boom.toml", "-o", "boom.py"), 0),
        (("verify", "boom.toml", r"\delta^{(L)}_j = \exp(\exp(\exp(z^{(L)}_j)))"), 1),
        (("demo", "boom.toml", "-o", "out", "--no-pdf"), 1),
        (("descend", "exp(x)", "--x0", "1000"), 2),
    ],
    ids=lambda value: value[0] if isinstance(value, tuple) else str(value),
)
def test_overflowing_numbers_print_no_numpy_warning(argv, status, tmp_path):
    (tmp_path / "boom.toml").write_text(EXPLODING)
    (tmp_path / "flat.toml").write_text(SATURATING)
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", RUN, *argv],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Warning" not in result.stderr + result.stdout and "encountered" not in result.stderr
    assert "Traceback" not in result.stderr
