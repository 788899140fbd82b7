"""The HTML page of a derivation: the page itself, the generated module's code, and a recorded training run.

``symbp derive SPEC --format html`` and ``symbp demo`` both write it. The page
shows the numbers of the spec's ``[train]`` run at some of its epochs: the
generated module trains from ``init_params(seed)`` in short calls, each
continuing where the last ended (the module's ``train`` then trains exactly
as one long call), and the parameters after each call are recorded. A run
larger than ``WORK_BUDGET`` is recorded for its first epochs only, and the
page says so.
"""

from __future__ import annotations

import numpy as np

from symbp.codegen.generator import generate
from symbp.codegen.loading import load_module
from symbp.files import write_owned
from symbp.pipeline.end_to_end import train_settings, training_data
from symbp.rendering.mathml import check_notation
from symbp.rendering.page import render_page
from symbp.rendering.page_network import Recording
from symbp.rendering.worked import omitted_because

RECORDED_EPOCHS = 20  # epochs recorded besides epoch 0, spread evenly over the run
WORK_BUDGET = 3e9  # multiply-adds a page's training run may take (a few seconds of NumPy)
# A step's own cost besides its products (a few dozen NumPy calls, ~50 us), in multiply-adds of the same
# time: on a small network it is most of the step, and a budget of products alone would allow hours.
STEP_OVERHEAD = 1e5
RESTARTING = ("bfgs", "lbfgs")  # SciPy keeps nothing between calls: each recorded epoch is trained afresh


def recorded_epochs(total: int, count: int = RECORDED_EPOCHS) -> list[int]:
    """0 and ``count`` epochs spread evenly up to ``total`` (every epoch of a shorter run)."""
    shown = min(total, count)
    return sorted({round(k * total / shown) for k in range(shown + 1)}) if total else [0]


def _affordable(network, X) -> int:
    """The epochs WORK_BUDGET allows: a forward and a backward pass (about 3 products a weight and row)
    and each step's overhead."""
    rows, batch = X.shape[0], network.train.batch_size
    steps = 1 if batch is None else -(-rows // min(batch, rows))
    return max(1, int(WORK_BUDGET // (3 * rows * network.parameter_count + steps * STEP_OVERHEAD)))


def _copy(params: dict) -> dict:
    return {key: np.array(value, copy=True) for key, value in params.items()}


def record_training(network, module, X, T) -> Recording:
    """The parameters and training costs of the spec's [train] run at ``recorded_epochs`` of it."""
    settings = train_settings(network)
    total = network.train.epochs
    run, stopped = min(total, _affordable(network, X)), False
    if settings.get("early_stopping"):
        # stopping watches one call: find where the whole run stops, then record up to there without it
        trial = module.init_params(seed=network.train.seed)
        history = module.train(trial, X, T, **{**settings, "epochs": run, "print_every": 0})
        run, stopped = history.last_epoch, history.stopped == "early_stopping"
        settings["early_stopping"] = 0
    settings.pop("epochs")
    params = module.init_params(seed=network.train.seed)
    epochs = recorded_epochs(run)
    recorded, costs, done = [_copy(params)], [], 0
    for epoch in epochs[1:]:
        if network.train.optimizer in RESTARTING:
            params, done = module.init_params(seed=network.train.seed), 0
        history = module.train(params, X, T, epochs=epoch - done, print_every=0, **settings)
        if history.stopped == "interrupted":
            raise KeyboardInterrupt
        if not costs:
            costs.append(history[0])
        costs.append(history[-1])
        recorded.append(_copy(params))
        done = epoch
    if not costs:
        costs.append(float(module.cost(params, X, T)))
    return Recording(
        tuple(epochs), tuple(recorded), tuple(float(c) for c in costs), _note(network, run, epochs, stopped)
    )


def _note(network, run: int, epochs: list[int], stopped: bool) -> str:
    train = network.train
    batch = "full batch" if train.batch_size is None else f"batches of {train.batch_size}"
    data = (
        "its training data" if network.has_data else "8 random samples (the spec has no data), as symbp demo"
    )
    rate = "" if train.optimizer in RESTARTING else f", learning rate {train.learning_rate:g}"
    text = (
        f"The numbers follow the spec's training run ({train.optimizer}{rate}, {batch}) on {data}, "
        f"recorded at {len(epochs)} epochs from 0 to {epochs[-1]}"
    )
    if stopped:
        text += f"; early stopping ended it after epoch {run} of {network.train.epochs}"
    elif run < network.train.epochs:
        text += (
            f"; only the first {run} of its {network.train.epochs} epochs are recorded here, as many as "
            "a page trains in a few seconds (symbp demo trains them all)"
        )
    return (
        text + ". The cost is the module's training cost then; the numbers on the network are the sample's."
    )


def check_page(network) -> None:
    """Refuse, in one line naming the field, a notation symbol the page's MathML printer cannot read.
    Callers check before the slow derivation, not after it."""
    check_notation(network.notation)


def page_html(derivation, module=None, X=None, T=None) -> str:
    """The page of ``derivation``, its numbers recorded from a training run of the generated module."""
    network = derivation.network
    source = generate(derivation)
    if omitted_because(network):  # too large to evaluate, as the documents' worked example: no numbers
        return render_page(derivation, source, None, f"{network.name}.py")
    if module is None:
        module = load_module(source, f"symbp_page_{network.name}")
    if X is None:
        X, T = training_data(network, module)
    try:
        with np.errstate(all="ignore"):
            recording = record_training(network, module, X, T)
    except ImportError as missing:  # bfgs and lbfgs train through SciPy
        start = module.init_params(seed=network.train.seed)
        recording = Recording((0,), (start,), (), f"No training run is recorded here: {missing}.")
    return render_page(derivation, source, recording, f"{network.name}.py")


def write_page(derivation, path, *, force: bool = False, module=None, X=None, T=None):
    """Write the page to ``path`` (owned, atomically); returns the path."""
    return write_owned(path, page_html(derivation, module, X, T), force=force)
