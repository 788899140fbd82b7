"""How derivation and code generation time and expression size grow with depth (issues 4 and 16).

For width 2 (sigmoid, half_mse, biases) and depth 1..500 (the spec's limit) this
prints the time of ``symbp.derivation.derive(network)`` (the derivation and all
of its checks), the time of ``symbp.codegen.generate`` on that derivation, and
the size of what it derives (sum of ``sympy.count_ops`` over the step equations
and the backward matrix lines), next to the naive route: ``sympy.diff`` of the
fully expanded cost by one first-layer weight. The naive column stops after
the first depth that needs more than 60 s. At the end, t(2d)/t(d) of derive and
generate for the doubled depths measured (issue 16 asks for at most 2.2 up to 500).
Then relu everywhere, output included, against sigmoid everywhere on the same
[2, 3, ..., 3, 2] network at depths 3 and 6 (issue 26: relu at most 2x sigmoid),
in the same rounds; a checkout whose relu run passes ``--piecewise-limit`` s
shows "> limit".

Every measurement runs in a fresh Python process, so one depth never profits
from SymPy caches warmed by another, and a runaway naive differentiation can be
killed. The ``--repeat`` runs of a depth are spread over rounds, each round
running every depth once (and, with ``--baseline``, the other checkout right
after), so load that comes and goes falls on every column alike. Each cell is
the median of its runs with their spread (lowest-highest). Wall-clock time
counts the time other processes hold the processor; the process's CPU time
(``time.process_time``) mostly does not, so under load its ratios are the ones
to trust, and the load average is printed before and after. This is a
measurement, not a test: nothing here asserts on time.

    python benchmarks/derive_scaling.py [--depths 1,2,...] [--repeat 5] [--naive-limit 60]
        [--baseline /path/to/another/checkout] [--piecewise-depths 3,6] [--piecewise-limit 120]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

DEPTHS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25, 30, 40, 50, 125, 250, 500)
WIDTH = 2
GOAL_SECONDS = 5.0
GOAL_RATIO = 2.2
PIECEWISE_DEPTHS = (3, 6)
PIECEWISE_GOAL = 2.0
GRAPH_DEPTHS = (50,)
GRAPH_GOAL = 2.0
SKIPS = "skip2"  # the worker's name for the graph network with a skip into every second layer


def network_spec(depth: int, activation: str = "sigmoid", tapered: bool = False) -> dict:
    """The benchmark network: width 2 at every layer, sigmoid, half_mse, biases.

    ``activation`` is used at every layer, output included; ``tapered`` gives the
    piecewise rows' network, [2, 3, ..., 3, 2], the width of issue 26's example.
    """
    if activation == SKIPS:
        return graph_spec(depth)
    layers = [2] + [3] * (depth - 1) + [2] if tapered else [WIDTH] * (depth + 1)
    return {
        "name": f"{activation}_depth{depth}",
        "layers": layers,
        "activation": activation,
        "cost": "half_mse",
        "bias": True,
    }


def graph_spec(depth: int) -> dict:
    """The square sigmoid network of ``depth`` layers, plus a weighted skip from layer l-2 into every
    even layer l (issue 24's graph of depth 50 with skips every 2 layers)."""
    tables = [{"name": "layer0", "size": WIDTH}]
    for layer in range(1, depth + 1):
        skip = [f"layer{layer - 2}"] if layer >= 2 and layer % 2 == 0 else []
        weighted = [f"layer{layer - 1}", *skip]
        tables.append({"name": f"layer{layer}", "size": WIDTH, "activation": "sigmoid", "weighted": weighted})
    return {"name": f"skips_depth{depth}", "layers": tables, "cost": "half_mse", "bias": True}


# -- workers: run in a child process, print one JSON line ---------------------
def derived_worker(depth: int, activation: str = "sigmoid", tapered: bool = False) -> dict:
    """Time derive() and then generate() on a cold process, then measure the size of what it derived."""
    import sympy as sp

    from symbp.codegen.generator import generate
    from symbp.derivation.any_network import derive
    from symbp.spec.network import load

    network = load(network_spec(depth, activation, tapered))
    wall, cpu = time.perf_counter(), time.process_time()
    derivation = derive(network)
    derive_wall, derive_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    generate(derivation)
    generate_wall, generate_cpu = time.perf_counter() - wall, time.process_time() - cpu
    # a graph's steps are its backward lines, counted below
    steps = derivation.steps if derivation.network.graph is None else ()
    ops = sum(sp.count_ops(step.eq) for step in steps)
    ops += sum(sp.count_ops(line.expr) for line in derivation.backward)
    times = {"derive": derive_wall, "generate": generate_wall}
    return {"wall": times, "cpu": {"derive": derive_cpu, "generate": generate_cpu}, "ops": int(ops)}


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
def run_worker(
    kind: str, depth: int, limit: float | None, symbp_path: str | None = None, activation: str = ""
) -> dict | None:
    """Run one worker in a fresh interpreter; None when it exceeded ``limit`` seconds (or naive failed).

    ``symbp_path`` puts another checkout's symbp first on the path (``--baseline``).
    The naive worker prints its time before counting ops, so a slow count_ops
    still leaves the time (with ops unknown).
    """
    command = [sys.executable, __file__, "--worker", kind, str(depth), activation or "-"]
    env = dict(os.environ, PYTHONHASHSEED="0")
    if symbp_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [symbp_path, os.environ.get("PYTHONPATH")]))
    try:
        check = kind == "derived" and limit is None
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, env=env, check=check)
        output = done.stdout
    except subprocess.TimeoutExpired as timeout:
        output = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else (timeout.stdout or "")
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    if not lines:
        return None
    return lines[-1]


