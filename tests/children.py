"""Child processes for the signal tests: Ctrl-C restored to its default, whatever the test run inherited.

A test suite started from a background job (``pytest &``, a CI runner) has
SIGINT ignored, and a child inherits that across exec: a Ctrl-C sent to it
would do nothing. Every test that signals a child starts it through here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_MAIN = "import sys\nfrom symbp.cli import main\nsys.exit(main(sys.argv[1:]))\n"  # as the console script


def default_sigint() -> None:
    """In the child, before exec: SIGINT's default disposition (Python then turns it into Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_symbp(argv, cwd, **environment) -> subprocess.Popen:
    """``symbp ARGV`` from this checkout in a child process, stdout and stderr piped as text."""
    return subprocess.Popen(
        [sys.executable, "-c", RUN_MAIN, *map(str, argv)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
