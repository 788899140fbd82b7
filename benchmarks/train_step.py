"""Speed of generated training steps against the yardsticks, side by side in one process.

    python benchmarks/train_step.py [--quick] [--section all|numpy|backends] [--previous REV] ...

Prints, per epoch (one full-batch step):
* the program of The backpropagation algorithm (../shared/bench/seed000_ann.py, class ANN)
  against the generated half_adder module (target: >= 30x faster), and
  ../shared/bench/reference_mlp.py's ReferenceMLP on its "tiny" problem, the
  same network and data (target: at least its speed);
* for [784,256,256,10] batch 256 and [1024,1024,1024,1024] batch 512 (sigmoid
  hidden, softmax output, cce, float32): ../shared/bench/reference_mlp.py's
  ReferenceMLP against the generated module on the same data and weights
  (target >= 0.95 of its speed), and the matmul floor: the step's matmuls
  alone (target >= 0.90), and the NumPy bound: the floor plus the elementwise
  work no NumPy step can avoid (one exp per activation entry, one update pass
  over the parameters), which caps the fraction of the floor any step reaches;
* per in-place optimiser (sgd, momentum, nesterov, adam) at both sizes: time
  per step relative to plain SGD, and its fraction of the NumPy bound; and, for
  reference, each optimiser's own bound (the floor, the exps, and its update in
  the fewest NumPy passes we know, hand-written) and the fraction of it reached;
* train(params, X, T, epochs=1) called in a loop against a step of one long
  train() call (target <= 1.2x: buffers and packing are kept between calls);
* for reference, when installed: a PyTorch eager step (autograd, torch.optim.SGD)
  and a JAX jit step (jax.grad of the same cost) on the same data and weights;
  the generated step should stay ahead of PyTorch eager and reach JAX jit at the
  large size (a note says which is not installed);
* tracemalloc, over steady-state steps: bytes still held after them all (a
  leak grows with the number of steps) and the peak of transient bytes;
* the backends' section (backend_steps.py): at tiny, small, medium and large,
  the numpy, torch and jax modules' steps beside hand-written PyTorch eager,
  torch.compile and JAX jit steps, the NumPy matmuls and the NumPy bound, with
  --previous REV the modules commit REV generates beside today's.

The yardsticks are used by path, never copied. The contenders take turns in
many short rounds; ratios are taken round by round and reported as median and
quartiles, because this shared machine's speed drifts by tens of percent
within seconds while contenders timed side by side drift alike.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import random
import statistics
import sys
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np

from symbp.codegen.generator import generate
from symbp.derivation.engine import derive
from symbp.errors import CheckFailed
from symbp.spec.network import load

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
SIZES = [([784, 256, 256, 10], 256), ([1024, 1024, 1024, 1024], 512)]
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
SETTINGS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
LOOP_EPOCHS = 20


def seed_ann_class():
    """Class ANN from the seed program: the part of the file above its '####' separator."""
    text = (BENCH / "seed000_ann.py").read_text(encoding="utf-8")
    top = text.split("\n####", 1)[0]
    namespace: dict = {"__name__": "seed000_ann"}
    exec(compile(top, str(BENCH / "seed000_ann.py"), "exec"), namespace)
    return namespace["ANN"]


def reference_module():
    spec = importlib.util.spec_from_file_location("reference_mlp", BENCH / "reference_mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_from_source(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def per_call(function, seconds: float) -> float:
    """Seconds per call of ``function``, from one timed batch of calls lasting about ``seconds``."""
    function()
    count, spent = 1, 0.0
    while spent < seconds:
        start = time.perf_counter()
        for _ in range(count):
            function()
        spent = time.perf_counter() - start
        if spent < seconds:
            count *= 2
    return spent / count


def interleaved(contenders: dict, rounds: int, seconds: float) -> dict[str, list[float]]:
    """Seconds per call of each contender, one sample per round; the contenders take turns in every round."""
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, function in contenders.items():
            samples[name].append(per_call(function, seconds))
    return samples


def ratio(samples: dict, numerator: str, denominator: str) -> str:
    """Median and quartiles of numerator/denominator time, taken round by round.

    The machine's speed drifts (shared CPUs): contenders timed in the same round
    see the same machine, so the ratio of their times is far steadier than
    either time.
    """
    ratios = [a / b for a, b in zip(samples[numerator], samples[denominator], strict=True)]
    low, middle, high = statistics.quantiles(ratios, n=4)
    return f"{middle:5.3f} (quartiles {low:.3f}-{high:.3f})"


def median_ms(samples: dict, name: str) -> str:
    return f"{statistics.median(samples[name]) * 1e3:10.2f} ms"


def allocations(step, calls: int = 50) -> tuple[int, int]:
    """(bytes still held after ``calls`` steps, peak transient bytes during them) in steady state."""
    step()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(calls):
            step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current - base, peak - base


def report_allocations(step, calls: int):
    held, peak = allocations(step, calls)
    more, _ = allocations(step, 2 * calls)
    print(
        f"  allocations: {held} bytes still held after {calls} steps, {more} after {2 * calls}; "
        f"{peak} bytes peak transient"
    )


def optimiser_step(module, params, X, T, optimizer: str, learning_rate: float):
    """One full-batch step of ``optimizer`` as train() takes it: the derived gradient, then the update."""
    factory, names, folded = module.IN_PLACE[optimizer]
    cached = module._cached(params, X, len(X), learning_rate if folded else 1.0)
    for key, value in params.items():
        np.copyto(cached["views"][key], value)
    settings = {"learning_rate": learning_rate, **SETTINGS}
    update = factory(cached["flat"], cached["gradient"], *(settings[name] for name in names), X.dtype)
    step = cached["step"]

    def run():
        step(X, T)
        update()

    return run


def half_adder(reference, rounds: int, seconds: float):
    ANN = seed_ann_class()
    random.seed(0)
    training = {(0, 0): (0, 0), (0, 1): (1, 0), (1, 0): (1, 0), (1, 1): (0, 1)}
    seed_net = ANN(2, [2, 2], 2, training)
    module = module_from_source(generate(derive(load("half_adder"))), "half_adder")
    params = module.init_params()
    X, T = np.array(module.DATA_X), np.array(module.DATA_T)
    epochs = 1000

    def generated_epoch():
        module.train(params, X, T, learning_rate=0.5, epochs=epochs)

    ref = reference.ReferenceMLP(*reference.make_problem([2, 2, 2, 2], 4, "mse"), "mse", lr=0.5)
    samples = interleaved(
        {"seed": lambda: seed_net.epoch_train(0.5), "generated": generated_epoch, "reference": ref.step},
        rounds,
        seconds,
    )
    samples["generated"] = [value / epochs for value in samples["generated"]]
    print("half_adder [2, 2, 2, 2] batch 4, float64, per epoch:")
    print(f"  seed000_ann.py ANN     {statistics.median(samples['seed']) * 1e6:10.1f} us")
    print(
        f"  generated train()      {statistics.median(samples['generated']) * 1e6:10.1f} us   "
        f"{ratio(samples, 'seed', 'generated')} times faster (target >= 30)"
    )
    print(
        f"  reference_mlp.py tiny  {statistics.median(samples['reference']) * 1e6:10.1f} us   "
        f"the generated epoch is {ratio(samples, 'reference', 'generated')} times its speed (target >= 1)"
    )
    for optimizer in OPTIMIZERS:
        print(f"  {optimizer:9s}", end="")
        report_allocations(optimiser_step(module, params, X, T, optimizer, 0.5), 50)
    loop_against_long_call(module, params, X, T, 0.5, rounds, seconds)


def matmul_floor(Ws, X, batch):
    """The step's matrix products alone, into preallocated buffers: L forward, L dW, L-1 delta."""
    rng = np.random.default_rng(1)
    A = [X] + [np.empty((batch, w.shape[1]), X.dtype) for w in Ws]
    D = [rng.standard_normal((batch, w.shape[1])).astype(X.dtype) for w in Ws]
    G = [np.empty_like(w) for w in Ws]

    def run():
        for layer, weights in enumerate(Ws):
            np.matmul(A[layer], weights, out=A[layer + 1])
        for layer in range(len(Ws) - 1, -1, -1):
            np.matmul(A[layer].T, D[layer], out=G[layer])
            if layer:
                np.matmul(D[layer], Ws[layer].T, out=D[layer - 1])

    return run


