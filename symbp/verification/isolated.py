"""Run a person's gradient function in a child process, so their code cannot decide symbp's fate.

``symbp gradcheck FILE.py:FUNCTION`` imports and calls the user's code here,
in a separate Python process with a time limit: ``sys.exit``, ``os._exit``,
``KeyboardInterrupt``, an endless loop or a crash end (or are stopped in)
the child, and the parent turns what happened into a verdict. Inputs go to
the child and gradients come back as arrays in temporary ``.npz`` files
(``allow_pickle=False``: nothing but numbers and text crosses). This module
imports only NumPy and the standard library, so the child starts quickly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from symbp.errors import SymbpError
from symbp.processes import own_session

_STATUS = "__status__"


def import_file(path: Path, module_name: str):
    """The module a .py file defines, imported under ``module_name`` (the file is only read)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def split_reference(reference: str) -> tuple[Path, str]:
    """``FILE.py:FUNCTION`` -> (an existing regular file, a function name), or one SymbpError."""
    path_text, colon, name = reference.rpartition(":")
    if not colon or not path_text or not name.isidentifier():
        raise SymbpError(f"{reference}: expected FILE.py:FUNCTION")
    path = Path(path_text)
    if not path.exists():
        raise SymbpError(f"{path}: no such file")
    if not path.is_file():
        raise SymbpError(f"{path}: not a regular file; allowed: FILE.py:FUNCTION naming a Python file")
    return path, name


def raised(error: BaseException) -> str:
    """What user code did when it raised ``error``, in words."""
    if isinstance(error, SystemExit):
        return f"the function called sys.exit({error.code!r})"
    return f"the function raised {type(error).__name__}: {error}"


def as_gradient(claimed: object) -> dict[str, np.ndarray] | str:
    """The returned value as float arrays by parameter name, or what is wrong with it."""
    if not isinstance(claimed, dict):
        return f"the function returned {type(claimed).__name__}, not a dict"
    gradient = {}
    for key, value in claimed.items():
        try:
            gradient[str(key)] = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as error:
            return f"the value for {key} is not an array of numbers ({type(value).__name__}: {error})"
    return gradient


def call_here(function, params: dict, X: np.ndarray, T: np.ndarray) -> dict[str, np.ndarray] | str:
    """Call a Python function in this process (copies of the inputs); failures become messages."""
    try:
        claimed = function({key: value.copy() for key, value in params.items()}, X.copy(), T.copy())
    except (Exception, SystemExit) as error:  # the user's code: report it as the failure it is
        return raised(error)
    return as_gradient(claimed)


def call_isolated(reference: str, cases: list[tuple[dict, np.ndarray, np.ndarray]], timeout: float) -> list:
    """``FILE.py:FUNCTION`` called on each (params, X, T) in a child process; a result or message each.

    Raises SymbpError when the file cannot be imported or has no such function
    (nothing was checked); every other failure is a message per case.
    """
    path, name = split_reference(reference)
    with tempfile.TemporaryDirectory(prefix="symbp-gradcheck-") as folder:
        inputs, outputs, errors = (Path(folder) / part for part in ("in.npz", "out.npz", "stderr.txt"))
        arrays = {}
        for index, (params, X, T) in enumerate(cases):
            arrays.update({f"{index}/params/{key}": value for key, value in params.items()})
            arrays.update({f"{index}/X": X, f"{index}/T": T})
        np.savez(inputs, **arrays)
        command = [sys.executable, "-m", __name__, str(path.resolve()), name, str(inputs), str(outputs)]
        package_root = str(Path(__file__).resolve().parents[2])
        environment = dict(
            os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        )
        with open(errors, "wb") as stderr:
            status = _run(command, environment, stderr, timeout)
        if status == "timeout":
            return [f"the function did not return within {timeout:g} s (--timeout)"] * len(cases)
        if not outputs.exists():
            last = errors.read_text(errors="replace").strip().splitlines()[-1:] or ["no message"]
            ended = f"the function's process ended (exit status {status}) before returning: {last[0][:200]}"
            return [ended] * len(cases)
        return _read_results(path, name, outputs, len(cases))


def _run(command: list[str], environment: dict, stderr, timeout: float) -> int | str:
    """The child's exit status, or "timeout"; its whole process group is ended however this returns."""
    options = {"env": environment, "stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL}
    with own_session(command, stderr=stderr, **options) as process:
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout"


def _read_results(path: Path, name: str, outputs: Path, count: int) -> list:
    with np.load(outputs, allow_pickle=False) as stored:
        status = json.loads(str(stored[_STATUS]))
        if status["load"]:
            raise SymbpError(f"{path}: {status['load']}")
        results = []
        for index, message in enumerate(status["cases"]):
            if message:
                results.append(message)
                continue
            prefix = f"{index}/"
            results.append(
                {key[len(prefix) :]: stored[key] for key in stored.files if key.startswith(prefix)}
            )
    return results + ["the function returned nothing for this data set"] * (count - len(results))


def _child(module_path: str, name: str, inputs: str, outputs: str):
    """In the child: import the user's file, call the function on every case, store what came back."""
    status = {"load": None, "cases": []}
    arrays = {}
    try:
        module = import_file(Path(module_path), "_symbp_user_gradient")
        function = getattr(module, name, None)
        if not callable(function):
            status["load"] = f"no function named {name}"
    except BaseException as error:  # the user's module: SystemExit and KeyboardInterrupt too
        status["load"] = f"importing it failed: {type(error).__name__}: {error}"
    if not status["load"]:
        with np.load(inputs, allow_pickle=False) as stored:
            count = len({key.split("/")[0] for key in stored.files})
            for index in range(count):
                prefix = f"{index}/params/"
                params = {key[len(prefix) :]: stored[key] for key in stored.files if key.startswith(prefix)}
                try:
                    result = as_gradient(function(params, stored[f"{index}/X"], stored[f"{index}/T"]))
                except BaseException as error:  # the user's code: every way out is a verdict
                    result = raised(error)
                if isinstance(result, str):
                    status["cases"].append(result)
                else:
                    status["cases"].append(None)
                    arrays.update({f"{index}/{key}": value for key, value in result.items()})
    arrays[_STATUS] = np.array(json.dumps(status))
    partial = outputs + ".part"
    with open(partial, "wb") as stream:
        np.savez(stream, **arrays)
    os.replace(partial, outputs)  # the parent sees a whole file or none


if __name__ == "__main__":
    _child(*sys.argv[1:5])
    # Leave without running the user module's atexit handlers or finalizers: the result is stored.
    os._exit(0)
