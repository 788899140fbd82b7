"""The whole pipeline on one network, end to end: ``symbp.demo`` and ``symbp demo``.

Derive (and check) the equations, generate the NumPy module from them, run
its gradient check, train it, then write the derivation document with the
training curve (LaTeX, and the PDF when TeX is installed) and list every
file written. All output goes to one folder that symbp owns: a folder
holding files symbp did not write is refused unless ``force`` is given.

Ctrl-C during training stops it and keeps the parameters and curve so far:
the documents are written from them and ``DemoResult.interrupted`` is set.
Ctrl-C in any other phase, and SIGTERM in any phase (training included), ends
the run there: every file written so far is whole, and no later phase starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from symbp.codegen.generator import generate
from symbp.derivation.any_network import derive
from symbp.derivation.engine import Derivation
from symbp.derivation.reference import STEP, CentralDifferences, largest_relative_error, random_data
from symbp.errors import SymbpError
from symbp.files import ownership, write_owned
from symbp.interrupts import Terminated, handled, terminated
from symbp.rendering.documents import render
from symbp.rendering.pdf import INSTALL_HINT, build_pdf, tex_available
from symbp.rendering.pretty import pretty_equation
from symbp.rendering.printer_base import equation
from symbp.spec.network import Network, load, require_checkable
from symbp.spec.profiles import notation_from
from symbp.verification.isolated import import_file

MAX_PLOT_POINTS = 200
SUMMARY_LABELS = ("eq:delta-L-matrix", "eq:delta-rec-matrix", "eq:dW-matrix", "eq:db-matrix")


GRADIENT_TOLERANCE = 1e-4  # the built-in examples stay below 2e-6
DIFFERENCE_STEP = STEP  # the largest step of the reference's central differences
ROUNDING_ULPS = 1e3  # rounding of one cost evaluation, in units of float64's epsilon times the cost
# Test hook: with SYMBP_TEST_PAUSE_AT=<phase> the run says so on stderr and pauses at the start of that phase
# (derive, generate, check, train, documents, pdf), so that the signal tests can reach every phase.
PAUSE_HOOK = "SYMBP_TEST_PAUSE_AT"
PAUSE_SECONDS = 60


class DemoFailed(SymbpError):
    """The demo ran, but what it produced is wrong (exit status 1, not 0)."""


class Diverged(DemoFailed):
    """Training produced a non-finite cost."""


@dataclass
class DemoResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    gradient_error: float = math.nan
    costs: list[float] = field(default_factory=list)
    pdf: Path | None = None
    interrupted: bool = False  # Ctrl-C ended training; the files hold the run up to then


def check_folder(folder: Path, force: bool):
    """Refuse a folder holding files that symbp did not write (unless ``force``)."""
    if folder.exists() and not folder.is_dir():
        raise SymbpError(f"{folder}: exists and is not a folder")
    if force or not folder.exists():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if ownership(path) == "ours":
            continue
        raise SymbpError(
            f"{folder}: holds {path.name}, which symbp did not write (or which was edited); "
            "choose another folder with -o or use --force"
        )


def training_data(network: Network, module):
    """The spec's data, or a seeded random batch when the spec has none."""
    if network.has_data:
        return np.array(network.X, dtype=float), np.array(network.T, dtype=float)
    rng = np.random.default_rng(network.train.seed)
    X, _ = random_data(network, 8, rng)
    T = module.forward(module.init_params(seed=network.train.seed + 1), X)
    return X, T


def summary(derivation: Derivation) -> str:
    """The delta recursion and the gradients in matrix form, as terminal maths."""
    blocks = []
    for label in SUMMARY_LABELS:
        for step in derivation.general_matrix:
            if step.label == label:
                stated = equation(step.eq.lhs, step.eq.rhs, derivation.network)
                blocks.append(pretty_equation(*stated, derivation.network))
    return "\n".join(blocks)


def train_settings(network: Network) -> dict:
    """The keyword arguments of the module's train() for the spec's [train] table and held-out data."""
    settings = {
        key: value
        for key, value in dataclasses.asdict(network.train).items()
        if key not in ("print_every", "validation")
    }
    if network.X_validation is not None:
        settings["validation"] = (np.array(network.X_validation), np.array(network.T_validation))
    else:
        settings["validation"] = network.train.validation
    return settings


