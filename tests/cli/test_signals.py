"""SIGINT and SIGTERM in every phase of the demo, sent as real signals to a child process.

The demo's test hook (SYMBP_TEST_PAUSE_AT) pauses at the start of a phase and
says so on stderr; the signal arrives there. Whatever the phase: the run ends
promptly with 130 (SIGINT) or 143 (SIGTERM) and one line, no traceback,
no temporary file left, every file written whole, and no later phase started.
Training is also signalled while it runs: Ctrl-C keeps its result so far and
the documents are written from it; SIGTERM ends the run with no documents.
The PDF phase is also signalled while TeX runs: TeX ends with it, and no PDF
or temporary folder is left. derive (while deriving) and gradcheck (while the user's code runs in its
child) end the same way, and a signal while the commands load ends symbp in
one line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symbp.files import ownership
from symbp.pipeline.end_to_end import PAUSE_HOOK
from tests.children import ROOT, default_sigint, start_symbp
from tests.conftest import require

pytestmark = pytest.mark.slow  # each test starts symbp in a child process, most run a demo

TIME_LIMIT = 120  # seconds: the time a child may take to answer, never a timing assertion
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}
# phase -> the files of the phases before it, all that may exist when it is signalled
PHASES = {
    "derive": set(),
    "generate": set(),
    "check": {"logistic.py"},
    "train": {"logistic.py"},
    "documents": {"logistic.py"},
    "pdf": {"logistic.py", "logistic-cost.csv", "logistic.tex"},
}
WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


def _assert_clean_end(process, signum, err_lines, folder, expected_files):
    assert process.returncode == 128 + signum, err_lines
    assert "Traceback" not in "".join(err_lines)
    assert err_lines[-1].strip() == f"symbp demo: {WORDS[signum]}"
    written = {path.name for path in folder.iterdir()} if folder.exists() else set()
    assert written == expected_files  # nothing temporary, half-written or from a later phase
    for name in written:
        assert ownership(folder / name) == "ours", name  # whole: the ownership record matches the bytes


@pytest.mark.parametrize("signame", SIGNALS)
@pytest.mark.parametrize("phase", PHASES)
def test_a_signal_at_the_start_of_each_phase_ends_the_demo_there(phase, signame, tmp_path):
    signum = SIGNALS[signame]
    if phase == "pdf":
        require("pdflatex")
    argv = ["demo", "logistic", "-o", "out"] + ([] if phase == "pdf" else ["--no-pdf"])
    process = start_symbp(argv, tmp_path, **{PAUSE_HOOK: phase})
    err_lines = []
    for line in process.stderr:
        err_lines.append(line)
        if f"paused at {phase}" in line:
            process.send_signal(signum)
            break
    out, rest = process.communicate(timeout=TIME_LIMIT)
    err_lines += rest.splitlines(keepends=True)
    assert f"symbp test hook: paused at {phase}\n" == err_lines[0], (out, err_lines)
    assert len(err_lines) == 2, err_lines
    _assert_clean_end(process, signum, err_lines, tmp_path / "out", PHASES[phase])


LONG = (
    'name = "long"\nlayers = [2, 2, 1]\nactivation = "sigmoid"\n'
    "[train]\nepochs = 1000000000\nprint_every = 2000\n"
    "[data]\nX = [[0, 0], [0, 1], [1, 0], [1, 1]]\nT = [[0], [1], [1], [0]]\n"
)


def _signal_while_training(tmp_path, signum):
    """Start a billion-epoch demo; signal it once training has printed two progress lines.

    (tests/test_demo_training.py sends Ctrl-C the same way and asserts the result so far is kept.)"""
    (tmp_path / "long.toml").write_text(LONG)
    process = start_symbp(["demo", "long.toml", "-o", "out", "--no-pdf"], tmp_path)
    lines = []
    for line in process.stdout:
        lines.append(line)
        training = next((index for index, seen in enumerate(lines) if seen.startswith("4. Training")), None)
        if training is not None and len(lines) - training > 2:
            process.send_signal(signum)
            break
    out, err = process.communicate(timeout=TIME_LIMIT)
    return process, "".join(lines) + out, err.splitlines(keepends=True)


def test_sigterm_while_training_ends_the_run_with_no_documents(tmp_path):
    process, out, err_lines = _signal_while_training(tmp_path, signal.SIGTERM)
    assert "Interrupted" not in out and "5. Wrote" not in out
    assert len(err_lines) == 1
    _assert_clean_end(process, signal.SIGTERM, err_lines, tmp_path / "out", {"long.py"})


@pytest.mark.parametrize("signame", SIGNALS)
def test_a_signal_while_the_commands_load_ends_symbp_in_one_line(signame, tmp_path):
    """The console script's imports run under exit_quietly: no KeyboardInterrupt traceback from an import."""
    signum = SIGNALS[signame]
    script = (
        "import os, time\nfrom symbp.interrupts import exit_quietly\n"
        f"with exit_quietly():\n    os.kill(os.getpid(), {int(signum)})\n    time.sleep({TIME_LIMIT})\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    _, err = process.communicate(timeout=TIME_LIMIT)
    assert process.returncode == 128 + signum and err == f"symbp: {WORDS[signum]}\n"


DEEP = 'name = "deep"\nlayers = [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]\nactivation = "tanh"\n'
SLEEPER = (
    "import pathlib, time\ndef g(params, X, T):\n    pathlib.Path('called').touch()\n    time.sleep(600)\n"
)


def _numpy_loaded(pid: int) -> bool:
    """Whether the child has loaded NumPy's core: the commands import it lazily, inside main()."""
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.parametrize("signame", SIGNALS)
@pytest.mark.parametrize("command", ["derive", "gradcheck"])
def test_a_signal_during_another_command_ends_it_in_one_line(command, signame, tmp_path):
    signum = SIGNALS[signame]
    (tmp_path / "deep.toml").write_text(DEEP)
    (tmp_path / "mine.py").write_text(SLEEPER)
    if command == "derive":
        argv, ready = ["derive", "deep.toml", "--format", "markdown", "-o", "deep.md"], _numpy_loaded
    else:  # the user's function is running in gradcheck's child process
        argv, ready = (
            ["gradcheck", "mine.py:g", "--spec", "half_adder"],
            lambda pid: (tmp_path / "called").exists(),
        )
    before = {path.name for path in tmp_path.iterdir()}
    process = start_symbp(argv, tmp_path)
    while not ready(process.pid) and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signum)
    out, err = process.communicate(timeout=TIME_LIMIT)
    assert process.returncode == 128 + signum, (out, err)
    assert err == f"symbp {command}: {WORDS[signum]}\n"
    assert {path.name for path in tmp_path.iterdir()} - before <= {"called"}  # no output, nothing temporary
    assert not _processes_in(tmp_path)  # gradcheck's child, running the user's code, ended with it


def _processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is ``folder`` (the children a command started there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("signame", SIGNALS)
def test_a_signal_while_tex_runs_ends_the_demo_and_tex(signame, tmp_path):
    require("pdflatex")
    signum = SIGNALS[signame]
    folder = tmp_path / "out"
    process = start_symbp(["demo", "logistic", "-o", "out"], tmp_path)
    while not _tex_running_in(folder) and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signum)
    out, err = process.communicate(timeout=TIME_LIMIT)
    _assert_clean_end(process, signum, err.splitlines(), folder, PHASES["pdf"])
    assert not _tex_running_in(folder)


def _tex_running_in(folder: Path) -> bool:
    """Whether a process runs in one of the PDF build's temporary folders inside ``folder``."""
    return any(_processes_in(build) for build in (folder.glob(".symbp-tex-*") if folder.exists() else ()))
