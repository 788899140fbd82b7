"""The notation transforms keep every equation true: each concrete matrix line, put in each profile's form
(delta's sign and scale, column vectors, one sample), is evaluated with NumPy and compared with the
derivation's own numbers (Derivation.evaluate) read in that profile."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol, Transpose

from symbp.derivation import symbolic
from symbp.derivation.engine import derive
from symbp.derivation.reference import initial_params
from symbp.rendering.printer_base import equation, symbols_of
from symbp.rendering.transform import ColumnMatrix
from symbp.spec.network import load
from symbp.spec.profiles import PROFILES

NETWORK = {"name": "check", "layers": [3, 4, 2, 2], "activation": "sigmoid", "cost": "half_mse"}


def _value(expr, env):
    """NumPy value of a printed matrix expression; a ColumnMatrix is its row-layout matrix transposed."""
    if isinstance(expr, ColumnMatrix):
        return env[expr.name].T
    if isinstance(expr, MatrixSymbol):
        return env[expr.name]
    if isinstance(expr, Transpose):
        return _value(expr.arg, env).T
    if isinstance(expr, MatMul):
        scalar = float(sp.Mul(*[arg for arg in expr.args if not arg.is_Matrix]).subs(symbolic.N, env["N"]))
        matrices = [_value(arg, env) for arg in expr.args if arg.is_Matrix]
        return scalar * np.linalg.multi_dot(matrices) if len(matrices) > 1 else scalar * matrices[0]
    if isinstance(expr, MatAdd):
        return sum(_value(arg, env) for arg in expr.args)
    if isinstance(expr, HadamardProduct):
        return np.prod([_value(arg, env) for arg in expr.args], axis=0)
    if isinstance(expr, symbolic.Elementwise):
        function = sp.lambdify(expr.function.variables, expr.function.expr, "numpy")
        return function(*[_value(matrix, env) for matrix in expr.matrices])
    if isinstance(expr, symbolic.ColumnSum):
        return _value(expr.args[0], env).sum(axis=0, keepdims=True)
    if isinstance(expr, symbolic.Broadcast):
        row = _value(expr.args[0], env)
        return np.repeat(row, env["N"], axis=0)
    if isinstance(expr, symbolic.Activate):
        return 1 / (1 + np.exp(-_value(expr.args[1], env)))
    raise TypeError(f"no value for {type(expr).__name__}")


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
def test_every_transformed_matrix_line_holds(profile):
    notation = PROFILES[profile]
    base = derive(load(NETWORK))
    network = dataclasses.replace(base.network, notation=notation)
    rng = np.random.default_rng(1)
    params = initial_params(network, rng)
    samples = 1 if notation.layout == "column" and not notation.batch_columns else 5
    X, T = rng.uniform(-1, 1, (samples, 3)), rng.uniform(0, 1, (samples, 2))
    values = base.evaluate(params, X, T)
    scale = float(symbols_of(network).delta_scale.subs(symbolic.N, samples))
    env = {key: np.atleast_2d(value) for key, value in {**params, **values}.items()} | {"N": samples}
    env.update({name: value / scale for name, value in values.items() if name.startswith("delta")})
    for line in base.forward + base.backward:
        lhs, rhs = equation(line.target, line.expr, network)
        assert isinstance(lhs, ColumnMatrix) == (notation.layout == "column")  # the equation was transposed
        np.testing.assert_allclose(_value(rhs, env), _value(lhs, env), rtol=1e-10, err_msg=str(line.target))


def test_a_wrong_delta_scale_is_caught():
    """The check above is not vacuous: read with the derivation's own deltas, deeplearning.ai's dZ fails."""
    base = derive(load(NETWORK))
    network = dataclasses.replace(base.network, notation=PROFILES["deeplearning_ai"])
    rng = np.random.default_rng(1)
    params = initial_params(network, rng)
    values = base.evaluate(params, rng.uniform(-1, 1, (5, 3)), rng.uniform(0, 1, (5, 2)))
    env = {key: np.atleast_2d(value) for key, value in {**params, **values}.items()} | {"N": 5}
    line = next(line for line in base.backward if line.target.name.startswith("dW"))
    lhs, rhs = equation(line.target, line.expr, network)
    assert not np.allclose(_value(rhs, env), _value(lhs, env))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_a_sum_over_samples_keeps_every_factor_that_names_the_sample(profile):
    """A partial binds its variable (dC/da_{nj} has no free n), yet it depends on the sample: the
    notation's scaling of a chain-rule step leaves it inside the sum over the samples."""
    network = load({"name": "keep", "layers": [2, 2, 2], "activation": "sigmoid", "cost": "half_mse",
                    "notation": profile})  # fmt: skip
    for step in derive(network).steps:
        _, rhs = equation(step.eq.lhs, step.eq.rhs, network)
        for node in sp.preorder_traversal(rhs):
            if isinstance(node, sp.Mul) and any(isinstance(arg, sp.Sum) for arg in node.args):
                for total in (arg for arg in node.args if isinstance(arg, sp.Sum)):
                    bound = {limit[0] for limit in total.limits}
                    outside = [arg for arg in node.args if arg is not total]
                    assert not any(arg.has(*bound) for arg in outside), (profile, step.label, rhs)
