"""A graph's general equations: the index form for any layer l, then the matrix form.

What the layer-by-layer steps showed, for a generic layer: dC/da^{(l)} is the sum over the
consumers c in out(l) (the layers that read l by a weight) of sum_k delta^{(c)}_{nk}
w^{(c,l)}_{jk}, plus, where residuals exist, the sum over the consumers r in id(l) (that add
a^{(l)} after their activation) of dC/da^{(r)}_{nj}; delta^{(l)} is that times f'; a weight's
gradient is a^{(s)} times the delta of the layer it enters (a tied matrix sums this over its
uses); a bias's is the delta summed over the samples. Each index-form equation is checked at
every concrete layer (every connection, for a weight) it stands for, by the chain's
StepChecker; each matrix equation holds entry by entry by its index form, and every concrete
layer's matrix line is checked against central differences (``symbp.derivation.graph``).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.matrices.expressions import HadamardProduct, MatMul, MatrixSymbol, Transpose

from symbp.derivation.chain import D
from symbp.derivation.graph_tied import TiedForms, connection_rate, tied_keys, uses_of
from symbp.derivation.local import activation_factor, derivative_in_a
from symbp.derivation.reasons import BIAS_RATE, Letter, Partial, Quantity, Reference, reason
from symbp.derivation.step_check import matrix_step_check
from symbp.derivation.steps import Step
from symbp.derivation.symbolic import (
    IDENTITY,
    LAMBDA,
    WEIGHTED,
    ActivationDerivative,
    C,
    ColumnSum,
    ConsumerMatSum,
    ConsumerSum,
    Elementwise,
    N,
    a,
    b,
    c,
    delta,
    i,
    j,
    k,
    l,
    n,
    r,
    s,
    w,
    width,
    z,
)
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.graph import parse_weight_key

WIDTHS = {letter: sp.Symbol(f"n_{letter}") for letter in "lcrs"}
CONSUMERS_WORDS = reason(
    "every layer: the sum over its consumers, out(",
    Letter("l"),
    ") read it by a weight",
)


class Labels:
    """The labels of a graph's equations, naming layers by their names in the spec (letters, digits and
    dashes): the same in every notation, where layer numbers differ (an input numbered 1), and free of
    underscores (a label is also a Markdown tag). Names that would collide fall back to numbers."""

    def __init__(self, graph):
        self.graph = graph
        tags = [re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") for name in graph.names]
        unique = all(tags) and len(set(tags)) == len(tags)
        self.tags = tags if unique else [str(layer) for layer in range(len(tags))]

    def __call__(self, kind: str, layer: int) -> str:
        """eq:delta-h2, eq:dA-h1, eq:db-output; dC/dx is eq:dX."""
        return "eq:dX" if (kind, layer) == ("dA", 0) else f"eq:{kind}-{self.tags[layer]}"

    def weight(self, key: str) -> str:
        """eq:dW-output for W2, eq:dW-output-x for W2_0 (the matrix into output from x)."""
        source, target = parse_weight_key(key)
        skip = f"-{self.tags[source]}" if source != target - 1 else ""
        return f"eq:dW-{self.tags[target]}{skip}"


def _matrix(kind: str, *letters: str) -> MatrixSymbol:
    """A general layer's matrix: A_s, delta_c, W_c_l, dW_l_s, ... (``symbp.naming``)."""
    name = "_".join((kind, *letters))
    if kind in ("W", "dW"):
        return MatrixSymbol(name, WIDTHS[letters[1]], WIDTHS[letters[0]])
    return MatrixSymbol(name, 1 if kind in ("b", "db") else N, WIDTHS[letters[0]])


