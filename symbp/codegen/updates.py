"""The in-place optimisers' update rules (``symbp.derivation.optimizers``) as NumPy statements.

Each rule ``target <- expr`` is printed through the step's in-place writer,
so ``m <- beta1 m + (1 - beta1) g`` becomes ufunc calls with ``out=`` buffers
under the rule's label. A rule that reads its own target is printed as
"scale the target, then add the rest", the rest computed first into a scratch
vector: the parameter vector is then written by exactly one ufunc call per
step, so a step interrupted by Ctrl-C leaves it at the last completed step.

Every ufunc call is a pass over the parameter vector, so the rules are printed
with as few as the algebra allows, each rewriting checked by SymPy to be the
same function:

* a vector the rules define with "=" (Adam's bias-corrected m_hat and v_hat)
  is substituted into the rule that reads it, and scalar factors of that rule
  gather into step scalars eta_t and eps_t computed once a step in Python
  floats (with the state below, eta_t = eta (1 - beta1) sqrt((1 - beta2^t) /
  (1 - beta2)) / (1 - beta1^t) and eps_t = eps sqrt((1 - beta2^t) / (1 - beta2)));
* the gradient's buffer is scratch once the rules have read g for the last
  time: the next step rewrites it;
* a state vector whose rule is ``s <- a s + b x`` (b a setting, not a
  number) may be kept as s / b: its rule ``s <- a s + x`` saves a pass, and
  the rules reading it take the factor b, for free where it joins their step
  scalars. The rules are printed both ways and the fewer passes kept: Adam
  holds m / (1 - beta1) and v / (1 - beta2), and needs 10 passes and no
  vector beyond m and v;
* otherwise ``m <- beta1 m + (1 - beta1) g`` while g is still to be read is
  printed as ``m <- (1 - beta1) (beta1 / (1 - beta1) m + g)``: three passes
  in place, no scratch vector.

When every rule uses the gradient only as eta * g, the step's gradient buffer
already holds eta * g (the learning rate is folded into the backward pass),
and the rules are printed with ``gradient`` standing for eta * g.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from symbp.codegen.inplace import Buffers, InPlaceWriter, ScalarWriter
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
# step scalars: the scalar factors of a rule, computed once a step
ETA_T = sp.Symbol("eta_t", positive=True)
EPS_T = sp.Symbol("epsilon_t", positive=True)
SHAPE = "flat.shape"
GRADIENT = "gradient"
# Python names of the settings' symbols inside the module.
SCALAR_NAMES = {"eta": "learning_rate", "mu": "momentum", "epsilon": "eps", "epsilon_t": "eps_t"}


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
    rules: tuple[tuple[str, tuple[str, ...]], ...]  # (labels, statements)

    @property
    def signature(self) -> str:
        """The factory's name and parameters: the vectors, the settings it reads, the dtype of its state."""
        return f"_update_{self.name}({', '.join(('flat', 'gradient', *self.settings, 'dtype'))})"

    @property
    def allocation_note(self) -> str:
        state = f" ({', '.join(self.state)} start at zero)" if self.state else ""
        note = f"Vectors allocated here, once{state}; one ufunc call a step writes flat."
        if any(f"out={GRADIENT})" in statement for _, statements in self.rules for statement in statements):
            note += "\n    Once the rules have read g, gradient is scratch: the next step rewrites it."
        return note

    @property
    def table_entry(self) -> str:
        """(factory, settings, folded): the optimiser's entry in the module's IN_PLACE table."""
        settings = "".join(f'"{setting}", ' for setting in self.settings)
        settings = f"({settings[:-2]},)" if len(self.settings) == 1 else f"({settings[:-2]})"
        return f"(_update_{self.name}, {settings}, {self.folded})"


@dataclass(frozen=True)
class _Printed:
    """One "<-" rule to print, after the labels of the definitions substituted into it."""

    substituted: tuple[str, ...]
    label: str
    target: sp.Symbol
    expr: sp.Expr


def _vector_names(name: str) -> dict:
    state = {V: "velocity"} if name in ("momentum", "nesterov") else {M: "m", V: "v"}
    return {THETA: "flat", G: GRADIENT, SCALED_G: GRADIENT, M_HAT: "m_hat", V_HAT: "v_hat", **state}


