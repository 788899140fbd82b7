"""The Derivation: dC/dW and dC/db layer by layer, the delta recursion emerging.

Following the blog post The backpropagation algorithm, the output layer L is differentiated by the
chain rule, its repeated factor is named delta^{(L)}; layer L-1's chain
contains delta^{(L)} and yields delta^{(L-1)} in terms of it; layer L-2 needs
a double sum whose order is swapped before the previous delta is recognised,
showing that the recursion repeats. Then the general index form and the
matrix form. Every factor comes from ``symbp.derivation.local`` (sympy.diff of the
spec's own local expressions), and every step is checked by
``symbp.derivation.checks`` when it is made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.matrices.expressions import MatAdd, MatMul, MatrixSymbol

from symbp.derivation import checks
from symbp.derivation.checks import Check, ExactGradient, IndexEvaluator, Instance
from symbp.derivation.local import activation_factor, collapse_kronecker, cost_factor, z_factor
from symbp.derivation.matrix_form import concrete_symbol, generic_symbol, to_matrix
from symbp.derivation.numeric import MatrixEvaluator, cost_value
from symbp.derivation.symbolic import (
    LAMBDA,
    C,
    L,
    MatrixSymbols,
    N,
    a,
    b,
    cost_definition,
    delta,
    i,
    j,
    k,
    l,
    m,
    n,
    p,
    q,
    t,
    w,
    width,
    z,
)
from symbp.derivation.symbolic import Activate as ActivateNode
from symbp.derivation.symbolic import Broadcast as BroadcastNode
from symbp.naming import matrix_name
from symbp.spec.network import Network

CHECK_SEEDS = (11, 12, 13)


def D(quantity, variable) -> sp.Derivative:
    """An unevaluated partial derivative, as written in a chain-rule step."""
    return sp.Derivative(quantity, variable, evaluate=False)


@dataclass(frozen=True)
class Step:
    """One equation of the derivation, why it holds, and how it was checked."""

    eq: sp.Eq
    reason: str
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


class _Deriver:
    """Builds the steps of one Derivation, checking each as it is made."""

    def __init__(self, network: Network):
        self.network = network
        self.depth = network.depth
        self.derivation = Derivation(network)
        # The first instance has one sample, to keep its expanded cost small for the exact check.
        self.instances = [
            Instance(network, seed, samples=1 if seed == CHECK_SEEDS[0] else 3) for seed in CHECK_SEEDS
        ]
        # sympy.diff of the expanded cost is slow: one instance gets the exact reference.
        self.exact = [self._exact_reference(self.instances[0])] + [None] * (len(self.instances) - 1)
        self.output_delta: sp.Expr | None = None

    def _exact_reference(self, instance: Instance) -> ExactGradient | None:
        parameters = sum(x * y for x, y in zip(instance.sizes, instance.sizes[1:], strict=False))
        if self.depth > 3 or parameters > 24:
            return None
        reference = ExactGradient(instance)
        return reference if reference.small else None

    # -- recording and checking ---------------------------------------
    def add(self, lhs, rhs, reason, kind, section, part="", label=None, layers=(None,)):
        eq = sp.Eq(lhs, rhs, evaluate=False)
        self.derivation.steps.append(Step(eq, reason, kind, section, part, label, self._check(eq, layers)))

    def _check(self, eq: sp.Eq, layers) -> Check:
        worst, methods, points = 0.0, set(), 0
        free = _free_indices(eq.lhs)
        for instance, exact in zip(self.instances, self.exact, strict=True):
            for layer_value in layers:
                env = {} if layer_value is None else {l: layer_value}
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

    # -- the output layer -------------------------------------------------
    def output_factor(self, unit) -> sp.Expr:
        """dC/dz^{(L)}_{n,unit} as an unevaluated chain (summed over outputs for softmax)."""
        if self.network.activation(self.depth).elementwise:
            return chain_product(D(C, a[L, n, unit]), D(a[L, n, unit], z[L, n, unit]))
        return sp.Sum(D(C, a[L, n, m]) * D(a[L, n, m], z[L, n, unit]), (m, 1, width[L]))

    def evaluate_factors(self, expr: sp.Expr, concrete_of) -> sp.Expr:
        """Replace every unevaluated partial derivative by its value (symbp.derivation.local)."""

        def value(derivative: sp.Derivative):
            quantity, variable = derivative.expr, derivative.variables[0]
            if quantity == C:
                return cost_factor(self.network, variable.indices[1], variable.indices[2])
            base = str(quantity.base.label)
            if base == "a":
                layer, sample, out_unit = quantity.indices
                return activation_factor(
                    self.network, concrete_of(layer), layer, sample, out_unit, variable.indices[2]
                )
            layer, sample, unit = quantity.indices
            return z_factor(layer, sample, unit, variable, self.network.bias, _fresh_dummy(derivative))

        return expr.replace(lambda node: isinstance(node, sp.Derivative), value)

    def concrete_of(self, layer_expr) -> int:
        return int(layer_expr.subs(L, self.depth))

    def penalty(self, layer) -> sp.Expr:
        if not self.network.l2:
            return sp.Integer(0)
        return sp.diff(LAMBDA / 2 * w[layer, i, j] ** 2, w[layer, i, j])

    def derive_cost(self):
        eq = sp.Eq(C, cost_definition(self.network), evaluate=False)
        reason = f"the cost: {self.network.cost.description}" + (
            f", plus the l2 penalty lambda/2 sum w^2 (lambda = {self.network.l2:g})"
            if self.network.l2
            else ""
        )
        self.derivation.steps.append(Step(eq, reason, "definition", "cost", label="eq:cost"))

    def derive_output_layer(self):
        section, section_delta = "L", delta[L, n, j]
        chain_w = sp.Sum(
            chain_product(self.output_factor(j), D(z[L, n, j], w[L, i, j])), (n, 1, N)
        ) + self.penalty(L)
        reach = "an output-layer weight reaches C only through z^{(L)}_{nj} of each sample n"
        if not self.network.activation(self.depth).elementwise:
            reach += " (softmax: z^{(L)}_{nj} moves every output a^{(L)}_{nm})"
        self.add(D(C, w[L, i, j]), chain_w, f"chain rule: {reach}", "chain_rule", section, "W")
        evaluated_w = self.evaluate_factors(chain_w, self.concrete_of)
        self.add(
            D(C, w[L, i, j]),
            evaluated_w,
            "evaluate each factor from the cost and activation",
            "evaluate",
            section,
            "W",
        )
        delta_value = self.evaluate_factors(self.output_factor(j), self.concrete_of)
        simplified = simplify_output_delta(delta_value)
        why = "simplify: the factors cancel" + (
            "; the targets of each sample sum to one (one-hot)" if delta_value.has(sp.Sum) else ""
        )
        if simplified != delta_value:
            evaluated_w = sp.Sum(simplified * a[L - 1, n, i], (n, 1, N)) + self.penalty(L)
            self.add(D(C, w[L, i, j]), evaluated_w, why, "simplify", section, "W")
        if self.network.bias:
            bias_step = D(C, b[L, j])
            chain_b = sp.Sum(chain_product(self.output_factor(j), D(z[L, n, j], b[L, j])), (n, 1, N))
            self.add(
                bias_step,
                chain_b,
                "chain rule: an output-layer bias enters only z^{(L)}_{nj}",
                "chain_rule",
                section,
                "b",
            )
            evaluated_b = self.evaluate_factors(chain_b, self.concrete_of)
            self.add(bias_step, evaluated_b, "evaluate each factor (dz/db = 1)", "evaluate", section, "b")
            if simplified != delta_value:
                self.add(bias_step, sp.Sum(simplified, (n, 1, N)), why, "simplify", section, "b")
        delta_value = simplified
        self.output_delta = delta_value
        self.add(
            section_delta,
            delta_value,
            "introduce delta^{(L)}_{nj} = dC/dz^{(L)}_{nj}: the factor both gradients repeat",
            "introduce_delta",
            section,
            "delta",
            "eq:delta-L",
        )
        self.add(
            D(C, w[L, i, j]),
            sp.Sum(section_delta * a[L - 1, n, i], (n, 1, N)) + self.penalty(L),
            "substitute delta^{(L)}",
            "substitute",
            section,
            "W",
            "eq:dW-L",
        )
        if self.network.bias:
            self.add(
                D(C, b[L, j]),
                sp.Sum(section_delta, (n, 1, N)),
                "substitute delta^{(L)}",
                "substitute",
                section,
                "b",
                "eq:db-L",
            )

    # -- hidden layers L-1 and L-2 ---------------------------------------
    def derive_hidden_layer(self, back: int):
        """Layer L-back (back = 1 or 2) by the chain rule through the layers above it."""
        section = f"L-{back}"
        layer = L - back
        hops = [k] if back == 1 else [q, p]  # units of layers L, L-1 (outermost first)
        units = hops + [j]
        layers = [L - s for s in range(back + 1)]

        def chain(variable_factor):
            factors = [self.output_factor(units[0])]
            for above, below, unit_above, unit_below in zip(
                layers, layers[1:], units, units[1:], strict=False
            ):
                factors.append(D(z[above, n, unit_above], a[below, n, unit_below]))
                factors.append(D(a[below, n, unit_below], z[below, n, unit_below]))
            factors.append(variable_factor)
            limits = [
                (unit, 1, width[lay]) for unit, lay in zip(reversed(hops), reversed(layers[:-1]), strict=True)
            ]
            return sp.Sum(chain_product(*factors), *limits, (n, 1, N))

        parts = [("W", w[layer, i, j], D(z[layer, n, j], w[layer, i, j]), a[layer - 1, n, i])]
        if self.network.bias:
            parts.append(("b", b[layer, j], D(z[layer, n, j], b[layer, j]), sp.Integer(1)))
        result_delta = None
        for part, parameter, last_factor, input_value in parts:
            penalty = self.penalty(layer) if part == "W" else sp.Integer(0)
            lhs = D(C, parameter)
            expr = chain(last_factor) + penalty
            self.add(
                lhs,
                expr,
                f"chain rule through layer{'s' if back > 1 else ''} above",
                "chain_rule",
                section,
                part,
            )
            expr = replace_factors(expr, self.output_factor(units[0]), delta[L, n, units[0]])
            self.add(
                lhs,
                expr,
                "recognise delta^{(L)} (eq:delta-L) in the first factors",
                "recognise_delta",
                section,
                part,
            )
            expr = self.evaluate_factors(expr, self.concrete_of)
            self.add(lhs, expr, "evaluate the remaining factors", "evaluate", section, part)
            inner = sp.Sum(delta[L, n, units[0]] * w[L, units[1], units[0]], (units[0], 1, width[L]))
            fprime_next = activation_factor(
                self.network, self.concrete_of(L - 1), L - 1, n, units[1], units[1]
            )
            fprime = activation_factor(self.network, self.concrete_of(layer), layer, n, j, j)
            if back == 2:
                rest = w[L - 1, j, p] * fprime * input_value
                swapped = sp.Sum(inner * fprime_next * rest, (p, 1, width[L - 1]), (n, 1, N)) + penalty
                self.add(
                    lhs,
                    swapped,
                    "move the factors that do not depend on q out of the q-sum and swap the sums",
                    "swap_sums",
                    section,
                    part,
                )
                recognised = sp.Sum(delta[L - 1, n, p] * rest, (p, 1, width[L - 1]), (n, 1, N)) + penalty
                self.add(
                    lhs,
                    recognised,
                    "recognise delta^{(L-1)}_{np} (eq:delta-L-1): the recursion repeats",
                    "recognise_delta",
                    section,
                    part,
                )
                inner = sp.Sum(delta[L - 1, n, p] * w[L - 1, j, p], (p, 1, width[L - 1]))
            grouped = sp.Sum(inner * fprime * input_value, (n, 1, N)) + penalty
            self.add(lhs, grouped, "collect the sum over the layer above", "collect", section, part)
            result_delta = inner * fprime
        self.add(
            delta[layer, n, j],
            result_delta,
            f"introduce delta^{{(L-{back})}}_{{nj}} = dC/dz^{{(L-{back})}}_{{nj}}, "
            f"written through delta^{{({'L' if back == 1 else 'L-1'})}}",
            "introduce_delta",
            section,
            "delta",
            f"eq:delta-L-{back}",
        )
        self.add(
            D(C, w[layer, i, j]),
            sp.Sum(delta[layer, n, j] * a[layer - 1, n, i], (n, 1, N)) + self.penalty(layer),
            f"substitute delta^{{(L-{back})}}",
            "substitute",
            section,
            "W",
            f"eq:dW-L-{back}",
        )
        if self.network.bias:
            self.add(
                D(C, b[layer, j]),
                sp.Sum(delta[layer, n, j], (n, 1, N)),
                f"substitute delta^{{(L-{back})}}",
                "substitute",
                section,
                "b",
                f"eq:db-L-{back}",
            )

    # -- general forms ------------------------------------------------------
    def hidden_fprime(self, layer) -> sp.Expr:
        """f_l'(z^{(l)}_{nj}) for a generic hidden layer l."""
        hidden = {act for act in self.network.activations[:-1]}
        if len(hidden) == 1:
            return activation_factor(self.network, 1, layer, n, j, j)
        return D(a[layer, n, j], z[layer, n, j])

    def derive_general(self):
        section = "index"
        self.add(
            delta[L, n, j],
            self.output_delta,
            "the output layer, as derived (eq:delta-L)",
            "generalise",
            section,
            "delta",
            "eq:delta-L-index",
        )
        hidden_layers = tuple(range(1, self.depth))
        if hidden_layers:
            self.add(
                delta[l, n, j],
                sp.Sum(delta[l + 1, n, k] * w[l + 1, j, k], (k, 1, width[l + 1])) * self.hidden_fprime(l),
                "every hidden layer repeats the pattern of "
                + ("eq:delta-L-1 and eq:delta-L-2" if self.depth > 2 else "eq:delta-L-1"),
                "generalise",
                section,
                "delta",
                "eq:delta-rec",
                layers=hidden_layers,
            )
        all_layers = tuple(range(1, self.depth + 1))
        self.add(
            D(C, w[l, i, j]),
            sp.Sum(a[l - 1, n, i] * delta[l, n, j], (n, 1, N)) + self.penalty(l),
            "every layer: z^{(l)}_{nj} changes with its weight from neuron i at the rate a^{(l-1)}_{ni}",
            "generalise",
            section,
            "W",
            "eq:dW",
            layers=all_layers,
        )
        if self.network.bias:
            self.add(
                D(C, b[l, j]),
                sp.Sum(delta[l, n, j], (n, 1, N)),
                "every layer: dz/db = 1",
                "generalise",
                section,
                "b",
                "eq:db",
                layers=all_layers,
            )

    def derive_matrix(self):
        """Matrix forms: generic (printed) and one line per concrete layer (codegen)."""
        symbols = MatrixSymbols(self.network)
        general = [step for step in self.derivation.steps if step.section == "index"]
        labels = {
            "eq:delta-L-index": "eq:delta-L-matrix",
            "eq:delta-rec": "eq:delta-rec-matrix",
            "eq:dW": "eq:dW-matrix",
            "eq:db": "eq:db-matrix",
        }
        for step in general:
            target, expr = to_matrix(step.eq, generic_symbol(self.network))
            self.add_matrix_step(target, expr, labels[step.label], step)
        for layer in range(1, self.depth + 1):
            self.derivation.forward.append(
                MatrixLine(
                    symbols.Z[layer],
                    MatAdd(MatMul(symbols.A[layer - 1], symbols.W[layer]), BroadcastNode(symbols.b[layer], N))
                    if self.network.bias
                    else MatMul(symbols.A[layer - 1], symbols.W[layer]),
                    "eq:forward",
                    layer,
                )
            )
            self.derivation.forward.append(
                MatrixLine(
                    symbols.A[layer],
                    ActivateNode(sp.Symbol(self.network.activation(layer).name), symbols.Z[layer]),
                    "eq:forward",
                    layer,
                )
            )
        concrete = concrete_symbol(symbols)
        for layer in range(self.depth, 0, -1):
            for step in general:
                if step.label == "eq:delta-L-index" and layer != self.depth:
                    continue
                if step.label == "eq:delta-rec" and layer == self.depth:
                    continue
                # xreplace, not subs: the same numbers for symbols, and subs took most of derive_matrix.
                lhs, rhs = (side.xreplace({l: layer, L: self.depth}) for side in step.eq.args)
                # Unevaluated: an evaluated Eq makes SymPy try to decide the equality.
                eq = sp.Eq(lhs, self._concrete_rhs(rhs), evaluate=False)
                target, expr = to_matrix(eq, concrete)
                line = MatrixLine(target, expr, labels[step.label], layer)
                self._check_matrix_line(line)
                self.derivation.backward.append(line)

    def _concrete_rhs(self, rhs: sp.Expr) -> sp.Expr:
        """Evaluate generic f_l' placeholders at a concrete layer."""
        return self.evaluate_factors(rhs, lambda expr: int(expr)) if rhs.has(sp.Derivative) else rhs

    def add_matrix_step(self, target, expr, label, index_step: Step):
        eq = sp.Eq(target, expr, evaluate=False)
        check = Check(
            index_step.check.method if index_step.check else "numeric",
            index_step.check.points if index_step.check else 0,
            0.0,
            "entry (i, j) of the matrix equation is the index form "
            f"{index_step.label}; every concrete layer's line is checked numerically",
        )
        reason = {
            "eq:delta-L-matrix": "all samples and outputs at once (rows are samples)",
            "eq:delta-rec-matrix": "sum_k delta_nk w_jk is entry (n, j) of delta W^T; f' applies entrywise",
            "eq:dW-matrix": "sum_n a_ni delta_nj is entry (i, j) of A^T delta",
            "eq:db-matrix": "sum_n delta_nj is entry j of the column sums 1^T delta",
        }[label]
        self.derivation.steps.append(Step(eq, reason, "matrix", "matrix", index_step.part, label, check))

    def _check_matrix_line(self, line: MatrixLine):
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

    def run(self) -> Derivation:
        self.derive_cost()
        self.derive_output_layer()
        for back in (1, 2):
            if self.depth > back:
                self.derive_hidden_layer(back)
        self.derive_general()
        self.derive_matrix()
        return self.derivation


