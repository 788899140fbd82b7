"""Check a hand-derived formula against the Derivation and central differences.

``verify(network, formula)`` reads the formula (``symbp.formula``), evaluates
its right side (``symbp.formula_eval``) at K check points of random parameters
and data, and compares it with the derived value of the quantity on its left
(``Derivation.evaluate``); central differences of the cost are computed at the
same points as independent ground truth for the derivation itself. The verdict
either holds (with K and the largest difference) or fails with a
counterexample and, where one of the usual slips explains it, a diagnosis
(``symbp.diagnosis``).

Conventions: delta^{(l)} = dC/dz^{(l)} of the whole cost. Matrix formulas are
over the batch (rows are samples), so for a mean cost they carry the 1/N.
Index formulas with no sample index n and no N describe one sample's term of
the cost (the first seed text's form, (a - t) f'(z) for half_mse); they are
checked on one-sample batches.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from symbp.errors import CheckFailed
from symbp.naming import matrix_name, parse_matrix_name
from symbp.spec.network import Network, load, require_checkable
from symbp.verification.diagnosis import Candidate, candidates, pair_limit, show, two_slips
from symbp.verification.evaluate import EvalError, Evaluator, Reading
from symbp.verification.formula import Formula, Layer, Sym, parse_formula, walk
from symbp.verification.groundtruth import (
    batch_sizes,
    central_deltas,
    central_gradients,
    make_point,
    random_data,
    random_params,
)
from symbp.verification.proof import instance, is_zero, small_enough

POINTS = 5
RTOL = 1e-7
ATOL = 1e-9
MAX_ENTRIES = 24
CROSS_CHECK = 1e-5


@dataclass
class Counterexample:
    """Where the claim and the derivation disagree, with every value involved."""

    where: str
    derived: float
    claimed: float | None
    central: float
    values: dict
    problem: str | None = None

    def lines(self) -> list[str]:
        claimed = "undefined" if self.claimed is None else f"{self.claimed:.10g}"
        out = [
            f"counterexample at {self.where}:",
            f"  derived {self.derived:.10g} (central differences {self.central:.10g}), claimed {claimed}",
        ]
        if self.problem:
            out.append(f"  the right side cannot be evaluated: {self.problem}")
        for name, value in self.values.items():
            shown = np.array2string(np.asarray(value), precision=4, separator=", ", max_line_width=100)
            out.append(f"  {name} = {' '.join(shown.split())}")
        return out


@dataclass
class Verdict:
    """The outcome of one formula; ``holds`` is True or False."""

    formula: str
    holds: bool
    method: str
    points: int
    max_difference: float
    notes: list = field(default_factory=list)
    diagnosis: str | None = None
    counterexample: Counterexample | None = None
    layers: list = field(default_factory=list)
    proof: str | None = None

    def summary(self) -> str:
        if self.holds:
            where = f" for l = {', '.join(map(str, self.layers))}" if self.layers else ""
            proved = f"{self.proof}, and " if self.proof else ""
            return (
                f"holds{where}: {proved}agrees {self.method} at {self.points} random points "
                f"(largest difference {self.max_difference:.2g})"
            )
        why = f": {self.diagnosis}" if self.diagnosis else ""
        return f"fails{why}"

    def __str__(self) -> str:
        return self.report()

    def report(self) -> str:
        """The verdict as ``symbp verify`` prints it."""
        lines = [self.formula, f"  {self.summary()}"]
        lines += [f"  note: {note}" for note in self.notes]
        if self.counterexample is not None:
            lines += ["  " + line for line in self.counterexample.lines()]
        return "\n".join(lines)


class _Central(dict):
    """Central differences at one point, computed on first use, one quantity at a time."""

    def __init__(self, network: Network, params: dict, X, T):
        super().__init__()
        self.arguments = (network, params, X, T)

    def __missing__(self, key: str):
        kind, layer = parse_matrix_name(key)
        if kind == "delta":
            value = central_deltas(*self.arguments, layers=[layer])[layer]
        else:
            name = matrix_name(kind[1:], layer)
            value = central_gradients(*self.arguments, names=[name])[name]
        self[key] = value
        return value


@lru_cache(maxsize=8)
def derivation_of(network: Network):
    """The Derivation of a network, once per process (deriving checks every step: seconds)."""
    from symbp.derivation.engine import derive

    return derive(network)


class _Check:
    """One formula against one network: the points, and the claim (or a repair of it) evaluated on them."""

    def __init__(self, network: Network, formula: Formula, numbering: int, points: int, seed: int):
        self.network = network
        self.formula = formula
        self.numbering = numbering
        self.derivation = derivation_of(network)
        self.y_is_target = "yhat" in formula.symbols() or "t" not in formula.symbols()
        rng = np.random.default_rng(seed)
        sizes = [1] * points if formula.per_sample else batch_sizes(network, points)
        self.points = []
        self.cross_check = 0.0
        for samples in sizes:
            params = random_params(network, rng)
            X, T = random_data(network, samples, rng)
            derived = self.derivation.evaluate(params, X, T)
            point = make_point(network, params, X, T, derived)
            self.points.append((params, point, derived, _Central(network, params, X, T)))
        self.generic = self._generic_layers()
        self.notes = []

    def reading(self, generic: int | None) -> Reading:
        return Reading(self.numbering, generic, self.y_is_target)

    def _generic_layers(self) -> list:
        """Display values of l for which every layer in the formula exists (None: no generic l)."""
        if not self.formula.generic():
            return [None]
        syms = [node for node in walk(self.formula.rhs) if isinstance(node, Sym) and node.layer is not None]
        syms.append(Sym(self.formula.quantity.kind, self.formula.quantity.layer))
        fitting = []
        for value in range(-2, self.network.depth + self.numbering + 3):
            evaluator = Evaluator(self.points[0][1], self.reading(value))
            try:
                for sym in syms:
                    evaluator.layer_of(sym)
            except EvalError:
                continue
            fitting.append(value)
        return fitting

    def prove(self) -> str | None:
        """How the formula was proved exactly on a symbolic instance, or None (too big, or not proved)."""
        if not small_enough(self.network):
            return None
        samples = 1 if self.formula.per_sample else batch_sizes(self.network, 1)[0]
        point, exact = instance(self.network, samples)
        for generic in self.generic:
            evaluator = Evaluator(point, self.reading(generic))
            try:
                truth, _ = self.truth(evaluator, exact, exact, 0)
                entries, problem = self._entries(evaluator, self.formula.rhs, truth)
                entries = list(entries)
            except EvalError:
                return None
            if problem or not all(is_zero(claimed - truth[position]) for position, claimed in entries):
                return None
        return f"proved symbolically (exact SymPy algebra on this network, {samples} symbolic sample(s))"

    def missing_quantity(self) -> str | None:
        """Why the left side names nothing in this network (None when it names something)."""
        quantity = self.formula.quantity
        evaluator = Evaluator(self.points[0][1], self.reading(self.generic[0]))
        try:
            evaluator.layer_of(Sym(quantity.kind, quantity.layer))
        except EvalError as error:
            return f"the left side names nothing in this network: {error}"
        return None

    def truth(self, evaluator: Evaluator, derived: dict, central: dict, shift: int) -> tuple:
        """(derived, central) arrays of the left side's quantity, its layer moved by ``shift``."""
        quantity = self.formula.quantity
        layer = quantity.layer or Layer("L", 0)
        sym = Sym(quantity.kind, Layer(layer.base, layer.offset + shift))
        internal = evaluator.layer_of(sym)
        key = matrix_name({"w": "dW", "b": "db", "delta": "delta"}[quantity.kind], internal)
        derived_value, central_value = derived[key], central[key]
        if quantity.kind == "b":
            derived_value, central_value = derived_value.reshape(1, -1), central_value.reshape(1, -1)
        return derived_value, central_value

    def compare(self, candidate: Candidate | None, keep: bool = False):
        """Largest difference over all points and layers, or None on the first disagreement.

        With ``keep`` the first failing point is returned as a Counterexample instead.
        """
        rhs = self.formula.rhs if candidate is None else candidate.rhs
        shift = 0 if candidate is None else candidate.shift
        largest = 0.0
        for generic in self.generic:
            for _params, point, derived, central in self.points:
                reading = self.reading(generic)
                evaluator = Evaluator(point, reading)
                try:
                    truth, checked = self.truth(evaluator, derived, central, shift)
                except EvalError:
                    return None
                entries, problem = self._entries(evaluator, rhs, truth)
                if candidate is None:
                    self.notes += [note for note in reading.notes if note not in self.notes]
                worst = None
                try:
                    for position, claimed in entries:
                        expected = truth[position]
                        difference = abs(claimed - expected) if claimed is not None else np.inf
                        if difference <= ATOL + RTOL * abs(expected):
                            largest = max(largest, difference)
                        elif not keep:
                            return None  # a repair that fails: no need to evaluate the other entries
                        elif worst is None or difference > worst[2]:
                            worst = (position, claimed, difference)
                except EvalError as error:
                    problem = _problem(error)
                if worst is not None or problem is not None:
                    if not keep:
                        return None
                    position = worst[0] if worst else next(np.ndindex(truth.shape))
                    claimed = worst[1] if worst else None
                    return self._counterexample(generic, point, truth, checked, position, claimed, problem)
                self.cross_check = max(self.cross_check, float(np.max(np.abs(truth - checked))))
        return largest

    def _entries(self, evaluator: Evaluator, rhs, truth: np.ndarray):
        """(position in truth, claimed value) pairs, and a problem text when the claim cannot be evaluated.

        Index formulas are evaluated entry by entry as the pairs are read (an EvalError can come then).
        """
        try:
            if self.formula.matrix:
                claim = evaluator.matrix(rhs)
                claim = np.broadcast_to(claim, truth.shape) if np.ndim(claim) == 0 else claim
                if claim.shape != truth.shape:
                    shape = "x".join(map(str, claim.shape))
                    wanted = "x".join(map(str, truth.shape))
                    return [], f"the right side is {shape}, the left side {wanted}"
                positions = np.ndindex(truth.shape)
                return [(position, evaluator.scalar_of(claim[position])) for position in positions], None
            return self._index_entries(evaluator, rhs, truth), None
        except EvalError as error:
            return [], _problem(error)

    def _index_entries(self, evaluator: Evaluator, rhs, truth: np.ndarray):
        quantity = self.formula.quantity
        indices = quantity.indices
        if quantity.kind == "b" or (quantity.kind == "delta" and len(indices) == 1):
            axes = [(0, truth.shape[0] if quantity.kind == "delta" else 1), (1, truth.shape[1])]
            indices = ("#row", indices[0])
        else:
            axes = [(0, truth.shape[0]), (1, truth.shape[1])]
        ranges = [
            [index] if isinstance(index, int) else range(1, size + 1)
            for index, (_, size) in zip(indices, axes, strict=True)
        ]
        for values in itertools.islice(itertools.product(*ranges), MAX_ENTRIES):
            bindings = {
                name: value for name, value in zip(indices, values, strict=True) if isinstance(name, str)
            }
            if quantity.kind == "delta":
                bindings["#sample"] = values[0]
            position = tuple(value - 1 for value in values)
            if not all(0 <= p < size for p, (_, size) in zip(position, axes, strict=True)):
                raise EvalError(f"index {values} is outside the quantity")
            yield position, evaluator.scalar(rhs, bindings)

    def _counterexample(self, generic, point, truth, checked, position, claimed, problem) -> Counterexample:
        quantity = self.formula.quantity
        entry = ", ".join(str(index + 1) for index in position)
        name = show(Sym(quantity.kind, quantity.layer))
        if quantity.kind != "delta":
            name = f"\\partial C/\\partial {name}"
        where = f"entry ({entry}) of {name}"
        if generic is not None:
            where += f" with l = {generic}"
        values = {}
        for layer in range(1, self.network.depth + 1):
            values[matrix_name("W", layer)] = point.W[layer]
            if self.network.bias:
                values[matrix_name("b", layer)] = point.b[layer].reshape(-1)
        values["X"], values["T"] = point.X, point.T
        return Counterexample(
            where, float(truth[position]), claimed, float(checked[position]), values, problem
        )


