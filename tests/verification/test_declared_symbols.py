"""A source's own names for quantities, declared in a [notation.symbols] table, read as those quantities;
undeclared names and bad declarations are refused naming them."""

import pytest

import symbp
from symbp.errors import SymbpError
from symbp.spec.network import load
from symbp.spec.profiles import notation_from
from symbp.verification.formula import FormulaError

NAMED = {"profile": "nielsen", "symbols": {"net": "pre_activation", "out": "activation", "Err": "cost"}}
GREEK = {"profile": "nielsen", "symbols": {r"\alpha": "pre_activation", r"\beta": "delta"}}


@pytest.mark.parametrize(
    ("formula", "notation", "holds"),
    [
        (
            r"\frac{\partial Err}{\partial w^L_{jk}} = (out^L_j - y_j)\sigma'(net^L_j) out^{L-1}_k",
            NAMED,
            True,
        ),
        (r"\frac{\partial Err}{\partial w^L_{jk}} = (out^L_j - y_j)\sigma'(net^L_j) out^{L}_k", NAMED, False),
        (
            r"\frac{\partial Err}{\partial w^L_{jk}} = "
            r"(\mathrm{out}^L_j - y_j)\sigma'(\mathrm{net}^L_j) a^{L-1}_k",
            NAMED,
            True,
        ),
        (r"\beta^L_j = (a^L_j - y_j)\sigma'(\alpha^L_j)", GREEK, True),
        (r"\beta^l_j = \sum_k w^{l+1}_{kj} \beta^{l+1}_k \sigma'(\alpha^l_j)", GREEK, True),
        (r"\beta^l_j = \sum_k w^{l+1}_{jk} \beta^{l+1}_k \sigma'(\alpha^l_j)", GREEK, False),
    ],
)
def test_declared_names_read_as_their_quantities(formula, notation, holds):
    assert symbp.verify("half_adder", formula, notation=notation).holds is holds


def test_a_diagnosis_uses_the_declared_name():
    verdict = symbp.verify(
        "half_adder",
        r"\frac{\partial Err}{\partial w^L_{jk}} = (out^L_j - y_j)\sigma'(net^L_j) out^{L}_k",
        notation=NAMED,
    )
    assert verdict.diagnosis == "off by one layer: out^{L}_{k} where out^{L-1}_{k} is needed"


def test_an_undeclared_name_is_refused_naming_it():
    with pytest.raises(FormulaError) as raised:
        symbp.verify("half_adder", r"\frac{\partial Err}{\partial w^L_{jk}} = outs^{L-1}_k", notation=NAMED)
    assert "unknown name starting 'outs" in str(raised.value)


@pytest.mark.parametrize(
    ("symbols", "words"),
    [
        ({"net": "preactivation"}, "notation.symbols.net"),
        ({"n e t": "pre_activation"}, "a name of letters"),
        (["net"], "a table: name = quantity"),
    ],
)
def test_a_bad_declaration_is_refused_naming_the_field(symbols, words):
    with pytest.raises(SymbpError) as raised:
        notation_from({"profile": "nielsen", "symbols": symbols})
    assert words in str(raised.value)


def test_a_spec_declares_its_names_in_a_notation_symbols_table(tmp_path):
    spec = tmp_path / "named.toml"
    spec.write_text(
        'name = "named"\nlayers = [2, 2, 2]\nactivation = "sigmoid"\ncost = "half_mse"\n\n'
        '[notation]\nprofile = "nielsen"\n\n'
        '[notation.symbols]\nnet = "pre_activation"\nout = "activation"\n'
    )
    network = load(str(spec))
    assert [entry[:2] for entry in network.notation.symbols] == [
        ("net", "pre_activation"),
        ("out", "activation"),
    ]
    assert "its own names net for the pre-activation" in network.notation.source
    assert symbp.verify(network, r"\delta^L_j = (out^L_j - y_j)\sigma'(net^L_j)").holds


@pytest.mark.parametrize(
    ("formula", "diagnosis"),
    [
        (
            r"\frac{\partial Err}{\partial w^L_{jk}} = "
            r"(\mathrm{out}^L_j - y_j)\sigma'(\mathrm{net}^L_j) \mathrm{out}^{L}_k",
            r"off by one layer: \mathrm{out}^{L}_{k} where \mathrm{out}^{L-1}_{k} is needed",
        ),
        (
            r"\delta^L_j = (\mathrm{out}^L_j - y_j)\sigma'(\mathrm{net}^{L-1}_j)",
            r"off by one layer: \mathrm{net}^{L-1}_{j} where \mathrm{net}^{L}_{j} is needed",
        ),
    ],
)
def test_a_diagnosis_keeps_the_writers_typeface(formula, diagnosis):
    assert symbp.verify("half_adder", formula, notation=NAMED).diagnosis == diagnosis
