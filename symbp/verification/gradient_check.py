"""Check a hand-written gradient function against central differences and the Derivation.

The function has the generated-module contract's signature, ``f(params, X, T)
-> dict`` with keys W1..WL (b1..bL) and the parameters' shapes. It is imported
from the user's file (never edited) and called on the spec's data, if any, and
on random data, each time with fresh random parameters (copies, so the function
cannot change what it is checked against).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symbp.derivation.reference import CentralDifferences, kink_free_params, random_data
from symbp.errors import CheckFailed, SymbpError
from symbp.naming import param_names
from symbp.processes import USER_CODE_TIMEOUT
from symbp.spec.network import Network, load, require_checkable
from symbp.verification.groundtruth import batch_sizes
from symbp.verification.isolated import call_here, call_isolated, import_file, split_reference

RTOL = 1e-5
ATOL = 1e-7
CROSS_CHECK = 1e-5


def load_function(reference: str):
    """``FILE.py:FUNCTION`` -> the function, imported here (``gradcheck`` runs a reference isolated)."""
    path, name = split_reference(reference)
    try:
        module = import_file(path, f"_symbp_gradcheck_{abs(hash(str(path.resolve())))}")
    except (Exception, SystemExit) as error:  # the user's module: any failure is reported, not raised
        raise SymbpError(f"{path}: importing it failed: {type(error).__name__}: {error}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise SymbpError(f"{path}: no function named {name}")
    return function


# the usual slips in hand-written gradients: (what the code returned, in terms of the derived g, why)
SLIPS = (
    (lambda g, samples: -g, "the sign is flipped"),
    (lambda g, samples: 2 * g, "it is twice the derived gradient (a factor 2 too many, or a 1/2 missing)"),
    (lambda g, samples: g / 2, "it is half the derived gradient (a factor 2 missing)"),
    (lambda g, samples: samples * g, "it is N times the derived gradient (the mean cost's 1/N is missing)"),
    (lambda g, samples: g / samples, "it is 1/N times the derived gradient (an extra 1/N)"),
)


def slip(value: np.ndarray, expected: np.ndarray, samples: int) -> str | None:
    """Which usual slip turns the derived gradient into ``value`` at every entry, if one does."""
    if value.shape == expected.shape[::-1] and _agrees(value.T, expected):
        return "it is the transpose of the derived gradient"
    if value.shape != expected.shape:
        return None
    for wrong, words in SLIPS:
        if _agrees(value, wrong(expected, samples)):
            return words
    return None


def _close(value: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Entry by entry: within ATOL + RTOL |expected| (NaN never is)."""
    return np.abs(value - expected) <= ATOL + RTOL * np.abs(expected)


def _agrees(value: np.ndarray, expected: np.ndarray) -> bool:
    return bool(np.all(_close(value, expected)))


@dataclass
class Row:
    """Largest errors of one parameter's gradient over all data sets, and the slips that explain them.

    ``compared`` is False until a returned gradient of the right shape was compared on some data set:
    a parameter the function never answered for (it failed, or left the key out) has no error to show.
    A NaN anywhere stays NaN, so it can never read as agreement.
    """

    name: str
    max_abs: float = 0.0
    max_rel: float = 0.0
    max_abs_central: float = 0.0
    slips: list = field(default_factory=list)
    compared: bool = False

    def columns(self) -> str:
        """The three error columns of the printed table, dashes when nothing was compared."""
        if not self.compared:
            return f"{'-':>14s} {'-':>14s} {'-':>16s}"
        return f"{self.max_abs:14.3g} {self.max_rel:14.3g} {self.max_abs_central:16.3g}"

    @property
    def slip(self) -> str | None:
        """The slip that explains the failure on every data set where it failed."""
        return self.slips[0] if self.slips and len(set(self.slips)) == 1 else None


@dataclass
class Report:
    rows: list
    datasets: list
    first_wrong: str | None = None
    cross_check: float = 0.0
    problems: list = field(default_factory=list)

    def fail(self, message: str):
        """Record a failure; the first one is the one reported."""
        self.first_wrong = self.first_wrong or message

    @property
    def ok(self) -> bool:
        return self.first_wrong is None

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        """The report as ``symbp gradcheck`` prints it."""
        lines = [f"checked on {', '.join(self.datasets)}", ""]
        lines.append(
            f"{'parameter':10s} {'max abs error':>14s} {'max rel error':>14s} {'vs central diff':>16s}"
        )
        lines += [f"{row.name:10s} {row.columns()}" for row in self.rows]
        lines.append("")
        if self.ok:
            lines.append("PASS: every entry agrees with the derived gradient and with central differences")
        else:
            lines.append(f"FAIL: {self.first_wrong}")
            lines += [f"  {row.name}: {row.slip}" for row in self.rows if row.slip]
        return "\n".join(lines)


