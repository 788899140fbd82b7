"""Plain NumPy evaluation of a Network and of symbp's symbolic expressions.

Used to check every derivation step and by ``Derivation.evaluate``. The
activations and costs are the registry's SymPy expressions turned into NumPy
functions (softmax, the one vector activation, is the usual shifted form), so
the numbers are computed independently of any derived equation.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from symbp.derivation.symbolic import LAMBDA, Activate, Broadcast, ColumnSum, Elementwise, N
from symbp.spec.expressions import NUMPY_MODULES
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import Activation, Cost
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network


def softmax_rows(z: np.ndarray) -> np.ndarray:
    """Softmax of each row (last axis), so stacks of matrices work too."""
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _array_function(variables, expr: sp.Expr):
    """``expr`` as a NumPy function of arrays, its result shaped like the first argument.

    (A constant body such as identity's derivative 1 would otherwise come back as a scalar.)
    """
    scalar = sp.lambdify(variables, expr, NUMPY_MODULES)
    return lambda first, *rest: np.broadcast_to(scalar(first, *rest), np.shape(first)).astype(float)


@cache
def activation_function(activation: Activation):
    """f as a NumPy function of an array (row-wise for softmax)."""
    if not activation.elementwise:
        return softmax_rows
    return _array_function(Z_SCALAR, activation.expr)


@cache
def activation_derivative(activation: Activation):
    """f' as a NumPy function of an array (elementwise activations only)."""
    return _array_function(Z_SCALAR, sp.diff(activation.expr, Z_SCALAR))


@cache
def cost_terms_function(cost: Cost):
    """c(a, t) as a NumPy function of two arrays."""
    return _array_function((A_SCALAR, T_SCALAR), cost.expr)


def forward(network: Network, W: dict, b: dict, X: np.ndarray):
    """Forward pass: (Z, A) dicts by layer, A[0] = X."""
    Z, A = {1: X @ W[1] + b[1]}, {0: X}
    forward_from(network, W, b, Z, A, 1)
    return Z, A


def forward_from(network: Network, W: dict, b: dict, Z: dict, A: dict, start: int):
    """Run the forward pass on from Z[start], filling A[start] and Z, A above it."""
    A[start] = activation_function(network.activation(start))(Z[start])
    for layer in range(start + 1, network.depth + 1):
        Z[layer] = A[layer - 1] @ W[layer] + b[layer]
        A[layer] = activation_function(network.activation(layer))(Z[layer])


def cost_value(network: Network, output: np.ndarray, T: np.ndarray, W: dict, lam: float) -> float:
    """The spec's cost of the outputs, with the l2 penalty."""
    squares = sum(float(np.sum(weights**2)) for weights in W.values())
    return float(cost_values(network, output, T, squares, lam))


def cost_values(network: Network, outputs: np.ndarray, T: np.ndarray, squares, lam: float) -> np.ndarray:
    """The cost of a stack of output matrices (shape (..., N, n_L)) at once.

    ``squares`` is the sum of squared weights behind each stack entry (for the
    l2 penalty lam/2 * squares).
    """
    terms = cost_terms_function(network.cost)(outputs, T)
    scale = 1 / outputs.shape[-2] if network.cost.mean else 1.0
    return scale * np.sum(terms, axis=(-2, -1)) + lam / 2 * np.asarray(squares)


# -- evaluation of matrix expressions --------------------------------------
@cache
def _lambdified(variables: tuple, body: sp.Expr):
    """NumPy function of an Elementwise body; cached because every layer's line repeats it."""
    return _array_function(variables, body)


def _by_position(variables: tuple, body: sp.Expr) -> tuple[tuple, sp.Expr]:
    """``variables`` and ``body`` with the variables renamed by rank, so each layer's copy of a line
    (A3_entry, A4_entry, ...) shares one lambdify instead of one per layer (a seventh of derive at
    depth 500). The ranked names sort as the given ones, so SymPy orders the terms and factors
    alike and the function computes the same numbers. A body with other symbols, or variables that
    are not plain symbols (assumptions, Dummies), keeps its names."""
    plain = all(variable == sp.Symbol(variable.name) for variable in variables)
    if not plain or not body.free_symbols <= set(variables):
        return variables, body
    ranked = sorted(variables, key=lambda variable: variable.name)
    renamed = {variable: sp.Symbol(f"entry{ranked.index(variable):03d}") for variable in variables}
    return tuple(renamed[variable] for variable in variables), body.xreplace(renamed)


class MatrixEvaluator:
    """Numeric value of a symbp matrix expression, dispatching on the node type."""

    def __init__(self, network: Network, samples: int, lam: float):
        self.network = network
        self.scalars = {N: sp.Integer(samples), LAMBDA: sp.Float(lam)}
        self.samples = samples

    def __call__(self, expr, env: dict[str, np.ndarray]):
        method = getattr(self, f"_eval_{type(expr).__name__}", None)
        if method is None:
            if isinstance(expr, sp.Expr) and not expr.is_Matrix:
                return float(expr.xreplace(self.scalars))
            raise TypeError(f"cannot evaluate {type(expr).__name__}")
        return method(expr, env)

    def _eval_MatrixSymbol(self, expr, env):
        return env[expr.name]

    def _eval_MatMul(self, expr, env):
        result = None
        for factor in expr.args:
            value = self(factor, env)
            if result is None:
                result = value
            elif np.ndim(value) == 0 or np.ndim(result) == 0:
                result = result * value
            else:
                result = result @ value
        return result

    def _eval_MatAdd(self, expr, env):
        return sum(self(arg, env) for arg in expr.args)

    def _eval_Transpose(self, expr, env):
        return self(expr.arg, env).T

    def _eval_HadamardProduct(self, expr, env):
        return np.prod([self(arg, env) for arg in expr.args], axis=0)

    def _eval_Elementwise(self, expr: Elementwise, env):
        function = _lambdified(
            *_by_position(expr.function.variables, expr.function.expr.xreplace(self.scalars))
        )
        return function(*[self(matrix, env) for matrix in expr.matrices])

    def _eval_ColumnSum(self, expr: ColumnSum, env):
        return self(expr.args[0], env).sum(axis=0, keepdims=True)

    def _eval_Broadcast(self, expr: Broadcast, env):
        row = self(expr.args[0], env)
        return np.broadcast_to(row, (self.samples, row.shape[1]))

    def _eval_Activate(self, expr: Activate, env):
        by_name = {act.name: act for act in self.network.activations}
        return activation_function(by_name[expr.activation_name])(self(expr.args[1], env))
