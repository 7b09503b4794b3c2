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

``benchmarks/run.py`` imports :func:`workload`: the time of one reverse-mode gradient
against a hand-written NumPy gradient, PyTorch, HIPS autograd and MyGrad, with this
table (reverse, forward and central differences relative to f) in its notes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from harness import FLOOR, OURS, Workload, optional  # noqa: E402

import autograd_core as ac  # noqa: E402

torch = optional("torch")
hips = optional("autograd")
mygrad = optional("mygrad")

HIDDEN = 32


def weights(n: int, seed: int = 0) -> list[np.ndarray]:
    """W₁ (32, n), b₁, W₂ (32, 32), b₂, v: float64."""
    r = np.random.default_rng(seed)
    return [
        r.standard_normal((HIDDEN, n)) / np.sqrt(n),
        r.standard_normal(HIDDEN) * 0.1,
        r.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN),
        r.standard_normal(HIDDEN) * 0.1,
        r.standard_normal(HIDDEN),
    ]


def make_f(n: int, seed: int = 0):
    W1, b1, W2, b2, v = (ac.tensor(w, dtype=np.float64) for w in weights(n, seed))

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


# ---- one gradient, library against library -----------------------------------------------------


def grad_numpy(n: int):
    """The floor: f's gradient written by hand (forward, then the chain rule backwards)."""
    W1, b1, W2, b2, v = weights(n)

    def g(x):
        a1 = np.tanh(W1 @ x + b1)
        a2 = np.tanh(W2 @ a1 + b2)
        d2 = v * (1 - a2 * a2)
        d1 = (W2.T @ d2) * (1 - a1 * a1)
        return W1.T @ d1

    return g


def grad_torch(n: int):
    W1, b1, W2, b2, v = (torch.from_numpy(w) for w in weights(n))

    def g(x):
        xt = torch.tensor(x, requires_grad=True)
        (gx,) = torch.autograd.grad(v @ torch.tanh(W2 @ torch.tanh(W1 @ xt + b1) + b2), xt)
        return gx.numpy()

    return g


def grad_hips(n: int):
    anp = hips.numpy
    W1, b1, W2, b2, v = weights(n)
    return hips.grad(lambda x: anp.dot(v, anp.tanh(anp.dot(W2, anp.tanh(anp.dot(W1, x) + b1)) + b2)))


def grad_mygrad(n: int):
    W1, b1, W2, b2, v = weights(n)

    def g(x):
        xt = mygrad.tensor(x)
        out = mygrad.matmul(v, mygrad.tanh(mygrad.matmul(W2, mygrad.tanh(mygrad.matmul(W1, xt) + b1)) + b2))
        out.backward()
        return xt.grad

    return g


def grad_ours(n: int):
    f = make_f(n)
    return lambda x: reverse(f, x)


MAKERS = {
    FLOOR: grad_numpy,
    OURS: grad_ours,
    "pytorch": grad_torch if torch else None,
    "hips-autograd": grad_hips if hips else None,
    "mygrad": grad_mygrad if mygrad else None,
}


def workload(n: int, repeats: int = 15, modes_repeats: int = 7) -> Workload:
    """One gradient of f at a point of Rⁿ, every library; notes: the forward/central table."""
    x = np.random.default_rng(1).standard_normal(n)
    impls = {}
    for name, make in MAKERS.items():
        if make is not None:
            g = make(n)
            impls[name] = lambda g=g: g(x)
    row = bench(n, modes_repeats)
    return Workload(
        f"gradient of f: R^{n} → R (reverse mode)",
        impls,
        repeats=repeats,
        rtol=1e-10,
        atol=1e-12,
        notes=(
            f"f = v·tanh(W₂ tanh(W₁x + b₁) + b₂), hidden {HIDDEN}, float64; one f takes "
            f"{row['f_us']:.0f} µs. Relative to one f: reverse mode (1 grad) {row['reverse']:.1f}x, "
            f"forward mode (n jvps) {row['forward']:.0f}x, central differences (2n f) {row['central']:.0f}x."
        ),
    )


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
