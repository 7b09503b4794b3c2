"""Shared timing harness: interleaved repeats, medians, one ratio table.

A *workload* is a name plus a dict ``{implementation: zero-argument callable}``;
every repeat calls each implementation once in turn, so load on a shared machine
hits all of them alike, and the table reports medians and ratios to the NumPy
floor and to PyTorch.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Workload:
    name: str
    impls: dict[str, Callable[[], object]]
    repeats: int = 9
    warmup: int = 2
    notes: str = ""
    medians: dict[str, float] = field(default_factory=dict)

    def run(self) -> dict[str, float]:
        for fn in self.impls.values():
            for _ in range(self.warmup):
                fn()
        samples: dict[str, list[float]] = {k: [] for k in self.impls}
        for _ in range(self.repeats):
            for name, fn in self.impls.items():
                t0 = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - t0)
        self.medians = {k: statistics.median(v) for k, v in samples.items()}
        return self.medians


FLOOR = "numpy (floor)"
OURS = "autograd_core"
PEERS = ("pytorch", "hips-autograd", "mygrad")


def table(workloads: list[Workload]) -> str:
    """Markdown table: time of autograd_core and ratios of every implementation to it."""
    lines = [
        "| workload | autograd_core | vs NumPy floor | vs PyTorch | vs HIPS autograd | vs MyGrad |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        m = w.medians
        ours = m.get(OURS)
        if ours is None:
            continue

        ratios = [f"{ours / m[key]:.2f}x" if key in m else "—" for key in (FLOOR, *PEERS)]
        lines.append(f"| {w.name} | {_fmt(ours)} | {' | '.join(ratios)} |")
    return "\n".join(lines)


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"
