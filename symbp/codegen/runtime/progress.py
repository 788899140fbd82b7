"""What training records and shows: History, early stopping, the progress line."""

import sys
import time
from typing import Any, TextIO

import numpy as np

# symbp: copied


class History(list):
    """The training costs `train` computed, as a list, with their epochs and why training ended.

    `epochs[k]` is the epoch (or iteration) of `self[k]`, counted from 0 in
    each call, `validation[k]` the validation cost then (empty without
    validation data), and `stopped` why training ended: "epochs",
    "converged", "precision" (bfgs and lbfgs: the line search could lower
    the cost no further at the dtype's precision), "early_stopping" or
    "interrupted" (Ctrl-C: the parameters are those of the last completed
    step). The costs run to `last_epoch`.
    With early stopping on, training that was not interrupted leaves the
    parameters of `best_epoch`, the epoch with the lowest validation cost,
    whether it stopped early or ran all its epochs (None without it).
    """

    stopped: str = "epochs"  # until train sets these on the instance
    last_epoch: int = 0
    best_epoch: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []
        self.validation: list[float] = []

    def record(self, epoch: int, value: float, held_out: float | None) -> None:
        self.append(value)
        self.epochs.append(epoch)
        if held_out is not None:
            self.validation.append(held_out)


class _EarlyStopping:
    """Stop once the validation cost has not fallen below its best for `patience` epochs in a row.

    Keeps a copy of the packed parameters `flat` of the best epoch so far
    (before training: epoch 0, until an epoch has a lower validation cost).
    """

    def __init__(self, patience: int, flat: np.ndarray) -> None:
        self.patience = patience
        self.flat = flat
        self.kept = flat.copy()
        self.best = np.inf
        self.best_epoch = 0
        self.waited = 0

    def stop(self, epoch: int, value: float) -> bool:
        if value < self.best:
            self.best, self.best_epoch, self.waited = value, epoch, 0
            np.copyto(self.kept, self.flat)
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore(self) -> None:
        """Put the best epoch's parameters back into flat."""
        np.copyto(self.flat, self.kept)


class _Progress:
    """The costs shown every `every` epochs: one line rewritten in place on a terminal, else a line each.

    Each shows the epoch of `epochs`, the cost to 6 significant figures (and the
    validation cost), the epochs per second so far and the time left at that rate.
    """

    def __init__(self, every: int, epochs: int, stream: TextIO | None = None) -> None:
        self.every, self.epochs = every, epochs
        self.stream = sys.stdout if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = bool(isatty and isatty())
        self.start = time.perf_counter()
        self.shown = False

    def show(self, epoch: int, value: float, held_out: float | None) -> None:
        elapsed = time.perf_counter() - self.start
        rate = epoch / elapsed if elapsed > 0 else float("inf")
        line = f"epoch {epoch}/{self.epochs}  cost {value:.6g}"
        if held_out is not None:
            line += f"  validation {held_out:.6g}"
        if 0 < rate < float("inf"):
            speed = f"{rate:.0f}" if rate >= 100 else f"{rate:.3g}"
            line += f"  {speed} epochs/s  {_duration((self.epochs - epoch) / rate)} left"
        if self.terminal:
            self.stream.write(f"\r{line}\x1b[K")  # \x1b[K clears the rest of a longer previous line
            self.stream.flush()
        else:
            print(line, file=self.stream, flush=True)
        self.shown = True

    def close(self) -> None:
        """End the terminal's progress line, so what follows starts on a line of its own."""
        if self.terminal and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    """A time left as people read it: 42 s, 3 min 20 s, 2 h 05 min."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _report(history: History, epoch: int, costs: Any, progress: _Progress | None) -> None:
    """Record the costs every `progress.every` epochs, and show them."""
    if progress is None or epoch % progress.every:
        return
    history.record(epoch, *costs())
    progress.show(epoch, history[-1], history.validation[-1] if costs.held_out is not None else None)


def _stops(stopper: _EarlyStopping | None, epoch: int, history: History, costs: Any) -> bool:
    """Whether early stopping ends training after `epoch` (the validation cost from its record if any)."""
    if stopper is None:
        return False
    held = history.validation[-1] if history.epochs[-1] == epoch else costs.validation()
    return stopper.stop(epoch, held)


def _settle(history: History, costs: Any, stopper: _EarlyStopping | None) -> bool:
    """After the epochs: the last epoch's costs recorded (unless they are), the best epoch with early
    stopping (unless Ctrl-C ended training); whether the best epoch's parameters must be put back."""
    if not history.epochs or history.epochs[-1] != history.last_epoch:
        history.record(history.last_epoch, *costs())
    if stopper is not None and history.stopped != "interrupted":
        history.best_epoch = stopper.best_epoch
    return history.best_epoch not in (None, history.last_epoch)
