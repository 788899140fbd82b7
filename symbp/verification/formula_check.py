"""One read formula against one network: check points, the claim evaluated on them, compared, proved.

The claim is evaluated at random parameters and data and compared entry by
entry with the derived value of the quantity on its left; central differences
at the same points check the derivation itself. A diagnosis's candidate
repairs are compared the same way.
"""

from __future__ import annotations

import itertools

import numpy as np

from symbp.naming import matrix_name
from symbp.spec.network import Network
from symbp.verification.check_points import check_points, sample_counts
from symbp.verification.evaluate import MAX_ENTRIES, Evaluator
from symbp.verification.formula import PER_UNIT, Formula
from symbp.verification.layer_sets import bound_letters, outside_sets, unpack, with_sources
from symbp.verification.point import EvalError, Reading, y_is_target
from symbp.verification.proof import instance, is_zero, small_enough
from symbp.verification.tree import Jacobian, Sum, Sym, walk
from symbp.verification.verdict import counterexample

# the quantity a gradient on the left side is taken by, by its kind
_SHARE_BY = {"w": "w", "b": "b", "dz": "z", "delta": "z", "act": "a"}
RTOL = 1e-7
ATOL = 1e-9
CROSS_CHECK = 1e-5


class FormulaCheck:
    """One formula against one network: the points, and the claim (or a repair of it) evaluated on them."""

    def __init__(
        self, network: Network, formula: Formula, points: int, seed: int, other_gradients: bool = False
    ):
        self.network = network
        self.other_gradients = other_gradients
        self.formula = formula
        self.numbering = formula.notation.input_layer
        self.y_is_target = y_is_target(formula.symbols())
        self.points = check_points(network, formula.per_sample, points, seed)
        self.cross_check = 0.0
        self.backwards = None
        self.generic = self._generic_layers()
        self.notes = []
        self.shares = {}  # the truth of a share of the cost (Loss_k), by point, layer l and shift

    def reading(self, generic) -> Reading:
        """How symbols resolve for one generic value: l, or l with a free source s (WithSource)."""
        layer, letters = unpack(generic)
        return Reading(
            self.formula.notation,
            layer,
            self.y_is_target,
            sample=self.formula.sample,
            other_gradients=self.other_gradients,
            layers=letters,
        )

    def _generic_layers(self) -> list:
        """Display values of l for which every layer in the formula exists and each derivative between two
        quantities goes up the network (None: no generic l). ``backwards`` keeps one that goes down."""
        generic = self.formula.generic()
        # a symbol of a set's letter (c in out(l)) is read at each member as the sum is evaluated
        free = bound_letters(self.formula.quantity.layer)  # the source s of dC/dW^{(l,s)}, read at each
        syms = [sym for sym in self.formula.layered_symbols() if bound_letters(sym.layer) <= free]
        syms = syms if generic else []
        jacobians = self.formula.jacobians()
        values = range(-2, self.network.depth + self.numbering + 3) if generic else [None]
        fitting = []
        for value in with_sources(self.formula, values, self.network, self.numbering):
            evaluator = Evaluator(self.points[0][1], self.reading(value))
            try:
                for sym in syms:
                    evaluator.layer_of(sym)
                backwards = [node for node in jacobians if evaluator.runs_backwards(node)]
            except EvalError:
                continue
            if outside_sets(self.formula.rhs, evaluator):
                continue
            if backwards:
                self.backwards = self.backwards or backwards[0]
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
        (samples,) = sample_counts(self.network, self.formula.per_sample, 1)
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
            evaluator.layer_of(quantity.symbol())
        except EvalError as error:
            return f"the left side names nothing in this network: {error}"
        return None

    def truth(self, evaluator: Evaluator, derived: dict, central: dict, shift: int) -> tuple:
        """(derived, central) arrays of the left side's quantity, its layer moved by ``shift``.

        In the notation's own numbers: delta with its sign and scale, matrices transposed in a column layout.
        """
        quantity = self.formula.quantity
        sym = quantity.moved_symbol(shift)
        internal = evaluator.layer_of(sym)
        if quantity.kind in ("z", "a"):
            # a forward definition: the reference forward pass's values (the point's), and the derivation's
            forward = {"z": evaluator.point.Z, "a": evaluator.point.A}[quantity.kind][internal]
            key = matrix_name(quantity.kind.upper(), internal)
            derived_value = forward
            central_value = derived[key] if isinstance(derived, dict) and key in derived else forward
        elif quantity.kind == "act":
            derived_value, central_value = (
                evaluator.activation_gradient(
                    internal, lambda at, values=values: values[matrix_name("delta", at)]
                )
                * evaluator.gradient_scale(quantity.cost, quantity.named)
                for values in (derived, central)
            )
        else:
            key = matrix_name(
                {"w": "dW", "b": "db", "delta": "delta", "dz": "delta"}[quantity.kind], internal
            )
            if quantity.kind == "w" and (evaluator.point.params is not None or sym.layer.source is not None):
                key = "d" + evaluator.weight_key(sym, internal)  # a graph's W2_0
            scale = {
                "delta": evaluator.delta_scale(quantity.spelling),
                "dz": evaluator.gradient_scale(quantity.cost, quantity.named),
            }.get(quantity.kind, 1)
            derived_value, central_value = derived[key] * scale, central[key] * scale
        if quantity.kind == "b":
            derived_value, central_value = derived_value.reshape(1, -1), central_value.reshape(1, -1)
        if self.formula.matrix and evaluator.reading.columns:
            derived_value, central_value = derived_value.T, central_value.T
        if quantity.share is not None:
            key = (id(evaluator.point), evaluator.symbolic, evaluator.reading.generic, shift)
            if key not in self.shares:  # a diagnosis compares many repairs with the same truth
                self.shares[key] = self._share_truth(evaluator, derived_value.shape, sym.layer)
            return self.shares[key], self.shares[key]
        return derived_value, central_value

    def _share_truth(self, evaluator: Evaluator, shape: tuple, layer) -> np.ndarray:
        """The left side's entries when it differentiates one output's share of the cost (Loss_k): the
        derivative of that output's term through the network, at the entries the claim is compared on."""
        quantity = self.formula.quantity
        by = Sym(_SHARE_BY[quantity.kind], layer, quantity.indices)
        truth = np.zeros(shape, dtype=object if evaluator.symbolic else float)
        for position, value in self._index_entries(evaluator, Jacobian(quantity.share, by), truth):
            truth[position] = value
        return truth

    def compare(self, candidate=None, keep: bool = False):
        """Largest difference over all points and layers, or None on the first disagreement; ``candidate``
        is a diagnosis's repair (symbp.verification.slips.Candidate) compared instead of the claim.

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
                if candidate is None:  # after the entries: an index formula's are evaluated as they are read
                    self.notes += [note for note in reading.notes if note not in self.notes]
                if worst is not None or problem is not None:
                    if not keep:
                        return None
                    position = worst[0] if worst else next(np.ndindex(truth.shape))
                    claimed = worst[1] if worst else None
                    return counterexample(
                        self.formula, generic, point, (truth, checked), position, claimed, problem
                    )
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
        per_unit = quantity.kind in PER_UNIT
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
            bindings.update(self._single_unit_indices(evaluator, rhs, bindings))
            position = tuple(value - 1 for value in values)
            if not all(0 <= p < size for p, (_, size) in zip(position, axes, strict=True)):
                raise EvalError(f"index {values} is outside the quantity")
            yield position, evaluator.scalar(rhs, bindings)

    def _single_unit_indices(self, evaluator: Evaluator, rhs, bindings: dict) -> dict:
        """An index left free on the right side that runs over a layer of one unit (a one-output network's
        k, L_k with no sum): the sum its writer left out has that one term, so it takes the unit's number."""
        summed = {node.index for node in walk(rhs) if isinstance(node, Sum)}
        uses: dict[str, list] = {}
        for node in walk(rhs):
            for index in (node.indices or ()) if isinstance(node, Sym) else ():
                if isinstance(index, str) and index not in bindings and index not in summed:
                    uses.setdefault(index, []).append(node)
        uses.pop(self.formula.sample, None)
        return {
            index: 1
            for index, nodes in uses.items()
            if all(evaluator.index_range(node, index, bindings, node) == 1 for node in nodes)
        }


def _problem(error: EvalError) -> str:
    column = f" (column {error.column})" if error.column else ""
    return f"{error}{column}"
