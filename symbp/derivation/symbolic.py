"""The SymPy network: symbols, local expressions and the matrix nodes.

Index form: every per-layer quantity is an ``Indexed`` whose first index is the
layer (``w[l, i, j]`` is w^{(l)}_{ij}, ``a[l, n, j]`` is a^{(l)}_{nj} for
sample n), so substituting a number for ``L`` or ``l`` moves a whole
expression to a concrete layer, and ``sympy.diff`` by ``w[l, i, j]`` yields
Kronecker deltas. Widths stay generic (``width[l]`` is n_l).

Matrix form: ``MatrixSymbol`` objects named by ``symbp.naming`` plus three
nodes SymPy lacks: ``Elementwise`` (a scalar function applied entry by entry
to same-shaped matrices), ``ColumnSum`` (1^T M) and ``Broadcast`` (a row
repeated N times, for the bias).
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import MatrixExpr
from sympy.printing.precedence import PRECEDENCE, precedence

from symbp.naming import matrix_name
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network

# -- index form -------------------------------------------------------------
L = sp.Symbol("L", integer=True, positive=True)
l = sp.Symbol("l", integer=True, positive=True)  # noqa: E741 (the layer index of the texts)
N = sp.Symbol("N", integer=True, positive=True)
C = sp.Symbol("C")
LAMBDA = sp.Symbol("lambda", nonnegative=True)

w = sp.IndexedBase("w", real=True)
b = sp.IndexedBase("b", real=True)
z = sp.IndexedBase("z", real=True)
a = sp.IndexedBase("a", real=True)
t = sp.IndexedBase("t", real=True)
delta = sp.IndexedBase("delta", real=True)
width = sp.IndexedBase("width")

i, j, k, m, p, q = sp.symbols("i j k m p q", integer=True, positive=True)
# a graph's general layers: a consumer c read by a weight, a consumer r adding a^{(l)}, a source s
c, r, s = sp.symbols("c r s", integer=True, nonnegative=True)
n = sp.Symbol("n", integer=True, positive=True)  # the sample index


def z_local(layer, sample, unit, dummy, bias: bool) -> sp.Expr:
    """z^{(layer)}_{sample,unit} = sum_dummy a^{(layer-1)} w^{(layer)} (+ b)."""
    total = sp.Sum(a[layer - 1, sample, dummy] * w[layer, dummy, unit], (dummy, 1, width[layer - 1]))
    return total + b[layer, unit] if bias else total


def activation_local(network: Network, concrete_layer: int, layer, sample, unit, dummy) -> sp.Expr:
    """a^{(layer)}_{sample,unit} as a function of that layer's z entries."""
    act = network.activation(concrete_layer)
    if act.elementwise:
        return act.expr.subs(Z_SCALAR, z[layer, sample, unit])
    return sp.exp(z[layer, sample, unit]) / sp.Sum(sp.exp(z[layer, sample, dummy]), (dummy, 1, width[layer]))


def cost_scale(network: Network) -> sp.Expr:
    return 1 / N if network.cost.mean else sp.Integer(1)


def cost_local(network: Network, sample, unit) -> sp.Expr:
    """c(a^{(L)}_{sample,unit}, t_{sample,unit}), one term of the cost."""
    return network.cost.expr.subs({A_SCALAR: a[L, sample, unit], T_SCALAR: t[sample, unit]})


def cost_definition(network: Network, sample=n, unit=j) -> sp.Expr:
    """C = s sum_n sum_j c(a_nj, t_nj) (+ lambda/2 sum_l sum_ij w_ij^2); dummies given."""
    data = cost_scale(network) * sp.Sum(
        cost_local(network, sample, unit), (unit, 1, width[L]), (sample, 1, N)
    )
    if not network.l2:
        return data
    penalty = sp.Sum(w[l, i, j] ** 2, (i, 1, width[l - 1]), (j, 1, width[l]), (l, 1, L))
    return data + LAMBDA / 2 * penalty


# -- matrix form ------------------------------------------------------------
class Elementwise(MatrixExpr):
    """``function`` (a Lambda of k scalars) applied entrywise to k same-shaped matrices."""

    def __new__(cls, function: sp.Lambda, *matrices):
        return super().__new__(cls, function, *matrices)

    @property
    def function(self) -> sp.Lambda:
        return self.args[0]

    @property
    def matrices(self) -> tuple:
        return self.args[1:]

    @property
    def shape(self):
        return self.args[1].shape

    @property
    def precedence(self) -> int:
        """The printed body's binding, which SymPy's printers read: (1 - A) needs brackets in a product."""
        return precedence(self.function.expr)

    def _eval_transpose(self):
        """(f(A, B))^T = f(A^T, B^T): entry by entry, so the transpose moves inside."""
        return Elementwise(self.function, *[matrix.T for matrix in self.matrices])


