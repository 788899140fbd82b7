"""How a command runs and ends: its exit status after an error or a signal.

Every SymbpError (bad spec, unreadable file, ...) becomes one line on stderr
and exit status 2; no traceback reaches the user. SIGTERM unwinds like Ctrl-C
(symbp.interrupts), so every clean-up (temporary files, a running TeX) runs
on either signal; the exit status is 130 after Ctrl-C and 143 after SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings

from symbp.errors import SymbpError
from symbp.interrupts import received, signals_ignored, signals_unwind


@contextlib.contextmanager
def running():
    """Around a command: signals unwind, and no NumPy floating-point warning reaches the terminal
    (every command checks its numbers itself and says in words what went out of range)."""
    with signals_unwind(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"(overflow|invalid value|divide by zero|underflow) encountered")
        warnings.filterwarnings("ignore", module=r"numpy(\.|$)")
        yield


def exit_status(error: BaseException, name: str) -> int:
    """The exit status of a command ``name`` that ``error`` ended, its one line printed; other errors
    propagate. Call it in an ``except`` block: a signal may surface as another exception (an import it
    cut short), so a received signal decides first."""
    signum = received() or (signal.SIGINT if isinstance(error, KeyboardInterrupt) else None)
    if signum is not None:
        ended = "terminated" if signum == signal.SIGTERM else "interrupted"
        with signals_ignored():
            print(f"{name}: {ended}", file=sys.stderr)
        return 128 + signum
    if isinstance(error, SymbpError):
        print(f"{name}: error: {error}", file=sys.stderr)
        return 2
    if isinstance(error, BrokenPipeError):
        # The reader of the output went away (`symbp notations | head`): stop quietly, as a pipe's writer
        # does, with stdout pointed at nothing so that flushing it at exit raises no second error.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    raise error
