"""Value of an index-form expression on an Instance: the derivation's steps evaluated at a check point.

Indexed quantities (w, b, z, a, t, delta, widths) are read off the instance (a chain's or a
graph's, whose matrix that skips layers has the pair (into, from) for its layer);
an unevaluated chain-rule factor (dz/dw, da/dz, dC/dw, ...) is a partial of the
instance by central differences (``Instance.partial``), so even the first
chain-rule step is checked numerically.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import sympy as sp

from symbp.derivation.reference.instance import Instance
from symbp.derivation.symbolic import LAMBDA, C, ConsumerSum, L, N


class IndexEvaluator:
    """Value of an index-form expression on an Instance, with indices bound in ``env``.

    Every expression is compiled once into nested Python closures (cached across
    instances, layers and index values): a check evaluates the same equation for
    up to 3 instances x every layer x 6 index values, and walking the SymPy tree
    with type dispatch per node each time made the checks the slowest part.
    """

    def __init__(self, instance: Instance, env: dict):
        self.instance = instance
        self.env = {L: instance.depth, N: instance.samples, LAMBDA: instance.lam, **env}

    def __call__(self, expr) -> float:
        return _compile(expr)(self)

    def node(self, indexed):
        """('w', layer, (row, col)) etc. for an Indexed with concrete indices (0-based)."""
        return _compile_node(indexed)(self)


_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.tanh: math.tanh,
    sp.Abs: abs,
    sp.sinh: math.sinh,
    sp.cosh: math.cosh,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.atan: math.atan,
    sp.erf: math.erf,
    sp.sign: lambda x: float(np.sign(x)),
}


@lru_cache(maxsize=8192)
def _compile(expr):
    """A function evaluator -> value of ``expr``, chosen by the most specific node type."""
    kind = type(expr)
    for ancestor in kind.__mro__:
        compiler = _COMPILERS.get(ancestor)
        if compiler is not None:
            return compiler(expr)
    if isinstance(expr, sp.Function) and kind in _FUNCTIONS:
        return _compile_function(_FUNCTIONS[kind], [_compile(arg) for arg in expr.args])
    raise TypeError(f"cannot evaluate {kind.__name__}: {expr}")


def _constant(value):
    return lambda evaluator: value


def _compile_symbol(expr):
    return lambda evaluator: evaluator.env[expr]


def _compile_function(function, arguments):
    return lambda evaluator: function(*[argument(evaluator) for argument in arguments])


def _compile_add(expr):
    terms = [_compile(arg) for arg in expr.args]
    return lambda evaluator: sum(term(evaluator) for term in terms)


def _compile_mul(expr):
    factors = [_compile(arg) for arg in expr.args]
    return lambda evaluator: math.prod(factor(evaluator) for factor in factors)


def _compile_pow(expr):
    base, exponent = _compile(expr.base), _compile(expr.exp)
    return lambda evaluator: base(evaluator) ** exponent(evaluator)


def _compile_sum(expr):
    """Nested loops, the innermost limit (listed first by SymPy) wrapped first."""
    body = _compile(expr.function)
    for var, low, high in expr.limits:
        body = _loop(var, _compile(low), _compile(high), body)
    return body


def _loop(var, low, high, body):
    """Sum of ``body`` over var = low..high, restoring any outer binding of var."""

    def total(evaluator) -> float:
        return _summed(evaluator, var, range(int(low(evaluator)), int(high(evaluator)) + 1), body)

    return total


def _summed(evaluator, var, values, body) -> float:
    """Sum of ``body`` with ``var`` bound to each of ``values`` in turn, restoring any outer binding."""
    env = evaluator.env
    saved, result = env.get(var), 0.0
    for value in values:
        env[var] = value
        result += body(evaluator)
    if saved is None:
        env.pop(var, None)
    else:
        env[var] = saved
    return result


def _compile_kronecker(expr):
    left, right = (_compile(arg) for arg in expr.args)
    return lambda evaluator: 1.0 if left(evaluator) == right(evaluator) else 0.0


def _compile_heaviside(expr):
    argument = _compile(expr.args[0])
    return lambda evaluator: 1.0 if argument(evaluator) > 0 else 0.0


def _compile_piecewise(expr):
    branches = [(_compile(value), _compile_condition(condition)) for value, condition in expr.args]

    def value(evaluator) -> float:
        for branch, condition in branches:
            if condition(evaluator):
                return branch(evaluator)
        raise ValueError(f"no branch of {expr} applies")

    return value


_RELATIONS = {
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    "!=": lambda x, y: x != y,
}


def _compile_condition(condition):
    """A function evaluator -> bool for a Piecewise condition."""
    if condition in (sp.true, True):
        return _constant(True)
    if condition in (sp.false, False):
        return _constant(False)
    if isinstance(condition, (sp.And, sp.Or)):
        parts = [_compile_condition(arg) for arg in condition.args]
        combine = all if isinstance(condition, sp.And) else any
        return lambda evaluator: combine(part(evaluator) for part in parts)
    left, right = _compile(condition.lhs), _compile(condition.rhs)
    relation = _RELATIONS.get(condition.rel_op, lambda x, y: x == y)
    return lambda evaluator: relation(left(evaluator), right(evaluator))


@lru_cache(maxsize=4096)
def _compile_node(indexed):
    """A function evaluator -> (name, layer, 0-based index) for an Indexed."""
    name = indexed.base.label.name
    indices = [_compile(index) for index in indexed.indices]
    if name in ("w", "b", "z", "a", "delta"):
        return lambda evaluator: (
            name,
            _layer(indices[0](evaluator)),
            tuple(int(index(evaluator)) - 1 for index in indices[1:]),
        )
    if name == "t":
        return lambda evaluator: (name, None, tuple(int(index(evaluator)) - 1 for index in indices))
    return lambda evaluator: (name, int(indices[0](evaluator)), ())


def _layer(value):
    """A layer number, or the pair (into, from) of a graph's matrix that skips layers."""
    return value if isinstance(value, tuple) else int(value)


