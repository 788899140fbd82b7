"""The exact proof's derivatives: symbp.verification.sympy_diff gives sympy.diff's very expression."""

import itertools

import pytest
import sympy as sp

from symbp.spec.network import load
from symbp.verification import proof
from symbp.verification.sympy_diff import diff

ACTIVATIONS = [
    "sigmoid",
    "tanh",
    "softplus",
    "identity",
    {"name": "gelu", "expr": "z*(1+erf(z))/2"},
    {"name": "cubic", "expr": "z**3/3 + z"},
    {"name": "wave", "expr": "sin(z) + sqrt(1 + z**2) + atan(z) + cosh(z)/(2 + sinh(z)**2)"},
]
COSTS = [
    "half_mse",
    "sse",
    {"name": "quartic", "expr": "(a - t)**4/4"},
    {"name": "logcosh", "expr": "log(cosh(a - t))"},
    {"name": "cube", "expr": "abs(a - t)**3"},
]
NETWORKS = [
    *(
        {"name": "net", "layers": [2, 2, 1], "activation": activation, "cost": cost}
        for activation, cost in itertools.product(ACTIVATIONS, COSTS)
    ),
    *(
        {"name": "net", "layers": [2, 1], "activation": activation, "cost": "sse", "bias": False, "l2": 0.5}
        for activation in ACTIVATIONS
    ),
    {"name": "bce", "layers": [2, 2, 1], "activation": "sigmoid", "cost": "bce"},
    "demystified",
    "logistic",
    "linear_net",
]


def _ids(spec):
    if isinstance(spec, str):
        return spec
    activation, cost = (
        part if isinstance(part, str) else part["name"] for part in (spec["activation"], spec["cost"])
    )
    return f"{activation}-{cost}-{len(spec['layers'])}"


@pytest.mark.slow
@pytest.mark.parametrize("spec", NETWORKS, ids=_ids)
def test_the_proof_derivatives_are_sympy_diffs_very_expressions(spec):
    network = load(spec)
    assert proof.small_enough(network)
    _, exact = proof.instance(network, 2)
    for layer, weights in exact.W.items():
        variables = [*weights.flat, *(exact.b[layer].flat if network.bias else ())]
        for variable in variables:
            assert sp.srepr(diff(exact.cost, variable)) == sp.srepr(sp.diff(exact.cost, variable)), variable


def test_a_node_without_a_plain_rule_goes_to_sympy_diff():
    x, y = sp.symbols("x y", real=True)
    expr = sp.Abs(x * y) + sp.Piecewise((x**2, x > y), (sp.exp(x), True)) + sp.Function("f")(x)
    assert diff(expr, x) == sp.diff(expr, x)
    assert diff(expr, sp.Symbol("unrelated")) == 0