def _substituted(rules) -> list[_Printed]:
    """The "<-" rules, every "=" definition substituted where it is read: a defined vector costs a pass."""
    definitions, cited, printed = {}, {}, []
    for rule in rules:
        expr = rule.expr.subs(definitions)
        if rule.relation == "=":
            definitions[rule.target], cited[rule.target] = expr, rule.label
            continue
        labels = tuple(cited[symbol] for symbol in definitions if rule.expr.has(symbol))
        printed.append(_Printed(labels, rule.label, rule.target, expr))
    return printed


def _fold(printed: list[_Printed]) -> list[_Printed] | None:
    """The rules with eta * g written as one symbol, or None when g appears other than as eta * g."""
    folded = [replace(rule, expr=rule.expr.subs(ETA * G, SCALED_G)) for rule in printed]
    if any(rule.expr.has(G) for rule in folded):
        return None
    return folded


def _rescaled(printed: list[_Printed], state, vectors) -> tuple[list[_Printed], dict]:
    """The rules with each state vector s whose rule is ``s <- a s + b x`` (b not a number) kept as s / b.

    The vector's own rule becomes ``s <- a s + x``, a pass fewer, and every
    later rule reads b s instead: the same function, step by step, since
    b (s / b) is s. Whether the readers absorb b into their scalars without
    a pass of their own is for the caller to count. Returns the rules and
    {s: b}.
    """
    scales, rescaled = {}, []
    for rule in printed:
        expr = rule.expr.subs({vector: scale * vector for vector, scale in scales.items()})
        if rule.target in state and rule.target not in scales:
            rest, own = expr.as_independent(rule.target, as_Add=True)
            scale, vector = rest.as_independent(*vectors, as_Add=False)
            if rest != 0 and not scale.is_Number and not sp.cancel(own / rule.target).has(*vectors):
                scales[rule.target] = scale
                expr = own + vector
        rescaled.append(replace(rule, expr=expr))
    return rescaled, scales


def _step_scalars(expr: sp.Expr, target: sp.Symbol, vectors) -> tuple[sp.Expr, tuple]:
    """``target + c N / (k sqrt(v) + e)`` as ``target - eta_t N / (sqrt(v) + eps_t)``, and (eta_t, eps_t).

    The same function (SymPy checks it; square roots of the non-negative
    second moment split), with one vector term in the denominator: the
    scalars are computed once a step, so no pass divides a vector by them.
    The expression is returned unchanged when it is not such a quotient.
    """
    rest = expr - target
    if not any(power.exp.is_negative and power.base.has(*vectors) for power in rest.atoms(sp.Pow)):
        return expr, ()  # no vector in a denominator: not a quotient, and no need to ask SymPy
    nonnegative = {vector: sp.Dummy(vector.name, nonnegative=True) for vector in vectors}
    back = {dummy: vector for vector, dummy in nonnegative.items()}
    split = sp.expand_power_base(sp.powdenest(rest.subs(nonnegative), force=True), force=True)
    numerator, denominator = sp.fraction(sp.together(split))
    scale, quotient = denominator.as_independent(*back, as_Add=False)
    if not isinstance(quotient, sp.Add) or quotient.has(target):
        return expr, ()
    constant, vector_term = quotient.as_independent(*back, as_Add=True)
    k, vector_part = vector_term.as_independent(*back, as_Add=False)
    c, top = numerator.as_independent(*back, as_Add=False)
    (eta_t, eta_roots), (eps_t, eps_roots) = _roots_combined(-c / (scale * k)), _roots_combined(constant / k)
    printed = target - ETA_T * top / (vector_part + EPS_T)
    # the bases under the combined roots are positive (see _roots_combined), which SymPy is told
    positive = {base: sp.Dummy(positive=True) for base in eta_roots | eps_roots}
    same = (printed.subs({ETA_T: eta_t, EPS_T: eps_t}) - split - target).subs(positive)
    if sp.cancel(same) != 0:  # a proof that needs no sympy.simplify (which loads sympy.physics.units)
        raise ValueError(f"{target} <- {expr}: the step scalars do not give the same update")
    return printed.subs(back), ((ETA_T, eta_t), (EPS_T, eps_t))


