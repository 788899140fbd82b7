"""How derivation time and expression size grow with depth (issue 4, item 7).

For width 2 (sigmoid, half_mse, biases) and depth 1..50 this prints the time of
``symbp.derivation.derive(network)`` (the derivation and all of its checks) and the
size of what it derives (sum of ``sympy.count_ops`` over the step equations and
the backward matrix lines), next to the naive route: ``sympy.diff`` of the
fully expanded cost by one first-layer weight. The naive column stops after
the first depth that needs more than 60 s.

Every measurement runs in a fresh Python process, so one depth never profits
from SymPy caches warmed by another, and a runaway naive differentiation can be
killed. This is a measurement, not a test: nothing here asserts on time.

    python benchmarks/derive_scaling.py [--depths 1,2,...] [--repeat 3] [--naive-limit 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

DEPTHS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25, 30, 40, 50)
WIDTH = 2
GOAL_SECONDS = 5.0
GOAL_RATIO = 2.2


def network_spec(depth: int) -> dict:
    """The benchmark network: width 2 at every layer, sigmoid, half_mse, biases."""
    return {
        "name": f"width{WIDTH}_depth{depth}",
        "layers": [WIDTH] * (depth + 1),
        "activation": "sigmoid",
        "cost": "half_mse",
        "bias": True,
    }


# -- workers: run in a child process, print one JSON line ---------------------
def derived_worker(depth: int) -> dict:
    """Time derive() on a cold process, then measure the size of what it derived."""
    import sympy as sp

    from symbp.derivation.engine import derive
    from symbp.spec.network import load

    network = load(network_spec(depth))
    start = time.perf_counter()
    derivation = derive(network)
    seconds = time.perf_counter() - start
    ops = sum(sp.count_ops(step.eq) for step in derivation.steps)
    ops += sum(sp.count_ops(line.expr) for line in derivation.backward)
    return {"seconds": seconds, "ops": int(ops)}


def expanded_cost(depth: int):
    """The fully expanded one-sample cost in concrete scalar symbols, and w^{(1)}_{11}."""
    import sympy as sp

    from symbp.spec.functions import A as A_SCALAR
    from symbp.spec.functions import T as T_SCALAR
    from symbp.spec.functions import Z as Z_SCALAR
    from symbp.spec.network import load

    network = load(network_spec(depth))
    row = list(sp.symbols(f"x1:{WIDTH + 1}", real=True))
    first_weight = None
    for layer in range(1, depth + 1):
        weights = sp.Matrix(WIDTH, WIDTH, lambda r, c, layer=layer: sp.Symbol(f"w{layer}_{r + 1}{c + 1}"))
        biases = sp.symbols(f"b{layer}_1:{WIDTH + 1}", real=True)
        first_weight = weights[0, 0] if first_weight is None else first_weight
        activation = network.activation(layer).expr
        row = [
            activation.subs(Z_SCALAR, sum(row[r] * weights[r, c] for r in range(WIDTH)) + biases[c])
            for c in range(WIDTH)
        ]
    targets = sp.symbols(f"t1:{WIDTH + 1}", real=True)
    pairs = zip(row, targets, strict=True)
    cost = sum(network.cost.expr.subs({A_SCALAR: out, T_SCALAR: target}) for out, target in pairs)
    return cost, first_weight


def naive_worker(depth: int) -> dict:
    """Time sympy.diff of the expanded cost by a first-layer weight; print before counting ops."""
    import sympy as sp

    start = time.perf_counter()
    cost, weight = expanded_cost(depth)
    gradient = sp.diff(cost, weight)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds}), flush=True)
    return {"seconds": seconds, "ops": int(sp.count_ops(gradient))}


WORKERS = {"derived": derived_worker, "naive": naive_worker}


# -- the parent: run workers with a time guard --------------------------------
def run_worker(kind: str, depth: int, limit: float | None) -> dict | None:
    """Run one worker in a fresh interpreter; None when it exceeded ``limit`` seconds.

    The naive worker prints its time before counting ops, so a slow count_ops
    still leaves the time (with ops unknown).
    """
    command = [sys.executable, __file__, "--worker", kind, str(depth)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, env=env, check=True)
        output = done.stdout
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else (timeout.stdout or "")
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    if not lines:
        return None
    return lines[-1]


def best_of(depth: int, repeat: int) -> dict:
    """The fastest of ``repeat`` cold derivations (other load on the machine only adds time)."""
    runs = [run_worker("derived", depth, None) for _ in range(repeat)]
    return min(runs, key=lambda run: run["seconds"])


def fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:9.3f}"


def fmt_ops(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default=",".join(map(str, DEPTHS)))
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per depth; the fastest counts")
    parser.add_argument("--naive-limit", type=float, default=60.0, help="seconds; naive column stops")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, depth = args.worker
        print(json.dumps(WORKERS[kind](int(depth))), flush=True)
        return
    depths = [int(value) for value in args.depths.split(",")]
    print(f"width {WIDTH}, sigmoid, half_mse, biases; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"derive: fastest of {args.repeat} cold runs; naive: sympy.diff of the expanded cost by w^(1)_11")
    header = f"{'depth':>5}  {'derive s':>9}  {'derived ops':>11}  {'naive s':>9}  {'naive ops':>11}"
    print(header)
    print("-" * len(header))
    times, naive_running = {}, True
    for depth in depths:
        derived = best_of(depth, args.repeat)
        times[depth] = derived["seconds"]
        naive_cell, naive_ops, note = "-", None, ""
        if naive_running:
            naive = run_worker("naive", depth, args.naive_limit + 5)
            if naive is None or naive["seconds"] > args.naive_limit:
                naive_running = False
                note = f"  naive over {args.naive_limit:g} s: column stops"
            naive_cell = f"> {args.naive_limit:g}" if naive is None else fmt_seconds(naive["seconds"])
            naive_ops = naive.get("ops") if naive else None
        print(
            f"{depth:5d}  {fmt_seconds(derived['seconds'])}  {fmt_ops(derived['ops']):>11}  "
            f"{naive_cell:>9}  {fmt_ops(naive_ops):>11}{note}",
            flush=True,
        )
    report_goals(times)


def report_goals(times: dict[int, float]) -> None:
    """Print t(50)/t(25) and whether the goals of issue 4 item 7 hold."""
    if 50 not in times:
        return
    verdict = "holds" if times[50] < GOAL_SECONDS else "FAILS"
    print(f"\nt(50) = {times[50]:.3f} s: goal < {GOAL_SECONDS:g} s {verdict}")
    if 25 in times:
        ratio = times[50] / times[25]
        verdict = "holds" if ratio <= GOAL_RATIO else "FAILS"
        print(f"t(50)/t(25) = {ratio:.2f}: goal <= {GOAL_RATIO} {verdict}")


if __name__ == "__main__":
    main()
