"""The generated module's steady-state step in each backend beside hand-written framework steps.

    python benchmarks/train_step.py --section backends [--quick] [--no-compile] [--sizes tiny ...]
        [--torch-threads N] [--previous REV]

(train_step.py's section; ``python benchmarks/backend_steps.py`` with the same
options runs it alone.) At tiny (the half adder's layers [2, 2, 2, 2] and its
4 rows), small, medium and large (sigmoid hidden layers, softmax output, cce,
float32, plain SGD), per step, side by side in one process: the NumPy, torch
and jax modules' steps (the derived gradient, then the update in place; jax:
one jit, parameters donated), a hand-written PyTorch eager step (autograd,
torch.optim.SGD), the same step through torch.compile, a hand-written JAX jit
step (jax.grad), the NumPy matmuls (the step's matrix products alone) and the
NumPy bound (those, one exp per activation entry, one update pass). With
--previous REV the modules that commit generates (its tree unpacked by git
archive into a temporary folder, generated there by a child Python) are timed
beside today's. Times are medians over rounds; ratios to the fastest
hand-written step are taken round by round (train_step.py's method). The BLAS
each library uses is printed first.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from train_step import (
    interleaved,
    jax_step,
    matmul_floor,
    module_from_source,
    numpy_bound,
    optimiser_step,
    ratio,
    torch_step,
)

from symbp.codegen.generator import generate
from symbp.derivation.engine import derive
from symbp.spec.network import load

SIZES = {
    "tiny": ([2, 2, 2, 2], 4),
    "small": ([64, 64, 64, 10], 64),
    "medium": ([784, 256, 256, 10], 256),
    "large": ([1024, 1024, 1024, 1024], 512),
}
LEARNING_RATE = 0.1
ROOT = Path(__file__).resolve().parents[1]
# run by a child Python in another commit's tree: each backend's float32 module source for a spec
GENERATE = """
import json, sys
from symbp.codegen.generator import generate
from symbp.derivation.engine import derive
from symbp.spec.network import load
spec, backends = json.loads(sys.argv[1]), sys.argv[2:]
derivation = derive(load(spec))
sources = {}
for backend in backends:
    try:
        options = {} if backend == "numpy" else {"backend": backend}
        sources[backend] = generate(derivation, "float32", **options)
    except (TypeError, ValueError) as error:
        print(f"{backend}: {error}", file=sys.stderr)
print(json.dumps(sources))
"""


def problem(sizes, batch, seed=0):
    """Random rows, one-hot targets, weights and biases ~ U(-1, 1) / sqrt(n_in), in float64."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0]))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    Ws = [rng.uniform(-1, 1, (a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return X, T, Ws, bs


def blas() -> str:
    lines = []
    config = getattr(np, "__config__", None)
    info = getattr(config, "CONFIG", {}).get("Build Dependencies", {}).get("blas", {})
    lines.append(f"NumPy {np.__version__}: BLAS {info.get('name', '?')} {info.get('version', '')}".rstrip())
    if importlib.util.find_spec("torch"):
        import torch

        mkl = "MKL" if torch.backends.mkl.is_available() else "no MKL"
        lines.append(f"PyTorch {torch.__version__}: {mkl}, {torch.get_num_threads()} threads")
    if importlib.util.find_spec("jax"):
        import jax

        lines.append(f"JAX {jax.__version__}: XLA on {jax.devices()[0].platform}")
    return "\n".join(lines)


def spec_of(sizes) -> dict:
    activations = ["sigmoid"] * (len(sizes) - 2) + ["softmax"]
    return {"name": "mlp", "layers": sizes, "activation": activations, "cost": "cce"}


def installed() -> list[str]:
    return ["numpy", *(backend for backend in ("torch", "jax") if importlib.util.find_spec(backend))]


def modules(sizes):
    derivation = derive(load(spec_of(sizes)))
    result = {}
    for backend in installed():
        options = {} if backend == "numpy" else {"backend": backend}
        result[backend] = module_from_source(generate(derivation, "float32", **options), f"mlp_{backend}")
    return result