def _compile_tuple(expr):
    """The pair (into, from) that names a skip's matrix: w^{(2,0)} is ``w[Tuple(2, 0), i, j]``."""
    parts = [_compile(arg) for arg in expr.args]
    return lambda evaluator: tuple(int(part(evaluator)) for part in parts)


def _compile_consumer_sum(expr: ConsumerSum):
    """The body summed with its variable bound to each layer the graph's ``layer`` feeds (by a weight,
    or as an identity input), restoring any outer binding."""
    body, layer, variable = _compile(expr.body), _compile(expr.layer), expr.variable
    weighted = expr.kind == "weighted"

    def total(evaluator) -> float:
        graph, below = evaluator.instance.network.graph, int(layer(evaluator))
        if weighted:
            consumers = [connection.target for connection in graph.weighted_consumers(below)]
        else:
            consumers = graph.identity_consumers(below)
        return _summed(evaluator, variable, consumers, body)

    return total


def _read_node(instance: Instance, name: str, layer, index) -> float:
    """The instance's value of one node."""
    if name == "width":
        return instance.sizes[layer]
    if name == "t":
        return float(instance.T[index])
    if name == "delta":
        return instance.partial(("C",), ("z", layer, index))
    arrays = {"w": instance.W, "b": instance.b, "z": instance.Z, "a": instance.A}
    if name not in arrays:
        raise TypeError(f"unknown quantity {name}")
    return float(arrays[name][layer][index])


def _compile_indexed(expr):
    node = _compile_node(expr)
    return lambda evaluator: _read_node(evaluator.instance, *node(evaluator))


def _compile_derivative(expr):
    """A first partial derivative by finite differences on the instance."""
    (variable, count), *rest = expr.variable_count
    if rest or count != 1:
        raise TypeError(f"only first partial derivatives are evaluated: {expr}")
    quantity = _constant(("C",)) if expr.expr == C else _compile_node(expr.expr)
    quantity_name = "C" if expr.expr == C else expr.expr.base.label.name
    if quantity_name not in ("C", "z", "a") or variable.base.label.name not in ("w", "b", "z", "a"):
        raise TypeError(f"cannot evaluate {expr}")
    node = _compile_node(variable)
    return lambda evaluator: evaluator.instance.partial(quantity(evaluator), node(evaluator))


_COMPILERS = {
    sp.Integer: lambda expr: _constant(int(expr)),
    sp.Number: lambda expr: _constant(float(expr)),
    sp.NumberSymbol: lambda expr: _constant(float(expr)),
    sp.Symbol: _compile_symbol,
    sp.Tuple: _compile_tuple,
    ConsumerSum: _compile_consumer_sum,
    sp.Add: _compile_add,
    sp.Mul: _compile_mul,
    sp.Pow: _compile_pow,
    sp.Sum: _compile_sum,
    sp.KroneckerDelta: _compile_kronecker,
    sp.Piecewise: _compile_piecewise,
    sp.Heaviside: _compile_heaviside,
    sp.Indexed: _compile_indexed,
    sp.Derivative: _compile_derivative,
}
