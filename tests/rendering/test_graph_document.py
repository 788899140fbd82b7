"""The document of a graph derivation: every format, the sum over consumers written out term by term."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

import symbp
from symbp.rendering.documents import render
from symbp.spec.profiles import notation_from
from tests.conftest import require


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
@pytest.mark.parametrize("name", ["skip_xor", "residual", "tied_autoencoder"])
def test_graph_document_in_every_format(name, fmt):
    derivation = symbp.derive(symbp.load(name))
    document = render(derivation, fmt)
    assert "Backward pass, in reverse topological order" in document
    assert document.count("checked: central differences agree") == len(derivation.backward)
    if fmt == "latex":
        assert document.startswith("\\documentclass") and document.rstrip().endswith("\\end{document}")


def test_residual_identity_path_and_tied_sum_are_terms():
    residual = render(symbp.derive(symbp.load("residual")), "markdown")
    assert (
        "chain rule: $A^{(2)}$ reaches $C$ through $Z^{(3)}$ (product, left factor), "
        "$A^{(3)}$ (identity path)" in residual
    )
    tied = render(symbp.derive(symbp.load("tied_autoencoder")), "markdown")
    assert "through $Z^{(1)}$: $X^{T} \\delta^{(1)}$" in tied
    assert "through $Z^{(2)}$: $\\delta^{(2)T} A^{(1)}$" in tied
    skip = render(symbp.derive(symbp.load("skip_xor")), "markdown")
    assert "W^{(2,0)}" in skip


def test_graph_document_follows_the_notation():
    network = symbp.load("skip_xor")
    nielsen = dataclasses.replace(network, notation=notation_from("nielsen"))
    default, other = render(symbp.derive(network), "latex"), render(symbp.derive(nielsen), "latex")
    assert default != other


def test_graph_diagram_draws_every_connection():
    document = render(symbp.derive(symbp.load("skip_xor")), "latex")
    assert document.count(r"\draw[->, thick") == 3  # W1, W2 and the skip W2_0
    assert "bend left" in document and "$W^{(2,0)}$" in document
    residual = render(symbp.derive(symbp.load("residual")), "latex")
    assert residual.count(r"\draw[->, dashed") == 2  # the two identity paths
    tied = render(symbp.derive(symbp.load("tied_autoencoder")), "latex")
    assert "{$W^{(1)}$} (layer1)" in tied and "{$W^{(1)T}$} (layer2)" in tied


@pytest.mark.slow
@pytest.mark.parametrize("name", ["skip_xor", "residual", "tied_autoencoder"])
def test_graph_latex_compiles(name, tmp_path):
    require("pdflatex")
    tex = tmp_path / f"{name}.tex"
    tex.write_text(render(symbp.derive(symbp.load(name)), "latex"), encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
