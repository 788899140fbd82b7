r"""Names a hand derivation defines ("where \Delta_k = Err_k g'(in_k)", "\Delta_j := ...", "\equiv") and
later lines use: read from the file, written out in the lines that use them (index letters renamed, never
captured), and judged; a definition of a quantity the notation knows is checked as a claim."""

import re
from pathlib import Path

import pytest

from symbp.spec.network import load
from symbp.verification.definitions import definition, expanded
from symbp.verification.derivation_file import read_derivation, read_derivation_file
from symbp.verification.handin import DEFINES, RIGHT, WRONG, judge

FOLDER = Path(__file__).parent / "defined"


@pytest.fixture(scope="module")
def aima():
    return load(str(FOLDER / "aima.toml"))


@pytest.mark.parametrize(
    "text",
    [
        r"\[ Q = A \quad\text{where } \Delta_k = B_k \]",
        r"\[ Q = A, \text{where} \Delta_k = B_k \]",
        "Q = A where \\Delta_k = B_k",
        r"\[ Q = A \] \[ \Delta_k := B_k \]",
        r"\[ Q = A \] \[ \Delta_k \equiv B_k \]",
        r"\[ Q = A \] \[ \Delta_k \stackrel{\text{def}}{=} B_k \]",
        r"\[ Q = A \] \[ \Delta_k \coloneqq B_k \]",
    ],
)
def test_each_way_of_writing_a_definition_is_read_as_one(text):
    lines = read_derivation(text).lines
    assert [(line.formula, line.defines) for line in lines] == [("Q = A", False), (r"\Delta_k = B_k", True)]


def test_a_use_is_the_body_with_its_index_letters():
    item = definition(r"\Delta_k", r"Err_k g'(in_k)")
    text = expanded(r"-a_j \Delta_k + \Delta_{m} w_{m,k} - \Deltas", [item])
    assert text == r"-a_j \left(Err_{k} g'(in_{k})\right) + \left(Err_{m} g'(in_{m})\right) w_{m,k} - \Deltas"


def test_a_summation_letter_of_the_body_is_never_captured_by_a_use():
    item = definition(r"\Delta_j", r"\sum_{k=1}^{n} w_{jk} \delta_k + E_{total}")
    assert (
        expanded(r"a_k \Delta_k", [item]) == r"a_k \left(\sum_{p=1}^{n} w_{kp} \delta_{p} + E_{total}\right)"
    )


def test_a_unit_letter_names_its_layer_and_is_not_renamed():
    item = definition(r"\Delta_k", "Err_k", frozenset("ijk"))
    assert expanded(r"\Delta_j + \Delta_k", [item]) == r"\Delta_j + \left(Err_{k}\right)"


def test_a_left_side_that_is_not_one_name_defines_nothing():
    assert definition(r"a + b", "c") is None
    assert definition(r"\Delta_{kk}", "c") is None


# file -> (first wrong line, words of the slip, the lines' claims)
EXPECTED = {
    "right_where_and_define.tex": (None, None, ["holds", "holds", DEFINES, DEFINES, "holds"]),
    "wrong_sign_line2.tex": (2, "sign flipped", ["holds", "fails", DEFINES, DEFINES, "holds"]),
    "wrong_definition_used_line2.tex": (
        2,
        "the activation derivative g'(in_{k})",
        ["holds", "fails", DEFINES],
    ),
    # a definition in the prose around the maths: "where $...$", "Let $...$", "we define $...$"
    "right_prose_where.tex": (None, None, ["holds", "holds", DEFINES, DEFINES, "holds"]),
    "wrong_prose_definition_line2.tex": (
        2,
        "the activation derivative g'(in_{k})",
        ["holds", "fails", DEFINES],
    ),
    "wrong_known_definition_line1.tex": (1, "the activation derivative g'(in_{k})", ["fails", "holds"]),
    # a definition of a symbol the notation declares (Err = y - a) is checked as an identity
    "right_restated_error.tex": (None, None, ["holds", "holds", DEFINES]),
    "wrong_restated_error_line2.tex": (
        2,
        "Err_k is not a_k - y_k in this notation",
        ["holds", "fails", DEFINES],
    ),
}


def test_the_folder_is_the_expected_files():
    assert sorted(path.name for path in FOLDER.glob("*.tex")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_derivation_with_definitions_is_judged_with_them(aima, name):
    first_wrong, slip, claims = EXPECTED[name]
    handin = judge(aima, read_derivation_file(str(FOLDER / name)))
    assert [verdict.claim for verdict in handin.verdicts] == claims
    assert handin.first_wrong_line == first_wrong
    assert not handin.unreadable
    if first_wrong is None:
        assert handin.status == 0 and all(verdict.step == RIGHT for verdict in handin.verdicts)
    else:
        assert handin.first_wrong.step == WRONG and slip in handin.first_wrong.diagnosis


def test_a_line_using_a_name_nothing_defines_is_refused_naming_it(aima):
    handin = judge(aima, read_derivation(r"\[ \frac{\partial Loss}{\partial w_{j,k}} = -a_j \Gamma_k \]"))
    assert handin.status == 2
    assert "\\Gamma" in handin.verdicts[0].error


def test_an_index_or_layer_letter_is_never_defined():
    assert definition("l", "L") is None
    assert definition("k", "1") is None
    item = definition(r"\Delta_j", r"\delta^l_j")
    assert expanded(r"a^l_j \Delta_k", [item]) == r"a^l_j \left(\delta^l_{k}\right)"


def test_a_false_restatement_of_a_known_symbol_gives_a_counterexample(aima):
    """Err_k := a_k - y_k where the notation's Err is y - a: the counterexample names an entry whose two
    sides are each other's negatives, as the two definitions say."""
    handin = judge(aima, read_derivation_file(str(FOLDER / "wrong_restated_error_line2.tex")))
    (line,) = handin.first_wrong.counterexample
    match = re.fullmatch(r"at k=(\d) at random point 1: the left side is (\S+), the right side (\S+)", line)
    assert match is not None, line
    left, right = float(match[2]), float(match[3])
    assert int(match[1]) in (1, 2) and abs(left) > 1e-6 and left == pytest.approx(-right, rel=1e-9)
