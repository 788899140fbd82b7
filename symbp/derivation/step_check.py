"""Each step checked as it is made: an index-form equation at every index value of a few small
instances (sympy.diff of the expanded cost where it is small, central differences everywhere), and
every concrete layer's matrix line against finite differences."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from symbp.derivation import checks
from symbp.derivation.checks import Check, ExactGradient, IndexEvaluator, Instance
from symbp.derivation.numeric import MatrixEvaluator
from symbp.derivation.steps import MatrixLine
from symbp.derivation.symbolic import L, l
from symbp.spec.network import Network

CHECK_SEEDS = (11, 12, 13)


def matrix_step_check(index_check: Check | None, index_label: str) -> Check:
    """A general matrix equation is checked through its index form and every concrete layer's line."""
    return Check(
        index_check.method if index_check else "numeric",
        index_check.points if index_check else 0,
        0.0,
        "entry (i, j) of the matrix equation is the index form "
        f"{index_label}; every concrete layer's line is checked numerically",
    )


class StepChecker:
    """The instances every step of one network's derivation is checked on."""

    def __init__(self, network: Network, instances: list | None = None):
        """A chain's own instances, or ``instances`` given (a graph's), checked numerically only."""
        self.network = network
        if instances is not None:
            self.instances, self.exact = instances, [None] * len(instances)
            return
        # The first instance has one sample, to keep its expanded cost small for the exact check.
        self.instances = [
            Instance(network, seed, samples=1 if seed == CHECK_SEEDS[0] else 3) for seed in CHECK_SEEDS
        ]
        # sympy.diff of the expanded cost is slow: one instance gets the exact reference.
        self.exact = [self._exact_reference(self.instances[0])] + [None] * (len(self.instances) - 1)

    def _exact_reference(self, instance: Instance) -> ExactGradient | None:
        parameters = sum(x * y for x, y in zip(instance.sizes, instance.sizes[1:], strict=False))
        if self.network.depth > 3 or parameters > 24:
            return None
        reference = ExactGradient(instance)
        return reference if reference.small else None

    def check(self, eq: sp.Eq, layers) -> Check:
        worst, methods, points = 0.0, set(), 0
        free = _free_indices(eq.lhs)
        for instance, exact in zip(self.instances, self.exact, strict=True):
            for layer_value in layers:
                # a layer for l, or (a graph's) the values of several layer symbols
                env = layer_value if isinstance(layer_value, dict) else {l: layer_value}
                env = {} if layer_value is None else env
                evaluator = IndexEvaluator(instance, env)
                ranges = _index_ranges(eq.lhs, evaluator, instance)
                for combo in checks.index_combinations(free, ranges):
                    evaluator.env.update(dict(zip(free, combo, strict=True)))
                    try:
                        reference, method = checks.reference_value(instance, eq.lhs, evaluator, exact)
                        value = evaluator(eq.rhs)
                    except ArithmeticError:  # overflow at the check point: raise_failure names the field
                        reference = value = math.nan
                    error = checks.compare(value, reference)
                    if not error <= checks.RELATIVE_TOLERANCE:
                        where = ", ".join(
                            f"{var}={val}" for var, val in evaluator.env.items() if isinstance(var, sp.Symbol)
                        )
                        checks.raise_failure(eq, where, value, reference, instance)
                    worst = max(worst, error)
                    methods.add(method)
            points += 1
        return _describe(methods, points, worst)

    def check_matrix_line(self, line: MatrixLine):
        """A concrete layer's matrix line against finite differences on each instance."""
        for instance in self.instances:
            env = instance.reference_env
            evaluator = MatrixEvaluator(self.network, instance.samples, instance.lam)
            value = np.asarray(evaluator(line.expr, env), dtype=float)
            reference, layer = env[line.target.name], line.layer
            for got, want in zip(value.ravel(), reference.ravel(), strict=True):
                if checks.compare(got, want) > checks.RELATIVE_TOLERANCE:
                    checks.raise_failure(
                        sp.Eq(line.target, line.expr, evaluate=False), f"layer {layer}", got, want, instance
                    )


def _lhs_target(lhs) -> sp.Indexed:
    """The Indexed a step is about: the parameter of dC/dw, or the delta itself."""
    return lhs.variables[0] if isinstance(lhs, sp.Derivative) else lhs


def _free_indices(lhs) -> list[sp.Symbol]:
    target = _lhs_target(lhs)
    return [index for index in target.indices[1:] if isinstance(index, sp.Symbol) and index not in (L, l)]


def _index_ranges(lhs, evaluator: IndexEvaluator, instance: Instance) -> dict:
    target = _lhs_target(lhs)
    layer = evaluator(target.indices[0])
    name = str(target.base.label)
    if name == "a":  # dC/da of a graph's layer (the input's for dC/dx): samples by units
        return {target.indices[1]: instance.samples, target.indices[2]: instance.sizes[layer]}
    # a graph's matrix that skips layers has the pair (into, from) for its layer
    rows = layer[1] if isinstance(layer, tuple) else layer - 1
    target_layer = layer[0] if isinstance(layer, tuple) else layer
    positions = {"w": (rows, target_layer), "b": (target_layer,), "delta": (None, target_layer)}[name]
    ranges = {}
    for index, position in zip(target.indices[1:], positions, strict=True):
        ranges[index] = instance.samples if position is None else instance.sizes[position]
    return ranges


def _describe(methods: set[str], points: int, worst: float) -> Check:
    if "exact" in methods:
        return Check(
            "symbolic+numeric",
            points,
            worst,
            "compared with sympy.diff of the fully expanded cost of a small instance (first point) "
            "and with central finite differences (Richardson, float64)",
        )
    return Check("numeric", points, worst, "compared with central finite differences (Richardson, float64)")
