"""Machine checks of derivation steps against independent references.

A step is an equation between index-form (or matrix-form) expressions. To
check it, a concrete small instance of the spec is drawn at random (same
activations, cost, bias and depth; widths capped at 3; a few samples), both
sides are evaluated there for several index values, and compared with a
reference that never looks at the derivation:

* ``exact``: sympy.diff of the fully expanded cost of the instance (only
  where that expression is small), node by node, evaluated at the point;
* ``numeric``: central finite differences of the numeric cost, with one
  Richardson extrapolation (float64, error far below the 1e-7 tolerance).

Unevaluated chain-rule factors such as da/dz or dz/dw are themselves
replaced by finite-difference partials of the numeric forward pass, so even
the first chain-rule step is checked. A disagreement raises CheckFailed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np
import sympy as sp

from symbp.computed import ComputedOnRead
from symbp.derivation.numeric import activation_function, cost_values, forward
from symbp.derivation.symbolic import LAMBDA, C, L, N
from symbp.errors import CheckFailed
from symbp.naming import matrix_name
from symbp.spec.functions import A as A_SCALAR
from symbp.spec.functions import T as T_SCALAR
from symbp.spec.functions import Z as Z_SCALAR
from symbp.spec.network import Network

RELATIVE_TOLERANCE = 1e-7
ABSOLUTE_TOLERANCE = 1e-9
STEP = 1e-4
EXACT_LIMIT_OPS = 4000


@dataclass(frozen=True)
class Check:
    """How a step was checked: method, number of random points, largest error."""

    method: str
    points: int
    max_error: float
    detail: str

    def describe(self) -> str:
        """A summary that does not depend on floating-point noise (documents stay byte-stable)."""
        return (
            f"{self.method}: {self.detail}; agrees within a relative error of {RELATIVE_TOLERANCE:g} "
            f"at {self.points} random points"
        )


class Instance:
    """A concrete random network: small widths, random parameters and data."""

    def __init__(self, network: Network, seed: int, max_width: int = 3, samples: int = 3):
        self.network = network
        self.sizes = tuple(min(size, max_width) for size in network.layers)
        self.samples = samples
        rng = np.random.default_rng(seed)
        for _attempt in range(100):
            self._draw(rng)
            # Finite differences need a point away from kinks (relu, abs) at z = 0.
            if all(np.min(np.abs(values)) > 20 * STEP for values in self.Z.values()):
                break
        self._partials: dict = {}

    def _draw(self, rng):
        sizes, network = self.sizes, self.network
        layers = range(1, network.depth + 1)
        self.W = {k: rng.uniform(-1, 1, (sizes[k - 1], sizes[k])) for k in layers}
        self.b = {k: rng.uniform(-1, 1, sizes[k]) if network.bias else np.zeros(sizes[k]) for k in layers}
        self.X = rng.uniform(-1, 1, (self.samples, sizes[0]))
        self.T = random_targets(network, rng, self.samples, sizes[-1])
        self.lam = network.l2
        self.Z, self.A = forward(network, self.W, self.b, self.X)

    @property
    def depth(self) -> int:
        return self.network.depth

    def partial(self, quantity, variable) -> float:
        """d quantity / d variable by Richardson-extrapolated central differences.

        ``quantity`` is ("C",) or a node ("z" | "a", layer, index); ``variable`` a
        node ("w" | "b" | "z" | "a", layer, index). Partials of the cost come from
        the batched table ``cost_gradient``; the others move one node and run the
        forward pass only from its layer up to the quantity's layer.
        """
        kind, layer, index = variable
        if quantity[0] == "C":
            return float(self.cost_gradient[kind][layer][index])
        key = (quantity, variable)
        if key not in self._partials:
            values = [self._moved_value(quantity, variable, change) for change in OFFSETS]
            self._partials[key] = float(richardson(np.array(values)))
        return self._partials[key]

    def _moved_value(self, quantity, variable, change: float) -> float:
        """The value of node ``quantity`` after moving node ``variable`` by ``change``."""
        kind, layer, index = variable
        target_kind, target_layer, target_index = quantity
        W = _moved(self.W, layer, index, change) if kind == "w" else self.W
        b = _moved(self.b, layer, index, change) if kind == "b" else self.b
        start = layer if kind == "a" else layer - 1
        Z, A = dict(self.Z), dict(self.A)
        if kind == "a":
            A = _moved(A, layer, index, change)
        for current in range(start + 1, target_layer + 1):
            Z[current] = A[current - 1] @ W[current] + b[current]
            if kind == "z" and current == layer:
                Z = _moved(Z, layer, index, change)
            A[current] = activation_function(self.network.activation(current))(Z[current])
        return float((Z if target_kind == "z" else A)[target_layer][target_index])

    @cached_property
    def cost_gradient(self) -> dict[str, dict[int, np.ndarray]]:
        """dC/dnode for every w, b, z and a of every layer: ``[kind][layer]`` arrays.

        Central differences (steps h and h/2, Richardson) of the numeric cost:
        every node of every layer is moved in its own copy of the network, and
        the copies run through a batched forward pass (``PerturbedBatch``),
        instead of one pass from the moved layer upwards per node. Nothing in
        it uses the derived recursion. dC/da of the hidden layers is computed
        when it is first read, all of it in one more batch: the steps of a
        derivation read dC/da only at the output layer, and those copies would be
        a fifth of the batch.
        """
        gradient = self._cost_partials(lambda kind, layer: kind != "a" or layer == self.depth)
        gradient["a"] = _ReadOnDemand(gradient["a"], self._hidden_a_partials)
        return gradient

    def _hidden_a_partials(self) -> dict[int, np.ndarray]:
        """dC/da of every hidden layer, by layer."""
        return self._cost_partials(lambda kind, layer: kind == "a" and layer < self.depth)["a"]

    def _cost_partials(self, moves) -> dict[str, dict[int, np.ndarray]]:
        """dC/dnode, ``[kind][layer]``, of the nodes for which ``moves(kind, layer)`` holds."""
        batch = PerturbedBatch(self, moves)
        costs = cost_values(self.network, batch.outputs, self.T, batch.squares, self.lam)
        gradient: dict[str, dict[int, np.ndarray]] = {kind: {} for kind in NODE_KINDS}
        for kind, layer, shape, rows in batch.groups:
            gradient[kind][layer] = richardson(costs[rows].reshape(len(OFFSETS), -1)).reshape(shape)
        return gradient

    @cached_property
    def reference_env(self) -> dict[str, np.ndarray]:
        """``matrix_env`` plus finite-difference deltaL, dWL and dbL of every layer.

        Built once per instance: every matrix line of every layer is checked
        against it, so it must not be rebuilt per line (quadratic in depth).
        """
        env = self.matrix_env()
        for layer in range(1, self.depth + 1):
            env[matrix_name("delta", layer)] = self.cost_gradient["z"][layer]
            env[matrix_name("dW", layer)] = self.cost_gradient["w"][layer]
            env[matrix_name("db", layer)] = self.cost_gradient["b"][layer][None, :]
        return env

    def matrix_env(self) -> dict[str, np.ndarray]:
        """Arrays by matrix name, for evaluating matrix expressions."""
        env = {"X": self.X, "T": self.T}
        for layer in range(1, self.depth + 1):
            env[matrix_name("W", layer)] = self.W[layer]
            env[matrix_name("b", layer)] = self.b[layer][None, :]
            env[matrix_name("Z", layer)] = self.Z[layer]
            env[matrix_name("A", layer)] = self.A[layer]
        return env


NODE_KINDS = ("w", "b", "z", "a")
# Each node is moved by +h, -h, +h/2, -h/2: two central differences for Richardson.
OFFSETS = STEP * np.array([1.0, -1.0, 0.5, -0.5])


def richardson(values: np.ndarray) -> np.ndarray:
    """Derivative from values at the OFFSETS (first axis): central differences at h
    and h/2 combined so that the h^2 error term cancels (error O(h^4))."""
    wide = (values[0] - values[1]) / (2 * STEP)
    narrow = (values[2] - values[3]) / STEP
    return (4 * narrow - wide) / 3


def unit_moves(array: np.ndarray) -> np.ndarray:
    """Copies of ``array``, each with one entry moved by one offset.

    Shape (len(OFFSETS) * array.size, *array.shape); offset-major, entries in C order.
    """
    units = np.eye(array.size).reshape(array.size, *array.shape)
    moves = OFFSETS.reshape(-1, *([1] * (array.ndim + 1))) * units
    return array + moves.reshape(-1, *array.shape)


def _moved(values: dict, layer: int, index, change: float) -> dict:
    """A copy of a by-layer dict of arrays with one entry moved."""
    moved = dict(values)
    moved[layer] = values[layer].copy()
    moved[layer][index] += change
    return moved


class _Entry(NamedTuple):
    """The copies that enter the batch at one layer, as rows: ``z`` joins before the
    layer's activation (copies moving w, b or z), ``a`` after it (copies moving a).
    ``*_copies`` and ``*_samples`` say which copy and sample each row is."""

    layer: int
    z: np.ndarray
    z_copies: np.ndarray
    z_samples: np.ndarray
    a: np.ndarray
    a_copies: np.ndarray
    a_samples: np.ndarray


class PerturbedBatch:
    """A forward pass over many copies of an instance, each with one node moved.

    Copies enter at the layer of their moved node (below it they equal the
    instance) and from there go through each layer together with the copies
    that entered before them. ``outputs`` are the copies' output activations
    (copies, samples, outputs), ``squares`` their sums of squared weights (for
    the l2 penalty), and ``groups`` lists (kind, layer, shape, rows): which
    copies move which nodes. ``moves(kind, layer)`` says which nodes get
    copies (every w, b, z and a of every layer unless told otherwise).

    The work is quadratic in depth, inherent in one finite difference per node,
    so the constant matters:

    * a copy is one column per sample (columns, not rows: adding a layer's
      biases to rows two or three wide is as slow in NumPy as everything
      else together), and a copy that moves z or a of sample n carries only
      that sample's column, since its other samples equal the instance at
      every layer (the same reason copies enter at their own layer); they are
      put back from the instance at the end, so ``outputs`` holds every copy
      in full;
    * the copies go through the network in blocks of consecutive entry
      layers, each block from its first layer to the output, so every array
      stays near ``BLOCK_COLUMNS`` columns at any depth (one batch of all
      copies grows with the depth, and at 500 layers its fresh arrays of a
      megabyte per operation made it 15-25% slower).

    Each column is computed by the same operations on the same numbers as the
    row of one batch: the partials are the same to the bit (compared on 478
    networks).
    """

    BLOCK_COLUMNS = 8192

    def __init__(self, instance: Instance, moves=lambda kind, layer: True):
        self.instance = instance
        self.moves = moves
        self.groups: list[tuple[str, int, tuple, slice]] = []
        self.rows = 0
        square_total = sum(float(np.sum(weights**2)) for weights in instance.W.values())
        squares: list[np.ndarray] = [np.empty(0)]
        entries = [self._entry(layer, square_total, squares) for layer in range(1, instance.depth + 1)]
        self.squares = np.concatenate(squares)
        self.outputs = np.repeat(instance.A[instance.depth][None], self.rows, axis=0)
        for block in _blocks(entries, self.BLOCK_COLUMNS):
            self._run(block)

    def _entry(self, layer: int, square_total: float, squares: list) -> _Entry:
        """The copies moving a node of ``layer``, recorded in ``groups``, their squares in ``squares``."""
        instance = self.instance
        below, W, b = instance.A[layer - 1], instance.W[layer], instance.b[layer]
        width, samples = instance.sizes[layer], np.arange(instance.samples)
        before, after = [], []  # (rows, copies, samples) joining before and after the activation
        if self.moves("w", layer):
            moved_W, copies = self._record("w", layer, W)
            squares.append(square_total - float(np.sum(W**2)) + np.sum(moved_W**2, axis=(1, 2)))
            rows = (below @ moved_W + b).reshape(-1, width)
            before.append((rows, np.repeat(copies, len(samples)), np.tile(samples, len(copies))))
        if self.moves("b", layer):
            moved_b, copies = self._record("b", layer, b)
            squares.append(np.full(len(copies), square_total))
            rows = ((below @ W)[None] + moved_b[:, None, :]).reshape(-1, width)
            before.append((rows, np.repeat(copies, len(samples)), np.tile(samples, len(copies))))
        if self.moves("z", layer):
            before.append(self._one_sample("z", layer, instance.Z[layer]))
            squares.append(np.full(len(before[-1][1]), square_total))
        if self.moves("a", layer):
            after.append(self._one_sample("a", layer, instance.A[layer]))
            squares.append(np.full(len(after[-1][1]), square_total))
        return _Entry(layer, *_joined(before, width), *_joined(after, width))

    def _run(self, block: list[_Entry]):
        """Run the copies entering in ``block`` from its first layer to the output into ``outputs``."""
        instance = self.instance
        entering = {entry.layer: entry for entry in block}
        columns = np.empty((instance.sizes[block[0].layer - 1], 0))
        copies, samples = [], []
        for layer in range(block[0].layer, instance.depth + 1):
            Z = _product(columns, instance.W[layer]) + instance.b[layer][:, None]
            entry = entering.get(layer)
            if entry is not None:
                Z = np.concatenate([Z, entry.z.T], axis=1)
                copies.append(entry.z_copies)
                samples.append(entry.z_samples)
            activation = instance.network.activation(layer)
            function = activation_function(activation)
            columns = function(Z) if activation.elementwise else function(Z.T).T
            if entry is not None:
                columns = np.concatenate([columns, entry.a.T], axis=1)
                copies.append(entry.a_copies)
                samples.append(entry.a_samples)
        self.outputs[np.concatenate(copies), np.concatenate(samples)] = columns.T

    def _one_sample(self, kind, layer, values):
        """The moved sample row of each copy that moves one z or a entry of ``values`` (samples, width)."""
        moved, copies = self._record(kind, layer, values)
        sample = (np.arange(len(moved)) % values.size) // values.shape[1]  # unit_moves: entries in C order
        return moved[np.arange(len(moved)), sample], copies, sample

    def _record(self, kind: str, layer: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The moved copies of ``values`` and their copy numbers; records which copies they are."""
        moved = unit_moves(values)
        self.groups.append((kind, layer, values.shape, slice(self.rows, self.rows + len(moved))))
        self.rows += len(moved)
        return moved, np.arange(self.rows - len(moved), self.rows)


