"""A graph network's documents read back through verify: no equation is judged false, every backward
matrix equation holds, and what is not read (the forward pass's definitions, the index-form steps' partial
derivatives between quantities of a graph) is refused and counted, never judged."""

from __future__ import annotations

import dataclasses
import re

import pytest

from symbp.derivation.any_network import derive
from symbp.rendering.graph_document import render_graph
from symbp.rendering.latex import latex
from symbp.rendering.printer_base import equation
from symbp.spec.network import load
from symbp.spec.profiles import PROFILES
from symbp.verification.formula import FormulaError
from symbp.verification.verify_formula import verify

pytestmark = pytest.mark.slow

GRAPHS = ["skip_xor", "residual", "tied_autoencoder"]
DISPLAYED = {
    "markdown": re.compile(r"^\$\$ (.*) \$\$$", re.M),
    "latex": re.compile(r"^\\\[ (.*) \\\]$", re.M),
}


def _verdicts(network, formulas: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(held, failed with the verdict, refused) formulas."""
    held, failed, refused = [], [], []
    for formula in formulas:
        try:
            verdict = verify(network, formula)
        except FormulaError:
            refused.append(formula)
            continue
        (held if verdict.holds else failed).append(formula if verdict.holds else verdict.report())
    return held, failed, refused


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("name", GRAPHS)
def test_every_equation_of_a_graph_document_reads_back_and_holds(name, fmt):
    network = load(name)
    derivation = derive(network)
    formulas = DISPLAYED[fmt].findall(render_graph(derivation, fmt))
    held, failed, refused = _verdicts(network, formulas)
    assert failed == []
    assert len(formulas) >= len(derivation.forward) + len(derivation.backward)  # and the steps
    definitions = [formula for formula in refused if re.match(r"^[ZA]\^\{\(\d\)\} = ", formula)]
    assert len(definitions) == len(derivation.forward) == 2 * network.depth
    assert len(held) >= len(derivation.backward)
    # each refusal other than a definition is an index-form line that names an entry (a subscript)
    assert all(
        re.search(r"_\{[a-z]+\}", formula) or "(l" in formula
        for formula in refused
        if formula not in definitions
    )


# the names a chain has: what nielsen's profile prints in its own symbols and layout today
_CHAIN_NAMES = re.compile(r"^(A\d+|Z\d+|W\d+|b\d+|delta\d+|dW\d+|db\d+|X|T)$")


@pytest.mark.parametrize("name", GRAPHS)
def test_a_graph_derivation_printed_in_nielsens_notation_reads_back_in_it_and_holds(name):
    """Printed as nielsen writes it (column vectors of one sample, the input as layer 1, w^l entering l),
    each backward equation of a graph in a chain's names holds in that notation; the graph's own names
    (dC/dA of a hidden layer, a skip's matrix) are read in nielsen's symbols in test_graph_verify."""
    network = dataclasses.replace(load(name), notation=PROFILES["nielsen"])
    derivation = derive(network)
    formulas = []
    for line in derivation.backward:
        names = {line.target.name} | {
            matrix.name for matrix in line.expr.free_symbols if hasattr(matrix, "shape")
        }
        if all(_CHAIN_NAMES.match(matrix) for matrix in names):
            left, right = equation(line.target, line.expr, network)
            formulas.append(f"{latex(left, network)} = {latex(right, network)}")
    held, failed, refused = _verdicts(network, formulas)
    assert failed == [] and refused == []
    assert len(held) == len(formulas) >= {"skip_xor": 5, "residual": 7, "tied_autoencoder": 3}[name]