def fewest_passes(optimizer: str, params, gradient):
    """``optimizer``'s update in the fewest NumPy ufunc calls we know, hand-written: (update, calls).

    Each call is a pass over the parameters. The state may be kept scaled (Adam's
    m / (1 - beta1) and v / (1 - beta2), as the generated module keeps it); the
    gradient's buffer is scratch, as the next step rewrites it.
    """
    mu, beta1, beta2, eps = SETTINGS["momentum"], SETTINGS["beta1"], SETTINGS["beta2"], SETTINGS["eps"]
    first, second = np.zeros_like(params), np.zeros_like(params)
    work = np.empty_like(params)

    def sgd():
        np.subtract(params, gradient, out=params)

    def momentum():
        np.multiply(first, mu, out=first)
        np.subtract(first, gradient, out=first)
        np.add(params, first, out=params)

    def nesterov():
        np.multiply(first, mu, out=first)
        np.subtract(first, gradient, out=first)
        np.multiply(first, mu, out=work)
        np.subtract(work, gradient, out=work)
        np.add(params, work, out=params)

    def adam():
        # first = m / (1 - beta1), second = v / (1 - beta2); the scalars are step 1's (learning rate
        # 0.1), every step costs the same
        np.multiply(first, beta1, out=first)
        np.add(first, gradient, out=first)
        np.square(gradient, out=gradient)
        np.multiply(second, beta2, out=second)
        np.add(second, gradient, out=second)
        np.sqrt(second, out=gradient)
        np.add(gradient, eps, out=gradient)
        np.divide(first, gradient, out=gradient)
        np.multiply(gradient, 0.1, out=gradient)
        np.subtract(params, gradient, out=params)

    updates = {"sgd": (sgd, 1), "momentum": (momentum, 3), "nesterov": (nesterov, 5), "adam": (adam, 10)}
    return updates[optimizer]


