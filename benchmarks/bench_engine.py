"""Engine overhead: autograd_core side by side with PyTorch, NumPy, HIPS autograd, MyGrad.

Two workloads, both dominated by per-operation bookkeeping rather than arithmetic:

1. ``chain``: 2,000 repetitions of ``y = tanh(y * 0.9 + 0.1)`` on a 16-element float64
   vector (6,000 recorded ops), forward and backward. The floor is a hand-written
   NumPy forward + backward of the same chain.
2. ``scalar``: a 100,000-op chain on a 0-d float64 tensor (50,000 repetitions of
   ``y = y * 0.999 + 0.001``), forward and backward.

Every library runs in this one process; repeats are interleaved (library A, B, C, A,
B, C, ...) so drifting machine load hits all of them alike, and the table reports
medians and ratios to autograd_core (a chain sample is 5 back-to-back runs). Every
library's result is checked against autograd_core's. Libraries that are not
installed are skipped.

Run: ``python benchmarks/bench_engine.py`` (``--repeats N``, ``--quick``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd_core as ac  # noqa: E402

CHAIN_STEPS = 2_000
CHAIN_SIZE = 16
SCALAR_STEPS = 50_000  # two ops per step: 100,000 ops
CHAIN_INNER = 5  # chain runs per timed sample


def _optional(name: str):
    try:
        return __import__(name)
    except Exception:  # noqa: BLE001 - any import failure just drops the column
        return None


def _version(module) -> str:
    try:
        return importlib.metadata.version(module.__name__)
    except importlib.metadata.PackageNotFoundError:
        return getattr(module, "__version__", "?")


torch = _optional("torch")
if torch is not None:
    # These tensors are tiny, so PyTorch runs them on the calling thread anyway; one
    # thread keeps idle pool threads out of the CPU-time column.
    torch.set_num_threads(1)
hips = _optional("autograd")
mygrad = _optional("mygrad")


# ---- workload 1: y = tanh(y * 0.9 + 0.1), vector ------------------------------------------


def chain_ours(x0: np.ndarray, steps: int) -> np.ndarray:
    x = ac.tensor(x0, requires_grad=True)
    y = x
    for _ in range(steps):
        y = ac.tanh(y * 0.9 + 0.1)
    y.backward(np.ones_like(x0))
    return x.grad.data


def chain_numpy(x0: np.ndarray, steps: int) -> np.ndarray:
    # The floor: same arithmetic, no graph. Saves each tanh output for the backward pass.
    outs = []
    y = x0
    for _ in range(steps):
        y = np.tanh(y * 0.9 + 0.1)
        outs.append(y)
    g = np.ones_like(x0)
    for t in reversed(outs):
        g = g * (1 - t * t) * 0.9
    return g


def chain_torch(x0: np.ndarray, steps: int) -> np.ndarray:
    x = torch.tensor(x0, requires_grad=True)
    y = x
    for _ in range(steps):
        y = torch.tanh(y * 0.9 + 0.1)
    y.backward(torch.ones_like(x))
    return x.grad.numpy()


def chain_hips(x0: np.ndarray, steps: int) -> np.ndarray:
    anp = hips.numpy

    def f(x):
        y = x
        for _ in range(steps):
            y = anp.tanh(y * 0.9 + 0.1)
        return y

    vjp, _ = hips.make_vjp(f)(x0)
    return vjp(np.ones_like(x0))


def chain_mygrad(x0: np.ndarray, steps: int) -> np.ndarray:
    x = mygrad.tensor(x0)
    y = x
    for _ in range(steps):
        y = mygrad.tanh(y * 0.9 + 0.1)
    y.backward(np.ones_like(x0))
    return np.asarray(x.grad)


# ---- workload 2: 100,000-op scalar chain ------------------------------------------------------


def scalar_ours(steps: int) -> float:
    x = ac.tensor(np.float64(0.5), requires_grad=True)
    y = x
    for _ in range(steps):
        y = y * 0.999 + 0.001
    y.backward()
    return float(x.grad.data)


def scalar_numpy(steps: int) -> float:
    # For reference only: the same arithmetic in NumPy (after the first product the
    # values are NumPy scalars, far cheaper than 0-d arrays), then the backward product.
    y = np.array(0.5)
    for _ in range(steps):
        y = y * 0.999 + 0.001
    g = np.array(1.0)
    for _ in range(steps):
        g = g * 0.999
    return float(g)


def scalar_torch(steps: int) -> float:
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(steps):
        y = y * 0.999 + 0.001
    y.backward()
    return float(x.grad)


def scalar_hips(steps: int) -> float:
    def f(x):
        y = x
        for _ in range(steps):
            y = y * 0.999 + 0.001
        return y

    return float(hips.grad(f)(0.5))


def scalar_mygrad(steps: int) -> float:
    x = mygrad.tensor(0.5)
    y = x
    for _ in range(steps):
        y = y * 0.999 + 0.001
    y.backward()
    return float(x.grad)


# ---- harness ---------------------------------------------------------------------------------


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call of ``fn``."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


Medians = dict[str, tuple[float, float]]  # library -> (wall, CPU) median seconds per call


def run_suite(title: str, cases: dict[str, Callable[[], object]], repeats: int, inner: int = 1) -> Medians:
    """Interleaved repeats; the median wall and CPU seconds per call of each case.

    Each sample times ``inner`` back-to-back calls (short workloads are otherwise at
    the mercy of the scheduler) and counts their mean.
    """
    results = {name: fn() for name, fn in cases.items()}  # warm-up, and a correctness check
    ref = np.asarray(results["autograd_core"], dtype=np.float64)
    for name, val in results.items():
        if not np.allclose(np.asarray(val, dtype=np.float64), ref, rtol=1e-6, atol=1e-12):
            raise AssertionError(f"{title}: {name} disagrees with autograd_core")
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for r in range(repeats):
        # rotate the starting library so none always runs right after another
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()  # start each run from the same heap state
            fn = cases[name]
            wall, cpu = _time(lambda fn=fn: [fn() for _ in range(inner)])
            walls[name].append(wall / inner)
            cpus[name].append(cpu / inner)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in cases}


def report(title: str, n_ops: int, med: Medians) -> None:
    ours_wall, ours_cpu = med["autograd_core"]
    print(f"\n{title}")
    print(
        f"  {'library':<16}{'wall ms':>9}{'CPU ms':>9}{'CPU us/op':>11}{'ours/it wall':>14}{'ours/it CPU':>13}"
    )
    for name, (wall, cpu) in med.items():
        print(
            f"  {name:<16}{wall * 1e3:>9.2f}{cpu * 1e3:>9.2f}{cpu / n_ops * 1e6:>11.2f}"
            f"{ours_wall / wall:>14.2f}{ours_cpu / cpu:>13.2f}"
        )


def main(argv: list[str] | None = None) -> dict[str, Medians]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per library (median)")
    parser.add_argument("--quick", action="store_true", help="1/10 of the work, 3 repeats (smoke test)")
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="let full garbage collections traverse every imported library's objects too",
    )
    args = parser.parse_args(argv)
    if not args.no_gc_freeze:
        # All libraries are imported into this one process, so a full garbage collection
        # would traverse every module object of every library (torch alone has ~150k).
        # That penalises whichever library allocates Python objects per operation for the
        # *other* libraries being loaded, which no single-library process pays. Freezing
        # the import-time heap leaves the collector only the benchmark's own objects.
        gc.collect()
        gc.freeze()
    chain_steps, scalar_steps, repeats = CHAIN_STEPS, SCALAR_STEPS, args.repeats
    if args.quick:
        chain_steps, scalar_steps, repeats = CHAIN_STEPS // 10, SCALAR_STEPS // 10, 3
    if repeats < 1:
        parser.error("--repeats must be >= 1")

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.processor() or platform.machine()}"
    )
    versions = [f"{m.__name__} {_version(m)}" for m in (torch, hips, mygrad) if m]
    print("also installed: " + (", ".join(versions) or "none"))
    print(
        f"medians of {repeats} interleaved repeats, wall and CPU time of this process; "
        "'ours/it' < 1 means autograd_core is faster"
    )
    print(
        "import-time heap "
        + ("not frozen" if args.no_gc_freeze else "frozen (gc.freeze; see --no-gc-freeze)")
    )

    x0 = np.random.default_rng(0).standard_normal(CHAIN_SIZE)
    chain = {"autograd_core": lambda: chain_ours(x0, chain_steps)}
    chain["numpy (manual)"] = lambda: chain_numpy(x0, chain_steps)
    if torch is not None:
        chain["pytorch"] = lambda: chain_torch(x0, chain_steps)
    if hips is not None:
        chain["hips autograd"] = lambda: chain_hips(x0, chain_steps)
    if mygrad is not None:
        chain["mygrad"] = lambda: chain_mygrad(x0, chain_steps)
    med1 = run_suite("chain", chain, repeats, inner=CHAIN_INNER)
    report(
        f"1. y = tanh(y * 0.9 + 0.1) x {chain_steps} on float64[{CHAIN_SIZE}], forward + backward "
        f"({3 * chain_steps} ops)",
        3 * chain_steps,
        med1,
    )

    scalar = {"autograd_core": lambda: scalar_ours(scalar_steps)}
    scalar["numpy (manual)"] = lambda: scalar_numpy(scalar_steps)
    if torch is not None:
        scalar["pytorch"] = lambda: scalar_torch(scalar_steps)
    if hips is not None:
        scalar["hips autograd"] = lambda: scalar_hips(scalar_steps)
    if mygrad is not None:
        scalar["mygrad"] = lambda: scalar_mygrad(scalar_steps)
    med2 = run_suite("scalar", scalar, repeats)
    report(
        f"2. y = y * 0.999 + 0.001 x {scalar_steps} on a 0-d float64, forward + backward "
        f"({2 * scalar_steps} ops)",
        2 * scalar_steps,
        med2,
    )

    print("\nacceptance targets (ratio of medians: wall time, CPU time)")
    checks = [("1. vs numpy (manual)", med1, "numpy (manual)", 3.0)]
    if torch is not None:
        checks += [("1. vs pytorch", med1, "pytorch", 1.0), ("2. vs pytorch", med2, "pytorch", 0.5)]
    for label, med, other, target in checks:
        wall = med["autograd_core"][0] / med[other][0]
        cpu = med["autograd_core"][1] / med[other][1]
        verdict = "ok" if max(wall, cpu) <= target else ("ok (CPU)" if cpu <= target else "MISSED")
        print(f"  {label:<22} {wall:5.2f}x {cpu:5.2f}x  (target <= {target}x)  {verdict}")
    return {"chain": med1, "scalar": med2}


if __name__ == "__main__":
    main()