def derive(network: Network) -> Derivation:
    """Derive and check the backpropagation equations of ``network``.

    Every step is checked as it is made; ``section(key)`` and each step display
    themselves in Jupyter.

    >>> import symbp
    >>> derivation = symbp.derive(symbp.load("demystified"))
    >>> derivation
    Derivation(demystified: 2-3-1, sigmoid, half_sse, no biases, 17 steps)
    >>> [key for key, _ in derivation.sections()]
    ['cost', 'L', 'L-1', 'index', 'matrix']
    >>> all(step.check for step in derivation.steps if step.kind != "definition")
    True
    """
    if network.graph is not None:  # skips, residuals, ties or dC/dX: the graph derivation
        from symbp.derivation.graph import derive_graph

        return derive_graph(network)
    return _Deriver(network).run()


# -- helpers -------------------------------------------------------------------
def simplify_output_delta(expr: sp.Expr) -> sp.Expr:
    """Simplify dC/dz^{(L)}: collapse softmax sums (one-hot targets) and cancel factors."""
    if expr.has(sp.Sum):
        expr = collapse_kronecker(expr.replace(lambda e: isinstance(e, sp.Sum), _split_sum))
        expr = expr.replace(
            lambda e: isinstance(e, sp.Sum) and isinstance(e.function, sp.Indexed) and e.function.base == t,
            lambda e: sp.Integer(1),
        )
    candidate = sp.factor(sp.cancel(expr))
    shorter = sp.count_ops(candidate) < sp.count_ops(expr)
    # cancel() splits exp(u) into several exponentials that can overflow separately.
    same_exponentials = len(candidate.atoms(sp.exp)) <= len(expr.atoms(sp.exp))
    return candidate if shorter and same_exponentials else expr


