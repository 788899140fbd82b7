"""SIGTERM unwound like Ctrl-C, and told apart from it afterwards.

While ``sigterm_unwinds()`` is active, SIGTERM raises Terminated, a
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


_received: list[int] = []  # SIGTERM's number once it arrived inside sigterm_unwinds()


def _terminate(signum, frame):
    _received.append(signum)
    raise Terminated


@contextlib.contextmanager
def sigterm_unwinds():
    """SIGTERM raises Terminated inside the block (in the main thread; elsewhere it cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def terminated() -> bool:
    """Whether SIGTERM arrived inside the current ``sigterm_unwinds()`` block."""
    return bool(_received)


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