def _product(columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(rows @ weights).T for the rows stored as ``columns``.

    With two or more outputs the BLAS product rounds the same either way
    round; with one output NumPy takes a matrix-vector path whose rounding
    depends on the layout, so that product is taken of the rows themselves,
    which keeps the partials the same to the bit as those of a row batch.
    """
    if weights.shape[1] == 1:
        return (np.ascontiguousarray(columns.T) @ weights).T
    return weights.T @ columns


def _joined(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], width: int):
    """(rows, copies, samples) of several groups of copies, one after the other."""
    if not parts:
        return np.empty((0, width)), np.empty(0, dtype=int), np.empty(0, dtype=int)
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _blocks(entries: list[_Entry], rows: int) -> list[list[_Entry]]:
    """Consecutive entries that bring copies, grouped so that each group brings about ``rows`` rows."""
    blocks: list[list[_Entry]] = []
    count = 0
    for entry in entries:
        size = len(entry.z) + len(entry.a)
        if not size:
            continue
        if not blocks or count + size > rows:
            blocks.append([])
            count = 0
        blocks[-1].append(entry)
        count += size
    return blocks


class _ReadOnDemand(ComputedOnRead):
    """A dict that fills itself from ``rest()`` the first time a key it lacks is read."""

    def __init__(self, known: dict, rest):
        super().__init__(known)
        self._rest = rest

    def compute(self, key):
        if self._rest is None:
            raise KeyError(key)
        rest, self._rest = self._rest, None
        self.update(rest())
        return self[key]


def random_targets(network: Network, rng, samples: int, width: int) -> np.ndarray:
    """Targets a cost accepts: one-hot rows for cce, inside (0, 1) for the others."""
    if network.cost.name == "cce":
        return np.eye(width)[rng.integers(0, width, samples)]
    return rng.uniform(0.05, 0.95, (samples, width))


# -- exact reference: sympy.diff of the expanded cost ----------------------
class ExactGradient:
    """dC/dw and dC/db of an instance: the exact derivative of its fully expanded cost.

    The expanded cost E is one SymPy expression in the instance's weights and
    biases (its data and targets are numbers), composed from the spec's own
    activation and cost expressions; nothing of the derivation goes into it.
    ``values`` differentiates E exactly with sympy.diff, see ``_gradient_program``.
    """

    def __init__(self, instance: Instance):
        self.instance = instance
        network = instance.network
        sizes = instance.sizes
        self.symbols = {}
        W, b = {}, {}
        for layer in range(1, network.depth + 1):
            W[layer] = sp.Matrix(
                sizes[layer - 1],
                sizes[layer],
                lambda r, c, layer=layer: self._symbol(("w", layer, (r, c))),
            )
            b[layer] = sp.Matrix(
                1,
                sizes[layer],
                lambda r, c, layer=layer: self._symbol(("b", layer, (c,))) if network.bias else 0,
            )
        self.expression = self._expanded_cost(W, b)
        self.small = sp.count_ops(self.expression) <= EXACT_LIMIT_OPS

    def _symbol(self, key):
        self.symbols[key] = sp.Symbol("_".join(map(str, (key[0], key[1], *key[2]))), real=True)
        return self.symbols[key]

    def _expanded_cost(self, W, b):
        instance, network = self.instance, self.instance.network
        total = sp.Integer(0)
        for sample in range(instance.samples):
            row = sp.Matrix([[sp.Float(x) for x in instance.X[sample]]])
            for layer in range(1, network.depth + 1):
                z_row = row * W[layer] + b[layer]
                act = network.activation(layer)
                if act.elementwise:
                    row = z_row.applyfunc(lambda value, act=act: act.expr.subs(Z_SCALAR, value))
                else:
                    exps = z_row.applyfunc(sp.exp)
                    row = exps / sum(exps)
            for unit, target in enumerate(instance.T[sample]):
                total += network.cost.expr.subs({A_SCALAR: row[unit], T_SCALAR: sp.Float(target)})
        scale = sp.Rational(1, instance.samples) if network.cost.mean else 1
        penalty = sp.Float(instance.lam) / 2 * sum(sum(x**2 for x in matrix) for matrix in W.values())
        return scale * total + penalty

    @cached_property
    def values(self) -> dict:
        symbols = list(self.symbols.values())
        steps, gradient = _gradient_program(self.expression, symbols)
        function = sp.lambdify(symbols, gradient, "math", cse=lambda exprs: (steps, exprs))
        values = function(*[self._value(key) for key in self.symbols])
        return dict(zip(self.symbols, map(float, values), strict=True))

    def _value(self, key) -> float:
        kind, layer, index = key
        return float((self.instance.W if kind == "w" else self.instance.b)[layer][index])


def _gradient_program(expression: sp.Expr, symbols: list[sp.Symbol]):
    """(steps, gradient): the exact dE/ds of every symbol s as a straight-line SymPy program.

    Every node p of E (a sum, a product, a power, an exp, a Piecewise, ...)
    gets a value symbol v_p and its ``piece``: p with each child replaced by the
    child's value symbol. Then, by the chain rule, dE/dv_c is the sum over the
    parents p of c of dE/dv_p * sympy.diff(piece_p, v_c), and dE/ds likewise.

    This is the same exact derivative as sympy.diff(E, s): sympy.diff applies
    the same chain rule, node by node, with the same local derivatives. It only
    adds up the terms of a node that several parents share once, instead of
    once per path from the top and again for each s. (For the half adder
    sympy.diff(E, s) went 18 times through the same nested sigmoids, 0.35 s of
    every cold ``symbp derive``; this takes 0.06 s.) It stays independent of
    the derivation being checked: the nodes are SymPy's own nodes of the
    expanded scalar cost, the local derivatives are sympy.diff of the spec's
    expressions, and no layer, index, sum or delta of the derivation enters.
    tests/test_checks.py compares it with sympy.diff(E, s) itself for every
    activation and cost.
    """
    value_of: dict = {}
    steps = []

    def visit(node):
        if node in value_of or node.is_Atom:
            return
        for arg in node.args:
            visit(arg)
        if isinstance(node, sp.Expr):
            piece = node.xreplace(value_of)
            value_of[node] = sp.Dummy("v", real=True) if node.is_real else sp.Dummy("v")
            steps.append((value_of[node], piece))

    visit(expression)
    terms = {value_of.get(expression, expression): [sp.Integer(1)]}
    for value, piece in reversed(list(steps)):
        if value not in terms:
            continue
        adjoint = sp.Dummy("g")
        steps.append((adjoint, sp.Add(*terms.pop(value))))
        for variable in sp.ordered(piece.free_symbols):
            terms.setdefault(variable, []).append(adjoint * sp.diff(piece, variable))
    return steps, [sp.Add(*terms.get(symbol, [])) for symbol in symbols]


# -- evaluation of index-form expressions ---------------------------------
class IndexEvaluator:
    """Value of an index-form expression on an Instance, with indices bound in ``env``.

    Every expression is compiled once into nested Python closures (cached across
    instances, layers and index values): a check evaluates the same equation for
    up to 3 instances x every layer x 6 index values, and walking the SymPy tree
    with type dispatch per node each time made the checks the slowest part.
    """

    def __init__(self, instance: Instance, env: dict):
        self.instance = instance
        self.env = {L: instance.depth, N: instance.samples, LAMBDA: instance.lam, **env}

    def __call__(self, expr) -> float:
        return _compile(expr)(self)

    def node(self, indexed):
        """('w', layer, (row, col)) etc. for an Indexed with concrete indices (0-based)."""
        return _compile_node(indexed)(self)


_FUNCTIONS = {
    sp.exp: math.exp,
    sp.log: math.log,
    sp.tanh: math.tanh,
    sp.Abs: abs,
    sp.sinh: math.sinh,
    sp.cosh: math.cosh,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.atan: math.atan,
    sp.erf: math.erf,
    sp.sign: lambda x: float(np.sign(x)),
}


@lru_cache(maxsize=8192)
def _compile(expr):
    """A function evaluator -> value of ``expr``, chosen by the most specific node type."""
    kind = type(expr)
    for ancestor in kind.__mro__:
        compiler = _COMPILERS.get(ancestor)
        if compiler is not None:
            return compiler(expr)
    if isinstance(expr, sp.Function) and kind in _FUNCTIONS:
        return _compile_function(_FUNCTIONS[kind], [_compile(arg) for arg in expr.args])
    raise TypeError(f"cannot evaluate {kind.__name__}: {expr}")


def _constant(value):
    return lambda evaluator: value


def _compile_symbol(expr):
    return lambda evaluator: evaluator.env[expr]


def _compile_function(function, arguments):
    return lambda evaluator: function(*[argument(evaluator) for argument in arguments])


def _compile_add(expr):
    terms = [_compile(arg) for arg in expr.args]
    return lambda evaluator: sum(term(evaluator) for term in terms)


def _compile_mul(expr):
    factors = [_compile(arg) for arg in expr.args]
    return lambda evaluator: math.prod(factor(evaluator) for factor in factors)


def _compile_pow(expr):
    base, exponent = _compile(expr.base), _compile(expr.exp)
    return lambda evaluator: base(evaluator) ** exponent(evaluator)


def _compile_sum(expr):
    """Nested loops, the innermost limit (listed first by SymPy) wrapped first."""
    body = _compile(expr.function)
    for var, low, high in expr.limits:
        body = _loop(var, _compile(low), _compile(high), body)
    return body


def _loop(var, low, high, body):
    """Sum of ``body`` over var = low..high, restoring any outer binding of var."""

    def total(evaluator) -> float:
        env = evaluator.env
        saved = env.get(var)
        result = 0.0
        for value in range(int(low(evaluator)), int(high(evaluator)) + 1):
            env[var] = value
            result += body(evaluator)
        if saved is None:
            env.pop(var, None)
        else:
            env[var] = saved
        return result

    return total


def _compile_kronecker(expr):
    left, right = (_compile(arg) for arg in expr.args)
    return lambda evaluator: 1.0 if left(evaluator) == right(evaluator) else 0.0


def _compile_heaviside(expr):
    argument = _compile(expr.args[0])
    return lambda evaluator: 1.0 if argument(evaluator) > 0 else 0.0


def _compile_piecewise(expr):
    branches = [(_compile(value), _compile_condition(condition)) for value, condition in expr.args]

    def value(evaluator) -> float:
        for branch, condition in branches:
            if condition(evaluator):
                return branch(evaluator)
        raise ValueError(f"no branch of {expr} applies")

    return value


_RELATIONS = {
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    "!=": lambda x, y: x != y,
}


def _compile_condition(condition):
    """A function evaluator -> bool for a Piecewise condition."""
    if condition in (sp.true, True):
        return _constant(True)
    if condition in (sp.false, False):
        return _constant(False)
    if isinstance(condition, (sp.And, sp.Or)):
        parts = [_compile_condition(arg) for arg in condition.args]
        combine = all if isinstance(condition, sp.And) else any
        return lambda evaluator: combine(part(evaluator) for part in parts)
    left, right = _compile(condition.lhs), _compile(condition.rhs)
    relation = _RELATIONS.get(condition.rel_op, lambda x, y: x == y)
    return lambda evaluator: relation(left(evaluator), right(evaluator))


@lru_cache(maxsize=4096)
def _compile_node(indexed):
    """A function evaluator -> (name, layer, 0-based index) for an Indexed."""
    name = indexed.base.label.name
    indices = [_compile(index) for index in indexed.indices]
    if name in ("w", "b", "z", "a", "delta"):
        return lambda evaluator: (
            name,
            int(indices[0](evaluator)),
            tuple(int(index(evaluator)) - 1 for index in indices[1:]),
        )
    if name == "t":
        return lambda evaluator: (name, None, tuple(int(index(evaluator)) - 1 for index in indices))
    return lambda evaluator: (name, int(indices[0](evaluator)), ())


def _read_node(instance: Instance, name: str, layer, index) -> float:
    """The instance's value of one node."""
    if name == "width":
        return instance.sizes[layer]
    if name == "t":
        return float(instance.T[index])
    if name == "delta":
        return instance.partial(("C",), ("z", layer, index))
    arrays = {"w": instance.W, "b": instance.b, "z": instance.Z, "a": instance.A}
    if name not in arrays:
        raise TypeError(f"unknown quantity {name}")
    return float(arrays[name][layer][index])


def _compile_indexed(expr):
    node = _compile_node(expr)
    return lambda evaluator: _read_node(evaluator.instance, *node(evaluator))


def _compile_derivative(expr):
    """A first partial derivative by finite differences on the instance."""
    (variable, count), *rest = expr.variable_count
    if rest or count != 1:
        raise TypeError(f"only first partial derivatives are evaluated: {expr}")
    quantity = _constant(("C",)) if expr.expr == C else _compile_node(expr.expr)
    quantity_name = "C" if expr.expr == C else expr.expr.base.label.name
    if quantity_name not in ("C", "z", "a") or variable.base.label.name not in ("w", "b", "z", "a"):
        raise TypeError(f"cannot evaluate {expr}")
    node = _compile_node(variable)
    return lambda evaluator: evaluator.instance.partial(quantity(evaluator), node(evaluator))


_COMPILERS = {
    sp.Integer: lambda expr: _constant(int(expr)),
    sp.Number: lambda expr: _constant(float(expr)),
    sp.NumberSymbol: lambda expr: _constant(float(expr)),
    sp.Symbol: _compile_symbol,
    sp.Add: _compile_add,
    sp.Mul: _compile_mul,
    sp.Pow: _compile_pow,
    sp.Sum: _compile_sum,
    sp.KroneckerDelta: _compile_kronecker,
    sp.Piecewise: _compile_piecewise,
    sp.Heaviside: _compile_heaviside,
    sp.Indexed: _compile_indexed,
    sp.Derivative: _compile_derivative,
}


def reference_value(instance: Instance, lhs, evaluator: IndexEvaluator, exact: ExactGradient | None):
    """The independent value of a step's left side and how it was obtained."""
    if isinstance(lhs, sp.Derivative) and lhs.expr == C and exact is not None and exact.small:
        kind, layer, index = evaluator.node(lhs.variables[0])
        return exact.values[(kind, layer, index)], "exact"
    return evaluator(lhs), "numeric"


def index_combinations(free: list[sp.Symbol], ranges: dict, limit: int = 6):
    """Up to ``limit`` assignments of the free indices, spread over their ranges."""
    combos = list(itertools.product(*[range(1, ranges[var] + 1) for var in free]))
    if len(combos) <= limit:
        return combos
    stride = len(combos) / limit
    return [combos[int(k * stride)] for k in range(limit)]


def compare(rhs_value: float, reference: float) -> float:
    """Relative error, measured against max(|reference|, tolerance floor)."""
    scale = max(abs(reference), ABSOLUTE_TOLERANCE / RELATIVE_TOLERANCE)
    return abs(rhs_value - reference) / scale


def raise_failure(eq, where: str, rhs_value: float, reference: float, instance: Instance | None = None):
    """A failed check: the spec field whose numbers overflow there when there is one, else the step."""
    from symbp.derivation.conditioning import culprit

    field_error = culprit(instance) if instance is not None else None
    if field_error is not None:
        raise field_error
    raise CheckFailed(
        f"derivation step does not check at {where}: right side {rhs_value!r}, "
        f"reference {reference!r}; step: {eq}"
    )
