"""Child processes that cannot outlive symbp: TeX builds and isolated user code.

A child runs in its own session (a terminal's Ctrl-C reaches symbp, which then
ends it), and its whole process group is killed however the ``with`` block
ends: normally, on a timeout, on SIGINT or SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

USER_CODE_TIMEOUT = 60.0  # seconds a user's gradient code may run (gradcheck --timeout's default)


@contextlib.contextmanager
def own_session(command: list[str], **options):
    """``subprocess.Popen(command, **options)`` in a new session, its group killed on leaving."""
    process = subprocess.Popen(command, start_new_session=True, **options)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
