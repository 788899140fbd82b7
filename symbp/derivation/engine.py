"""The Derivation: dC/dW and dC/db layer by layer, the delta recursion emerging.

Following the blog post The backpropagation algorithm, the output layer L is differentiated by the
chain rule, its repeated factor is named delta^{(L)}; layer L-1's chain
contains delta^{(L)} and yields delta^{(L-1)} in terms of it; layer L-2 needs
a double sum whose order is swapped before the previous delta is recognised,
showing that the recursion repeats. Then the general index form and the
matrix form. Every factor comes from ``symbp.derivation.local`` (sympy.diff of the
spec's own local expressions), and every step is checked by
``symbp.derivation.step_check`` when it is made.
"""

from __future__ import annotations

import sympy as sp

from symbp.derivation.chain import D, chain_product, fresh_dummy, replace_factors, simplify_output_delta
from symbp.derivation.local import activation_factor, cost_factor, z_factor
from symbp.derivation.matrix_form import concrete_symbol, forward_lines, generic_symbol, to_matrix
from symbp.derivation.reasons import (
    BIAS_RATE,
    EVALUATE_BIAS,
    MATRIX_REASONS,
    RECOGNISE_OUTPUT_DELTA,
    RECOGNISE_RECURSION,
    SWAP_SUMS,
    WEIGHT_RATE,
    DeltaDefinition,
    Quantity,
    Reference,
    cost_reason,
    hidden_pattern,
    output_weight_chain,
    reason,
)
from symbp.derivation.reasons import delta as delta_of
from symbp.derivation.step_check import StepChecker, matrix_step_check
from symbp.derivation.steps import Derivation, MatrixLine, SectionView, Step
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
    w,
    width,
    z,
)
from symbp.spec.network import Network


