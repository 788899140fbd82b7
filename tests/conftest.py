"""What every stage's tests share: one rule for optional tools, and the slow marker."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

# What each optional tool is, how to tell it is there, and how to install it.
TOOLS = {
    "pdflatex": (lambda: shutil.which("pdflatex") is not None, "run .ci/tex-deps"),
    "scipy": (lambda: importlib.util.find_spec("scipy") is not None, "pip install '.[train]'"),
    "sklearn": (lambda: importlib.util.find_spec("sklearn") is not None, "pip install '.[data]'"),
    "torch": (lambda: importlib.util.find_spec("torch") is not None, "pip install '.[torch]'"),
    "jax": (lambda: importlib.util.find_spec("jax") is not None, "pip install '.[jax]'"),
}


def require(tool: str) -> None:
    """Skip a test without an optional tool, except under CI=true, where its absence is a failure."""
    present, install = TOOLS[tool]
    if present():
        return
    message = f"{tool} is not installed ({install})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must install it")
    pytest.skip(message)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: a test of more than a few seconds; `pytest -m 'not slow'` leaves it out"
    )
