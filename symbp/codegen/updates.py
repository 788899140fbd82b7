"""The in-place optimisers' update rules (``symbp.derivation.optimizers``) as NumPy statements.

Each rule ``target <- expr`` is printed through the step's in-place writer,
so ``m <- beta1 m + (1 - beta1) g`` becomes ufunc calls with ``out=`` buffers
under the rule's label. A rule that reads its own target is printed as
"scale the target, then add the rest", the rest computed first into a scratch
vector: the parameter vector is then written by exactly one ufunc call per
step, so a step interrupted by Ctrl-C leaves it at the last completed step.

When every rule uses the gradient only as eta * g, the step's gradient buffer
already holds eta * g (the learning rate is folded into the backward pass),
and the rules are printed with ``gradient`` standing for eta * g.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbp.codegen.inplace import InPlaceWriter, ScalarWriter
from symbp.codegen.printer import ModulePrinter
from symbp.derivation.optimizers import (
    ETA,
    IN_PLACE,
    M_HAT,
    SETTINGS,
    STEP,
    THETA,
    V_HAT,
    G,
    M,
    V,
    optimizer,
)

SCALED_G = sp.Symbol("eta_g")
SHAPE = "flat.shape"
# Python names of the settings' symbols inside the module.
SCALAR_NAMES = {"eta": "learning_rate", "mu": "momentum", "epsilon": "eps"}


@dataclass(frozen=True)
class UpdateSource:
    """What the template prints for one optimiser's ``_update_<name>`` factory."""

    name: str
    title: str
    folded: bool  # the gradient buffer holds learning_rate * g
    settings: tuple[str, ...]  # the settings the printed statements read
    state: tuple[str, ...]  # vectors that start at zero
    buffers: tuple[str, ...]  # scratch vectors, allocated once
    counts_steps: bool  # the rules read the step number t
    rules: tuple[tuple[str, tuple[str, ...]], ...]  # (label, statements)

    @property
    def signature(self) -> str:
        """The factory's name and parameters: the vectors, the settings it reads, the dtype of its state."""
        return f"_update_{self.name}({', '.join(('flat', 'gradient', *self.settings, 'dtype'))})"

    @property
    def allocation_note(self) -> str:
        state = f" ({', '.join(self.state)} start at zero)" if self.state else ""
        return f"Vectors allocated here, once{state}; one ufunc call a step writes flat."

    @property
    def table_entry(self) -> str:
        """(factory, settings, folded): the optimiser's entry in the module's IN_PLACE table."""
        settings = "".join(f'"{setting}", ' for setting in self.settings)
        settings = f"({settings[:-2]},)" if len(self.settings) == 1 else f"({settings[:-2]})"
        return f"(_update_{self.name}, {settings}, {self.folded})"


def _vector_names(name: str) -> dict:
    state = {V: "velocity"} if name in ("momentum", "nesterov") else {M: "m", V: "v"}
    return {THETA: "flat", G: "gradient", SCALED_G: "gradient", M_HAT: "m_hat", V_HAT: "v_hat", **state}


def _fold(rules) -> list | None:
    """The rules with eta * g written as one symbol, or None when g appears other than as eta * g."""
    folded = [(rule, rule.expr.subs(ETA * G, SCALED_G)) for rule in rules]
    if any(expr.has(G) for _, expr in folded):
        return None
    return folded


class _RuleWriter:
    def __init__(self, env: dict):
        self.writer = InPlaceWriter(ModulePrinter(SCALAR_NAMES), None, set(), {}, "np.dot")
        self.env = env

    def statements(self, target: sp.Symbol, expr: sp.Expr) -> tuple[str, ...]:
        writer = self.writer
        writer.out = []
        writer.buffers.release_all()
        scalar = ScalarWriter(writer, self.env, SHAPE)
        out = self.env[target]
        if not expr.has(target):
            factor, vector = expr.as_independent(*self.env, as_Add=False)
            if vector in self.env and factor != 1:
                # a vector times a scalar (m / (1 - beta1^t)): one pass, the scalar computed once
                writer.emit(f"np.multiply({self.env[vector]}, {writer.scalar_text(factor)}, out={out})")
            else:
                scalar.into(expr, out)
            return tuple(writer.out)
        rest, own = expr.as_independent(target, as_Add=True)
        factor = sp.simplify(own / target)
        if factor.has(target):
            raise ValueError(f"{target} <- {expr} is not affine in {target}")
        if factor != 1:
            writer.emit(f"np.multiply({out}, {writer.scalar_text(factor)}, out={out})")
        if rest != 0:
            sign, magnitude = rest.as_coeff_Mul()
            if sign.is_negative:
                magnitude = -sign * magnitude
            else:
                magnitude = sign * magnitude
            operation = "np.subtract" if sign.is_negative else "np.add"
            writer.emit(f"{operation}({out}, {scalar.operand(magnitude)}, out={out})")
        return tuple(writer.out)


def update_source(name: str) -> UpdateSource:
    """The statements of one in-place optimiser, rule by rule, printed from its definition."""
    definition = optimizer(name)
    rules = [rule for rule in definition.rules if not isinstance(rule.expr, sp.Derivative)]
    folded = _fold(rules)
    pairs = folded if folded is not None else [(rule, rule.expr) for rule in rules]
    env = _vector_names(name)
    writer = _RuleWriter(env)
    printed = tuple((rule.label, writer.statements(rule.target, expr)) for rule, expr in pairs)
    defined = tuple(env[rule.target] for rule in rules if rule.relation == "=")
    scratch = tuple(writer.writer.buffers.declared)
    read = set().union(*(expr.free_symbols for _, expr in pairs))
    settings = tuple(setting for setting in definition.settings if SETTINGS[setting] in read)
    return UpdateSource(
        name=name,
        title=definition.title,
        folded=folded is not None,
        settings=settings,
        state=tuple(env[symbol] for symbol in definition.state),
        buffers=defined + scratch,
        counts_steps=STEP in read,
        rules=printed,
    )


def update_sources() -> tuple[UpdateSource, ...]:
    """Every in-place optimiser, in the order of ``IN_PLACE``."""
    return tuple(update_source(name) for name in IN_PLACE)
