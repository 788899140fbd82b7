"""The generated module's steady-state step in each backend beside hand-written framework steps.

    python benchmarks/backend_steps.py [--quick] [--no-compile] [--sizes tiny ...] [--torch-threads N]

At tiny, small, medium and large (sigmoid hidden layers, softmax output, cce,
float32, plain SGD), per step, side by side in one process: the NumPy,
torch and jax modules' steps (the derived gradient, then the update in
place; jax: one jit, parameters donated), a hand-written PyTorch eager step
(autograd, torch.optim.SGD), the same step through torch.compile, a
hand-written JAX jit step (jax.grad), and the NumPy bound (the step's
matmuls, one exp per activation entry, one update pass). Times are medians
over rounds; ratios to the fastest hand-written step are taken round by round
(train_step.py's method). The BLAS each library uses is printed first.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import statistics
import sys

import numpy as np
from train_step import (
    interleaved,
    jax_step,
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
    "tiny": ([4, 8, 8, 2], 16),
    "small": ([64, 64, 64, 10], 64),
    "medium": ([784, 256, 256, 10], 256),
    "large": ([1024, 1024, 1024, 1024], 512),
}
LEARNING_RATE = 0.1


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


def modules(sizes):
    spec = {"name": "mlp", "layers": sizes, "activation": ["sigmoid"] * (len(sizes) - 2) + ["softmax"]}
    derivation = derive(load({**spec, "cost": "cce"}))
    result = {"numpy": module_from_source(generate(derivation, dtype="float32"), "mlp_numpy")}
    for backend in ("torch", "jax"):
        if importlib.util.find_spec(backend):
            result[backend] = module_from_source(
                generate(derivation, "float32", backend=backend), f"mlp_{backend}"
            )
    return result


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


def contenders(name, compile_torch):
    sizes, batch = SIZES[name]
    X, T, Ws, bs = problem(sizes, batch)
    mods = modules(sizes)
    X32, T32 = X.astype(np.float32), T.astype(np.float32)
    numpy_params = {}
    for index, (w, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        numpy_params[f"W{index}"], numpy_params[f"b{index}"] = w.astype(np.float32), b.astype(np.float32)
    result = {"symbp numpy": optimiser_step(mods["numpy"], numpy_params, X32, T32, "sgd", LEARNING_RATE)}
    hand = {}
    if "torch" in mods:
        result["symbp torch"] = torch_module_step(mods["torch"], Ws, bs, X, T)
        hand["PyTorch eager"] = torch_step(Ws, bs, X, T, LEARNING_RATE)
        if compile_torch:
            try:
                hand["torch.compile"] = compiled_torch_step(Ws, bs, X, T)
            except Exception as error:  # a compiler missing on the machine: say so, time the rest
                print(f"  torch.compile failed ({type(error).__name__}: {str(error).splitlines()[0]})")
    if "jax" in mods:
        result["symbp jax"] = jax_module_step(mods["jax"], Ws, bs, X, T)
        hand["JAX jit"] = jax_step(Ws, bs, X, T, LEARNING_RATE)
    Ws32 = [w.astype(np.float32) for w in Ws]
    bs32 = [b.astype(np.float32) for b in bs]
    hand["NumPy bound"] = numpy_bound(Ws32, bs32, X32, batch)
    return {**result, **hand}, [key for key in hand if key != "NumPy bound"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds (noisier)")
    parser.add_argument("--no-compile", action="store_true", help="leave torch.compile out (slow to compile)")
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="torch.set_num_threads (on a loaded machine torch's spinning pool can slow every step 100x)",
    )
    args = parser.parse_args(argv)
    if args.torch_threads and importlib.util.find_spec("torch"):
        import torch

        torch.set_num_threads(args.torch_threads)
    rounds, seconds = (5, 0.05) if args.quick else (15, 0.05)
    print(blas())
    for name in args.sizes:
        with contextlib.redirect_stdout(io.StringIO()):
            steps, peers = contenders(name, not args.no_compile)
        samples = interleaved(steps, rounds, seconds)
        fastest = min(peers, key=lambda key: statistics.median(samples[key])) if peers else "NumPy bound"
        sizes, batch = SIZES[name]
        print(
            f"\n{name}: {sizes} batch {batch}, float32, sgd; time per step; ratio to {fastest} (<1 is faster)"
        )
        for key in steps:
            milliseconds = statistics.median(samples[key]) * 1e3
            print(f"  {key:14} {milliseconds:10.3f} ms   {ratio(samples, key, fastest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
