"""One CNN training step: autograd_core against PyTorch CPU, in one process.

The step: two 3x3 convolutions (1 -> 8 -> 16 channels, padding 1) each followed by
ReLU, a 2x2 max-pool, a linear head (16*14*14 -> 10), softmax cross-entropy, backward
and an SGD update; batch 32 of 28x28 float32 images. Both libraries start from the
same weights and data. Repeats are interleaved (ours, torch, ours, torch, ...) so
drifting machine load hits both alike; the table reports medians and the ratio.
PyTorch is skipped (and only our time printed) when it is not installed.

Run: ``python benchmarks/bench_cnn.py`` (``--repeats N``, ``--inner K`` steps per timing,
``--threads T`` to pin both libraries' thread counts: PyTorch's intra-op threads and
NumPy's BLAS). Wall-clock medians decide the ratio; the CPU-time column (all threads of
the process) is a second opinion when other jobs share the machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time

if "--threads" in sys.argv[:-1]:  # NumPy's BLAS reads its thread count at import time
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd_core as ac  # noqa: E402
from autograd_core import nn  # noqa: E402
from autograd_core.nn import functional as F  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is an optional peer: its column is dropped
    torch = None

BATCH, SIZE, CLASSES, LR = 32, 28, 10, 0.01


def make_ours(weights: dict[str, np.ndarray]):
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 14 * 14, CLASSES),
    )
    model.load_state_dict({k: ac.tensor(v.copy()) for k, v in weights.items()})
    opt = ac.optim.SGD(model.parameters(), lr=LR)

    def step(x: ac.Tensor, y: ac.Tensor) -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def make_torch(weights: dict[str, np.ndarray]):
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Conv2d(1, 8, 3, padding=1),
        tnn.ReLU(),
        tnn.Conv2d(8, 16, 3, padding=1),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Flatten(),
        tnn.Linear(16 * 14 * 14, CLASSES),
    )
    model.load_state_dict({k: torch.tensor(v.copy()) for k, v in weights.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step(x, y) -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def initial_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)

    def u(shape, fan_in):
        b = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(np.float32)

    return {
        "0.weight": u((8, 1, 3, 3), 9),
        "0.bias": u((8,), 9),
        "2.weight": u((16, 8, 3, 3), 72),
        "2.bias": u((16,), 72),
        "6.weight": u((CLASSES, 16 * 14 * 14), 16 * 14 * 14),
        "6.bias": u((CLASSES,), 16 * 14 * 14),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per library (median reported)")
    parser.add_argument("--inner", type=int, default=5, help="training steps per timed repeat")
    parser.add_argument("--threads", type=int, default=None, help="pin PyTorch's thread count")
    args = parser.parse_args()
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(1)
    xs = rng.standard_normal((BATCH, 1, SIZE, SIZE)).astype(np.float32)
    ys = rng.integers(0, CLASSES, BATCH)
    weights = initial_weights()
    runners = {"autograd_core": (make_ours(weights), ac.tensor(xs), ac.tensor(ys))}
    if torch is not None:
        runners["torch"] = (make_torch(weights), torch.tensor(xs), torch.tensor(ys))

    # same weights, same data: the first losses must agree
    first = {name: step(x, y) for name, (step, x, y) in runners.items()}
    if len(first) == 2:
        a, b = first.values()
        assert abs(a - b) < 1e-4 * max(1.0, abs(b)), f"first-step losses differ: {first}"
    for step, x, y in runners.values():  # warm-up
        for _ in range(3):
            step(x, y)

    times: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    gc.disable()
    try:
        for _ in range(args.repeats):
            for name, (step, x, y) in runners.items():  # interleaved
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(args.inner):
                    step(x, y)
                times[name].append((time.perf_counter() - t0) / args.inner)
                cpu[name].append((time.process_time() - c0) / args.inner)
            gc.collect()
    finally:
        gc.enable()

    print(
        f"CNN training step, batch {BATCH}, {SIZE}x{SIZE} float32 (median of {args.repeats} x {args.inner} steps)"
    )
    print(f"Python {platform.python_version()}, NumPy {np.__version__}", end="")
    if torch is not None:
        print(f", torch {torch.__version__} ({torch.get_num_threads()} threads)", end="")
    print(f", {os.cpu_count()} CPUs")
    ours = statistics.median(times["autograd_core"])
    print(f"{'library':<16}{'median ms':>10}{'min ms':>9}{'CPU ms':>9}{'ratio':>9}")
    for name, ts in times.items():
        med = statistics.median(ts)
        cpu_med = statistics.median(cpu[name])
        print(f"{name:<16}{med * 1e3:>10.2f}{min(ts) * 1e3:>9.2f}{cpu_med * 1e3:>9.2f}{med / ours:>9.2f}")
    if torch is not None:
        ratio = ours / statistics.median(times["torch"])
        cpu_ratio = statistics.median(cpu["autograd_core"]) / statistics.median(cpu["torch"])
        print(
            f"autograd_core / torch = {ratio:.2f}x wall-clock, {cpu_ratio:.2f}x CPU time "
            "(target <= 2.0x, stretch <= 1.2x)"
        )
    else:
        print("(PyTorch is not installed: no comparison)")


if __name__ == "__main__":
    main()
