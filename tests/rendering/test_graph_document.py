"""The document of a graph derivation: every format, the sum over consumers written out term by term."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from functools import cache

import pytest
import sympy as sp
from sympy.matrices.expressions import Transpose

import symbp
from symbp.rendering.documents import render
from symbp.rendering.latex import latex
from symbp.spec.profiles import PROFILES, notation_from
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
        "chain rule: $A^{(2)}$ reaches $C$ through $Z^{(3)}$ (multiplied by $W^{(3)}$ into layer 3), "
        "$A^{(3)}$ (the identity path into layer 3)" in residual
    )
    tied = render(symbp.derive(symbp.load("tied_autoencoder")), "markdown")
    assert "through $Z^{(1)}$: $X^{T} \\delta^{(1)}$" in tied
    assert "through $Z^{(2)}$: $\\delta^{(2)T} A^{(1)}$" in tied
    assert (
        "chain rule: $W^{(1)}$ reaches $C$ through $Z^{(1)}$ (its use in layer 1), "
        "$Z^{(2)}$ (its tied use in layer 2, transposed)" in tied
    )
    skip = render(symbp.derive(symbp.load("skip_xor")), "markdown")
    assert "W^{(2,0)}" in skip


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_path_is_named_in_the_notation(profile):
    """The backward pass names each path by the matrix, use, activation or identity path it is, with
    the profile's symbols and layer numbers."""
    for name in ("tied_autoencoder", "residual"):
        derivation = _in_profile(name, profile)
        network = derivation.network
        document = render(derivation, "markdown")
        backward = document[document.index("## Backward pass") :]
        assert "factor" not in backward
        number = network.notation.layer_label
        if name == "tied_autoencoder":
            decoder = latex(Transpose(sp.MatrixSymbol("W1", 1, 1)), network, inline=True)
            assert f"(multiplied by ${decoder}$ into layer {number(2)})" in backward
            assert f"(its use in layer {number(1)})" in backward
            assert f"(its tied use in layer {number(2)}, transposed)" in backward
        else:
            assert f"(the identity path into layer {number(3)})" in backward
            assert f"(the activation of layer {number(2)})" in backward


def test_jupyter_shows_a_graph_derivation_and_its_steps():
    derivation = symbp.derive(symbp.load("residual"))
    assert derivation._repr_markdown_() == render(derivation, "markdown")
    step = next(step for step in derivation.steps if step.label == "eq:dA-h2")
    shown = step._repr_latex_()
    assert shown.startswith("$$") and "\\frac{\\partial C}{\\partial a^{(3)}_{nj}}" in shown


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


BUILTINS = ("skip_xor", "residual", "tied_autoencoder")


@cache
def _derived(name: str):
    return symbp.derive(symbp.load(name))


def _in_profile(name: str, profile: str):
    """The built-in's derivation with the network in ``profile`` (the notation only prints it)."""
    derivation = _derived(name)
    return dataclasses.replace(
        derivation, network=dataclasses.replace(derivation.network, notation=PROFILES[profile])
    )


@pytest.mark.slow
@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("name", BUILTINS)
def test_graph_steps_print_in_every_profile(name, profile):
    derivation = _in_profile(name, profile)
    network = derivation.network
    labelled = [step.label for step in derivation.steps if step.label]
    latex_document = render(derivation, "latex")
    # every labelled step is an equation of the document, and every reason's reference resolves
    assert [label for label in labelled if f"\\label{{{label}}}" not in latex_document] == []
    text = render(derivation, "text")
    assert text.count(". [num]") + text.count(". [matrix num]") == len(derivation.steps)
    assert render(derivation, "markdown").count("<sub>") == len(derivation.steps)
    # the graph's own matrices in the profile's style, from its Notation
    if name == "skip_xor":
        skip = latex(sp.MatrixSymbol("W2_0", 1, 1), network)
        assert network.notation.connection_mark(2, 0, network.depth) in skip
        assert skip in latex_document
    if name == "tied_autoencoder":
        assert latex(Transpose(sp.MatrixSymbol("W1", 1, 1)), network) in latex_document
    # dC/dA of a hidden layer: the notation's gradient of its activation matrix
    assert network.notation.activation_matrix in latex(sp.MatrixSymbol("dA1", 1, 1), network)
    # no internal name reaches the maths
    found = re.findall(r"\\\[(.*?)\\\]|\\begin\{equation\}(.*?)\\end", latex_document, re.S)
    maths = " ".join(part for match in found for part in match)
    assert maths.count("=") >= len(derivation.steps)
    assert not re.search(r"\b(dA\d|W\d_\d|delta_[lc])\b", maths)


@pytest.mark.slow
@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("name", BUILTINS)
def test_graph_latex_compiles_in_every_profile(name, profile, tmp_path):
    require("pdflatex")
    tex = tmp_path / f"{name}.tex"
    tex.write_text(render(_in_profile(name, profile), "latex"), encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
