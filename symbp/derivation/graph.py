"""Backpropagation through a graph network, derived by the multivariate chain rule.

The forward pass is written as matrix equations, one Z and one A per layer in
topological order (``forward_lines``). The backward pass is not written: it is
read off those equations. Walking every right-hand side, each occurrence of a
matrix contributes one term to that matrix's derivative, the adjoint of the
node around it (a product A M passes G M^T down to the activation A and A^T G to
the matrix M, a transpose transposes G, a bias broadcast sums G over the
samples, an activation multiplies G by f'(Z) entry by entry (written through A = f(Z)
where no residual is added to A, as the chain writes it), a sum passes G
unchanged). So where a quantity feeds several consumers the **sum over
consumers** emerges as the list of its terms, each recognised as a consumer's
delta times the connection's matrix transposed; a residual's identity path is
the term that passes dC/dA of the layer above straight down; a tied matrix's
gradient is the sum of its uses. The output layer's delta is the chain
derivation's (same activation and cost, so the same simplification). Every
equation is checked against central differences of the reference forward pass
(``symbp.derivation.reference.graph_instance``) on a small random instance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatAdd, MatMul, MatrixSymbol, Transpose

from symbp.derivation.graph_check import check_lines, evaluate_lines
from symbp.derivation.graph_steps import GRAPH_CHECK_SEEDS, graph_steps
from symbp.derivation.local import derivative_in_a
from symbp.derivation.reference.graph import graph_parameter_keys
from symbp.derivation.reference.graph_instance import GraphInstance
from symbp.derivation.steps import Step
from symbp.derivation.symbolic import LAMBDA, Activate, Broadcast, ColumnSum, Elementwise, N
from symbp.naming import matrix_name
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network


@dataclass(frozen=True)
class Term:
    """One consumer's contribution to a derivative: where the quantity is read, the term, and the route
    from the quantity into the consumer (the documents name it in the reader's notation).

    ``route`` is "weight" (an activation multiplied by ``matrix`` into layer ``layer``), "use" (a
    weight matrix's use in layer ``layer``, ``matrix`` as it is multiplied by, ``tied`` when the
    matrix is another connection's), "activation" (layer ``layer``'s activation), "identity" (added
    after layer ``layer``'s activation), "bias" (added to every sample) or "penalty" (the l2 penalty).
    """

    consumer: str
    expr: sp.Basic
    route: str
    layer: int | None = None
    matrix: sp.Basic | None = None
    tied: bool = False


@dataclass(frozen=True)
class GraphLine:
    """One matrix equation (target = expr) of the forward or backward pass, with its reasons."""

    target: MatrixSymbol
    expr: sp.Basic
    label: str
    layer: int
    terms: tuple[Term, ...] = ()
    reason: str = ""
    # the matrix whose derivative the line is (a backward line summed over consumers)
    quantity: MatrixSymbol | None = None
    # set once the line agrees with central differences (a line that does not is refused)
    check: bool = False


@dataclass
class GraphDerivation:
    """The forward and backward equations of a graph network, each backward one checked."""

    network: Network
    forward: list[GraphLine]
    backward: list[GraphLine]
    checked: dict[str, float]
    # the index-form steps, layer by layer in reverse topological order (symbp.derivation.graph_steps)
    steps: list[Step] = dataclasses.field(default_factory=list)

    def sections(self) -> list[tuple[str, list[Step]]]:
        """The steps grouped by section ("layer-3", ..., "input"), in the order they were derived."""
        grouped: dict[str, list[Step]] = {}
        for step in self.steps:
            grouped.setdefault(step.section, []).append(step)
        return list(grouped.items())

    @property
    def general_matrix(self) -> list:
        """No equation for a generic layer: a graph's layers differ, so each is derived on its own."""
        return []

    def evaluate(self, params: dict, X, T) -> dict[str, np.ndarray]:
        """Numeric values of every forward and backward line (db as a vector), and the cost."""
        return evaluate_lines(self.network, self.forward + self.backward, params, X, T)

    @property
    def gradient_keys(self) -> list[str]:
        """The params keys the gradient has, layer by layer (and ``X`` with input_gradient)."""
        return graph_parameter_keys(self.network) + (["X"] if self.network.input_gradient else [])


class _Symbols:
    def __init__(self, network: Network):
        sizes, graph = network.layers, network.graph
        self.A = {layer: MatrixSymbol(matrix_name("A", layer), N, size) for layer, size in enumerate(sizes)}
        self.Z = {
            layer: MatrixSymbol(matrix_name("Z", layer), N, sizes[layer]) for layer in range(1, len(sizes))
        }
        self.b = {layer: MatrixSymbol(matrix_name("b", layer), 1, sizes[layer]) for layer in self.Z}
        self.W = {key: MatrixSymbol(key, *graph.weight_shape(key, sizes)) for key in graph.weight_keys()}
        self.T = MatrixSymbol(matrix_name("T"), N, sizes[-1])
        # the derivative's name of each quantity: delta for Z, dA for a hidden A, d<key> for a parameter
        self.gradient = {
            self.Z[layer]: MatrixSymbol(matrix_name("delta", layer), N, sizes[layer]) for layer in self.Z
        }
        self.gradient |= {
            self.A[layer]: MatrixSymbol(f"dA{layer}", N, sizes[layer]) for layer in range(1, len(sizes) - 1)
        }
        self.gradient |= {
            matrix: MatrixSymbol(f"d{matrix.name}", *matrix.shape)
            for matrix in [*self.W.values(), *self.b.values()]
        }
        self.gradient[self.A[0]] = MatrixSymbol("dX", N, sizes[0])


def forward_lines(network: Network, symbols: _Symbols) -> list[GraphLine]:
    """z^(l) = sum_s a^(s) M^(l,s) + 1 b^(l); a^(l) = f_l(z^(l)) + sum_r a^(r), in topological order."""
    graph, lines = network.graph, []
    for layer in range(1, network.depth + 1):
        products = []
        for connection in graph.weighted[layer]:
            matrix = symbols.W[connection.matrix_key]
            products.append(
                MatMul(symbols.A[connection.source], Transpose(matrix) if connection.transposed else matrix)
            )
        if network.bias:
            products.append(Broadcast(symbols.b[layer], N))
        lines.append(GraphLine(symbols.Z[layer], MatAdd(*products), "eq:forward", layer))
        activation = Activate(sp.Symbol(network.activation(layer).name), symbols.Z[layer])
        residuals = [symbols.A[source] for source in graph.identity[layer]]
        expr = MatAdd(activation, *residuals) if residuals else activation
        lines.append(GraphLine(symbols.A[layer], expr, "eq:forward", layer))
    return lines


class _Adjoints:
    """The terms of dC/dM for every matrix M, collected from the forward equations' nodes."""

    def __init__(self, network: Network, symbols: _Symbols):
        self.network, self.symbols = network, symbols
        self.terms: dict[MatrixSymbol, list[Term]] = {}

    def collect(self, line: GraphLine):
        if line.target not in self.symbols.gradient:  # the output's A: its delta comes whole from the chain
            return
        identity = Term(line.target.name, None, "identity", line.layer)
        self._visit(line.expr, self.symbols.gradient[line.target], identity)

    def _visit(self, node, adjoint, route: Term):
        """The terms of the matrices in ``node``, read by ``route.consumer``; ``route`` is how the path
        from ``node`` reaches it, until a node on the way names it (a sum passes it on unchanged)."""
        if isinstance(node, MatrixSymbol):
            self.terms.setdefault(node, []).append(dataclasses.replace(route, expr=adjoint))
        elif isinstance(node, MatAdd):
            for arg in node.args:
                self._visit(arg, adjoint, route)
        elif isinstance(node, MatMul):  # an activation times the matrix of its connection
            left, right = node.args[0], MatMul(*node.args[1:]) if len(node.args) > 2 else node.args[1]
            key = (right.arg if isinstance(right, Transpose) else right).name
            tied = any(c.tie and c.matrix_key == key for c in self.network.graph.weighted[route.layer])
            weight = dataclasses.replace(route, route="weight", matrix=right)
            use = dataclasses.replace(route, route="use", matrix=right, tied=tied)
            self._visit(left, MatMul(adjoint, right.T).doit(), weight)
            self._visit(right, MatMul(left.T, adjoint).doit(), use)
        elif isinstance(node, Transpose):
            self._visit(node.arg, adjoint.T, route)
        elif isinstance(node, Broadcast):
            self._visit(node.args[0], ColumnSum(adjoint), dataclasses.replace(route, route="bias"))
        elif isinstance(node, Activate):
            derivative = HadamardProduct(adjoint, self._derivative(node))
            self._visit(node.args[1], derivative, dataclasses.replace(route, route="activation"))
        else:
            raise TypeError(f"no adjoint rule for {type(node).__name__}")

    def _derivative(self, node: Activate):
        """f'(Z) entry by entry; through A = f(Z) (proved, as the chain writes it) where no identity
        input is added to A."""
        layer = int(node.args[1].name[1:])
        activation = self.network.activation(layer)
        in_a = derivative_in_a(activation) if not self.network.graph.identity[layer] else None
        if in_a is not None:
            return Elementwise(sp.Lambda(A_SCALAR, in_a), self.symbols.A[layer])
        return Elementwise(sp.Lambda(Z_SCALAR, sp.diff(activation.expr, Z_SCALAR)), node.args[1])


@cache
def _output_delta(activation, cost, width: int) -> sp.Basic:
    """The output layer's delta in terms of A1, Z1 and T, from the chain derivation of one layer."""
    from symbp.derivation.engine import derive  # the chain derivation; imported when a graph needs it

    single = Network(name="output", layers=(1, width), activations=(activation,), cost=cost)
    return next(line.expr for line in derive(single).backward if line.target.name == "delta1")


def backward_lines(network: Network, symbols: _Symbols, forward: list[GraphLine]) -> list[GraphLine]:
    """The derivative of every quantity, in reverse topological order, each the sum of its terms."""
    adjoints = _Adjoints(network, symbols)
    for line in forward:
        adjoints.collect(line)
    depth, lines = network.depth, []
    output = _output_delta(network.activation(depth), network.cost, network.layers[-1])
    output = output.xreplace(
        {
            MatrixSymbol("A1", N, network.layers[-1]): symbols.A[depth],
            MatrixSymbol("Z1", N, network.layers[-1]): symbols.Z[depth],
        }
    )
    lines.append(
        GraphLine(
            symbols.gradient[symbols.Z[depth]],
            output,
            "eq:delta-L-matrix",
            depth,
            reason="the output layer's delta, as in a chain",
        )
    )
    for layer in range(depth, 0, -1):
        if layer < depth:
            lines.append(_summed(adjoints, symbols.A[layer], symbols, layer, "eq:dA-graph"))
            lines.append(_summed(adjoints, symbols.Z[layer], symbols, layer, "eq:delta-graph"))
        for connection in network.graph.weighted[layer]:
            if connection.own_key:
                lines.append(_summed(adjoints, symbols.W[connection.own_key], symbols, layer, "eq:dW-graph"))
        if network.bias:
            lines.append(_summed(adjoints, symbols.b[layer], symbols, layer, "eq:db-graph"))
    if network.input_gradient:
        lines.append(_summed(adjoints, symbols.A[0], symbols, 0, "eq:dX-graph"))
    return lines


def _summed(
    adjoints: _Adjoints, quantity: MatrixSymbol, symbols: _Symbols, layer: int, label: str
) -> GraphLine:
    terms = list(adjoints.terms[quantity])
    if quantity in symbols.W.values() and adjoints.network.l2:
        terms.append(Term("C", MatMul(LAMBDA, quantity), "penalty"))
    expr = terms[0].expr if len(terms) == 1 else MatAdd(*(term.expr for term in terms))
    consumers = ", ".join(term.consumer for term in terms)
    summed = "; its derivative sums their terms" if len(terms) > 1 else ""
    reason = f"chain rule: {quantity.name} reaches C through {consumers}{summed}"
    return GraphLine(symbols.gradient[quantity], expr, label, layer, tuple(terms), reason, quantity)


def derive_graph(network: Network) -> GraphDerivation:
    """The checked forward and backward equations of a graph network, and its index-form steps; both
    checked on the same small random instances."""
    symbols = _Symbols(network)
    forward = forward_lines(network, symbols)
    backward = backward_lines(network, symbols, forward)
    instances = [GraphInstance(network, seed) for seed in GRAPH_CHECK_SEEDS]
    checked = check_lines(instances[0], backward)
    backward = [dataclasses.replace(line, check=True) for line in backward]
    return GraphDerivation(network, forward, backward, checked, graph_steps(network, instances))