def chain_product(*factors) -> sp.Expr:
    """A product kept in the order of the chain (outermost quantity first), for the reader."""
    flat = [part for factor in factors for part in (factor.args if isinstance(factor, sp.Mul) else (factor,))]
    return sp.Mul(*flat, evaluate=False)


def replace_factors(expr: sp.Expr, product: sp.Expr, replacement: sp.Expr) -> sp.Expr:
    """Replace the factors of ``product`` inside any product of ``expr`` by ``replacement``."""
    wanted = sp.Mul.make_args(product)

    def swap(node: sp.Mul) -> sp.Expr:
        factors = list(node.args)
        if not all(factor in factors for factor in wanted):
            return node
        for factor in wanted:
            factors.remove(factor)
        return chain_product(replacement, *factors)

    return expr.replace(lambda node: isinstance(node, sp.Mul), swap)


def _split_sum(total: sp.Sum) -> sp.Expr:
    """sum_k (x + y) -> sum_k x + sum_k y, with factors free of k moved out."""
    (var, low, high), *rest = total.limits
    pieces = []
    for term in sp.Add.make_args(sp.expand_mul(total.function)):
        outside, inside = term.as_independent(var, as_Add=False)
        pieces.append(outside * sp.Sum(inside, (var, low, high)))
    return sp.Add(*pieces) if not rest else sp.Sum(sp.Add(*pieces), *rest)


def _fresh_dummy(derivative: sp.Derivative) -> sp.Symbol:
    used = derivative.free_symbols
    for candidate in sp.symbols("r s u v", integer=True, positive=True):
        if candidate not in used:
            return candidate
    raise RuntimeError("no free summation index")


def _lhs_target(lhs) -> sp.Indexed:
    """The Indexed a step is about: the parameter of dC/dw, or the delta itself."""
    return lhs.variables[0] if isinstance(lhs, sp.Derivative) else lhs


def _free_indices(lhs) -> list[sp.Symbol]:
    target = _lhs_target(lhs)
    return [index for index in target.indices[1:] if isinstance(index, sp.Symbol) and index not in (L, l)]


def _index_ranges(lhs, evaluator: IndexEvaluator, instance: Instance) -> dict:
    target = _lhs_target(lhs)
    layer = int(evaluator(target.indices[0]))
    name = str(target.base.label)
    positions = {"w": (layer - 1, layer), "b": (layer,), "delta": (None, layer)}[name]
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


__all__ = ["Derivation", "MatrixLine", "SectionView", "Step", "derive"]
