"""Every document compiles with pdflatex: no error, no undefined reference, no overfull box > 10pt.

Covers each built-in example, a deep (depth 6) and a wide (width 20)
network, and a spec whose description is full of TeX specials. Without
pdflatex the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from symbp.rendering.documents import render
from symbp.rendering.pdf import read_log
from symbp.spec.network import builtin_names
from tests.conftest import require
from tests.rendering._documents import EXTRA, derivation

pytestmark = pytest.mark.slow  # seconds a test: left out of the quick loop

CASES = [*builtin_names(), *EXTRA]
MAX_OVERFULL_PT = 10.0


def _compile(folder: Path, name: str) -> str:
    """Two pdflatex runs (the second resolves references); the log of the second."""
    command = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"]
    for _ in range(2):
        subprocess.run(command, cwd=folder, capture_output=True, timeout=180, check=False)
    return (folder / f"{name}.log").read_text(errors="replace")


def compile_all(folder: Path, documents: dict[str, str]) -> dict[str, str]:
    """Write each named document, then compile them two at a time (this machine has 2 cores): their logs."""
    for name, tex in documents.items():
        (folder / f"{name}.tex").write_text(tex, encoding="utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(documents, pool.map(lambda name: _compile(folder, name), documents), strict=True))


def require_tex():
    """Skip without pdflatex, except under CI=true, where its absence is a failure."""
    require("pdflatex")


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    require_tex()
    documents = {name: render(derivation(name), "latex") for name in CASES}
    return compile_all(tmp_path_factory.mktemp("latex"), documents)


@pytest.mark.parametrize("name", CASES)
def test_document_compiles_cleanly(logs, name):
    report = read_log(logs[name])
    assert not report.errors, report.errors
    assert not report.undefined, f"undefined references: {report.undefined}"
    too_wide = [width for width in report.overfull if width > MAX_OVERFULL_PT]
    assert not too_wide, f"overfull boxes (pt): {too_wide}"
    assert "Output written on" in logs[name]
