"""``symbp demo``: the whole pipeline on one network, end to end.

Derive (and check) the equations, generate the NumPy module from them, run
its gradient check, train it, then write the derivation document with the
training curve (LaTeX, and the PDF when TeX is installed) and list every
file written. All output goes to one folder that symbp owns: a folder
holding files symbp did not write is refused unless ``force`` is given.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from symbp.codegen.generator import generate
from symbp.derivation.engine import Derivation, derive
from symbp.errors import SymbpError
from symbp.files import ownership, write_owned
from symbp.rendering.pdf import INSTALL_HINT, build_pdf, tex_available
from symbp.rendering.printing import equation, pretty_equation
from symbp.rendering.renderer import render
from symbp.spec.network import Network
from symbp.verification.gradient_check import import_file

BUILD_SUFFIXES = (".pdf", ".log")  # the PDF, and the log a failed build leaves
MAX_PLOT_POINTS = 200
SUMMARY_LABELS = ("eq:delta-L-matrix", "eq:delta-rec-matrix", "eq:dW-matrix", "eq:db-matrix")


class Diverged(SymbpError):
    """Training produced a non-finite cost."""


@dataclass
class DemoResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    gradient_error: float = math.nan
    costs: list[float] = field(default_factory=list)
    pdf: Path | None = None


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
        if path.suffix in BUILD_SUFFIXES and ownership(path.with_suffix(".tex")) == "ours":
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
    X = rng.uniform(-1, 1, (8, network.layers[0]))
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


def cost_curve(costs: list[float], print_every: int, epochs: int) -> list[tuple[int, float]]:
    """(epoch, cost) for the costs ``train`` returned: epoch 0, every print_every, the last."""
    epochs_of = [0] + [print_every * k for k in range(1, len(costs))]
    if len(costs) > 1 and epochs % print_every:
        epochs_of[-1] = epochs
    return list(zip(epochs_of, costs, strict=True))


def plot_points(curve: list[tuple[int, float]]) -> list[tuple[int, str]]:
    """The curve thinned to at most MAX_PLOT_POINTS, formatted for pgfplots."""
    stride = max(1, math.ceil(len(curve) / MAX_PLOT_POINTS))
    thinned = curve[::stride] + ([curve[-1]] if (len(curve) - 1) % stride else [])
    return [(epoch, f"{value:.6e}") for epoch, value in thinned]


def run_demo(network: Network, folder: Path, *, force: bool = False, pdf: bool = True, out=None):
    """Run the pipeline for ``network`` into ``folder``; print progress to ``out``."""
    started = time.perf_counter()
    folder = Path(folder)
    check_folder(folder, force)
    result = DemoResult(folder)
    name = network.name

    def say(text: str = ""):
        print(text, file=out or sys.stdout, flush=True)

    say(f"symbp demo: {name} ({network.summary()})")
    derivation = derive(network)
    checked = sum(1 for step in derivation.steps if step.check)
    say(
        f"\n1. Derived dC/dW and dC/db layer by layer: {len(derivation.steps)} steps, "
        f"{checked} machine-checked."
    )
    say("   The delta recursion and the gradients in matrix form:\n")
    say(summary(derivation))

    module_path = folder / f"{name}.py"
    write_owned(module_path, generate(derivation), force=force)
    result.files.append(module_path)
    say(f"\n2. Generated the NumPy training module {module_path} from these equations.")
    module = import_file(module_path, f"symbp_generated_{name}")
    X, T = training_data(network, module)
    params = module.init_params(seed=network.train.seed)
    result.gradient_error = float(module.gradient_check(params, X, T))
    say(
        "3. Gradient check (derived gradients vs central differences): "
        f"largest relative error {result.gradient_error:.2e}"
    )

    settings = network.train
    batch = "full batch" if settings.batch_size is None else f"batches of {settings.batch_size}"
    say(f"4. Training: {settings.epochs} epochs, {batch}, learning rate {settings.learning_rate:g}")
    print_every = settings.print_every or max(1, settings.epochs // 10)
    with np.errstate(all="ignore"):
        say(f" Initial cost: {module.cost(params, X, T)}")
        result.costs = module.train(
            params,
            X,
            T,
            learning_rate=settings.learning_rate,
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            print_every=print_every,
            seed=settings.seed,
        )
        outputs = module.forward(params, X)
    if not all(math.isfinite(value) for value in result.costs) or not np.all(np.isfinite(outputs)):
        raise Diverged(
            f"training diverged: the cost became {result.costs[-1]} (learning rate "
            f"{settings.learning_rate:g} is too large for this network; try a smaller one)"
        )
    say("   Outputs next to targets:")
    for x, y, t in zip(X[:16], outputs[:16], T[:16], strict=True):
        say(f"   {_row(x)} -> {_row(y)}   target {_row(t)}")

    curve = cost_curve(result.costs, print_every, settings.epochs)
    csv_path = folder / f"{name}-cost.csv"
    write_owned(
        csv_path, "epoch,cost\n" + "".join(f"{epoch},{value!r}\n" for epoch, value in curve), force=force
    )
    result.files.append(csv_path)
    training = {
        "epochs": settings.epochs,
        "batch_mode": batch,
        "gradient_error": latex_number(result.gradient_error),
        "first": latex_number(result.costs[0]),
        "last": latex_number(result.costs[-1]),
        "points": plot_points(curve),
    }
    tex = folder / f"{name}.tex"
    write_owned(tex, render(derivation, "latex", training=training), force=force)
    result.files.append(tex)
    say(f"\n5. Wrote the derivation document {tex}")
    if pdf and tex_available():
        result.pdf = build_pdf(tex)
        result.files.append(result.pdf)
        say(f"   and built {result.pdf}")
    elif pdf:
        say(f"   (no PDF: {INSTALL_HINT})")
    say("\nFiles written:")
    for path in result.files:
        say(f"   {path}")
    say(f"Done in {time.perf_counter() - started:.1f} s.")
    return result


def latex_number(value: float) -> str:
    """3.2e-10 -> 3.2 \\times 10^{-10} (maths mode)."""
    mantissa, _, exponent = f"{value:.2e}".partition("e")
    power = int(exponent)
    return mantissa if power == 0 else rf"{mantissa} \times 10^{{{power}}}"


def _row(values) -> str:
    return "[" + ", ".join(f"{float(value):.4f}" for value in values) + "]"
