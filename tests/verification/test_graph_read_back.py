"""A graph network's documents read back through verify, over whatever equations they display: every one
holds (the forward pass's definitions, each step of the index form with its derivatives between quantities,
the backward pass, the general forms with their sums over consumers), in the default notation and in
nielsen's, none refused; none is judged false in any profile."""

from __future__ import annotations

import dataclasses
import re

import pytest

from symbp.derivation.any_network import derive
from symbp.rendering.graph_document import render_graph
from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify

pytestmark = pytest.mark.slow

GRAPHS = ["skip_xor", "residual", "tied_autoencoder"]
DISPLAYED = {
    "markdown": re.compile(r"^\$\$ (.*) \$\$$", re.M),
    "latex": re.compile(r"^\\\[ (.*) \\\]$|^\\begin\{equation\}\n(.*)\n\\end\{equation\}$", re.M),
}
# a general form's layer letters: the consumers c of out(l), r of id(l), a skip's source s
GENERAL = re.compile(r"\\operatorname\{(out|id)\}|\^\{?\(?l,s\)?\}?")


def displayed(name: str, profile: str, fmt: str) -> tuple:
    """The network printed in ``profile``, and every equation its ``fmt`` document displays."""
    network = dataclasses.replace(load(name), notation=PROFILES[profile])
    text = render_graph(derive(network), fmt)
    return network, ["".join(groups) for groups in DISPLAYED[fmt].findall(text)]


def verdicts(network, formulas: list[str]) -> tuple[list, list, list]:
    """(held, failed with the verdict, refused with the reason)."""
    held, failed, refused = [], [], []
    for formula in formulas:
        try:
            verdict = verify(network, formula)
        except FormulaError as error:
            refused.append((formula, error.reason))
            continue
        if verdict.holds:
            held.append(formula)
        else:
            failed.append(verdict.report())
    return held, failed, refused


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("profile", ["default", "nielsen"])
@pytest.mark.parametrize("name", GRAPHS)
def test_every_equation_of_a_graph_document_reads_back_and_holds(name, profile, fmt):
    network, formulas = displayed(name, profile, fmt)
    held, failed, refused = verdicts(network, formulas)
    assert failed == []
    assert refused == []
    general = [formula for formula in held if GENERAL.search(formula)]
    assert len(general) == (2 if name == "tied_autoencoder" else 4)  # index and matrix, delta or dA and dW
    derivation = derive(network)
    definitions = [formula for formula in held if re.match(r"^[ZAza]\^\{\(?\d+\)?\} = ", formula)]
    assert len(definitions) == len(derivation.forward) == 2 * network.depth
    assert len(held) >= len(derivation.backward) + len(definitions)
    jacobians = [formula for formula in held if re.search(r"\\frac\{\\partial [za]\^", formula)]
    assert jacobians  # the index form's chain-rule steps, each derivative through the network


# deeplearning_ai's dA, like its dZ, is of each sample's loss: printed so, dA^{[l]} = W^{[l+1]T} dZ^{[l+1]}
@pytest.mark.parametrize("profile", [name for name in PROFILES if name not in ("default", "nielsen")])
def test_every_equation_of_a_graph_document_holds_in_another_profile(profile):
    """Every equation reads back and holds in every profile (cs231n's s is its score, and also, inside a
    layer mark, the source layer of dW^{(l,s)})."""
    for name in GRAPHS:
        network, formulas = displayed(name, profile, "markdown")
        _, failed, refused = verdicts(network, formulas)
        assert failed == [], f"{profile} {name}"
        assert refused == [], f"{profile} {name}: {refused}"
