"""The expanded cost: the spec's own activations and cost composed over arrays of SymPy entries.

Shared by the two exact references: the derivation's (``exact``: symbolic
weights and biases, numeric data, differentiated at the instance's point) and
verify's proof (every weight, bias, input and target a symbol). Nothing of a
derivation goes into it. Given ``at`` (an Instance), a piecewise activation or
cost is expanded on the branch that holds at the instance's point
(``kinks.branch_at``), where it equals that smooth expression.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symbp.derivation.reference.kinks import branch_at
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network


def activate(network: Network, layer: int, values: np.ndarray, at=None) -> np.ndarray:
    """f^(layer) of an array of entries: entry by entry, or row by row for softmax."""
    activation = network.activation(layer)
    if not activation.elementwise:
        exps = np.vectorize(sp.exp, otypes=[object])(values)
        return exps / exps.sum(axis=1, keepdims=True)
    result = np.empty(values.shape, dtype=object)
    for position in np.ndindex(values.shape):
        expr = (
            activation.expr if at is None else branch_at(activation.expr, {Z_SCALAR: at.Z[layer][position]})
        )
        result[position] = sp.Lambda(Z_SCALAR, expr)(values[position])
    return result


def forward(network: Network, X: np.ndarray, W: dict, b: dict, at=None) -> tuple[dict, dict]:
    """(Z, A) by layer, A[0] = X; b by layer as rows (1, n)."""
    Z, A = {}, {0: X}
    for layer in range(1, network.depth + 1):
        Z[layer] = A[layer - 1] @ W[layer] + b[layer]
        A[layer] = activate(network, layer, Z[layer], at)
    return Z, A


def output_from(network: Network, layer: int, Z: np.ndarray, W: dict, b: dict) -> np.ndarray:
    """The output layer's activations when z^(layer) is ``Z``."""
    current = activate(network, layer, Z)
    for above in range(layer + 1, network.depth + 1):
        current = activate(network, above, current @ W[above] + b[above])
    return current


def cost(network: Network, output: np.ndarray, T: np.ndarray, W: dict, lam: sp.Expr, at=None) -> sp.Expr:
    """The spec's cost of ``output`` against ``T``, with lam/2 times the squared weights."""
    terms = sp.Integer(0)
    for position in np.ndindex(output.shape):
        expr = network.cost.expr
        if at is not None:
            expr = branch_at(expr, {A_SCALAR: at.A[network.depth][position], T_SCALAR: at.T[position]})
        terms += expr.subs({A_SCALAR: output[position], T_SCALAR: T[position]})
    scale = sp.Rational(1, output.shape[0]) if network.cost.mean else 1
    penalty = lam / 2 * sum(entry**2 for weights in W.values() for entry in weights.flat)
    return scale * terms + penalty


def symbols(name: str, rows: int, cols: int, make=None) -> np.ndarray:
    """A (rows, cols) object array of real symbols name_rc (or of ``make(r, c)``)."""
    make = make or (lambda row, col: sp.Symbol(f"{name}_{row}{col}", real=True))
    return np.array([[make(row, col) for col in range(cols)] for row in range(rows)], dtype=object)