def numpy_bound(Ws, bs, X, batch, optimizer: str = "sgd"):
    """The least work any NumPy step must do: the matmul floor, one np.exp per activation entry
    (sigmoid and softmax both need one) and one parameter update: one pass subtracting the gradient
    from every parameter for sgd, the fewest passes we know for another optimiser."""
    floor = matmul_floor(Ws, X, batch)
    rng = np.random.default_rng(2)
    exponents = [rng.uniform(-1, 0, (batch, w.shape[1])).astype(X.dtype) for w in Ws]
    powers = [np.empty_like(values) for values in exponents]
    size = sum(w.size for w in Ws) + sum(b.size for b in bs)
    params = rng.uniform(-1, 1, size).astype(X.dtype)
    # zero, and zero after any update: the passes never meet subnormal numbers
    gradient = np.zeros_like(params)
    update, _ = fewest_passes(optimizer, params, gradient)

    def run():
        floor()
        for values, out in zip(exponents, powers, strict=True):
            np.exp(values, out=out)
        update()

    return run


def large(reference, sizes, batch, rounds: int, seconds: float):
    X, T, Ws, bs = reference.make_problem(sizes, batch, "softmax")
    ref = reference.ReferenceMLP(X, T, Ws, bs, "softmax", lr=0.1, dtype="float32")
    depth = len(sizes) - 1
    spec = {
        "name": "mlp",
        "layers": sizes,
        "activation": ["sigmoid"] * (depth - 1) + ["softmax"],
        "cost": "cce",
    }
    try:
        derivation = derive(load(spec))
    except CheckFailed as error:
        print(f"{sizes}: skipped, the derivation did not check: {str(error).splitlines()[0]}")
        return
    module = module_from_source(generate(derivation, "float32"), "mlp")
    params = {}
    for layer in range(1, depth + 1):
        params[f"W{layer}"] = np.array(Ws[layer - 1], np.float32)
        params[f"b{layer}"] = np.array(bs[layer - 1], np.float32)
    X32, T32 = np.array(X, np.float32), np.array(T, np.float32)
    steps = {name: optimiser_step(module, params, X32, T32, name, 0.1) for name in OPTIMIZERS}
    W32 = [np.array(w, np.float32) for w in Ws]
    frameworks, missing = framework_steps(W32, bs, X32, T32, 0.1)
    contenders = {
        "reference": ref.step,
        "generated": steps["sgd"],
        **{name: step for name, step in steps.items() if name != "sgd"},
        "floor": matmul_floor(W32, X32, batch),
        "bound": numpy_bound(W32, bs, X32, batch),
        **{f"bound {name}": numpy_bound(W32, bs, X32, batch, name) for name in OPTIMIZERS[1:]},
        **frameworks,
    }
    samples = interleaved(contenders, rounds, seconds)
    print(f"{sizes} batch {batch}, sigmoid/softmax, cce, float32, per step (median over {rounds} rounds):")
    print(f"  reference_mlp.py       {median_ms(samples, 'reference')}")
    print(
        f"  generated step         {median_ms(samples, 'generated')}   "
        f"{ratio(samples, 'reference', 'generated')} of the reference's speed (target >= 0.95)"
    )
    print(
        f"  matmul floor           {median_ms(samples, 'floor')}   "
        f"generated at {ratio(samples, 'floor', 'generated')} of the floor (target >= 0.90), "
        f"reference at {ratio(samples, 'floor', 'reference')}"
    )
    print(
        f"  NumPy bound            {median_ms(samples, 'bound')}   "
        f"floor + one exp per activation + one parameter update: at {ratio(samples, 'floor', 'bound')} "
        "of the floor, no NumPy step can be faster"
    )
    print("  in-place optimisers, time per step relative to sgd, and at what fraction of the NumPy bound:")
    for name in OPTIMIZERS[1:]:
        print(
            f"    {name:9s}          {median_ms(samples, name)}   "
            f"{ratio(samples, name, 'generated')} of sgd, "
            f"at {ratio(samples, 'bound', name)} of the bound (target >= {BOUND_TARGET[sizes[1]]})"
        )
    print(
        f"    sgd                {median_ms(samples, 'generated')}   "
        f"at {ratio(samples, 'bound', 'generated')} of the bound (target >= {BOUND_TARGET[sizes[1]]})"
    )
    print(
        "  each optimiser's own bound: the floor + one exp per activation + its update in the fewest "
        "NumPy passes we know (hand-written, for reference; the targets are on the bound above):"
    )
    for name in OPTIMIZERS[1:]:
        calls = fewest_passes(name, np.zeros(1, np.float32), np.zeros(1, np.float32))[1]
        print(
            f"    {name:9s} bound    {median_ms(samples, f'bound {name}')}   "
            f"{calls:2d} passes, {ratio(samples, f'bound {name}', 'bound')} of the bound; "
            f"the generated {name} at {ratio(samples, f'bound {name}', name)} of it"
        )
    for name, label in (("torch", "PyTorch eager step"), ("jax", "JAX jit step")):
        if name in frameworks:
            print(
                f"  {label:22s} {median_ms(samples, name)}   "
                f"the generated step is {ratio(samples, name, 'generated')} times its speed; "
                f"the NumPy bound is {ratio(samples, name, 'bound')} times it"
            )
    for note in missing:
        print(f"  ({note})")
    for name, step in steps.items():
        print(f"  {name:9s}", end="")
        report_allocations(step, 5)
    loop_against_long_call(module, params, X32, T32, 0.1, max(3, rounds // 5), seconds)


BOUND_TARGET = {256: 0.92, 1024: 0.95}


def torch_step(Ws, bs, X, T, learning_rate: float):
    """One PyTorch eager step: sigmoid hidden layers, softmax + cross-entropy, autograd, SGD."""
    import torch

    weights = [torch.tensor(np.asarray(w, np.float32), requires_grad=True) for w in Ws]
    biases = [torch.tensor(np.asarray(b, np.float32), requires_grad=True) for b in bs]
    inputs = torch.tensor(np.asarray(X, np.float32))
    labels = torch.tensor(np.asarray(T, np.float32)).argmax(dim=1)
    optimizer = torch.optim.SGD(weights + biases, lr=learning_rate)

    def run():
        optimizer.zero_grad(set_to_none=True)
        hidden = inputs
        for w, b in zip(weights[:-1], biases[:-1], strict=True):
            hidden = torch.sigmoid(hidden @ w + b)
        loss = torch.nn.functional.cross_entropy(hidden @ weights[-1] + biases[-1], labels)
        loss.backward()
        optimizer.step()

    return run


def jax_step(Ws, bs, X, T, learning_rate: float):
    """One JAX jit step of the same cost: jax.grad, then params - lr * grads, compiled once."""
    import jax
    import jax.numpy as jnp

    def cost(params, inputs, targets):
        hidden = inputs
        for w, b in params[:-1]:
            hidden = jax.nn.sigmoid(hidden @ w + b)
        w, b = params[-1]
        return -jnp.mean(jnp.sum(targets * jax.nn.log_softmax(hidden @ w + b), axis=1))

    @jax.jit
    def step(params, inputs, targets):
        grads = jax.grad(cost)(params, inputs, targets)
        return jax.tree_util.tree_map(lambda p, g: p - learning_rate * g, params, grads)

    state = {
        "params": [
            (jnp.asarray(w, jnp.float32), jnp.asarray(b, jnp.float32)) for w, b in zip(Ws, bs, strict=True)
        ]
    }
    inputs, targets = jnp.asarray(X, jnp.float32), jnp.asarray(T, jnp.float32)
    jax.block_until_ready(step(state["params"], inputs, targets))  # compile outside the timing

    def run():
        state["params"] = jax.block_until_ready(step(state["params"], inputs, targets))

    return run


def framework_steps(Ws, bs, X, T, learning_rate: float) -> tuple[dict, list[str]]:
    """The PyTorch and JAX contenders that are installed, and a note for each that is not."""
    steps, missing = {}, []
    for name, make in (("torch", torch_step), ("jax", jax_step)):
        if importlib.util.find_spec(name) is None:
            missing.append(f"{name} is not installed: no {name} row")
            continue
        steps[name] = make(Ws, bs, X, T, learning_rate)
    return steps, missing


def least_call(module, params, X, T, learning_rate: float):
    """What a train(epochs=1) call cannot skip, with no other Python around it.

    The caller's arrays copied in and compared, bit for bit, with the packed
    parameters the previous call left (the resume rule); the step's backward
    half and the update; its forward half at the new parameters and the cost
    of those arrays (history[-1], whose forward pass a continuing call's step
    reuses); the packed parameters copied back into the caller's arrays
    (training in place). Each copy is the cheapest NumPy has, slice assignment.
    """
    cached = module._cached(params, X, len(X), learning_rate)
    update = module.IN_PLACE["sgd"][0](cached["flat"], cached["gradient"], X.dtype)
    step, flat, gradient = cached["step"], cached["flat"], cached["gradient"]
    views, gradients = cached["views"], cached["gradients"]
    pairs = [(params[key], views[key], gradients[key]) for key in params]
    for caller, view, _ in pairs:
        view[...] = caller
    step.forward(X)

    def run():
        for caller, _, scratch in pairs:
            scratch[...] = caller
        module._identical(gradient, flat)
        step.backward(X, T)
        update()
        step.forward(X)
        module._cost_of(views, step.values, T)
        for caller, view, _ in pairs:
            caller[...] = view

    return run


def loop_against_long_call(module, params, X, T, learning_rate, rounds: int, seconds: float):
    """train(epochs=1) called in a loop against a step of one long train() call (target <= 1.2x),
    and the least a call must do against the same step."""
    loop_params = {key: value.copy() for key, value in params.items()}
    long_params = {key: value.copy() for key, value in params.items()}

    def short_call():
        module.train(loop_params, X, T, learning_rate=learning_rate, epochs=1)

    def long_call():
        module.train(long_params, X, T, learning_rate=learning_rate, epochs=LOOP_EPOCHS)

    least = least_call(module, {key: value.copy() for key, value in params.items()}, X, T, learning_rate)
    samples = interleaved({"short": short_call, "long": long_call, "least": least}, rounds, seconds)
    samples["long"] = [value / LOOP_EPOCHS for value in samples["long"]]
    print(
        f"  train(epochs=1) in a loop: {ratio(samples, 'short', 'long')} times a step of one "
        f"train(epochs={LOOP_EPOCHS}) call (target <= 1.2)"
    )
    print(
        f"  the least a call must do (the copies in and out, the resume check, a step and the cost "
        f"it returns): "
        f"{ratio(samples, 'least', 'long')} times that step"
    )


def main(argv=None) -> int:
    import backend_steps  # the backends' section: it builds on this file's timers and steps

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter rounds (noisier)")
    parser.add_argument("--section", choices=("all", "numpy", "backends"), default="all")
    backend_steps.add_arguments(parser)
    args = parser.parse_args(argv)
    rounds, seconds = (5, 0.05) if args.quick else (25, 0.05)
    if args.section in ("all", "numpy"):
        with contextlib.redirect_stdout(io.StringIO()):
            reference = reference_module()
        half_adder(reference, rounds, seconds)
        for sizes, batch in SIZES:
            large(reference, sizes, batch, rounds, seconds)
    if args.section in ("all", "backends"):
        backend_steps.report(args, rounds, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
