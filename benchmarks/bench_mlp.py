"""One MLP training step (784-512-512-10, ReLU, softmax cross-entropy, batch 128,
float32, SGD): autograd_core vs the hand-written NumPy floor, PyTorch CPU, HIPS
autograd and MyGrad (each when installed).

The NumPy floor writes the forward pass, the backward pass and the SGD update by
hand: it is what the step costs with no autodiff at all. Every implementation starts
from the same weights and sees the same batch; their first losses must agree. Each
repeat times every implementation once (interleaved), and the table shows medians
and ratios. Peak memory (tracemalloc) of one step is reported against the floor's.

    python benchmarks/bench_mlp.py [--repeats 31] [--batch 128]

``benchmarks/run.py`` imports :func:`workload` and :func:`memory_workload`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from harness import FLOOR, OURS, PeakMemory, Workload, details, on_numpy_blas, optional, table  # noqa: E402

import autograd_core as ac  # noqa: E402
from autograd_core import nn  # noqa: E402
from autograd_core.nn import functional as F  # noqa: E402

torch = optional("torch")
hips = optional("autograd")
mygrad = optional("mygrad")

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


def make_hips_step(params: list[np.ndarray]):
    anp = hips.numpy
    logsumexp = __import__("autograd.scipy.special", fromlist=["logsumexp"]).logsumexp

    def loss_fn(ps, x, y):
        W1, b1, W2, b2, W3, b3 = ps
        a1 = anp.maximum(anp.dot(x, W1.T) + b1, 0)
        a2 = anp.maximum(anp.dot(a1, W2.T) + b2, 0)
        z = anp.dot(a2, W3.T) + b3
        return anp.mean(logsumexp(z, axis=1) - z[anp.arange(x.shape[0]), y])

    value_and_grad = hips.value_and_grad(loss_fn)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        loss, grads = value_and_grad(params, x, y)
        for p, g in zip(params, grads):
            p -= LR * g
        return float(loss)

    return step


def make_mygrad_step(params: list[np.ndarray]):
    ps = [mygrad.tensor(p) for p in params]

    def step(x: np.ndarray, y: np.ndarray) -> float:
        W1, b1, W2, b2, W3, b3 = ps
        a1 = mygrad.nnet.relu(mygrad.matmul(x, W1.T) + b1)
        a2 = mygrad.nnet.relu(mygrad.matmul(a1, W2.T) + b2)
        loss = mygrad.nnet.softmax_crossentropy(mygrad.matmul(a2, W3.T) + b3, y)
        loss.backward()
        for p in ps:
            p.data -= LR * p.grad
        return loss.item()

    return step


MAKERS = {
    FLOOR: make_numpy_step,
    OURS: make_ours_step,
    "pytorch": make_torch_step if torch else None,
    "hips-autograd": make_hips_step if hips else None,
    "mygrad": make_mygrad_step if mygrad else None,
}


def data(batch: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 784)).astype(np.float32), rng.integers(0, 10, batch)


def implementations(batch: int, names=None) -> dict:
    """``{name: zero-argument step}`` on one fixed batch, each from the same initial weights."""
    x, y = data(batch)
    impls = {}
    for name, make in MAKERS.items():
        if make is not None and (names is None or name in names):
            step = make(init_params())
            impls[name] = lambda step=step: step(x, y)
    return impls


def workload(batch: int = 128, repeats: int = 31, numpy_blas: bool = False) -> Workload:
    """The MLP row; ``numpy_blas=True``: autograd_core's products on NumPy's BLAS even when
    the optional MKL path is enabled (for the row beside the MKL one)."""
    impls = implementations(batch)
    if numpy_blas:
        impls[OURS] = on_numpy_blas(impls[OURS])
    return Workload(
        f"MLP step 784-512-512-10, batch {batch}" + (", autograd_core on NumPy's BLAS" if numpy_blas else ""),
        impls,
        repeats=repeats,
        warmup=3,
        rtol=1e-4,
        notes="ReLU, softmax cross-entropy, float32, SGD (lr 0.01); forward, backward and update.",
    )


def memory_workload(batch: int = 128) -> PeakMemory:
    return PeakMemory(
        f"MLP step peak memory (tracemalloc), batch {batch}",
        implementations(batch, (FLOOR, OURS)),
        notes="Peak of traced allocations during one step, after a warm-up step.",
    )


def main(argv: list[str] | None = None) -> list[Workload]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args(argv)
    rows = [workload(args.batch, args.repeats), memory_workload(args.batch)]
    for w in rows:
        w.run()
    print(f"medians of {args.repeats} interleaved repeats")
    print(table(rows))
    print(details(rows))
    return rows


if __name__ == "__main__":
    main()