def measure(depths: list[int], repeat: int, checkouts: dict[str, str | None]) -> dict:
    """Every run of the derived worker: ``[checkout][depth]`` -> list of results, in interleaved rounds."""
    runs: dict = {name: {depth: [] for depth in depths} for name in checkouts}
    for round_number in range(repeat):
        # Up the depths, then down: no depth always runs first after a pause in the load.
        for depth in depths if round_number % 2 == 0 else depths[::-1]:
            for name, path in checkouts.items():
                runs[name][depth].append(run_worker("derived", depth, None, path))
    return runs


def medians(runs: list[dict], clock: str, pick=statistics.median) -> dict[str, float]:
    """The median (or ``pick``) derive and generate time of ``runs`` by ``clock`` ("wall" or "cpu")."""
    return {part: pick(run[clock][part] for run in runs) for part in ("derive", "generate")}


def cell(runs: list[dict], clock: str, part: str) -> str:
    """'median (lowest-highest)' of one column."""
    values = [run[clock][part] for run in runs]
    return f"{statistics.median(values):6.3f} ({min(values):.2f}-{max(values):.2f})"


def fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:9.3f}"


def fmt_ops(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def load_average() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default=",".join(map(str, DEPTHS)))
    parser.add_argument("--repeat", type=int, default=5, help="cold runs per depth; cells are medians")
    parser.add_argument("--naive-limit", type=float, default=60.0, help="seconds; naive column stops")
    parser.add_argument("--baseline", help="another checkout, run interleaved with this one (PYTHONPATH)")
    parser.add_argument("--piecewise-depths", default=",".join(map(str, PIECEWISE_DEPTHS)))
    parser.add_argument("--piecewise-limit", type=float, default=120.0, help="seconds of one relu run")
    parser.add_argument("--graph-depths", default=",".join(map(str, GRAPH_DEPTHS)))
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, depth, activation = args.worker
        # "-": the square sigmoid network; SKIPS: it with skips; an activation name: the tapered network
        # with it everywhere
        if activation in ("-", SKIPS):
            arguments = (int(depth),) if activation == "-" else (int(depth), SKIPS)
        else:
            arguments = (int(depth), activation, True)
        print(json.dumps(WORKERS[kind](*arguments)), flush=True)
        return
    depths = [int(value) for value in args.depths.split(",")]
    checkouts = {"this": None} | ({"baseline": args.baseline} if args.baseline else {})
    print(f"width {WIDTH}, sigmoid, half_mse, biases; {os.cpu_count()} CPUs, {load_average()} before")
    print(f"derive, generate: median (lowest-highest) of {args.repeat} cold runs, in interleaved rounds")
    if args.baseline:
        print(f"baseline: symbp from {args.baseline}, each of its runs right after this checkout's")
    runs = measure(depths, args.repeat, checkouts)
    print(f"{load_average()} after the timed runs")
    for name in checkouts:
        print_table(name, depths, runs[name])
    print_naive(depths, args.naive_limit)
    report_goals({depth: medians(runs["this"][depth], "wall")["derive"] for depth in depths})
    for name in checkouts:
        report_doublings(name, runs[name])
    if args.baseline:
        report_speedups(depths, runs)
    graph_depths = [int(value) for value in args.graph_depths.split(",") if value]
    if graph_depths:
        report_graph(measure_graph(graph_depths, args.repeat, checkouts), checkouts)
    piecewise = [int(value) for value in args.piecewise_depths.split(",") if value]
    if piecewise:
        report_piecewise(
            measure_piecewise(piecewise, args.repeat, checkouts, args.piecewise_limit), checkouts
        )


