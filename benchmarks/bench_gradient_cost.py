"""Cost of a full gradient of f: Rⁿ → R, relative to one evaluation of f.

f is a 2-layer tanh network, f(x) = v · tanh(W₂ tanh(W₁x + b₁) + b₂) with a hidden
width of 32. The gradient ∇f(x) ∈ Rⁿ is computed three ways:

* reverse mode: one ``ac.grad`` call (one recorded forward + one adjoint pass);
* forward mode: n ``ac.jvp`` calls, one per basis vector eᵢ (each gives ∂f/∂xᵢ);
* central finite differences: 2n evaluations of f.

Times are medians over interleaved repeats (each repeat times every method once, so
machine noise hits all of them alike) and are printed as ratios to the median time
of one evaluation of f. Reverse mode stays a small constant multiple of f for every
n; the other two grow linearly with n.

    python benchmarks/bench_gradient_cost.py [--repeats 15] [--sizes 10 100 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd_core as ac  # noqa: E402

HIDDEN = 32


def make_f(n: int, seed: int = 0):
    r = np.random.default_rng(seed)
    W1 = ac.tensor(r.standard_normal((HIDDEN, n)) / np.sqrt(n))
    b1 = ac.tensor(r.standard_normal(HIDDEN) * 0.1)
    W2 = ac.tensor(r.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN))
    b2 = ac.tensor(r.standard_normal(HIDDEN) * 0.1)
    v = ac.tensor(r.standard_normal(HIDDEN))

    def f(x):
        return v @ ac.tanh(W2 @ ac.tanh(W1 @ x + b1) + b2)

    return f


def reverse(f, x):
    return ac.grad(f)(x).data


def forward(f, x):
    g = np.empty(x.size)
    e = np.zeros(x.size)
    for i in range(x.size):
        e[i] = 1.0
        g[i] = ac.jvp(f, (x,), (e,))[1].item()
        e[i] = 0.0
    return g


def central(f, x, h=1e-6):
    g = np.empty(x.size)
    xp = x.copy()
    for i in range(x.size):
        xp[i] = x[i] + h
        fp = f(ac.tensor(xp)).item()
        xp[i] = x[i] - h
        fm = f(ac.tensor(xp)).item()
        xp[i] = x[i]
        g[i] = (fp - fm) / (2 * h)
    return g


def evaluate(f, x):
    return f(ac.tensor(x)).item()


def timed(fn, *args, inner: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn(*args)
    return (time.perf_counter() - start) / inner


def bench(n: int, repeats: int) -> dict:
    f = make_f(n)
    x = np.random.default_rng(1).standard_normal(n)
    # the three methods agree (a benchmark of wrong answers is worthless)
    g = reverse(f, x)
    np.testing.assert_allclose(forward(f, x), g, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(central(f, x), g, rtol=1e-5, atol=1e-7)
    methods = {"f": evaluate, "reverse": reverse, "forward": forward, "central": central}
    # each sample runs a method long enough (~20 ms) that scheduler noise averages out
    inner = {k: max(1, round(0.02 / timed(m, f, x))) for k, m in methods.items()}
    times: dict[str, list[float]] = {k: [] for k in methods}
    for _ in range(repeats):  # interleaved: each repeat times every method once
        for k, m in methods.items():
            times[k].append(timed(m, f, x, inner=inner[k]))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "n": n,
        "f_us": med["f"] * 1e6,
        **{k: med[k] / med["f"] for k in ("reverse", "forward", "central")},
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    ac.set_default_dtype(np.float64)
    rows = [bench(n, args.repeats) for n in args.sizes]
    print(f"gradient of f: R^n -> R (2-layer tanh network, hidden {HIDDEN}); time / time of one f")
    print()
    print("| n | one f (µs) | reverse: 1 grad | forward: n jvps | central differences: 2n f |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['n']} | {r['f_us']:.1f} | {r['reverse']:.1f}x | {r['forward']:.0f}x | {r['central']:.0f}x |"
        )
    worst = max(r["reverse"] for r in rows)
    print()
    print(f"reverse mode within 5x of f for every n: {'yes' if worst <= 5 else 'NO'} (worst {worst:.1f}x)")
    return rows


if __name__ == "__main__":
    main()
