"""Shared timing harness: interleaved repeats, medians, one ratio table.

A *workload* is a name plus a dict ``{implementation: zero-argument callable}``.
Every repeat calls each implementation once, in a freshly shuffled order (seeded),
so drifting load on a shared machine hits all of them alike and no implementation
always runs right after another one (PyTorch's OpenMP threads keep spinning for a
moment after each call). Each timed sample starts from a collected heap. The table
reports autograd_core's median and the ratio of that median to every other
implementation's: ``1.05x`` under "NumPy floor" means autograd_core takes 5% longer.
"""

from __future__ import annotations

import gc
import math
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

OURS = "autograd_core"
FLOOR = "numpy (floor)"
PEERS = ("pytorch", "hips-autograd", "mygrad")
COLUMNS = {FLOOR: "NumPy floor", "pytorch": "PyTorch", "hips-autograd": "HIPS autograd", "mygrad": "MyGrad"}


@dataclass
class Workload:
    """One row of the table: implementations of the same computation, timed interleaved.

    One timed sample is ``inner`` calls, or more for an implementation whose calls are
    shorter than ``min_sample`` seconds (so that timer and wake-up noise average out);
    ``rtol``, when set, checks that every implementation's first ``checks`` results
    agree with autograd_core's (a benchmark of wrong answers is worthless).
    """

    name: str
    impls: dict[str, Callable[[], object]]
    repeats: int = 9
    warmup: int = 2
    checks: int = 2
    inner: int = 1
    min_sample: float = 0.01
    rtol: float | None = None
    atol: float = 0.0
    notes: str = ""
    medians: dict[str, float] = field(default_factory=dict)
    unit: str = "s"

    def run(self, seed: int = 0) -> dict[str, float]:
        names = list(self.impls)
        # the first `checks` results of every implementation (two steps of a training
        # workload: the second loss checks the first update, hence the gradients)
        first: dict[str, list] = {}
        inner: dict[str, int] = {}
        for name, fn in self.impls.items():
            first[name] = [fn() for _ in range(self.checks - 1)]
            t0 = time.perf_counter()
            first[name].append(fn())
            inner[name] = max(self.inner, math.ceil(self.min_sample / max(time.perf_counter() - t0, 1e-9)))
            for _ in range(self.warmup - self.checks):
                fn()
        if self.rtol is not None and OURS in first:
            ref = np.asarray(first[OURS], dtype=np.float64)
            for name, value in first.items():
                got = np.asarray(value, dtype=np.float64)
                if not np.allclose(got, ref, rtol=self.rtol, atol=self.atol):
                    raise AssertionError(f"{self.name}: {name} disagrees with {OURS}: {got} vs {ref}")
        samples: dict[str, list[float]] = {k: [] for k in names}
        order = random.Random(seed)
        for _ in range(self.repeats):
            order.shuffle(names)
            for name in names:
                fn = self.impls[name]
                gc.collect()
                time.sleep(0.002)  # let other libraries' worker threads go idle first
                t0 = time.perf_counter()
                for _ in range(inner[name]):
                    fn()
                samples[name].append((time.perf_counter() - t0) / inner[name])
        self.medians = {k: statistics.median(samples[k]) for k in self.impls}
        return self.medians


@dataclass
class PeakMemory(Workload):
    """Peak traced memory (``tracemalloc``) of one call of each implementation, in bytes.

    tracemalloc sees NumPy's buffers and Python objects, not memory a C++ library
    allocates on its own (PyTorch's tensors), so only NumPy-based implementations fit.
    """

    unit: str = "B"

    def run(self, seed: int = 0) -> dict[str, float]:
        peaks = {}
        for name, fn in self.impls.items():
            fn()  # warm: lazily created state is not part of a step
            gc.collect()
            tracemalloc.start()
            tracemalloc.reset_peak()
            fn()
            peaks[name] = float(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        self.medians = peaks
        return peaks


def table(workloads: Sequence[Workload]) -> str:
    """Markdown table: autograd_core's median and its ratio to every other implementation.

    Peers absent from every workload (not installed) get no column; a peer missing
    from one workload shows "—" there.
    """
    others = [k for k in (FLOOR, *PEERS) if any(k in w.medians for w in workloads)]
    head = ["workload", OURS] + [f"vs {COLUMNS[k]}" for k in others]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for w in workloads:
        m = w.medians
        ours = m.get(OURS)
        if ours is None:
            continue
        ratios = [f"{ours / m[k]:.2f}x" if m.get(k) else "—" for k in others]
        lines.append(f"| {w.name} | {fmt(ours, w.unit)} | {' | '.join(ratios)} |")
    return "\n".join(lines)


def details(workloads: Sequence[Workload]) -> str:
    """Every implementation's median, one line per workload."""
    out = []
    for w in workloads:
        cells = ", ".join(f"{k} {fmt(v, w.unit)}" for k, v in w.medians.items())
        out.append(f"- {w.name}: {cells}")
    return "\n".join(out)


def fmt(value: float, unit: str = "s") -> str:
    if unit == "B":
        return f"{value / 2**20:.2f} MiB"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} µs"


def products_name() -> str:
    """Where autograd_core's large matrix products run: MKL (when installed) or NumPy's BLAS."""
    from autograd_core.backends import mkl

    if mkl.is_enabled():
        return f"MKL ({Path(mkl.library_path()).name})"
    return "NumPy's BLAS"


def on_numpy_blas(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with autograd_core's products on NumPy's BLAS (MKL off) during each call:
    the same step without the optional MKL path, for a side-by-side row."""
    from autograd_core.backends import mkl

    def call():
        was = mkl.is_enabled()
        mkl.set_enabled(False)
        try:
            return fn()
        finally:
            mkl.set_enabled(was)

    return call


def blas_name() -> str:
    """The BLAS library NumPy calls for matmul, e.g. "scipy-openblas 0.3.31"."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:  # noqa: BLE001 - older NumPy: no dict config
        return "BLAS unknown"


def optional(name: str):
    """Import a peer library, or None when it is not installed (its column is dropped).

    Modules named in the environment variable ``BENCH_WITHOUT`` (comma-separated) count
    as not installed.
    """
    if name in os.environ.get("BENCH_WITHOUT", "").split(","):
        return None
    try:
        return __import__(name)
    except Exception:  # noqa: BLE001 - any import failure just drops the column
        return None
