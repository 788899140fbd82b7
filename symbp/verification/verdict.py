"""Check a hand-derived formula against the Derivation and central differences.

``verify(network, formula)`` reads the formula (``symbp.formula``), evaluates
its right side (``symbp.formula_eval``) at K check points of random parameters
and data, and compares it with the derived value of the quantity on its left
(``Derivation.evaluate``); central differences of the cost are computed at the
same points as independent ground truth for the derivation itself. The verdict
either holds (with K and the largest difference) or fails with a
counterexample and, where one of the usual slips explains it, a diagnosis
(``symbp.diagnosis``).

Formulas are read through a Notation (the network's, or one passed to verify);
see ``symbp.verification.evaluate`` for how its symbols resolve.

Conventions (seed notation): delta^{(l)} = dC/dz^{(l)} of the whole cost. Matrix formulas are
over the batch (rows are samples), so for a mean cost they carry the 1/N.
Index formulas with no sample index n and no N describe one sample's term of
the cost (the first seed text's form, (a - t) f'(z) for half_mse); they are
checked on one-sample batches.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from symbp.computed import ComputedOnRead
from symbp.errors import CheckFailed
from symbp.naming import matrix_name, parse_matrix_name
from symbp.spec.network import Network, load, require_checkable
from symbp.spec.notation import PROFILES, SEED, Notation, notation_from
from symbp.verification.diagnosis import Candidate, candidates, pair_limit, show, two_slips
from symbp.verification.evaluate import EvalError, Evaluator, Reading
from symbp.verification.formula import Formula, FormulaError, Layer, Sym, parse_formula, walk
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
    notation: str | None = None  # the profile it was read in, when not the one asked for

    def summary(self) -> str:
        if self.holds:
            where = f" for l = {', '.join(map(str, self.layers))}" if self.layers else ""
            proved = f"{self.proof}, and " if self.proof else ""
            read = f" in the {self.notation} notation" if self.notation else ""
            return (
                f"holds{read}{where}: {proved}agrees {self.method} at {self.points} random points "
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


class _Central(ComputedOnRead):
    """Central differences at one point, computed on first use, one quantity at a time."""

    def __init__(self, network: Network, params: dict, X, T):
        super().__init__()
        self.arguments = (network, params, X, T)

    def compute(self, key: str):
        kind, layer = parse_matrix_name(key)
        if kind == "delta":
            return central_deltas(*self.arguments, layers=[layer])[layer]
        name = matrix_name(kind[1:], layer)
        return central_gradients(*self.arguments, names=[name])[name]


def derivation_of(network: Network):
    """The Derivation of a network, once per process (deriving checks every step: seconds).

    The Derivation is notation-free: one derivation serves every notation a formula is read in.
    """
    return _derivation(dataclasses.replace(network, notation=SEED))


@lru_cache(maxsize=8)
def _derivation(network: Network):
    from symbp.derivation.engine import derive

    return derive(network)


class _Check:
    """One formula against one network: the points, and the claim (or a repair of it) evaluated on them."""

    def __init__(self, network: Network, formula: Formula, points: int, seed: int):
        self.network = network
        self.formula = formula
        self.numbering = formula.notation.input_layer
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
        return Reading(self.formula.notation, generic, self.y_is_target, sample=self.formula.sample)

    def _generic_layers(self) -> list:
        """Display values of l for which every layer in the formula exists (None: no generic l)."""
        if not self.formula.generic():
            return [None]
        syms = [node for node in walk(self.formula.rhs) if isinstance(node, Sym) and node.layer is not None]
        syms.append(Sym(_SYMBOL_OF[self.formula.quantity.kind], self.formula.quantity.layer))
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
        """How the formula was proved exactly on a symbolic instance, or None (too big, or not proved).

        A network this small is proved when the formula is right and SymPy can show it, so a formula
        that agrees at the random points but is not proved gets a note saying so: the points cannot tell
        a term of 1e-30 (or a factor 1 + 1e-13) from none.
        """
        if not small_enough(self.network):
            return None
        samples = 1 if self.formula.per_sample else batch_sizes(self.network, 1)[0]
        point, exact = instance(self.network, samples)
        if all(self._proved(generic, point, exact) for generic in self.generic):
            return f"proved symbolically (exact SymPy algebra on this network, {samples} symbolic sample(s))"
        self.notes.append(
            "not proved symbolically: SymPy's exact algebra on this network did not show the two sides "
            "equal, so the agreement is numerical only"
        )
        return None

    def _proved(self, generic, point, exact) -> bool:
        """Whether the formula, read for one layer value, equals the derivation exactly on the instance."""
        evaluator = Evaluator(point, self.reading(generic))
        try:
            truth, _ = self.truth(evaluator, exact, exact, 0)
            entries, problem = self._entries(evaluator, self.formula.rhs, truth)
            entries = list(entries)
        except EvalError:
            return False
        return not problem and all(is_zero(claimed - truth[position]) for position, claimed in entries)

    def missing_quantity(self) -> str | None:
        """Why the left side names nothing in this network (None when it names something)."""
        quantity = self.formula.quantity
        evaluator = Evaluator(self.points[0][1], self.reading(self.generic[0]))
        try:
            evaluator.layer_of(Sym(_SYMBOL_OF[quantity.kind], quantity.layer))
        except EvalError as error:
            return f"the left side names nothing in this network: {error}"
        return None

    def truth(self, evaluator: Evaluator, derived: dict, central: dict, shift: int) -> tuple:
        """(derived, central) arrays of the left side's quantity, its layer moved by ``shift``.

        In the notation's own numbers: delta with its sign and scale, matrices transposed in a column layout.
        """
        quantity = self.formula.quantity
        layer = quantity.layer or Layer("L", 0)
        moved = layer if shift == 0 else Layer(layer.base, layer.offset + shift)
        sym = Sym(_SYMBOL_OF[quantity.kind], moved)
        internal = evaluator.layer_of(sym)
        if quantity.kind == "act":
            derived_value, central_value = (
                evaluator.activation_gradient(
                    internal, lambda at, values=values: values[matrix_name("delta", at)]
                )
                * evaluator.example_scale()
                for values in (derived, central)
            )
        else:
            key = matrix_name(
                {"w": "dW", "b": "db", "delta": "delta", "dz": "delta"}[quantity.kind], internal
            )
            scale = {"delta": evaluator.delta_scale(), "dz": evaluator.example_scale()}.get(quantity.kind, 1)
            derived_value, central_value = derived[key] * scale, central[key] * scale
        if quantity.kind == "b":
            derived_value, central_value = derived_value.reshape(1, -1), central_value.reshape(1, -1)
        if self.formula.matrix and evaluator.reading.columns:
            derived_value, central_value = derived_value.T, central_value.T
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
        per_unit = quantity.kind in ("delta", "dz", "act")
        if quantity.kind == "b" or (per_unit and len(indices) == 1):
            axes = [(0, truth.shape[0] if per_unit else 1), (1, truth.shape[1])]
            indices = ("#row", indices[0])
        else:
            axes = [(0, truth.shape[0]), (1, truth.shape[1])]
            if quantity.kind == "w" and self.formula.notation.weight_indices == "to_from":
                indices = indices[::-1]  # w_jk: the unit below (k) is the internal row
        ranges = [
            [index] if isinstance(index, int) else range(1, size + 1)
            for index, (_, size) in zip(indices, axes, strict=True)
        ]
        for values in itertools.islice(itertools.product(*ranges), MAX_ENTRIES):
            bindings = {
                name: value for name, value in zip(indices, values, strict=True) if isinstance(name, str)
            }
            if per_unit:
                bindings["#sample"] = values[0]
            if self.formula.per_sample and self.formula.sample:
                bindings.setdefault(self.formula.sample, 1)
            position = tuple(value - 1 for value in values)
            if not all(0 <= p < size for p, (_, size) in zip(position, axes, strict=True)):
                raise EvalError(f"index {values} is outside the quantity")
            yield position, evaluator.scalar(rhs, bindings)

    def _counterexample(self, generic, point, truth, checked, position, claimed, problem) -> Counterexample:
        quantity = self.formula.quantity
        entry = ", ".join(str(index + 1) for index in position)
        words = self.formula.notation
        name = show(Sym(_SYMBOL_OF[quantity.kind], quantity.layer), words)
        if quantity.kind not in ("delta", "dz", "act"):
            name = f"\\partial {words.cost}/\\partial {name}"
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


# the symbol a quantity kind names on the left side (dC/da: the activation's gradient)
_SYMBOL_OF = {"w": "w", "b": "b", "delta": "delta", "dz": "dz", "act": "dact"}


def _problem(error: EvalError) -> str:
    column = f" (column {error.column})" if error.column else ""
    return f"{error}{column}"


def verify(
    network,
    formula: str,
    *,
    numbering: int | None = None,
    notation: str | Notation | None = None,
    points: int = POINTS,
    seed: int = 0,
) -> Verdict:
    r"""Does ``formula`` hold for ``network`` (a Network, spec dict, path or built-in name)?

    ``notation`` is the profile (name, table or Notation) the formula is written
    in (default: the spec's), ``numbering`` the input layer's number in the
    formula (default: the notation's), ``points`` the number of random check
    points, ``seed`` their seed. Without a notation (the spec's is the default
    seed), a formula that fails, or cannot be read, but holds in other built-in
    profiles says so.

    >>> import symbp
    >>> verdict = symbp.verify("demystified", r"\frac{\partial J}{\partial W^{(1)}} = X \delta^{(2)}")
    >>> verdict.holds, verdict.diagnosis
    (False, 'X where X^T is needed (transposed)')
    >>> verdict.counterexample.where
    'entry (1, 1) of \\partial C/\\partial W^{(1)}'
    >>> symbp.verify("half_adder", "delta(L)_j = (a(L)_j - t_j) * sigma'(z(L)_j)").holds
    True
    >>> symbp.verify("half_adder", r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",
    ...              notation="nielsen").holds
    True
    """
    network = load(network)
    require_checkable(network, "verify")
    chosen = _chosen_notation(network, notation, numbering)
    searching = notation is None and numbering is None and network.notation == SEED
    try:
        parsed = parse_formula(formula, chosen)
    except FormulaError as error:
        readers = _readers(formula, chosen)
        if searching and len(readers) == 1:
            verdict = _verdict(network, readers[0], points, seed)
            verdict.notation = readers[0].notation.name
            verdict.notes.insert(
                0, f"read in the {verdict.notation} notation (in {chosen.name}: {error.reason})"
            )
            return verdict
        raise _suggesting(error, chosen, readers) from None
    verdict = _verdict(network, parsed, points, seed)
    if searching and not verdict.holds:
        holding = [
            reader.notation.name for reader in _readers(formula, chosen) if _holds(network, reader, seed)
        ]
        if holding:
            also = f"it holds in {_profile_words(holding)} (--notation {holding[0]})"
            verdict.diagnosis = f"{verdict.diagnosis}; {also}" if verdict.diagnosis else also
    return verdict


def _chosen_notation(network: Network, notation, numbering: int | None) -> Notation:
    chosen = network.notation if notation is None else notation_from(notation, "notation")
    if numbering is None:
        return chosen
    named_by = "leaving" if numbering else "entering"
    return dataclasses.replace(chosen, input_layer=numbering, weights_named_by=named_by)


def _readers(formula: str, chosen: Notation) -> list[Formula]:
    """The formula read in each other built-in profile that can read it."""
    readers = []
    for profile in PROFILES.values():
        if profile == chosen:
            continue
        try:
            readers.append(parse_formula(formula, profile))
        except FormulaError:
            continue
    return readers


def _holds(network: Network, formula: Formula, seed: int) -> bool:
    """Does a read formula hold (numerically, at a few points; no diagnosis, no proof)?"""
    check = _Check(network, formula, 3, seed)
    if not check.generic or check.missing_quantity():
        return False
    return check.compare(None) is not None


_LAYER_MARK = re.compile(r"\^\s*(\{[^{}]*\}|\(\s*[^()]*\)|\[[^\[\]]*\]|[A-Za-z0-9])")
# what comes before a sum's upper limit (\sum_k^m: the ^m is a limit, not a layer)
_SUM_LIMITS = re.compile(r"\\sum\s*(\\limits)?\s*(_\s*(\{[^{}]*\}|[A-Za-z0-9]))?\s*$")
_STYLE = {"paren": "^{{({})}}", "bare": "^{}", "bracket": "^{{[{}]}}"}


def _profile_words(names: list[str]) -> str:
    """'the nielsen notation', 'the nielsen and wikipedia notations', 'the a, b, c notations and 4 more'."""
    if len(names) == 1:
        return f"the {names[0]} notation"
    if len(names) <= 3:
        return f"the {', '.join(names[:-1])} and {names[-1]} notations"
    return f"the {', '.join(names[:3])} notations and {len(names) - 3} more"


def _suggesting(error: FormulaError, chosen: Notation, readers: list[Formula]) -> FormulaError:
    """The reading error, with the profiles that read the formula and how to write it in this one."""
    if not readers:
        return error
    names = [reader.notation.name for reader in readers]
    where = _profile_words(names)
    mark = next(
        (
            found
            for found in _LAYER_MARK.finditer(error.text)
            if found.start() < error.column <= found.end()
            and not _SUM_LIMITS.search(error.text[: found.start()])
        ),
        None,
    )
    if mark:
        inner = re.sub(r"[{}()\[\]\s]", "", mark.group(1))
        if chosen.layer_style == "named":
            rewrite = "^{(" + ")}, ^{(".join(chosen.layer_names) + ")}"
        else:
            rewrite = _STYLE[chosen.layer_style].format(inner)
        message = (
            f"`{mark.group(0)}` is a layer in {where}; this spec uses {chosen.name}: "
            f"pass --notation {names[0]} or write {rewrite}"
        )
    else:
        message = f"{error.reason}; the formula reads in {where}: pass --notation {names[0]}"
    return FormulaError(error.text, error.column, message)


def _verdict(network: Network, parsed: Formula, points: int, seed: int) -> Verdict:
    formula = parsed.text
    check = _Check(network, parsed, points, seed)
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