class GeneralForms:
    """Adds the general index-form and matrix-form steps to a GraphStepDeriver's steps."""

    def __init__(self, deriver):
        self.deriver, self.network, self.graph = deriver, deriver.network, deriver.network.graph
        self.residual = any(self.graph.identity)
        self.hidden = list(range(1, deriver.depth))
        activations = {self.network.activation(layer) for layer in self.hidden}
        self.activation = activations.pop() if len(activations) == 1 else None
        self.tied = TiedForms(deriver)

    # -- index form ------------------------------------------------------------------
    def consumers(self) -> sp.Expr:
        """The sum over consumers of dC/da^{(l)}_{nj}."""
        weighted = sp.Sum(delta[c, n, k] * w[sp.Tuple(c, l), j, k], (k, 1, width[c]))
        total = ConsumerSum(weighted, c, l, WEIGHTED)
        return total + ConsumerSum(D(C, a[r, n, j]), r, l, IDENTITY) if self.residual else total

    def fprime(self) -> sp.Expr:
        """f'(z^{(l)}_{nj}) of a generic hidden layer: through a where every hidden layer allows it."""
        if not self.named_fprime():
            return D(a[l, n, j], z[l, n, j])
        in_a = not any(self.graph.identity[layer] for layer in self.hidden)
        return activation_factor(self.network, self.hidden[0], l, n, j, j, in_a=in_a)

    def index_form(self) -> None:
        add, section = self.deriver.add, "index"
        lower = self.hidden + ([0] if self.network.input_gradient else [])
        if lower and (self.residual or self.network.input_gradient):
            why = reason(*CONSUMERS_WORDS.parts, *self._identity_words(), *self._recognised("dA"))
            add(D(C, a[l, n, j]), self.consumers(), why, "generalise", section, "a", "eq:dA-index", lower)
        if self.hidden:  # hidden activations are entrywise (softmax is the output's)
            dc_da = D(C, a[l, n, j]) if self.residual else self.consumers()
            why = reason("every hidden layer: ", Partial(Quantity("C"), Quantity("a", l)), " times ")
            why = reason(*why.parts, Partial(Quantity("a", l), Quantity("z", l)), *self._recognised("delta"))
            label = "eq:delta-index"
            add(
                delta[l, n, j], dc_da * self.fprime(), why, "generalise", section, "delta", label, self.hidden
            )
        own = [
            {l: connection.target, s: connection.source}
            for connection in self.graph.connections()
            if connection.own_key and len(uses_of(self.graph, connection.own_key)) == 1
        ]
        if own:
            entry = w[sp.Tuple(l, s), i, j]
            rate = connection_rate()
            rate = rate + LAMBDA * entry if self.network.l2 else rate
            why = reason(
                "every connection from layer ",
                Letter("s"),
                " into layer ",
                Letter("l"),
                ": ",
                Quantity("z", l, "nj"),
                " changes with its weight at the rate ",
                Quantity("a", s, "ni"),
                *self._tied_words(),
            )
            add(D(C, entry), rate, why, "generalise", section, "W", "eq:dW-index", own)
        self.tied.index_form("eq:dW-index" if own else None)
        if self.network.bias:
            layers = list(range(1, self.deriver.depth + 1))
            add(
                D(C, b[l, j]),
                sp.Sum(delta[l, n, j], (n, 1, N)),
                BIAS_RATE,
                "generalise",
                section,
                "b",
                "eq:db-index",
                layers,
            )

    def _identity_words(self) -> tuple:
        if not self.residual:
            return ()
        return (", and id(", Letter("l"), ") add ", Quantity("a", l), " after their activation")

    def _recognised(self, kind: str) -> tuple:
        """The layer-by-layer equations of the hidden layers (and the input) the general one repeats."""
        derived = {step.label for step in self.deriver.steps}
        layers = [*reversed(self.hidden), *([0] if kind == "dA" else [])]
        labels = [self.deriver.labels(kind, layer) for layer in layers]
        labels = [label for label in labels if label in derived]
        parts: list = ["; as derived layer by layer: "] if labels else []
        for position, label in enumerate(labels):
            parts += ([", "] if position else []) + [Reference(label)]
        return tuple(parts)

    def _tied_words(self) -> tuple:
        tied = tied_keys(self.graph)
        if not tied:
            return ()
        return (
            "; a tied matrix sums this over its uses: ",
            *[Reference(self.tied.index_label(key)) for key in tied],
        )

    # -- matrix form -----------------------------------------------------------------
    def named_fprime(self) -> bool:
        """Is a generic layer's f' named? With residuals dC/dA^{(l)} exists at the output layer too, where a
        generic l would then claim the hidden layers' f': an output activation of its own keeps f' unnamed."""
        output = self.network.activation(self.deriver.depth)
        return self.activation is not None and not (self.residual and output != self.activation)

    def fprime_matrix(self):
        if not self.named_fprime():
            return Elementwise(sp.Lambda(Z_SCALAR, ActivationDerivative(Z_SCALAR)), _matrix("Z", "l"))
        if not any(self.graph.identity[layer] for layer in self.hidden):
            in_a = derivative_in_a(self.activation)
            if in_a is not None:
                return Elementwise(sp.Lambda(A_SCALAR, in_a), _matrix("A", "l"))
        derivative = sp.diff(self.activation.expr, Z_SCALAR)
        return Elementwise(sp.Lambda(Z_SCALAR, derivative), _matrix("Z", "l"))

    def matrix_form(self) -> None:
        consumers = ConsumerMatSum(
            MatMul(_matrix("delta", "c"), Transpose(_matrix("W", "c", "l"))), c, l, WEIGHTED
        )
        if self.residual:
            consumers = consumers + ConsumerMatSum(_matrix("dA", "r"), r, l, IDENTITY)
        index = {step.label: step for step in self.deriver.steps}
        lines = []
        if "eq:dA-index" in index:
            lines.append(
                (
                    "eq:dA-index",
                    _matrix("dA", "l"),
                    consumers,
                    "the sum over k is a product with each consumer's transposed weights",
                )
            )
        if self.hidden:
            dc_da = _matrix("dA", "l") if self.residual else consumers
            lines.append(
                (
                    "eq:delta-index",
                    _matrix("delta", "l"),
                    HadamardProduct(dc_da, self.fprime_matrix()),
                    "f' applies entry by entry",
                )
            )
        if "eq:dW-index" in index:
            rate = MatMul(Transpose(_matrix("A", "s")), _matrix("delta", "l"))
            rate = rate + MatMul(LAMBDA, _matrix("W", "l", "s")) if self.network.l2 else rate
            lines.append(
                (
                    "eq:dW-index",
                    _matrix("dW", "l", "s"),
                    rate,
                    "the sum over the samples is a product with the transposed activations",
                )
            )
        self._matrix_steps(lines, index)
        self.tied.matrix_form()
        if self.network.bias:
            bias = (
                (
                    "eq:db-index",
                    _matrix("db", "l"),
                    ColumnSum(_matrix("delta", "l")),
                    "the sum over the samples is a column sum",
                ),
            )
            self._matrix_steps(bias, index)

    def _matrix_steps(self, lines, index: dict) -> None:
        """Each (index label, target, expr, words) as a matrix step, checked through its index form."""
        for label, target, expr, words in lines:
            source = index[label]
            check = matrix_step_check(source.check, label)
            why = reason(words, " ", Reference(label, True))
            step = Step(
                sp.Eq(target, expr, evaluate=False),
                why,
                "matrix",
                "matrix",
                source.part,
                label.replace("-index", "-matrix"),
                check,
            )
            self.deriver.steps.append(step)
