"""Fuzzing the formula reader with its own vocabulary: every token string reads or is refused in one line.

The tokens are the grammar's literal terminals, spellings of its pattern
terminals, and every symbol and function spelling of the notation's lexicon,
so random strings reach deep into the grammar (sums with limits, fractions,
cases, np calls) rather than failing at the first character.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.cli.main import main
from symbp.spec.notation import Notation
from symbp.spec.profiles import PROFILES
from symbp.verification.formula import FormulaError, parse_formula
from symbp.verification.grammar import RULES
from symbp.verification.lexicon import lexicon

# spellings of the grammar's pattern terminals (sums and their limits, layers, subscripts, primes, ...)
# fmt: off
PATTERN_SPELLINGS = (
    r"\sum", r"\sum\limits", "sum", "_k", "_{k}", "_{k=1}", "_{n=1}", "_n", "^N", "^{N}", "^2", "^{n_{l+1}}",
    "^m", "_j", "_{ij}", "_{jk}", "_{nj}", "_{12}", "^{(l)}", "^{(L)}", "^{(L-1)}", "^{(l+1)}",
    "^l", "^{[l]}", "(l)", "(L)", "^T", "^{T}", r"^\top", ".T", r"^{\circ 2}", "'", r"^\prime", r"\frac",
    r"\dfrac", r"\partial", "d", r"\nabla_", r"\mathbf{1}", "ones", "np.dot", "np.sum", "np.power",
    "np.multiply",
    "axis", "keepdims", "True", r"\begin{cases}", r"\end{cases}", r"\\", r"\text{if}", r"\text{otherwise}",
    r"\geq", "<", r"\left(", r"\right)", r"\,", r"\quad", "0", "1", "2", "0.5", " ",
)
# fmt: on
GRAMMAR_LITERALS = tuple(sorted(set(re.findall(r'"((?:[^"\\]|\\.)+)"', RULES.split("// ---- terminals")[1]))))
DEFAULT = None  # the default notation, whatever its name
DEFAULT_NOTATION = inspect.signature(parse_formula).parameters["notation"].default
NOTATIONS = (DEFAULT, "nielsen", "ng", "goodfellow", "rumelhart")
LEFT_SIDES = (
    r"\frac{\partial C}{\partial w^{(l)}_{ij}}",
    r"\delta^{(L)}_j",
    r"\delta^l",
    r"\frac{\partial J}{\partial b}",
)


def notation(name: str | None) -> Notation:
    return DEFAULT_NOTATION if name is None else PROFILES[name]


def vocabulary(name: str | None) -> tuple[str, ...]:
    words = lexicon(notation(name))
    spellings = [spelling for spelling, _ in words.symbols] + [spelling for spelling, _ in words.functions]
    literals = [literal.encode().decode("unicode_escape") for literal in GRAMMAR_LITERALS]
    return tuple(spellings) + tuple(literals) + PATTERN_SPELLINGS


@st.composite
def formulas(draw):
    name = draw(st.sampled_from(NOTATIONS))
    tokens = draw(st.lists(st.sampled_from(vocabulary(name)), min_size=1, max_size=14))
    body = "".join(token if draw(st.booleans()) else f"{token} " for token in tokens)
    left = draw(st.sampled_from(("",) + LEFT_SIDES))
    return name, f"{left} = {body}" if left else body


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas())
def test_every_token_string_reads_or_is_refused_in_one_line(case):
    name, text = case
    try:
        parse_formula(text, notation(name))
    except FormulaError as error:
        assert "\n" not in error.reason and error.reason
    except RecursionError:
        pytest.fail(f"{text!r} ({name}): recursion")


@pytest.mark.slow  # 40 verify runs
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas())
def test_every_token_string_verifies_or_is_refused_in_one_line_by_the_command(case):
    name, text = case
    out, err = io.StringIO(), io.StringIO()
    notation = ["--notation", name] if name else []
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["verify", "half_adder", *notation, "--points", "2", text])
        except SystemExit as refused:  # argparse: a formula like -x reads as an unknown option
            status = refused.code
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if status == 2:  # one line, then the formula and a caret under the column
        assert 1 <= len(err.getvalue().strip().splitlines()) <= 3, err.getvalue()
        assert err.getvalue().startswith("symbp")
    else:
        assert status in (0, 1) and ("holds" in out.getvalue() or "fails" in out.getvalue())


@pytest.mark.parametrize(
    "formula",
    [
        r"\frac{\partial C}{\partial b^{(L)}_j} = \sum_{n=1}^N \delta^{(L)}_{nj}",
        r"\frac{\partial C}{\partial b^{(L)}_j} = \sum^N_{n=1} \delta^{(L)}_{nj}",
        r"\frac{\partial C}{\partial b^{(L)}_j} = \sum_n^N\delta^{(L)}_{nj}",
        r"\frac{\partial C}{\partial b^{(L)}_j} = \sum_n\delta^{(L)}_{nj}",
        r"\delta^{(l)}_j = \sum_k^n \delta^{(l+1)}_k w^{(l+1)}_{jk} a^{(l)}_j (1-a^{(l)}_j)",
    ],
)
def test_unbraced_sum_limits_read_as_tex_reads_them(formula, capsys):
    assert main(["verify", "half_adder", formula]) == 0
    out = capsys.readouterr().out
    assert "holds" in out and "Traceback" not in out


def test_one_token_limits_as_tex_reads_them():
    """``^23`` is the limit 2 times 3, ``_kw`` the index k before w: TeX takes one token after _ or ^."""
    parsed = parse_formula(r"\frac{\partial C}{\partial b^{(L)}_j} = \sum_{n=1}^23")
    assert (parsed.rhs.upper.value, parsed.rhs.body.value) == (2.0, 3.0)
    parsed = parse_formula(r"\delta^{(l)}_j = \sum_kw^{(l+1)}_{jk}")
    assert parsed.rhs.index == "k" and parsed.rhs.body.indices == ("j", "k")


def test_a_letter_that_is_no_symbol_as_a_limit_is_refused_in_one_line(capsys):
    formula = r"\frac{\partial C}{\partial b^{(L)}_j} = \sum_k^m \delta^{(L)}_{kj}"
    status = main(["verify", "half_adder", formula])
    err = capsys.readouterr().err
    assert status == 2
    assert "unknown name starting 'm'" in err and "is a layer" not in err and "Traceback" not in err