def _problem(error: EvalError) -> str:
    column = f" (column {error.column})" if error.column else ""
    return f"{error}{column}"


def verify(
    network, formula: str, *, numbering: int | None = None, points: int = POINTS, seed: int = 0
) -> Verdict:
    r"""Does ``formula`` hold for ``network`` (a Network, spec dict, path or built-in name)?

    ``numbering`` is the input layer's number in the formula (default: the
    spec's), ``points`` the number of random check points, ``seed`` their seed.

    >>> import symbp
    >>> verdict = symbp.verify("demystified", r"\frac{\partial J}{\partial W^{(1)}} = X \delta^{(2)}")
    >>> verdict.holds, verdict.diagnosis
    (False, 'X where X^T is needed (transposed)')
    >>> verdict.counterexample.where
    'entry (1, 1) of \\partial C/\\partial W^{(1)}'
    >>> symbp.verify("half_adder", "delta(L)_j = (a(L)_j - t_j) * sigma'(z(L)_j)").holds
    True
    """
    network = load(network)
    require_checkable(network, "verify")
    parsed = parse_formula(formula)
    check = _Check(network, parsed, network.numbering if numbering is None else numbering, points, seed)
    missing = "no layer l fits every layer in the formula" if not check.generic else check.missing_quantity()
    if missing:
        return Verdict(formula, False, "numerically", 0, np.inf, diagnosis=missing)
    largest = check.compare(None)
    if check.cross_check > CROSS_CHECK:
        raise CheckFailed(f"the derivation and central differences disagree by {check.cross_check:.2g}")
    layers = [value for value in check.generic if value is not None]
    if largest is not None:
        proof = check.prove()
        return Verdict(
            formula, True, "numerically", len(check.points), largest, check.notes, layers=layers, proof=proof
        )
    counterexample = check.compare(None, keep=True)
    diagnosis = None
    pairs = two_slips(parsed, pair_limit(network.parameter_count))
    for candidate in itertools.chain(candidates(parsed), pairs):
        if check.compare(candidate) is not None:
            diagnosis = candidate.description
            break
    return Verdict(
        formula,
        False,
        "numerically",
        len(check.points),
        np.inf,
        check.notes,
        diagnosis,
        counterexample,
        layers,
    )
