"""SIGTERM unwound like Ctrl-C, and told apart from it afterwards.

While ``signals_unwind()`` is active, SIGTERM raises Terminated, a
KeyboardInterrupt: every clean-up (temporary files, a running TeX, a child's
process group) runs on either signal. Code that keeps a partial result on
Ctrl-C catches KeyboardInterrupt, and so catches Terminated too (a generated
module's train() does); ``terminated()`` then tells it that the whole command
was asked to end, so that it starts no further phase.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwind like Ctrl-C (clean-ups run), then exit with 128 + 15."""


_received: list[int] = []  # the signals that arrived inside signals_unwind(), in order


def _terminate(signum, frame):
    _received.append(signum)
    raise Terminated


def _interrupt(signum, frame):
    _received.append(signum)
    raise KeyboardInterrupt


@contextlib.contextmanager
def signals_unwind():
    """Ctrl-C raises KeyboardInterrupt and SIGTERM Terminated inside the block, and both are recorded.

    Recorded, because an exception raised inside an import of a compiled module
    can come out as another one (NumPy reports an ImportError): ``received()``
    still says that a signal ended the command. A SIGINT that is ignored (a
    background job's) stays ignored. Only the main thread can handle signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate)}
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def received() -> int | None:
    """The signal that ended the last ``signals_unwind()`` block, if one did: SIGTERM before SIGINT."""
    if signal.SIGTERM in _received:
        return signal.SIGTERM
    return signal.SIGINT if _received else None


def handled() -> None:
    """The Ctrl-C received so far was handled (training stopped and kept its result): forget it."""
    _received[:] = [signum for signum in _received if signum != signal.SIGINT]


def terminated() -> bool:
    """Whether SIGTERM arrived inside the current ``signals_unwind()`` block."""
    return signal.SIGTERM in _received


@contextlib.contextmanager
def signals_ignored():
    """SIGINT and SIGTERM ignored inside the block: a command's last words are not cut off by a second one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def exit_quietly():
    """Inside the block SIGINT and SIGTERM end the process at once: one line, status 128 + the signal.

    For the console script's start, while it imports the commands: nothing is
    written yet, so there is nothing to clean up, and an import cut short by
    KeyboardInterrupt would print a traceback. A signal that is ignored
    (a background job's SIGINT) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _exit_now)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _exit_now(signum, frame):
    os.write(2, b"symbp: " + (b"terminated" if signum == signal.SIGTERM else b"interrupted") + b"\n")
    os._exit(128 + signum)
