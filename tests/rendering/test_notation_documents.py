"""Documents in every notation profile: six networks render in each format and speak the profile.

The key equations are checked against the sources' own forms (Nielsen's BP2, deeplearning.ai's dW with
1/m, Ng's recursion through Theta^{(l)T}, Rumelhart's delta = -dE/dnet, ...), printed from the same
derivation by transforming its SymPy expressions.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import pytest

from symbp.derivation.engine import derive
from symbp.rendering.documents import render
from symbp.rendering.pdf import read_log
from symbp.spec.network import load
from symbp.spec.profiles import PROFILES, notation_from
from tests.conftest import derived
from tests.rendering.test_latex_compile import MAX_OVERFULL_PT, compile_all, require_tex

NETWORKS = {
    "softmax_cce": {"name": "sm", "layers": [2, 3, 3], "activation": ["sigmoid", "softmax"], "cost": "cce"},
    "tanh": {"name": "th", "layers": [2, 3, 2, 1], "activation": "tanh", "cost": "half_mse"},
    "relu": {"name": "rl", "layers": [3, 4, 2], "activation": ["relu", "sigmoid"], "cost": "bce"},
    "no_bias": {"name": "nb", "layers": [2, 2, 1], "activation": "sigmoid", "bias": False},
    "numbering_1": "demystified",
    "custom": {
        "name": "cu",
        "layers": [2, 3, 1],
        "activation": {"name": "softsign", "expr": "z/(1+abs(z))"},
        "cost": {"name": "quartic", "expr": "(a - t)**4/4"},
    },
}

# Each profile's marks, as its source prints them: (LaTeX fragments, terminal-text fragments).
MARKS = {
    "default": (
        [r"w^{(l)}_{ij}", r"\frac{\partial C}{\partial W^{(l)}} = A^{(l-1)T} \delta^{(l)}"],
        ["δ", "⊙"],
    ),
    "welch": ([r"\frac{\partial J}{\partial W^{(1)}}", r"\left(\delta^{(l+1)} W^{(l)T}\right)"], ["J", "ŷ"]),
    "nielsen": (
        [
            r"w^{l}_{jk}",
            r"\delta^{l} = \left(\left(w^{l+1}\right)^{T} \delta^{l+1}\right) \odot",
            r"\partial C_x",
        ],
        ["δ", "⊙"],
    ),
    "ng": ([r"\Theta^{(l-1)}_{ij}", r"\left(\Theta^{(l)T} \delta^{(l+1)}\right) .*"], ["Θ", ".*"]),
    "deeplearning_ai": (
        [r"dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}", r"dZ^{[l]} = \left(W^{[l+1]T} dZ^{[l+1]}\right) *"],
        ["dZ", "[l]"],
    ),
    "goodfellow": ([r"\nabla_{W^{(l)}} J = g^{(l)} h^{(l-1)\top}", r"a^{(1)} = W^{(1)} x"], ["∇", "ᵀ"]),
    "bishop": ([r"\frac{\partial E}{\partial w^{(l)}_{ji}}", r"\delta^{(l)} z^{(l-1)T}"], ["E", "δ"]),
    "cs231n": (
        [r"dW^{(l)} = H^{(l-1)T} dS^{(l)}", r"S^{(1)} = \mathbf{1} b^{(1)} + X W^{(1)}"],
        ["dS", "step"],
    ),
    "ufldl": ([r"\nabla_{W^{(l-1)}} J = \delta^{(l)} a^{(l-1)T}", r"\bullet"], ["•", "∇"]),
    "wikipedia": ([r"\mathrm{net}^{l}", r"\circ", r"o^{l}"], ["net", "∘"]),
    "rumelhart": (
        [r"\frac{\partial E_p}{\partial W^{(l)}} = - \delta^{(l)}", r"\mathrm{net}^{(1)}"],
        ["net", "E"],
    ),
    "raschka": ([r"A^{(in)}", r"^{(out)}", r"\phi"], ["(in)", "(out)"]),
    "3blue1brown": (
        [r"\frac{\partial C_0}{\partial W^{(l)}} = \delta^{(l)} a^{(l-1)T}", r"a^{(0)}"],
        ["C_0", "δ"],
    ),
}


@cache
def document(network: str, profile: str, fmt: str) -> str:
    base = derived(NETWORKS[network])
    in_profile = dataclasses.replace(base.network, notation=notation_from(profile))
    return render(dataclasses.replace(base, network=in_profile), fmt)


def test_every_profile_has_marks():
    assert set(MARKS) == set(PROFILES)


@pytest.mark.slow
@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("profile", PROFILES)
def test_documents_render_in_every_profile(network, profile):
    notation = PROFILES[profile]
    tex, markdown, text = (document(network, profile, fmt) for fmt in ("latex", "markdown", "text"))
    assert tex.startswith(r"\documentclass") and r"\end{document}" in tex
    assert notation.source in markdown and notation.source in text
    for printed in (tex, markdown):
        assert rf"\partial {notation.cost}" in printed
    assert "[sym+num]" in markdown and "How the steps were checked" in markdown
    latex_marks, text_marks = MARKS[profile]
    if network == "softmax_cce":  # the source-shaped equations: a sigmoid hidden layer, biases
        for mark in latex_marks:
            assert mark in markdown, (profile, mark)
            assert mark in tex or mark.replace(" = ", " &= ", 1) in tex, (profile, mark)
    for mark in text_marks:
        assert mark in text, (profile, mark)
    leaked = re.findall(r"\\[A-Za-z]+|\^\{", text)
    assert not leaked, f"LaTeX in the terminal text of {profile}: {sorted(set(leaked))}"


def test_default_profile_marks_are_the_default_documents():
    assert document("softmax_cce", "default", "markdown") == render(
        derived(NETWORKS["softmax_cce"]), "markdown"
    )


def test_numbering_1_keeps_the_third_texts_weight_numbers_in_every_profile():
    assert r"W^{(1)}" in document("numbering_1", "welch", "latex")  # W^{(1)} leaves layer 1
    assert r"\frac{\partial C}{\partial w^{2}_{jk}}" not in document("numbering_1", "nielsen", "latex")


def test_the_half_adders_example_sample_shows_every_term():
    from symbp.rendering.worked import showing_sample, worked_example

    half_adder = derive(load("half_adder"))
    assert showing_sample(half_adder.network.X) == 3  # (1, 1): the first sample with no zero input
    example = worked_example(half_adder)
    assert example.sample == 4 and all(float(cell) != 0 for row in example.x.rows for cell in row)
    gradients = [q for layer in example.layers for q in layer.backward if q.name.startswith("dW")]
    assert all(float(cell) != 0 for quantity in gradients for row in quantity.rows for cell in row)
    assert showing_sample([(0, 0), (0, 2), (1, 0)]) == 1  # none without a zero: the first with most


COMPILED = tuple(PROFILES)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    require_tex()
    documents = {profile: document("softmax_cce", profile, "latex") for profile in COMPILED}
    return compile_all(tmp_path_factory.mktemp("notation-latex"), documents)


@pytest.mark.slow
@pytest.mark.parametrize("profile", COMPILED)
def test_profile_documents_compile(profile, logs):
    log = logs[profile]
    report = read_log(log)
    assert not report.errors, report.errors
    assert not report.undefined, report.undefined
    assert not [width for width in report.overfull if width > MAX_OVERFULL_PT], report.overfull
    assert "Output written on" in log


def test_docs_notation_table_is_printed_by_symbp():
    from symbp.rendering.notation_table import BEGIN, END, REFERENCE, profile_table

    text = (Path(__file__).parents[2] / "docs" / "notation.md").read_text(encoding="utf-8")
    committed = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert committed == profile_table(derive(load(REFERENCE))), "stale: run python tools/refresh.py"
    for name in PROFILES:
        assert f"| `{name}` |" in committed
    assert (
        r"\delta^{l} = \left(\left(w^{l+1}\right)^{T} \delta^{l+1}\right) \odot" in committed
    )  # Nielsen BP2
    assert r"dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}" in committed  # deeplearning.ai