def measure_graph(depths: list[int], repeat: int, checkouts: dict) -> dict:
    """``[checkout][network][depth]`` -> the CPU seconds of each run, chain ("-") and graph (SKIPS)."""
    runs: dict = {name: {kind: {d: [] for d in depths} for kind in ("-", SKIPS)} for name in checkouts}
    for _round in range(repeat):
        for depth in depths:
            for name, path in checkouts.items():
                for kind in ("-", SKIPS):
                    runs[name][kind][depth].append(run_worker("derived", depth, None, path, kind)["cpu"])
    return runs


def report_graph(runs: dict, checkouts: dict) -> None:
    """Median CPU seconds of derive and generate, the graph with skips next to the chain of its depth."""
    print("\nskips: a weighted skip from l-2 into every even layer l, against the chain of the same depth")
    print(f"cpu s, median; goal (issue 24): graph / chain at most {GRAPH_GOAL:g}, derive and generate")
    for name in checkouts:
        for depth in sorted(runs[name]["-"]):
            cells = []
            for part in ("derive", "generate"):
                chain = statistics.median(run[part] for run in runs[name]["-"][depth])
                graph = statistics.median(run[part] for run in runs[name][SKIPS][depth])
                verdict = "holds" if graph / chain <= GRAPH_GOAL else "FAILS"
                cells.append(f"{part} {graph:.3f} / {chain:.3f} = {graph / chain:.2f} {verdict}")
            print(f"  {name} depth {depth}: " + "; ".join(cells))


def measure_piecewise(depths: list[int], repeat: int, checkouts: dict, limit: float) -> dict:
    """``[checkout][activation][depth]`` -> derive CPU seconds of each run (None: past ``limit``)."""
    runs: dict = {name: {act: {d: [] for d in depths} for act in ("sigmoid", "relu")} for name in checkouts}
    for _round in range(repeat):
        for depth in depths:
            for name, path in checkouts.items():
                for activation in ("sigmoid", "relu"):
                    if None in runs[name][activation][depth]:
                        continue  # past the limit once: not run again
                    result = run_worker("derived", depth, limit, path, activation)
                    runs[name][activation][depth].append(None if result is None else result["cpu"]["derive"])
    return runs


def report_piecewise(runs: dict, checkouts: dict) -> None:
    """Median derive CPU seconds, relu everywhere next to sigmoid everywhere, and their ratio."""
    print("\nrelu everywhere (output included) against sigmoid, [2, 3, ..., 3, 2], half_mse, biases")
    print(f"derive cpu s, median; goal: relu / sigmoid at most {PIECEWISE_GOAL:g} in the same run")
    header = "".join(f"{name + ' sigmoid':>18}{name + ' relu':>16}{'ratio':>8}" for name in checkouts)
    print(f"{'depth':>5}" + header)
    depths = sorted(next(iter(runs.values()))["relu"])
    for depth in depths:
        cells = []
        for name in checkouts:
            sigmoid, relu = (runs[name][act][depth] for act in ("sigmoid", "relu"))
            smooth = statistics.median(sigmoid) if None not in sigmoid else None
            kinked = statistics.median(relu) if None not in relu else None
            ratio = "-" if smooth is None or kinked is None else f"{kinked / smooth:.2f}"
            cells.append(f"{fmt_seconds(smooth):>18}{_past(kinked):>16}{ratio:>8}")
        print(f"{depth:5d}" + "".join(cells))


