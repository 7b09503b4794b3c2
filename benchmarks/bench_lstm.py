"""One LSTM training step: autograd_core vs a hand-written NumPy floor, PyTorch CPU, HIPS
autograd and MyGrad (each when installed).

The step: a one-layer LSTM (input 32, hidden 64) over a sequence of 20 steps for a batch
of 32, a linear head (64 -> 10) on the last hidden state, softmax cross-entropy,
backward through time and an SGD update; float32. Every implementation starts from
the same weights (PyTorch's layout: gates i, f, g, o) and data, and their first two
losses must agree. The NumPy floor writes the forward pass and backpropagation
through time by hand; HIPS autograd and MyGrad run the same cell written with their
array functions. autograd_core and PyTorch use their ``nn.LSTM``.

    python benchmarks/bench_lstm.py [--repeats 15]

``benchmarks/run.py`` imports :func:`workload`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from harness import FLOOR, OURS, Workload, details, optional, table  # noqa: E402

import autograd_core as ac  # noqa: E402
from autograd_core import nn  # noqa: E402
from autograd_core.nn import functional as F  # noqa: E402

torch = optional("torch")
hips = optional("autograd")
mygrad = optional("mygrad")

SEQ, BATCH, INPUT, HIDDEN, CLASSES, LR = 20, 32, 32, 64, 10, 0.05
NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "head.weight", "head.bias")


def initial_weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(HIDDEN)
    shapes = [
        (4 * HIDDEN, INPUT),
        (4 * HIDDEN, HIDDEN),
        (4 * HIDDEN,),
        (4 * HIDDEN,),
        (CLASSES, HIDDEN),
        (CLASSES,),
    ]
    return {n: rng.uniform(-k, k, s).astype(np.float32) for n, s in zip(NAMES, shapes)}


def data(seq: int = SEQ, batch: int = BATCH, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((seq, batch, INPUT)).astype(np.float32), rng.integers(0, CLASSES, batch)


# ---- autograd_core and PyTorch: their nn.LSTM --------------------------------------------------


def make_ours(weights):
    lstm, head = nn.LSTM(INPUT, HIDDEN), nn.Linear(HIDDEN, CLASSES)
    for name, p in [*lstm.named_parameters(), *(("head." + n, p) for n, p in head.named_parameters())]:
        p.data[...] = weights[name]
    opt = ac.optim.SGD([*lstm.parameters(), *head.parameters()], lr=LR)

    def step(x, y):
        opt.zero_grad()
        _, (h, _) = lstm(ac.as_tensor(x))
        loss = F.cross_entropy(head(h[0]), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def make_torch(weights):
    lstm, head = torch.nn.LSTM(INPUT, HIDDEN), torch.nn.Linear(HIDDEN, CLASSES)
    with torch.no_grad():
        for name, p in [*lstm.named_parameters(), *(("head." + n, p) for n, p in head.named_parameters())]:
            p.copy_(torch.from_numpy(weights[name]))
    opt = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=LR)

    def step(x, y):
        opt.zero_grad()
        _, (h, _) = lstm(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(head(h[0]), torch.from_numpy(y))
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---- HIPS autograd and MyGrad: the cell written with their array functions ----------------------


def _lstm_logits(params, x, mm, sigmoid, tanh):
    w_ih, w_hh, b_ih, b_hh, w, b = params
    xp = mm(x, w_ih.T) + (b_ih + b_hh)
    h = c = 0.0
    for t in range(x.shape[0]):
        gates = xp[t] + mm(h, w_hh.T) if t else xp[t]
        s = sigmoid(gates)
        i, f, o = s[:, :HIDDEN], s[:, HIDDEN : 2 * HIDDEN], s[:, 3 * HIDDEN :]
        c = f * c + i * tanh(gates[:, 2 * HIDDEN : 3 * HIDDEN])
        h = o * tanh(c)
    return mm(h, w.T) + b


def make_hips(weights):
    anp = hips.numpy
    logsumexp = __import__("autograd.scipy.special", fromlist=["logsumexp"]).logsumexp
    params = [v.copy() for v in weights.values()]

    def loss_fn(ps, x, y):
        z = _lstm_logits(ps, x, anp.matmul, lambda v: 0.5 * (anp.tanh(0.5 * v) + 1), anp.tanh)
        return anp.mean(logsumexp(z, axis=1) - z[anp.arange(len(y)), y])

    value_and_grad = hips.value_and_grad(loss_fn)

    def step(x, y):
        loss, grads = value_and_grad(params, x, y)
        for p, g in zip(params, grads):
            p -= LR * g
        return float(loss)

    return step


def make_mygrad(weights):
    params = [mygrad.tensor(v.copy()) for v in weights.values()]

    def step(x, y):
        z = _lstm_logits(params, x, mygrad.matmul, mygrad.nnet.sigmoid, mygrad.tanh)
        loss = mygrad.nnet.softmax_crossentropy(z, y)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.item()

    return step


# ---- the NumPy floor: forward and backpropagation through time by hand ----------------------------


def _sigmoid(v):
    return 0.5 * (np.tanh(0.5 * v) + 1)


def make_numpy(weights):
    params = [v.copy() for v in weights.values()]
    w_ih, w_hh, b_ih, b_hh, w, b = params

    def step(x, y):
        steps, n = x.shape[:2]
        H = HIDDEN
        xp = x @ w_ih.T + (b_ih + b_hh)  # (L, N, 4H): all input projections at once
        hs = np.zeros((steps + 1, n, H), np.float32)  # h_0 = 0, h_1, ..., h_L
        cs = np.zeros((steps + 1, n, H), np.float32)
        acts = np.empty((steps, n, 4 * H), np.float32)  # σ(i), σ(f), tanh(g), σ(o)
        tcs = np.empty((steps, n, H), np.float32)  # tanh(c_t)
        for t in range(steps):
            gates = xp[t] + hs[t] @ w_hh.T
            a = acts[t]
            a[:] = _sigmoid(gates)
            a[:, 2 * H : 3 * H] = np.tanh(gates[:, 2 * H : 3 * H])
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            cs[t + 1] = f * cs[t] + i * g
            tcs[t] = np.tanh(cs[t + 1])
            hs[t + 1] = o * tcs[t]
        z = hs[steps] @ w.T + b
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        dz = e / s
        dz[rows, y] -= 1
        dz /= n
        dw, db = dz.T @ hs[steps], dz.sum(axis=0)
        dh = dz @ w
        dc = np.zeros((n, H), np.float32)
        dgates = np.empty_like(acts)  # ∂loss/∂gates for every step
        for t in range(steps - 1, -1, -1):
            a = acts[t]
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            tc = tcs[t]
            dc += dh * o * (1 - tc * tc)
            d = dgates[t]
            d[:, :H] = dc * g * i * (1 - i)
            d[:, H : 2 * H] = dc * cs[t] * f * (1 - f)
            d[:, 2 * H : 3 * H] = dc * i * (1 - g * g)
            d[:, 3 * H :] = dh * tc * o * (1 - o)
            dc *= f
            dh = d @ w_hh
        flat = dgates.reshape(-1, 4 * H)
        dw_ih = flat.T @ x.reshape(-1, x.shape[-1])
        dw_hh = flat.T @ hs[:steps].reshape(-1, H)
        dbias = flat.sum(axis=0)
        for p, gp in zip(params, (dw_ih, dw_hh, dbias, dbias, dw, db)):
            p -= LR * gp
        return loss

    return step


MAKERS = {
    FLOOR: make_numpy,
    OURS: make_ours,
    "pytorch": make_torch if torch else None,
    "hips-autograd": make_hips if hips else None,
    "mygrad": make_mygrad if mygrad else None,
}


def implementations(seq: int = SEQ, batch: int = BATCH) -> dict:
    x, y = data(seq, batch)
    impls = {}
    for name, make in MAKERS.items():
        if make is not None:
            step = make(initial_weights())
            impls[name] = lambda step=step: step(x, y)
    return impls


def workload(seq: int = SEQ, batch: int = BATCH, repeats: int = 15) -> Workload:
    return Workload(
        f"LSTM step, seq {seq}, batch {batch}",
        implementations(seq, batch),
        repeats=repeats,
        inner=2,
        rtol=1e-4,
        notes=(
            f"one-layer LSTM {INPUT}→{HIDDEN} over {seq} steps, linear head on the last hidden state, "
            "cross-entropy, BPTT, SGD; float32."
        ),
    )


def main(argv: list[str] | None = None) -> Workload:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    w = workload(repeats=args.repeats)
    w.run()
    print(f"medians of {args.repeats} interleaved repeats")
    print(table([w]))
    print(details([w]))
    return w


if __name__ == "__main__":
    main()
