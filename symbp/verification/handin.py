"""A whole hand derivation judged line by line: ``judge``.

Every line is judged twice. Its claim: does ``Q = right side`` hold (``verify``)?
Its step: is its right side equal to the one on the line before it? The first
line of a chain has no line before it and is judged against the truth. The
step follows from the two claims whenever one of them holds (two true lines
are equal; a true and a false one are not); only when both are false are the
two right sides compared directly, at the same random points, with the line
before standing in for the truth. A wrong step whose chain still ends true was
undone by a later compensating one: the right result from wrong working.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symbp.spec.network import Network, load
from symbp.spec.profiles import notation_from
from symbp.verification.definitions import definition, expanded
from symbp.verification.derivation_file import Derivation, Line
from symbp.verification.diagnosis import candidates
from symbp.verification.evaluate import EvalError
from symbp.verification.formula import FormulaError, parse_formula
from symbp.verification.formula_check import FormulaCheck
from symbp.verification.identity import identity_counterexample
from symbp.verification.lexicon import lexicon
from symbp.verification.share_check import each_output, read_on
from symbp.verification.verify_formula import POINTS, verify

RIGHT, WRONG, UNREAD, UNKNOWN = "right", "wrong", "unreadable", "not compared"
DEFINES = "defines"  # the claim of a line that defines a new name for the lines that use it


@dataclass
class LineVerdict:
    """One line's two verdicts: ``claim`` (holds / fails / unreadable) and ``step`` (RIGHT, WRONG, ...)."""

    line: Line
    claim: str
    step: str = UNKNOWN
    diagnosis: str | None = None
    counterexample: list = field(default_factory=list)
    error: str | None = None
    read_as: str | None = None  # the formula read, with the names the derivation defines written out


@dataclass
class HandIn:
    """A judged derivation: every line's verdicts, the first wrong line and any compensated slip."""

    source: str
    verdicts: list = field(default_factory=list)
    error: str | None = None  # the whole file could not be read

    @property
    def first_wrong(self) -> LineVerdict | None:
        return next((verdict for verdict in self.verdicts if verdict.step == WRONG), None)

    @property
    def first_wrong_line(self) -> int | None:
        wrong = self.first_wrong
        return None if wrong is None else wrong.line.number

    @property
    def unreadable(self) -> list:
        return [verdict for verdict in self.verdicts if verdict.claim == UNREAD]

    @property
    def compensated(self) -> list:
        """Chains (1-based) with a wrong step that still end in a true line: right result, wrong working."""
        chains = sorted({verdict.line.chain for verdict in self.verdicts})
        found = []
        for chain in chains:
            lines = [verdict for verdict in self.verdicts if verdict.line.chain == chain]
            if lines[-1].claim == "holds" and any(verdict.step == WRONG for verdict in lines):
                found.append(chain)
        return found

    @property
    def status(self) -> int:
        """verify's exit status: 0 every line right, 1 a wrong line, 2 something unreadable."""
        if self.error or self.unreadable:
            return 2
        return 1 if self.first_wrong is not None else 0


class _StepCheck(FormulaCheck):
    """A line's right side compared with the right side of the line before it instead of the truth."""

    def __init__(self, network: Network, formula, before, points: int, seed: int):
        self.before = before
        super().__init__(network, formula, points, seed)

    def truth(self, evaluator, derived, central, shift):
        real, _ = super().truth(evaluator, derived, central, shift)
        entries, problem = self._entries(evaluator, self.before, real)
        if problem:
            raise EvalError(problem)
        values = np.full(real.shape, np.nan)
        for position, value in entries:
            values[position] = value
        return values, values


