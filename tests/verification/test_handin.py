"""Whole hand derivations judged line by line: the first wrong line and its slip in every file of
tests/verification/derivations (a third right, the rest with one wrong step at a known line, two with
a compensating second error), on the half adder in Nielsen's notation, on Neural Networks Demystified's
network in its own notation (bold LaTeX and plain maths), and on five corpus sources without a profile
(Mazur, AIMA, CS229, d2l, Neurotic Networks) in the notation their readers write."""

import importlib
from pathlib import Path

import pytest

from symbp.verification.derivation_file import read_derivation_file
from symbp.verification.handin import RIGHT, WRONG, judge

FOLDER = Path(__file__).parent / "derivations"
# file -> (lines, first wrong line, words of the slip's diagnosis, compensated chains)
EXPECTED = {
    "right_weight_chain.tex": (3, None, None, []),
    "right_output_delta.tex": (3, None, None, []),
    "right_hidden_delta.tex": (3, None, None, []),
    "right_bias.tex": (3, None, None, []),
    "right_matrix_form.tex": (2, None, None, []),
    "right_two_chains.tex": (4, None, None, []),
    "right_plain_lines.txt": (2, None, None, []),
    "wrong_layer_line3.tex": (3, 3, "a^{l}_{k} where a^{l-1}_{k} is needed", []),
    "wrong_factor_two_line2.tex": (2, 2, "a factor 2 too many", []),
    "wrong_sign_line2.tex": (2, 2, "sign flipped", []),
    "wrong_no_derivative_line3.tex": (3, 3, "f(z^{L}_{j}) where the derivative f'(z^{L}_{j}) is needed", []),
    "wrong_index_order_line3.tex": (3, 3, "w^{l+1}_{jk} where w^{l+1}_{kj} is needed", []),
    "wrong_transpose_line1.tex": (2, 1, "w^{l+1} where (w^{l+1})^T is needed (transposed)", []),
    "wrong_bias_line2.tex": (2, 2, "off by one layer", []),
    "wrong_hidden_layer_line2.tex": (2, 2, "z^{l+1}_{j} where z^{l}_{j} is needed", []),
    "wrong_second_chain_line4.tex": (4, 4, "a^{L}_{k} where a^{L-1}_{k} is needed", []),
    "wrong_weight_swapped_line2.tex": (2, 2, "swapped weight indices", []),
    "wrong_matrix_odot_line2.tex": (2, 2, "f(z^{L}) where the derivative f'(z^{L}) is needed", []),
    "wrong_first_line.tex": (2, 1, "the activation derivative f'(z^{L}_{j})", []),
    "compensated_factor_two.tex": (3, 2, "a factor 2 too many", [1]),
    "compensated_sign.tex": (4, 2, "sign flipped", [1]),
    "right_bold_matrix.tex": (2, None, None, []),
    "right_plain_maths.txt": (2, None, None, []),
    # the diagnosis keeps the writer's bold
    "wrong_bold_transpose_line3.tex": (
        3,
        3,
        r"\mathbf{W}^{(2)} where (\mathbf{W}^{(2)})^T is needed (transposed)",
        [],
    ),
    "wrong_plain_maths_line2.txt": (2, 2, "a^{(1)} where a^{(2)} is needed", []),
    # written as students copy them from sources without a profile, in each source's corpus notation
    "right_mazur_w5.tex": (3, None, None, []),
    # o(1 - o) taken at the wrong unit: one slip at two occurrences, named once
    "wrong_mazur_hidden_line3.tex": (
        3,
        3,
        "out_{o1} where out_{h1} is needed; and the same in a second place",
        [],
    ),
    "right_aima_hidden.tex": (5, None, None, []),  # and the two definitions of the prose below it
    "wrong_aima_factor_two_line2.tex": (3, 2, "a factor 2 is missing", []),
    "right_cs229_two_layers.tex": (3, None, None, []),
    "wrong_cs229_transpose_line2.tex": (2, 2, "the transpose of the derivative", []),
    "right_d2l_w1.tex": (3, None, None, []),
    "wrong_d2l_phi_line2.tex": (2, 2, r"a factor is missing: the activation derivative \phi'(z^{(1)})", []),
    "right_neurotic_hidden.tex": (3, None, None, []),
    "wrong_neurotic_sign_line3.tex": (3, 3, "sign flipped", []),
}
# judged on the demystified network in its own notation; those in neither set on the half adder in Nielsen's
DEMYSTIFIED = {"right_bold_matrix.tex", "right_plain_maths.txt", "wrong_bold_transpose_line3.tex"}
DEMYSTIFIED |= {"wrong_plain_maths_line2.txt"}
# judged on the network and in the notation of the corpus source (tests/verification/sources) they copy
SOURCED = {
    "right_mazur_w5.tex": "mazur",
    "wrong_mazur_hidden_line3.tex": "mazur",
    "right_aima_hidden.tex": "aima",
    "wrong_aima_factor_two_line2.tex": "aima",
    "right_cs229_two_layers.tex": "cs229",
    "wrong_cs229_transpose_line2.tex": "cs229",
    "right_d2l_w1.tex": "d2l",
    "wrong_d2l_phi_line2.tex": "d2l",
    "right_neurotic_hidden.tex": "neurotic_networks",
    "wrong_neurotic_sign_line3.tex": "neurotic_networks",
}