class _Deriver:
    """Builds the steps of one Derivation, checking each as it is made."""

    def __init__(self, network: Network):
        self.network = network
        self.depth = network.depth
        self.derivation = Derivation(network)
        self.checker = StepChecker(network)
        self.output_delta: sp.Expr | None = None

    # -- recording and checking ---------------------------------------
    def add(self, lhs, rhs, reason, kind, section, part="", label=None, layers=(None,)):
        eq = sp.Eq(lhs, rhs, evaluate=False)
        self.derivation.steps.append(
            Step(eq, reason, kind, section, part, label, self.checker.check(eq, layers))
        )

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
            return z_factor(layer, sample, unit, variable, self.network.bias, fresh_dummy(derivative))

        return expr.replace(lambda node: isinstance(node, sp.Derivative), value)

    def concrete_of(self, layer_expr) -> int:
        return int(layer_expr.subs(L, self.depth))

    def penalty(self, layer) -> sp.Expr:
        if not self.network.l2:
            return sp.Integer(0)
        return sp.diff(LAMBDA / 2 * w[layer, i, j] ** 2, w[layer, i, j])

    def derive_cost(self):
        eq = sp.Eq(C, cost_definition(self.network), evaluate=False)
        why = cost_reason(self.network.cost, self.network.l2)
        self.derivation.steps.append(Step(eq, why, "definition", "cost", label="eq:cost"))

    def derive_output_layer(self):
        section, section_delta = "L", delta[L, n, j]
        chain_w = sp.Sum(
            chain_product(self.output_factor(j), D(z[L, n, j], w[L, i, j])), (n, 1, N)
        ) + self.penalty(L)
        softmax = not self.network.activation(self.depth).elementwise
        self.add(D(C, w[L, i, j]), chain_w, output_weight_chain(softmax), "chain_rule", section, "W")
        evaluated_w = self.evaluate_factors(chain_w, self.concrete_of)
        self.add(
            D(C, w[L, i, j]),
            evaluated_w,
            reason("evaluate each factor from the cost and activation"),
            "evaluate",
            section,
            "W",
        )
        delta_value = self.evaluate_factors(self.output_factor(j), self.concrete_of)
        simplified = simplify_output_delta(delta_value)
        why = reason(
            "simplify: the factors cancel"
            + ("; the targets of each sample sum to one (one-hot)" if delta_value.has(sp.Sum) else "")
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
                reason("chain rule: an output-layer bias enters only ", Quantity("z", L, "nj")),
                "chain_rule",
                section,
                "b",
            )
            evaluated_b = self.evaluate_factors(chain_b, self.concrete_of)
            self.add(
                bias_step,
                evaluated_b,
                EVALUATE_BIAS,
                "evaluate",
                section,
                "b",
            )
            if simplified != delta_value:
                self.add(bias_step, sp.Sum(simplified, (n, 1, N)), why, "simplify", section, "b")
        delta_value = simplified
        self.output_delta = delta_value
        self.add(
            section_delta,
            delta_value,
            reason("introduce ", DeltaDefinition(L, "nj"), ": the factor both gradients repeat"),
            "introduce_delta",
            section,
            "delta",
            "eq:delta-L",
        )
        self.add(
            D(C, w[L, i, j]),
            sp.Sum(section_delta * a[L - 1, n, i], (n, 1, N)) + self.penalty(L),
            reason("substitute ", delta_of(L)),
            "substitute",
            section,
            "W",
            "eq:dW-L",
        )
        if self.network.bias:
            self.add(
                D(C, b[L, j]),
                sp.Sum(section_delta, (n, 1, N)),
                reason("substitute ", delta_of(L)),
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
                reason(f"chain rule through layer{'s' if back > 1 else ''} above"),
                "chain_rule",
                section,
                part,
            )
            expr = replace_factors(expr, self.output_factor(units[0]), delta[L, n, units[0]])
            self.add(
                lhs,
                expr,
                RECOGNISE_OUTPUT_DELTA,
                "recognise_delta",
                section,
                part,
            )
            expr = self.evaluate_factors(expr, self.concrete_of)
            self.add(lhs, expr, reason("evaluate the remaining factors"), "evaluate", section, part)
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
                    SWAP_SUMS,
                    "swap_sums",
                    section,
                    part,
                )
                recognised = sp.Sum(delta[L - 1, n, p] * rest, (p, 1, width[L - 1]), (n, 1, N)) + penalty
                self.add(
                    lhs,
                    recognised,
                    RECOGNISE_RECURSION,
                    "recognise_delta",
                    section,
                    part,
                )
                inner = sp.Sum(delta[L - 1, n, p] * w[L - 1, j, p], (p, 1, width[L - 1]))
            grouped = sp.Sum(inner * fprime * input_value, (n, 1, N)) + penalty
            self.add(lhs, grouped, reason("collect the sum over the layer above"), "collect", section, part)
            result_delta = inner * fprime
        self.add(
            delta[layer, n, j],
            result_delta,
            reason("introduce ", DeltaDefinition(layer, "nj"), ", written through ", delta_of(layer + 1)),
            "introduce_delta",
            section,
            "delta",
            f"eq:delta-L-{back}",
        )
        self.add(
            D(C, w[layer, i, j]),
            sp.Sum(delta[layer, n, j] * a[layer - 1, n, i], (n, 1, N)) + self.penalty(layer),
            reason("substitute ", delta_of(layer)),
            "substitute",
            section,
            "W",
            f"eq:dW-L-{back}",
        )
        if self.network.bias:
            self.add(
                D(C, b[layer, j]),
                sp.Sum(delta[layer, n, j], (n, 1, N)),
                reason("substitute ", delta_of(layer)),
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
            reason("the output layer, as derived ", Reference("eq:delta-L", True)),
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
                hidden_pattern(self.depth),
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
            WEIGHT_RATE,
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
                BIAS_RATE,
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
        self.derivation.forward.extend(forward_lines(self.network, symbols))
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
                self.checker.check_matrix_line(line)
                self.derivation.backward.append(line)

    def _concrete_rhs(self, rhs: sp.Expr) -> sp.Expr:
        """Evaluate generic f_l' placeholders at a concrete layer."""
        return self.evaluate_factors(rhs, lambda expr: int(expr)) if rhs.has(sp.Derivative) else rhs

    def add_matrix_step(self, target, expr, label, index_step: Step):
        eq = sp.Eq(target, expr, evaluate=False)
        check = matrix_step_check(index_step.check, index_step.label)
        why = MATRIX_REASONS[label]
        self.derivation.steps.append(Step(eq, why, "matrix", "matrix", index_step.part, label, check))

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
    return _Deriver(network).run()


__all__ = ["Derivation", "MatrixLine", "SectionView", "Step", "derive"]