def judge(network, derivation: Derivation, notation=None, points: int = POINTS, seed: int = 0) -> HandIn:
    """Every line of ``derivation`` judged on ``network`` (see the module's docstring)."""
    network = load(network)
    handin = HandIn(derivation.source)
    before: LineVerdict | None = None
    chosen = network.notation if notation is None else notation_from(notation, "notation")
    defined = _new_names(derivation, chosen)
    for line in derivation.lines:
        if line.number in defined:
            handin.verdicts.append(LineVerdict(line, DEFINES, RIGHT))
            before = None
            continue
        formula = f"{line.left} = {expanded(line.right, _in_force(defined, line.number))}"
        verdict = _claim(network, line, formula, notation, points, seed)
        if line.defines and verdict.claim == UNREAD:
            verdict = _identity(network, line, formula, chosen, points, seed) or verdict
        if verdict.claim != UNREAD:
            if line.starts_chain or before is None or before.claim == UNREAD:
                verdict.step = RIGHT if verdict.claim == "holds" else WRONG
            elif "holds" in (verdict.claim, before.claim):
                verdict.step = RIGHT if verdict.claim == before.claim else WRONG
                if verdict.step == WRONG and verdict.claim == "holds":  # undoes the slip of the line before
                    verdict.diagnosis = f"holds where line {before.line.number} does not: it undoes that slip"
            else:
                _compare(network, verdict, before, notation, points, seed)
        handin.verdicts.append(verdict)
        before = verdict
    return handin


def _new_names(derivation: Derivation, notation) -> dict:
    """The definitions of names the notation does not know, by line number; a definition of a known
    quantity (\\delta^L_j := ...) is a claim like any other line."""
    words = lexicon(notation)
    fixed = frozenset(notation.unit_letters)
    found = {}
    for line in derivation.lines:
        body = expanded(line.right, _in_force(found, line.number))
        item = definition(line.left, body, fixed) if line.defines else None
        if item is not None and words.role(item.head) is None and words.function(item.head) is None:
            found[line.number] = item
    return found


def _in_force(defined: dict, number: int) -> list:
    """The definitions line ``number`` is read with: of each name, the latest above it, else the first
    below it (a "where" after the formula that uses the name)."""
    chosen = {}
    for at, item in sorted(defined.items()):
        if at < number or item.key not in chosen:
            chosen[item.key] = item
    return list(chosen.values())


def _claim(network: Network, line: Line, formula: str, notation, points: int, seed: int) -> LineVerdict:
    read_as = None if formula == line.formula else formula
    try:
        result = verify(network, formula, notation=notation, points=points, seed=seed)
    except FormulaError as error:
        return LineVerdict(line, UNREAD, UNREAD, error=str(error), read_as=read_as)
    shown = result.counterexample.lines()[:2] if result.counterexample else []
    claim = "holds" if result.holds else "fails"
    return LineVerdict(line, claim, diagnosis=result.diagnosis, counterexample=shown, read_as=read_as)


def _identity(network: Network, line: Line, formula: str, notation, points: int, seed: int):
    """The verdict of a definition of a symbol the notation knows (Err_k := y_k - a_k), checked as an
    identity; None when it is not one."""
    try:
        counterexample = identity_counterexample(network, formula, notation, points, seed)
    except FormulaError:
        return None
    if counterexample is None:
        return None
    if counterexample is False:
        return LineVerdict(line, "holds", RIGHT, read_as=formula)
    diagnosis = f"{line.left} is not {line.right} in this notation"
    return LineVerdict(line, "fails", WRONG, diagnosis, [counterexample], read_as=formula)


def _compare(network: Network, verdict: LineVerdict, before: LineVerdict, notation, points, seed) -> None:
    """The step between two false lines: their right sides compared at the same points."""
    chosen = network.notation if notation is None else notation_from(notation, "notation")
    try:
        formula = read_on(network, parse_formula(verdict.read_as or verdict.line.formula, chosen))
        previous = read_on(network, parse_formula(before.read_as or before.line.formula, chosen))
        if len(each_output(network, formula)) > 1:
            return  # a share of the loss for each output in turn: no single step to compare
        check = _StepCheck(network, formula, previous.rhs, points, seed)
        if not check.generic or formula.matrix != previous.matrix:
            return
        differs = check.compare(None, keep=True)
    except (FormulaError, EvalError):
        return
    if isinstance(differs, float):
        verdict.step = RIGHT
        verdict.diagnosis = f"equal to line {before.line.number}, which is already wrong"
        verdict.counterexample = []
        return
    verdict.step = WRONG
    slip = next((c.description for c in candidates(formula) if check.compare(c) is not None), None)
    verdict.diagnosis = f"differs from line {before.line.number}" + (f": {slip}" if slip else "")
    if differs is not None:
        where = differs.where
        claimed = "undefined" if differs.claimed is None else f"{differs.claimed:.10g}"
        verdict.counterexample = [
            f"at {where}: the line before gives {differs.derived:.10g}, this line {claimed}"
        ]
