"""Documents: printers, templates, Markdown and text output, determinism, generated/ freshness."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import sympy as sp

from symbp.derivation import symbolic
from symbp.derivation.reasons import Reference, reason
from symbp.derivation.reasons import delta as delta_of
from symbp.derivation.symbolic import L as OUTPUT
from symbp.files import with_header
from symbp.rendering.applied_notation import Symbols
from symbp.rendering.documents import render, render_section, step_latex
from symbp.rendering.latex import latex
from symbp.rendering.reasons import ReasonPrinter
from symbp.spec.catalog import graph_builtin_names
from symbp.spec.network import builtin_names, load
from symbp.templating import environment, escape_latex
from tests.rendering._documents import SPECIALS, derivation

ROOT = Path(__file__).resolve().parents[2]


def test_escape_latex_escapes_every_special():
    assert escape_latex(r"_ & % $ # { } ~ ^ \ ") == (
        r"\_ \& \% \$ \# \{ \} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    assert escape_latex("déjà  vu\n<x>") == r"deja vu \textless{}x\textgreater{}"


def test_templates_keep_tex_braces():
    template = environment().from_string(
        r"a^{{2}} ((( x ))) ((= gone =))((* if y *))\frac{1}{2}((* endif *))"
    )
    assert template.render(x="b_{1}", y=True) == r"a^{{2}} b_{1} \frac{1}{2}"


def test_templates_reject_undefined_names():
    with pytest.raises(Exception, match="undefined"):
        environment().from_string("((( missing )))").render()


def test_index_notation():
    w, a, d, width = symbolic.w, symbolic.a, symbolic.delta, symbolic.width
    L, i, j, n = symbolic.L, symbolic.i, symbolic.j, symbolic.n
    assert latex(w[L - 1, i, j]) == r"w^{(L-1)}_{ij}"
    assert latex(a[0, n, i]) == r"x_{ni}"
    assert latex(d[L, n, j]) == r"\delta^{(L)}_{nj}"
    assert latex(width[L - 1]) == r"n_{L-1}"
    derivative = sp.Derivative(symbolic.C, w[L, i, j])
    assert latex(derivative) == r"\frac{\partial C}{\partial w^{(L)}_{ij}}"


def test_matrix_notation_and_numbering():
    network = load("demystified")  # input layer numbered 1, as in Neural Networks Demystified
    delta2 = sp.MatrixSymbol("delta2", 3, 1)
    W2 = sp.MatrixSymbol("W2", 3, 1)
    assert latex(delta2) == r"\delta^{(2)}"
    assert latex(delta2, network) == r"\delta^{(3)}"
    assert latex(sp.MatrixSymbol("dW2", 3, 1)) == r"\frac{\partial C}{\partial W^{(2)}}"
    assert latex(W2.T) == r"W^{(2)T}"
    assert latex(sp.HadamardProduct(delta2, delta2)) == r"\delta^{(2)} \odot \delta^{(2)}"
    assert latex(sp.MatrixSymbol("A_lminus1", 3, 1)) == r"A^{(l-1)}"


def test_markdown_uses_display_maths_blocks():
    text = render(derivation("half_adder"), "markdown")
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, flags=re.S | re.M)
    assert len(blocks) > 30
    assert text.count("$$") == 2 * len(blocks)
    assert all(block.strip() and "\n\n" not in block for block in blocks)
    assert r"\tag{eq:delta-rec}" in text and '<a id="eq-delta-rec"></a>' in text


def test_text_output_is_pretty_printed():
    text = render(derivation("half_adder"), "text")
    assert "δ" in text and "∂C" in text and "⊙" in text
    assert "\\frac" not in text and "$$" not in text


def test_documents_are_deterministic_and_free_of_paths():
    first = render(derivation("logistic"), "latex")
    again = render(derivation("logistic"), "latex")
    assert first == again
    assert str(ROOT) not in first and "/tmp" not in first


def test_every_label_is_in_the_latex():
    d = derivation("half_adder")
    text = render(d, "latex")
    for step in d.steps:
        if step.label:
            assert text.count(rf"\label{{{step.label}}}") == 1


def test_custom_activation_and_cost_change_the_printed_factors():
    custom = derivation("specials")  # softsign z/(1+|z|) and quartic (a - t)^4/4
    plain = derivation("demystified")  # sigmoid and half SSE
    custom_delta = latex(custom.step("eq:delta-L").eq.rhs)
    plain_delta = latex(plain.step("eq:delta-L").eq.rhs)
    assert custom_delta != plain_delta
    assert r"\right|" in custom_delta  # the softsign derivative 1/(1+|z|)^2, derived by SymPy
    assert "^{3}" in custom_delta  # d/da of (a - t)^4/4
    z = sp.Symbol("z", real=True)
    assert sp.simplify(sp.diff(z / (1 + sp.Abs(z)), z) - 1 / (1 + sp.Abs(z)) ** 2) == 0
    document = render(custom, "latex")
    assert custom_delta in document and plain_delta not in document
    assert escape_latex(SPECIALS["description"]) in document


def test_reasons_become_maths_and_references():
    why = reason(
        "recognise ",
        delta_of(OUTPUT),
        " ",
        Reference("eq:delta-L", True),
        "; see ",
        Reference("eq:nowhere", True),
        " 100%",
    )
    labels = {"eq:delta-L"}
    latex_reason = ReasonPrinter(Symbols(), "latex", labels).print(why)
    assert latex_reason == r"recognise $\delta^{(L)}$ \eqref{eq:delta-L}; see (eq:nowhere) 100\%"
    markdown = ReasonPrinter(Symbols(), "markdown", labels).print(why)
    assert markdown == r"recognise $\delta^{(L)}$ [(eq:delta-L)](#eq-delta-L); see (eq:nowhere) 100%"
    assert (
        ReasonPrinter(Symbols(), "text", labels).print(why)
        == "recognise δ^(L) (eq:delta-L); see (eq:nowhere) 100%"
    )
    assert str(why) == "recognise delta^{(L)} (eq:delta-L); see (eq:nowhere) 100%"


def test_jupyter_pieces():
    d = derivation("logistic")
    shown = step_latex(d.step("eq:dW"), d.network)
    assert shown.startswith("$$") and shown.endswith("$$") and r"\partial C" in shown
    section = render_section(d, "matrix")
    assert section.startswith("## In general: using matrices")
    with pytest.raises(KeyError):
        render_section(d, "L-2")


def test_templates_ship_with_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    assert "symbp.templates" in setuptools["packages"]
    assert setuptools["package-dir"]["symbp.templates"] == "templates"
    assert "*.j2" in setuptools["package-data"]["symbp.templates"]
    assert {"derivation.tex.j2", "derivation.md.j2", "derivation.txt.j2"} <= set(
        environment().list_templates()
    )


@pytest.mark.parametrize("name", builtin_names() + graph_builtin_names())
@pytest.mark.parametrize("suffix,fmt", [(".tex", "latex"), (".md", "markdown")])
def test_generated_documents_are_fresh(name, suffix, fmt):
    path = ROOT / "generated" / f"{name}{suffix}"
    expected = with_header(path, render(derivation(name), fmt))
    assert path.exists(), f"{path} is missing: run python tools/refresh.py"
    assert path.read_bytes() == expected.encode("utf-8"), f"{path} is stale: run python tools/refresh.py"


def test_worked_example_starts_from_the_generated_modules_initial_weights():
    import numpy as np

    from symbp.codegen.generator import generate
    from symbp.derivation.reference import initial_params

    for name in ("half_adder", "demystified"):
        network = derivation(name).network
        namespace: dict = {}
        exec(compile(generate(derivation(name)), f"{name}.py", "exec"), namespace)
        expected = namespace["init_params"](seed=network.train.seed)
        drawn = initial_params(network, np.random.default_rng(network.train.seed))
        assert drawn.keys() == expected.keys()
        for key in drawn:
            np.testing.assert_array_equal(drawn[key], expected[key])