def _past(value: float | None) -> str:
    return "> limit" if value is None else fmt_seconds(value)


def print_table(name: str, depths: list[int], runs: dict) -> None:
    """One checkout's medians: wall and CPU seconds of derive and generate, and the derived ops."""
    print(f"\n{name}")
    header = f"{'depth':>5}  {'derive wall s':>20}  {'derive cpu s':>20}  {'generate wall s':>20}  "
    header += f"{'generate cpu s':>20}  {'derived ops':>11}"
    print(header)
    print("-" * len(header))
    for depth in depths:
        cells = [
            cell(runs[depth], clock, part) for part in ("derive", "generate") for clock in ("wall", "cpu")
        ]
        print(
            f"{depth:5d}  "
            + "  ".join(f"{value:>20}" for value in cells)
            + f"  {fmt_ops(runs[depth][0]['ops']):>11}"
        )


def print_naive(depths: list[int], limit: float) -> None:
    """sympy.diff of the expanded cost, once per depth, until a depth needs more than ``limit`` s."""
    print(f"\nnaive: sympy.diff of the expanded cost by w^(1)_11 (one run each, stops past {limit:g} s)")
    for depth in depths:
        naive = run_worker("naive", depth, limit + 5)
        if naive is None:
            print(f"{depth:5d}  > {limit:g} s: column stops")
            return
        print(f"{depth:5d}  {fmt_seconds(naive['seconds'])} s  {fmt_ops(naive.get('ops')):>11} ops")
        if naive["seconds"] > limit:
            return


def report_doublings(name: str, runs: dict) -> None:
    """t(2d)/t(d) of derive and generate for every d >= 100 measured doubled: of the medians and of the
    lowest times (other load only adds time), by the wall clock and by CPU time."""
    doubled = [depth for depth in sorted(runs) if depth >= 100 and 2 * depth in runs]
    if not doubled:
        return
    picks = {"median": statistics.median, "lowest": min}
    columns = [(clock, pick) for clock in ("wall", "cpu") for pick in picks]
    print(f"\n{name}: doublings t(2d)/t(d) (issue 16: each at most {GOAL_RATIO} up to depth 500)")
    print(" " * 26 + "".join(f"{clock + ' ' + pick:>15}" for clock, pick in columns))
    for depth in doubled:
        for part in ("derive", "generate"):
            cells = []
            for clock, pick in columns:
                ratio = (
                    medians(runs[2 * depth], clock, picks[pick])[part]
                    / medians(runs[depth], clock, picks[pick])[part]
                )
                cells.append(f"{ratio:.2f} {'holds' if ratio <= GOAL_RATIO else 'FAILS'}")
            print(
                f"  {part:8s} t({2 * depth})/t({depth})".ljust(26)
                + "".join(f"{value:>15}" for value in cells)
            )


def report_speedups(depths: list[int], runs: dict) -> None:
    """Baseline median over this checkout's median, per depth (above 1: this one is faster)."""
    print("\nbaseline / this (medians, cpu):")
    for depth in depths:
        this, baseline = medians(runs["this"][depth], "cpu"), medians(runs["baseline"][depth], "cpu")
        parts = ", ".join(f"{part} {baseline[part] / this[part]:.2f}" for part in ("derive", "generate"))
        print(f"  {depth:5d}  {parts}")


def report_goals(times: dict[int, float]) -> None:
    """Print t(50)/t(25) and whether the goals of issue 4 item 7 hold (median wall-clock derive)."""
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
