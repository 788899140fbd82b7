"""What every stage's tests share: each network derived (and its module generated) once per run, one rule
for optional tools, and the slow marker."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from functools import cache

import pytest

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.derivation.any_network import derive
from symbp.spec.network import load

# What each optional tool is, how to tell it is there, and how to install it.
TOOLS = {
    "pdflatex": (lambda: shutil.which("pdflatex") is not None, "run .ci/tex-deps"),
    "scipy": (lambda: importlib.util.find_spec("scipy") is not None, "pip install '.[train]'"),
    "sklearn": (lambda: importlib.util.find_spec("sklearn") is not None, "pip install '.[data]'"),
    "chromium": (
        lambda: all(shutil.which(path) for path in ("/usr/bin/chromium", "/usr/bin/chromedriver")),
        "run .ci/page-deps",
    ),
    "selenium": (lambda: importlib.util.find_spec("selenium") is not None, "pip install '.[test]'"),
    "torch": (lambda: importlib.util.find_spec("torch") is not None, "pip install '.[torch]'"),
    "jax": (lambda: importlib.util.find_spec("jax") is not None, "pip install '.[jax]'"),
}


def derived(source: str | dict):
    """The Derivation of a built-in name or a spec dict: each network is derived once per test run."""
    return _derived(json.dumps(source, sort_keys=True))


@cache
def _derived(key: str):
    return derive(load(json.loads(key)))


def module_of(source: str | dict, dtype: str = "float64"):
    """The generated module of a built-in name or a spec dict, generated and loaded once per test run."""
    return _module(json.dumps(source, sort_keys=True), dtype)


@cache
def _module(key: str, dtype: str):
    return load_module(generate(_derived(key), dtype))


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