def _datasets(network: Network, rng: np.random.Generator, random_sets: int):
    if network.has_data:
        yield "the spec's data", np.array(network.X, dtype=float), np.array(network.T, dtype=float)
    for samples in batch_sizes(network, random_sets):
        X, T = random_data(network, samples, rng)
        yield f"random data (N={samples})", X, T


def gradcheck(
    network, function, *, seed: int = 0, random_sets: int = 2, timeout: float = USER_CODE_TIMEOUT
) -> Report:
    """Compare ``function(params, X, T)`` with the derived gradients and central differences.

    ``function`` is a Python callable (called here) or a ``"FILE.py:FUNCTION"``
    reference, whose code is imported and called in a child process that may
    run for ``timeout`` seconds: whatever it does (exit, hang, crash) becomes
    the verdict, never symbp's own exit status.

    >>> import symbp
    >>> module = symbp.load_module(symbp.generate(symbp.derive(symbp.load("half_adder"))))
    >>> symbp.gradcheck("half_adder", module.gradients).ok
    True
    >>> def doubled(params, X, T):
    ...     return {key: 2 * value for key, value in module.gradients(params, X, T).items()}
    >>> report = symbp.gradcheck("half_adder", doubled)
    >>> report.ok, report.rows[0].name, report.rows[0].slip
    (False, 'W1', 'it is twice the derived gradient (a factor 2 too many, or a 1/2 missing)')
    """
    from symbp.derivation.cached import derivation_of

    network = load(network)
    require_checkable(network, "gradcheck")
    if isinstance(function, str):
        split_reference(function)  # a bad reference is refused before the derivation
    derivation = derivation_of(network)
    rng = np.random.default_rng(seed)
    cases = [
        (label, kink_free_params(network, rng, X, T), X, T)
        for label, X, T in _datasets(network, rng, random_sets)
    ]
    # a graph's keys (W2_0; none for a tied matrix) as its drawn parameters have them
    names = list(cases[0][1]) if network.graph else param_names(network.depth, network.bias)
    rows = {name: Row(name) for name in names}
    report = Report(list(rows.values()), [])
    if isinstance(function, str):
        claims = call_isolated(function, [case[1:] for case in cases], timeout)
    else:
        claims = [call_here(function, params, X, T) for _, params, X, T in cases]
    for (label, params, X, T), claimed in zip(cases, claims, strict=True):
        report.datasets.append(label)
        derived = derivation.evaluate(params, X, T)
        central = CentralDifferences(network, params, X, T)
        if isinstance(claimed, str):
            report.fail(f"{label}: {claimed}")
            continue
        for name in names:
            _check_entry(report, rows[name], label, claimed, derived["d" + name], central["d" + name], len(X))
        report.cross_check = max(
            report.cross_check, max(float(np.max(np.abs(derived["d" + n] - central["d" + n]))) for n in names)
        )
    if report.cross_check > CROSS_CHECK:
        raise CheckFailed(f"the derivation and central differences disagree by {report.cross_check:.2g}")
    return report


def _check_entry(
    report: Report,
    row: Row,
    label: str,
    claimed: dict,
    expected: np.ndarray,
    central: np.ndarray,
    samples: int,
):
    if row.name not in claimed:
        report.first_wrong = report.first_wrong or f"{label}: no gradient for {row.name} in the returned dict"
        return
    value = claimed[row.name]
    if value.shape != expected.shape:
        row.slips.append(slip(value, expected, samples))
        report.fail(f"{label}: {row.name} has shape {value.shape}, the parameter has shape {expected.shape}")
        row.max_abs = row.max_rel = row.max_abs_central = np.inf
        row.compared = True
        return
    error = float(np.max(np.abs(value - expected)))
    scale = max(float(np.max(np.abs(expected))), 1e-12)
    row.compared = True
    # np.maximum, not max(): max(0.0, nan) is 0.0, and a NaN gradient would print as no error
    row.max_abs = float(np.maximum(row.max_abs, error))
    row.max_rel = float(np.maximum(row.max_rel, error / scale))
    row.max_abs_central = float(np.maximum(row.max_abs_central, np.max(np.abs(value - central))))
    wrong = np.argwhere(~_close(value, expected))
    if len(wrong):
        row.slips.append(slip(value, expected, samples))
        position = tuple(int(index) for index in wrong[0])
        report.fail(
            f"{label}: {row.name}{list(position)} is {value[position]:.10g}, the derived gradient is "
            f"{expected[position]:.10g} (central differences {central[position]:.10g})"
        )
