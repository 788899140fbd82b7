"""The index-form steps of a graph network's derivation, each checked as it is made.

Layers are taken in reverse topological order. The output layer's delta is the
chain rule through its activation and the cost. A layer below it may be read
by several consumers: the z of each layer it feeds by a weight, and the a of
each layer that adds it after its activation (a residual). The chain rule for
dC/da^{(l)} is written through each consumer; each consumer's dC/dz is then
recognised as that consumer's delta, already derived, so the **sum over
consumers** emerges, one term each, and an identity consumer's term is its
dC/da carried straight down (da^{(r)}/da^{(l)} = 1). delta^{(l)} follows through
the layer's own activation. A weight's gradient is the chain rule through each
of its uses (a tied matrix has several), each use's delta recognised; a
bias's is its layer's delta summed over the samples; dC/dx is the input's
dC/da, when the spec asks for it. Every factor comes from ``sympy.diff`` of a
local expression, and every step is checked by the chain's ``StepChecker`` on
small random instances of the graph (``symbp.derivation.reference.graph_instance``).
"""

from __future__ import annotations

import sympy as sp

from symbp.derivation.chain import D, chain_product, simplify_output_delta
from symbp.derivation.graph_general import GeneralForms, Labels
from symbp.derivation.graph_tied import weight_entry
from symbp.derivation.local import activation_factor, collapse_kronecker, cost_factor
from symbp.derivation.reasons import DeltaDefinition, Letter, Partial, Quantity, Reference, reason
from symbp.derivation.reference.graph_instance import GraphInstance
from symbp.derivation.step_check import CHECK_SEEDS, StepChecker
from symbp.derivation.steps import Step
from symbp.derivation.symbolic import LAMBDA, C, L, N, a, b, delta, i, j, k, m, n, p, width, z
from symbp.spec.network import Network

# Two instances of three samples each: a graph has no exact reference, so every check is numeric.
GRAPH_CHECK_SEEDS = CHECK_SEEDS[1:]


def section_key(layer: int) -> str:
    """The section of a layer's steps: "layer-3", and "input" for dC/dx."""
    return "input" if layer == 0 else f"layer-{layer}"


def _joined(quantities) -> tuple:
    """Quantities for a reason, separated by commas."""
    parts: list = []
    for position, quantity in enumerate(quantities):
        parts += [", "] if position else []
        parts += list(quantity) if isinstance(quantity, tuple) else [quantity]
    return tuple(parts)


