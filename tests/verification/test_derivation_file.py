r"""Reading a hand derivation into lines: environments, continuations, remarks, several chains; and the
texts that are refused."""

import pytest

from symbp.verification.derivation_file import DerivationError, read_derivation


def formulas(text):
    return [(line.number, line.chain, line.formula) for line in read_derivation(text).lines]


@pytest.mark.parametrize("environment", ["align", "align*", "equation", "eqnarray", "gather*", "multline"])
def test_each_environment_is_read(environment):
    text = rf"\begin{{{environment}}} \delta &= a - t \\ &= -(t - a) \end{{{environment}}}"
    assert formulas(text) == [(1, 1, r"\delta = a - t"), (2, 1, r"\delta = -(t - a)")]


def test_eqnarray_alignment_and_prose_outside_are_dropped():
    text = (
        "We start from\n\\begin{eqnarray}\nQ &=& A \\nonumber\\\\\n  &=& B.\n\\end{eqnarray}\n"
        "so Q = C is shown."
    )
    assert formulas(text) == [(1, 1, "Q = A"), (2, 1, "Q = B")]


def test_remarks_labels_tags_and_comments_carry_no_maths():
    text = r"""\begin{align}
Q &= A \label{eq:a} \tag{1} % by definition
  \\ \intertext{and since $z^l_{j} = w^l_{jk} a^{l-1}_k$,}
  &= B \quad \text{(by the chain rule)}, \notag
\end{align}"""
    assert formulas(text) == [(1, 1, "Q = A"), (2, 1, "Q = B")]


def test_a_text_inside_a_name_stays():
    assert formulas(r"\[ \text{net}_j = \sum_k w_{jk} a_k \]") == [
        (1, 1, r"\text{net}_j = \sum_k w_{jk} a_k")
    ]


def test_several_chains_and_equals_on_one_line():
    text = "\\begin{gather}\nP = A = B \\\\\nQ = C\\\\ = D\n\\end{gather}"
    assert formulas(text) == [(1, 1, "P = A"), (2, 1, "P = B"), (3, 2, "Q = C"), (4, 2, "Q = D")]


def test_plain_lines_with_prose_between():
    text = "The output error:\ndelta(L)_j = dC/da(L)_j * f'(z(L)_j)\n    = (a(L)_j - t_j) * f'(z(L)_j)\n"
    assert formulas(text) == [
        (1, 1, "delta(L)_j = dC/da(L)_j * f'(z(L)_j)"),
        (2, 1, "delta(L)_j = (a(L)_j - t_j) * f'(z(L)_j)"),
    ]


def test_an_equals_inside_braces_does_not_split():
    assert formulas(r"\[ Q = \sum_{k=1}^{N} A_k \]") == [(1, 1, r"Q = \sum_{k=1}^{N} A_k")]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("no maths here at all", "no derivation found"),
        (r"\begin{align} &= A \end{align}", "continues no chain"),
        (r"\begin{align} Q &= A \\ \sigma'(z) \end{align}", "has no '='"),
        (r"\begin{align} Q &= \\ &= B \end{align}", "an empty right side"),
    ],
)
def test_what_is_not_a_derivation_is_refused_naming_it(text, words):
    with pytest.raises(DerivationError) as raised:
        read_derivation(text, "hand-in.tex")
    assert words in str(raised.value) and "hand-in.tex" in str(raised.value)


def test_displays_and_environments_are_read_in_the_order_written():
    text = r"""\[ A = B \] then \begin{align} C &= D \end{align} and $$ E = F $$"""
    assert [line.formula for line in read_derivation(text).lines] == ["A = B", "C = D", "E = F"]


def test_a_definition_in_prose_is_read_and_a_range_or_plain_remark_is_not():
    text = r"""
\[ Q = -a_j \Delta_k \]
Here $k$ is an output and $Q = 1$ is a remark. Where $\Delta_k = Err_k$ and $m = 1, 2$, let
$\Gamma_j := \Delta_j$.
"""
    lines = read_derivation(text).lines
    assert [(line.formula, line.defines) for line in lines] == [
        (r"Q = -a_j \Delta_k", False),
        (r"\Delta_k = Err_k", True),
        (r"\Gamma_j = \Delta_j", True),
    ]
