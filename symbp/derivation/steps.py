"""The records of a Derivation: its steps, matrix lines and sections, and the Derivation itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatrixSymbol

from symbp.derivation.checks import Check
from symbp.derivation.numeric import MatrixEvaluator, cost_value
from symbp.derivation.reasons import Reason
from symbp.naming import matrix_name
from symbp.spec.network import Network


@dataclass(frozen=True)
class Step:
    """One equation of the derivation, why it holds, and how it was checked."""

    eq: sp.Eq
    reason: Reason
    kind: str
    section: str
    part: str = ""
    label: str | None = None
    check: Check | None = None

    def __repr__(self) -> str:
        label = f" {self.label}" if self.label else ""
        checked = f", checked {self.check.method}" if self.check else ""
        equation = " ".join(str(self.eq).split())
        equation = equation if len(equation) <= 80 else equation[:77] + "..."
        return f"Step({self.section}/{self.kind}{label}: {equation}{checked})"


@dataclass(frozen=True)
class MatrixLine:
    """target = expr for one concrete layer; ``label`` names the general equation."""

    target: MatrixSymbol
    expr: sp.Basic
    label: str
    layer: int


@dataclass(frozen=True)
class SectionView:
    """One section of a derivation, displayable on its own (Jupyter)."""

    derivation: Derivation
    key: str

    def __repr__(self) -> str:
        return f"SectionView({self.derivation.network.name}, {self.key!r})"


@dataclass
class Derivation:
    """Everything derived for one network; renderers and codegen only print this."""

    network: Network
    steps: list[Step] = field(default_factory=list)
    forward: list[MatrixLine] = field(default_factory=list)
    backward: list[MatrixLine] = field(default_factory=list)

    SECTION_ORDER = ("cost", "L", "L-1", "L-2", "index", "matrix")

    def __repr__(self) -> str:
        return f"Derivation({self.network.name}: {self.network.summary()}, {len(self.steps)} steps)"

    def sections(self) -> list[tuple[str, list[Step]]]:
        """The steps grouped by section, in order."""
        grouped = []
        for name in self.SECTION_ORDER:
            members = [step for step in self.steps if step.section == name]
            if members:
                grouped.append((name, members))
        return grouped

    def section(self, key: str) -> SectionView:
        """A displayable view of one section ("L", "L-1", "index", ...)."""
        return SectionView(self, key)

    def step(self, label: str) -> Step:
        for candidate in self.steps:
            if candidate.label == label:
                return candidate
        raise KeyError(label)

    @property
    def general_matrix(self) -> list[Step]:
        return [step for step in self.steps if step.section == "matrix"]

    def evaluate(self, params: dict, X, T) -> dict[str, np.ndarray]:
        """Numeric values of every forward and backward line, and the cost."""
        X = np.asarray(X, dtype=float)
        T = np.asarray(T, dtype=float)
        env = {"X": X, "T": T}
        for name, value in params.items():
            value = np.asarray(value, dtype=float)
            env[name] = value[None, :] if name.startswith("b") else value
        evaluator = MatrixEvaluator(self.network, X.shape[0], self.network.l2)
        for line in self.forward + self.backward:
            env[line.target.name] = np.asarray(evaluator(line.expr, env), dtype=float)
        weights = {layer: env[matrix_name("W", layer)] for layer in range(1, self.network.depth + 1)}
        results = {name: value for name, value in env.items() if name not in params}
        for layer in range(1, self.network.depth + 1):
            if f"db{layer}" in results:
                results[f"db{layer}"] = results[f"db{layer}"].reshape(-1)
        results["cost"] = cost_value(
            self.network, env[matrix_name("A", self.network.depth)], T, weights, self.network.l2
        )
        return results
