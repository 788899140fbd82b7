"""How derivation and code generation time and expression size grow with depth (issues 4 and 16).

For width 2 (sigmoid, half_mse, biases) and depth 1..500 (the spec's limit) this
prints the time of ``symbp.derivation.derive(network)`` (the derivation and all
of its checks), the time of ``symbp.codegen.generate`` on that derivation, and
the size of what it derives (sum of ``sympy.count_ops`` over the step equations
and the backward matrix lines), next to the naive route: ``sympy.diff`` of the
fully expanded cost by one first-layer weight. The naive column stops after
the first depth that needs more than 60 s. At the end, t(2d)/t(d) of derive and
generate for the doubled depths measured (issue 16 asks for at most 2.2 up to 500).

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

DEPTHS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25, 30, 40, 50, 125, 250, 500)
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
    """Time derive() and then generate() on a cold process, then measure the size of what it derived."""
    import sympy as sp

    from symbp.codegen.generator import generate
    from symbp.derivation.engine import derive
    from symbp.spec.network import load

    network = load(network_spec(depth))
    start = time.perf_counter()
    derivation = derive(network)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    generate(derivation)
    generate_seconds = time.perf_counter() - start
    ops = sum(sp.count_ops(step.eq) for step in derivation.steps)
    ops += sum(sp.count_ops(line.expr) for line in derivation.backward)
    return {"seconds": seconds, "generate": generate_seconds, "ops": int(ops)}


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
    """Run one worker in a fresh interpreter; None when it exceeded ``limit`` seconds (or naive failed).

    The naive worker prints its time before counting ops, so a slow count_ops
    still leaves the time (with ops unknown).
    """
    command = [sys.executable, __file__, "--worker", kind, str(depth)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    try:
        check = kind == "derived"
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, env=env, check=check)
        output = done.stdout
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else (timeout.stdout or "")
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    if not lines:
        return None
    return lines[-1]


def best_of(depth: int, repeat: int) -> dict:
    """The fastest derive and the fastest generate of ``repeat`` cold runs (other load only adds time)."""
    runs = [run_worker("derived", depth, None) for _ in range(repeat)]
    fastest = min(runs, key=lambda run: run["seconds"])
    return fastest | {"generate": min(run["generate"] for run in runs)}


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
    print(f"derive, generate: fastest of {args.repeat} cold runs")
    print("naive: sympy.diff of the expanded cost by w^(1)_11")
    header = f"{'depth':>5}  {'derive s':>9}  {'generate s':>10}  {'derived ops':>11}  "
    header += f"{'naive s':>9}  {'naive ops':>11}"
    print(header)
    print("-" * len(header))
    times, generate_times, naive_running = {}, {}, True
    for depth in depths:
        derived = best_of(depth, args.repeat)
        times[depth] = derived["seconds"]
        generate_times[depth] = derived["generate"]
        naive_cell, naive_ops, note = "-", None, ""
        if naive_running:
            naive = run_worker("naive", depth, args.naive_limit + 5)
            if naive is None or naive["seconds"] > args.naive_limit:
                naive_running = False
                note = f"  naive over {args.naive_limit:g} s: column stops"
            naive_cell = f"> {args.naive_limit:g}" if naive is None else fmt_seconds(naive["seconds"])
            naive_ops = naive.get("ops") if naive else None
        print(
            f"{depth:5d}  {fmt_seconds(derived['seconds'])}  {fmt_seconds(derived['generate']):>10}  "
            f"{fmt_ops(derived['ops']):>11}  "
            f"{naive_cell:>9}  {fmt_ops(naive_ops):>11}{note}",
            flush=True,
        )
    report_goals(times)
    report_doublings(times, generate_times)


def report_doublings(times: dict[int, float], generate_times: dict[int, float]) -> None:
    """t(2d)/t(d) of derive and generate for every measured d whose double was measured too (issue 16)."""
    doubled = [depth for depth in sorted(times) if depth >= 100 and 2 * depth in times]
    if doubled:
        print(f"\ndoublings (issue 16: each at most {GOAL_RATIO} up to depth 500):")
    for depth in doubled:
        for name, table in (("derive", times), ("generate", generate_times)):
            ratio = table[2 * depth] / table[depth]
            verdict = "holds" if ratio <= GOAL_RATIO else "FAILS"
            print(f"  {name:8s} t({2 * depth})/t({depth}) = {ratio:.2f}: {verdict}")


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