def _roots_combined(expr: sp.Expr) -> tuple[sp.Expr, set]:
    """A product's square-root factors as one root of a quotient (sqrt(x)/sqrt(y) as sqrt(x/y)), and the
    bases x, y under them.

    Valid as every such base is positive: the settings make them 1 - beta and
    1 - beta^t with 0 <= beta < 1. SymPy does not know it, so `_step_scalars`
    tells it (positive dummies) when it checks the printed update.
    """
    factors = sp.Mul.make_args(expr)
    roots = [factor for factor in factors if factor.is_Pow and abs(factor.exp) == sp.S.Half]
    if len(roots) < 2:
        return expr, set()
    quotient = sp.Mul(*(root.base ** sp.sign(root.exp) for root in roots))
    combined = sp.Mul(*(factor for factor in factors if factor not in roots)) * sp.sqrt(quotient)
    return combined, {factor.as_base_exp()[0] for factor in sp.Mul.make_args(quotient)}


def _single_read(expr: sp.Expr, env: dict) -> bool:
    """Whether ``expr`` reads one vector, once: computing it into that vector's own buffer is then safe."""
    return sum(1 for node in sp.preorder_traversal(expr) if node in env) == 1


class _Scratch(Buffers):
    """Scratch vectors, with ``spare`` (the gradient's buffer, when g is dead) handed out first."""

    spare: str | None = None

    def take(self, shape: str, boolean: bool = False) -> str:
        if self.spare is not None and not boolean:
            name, self.spare = self.spare, None
            return name
        return super().take(shape, boolean)


