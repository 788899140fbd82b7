"""verify reads a graph's general forms: a sum over a layer's consumers (c in out(l), weighted; r in id(l),
identity), a consumer's pair mark W^{(c,l)}, and a skip's W^{(l,s)} with s free on the left side, read at
every weighted input of l. Each letter stands for the members the spec's graph gives; an empty set is an
empty sum. Right forms hold at every layer they describe, slips fail, a letter outside its sum is refused."""

from __future__ import annotations

import dataclasses

import pytest

from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify

DA_MATRIX = (
    r"\frac{\partial C}{\partial A^{(l)}} = \sum_{c \in \operatorname{out}(l)} \delta^{(c)} W^{(c,l)T}"
    r" + \sum_{r \in \operatorname{id}(l)} \frac{\partial C}{\partial A^{(r)}}"
)
DA_INDEX = (
    r"\frac{\partial C}{\partial a^{(l)}_{nj}} = \sum_{r \in \operatorname{id}(l)} \frac{\partial C}"
    r"{\partial a^{(r)}_{nj}} + \sum_{c \in \operatorname{out}(l)} \sum_{k=1}^{n_{c}} \delta^{(c)}_{nk} "
    r"w^{(c,l)}_{jk}"
)
DELTA = (
    r"\delta^{(l)} = \left(\sum_{c \in \operatorname{out}(l)} \delta^{(c)} W^{(c,l)T}\right) \odot "
    r"A^{(l)} \odot \left(1 - A^{(l)}\right)"
)
DW = r"\frac{\partial C}{\partial W^{(l,s)}} = A^{(s)T} \delta^{(l)}"
ZS = r"Z^{(l)} = \sum_{s \in \operatorname{in}(l)} A^{(s)} W^{(l,s)} + b^{(l)}"


def test_the_sums_over_consumers_hold_at_every_layer_read_including_empty_sets():
    # residual: out(l) = {l+1}; id(1) = {2}, id(2) = {3}, id(0) and id(3) empty; l = 0 is dC/dX
    for formula in (DA_MATRIX, DA_INDEX):
        verdict = verify(load("residual"), formula)
        assert verdict.holds, verdict.report()
        assert verdict.layers == [0, 1, 2, 3]  # not the output: nothing reads it


def test_a_skip_weights_gradient_with_a_free_source_holds_at_every_connection():
    verdict = verify(load("skip_xor"), DW)
    assert verdict.holds, verdict.report()
    # skip_xor's connections: W1 (1 from 0), W2_0 (2 from 0), W2 (2 from 1)
    assert [(choice.layer, choice.source) for choice in verdict.layers] == [(1, 0), (2, 0), (2, 1)]
    assert "holds for l = 1 and s = 0, l = 2 and s = 0, l = 2 and s = 1" in verdict.report()
    # with a numbered layer, s alone runs over its weighted inputs
    verdict = verify(load("skip_xor"), DW.replace("(l", "(2"))
    assert verdict.holds, verdict.report()
    assert [str(choice) for choice in verdict.layers] == ["s = 0", "s = 1"]


def test_a_sum_over_a_layers_weighted_inputs_is_its_forward_definition():
    # in(l): skip_xor's layer 2 reads the input by W2_0 and layer 1 by W2; the decoder reads by W1^T
    for name in ("skip_xor", "residual", "tied_autoencoder"):
        verdict = verify(load(name), ZS)
        assert verdict.holds, verdict.report()
        assert verdict.layers == list(range(1, load(name).depth + 1))


def test_a_free_source_runs_over_matrices_of_one_use_only():
    # W1 is also the decoder's (tied): its gradient sums both uses, so dC/dW^{(l,s)} = A^{(s)T} delta^{(l)}
    # does not describe it, and the form describes no connection of this network
    verdict = verify(load("tied_autoencoder"), DW)
    assert not verdict.holds
    assert verdict.diagnosis == "no layer l fits every layer in the formula"


def test_a_tied_consumer_is_read_by_the_matrix_its_term_multiplies_by():
    # the decoder multiplies by W1^T: its W^{(2,1)} is W1^T, so delta^{(1)} = delta^{(2)} W1 f'
    verdict = verify(load("tied_autoencoder"), DELTA)
    assert verdict.holds, verdict.report()
    assert verdict.layers == [1]


def test_a_chain_reads_the_general_form_as_its_one_consumer():
    verdict = verify(load("half_adder"), DELTA)
    assert verdict.holds, verdict.report()
    assert verdict.layers == [1, 2]


def test_nielsens_general_forms_hold():
    network = dataclasses.replace(load("residual"), notation=PROFILES["nielsen"])
    formula = (
        r"\frac{\partial C_x}{\partial a^{l}} = \sum_{c \in \operatorname{out}(l)} \left(w^{c,l}\right)^{T} "
        r"\delta^{c} + \sum_{r \in \operatorname{id}(l)} \frac{\partial C_x}{\partial a^{r}}"
    )
    assert verify(network, formula).holds
    assert verify(network, r"\frac{\partial C_x}{\partial w^{l,s}} = \delta^{l} \left(a^{s}\right)^{T}").holds


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "formula"),
    [
        # the identity consumers left out
        ("residual", DA_MATRIX.split(" + ")[0]),
        # id for out: the weighted consumers' sum taken over the identity consumers
        ("residual", DA_MATRIX.replace(r"c \in \operatorname{out}", r"c \in \operatorname{id}")),
        ("skip_xor", DELTA.replace(r"\operatorname{out}", r"\operatorname{id}")),
        # out for id: the identity path summed over the weighted consumers
        ("residual", DA_MATRIX.replace(r"r \in \operatorname{id}", r"r \in \operatorname{out}")),
        # W^{(l,c)} for W^{(c,l)}
        ("residual", DA_MATRIX.replace("W^{(c,l)T}", "W^{(l,c)T}")),
        ("skip_xor", DELTA.replace("W^{(c,l)T}", "W^{(l,c)T}")),
        # the consumer's weight entry with its indices swapped
        ("residual", DA_INDEX.replace("w^{(c,l)}_{jk}", "w^{(c,l)}_{kj}")),
        # the source's activation where layer l's own is needed
        ("skip_xor", DW.replace("A^{(s)T}", "A^{(l-1)T}")),
        # the layer below where each weighted input's own layer is needed
        ("skip_xor", ZS.replace("A^{(s)}", "A^{(l-1)}")),
        # a tied consumer's matrix without its transpose
        ("tied_autoencoder", DELTA.replace("W^{(c,l)T}", "W^{(c,l)}")),
    ],
)
def test_a_slip_in_a_general_form_fails(name, formula):
    assert not verify(load(name), formula).holds


@pytest.mark.parametrize(
    "formula",
    [
        r"\frac{\partial C}{\partial A^{(l)}} = \delta^{(c)} W^{(c,l)T}",
        r"\delta^{(c)} = \sum_{c \in \operatorname{out}(l)} \delta^{(c)} W^{(c,l)T}",
        r"\frac{\partial C}{\partial W^{(l,s)}} = A^{(r)T} \delta^{(l)}",
    ],
)
def test_a_consumer_letter_outside_its_sum_is_refused_in_one_line(formula):
    with pytest.raises(FormulaError) as refused:
        verify(load("residual"), formula)
    assert "\n" not in refused.value.reason
    assert "is bound by no sum" in refused.value.reason
