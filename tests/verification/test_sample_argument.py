r"""A sample written as an argument (\delta_j(n), e_j(n)) reads as the sample subscript (\delta_{nj});
primes on any argument of the activation, in whatever typeface the notation's function is written."""

import pytest

import symbp
from symbp.spec.profiles import notation_from
from symbp.verification.formula import FormulaError, parse_formula

HAYKIN_LIKE = {"profile": "nielsen", "sample_index": "n"}
RELU_NAMED = {"profile": "nielsen", "function": r"\mathrm{ReLU}"}


def test_a_sample_argument_is_the_sample_subscript():
    written = parse_formula(
        r"\delta^{(L)}_j(n) = (a^{(L)}_j(n) - t_j(n)) f'(z^{(L)}_j(n))", notation_from("welch")
    )
    subscripted = parse_formula(
        r"\delta^{(L)}_{nj} = (a^{(L)}_{nj} - t_{nj}) f'(z^{(L)}_{nj})", notation_from("welch")
    )
    assert written.rhs == subscripted.rhs
    assert written.quantity.indices == ("n", "j")


@pytest.mark.parametrize(
    ("formula", "notation", "holds"),
    [
        (r"\delta^{(L)}_j(n) = (a^{(L)}_j(n) - t_j(n)) f'(z^{(L)}_j(n))", "welch", True),
        (r"\delta^{(L)}_j(n) = (a^{(L)}_j(n) - t_j(n)) f(z^{(L)}_j(n))", "welch", False),
        (r"\frac{\partial C}{\partial w^{(L)}_{ij}} = \sum_n \delta^{(L)}_j(n) a^{(L-1)}_i(n)", None, True),
        (
            r"\frac{\partial C}{\partial w^{(L)}_{ij}} = \sum_n 2 \delta^{(L)}_j(n) a^{(L-1)}_i(n)",
            None,
            False,
        ),
        (r"\delta^{L}(n) = (a^{L}(n) - y(n)) \odot \sigma'(z^{L}(n))", HAYKIN_LIKE, True),
        (r"\delta^{L}(n) = (a^{L}(n) - y(n)) \odot \sigma(z^{L}(n))", HAYKIN_LIKE, False),
    ],
)
def test_sample_arguments_are_judged(formula, notation, holds):
    assert symbp.verify("half_adder", formula, notation=notation).holds is holds


def test_a_sample_argument_is_not_a_product_with_the_width():
    """(n) after a symbol is the sample: read as a product with n it would be a factor 2 on the half adder."""
    verdict = symbp.verify(
        "half_adder", r"\frac{\partial C}{\partial w^{(L)}_{ij}} = \sum_n \delta^{(L)}_j(n) a^{(L-1)}_i(n)"
    )
    assert verdict.holds and verdict.diagnosis is None


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        (r"\delta^{(L)}(n) = (a^{(L)}(n) - t(n)) \odot f'(z^{(L)}(n))", "not a matrix"),
        (r"\delta^{(L)}_{ij}(n) = (a^{(L)}_j(n) - t_j(n)) f'(z^{(L)}_j(n))", "after one unit subscript"),
        (r"\delta^{(L)}_{n}(n) = (a^{(L)}_n(n) - t_n(n)) f'(z^{(L)}_n(n))", "after one unit subscript"),
    ],
)
def test_a_sample_argument_that_cannot_mean_one_sample_is_refused(formula, words):
    with pytest.raises(FormulaError) as raised:
        symbp.verify("half_adder", formula, notation="welch")
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "formula",
    [
        r"\delta^{L} = (a^{L} - y) \odot \mathrm{ReLU}'(z^{L})",
        r"\delta^{L} = (a^{L} - y) \odot \operatorname{ReLU}'(z^{L})",
        r"\delta^{L} = (a^{L} - y) \odot \text{ReLU}^\prime\left(z^{L}\right)",
    ],
)
def test_a_prime_on_a_named_function_in_any_typeface(formula):
    assert symbp.verify("half_adder", formula, notation=RELU_NAMED).holds


def test_a_prime_on_a_matrix_argument():
    assert symbp.verify(
        "half_adder", r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g'(Z^{[1]})", notation="deeplearning_ai"
    ).holds
    assert symbp.verify(
        "half_adder", r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * \sigma'(Z^{[1]})", notation="deeplearning_ai"
    ).holds


def test_a_prime_on_an_unknown_function_is_refused_naming_it():
    formula = r"\delta^{L} = (a^{L} - y) \odot \mathrm{GELU}'(z^{L})"
    with pytest.raises(FormulaError) as raised:
        symbp.verify("half_adder", formula, notation=RELU_NAMED)
    assert "unknown name starting" in str(raised.value) and "mathrm{GELU}" in str(raised.value)
    assert raised.value.column == formula.index("\\mathrm") + 1
