"""Cold-start latency of the symbp command line next to the floor of ``import sympy`` (issue 16).

Every command runs in a fresh Python process, as the ``symbp`` console script
runs it (``from symbp.cli import main``), from an empty folder, with its
output discarded. The commands take turns round by round, so a burst of load
from elsewhere on the machine hits all of them alike; the table gives the
median and the quartiles of each, and the median's ratio to the median of
``python -c 'import sympy'`` measured in the same rounds. Issue 16 asks for
derive, generate and verify at most 3x that floor; --help and examples import
no SymPy at all (tests/test_layout.py checks that, by counting modules).

This is a measurement, not a test: nothing here asserts on time, and on a
loaded machine the ratios move; the load average is printed with them.

Bytecode is cached as a pip install caches it (pip compiles every module when
it installs a wheel, and SymPy's cache is there already): the children run
with PYTHONDONTWRITEBYTECODE unset, after one round that is not counted, so a
checkout's symbp is not recompiled from source on every start while SymPy is
not.

The last row judges a hand derivation of ten lines (three chains) on a built-in
network, goal under 3 s (issue 22).

    python benchmarks/cli_latency.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ENTRY = "import sys; from symbp.cli import main; sys.exit(main())"
FORMULA = r"\frac{\partial J}{\partial W^{(1)}} = X^T \delta^{(2)}"
FLOOR = "import sympy"
# ten lines of three chains, every one right: each line's claim and step are judged
TEN_LINES = r"""\begin{align*}
\delta^L_j &= \frac{\partial C}{\partial a^L_j} \frac{\partial a^L_j}{\partial z^L_j} \\
  &= \frac{\partial C}{\partial a^L_j} \sigma'(z^L_j) \\
  &= (a^L_j - y_j) \sigma'(z^L_j) \\
\delta^l_j &= \sum_k \frac{\partial C}{\partial z^{l+1}_k} \frac{\partial z^{l+1}_k}{\partial z^l_j} \\
  &= \sum_k \frac{\partial z^{l+1}_k}{\partial z^l_j} \delta^{l+1}_k \\
  &= \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j) \\
\frac{\partial C}{\partial w^l_{jk}}
  &= \frac{\partial C}{\partial z^l_j} \frac{\partial z^l_j}{\partial w^l_{jk}} \\
  &= \delta^l_j \frac{\partial z^l_j}{\partial w^l_{jk}} \\
  &= \delta^l_j a^{l-1}_k \\
  &= a^{l-1}_k \delta^l_j
\end{align*}
"""
DERIVATION_FILE = "ten_lines.tex"
DERIVATION_ROW = "symbp verify --derivation (10 lines)"
DERIVATION_GOAL_SECONDS = 3.0
COMMANDS = {
    FLOOR: [sys.executable, "-c", "import sympy"],
    "symbp --help": [sys.executable, "-c", ENTRY, "--help"],
    "symbp examples": [sys.executable, "-c", ENTRY, "examples"],
    "symbp derive half_adder": [sys.executable, "-c", ENTRY, "derive", "half_adder"],
    "symbp generate half_adder": [sys.executable, "-c", ENTRY, "generate", "half_adder"],
    "symbp verify demystified '<dJ/dW1>'": [sys.executable, "-c", ENTRY, "verify", "demystified", FORMULA],
    DERIVATION_ROW: [sys.executable, "-c", ENTRY, "verify", "half_adder", "--notation", "nielsen"]
    + ["--derivation", DERIVATION_FILE],
}
GOAL_RATIO = 3.0
GOAL_COMMANDS = [name for name in COMMANDS if name.split()[1:2] in (["derive"], ["generate"], ["verify"])]


CHILD_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def cold_seconds(command: list[str], folder: str) -> float:
    """Wall-clock seconds of one fresh process; a failing command stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=folder,
        env=CHILD_ENVIRONMENT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command[3:]} failed with status {done.returncode}:\n{done.stderr}")
    return seconds


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile)."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, middle, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="fresh processes per command (default 7)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, DERIVATION_FILE), "w", encoding="utf-8") as handle:
            handle.write(TEN_LINES)
        for command in COMMANDS.values():  # the uncounted round that writes the bytecode caches
            cold_seconds(command, folder)
        for _ in range(args.rounds):
            for name, command in COMMANDS.items():
                times[name].append(cold_seconds(command, folder))
            loads.append(os.getloadavg()[0])
    floor = statistics.median(times[FLOOR])
    load = f"load {min(loads):.2f}-{max(loads):.2f}"
    print(f"{args.rounds} rounds, commands interleaved; {os.cpu_count()} CPUs, {load}")
    header = f"{'command':38s} {'median s':>9} {'q1 s':>7} {'q3 s':>7} {'x floor':>8}"
    print(header)
    print("-" * len(header))
    for name, values in times.items():
        low, middle, high = quartiles(values)
        goal = ""
        if name in GOAL_COMMANDS:
            goal = "  holds" if middle / floor <= GOAL_RATIO else f"  FAILS (goal <= {GOAL_RATIO:g}x)"
        if name == DERIVATION_ROW:
            within = middle < DERIVATION_GOAL_SECONDS
            goal = "  holds" if within else f"  FAILS (goal < {DERIVATION_GOAL_SECONDS:g} s)"
        print(f"{name:38s} {middle:9.3f} {low:7.3f} {high:7.3f} {middle / floor:7.2f}x{goal}")


if __name__ == "__main__":
    main()