def judged(name):
    path = str(FOLDER / name)
    if name in SOURCED:
        source = importlib.import_module(f"tests.verification.sources.{SOURCED[name]}").SOURCE
        return judge(source.network, read_derivation_file(path), notation=source.notation)
    if name in DEMYSTIFIED:
        return judge("demystified", read_derivation_file(path))
    return judge("half_adder", read_derivation_file(path), notation="nielsen")


def test_the_corpus_is_every_file_of_the_folder():
    assert sorted(path.name for path in FOLDER.iterdir()) == sorted(EXPECTED)
    right = [name for name, expected in EXPECTED.items() if expected[1] is None]
    assert len(EXPECTED) >= 20 and len(right) * 3 >= len(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_first_wrong_line_and_its_slip(name):
    lines, first_wrong, slip, compensated = EXPECTED[name]
    handin = judged(name)
    assert len(handin.verdicts) == lines
    assert not handin.unreadable
    assert handin.first_wrong_line == first_wrong
    assert handin.compensated == compensated
    if first_wrong is None:
        assert handin.status == 0
        assert all(verdict.step == RIGHT and verdict.claim == "holds" for verdict in handin.verdicts)
        return
    assert handin.status == 1
    wrong = handin.first_wrong
    assert wrong.step == WRONG and wrong.claim == "fails"
    assert slip in wrong.diagnosis
    assert wrong.counterexample and "claimed" in wrong.counterexample[1]
    assert all(verdict.step == RIGHT for verdict in handin.verdicts[: first_wrong - 1])


def test_a_step_between_two_wrong_lines_is_compared_directly():
    handin = judge(
        "half_adder", read_derivation_file(str(FOLDER / "compensated_sign.tex")), notation="nielsen"
    )
    steps = [(verdict.step, verdict.claim) for verdict in handin.verdicts]
    assert steps == [(RIGHT, "holds"), (WRONG, "fails"), (RIGHT, "fails"), (WRONG, "holds")]
    assert handin.verdicts[2].diagnosis == "equal to line 2, which is already wrong"


def test_a_wrong_step_between_two_wrong_lines_is_diagnosed_against_the_line_before(tmp_path):
    path = tmp_path / "two_slips.tex"
    path.write_text(
        r"\begin{align*} \delta^L_j &= \frac{\partial C}{\partial a^L_j} \\ &= 2(a^L_j - y_j) \end{align*}"
    )
    handin = judge("half_adder", read_derivation_file(str(path)), notation="nielsen")
    assert handin.first_wrong_line == 1
    second = handin.verdicts[1]
    assert second.step == WRONG
    assert second.diagnosis == "differs from line 1: a factor 2 too many (or a 1/2 missing)"
    assert "the line before gives" in second.counterexample[0]


def test_an_unreadable_line_is_marked_and_the_others_judged(tmp_path):
    path = tmp_path / "unknown.tex"
    path.write_text(
        r"\begin{align*} \delta^L_j &= (a^L_j - y_j)\sigma'(z^L_j) \\ "
        r"&= (a^L_j - q_j)\sigma'(z^L_j) \end{align*}"
    )
    handin = judge("half_adder", read_derivation_file(str(path)), notation="nielsen")
    assert [verdict.claim for verdict in handin.verdicts] == ["holds", "unreadable"]
    assert "q_j" in handin.verdicts[1].error
    assert handin.status == 2
