"""A worked example's own names (Mazur's step-by-step example: units i1, h1, o1, weights w_1 ... w_8,
net_{h1}, out_{o2}, E_{o1}), declared in [notation.symbols] and read as the entries they name; a name
that names nothing is refused, naming it."""

import pytest

import symbp
from symbp.errors import SymbpError
from symbp.spec.network import network_from_dict
from symbp.spec.profiles import notation_from
from symbp.verification.formula import FormulaError

MAZUR = {
    "profile": "default",
    "symbols": {
        "net": "pre_activation",
        "out": "activation",
        "target": "target",
        "E_{total}": "cost",
        "E": "error",
        "i": {"quantity": "units", "layer": 0},
        "h": {"quantity": "units", "layer": 1},
        "o": {"quantity": "units", "layer": 2},
        "w_1": {"quantity": "weight", "from": "i1", "to": "h1"},
        "w_5": {"quantity": "weight", "from": "h1", "to": "o1"},
        "w_6": {"quantity": "weight", "from": "h2", "to": "o1"},
        "w_7": {"quantity": "weight", "from": "h1", "to": "o2"},
    },
}


@pytest.fixture(scope="module")
def mazur():
    return network_from_dict(
        {"name": "mazur", "layers": [2, 2, 2], "activation": "sigmoid", "cost": "half_sse"}
    )


OUTPUT = r"(out_{o1} - target_{o1}) out_{o1}(1 - out_{o1})"
HIDDEN = r"(E_{o1} \sigma'(net_{o1}) w_5 + E_{o2} \sigma'(net_{o2}) w_7) out_{h1}(1 - out_{h1})"


@pytest.mark.parametrize(
    ("formula", "holds"),
    [
        (rf"\frac{{\partial E_{{total}}}}{{\partial w_5}} = {OUTPUT} out_{{h1}}", True),
        (rf"\frac{{\partial E_{{total}}}}{{\partial w_5}} = {OUTPUT} out_{{h2}}", False),
        (rf"\frac{{\partial E_{{total}}}}{{\partial w_6}} = {OUTPUT} out_{{h2}}", True),
        (r"\frac{\partial E_{total}}{\partial w_7} = E_{o2} out_{o2}(1 - out_{o2}) out_{h1}", True),
        (r"\frac{\partial E_{total}}{\partial w_7} = E_{o1} out_{o1}(1 - out_{o1}) out_{h1}", False),
        (r"\frac{\partial E_{total}}{\partial w_5} = E_{o1} \sigma'(net_{o1}) out_{h1}", True),
        (rf"\frac{{\partial E_{{total}}}}{{\partial w_1}} = {HIDDEN} out_{{i1}}", True),
        (rf"\frac{{\partial E_{{total}}}}{{\partial w_1}} = {HIDDEN} out_{{i2}}", False),
        (r"\frac{\partial E_{total}}{\partial out_{o1}} = out_{o1} - target_{o1}", True),
        # a unit's number as a subscript of its family's letter, and unbraced
        (r"\frac{\partial E_{total}}{\partial out_{o_1}} = out_{o_1} - target_{o_1}", True),
        (r"\frac{\partial E_{total}}{\partial w_5} = E_{o_1} \sigma'(net_{o_1}) out_h1", True),
        (r"\frac{\partial E_{total}}{\partial w_5} = E_{o_1} \sigma'(net_{o_1}) out_h2", False),
    ],
)
def test_named_units_and_weights_are_read_as_their_entries(mazur, formula, holds):
    assert symbp.verify(mazur, formula, notation=MAZUR).holds is holds


def test_an_error_of_a_hidden_unit_is_diagnosed_in_the_layer_needed(mazur):
    verdict = symbp.verify(mazur, r"\delta_{o1} = E_{h1} \sigma'(net_{o1})", notation=MAZUR)
    assert not verdict.holds
    assert verdict.diagnosis.startswith("off by one layer")


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        (r"\frac{\partial E_{total}}{\partial w_5} = out_{h1} w_{h1}", "a weight joins two units"),
        (r"\frac{\partial E_{total}}{\partial w_5^{(2)}} = out_{h1}", "it names one weight"),
        (r"\frac{\partial E_{total}}{\partial w_5} = out^{(1)}_{h1}", "one layer index per symbol"),
    ],
)
def test_a_named_unit_or_weight_used_wrongly_is_refused_naming_it(mazur, formula, words):
    with pytest.raises(FormulaError) as raised:
        symbp.verify(mazur, formula, notation=MAZUR)
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_weight_between_units_of_layers_that_do_not_touch_is_refused(mazur):
    notation = {
        **MAZUR,
        "symbols": {**MAZUR["symbols"], "w_9": {"quantity": "weight", "from": "i1", "to": "o1"}},
    }
    with pytest.raises(FormulaError) as raised:
        symbp.verify(mazur, r"\frac{\partial E_{total}}{\partial w_9} = out_{i1}", notation=notation)
    assert "w_9 joins i1 (layer 0) to o1 (layer 2)" in str(raised.value)


def test_a_weight_between_undeclared_units_is_a_bad_declaration():
    with pytest.raises(SymbpError) as raised:
        notation_from({"symbols": {"w_5": {"quantity": "weight", "from": "h1", "to": "o1"}}})
    assert "notation.symbols.w_5.from" in str(raised.value)


@pytest.mark.parametrize(
    ("profile", "hidden", "output"),
    [("default", 1, 2), ("nielsen", 2, 3), ("ng", 2, 3), ("welch", 2, 3)],
)
def test_named_units_and_weights_in_any_numbering_index_order_and_naming(mazur, profile, hidden, output):
    """Nielsen numbers the input 1 and writes w_{jk} from k to j; Ng and Welch name W by the layer it
    leaves."""
    notation = {
        "profile": profile,
        "symbols": {
            "out": "activation",
            "target": "target",
            "E_{total}": "cost",
            "h": {"quantity": "units", "layer": hidden},
            "o": {"quantity": "units", "layer": output},
            "w_6": {"quantity": "weight", "from": "h2", "to": "o1"},
        },
    }
    factor = r"(out_{o1} - target_{o1}) out_{o1}(1 - out_{o1})"
    right = rf"\frac{{\partial E_{{total}}}}{{\partial w_6}} = {factor} out_{{h2}}"
    assert symbp.verify(mazur, right, notation=notation).holds
    assert not symbp.verify(mazur, right.replace("out_{h2}", "out_{h1}"), notation=notation).holds
    bias = rf"\frac{{\partial E_{{total}}}}{{\partial b_{{o1}}}} = {factor}"
    assert symbp.verify(mazur, bias, notation=notation).holds