def previous_modules(revision: str, sizes) -> dict:
    """Each backend's module as commit `revision` generates it (its own code, in a child Python)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True)
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tree:
            tree.extractall(folder, filter="data")
        child = subprocess.run(
            [sys.executable, "-c", GENERATE, json.dumps(spec_of(sizes)), *installed()],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": folder},
            capture_output=True,
            text=True,
        )
    if child.returncode:
        raise SystemExit(f"--previous {revision}: generating failed: {child.stderr.strip().splitlines()[-1]}")
    sources = json.loads(child.stdout)
    return {key: module_from_source(source, f"mlp_{key}_previous") for key, source in sources.items()}


def torch_module_step(module, Ws, bs, X, T):
    torch = module.torch
    params = module.init_params(dtype=torch.float32)
    for index, (w, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        params[f"W{index}"].copy_(torch.as_tensor(w)), params[f"b{index}"].copy_(torch.as_tensor(b))
    inputs, targets = (torch.as_tensor(np.asarray(a, np.float32)) for a in (X, T))
    cached = module._steps(params, inputs, len(X), LEARNING_RATE)
    update = module.IN_PLACE["sgd"][0](cached["flat"], cached["gradient"])
    step = cached["step"]

    def run():
        step(inputs, targets)
        update()

    return run


def jax_module_step(module, Ws, bs, X, T):
    jnp = module.jnp
    start, step = module.make_step("sgd", learning_rate=LEARNING_RATE)
    params = {}
    for index, (w, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        params[f"W{index}"], params[f"b{index}"] = jnp.asarray(w, jnp.float32), jnp.asarray(b, jnp.float32)
    inputs, targets = (jnp.asarray(a, jnp.float32) for a in (X, T))
    state = {"params": params, "optimizer": start(params)}

    def run():
        state["params"], state["optimizer"] = step(state["params"], state["optimizer"], inputs, targets)
        module.jax.block_until_ready(state["params"])

    run()  # compile outside the timing
    return run


def compiled_torch_step(Ws, bs, X, T):
    """The eager step's forward and loss through torch.compile (backward and SGD as in eager)."""
    import torch

    weights = [torch.tensor(np.asarray(w, np.float32), requires_grad=True) for w in Ws]
    biases = [torch.tensor(np.asarray(b, np.float32), requires_grad=True) for b in bs]
    inputs = torch.tensor(np.asarray(X, np.float32))
    labels = torch.tensor(np.asarray(T, np.float32)).argmax(dim=1)
    optimizer = torch.optim.SGD(weights + biases, lr=LEARNING_RATE)

    @torch.compile
    def loss_of(inputs, labels):
        hidden = inputs
        for w, b in zip(weights[:-1], biases[:-1], strict=True):
            hidden = torch.sigmoid(hidden @ w + b)
        return torch.nn.functional.cross_entropy(hidden @ weights[-1] + biases[-1], labels)

    def run():
        optimizer.zero_grad(set_to_none=True)
        loss_of(inputs, labels).backward()
        optimizer.step()

    run()  # compile outside the timing
    return run


def module_steps(mods, label, Ws, bs, X, T) -> dict:
    """Each module's step in `mods` (numpy, torch, jax) on the same weights and data."""
    X32, T32 = X.astype(np.float32), T.astype(np.float32)
    numpy_params = {}
    for index, (w, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        numpy_params[f"W{index}"], numpy_params[f"b{index}"] = w.astype(np.float32), b.astype(np.float32)
    steps = {f"{label} numpy": optimiser_step(mods["numpy"], numpy_params, X32, T32, "sgd", LEARNING_RATE)}
    if "torch" in mods:
        steps[f"{label} torch"] = torch_module_step(mods["torch"], Ws, bs, X, T)
    if "jax" in mods:
        steps[f"{label} jax"] = jax_module_step(mods["jax"], Ws, bs, X, T)
    return steps


def contenders(name, compile_torch, previous: str | None = None):
    sizes, batch = SIZES[name]
    X, T, Ws, bs = problem(sizes, batch)
    result = module_steps(modules(sizes), "symbp", Ws, bs, X, T)
    if previous:
        result.update(module_steps(previous_modules(previous, sizes), previous[:10], Ws, bs, X, T))
    hand = {}
    if importlib.util.find_spec("torch"):
        hand["PyTorch eager"] = torch_step(Ws, bs, X, T, LEARNING_RATE)
        if compile_torch:
            try:
                hand["torch.compile"] = compiled_torch_step(Ws, bs, X, T)
            except Exception as error:  # a compiler missing on the machine: say so, time the rest
                print(f"  torch.compile failed ({type(error).__name__}: {str(error).splitlines()[0]})")
    if importlib.util.find_spec("jax"):
        hand["JAX jit"] = jax_step(Ws, bs, X, T, LEARNING_RATE)
    X32 = X.astype(np.float32)
    Ws32, bs32 = [w.astype(np.float32) for w in Ws], [b.astype(np.float32) for b in bs]
    hand["NumPy matmuls"] = matmul_floor(Ws32, X32, batch)
    hand["NumPy bound"] = numpy_bound(Ws32, bs32, X32, batch)
    return {**result, **hand}, [key for key in hand if not key.startswith("NumPy")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-compile", action="store_true", help="leave torch.compile out (slow to compile)")
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="torch.set_num_threads (on a loaded machine torch's spinning pool can slow every step 100x)",
    )
    parser.add_argument("--previous", metavar="REV", help="also time the modules commit REV generates")


def report(args, rounds: int, seconds: float) -> None:
    """The section: each size's steps side by side, with ratios to the fastest hand-written one."""
    if args.torch_threads and importlib.util.find_spec("torch"):
        import torch

        torch.set_num_threads(args.torch_threads)
    print(blas())
    for name in args.sizes:
        with contextlib.redirect_stdout(io.StringIO()):
            steps, peers = contenders(name, not args.no_compile, args.previous)
        samples = interleaved(steps, rounds, seconds)
        fastest = min(peers, key=lambda key: statistics.median(samples[key])) if peers else "NumPy bound"
        sizes, batch = SIZES[name]
        print(
            f"\n{name}: {sizes} batch {batch}, float32, sgd; time per step; ratio to {fastest} (<1 is faster)"
        )
        for key in steps:
            milliseconds = statistics.median(samples[key]) * 1e3
            print(f"  {key:20} {milliseconds:10.3f} ms   {ratio(samples, key, fastest)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds (noisier)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    report(args, *((5, 0.05) if args.quick else (15, 0.05)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
