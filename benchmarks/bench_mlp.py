"""One MLP training step (784-512-512-10, ReLU, softmax cross-entropy, batch 128,
float32, SGD) — autograd_core vs the hand-written NumPy floor vs PyTorch CPU.

The NumPy floor writes the forward pass, the backward pass and the SGD update by
hand: it is what the step costs with no autodiff at all. Each repeat times every
implementation once (interleaved), and the table shows medians and ratios.
Peak memory (tracemalloc) of one step is reported against the floor's.

    python benchmarks/bench_mlp.py [--repeats 15] [--batch 128]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd_core as ac  # noqa: E402
from autograd_core import nn  # noqa: E402
from autograd_core.nn import functional as F  # noqa: E402

SIZES = (784, 512, 512, 10)
LR = 0.01


def init_params(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def make_numpy_step(params: list[np.ndarray]):
    W1, b1, W2, b2, W3, b3 = params

    def step(x: np.ndarray, y: np.ndarray) -> float:
        n = x.shape[0]
        h1 = x @ W1.T + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2.T + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ W3.T + b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        dz = e / s
        dz[rows, y] -= 1
        dz /= n
        dW3 = dz.T @ a2
        db3 = dz.sum(axis=0)
        dh2 = dz @ W3
        dh2 *= h2 > 0
        dW2 = dh2.T @ a1
        db2 = dh2.sum(axis=0)
        dh1 = dh2 @ W2
        dh1 *= h1 > 0
        dW1 = dh1.T @ x
        db1 = dh1.sum(axis=0)
        for p, g in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            p -= LR * g
        return loss

    return step


def make_ours_step(params: list[np.ndarray]):
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    for p, value in zip(model.parameters(), params):
        p.data[...] = value
    opt = ac.optim.SGD(model.parameters(), lr=LR)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(ac.as_tensor(x)), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def make_torch_step(params: list[np.ndarray]):
    try:
        import torch
    except ImportError:
        return None
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )
    with torch.no_grad():
        for p, value in zip(model.parameters(), params):
            p.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        return loss.item()

    return step


def implementations() -> dict:
    impls = {"numpy (floor)": make_numpy_step(init_params()), "autograd_core": make_ours_step(init_params())}
    torch_step = make_torch_step(init_params())
    if torch_step is not None:
        impls["pytorch"] = torch_step
    return impls


def data(batch: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 784)).astype(np.float32), rng.integers(0, 10, batch)


def time_steps(impls: dict, batch: int, repeats: int) -> dict[str, float]:
    x, y = data(batch)
    for fn in impls.values():  # warm-up (allocators, BLAS threads)
        fn(x, y)
        fn(x, y)
    times: dict[str, list[float]] = {k: [] for k in impls}
    for _ in range(repeats):
        for name, fn in impls.items():
            t0 = time.perf_counter()
            fn(x, y)
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def peak_memory(fn, batch: int) -> int:
    x, y = data(batch)
    fn(x, y)
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(x, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args(argv)
    impls = implementations()
    med = time_steps(impls, args.batch, args.repeats)
    floor = med["numpy (floor)"]
    print(
        f"MLP step 784-512-512-10, batch {args.batch}, float32, SGD; medians of {args.repeats} interleaved repeats"
    )
    print(f"{'implementation':<16}{'ms/step':>10}{'vs numpy':>10}{'vs pytorch':>12}")
    for name, t in med.items():
        vs_torch = f"{t / med['pytorch']:.2f}x" if "pytorch" in med else "-"
        print(f"{name:<16}{t * 1e3:>10.2f}{t / floor:>9.2f}x{vs_torch:>12}")
    peaks = {name: peak_memory(impls[name], args.batch) for name in ("numpy (floor)", "autograd_core")}
    ratio = peaks["autograd_core"] / peaks["numpy (floor)"]
    print(
        f"peak memory of one step (tracemalloc): numpy {peaks['numpy (floor)'] / 2**20:.2f} MiB, "
        f"autograd_core {peaks['autograd_core'] / 2**20:.2f} MiB ({ratio:.2f}x)"
    )
    return {"median_s": med, "peak_bytes": peaks}


if __name__ == "__main__":
    main()