class GraphStepDeriver:
    """Builds the index-form steps of one graph network, checking each as it is made."""

    def __init__(self, network: Network, instances: list | None = None):
        self.network, self.graph, self.depth = network, network.graph, network.depth
        instances = instances or [GraphInstance(network, seed) for seed in GRAPH_CHECK_SEEDS]
        self.checker = StepChecker(network, instances)
        self.steps: list[Step] = []
        # each matrix in the local z as a stand-in base, so that sympy.diff can differentiate by its entries
        self.matrices = {key: sp.IndexedBase(key) for key in self.graph.weight_keys()}
        self.derived_a: dict[int, sp.Expr] = {}
        self.shown: set[int] = set()  # the layers derived step by step
        self.labels = Labels(self.graph)

    def add(self, lhs, rhs, why, kind: str, section: str, part: str, label=None, layers=(None,)) -> sp.Expr:
        """Record a step, checked at each of ``layers`` (values of l, or of l and s; None: concrete)."""
        eq = sp.Eq(lhs, rhs, evaluate=False)
        self.steps.append(Step(eq, why, kind, section, part, label, self.checker.check(eq, layers)))
        return rhs

    # -- local expressions and their derivatives ---------------------------
    def z_local(self, layer: int, unit) -> sp.Expr:
        """z^{(layer)}_{n,unit} = sum over weighted sources s of sum_p a^{(s)}_{np} M_{p,unit} (+ b)."""
        total = sp.Integer(0)
        for connection in self.graph.weighted[layer]:
            matrix = self.matrices[connection.matrix_key]
            entry = matrix[unit, p] if connection.transposed else matrix[p, unit]
            total += sp.Sum(a[connection.source, n, p] * entry, (p, 1, width[connection.source]))
        return total + b[layer, unit] if self.network.bias else total

    def a_local(self, layer: int, unit) -> sp.Expr:
        """a^{(layer)}_{n,unit} as a function of its identity inputs (f(z) does not depend on them)."""
        return sp.Add(*(a[source, n, unit] for source in self.graph.identity[layer]))

    def as_weights(self, expr: sp.Expr) -> sp.Expr:
        """Every stand-in matrix entry replaced by the weight it stands for."""
        bases = {matrix.label for matrix in self.matrices.values()}
        return expr.replace(
            lambda node: isinstance(node, sp.Indexed) and node.base.label in bases,
            lambda node: weight_entry(str(node.base.label), *node.indices),
        )

    def fprime(self, layer: int, out_unit, in_unit) -> sp.Expr:
        """da/dz of a layer, through z where identity inputs are added to f(z) (a is not f(z) there)."""
        in_a = not self.graph.identity[layer]
        return activation_factor(self.network, layer, layer, n, out_unit, in_unit, in_a=in_a)

    def evaluate(self, expr: sp.Expr) -> sp.Expr:
        """Every unevaluated partial of ``expr`` replaced by its value, Kronecker sums collapsed."""

        def value(derivative: sp.Derivative):
            quantity, variable = derivative.expr, derivative.variables[0]
            if quantity == C and int(variable.indices[0]) != self.depth:
                return derivative  # a hidden layer's dC/da, derived with that layer
            if quantity == C:  # only the output's activations are read by the cost
                return cost_factor(self.network, variable.indices[1], variable.indices[2]).xreplace(
                    {L: self.depth}
                )
            layer, _, unit = quantity.indices
            if str(quantity.base.label) == "a":
                if str(variable.base.label) == "z":
                    return self.fprime(int(layer), unit, variable.indices[2])
                return sp.diff(self.a_local(int(layer), unit), variable)
            if str(variable.base.label) == "w":  # by a stand-in entry of the same matrix
                key = self._key_of(variable)
                variable = self.matrices[key][variable.indices[1:]]
            return collapse_kronecker(sp.diff(self.z_local(int(layer), unit), variable))

        evaluated = expr.replace(lambda node: isinstance(node, sp.Derivative), value)
        return collapse_kronecker(self.as_weights(evaluated))

    def _key_of(self, entry: sp.Indexed) -> str:
        return next(key for key in self.matrices if weight_entry(key, i, j).indices[0] == entry.indices[0])

    @staticmethod
    def recognise(expr: sp.Expr, layers) -> sp.Expr:
        """dC/dz^{(c)} of every layer c in ``layers`` replaced by delta^{(c)}, the chain's order kept."""

        def named(node) -> bool:
            return (
                isinstance(node, sp.Derivative)
                and node.expr == C
                and str(node.variables[0].base.label) == "z"
                and int(node.variables[0].indices[0]) in layers
            )

        return expr.replace(
            lambda node: isinstance(node, sp.Mul) and any(named(factor) for factor in node.args),
            lambda node: chain_product(
                *(delta[factor.variables[0].indices] if named(factor) else factor for factor in node.args)
            ),
        )

    # -- the output layer ------------------------------------------------------
    def derive_output(self):
        depth, section = self.depth, section_key(self.depth)
        if self.network.activation(depth).elementwise:
            chain = chain_product(D(C, a[depth, n, j]), D(a[depth, n, j], z[depth, n, j]))
        else:
            chain = sp.Sum(D(C, a[depth, n, m]) * D(a[depth, n, m], z[depth, n, j]), (m, 1, width[depth]))
        introduce = reason(
            "introduce ",
            DeltaDefinition(depth, "nj"),
            ": the output's z reaches ",
            Letter("C"),
            " only through its activation",
        )
        self.add(delta[depth, n, j], chain, introduce, "chain_rule", section, "delta")
        value = self.evaluate(chain)
        simplified = simplify_output_delta(value)
        label = self.labels("delta", depth)
        why = reason("evaluate each factor from the cost and the activation")
        self.add(
            delta[depth, n, j],
            value,
            why,
            "evaluate",
            section,
            "delta",
            None if simplified != value else label,
        )
        if simplified != value:
            self.add(delta[depth, n, j], simplified, reason("simplify"), "simplify", section, "delta", label)

    # -- a layer below the output ---------------------------------------------
    def derive_activation_gradient(self, layer: int):
        """dC/da^{(layer)} through each consumer, and (above the input) delta^{(layer)}."""
        section, target = section_key(layer), a[layer, n, j]
        weighted = [connection.target for connection in self.graph.weighted_consumers(layer)]
        identity = self.graph.identity_consumers(layer)
        terms = [
            sp.Sum(chain_product(D(C, z[c, n, k]), D(z[c, n, k], target)), (k, 1, width[c])) for c in weighted
        ]
        terms += [chain_product(D(C, a[r, n, j]), D(a[r, n, j], target)) for r in identity]
        chain = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
        consumers = [Quantity("z", c) for c in weighted] + [
            (Quantity("a", r), " (the identity path)") for r in identity
        ]
        one_each = "; one term per consumer" if len(terms) > 1 else ""
        why = reason(
            "chain rule: ",
            Quantity("a", layer, "nj"),
            " reaches ",
            Letter("C"),
            " through each layer that reads it: ",
            *_joined(consumers),
            one_each,
        )
        self.add(D(C, target), chain, why, "chain_rule", section, "a")
        expr = chain
        if weighted:
            expr = self.recognise(chain, set(weighted))
            deltas = [
                (Quantity("delta", c, "nk"), " ", Reference(self.delta_label(c), True)) for c in weighted
            ]
            why = reason("recognise each consumer's delta: ", *_joined(deltas))
            self.add(D(C, target), expr, why, "recognise_delta", section, "a")
        value = self.evaluate(expr)
        carried = [
            (
                Partial(Quantity("C"), Quantity("a", r, "nj")),
                " ",
                Reference(self.labels("dA", r) if r in self.shown else "eq:dA-index", True),
            )
            for r in identity
            if r != self.depth
        ]
        why = reason("evaluate: ", Partial(Quantity("z"), Quantity("a")), " is the connection's weight")
        if identity:
            why = reason(
                *why.parts,
                "; the identity path has ",
                *_joined([Partial(Quantity("a", r), Quantity("a", layer)) for r in identity]),
                " = 1 and carries the delta straight down",
                *((": ", *_joined(carried)) if carried else ()),
            )
        label = self.labels("dA", layer)
        self.add(D(C, target), value, why, "evaluate", section, "a", label)
        self.derived_a[layer] = value
        if layer:
            self.derive_delta(layer, label)

    def derive_delta(self, layer: int, a_label: str):
        section = section_key(layer)  # a hidden layer: its activation is entrywise (softmax is the output's)
        chain = chain_product(D(C, a[layer, n, j]), D(a[layer, n, j], z[layer, n, j]))
        value = self.derived_a[layer] * self.fprime(layer, j, j)
        why = reason(
            "introduce ", DeltaDefinition(layer, "nj"), ": chain rule through the layer's activation"
        )
        self.add(delta[layer, n, j], chain, why, "chain_rule", section, "delta")
        why = reason(
            "substitute ",
            Reference(a_label, True),
            " and evaluate the activation's derivative: the sum over the consumers of ",
            Quantity("a", layer),
            ", one term each",
        )
        self.add(delta[layer, n, j], value, why, "substitute", section, "delta", self.labels("delta", layer))

    # -- parameters ----------------------------------------------------------------
    def derive_weight(self, key: str, section: str):
        """dC/dw of one matrix: the chain rule through each of its uses, each use's delta recognised."""
        entry = weight_entry(key, i, j)
        uses = [connection for connection in self.graph.connections() if connection.matrix_key == key]
        # one term per layer whose z the matrix enters (a layer may use a tied matrix twice)
        layers = sorted({use.target for use in uses}, reverse=True)
        terms = []
        for into in layers:
            here = [use for use in uses if use.target == into]
            if len(here) == 1 and here[0].own_key:  # only z^{(into)}_{nj} holds w_ij
                terms.append(sp.Sum(chain_product(D(C, z[into, n, j]), D(z[into, n, j], entry)), (n, 1, N)))
            else:
                product = chain_product(D(C, z[into, n, k]), D(z[into, n, k], entry))
                terms.append(sp.Sum(product, (k, 1, width[into]), (n, 1, N)))
        scalar = sp.Dummy("w")
        penalty = sp.diff(LAMBDA / 2 * scalar**2, scalar).xreplace({scalar: entry}) if self.network.l2 else 0
        chain = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
        chain = chain + penalty if penalty else chain
        lhs = D(C, entry)
        tied = len(uses) > 1
        through = [Quantity("z", into) for into in layers]
        why = reason(
            "chain rule: the weight reaches ",
            Letter("C"),
            " through ",
            *_joined(through),
            ("; a tied matrix: one term per use" if tied else ""),
        )
        self.add(lhs, chain, why, "chain_rule", section, "W")
        recognised = self.recognise(chain, set(layers))
        deltas = [(Quantity("delta", into), " ", Reference(self.delta_label(into), True)) for into in layers]
        self.add(lhs, recognised, reason("recognise ", *_joined(deltas)), "recognise_delta", section, "W")
        why = reason("evaluate: ", Partial(Quantity("z"), Quantity("w")), " is the activation it multiplies")
        if any(use.transposed for use in uses):
            why = reason(*why.parts, "; the transposed use swaps the weight's two indices")
        self.add(lhs, self.evaluate(recognised), why, "evaluate", section, "W", self.labels.weight(key))

    def derive_bias(self, layer: int):
        section, entry = section_key(layer), b[layer, j]
        chain = sp.Sum(chain_product(D(C, z[layer, n, j]), D(z[layer, n, j], entry)), (n, 1, N))
        why = reason("chain rule: a bias enters only ", Quantity("z", layer, "nj"))
        self.add(D(C, entry), chain, why, "chain_rule", section, "b")
        value = self.evaluate(self.recognise(chain, {layer}))
        why = reason(
            "recognise ",
            Quantity("delta", layer),
            " and evaluate ",
            Partial(Quantity("z"), Quantity("b")),
            " = 1",
        )
        self.add(D(C, entry), value, why, "evaluate", section, "b", self.labels("db", layer))

    def pattern(self, layer: int, last_use: dict) -> tuple:
        """What a hidden layer's steps look like, relative to the layer: its consumers (by a weight, tied
        or transposed, or by identity), the matrices derived with it, its activation and residual."""
        graph = self.graph
        consumers = sorted(
            (c.target - layer, c.tie is not None, c.transposed) for c in graph.weighted_consumers(layer)
        )
        identity = sorted(r - layer for r in graph.identity_consumers(layer))
        matrices = sorted(
            tuple(
                sorted(
                    (u.target - layer, u.source - layer, u.transposed)
                    for u in graph.connections()
                    if u.matrix_key == key
                )
            )
            for key in graph.weight_keys()
            if last_use[key] == layer
        )
        activation = self.network.activation(layer).name
        return tuple(consumers), tuple(identity), tuple(matrices), activation, bool(graph.identity[layer])

    def delta_label(self, layer: int) -> str:
        """Where a consumer's delta was derived: its own layer's steps, or the general form."""
        return self.labels("delta", layer) if layer in self.shown else "eq:delta-index"

    def run(self) -> list[Step]:
        last_use = {}
        for connection in self.graph.connections():  # a matrix is derived once every use's delta is
            last_use[connection.matrix_key] = min(
                connection.target, last_use.get(connection.matrix_key, 10**9)
            )
        seen = set()
        for layer in range(self.depth, 0, -1):
            if layer == self.depth:
                self.derive_output()
            else:
                pattern = self.pattern(layer, last_use)
                if pattern in seen:  # its steps would repeat a layer's above: the general form covers it
                    continue
                seen.add(pattern)
                self.derive_activation_gradient(layer)
            self.shown.add(layer)
            for key in self.graph.weight_keys():
                if last_use[key] == layer:
                    self.derive_weight(key, section_key(layer))
            if self.network.bias:
                self.derive_bias(layer)
        if self.network.input_gradient:
            self.derive_activation_gradient(0)
        general = GeneralForms(self)
        general.index_form()
        general.matrix_form()
        return self.steps


def graph_steps(network: Network, instances: list | None = None) -> list[Step]:
    """The checked index-form steps of a graph network, in reverse topological order, checked on
    ``instances`` (GraphInstances of the network; drawn here when not given)."""
    return GraphStepDeriver(network, instances).run()