class ColumnSum(MatrixExpr):
    """1^T M: the sum over the rows (samples) of M, shape (1, cols)."""

    @property
    def shape(self):
        return (sp.Integer(1), self.args[0].shape[1])


class Broadcast(MatrixExpr):
    """A (1, cols) row repeated ``rows`` times: 1 b, the bias added to every sample."""

    @property
    def shape(self):
        return (self.args[1], self.args[0].shape[1])


class Activate(MatrixExpr):
    """A layer's activation applied to Z (entrywise, or row by row for softmax)."""

    @property
    def activation_name(self) -> str:
        return str(self.args[0])

    def _eval_transpose(self):
        """f(Z)^T = f(Z^T): the activation of the same samples, one per column (softmax by column)."""
        return Activate(self.args[0], self.args[1].T)

    @property
    def shape(self):
        return self.args[1].shape


class ActivationDerivative(sp.Function):
    """f'(z) of a generic layer l, where the hidden layers' activations differ and no one formula fits."""

    nargs = 1


class MatrixSymbols:
    """The concrete network's matrices, named by ``symbp.naming``."""

    def __init__(self, network: Network):
        sizes = network.layers
        self.network = network
        self.X = sp.MatrixSymbol(matrix_name("A", 0), N, sizes[0])
        self.T = sp.MatrixSymbol(matrix_name("T"), N, sizes[-1])
        depth = network.depth
        self.A = {0: self.X} | {
            layer: sp.MatrixSymbol(matrix_name("A", layer), N, sizes[layer]) for layer in range(1, depth + 1)
        }
        self.Z = {layer: sp.MatrixSymbol(matrix_name("Z", layer), N, sizes[layer]) for layer in self.layers}
        self.W = {
            layer: sp.MatrixSymbol(matrix_name("W", layer), sizes[layer - 1], sizes[layer])
            for layer in self.layers
        }
        self.b = {layer: sp.MatrixSymbol(matrix_name("b", layer), 1, sizes[layer]) for layer in self.layers}
        self.delta = {
            layer: sp.MatrixSymbol(matrix_name("delta", layer), N, sizes[layer]) for layer in self.layers
        }
        self.dW = {
            layer: sp.MatrixSymbol(matrix_name("dW", layer), *self.W[layer].shape) for layer in self.layers
        }
        self.db = {layer: sp.MatrixSymbol(matrix_name("db", layer), 1, sizes[layer]) for layer in self.layers}

    @property
    def layers(self) -> range:
        return range(1, self.network.depth + 1)


# -- a graph's sum over consumers -------------------------------------------
class _OverConsumers:
    """A sum of ``body`` over the layers ``variable`` that read ``layer``: by a weight ("weighted") or
    by adding it after their activation ("identity"); the graph says which layers those are."""

    @property
    def body(self):
        return self.args[0]

    @property
    def variable(self) -> sp.Symbol:
        return self.args[1]

    @property
    def layer(self):
        return self.args[2]

    @property
    def kind(self) -> str:
        return str(self.args[3])

    @property
    def free_symbols(self) -> set:
        return (self.body.free_symbols - {self.variable}) | self.layer.free_symbols

    @property
    def precedence(self) -> int:
        """A sum: bracketed in a product, as SymPy's printers read it."""
        return PRECEDENCE["Add"]


class ConsumerSum(_OverConsumers, sp.Expr):
    """sum over the consumers c of layer l of an index-form term."""


class ConsumerMatSum(_OverConsumers, MatrixExpr):
    """sum over the consumers c of layer l of a matrix term."""

    @property
    def shape(self):
        return self.body.shape

    def _eval_transpose(self):
        """The sum of the transposed terms (a column layout states the equation transposed)."""
        return ConsumerMatSum(self.body.T, *self.args[1:])


WEIGHTED, IDENTITY = sp.Symbol("weighted"), sp.Symbol("identity")
# The set a graph's sum over consumers runs over: out(l) read layer l by a weight, id(l) add a^{(l)}.
CONSUMER_SETS = {"weighted": "out", "identity": "id"}