def plot_points(curve: list[tuple[int, float]]) -> list[tuple[int, str]]:
    """The curve thinned to at most MAX_PLOT_POINTS, formatted for pgfplots."""
    stride = max(1, math.ceil(len(curve) / MAX_PLOT_POINTS))
    thinned = curve[::stride] + ([curve[-1]] if (len(curve) - 1) % stride else [])
    return [(epoch, f"{value:.6e}") for epoch, value in thinned]


def demo(
    spec="half_adder",
    folder: str | Path | None = None,
    *,
    notation=None,
    force: bool = False,
    pdf: bool = True,
    out=None,
) -> DemoResult:
    """Run the whole pipeline on ``spec`` (a built-in name, TOML path, dict or Network) into ``folder``.

    ``folder`` defaults to ``symbp-out/NAME``; ``notation`` (a profile name, a
    table or a Notation) overrides the spec's; progress goes to ``out``
    (default stdout). ``force`` writes into a folder holding files symbp did
    not write; ``pdf=False`` skips the PDF even when TeX is installed.

    >>> import io, tempfile, symbp
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     result = symbp.demo("logistic", folder, pdf=False, out=io.StringIO())
    ...     [path.name for path in result.files]
    ['logistic.py', 'logistic-cost.csv', 'logistic.tex', 'logistic.html']
    >>> result.gradient_error < 1e-4, result.costs[-1] < result.costs[0]
    (True, True)
    """
    started = time.perf_counter()
    network = load(spec)
    if notation is not None:
        network = dataclasses.replace(network, notation=notation_from(notation, "notation"))
    folder = Path(folder) if folder else Path("symbp-out") / network.name
    require_checkable(network, "the demo")
    check_folder(folder, force)
    result = DemoResult(folder)
    name = network.name

    def say(text: str = ""):
        print(text, file=out or sys.stdout, flush=True)

    say(f"symbp demo: {name} ({network.summary()})")
    _phase("derive")
    derivation = derive(network)
    checked = sum(1 for step in derivation.steps if step.check)
    say(
        f"\n1. Derived dC/dW and dC/db layer by layer: {len(derivation.steps)} steps, "
        f"{checked} machine-checked."
    )
    say("   The delta recursion and the gradients in matrix form:\n")
    say(summary(derivation))

    _phase("generate")
    module_path = folder / f"{name}.py"
    write_owned(module_path, generate(derivation), force=force)
    result.files.append(module_path)
    say(f"\n2. Generated the NumPy training module {module_path} from these equations.")
    _phase("check")
    module = import_file(module_path, f"symbp_generated_{name}")
    X, T = training_data(network, module)
    params = module.init_params(seed=network.train.seed)
    with np.errstate(all="ignore"):
        result.gradient_error = largest_relative_error(network, module.gradients(params, X, T), params, X, T)
    say(
        "3. Gradient check (derived gradients vs central differences): "
        f"largest relative error {result.gradient_error:.2e}"
    )
    if not result.gradient_error <= GRADIENT_TOLERANCE and not _within_rounding(
        network, module, params, X, T
    ):
        raise DemoFailed(
            f"gradient check failed: largest relative error {result.gradient_error:.2e}, allowed at most "
            f"{GRADIENT_TOLERANCE:g}; nothing was trained ({module_path} is kept for inspection)"
        )

    _phase("train")
    settings = network.train
    batch = "full batch" if settings.batch_size is None else f"batches of {settings.batch_size}"
    method = "" if settings.optimizer == "sgd" else f", optimizer {settings.optimizer}"
    print_every = settings.print_every or max(1, settings.epochs // 10)
    with np.errstate(all="ignore"):
        initial = module.cost(params, X, T)
        rate = f"learning rate {settings.learning_rate:g}{method}"
        say(f"4. Training: {settings.epochs} epochs, {batch}, {rate}; initial cost {initial:.6g}")
        with contextlib.redirect_stdout(out or sys.stdout):  # the module prints its progress to stdout
            history = module.train(params, X, T, print_every=print_every, **train_settings(network))
        outputs = module.forward(params, X)
    if terminated():  # train() keeps its result on any KeyboardInterrupt; SIGTERM ends the whole run
        raise Terminated
    result.costs = history
    if not all(math.isfinite(value) for value in history) or not np.all(np.isfinite(outputs)):
        raise Diverged(
            f"training diverged: the cost became {history[-1]} (learning rate "
            f"{settings.learning_rate:g} is too large for this network; try a smaller one)"
        )
    if history.stopped == "interrupted":
        handled()  # this Ctrl-C stopped training only; the run goes on
        result.interrupted = True
        say(
            f"   Interrupted (Ctrl-C) after epoch {history.last_epoch}, cost {history[-1]:.6g}: "
            "the documents show the training so far"
        )
    else:
        say(f"   Final cost {history[-1]:.6g} after epoch {history.last_epoch}")
    if history.stopped == "early_stopping":
        say(f"   Early stopping after epoch {history.last_epoch}: the validation cost stopped improving")
    if history.best_epoch is not None:
        say(f"   Kept the parameters of epoch {history.best_epoch}, where the validation cost was lowest")
    say("   Outputs next to targets:")
    for x, y, t in zip(X[:16], outputs[:16], T[:16], strict=True):
        say(f"   {_row(x)} -> {_row(y)}   target {_row(t)}")

    _phase("documents")
    csv_path = folder / f"{name}-cost.csv"
    write_owned(csv_path, cost_csv(history), force=force)
    result.files.append(csv_path)
    training = {
        "epochs": history.last_epoch,
        "batch_mode": batch + method,
        "gradient_error": latex_number(result.gradient_error),
        "first": latex_number(history[0]),
        "last": latex_number(history[-1]),
        "points": plot_points(list(zip(history.epochs, history, strict=True))),
        "validation_points": plot_points(list(zip(history.epochs, history.validation, strict=False))),
    }
    tex = folder / f"{name}.tex"
    write_owned(tex, render(derivation, "latex", training=training), force=force)
    result.files.append(tex)
    say(f"\n5. Wrote the derivation document {tex}")
    if pdf and tex_available():
        _phase("pdf")
        result.pdf = build_pdf(tex, force=force)
        result.files.append(result.pdf)
        say(f"   and built {result.pdf}")
    elif pdf:
        say(f"   (no PDF: {INSTALL_HINT})")
    from symbp.pipeline.page import write_page  # it reads this module's train_settings and training_data

    page = write_page(derivation, folder / f"{name}.html", force=force, module=module, X=X, T=T)
    result.files.append(page)
    say(f"   and the interactive page {page}")
    say("\nFiles written:")
    for path in result.files:
        say(f"   {path}")
    say(f"Done in {time.perf_counter() - started:.1f} s.")
    return result


def _phase(name: str) -> None:
    """The start of a phase; under the test hook (PAUSE_HOOK), a pause there for a signal to arrive."""
    if os.environ.get(PAUSE_HOOK) == name:
        print(f"symbp test hook: paused at {name}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_SECONDS)


def cost_csv(history) -> str:
    """epoch,cost (and validation when held-out data was used), one row per recorded epoch."""
    if not history.validation:
        return "epoch,cost\n" + "".join(
            f"{epoch},{value!r}\n" for epoch, value in zip(history.epochs, history, strict=True)
        )
    rows = zip(history.epochs, history, history.validation, strict=True)
    return "epoch,cost,validation\n" + "".join(f"{epoch},{value!r},{held!r}\n" for epoch, value, held in rows)


def _within_rounding(network: Network, module, params, X, T) -> bool:
    """Whether every gradient entry agrees with central differences up to their rounding error.

    Central differences of a cost C with step h carry an error of about
    eps * |C| / h: with large inputs that swamps small gradients (biases next
    to weights of 10^6), and only a difference beyond it is a failure.
    """
    exact = module.gradients(params, X, T)
    central = CentralDifferences(network, params, X, T)
    approximate = {key: central["d" + key] for key in exact}
    rounding = ROUNDING_ULPS * np.finfo(float).eps * abs(float(module.cost(params, X, T))) / DIFFERENCE_STEP
    for key, value in exact.items():
        allowed = GRADIENT_TOLERANCE * (np.abs(value) + np.abs(approximate[key])) + rounding
        if not np.all(np.abs(value - approximate[key]) <= allowed):
            return False
    return True


def latex_number(value: float) -> str:
    """3.2e-10 -> 3.2 \\times 10^{-10} (maths mode)."""
    mantissa, _, exponent = f"{value:.2e}".partition("e")
    power = int(exponent)
    return mantissa if power == 0 else rf"{mantissa} \times 10^{{{power}}}"


def _row(values) -> str:
    return "[" + ", ".join(f"{float(value):.4f}" for value in values) + "]"