class _FloatPrinter(ModulePrinter):
    """Step scalars as Python floats: a NumPy scalar would make float32 ufuncs compute in float64."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sp.S.Half:
            return super()._print_Pow(sp.Pow(expr.base, sp.Float(0.5), evaluate=False), rational)
        return super()._print_Pow(expr, rational)


class _RuleWriter:
    def __init__(self, env: dict):
        self.writer = InPlaceWriter(ModulePrinter(SCALAR_NAMES), None, set(), {}, "np.dot")
        self.writer.buffers = _Scratch()
        self.scalars = _FloatPrinter(SCALAR_NAMES)
        self.env = env

    def statements(self, target: sp.Symbol, expr: sp.Expr, g_read_later: bool, scale=None) -> tuple[str, ...]:
        """The rule's statements; the gradient's buffer is scratch when no later rule reads g.

        ``scale`` is b when the target's vector holds target / b (see `_rescaled`).
        """
        writer = self.writer
        writer.out = []
        writer.buffers.release_all()
        if scale is not None:
            held, factor = sp.sstr(target / scale), sp.sstr(scale)
            factor = f"({factor})" if scale.is_Add else factor
            note = f"a pass fewer; the rules below read it times {factor}"
            writer.emit(f"# the vector {self.env[target]} holds {held}: {note}")
        vectors = [symbol for symbol in self.env if symbol not in (THETA, G, SCALED_G)]
        expr, scalars = _step_scalars(expr, target, vectors)
        if scalars:
            step = sp.sstr(target - expr)
            writer.emit(f"# {target} <- {target} - {step}: the same step, its scalars computed once a step")
        for symbol, value in scalars:
            writer.emit(f"{self.scalars.doprint(symbol)} = {self.scalars.doprint(value)}")
        scalar = ScalarWriter(writer, self.env, SHAPE)
        out = self.env[target]
        if not expr.has(target):
            writer.buffers.spare = None if g_read_later else GRADIENT
            scalar.into(expr, out)
            return tuple(writer.out)
        rest, own = expr.as_independent(target, as_Add=True)
        factor = sp.cancel(own / target)
        if factor.has(target):
            raise ValueError(f"{target} <- {expr} is not affine in {target}")
        if rest != 0:
            sign, magnitude = rest.as_coeff_Mul()
            magnitude = abs(sign) * magnitude
            free = not g_read_later and (not magnitude.has(G, SCALED_G) or _single_read(magnitude, self.env))
            scale, vector = magnitude.as_independent(*self.env, as_Add=False)
            if not free and vector in self.env and not scale.is_Number:
                # target <- a target + b x as b (a/b target + x): in place, where b x needs a scratch vector
                b, a_over_b, plus = sp.sstr(scale), sp.sstr(factor / scale), "-" if sign.is_negative else "+"
                writer.emit(f"# {target} <- ({b})*({a_over_b}*{target} {plus} {vector}): no scratch vector")
                factor, scaled = factor / scale, scale
            else:
                scaled = 1
            writer.buffers.spare = GRADIENT if free else None
        if factor != 1:
            writer.emit(f"np.multiply({out}, {writer.scalar_text(factor)}, out={out})")
        if rest != 0:
            operation = "np.subtract" if sign.is_negative else "np.add"
            operand = self.env[vector] if scaled != 1 else self._operand(scalar, magnitude)
            writer.emit(f"{operation}({out}, {operand}, out={out})")
            writer.scale(scaled, out)
        return tuple(writer.out)

    def _operand(self, scalar: ScalarWriter, magnitude: sp.Expr) -> str:
        """``magnitude`` as an operand; a quotient ``c N / D`` as D into scratch, then N / it, times c."""
        numerator, denominator = sp.fraction(magnitude)
        if denominator.is_Number or scalar._is_operand(denominator):
            return scalar.operand(magnitude)
        c, top = numerator.as_independent(*self.env, as_Add=False)
        if top not in self.env:
            return scalar.operand(magnitude)
        work = self.writer.buffers.take(SHAPE)
        scalar.into(denominator, work)
        self.writer.emit(f"np.divide({self.env[top]}, {work}, out={work})")
        self.writer.scale(c, work)
        return work


def update_source(name: str) -> UpdateSource:
    """The statements of one in-place optimiser, rule by rule, printed from its definition."""
    definition = optimizer(name)
    rules = [rule for rule in definition.rules if not isinstance(rule.expr, sp.Derivative)]
    substituted = _substituted(rules)
    folded = _fold(substituted)
    printed_rules = folded if folded is not None else substituted
    env = _vector_names(name)
    rescaled, scales = _rescaled(printed_rules, definition.state, tuple(env))
    # the state as the rules define it, or rescaled where that prints fewer passes
    candidates = [_printed(printed_rules, env, {})]
    if scales:
        candidates.append(_printed(rescaled, env, scales))
    printed, writer = min(candidates, key=lambda candidate: _passes(candidate[0]))
    read = set().union(*(rule.expr.free_symbols for rule in printed_rules))
    settings = tuple(setting for setting in definition.settings if SETTINGS[setting] in read)
    return UpdateSource(
        name=name,
        title=definition.title,
        folded=folded is not None,
        settings=settings,
        state=tuple(env[symbol] for symbol in definition.state),
        buffers=tuple(writer.writer.buffers.declared),
        counts_steps=STEP in read,
        rules=tuple(printed),
    )


def _printed(rules: list[_Printed], env: dict, scales: dict) -> tuple[list, _RuleWriter]:
    """(label, statements) of every rule, and the writer that declared their scratch vectors."""
    writer = _RuleWriter(env)
    readers = [index for index, rule in enumerate(rules) if rule.expr.has(G, SCALED_G)]
    printed = []
    for index, rule in enumerate(rules):
        # a definition substituted into the rule is cited above it, with no statements of its own
        printed += [(label, ()) for label in rule.substituted]
        statements = writer.statements(rule.target, rule.expr, index < max(readers), scales.get(rule.target))
        printed.append((rule.label, statements))
    return printed, writer


def _passes(printed: list) -> int:
    """The ufunc calls, each a pass over the parameter vector."""
    return sum(statement.startswith("np.") for _, statements in printed for statement in statements)


def update_sources() -> tuple[UpdateSource, ...]:
    """Every in-place optimiser, in the order of ``IN_PLACE``."""
    return tuple(update_source(name) for name in IN_PLACE)
