"""One CNN training step: autograd_core against a hand-written NumPy floor, PyTorch CPU
and MyGrad (each when installed), in one process.

The step: two 3x3 convolutions (1 -> 8 -> 16 channels, padding 1) each followed by
ReLU, a 2x2 max-pool, a linear head (16*14*14 -> 10), softmax cross-entropy, backward
and an SGD update; batch 32 of 28x28 float32 images. All implementations start from
the same weights and data, and their first two losses must agree (so the updates, and
with them the gradients, agree too). Repeats are interleaved so drifting machine load
hits all alike; the table reports medians and ratios. HIPS autograd has no
convolution primitive and is left out.

The NumPy floor is im2col written by hand: the weight matrix times the patches of the
padded input forward, the transposed products backward and a col2im that adds each
kernel tap back; 2x2 max-pooling is the maximum of four strided views, its gradient
goes to the window's maxima.

Run: ``python benchmarks/bench_cnn.py`` (``--repeats N``, ``--inner K`` steps per timing,
``--threads T`` to pin both libraries' thread counts: PyTorch's intra-op threads and
NumPy's BLAS). ``benchmarks/run.py`` imports :func:`workload`.
"""

from __future__ import annotations

import argparse
import os
import sys

if "--threads" in sys.argv[:-1]:  # NumPy's BLAS reads its thread count at import time
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), HERE]

from harness import FLOOR, OURS, Workload, details, optional, table  # noqa: E402

import autograd_core as ac  # noqa: E402
from autograd_core import nn  # noqa: E402
from autograd_core.nn import functional as F  # noqa: E402

torch = optional("torch")
mygrad = optional("mygrad")

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

    def step(x: np.ndarray, y: np.ndarray) -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(ac.as_tensor(x)), y)
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

    def step(x: np.ndarray, y: np.ndarray) -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def make_mygrad(weights: dict[str, np.ndarray]):
    w1, b1, w2, b2, w3, b3 = (mygrad.tensor(v.copy()) for v in weights.values())
    conv, pool, relu = mygrad.nnet.conv_nd, mygrad.nnet.max_pool, mygrad.nnet.relu
    params = (w1, b1, w2, b2, w3, b3)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        a1 = relu(conv(x, w1, stride=1, padding=1) + b1.reshape(-1, 1, 1))
        a2 = relu(conv(a1, w2, stride=1, padding=1) + b2.reshape(-1, 1, 1))
        p = pool(a2, (2, 2), 2).reshape(len(x), -1)
        loss = mygrad.nnet.softmax_crossentropy(mygrad.matmul(p, w3.T) + b3, y)
        loss.backward()
        for t in params:
            t.data -= LR * t.grad
        return float(loss.item())

    return step


# ---- the NumPy floor: forward and backward by hand -----------------------------------------


def _conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """3x3 convolution, padding 1: (O, C·9) weights times the (N, C·9, H·W) patches."""
    n, c, h, wd = x.shape
    xp = np.zeros((n, c, h + 2, wd + 2), dtype=x.dtype)
    xp[:, :, 1:-1, 1:-1] = x
    windows = sliding_window_view(xp, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3) view
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, h * wd)
    out = (w.reshape(len(w), -1) @ cols).reshape(n, -1, h, wd)  # lands in NCHW order
    out += b[:, None, None]
    return out, cols


def _conv_backward(g: np.ndarray, cols: np.ndarray, w: np.ndarray, need_input: bool):
    n, o, h, wd = g.shape
    g3 = g.reshape(n, o, h * wd)
    dw = (g3 @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    db = g3.sum(axis=(0, 2))
    if not need_input:
        return None, dw, db
    c = w.shape[1]
    dcols = (w.reshape(o, -1).T @ g3).reshape(n, c, 3, 3, h, wd)
    dxp = np.zeros((n, c, h + 2, wd + 2), dtype=g.dtype)
    for i in range(3):  # col2im: each kernel tap adds back to a shifted window
        for j in range(3):
            dxp[:, :, i : i + h, j : j + wd] += dcols[:, :, i, j]
    return dxp[:, :, 1:-1, 1:-1], dw, db


def _quarters(a: np.ndarray):
    """The four positions of every 2x2 window, as strided views."""
    return [a[:, :, i::2, j::2] for i in (0, 1) for j in (0, 1)]


def make_numpy(weights: dict[str, np.ndarray]):
    params = [v.copy() for v in weights.values()]
    w1, b1, w2, b2, w3, b3 = params

    def step(x: np.ndarray, y: np.ndarray) -> float:
        n = len(x)
        h1, cols1 = _conv_forward(x, w1, b1)
        a1 = np.maximum(h1, 0)
        h2, cols2 = _conv_forward(a1, w2, b2)
        a2 = np.maximum(h2, 0)
        q = _quarters(a2)
        pooled = np.maximum(np.maximum(q[0], q[1]), np.maximum(q[2], q[3]))
        flat = pooled.reshape(n, -1)
        z = flat @ w3.T + b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        dz = e / s
        dz[rows, y] -= 1
        dz /= n
        dw3, db3 = dz.T @ flat, dz.sum(axis=0)
        dpool = (dz @ w3).reshape(pooled.shape)
        dh2 = np.empty_like(a2)
        for src, dst in zip(q, _quarters(dh2)):  # to every maximum of its window
            np.multiply(src == pooled, dpool, out=dst)
        dh2 *= h2 > 0  # ties within a window are zeros of the ReLU: masked here
        da1, dw2, db2 = _conv_backward(dh2, cols2, w2, need_input=True)
        da1 *= h1 > 0
        _, dw1, db1 = _conv_backward(da1, cols1, w1, need_input=False)
        for p, g in zip(params, (dw1, db1, dw2, db2, dw3, db3)):
            p -= LR * g
        return loss

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


MAKERS = {
    FLOOR: make_numpy,
    OURS: make_ours,
    "pytorch": make_torch if torch else None,
    "mygrad": make_mygrad if mygrad else None,
}


def implementations(batch: int = BATCH) -> dict:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 1, SIZE, SIZE)).astype(np.float32)
    y = rng.integers(0, CLASSES, batch)
    impls = {}
    for name, make in MAKERS.items():
        if make is not None:
            step = make(initial_weights())
            impls[name] = lambda step=step: step(x, y)
    return impls


def workload(batch: int = BATCH, repeats: int = 15, inner: int = 3) -> Workload:
    return Workload(
        f"CNN step, batch {batch}",
        implementations(batch),
        repeats=repeats,
        inner=inner,
        rtol=1e-4,
        notes=(
            f"conv3x3(1→8) → ReLU → conv3x3(8→16) → ReLU → maxpool 2 → linear(3136→10), "
            f"cross-entropy, SGD; {batch}×1×28×28 float32."
        ),
    )


def main(argv: list[str] | None = None) -> Workload:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats (median reported)")
    parser.add_argument("--inner", type=int, default=3, help="training steps per timed repeat")
    parser.add_argument("--threads", type=int, default=None, help="pin BLAS and PyTorch thread counts")
    args = parser.parse_args(argv)
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    w = workload(repeats=args.repeats, inner=args.inner)
    w.run()
    threads = f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ""
    print(f"NumPy {np.__version__}{threads}, {os.cpu_count()} CPUs; medians of {args.repeats} x {args.inner}")
    print(table([w]))
    print(details([w]))
    return w


if __name__ == "__main__":
    main()
