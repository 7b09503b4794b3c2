"""Regenerate the pictures in docs/images/ (used by the README): ``python docs/make_images.py``.

Needs Graphviz's ``dot``. Uses ``ac.nn`` when it is available, otherwise the small
stand-in modules of the test suite (same module names, so the pictures are the same).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import autograd_core as ac  # noqa: E402

OUT = ROOT / "docs" / "images"
DPI = 110


def neuron():
    """micrograd's 2-input neuron: o = tanh(x1*w1 + x2*w2 + b)."""
    f64 = np.float64
    x1 = ac.tensor(2.0, requires_grad=True, dtype=f64)
    x2 = ac.tensor(0.0, requires_grad=True, dtype=f64)
    w1 = ac.tensor(-3.0, requires_grad=True, dtype=f64)
    w2 = ac.tensor(1.0, requires_grad=True, dtype=f64)
    b = ac.tensor(6.8813735870195432, requires_grad=True, dtype=f64)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = ac.tanh(n)
    params = {"w1": w1, "w2": w2, "b": b}
    names = {"x1": x1, "x2": x2, "x1w1": x1w1, "x2w2": x2w2, "x1w1+x2w2": s, "n": n, "o": o}
    return o, params, names


def layers():
    try:
        from autograd_core import nn

        return nn.Sequential, nn.Linear, nn.ReLU
    except ImportError:
        sys.path.insert(0, str(ROOT / "tests" / "viz"))
        import minimal_nn

        rng = np.random.default_rng(0)
        return (
            minimal_nn.Sequential,
            lambda i, o: minimal_nn.Linear(i, o, rng),
            minimal_nn.ReLU,
        )


def digits_batch(n=32):
    try:
        from autograd_core.data import datasets

        ds = datasets.digits()
        x, y = ds[:n] if not hasattr(ds, "tensors") else (t[:n] for t in ds.tensors)
        return ac.tensor(np.asarray(x, dtype=np.float32).reshape(n, 64)), np.asarray(y)
    except Exception:
        rng = np.random.default_rng(0)
        return ac.tensor(rng.uniform(0, 16, (n, 64)).astype(np.float32)), rng.integers(0, 10, n)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)

    # 1. the neuron after backward: micrograd-style data | grad records
    o, params, names = neuron()
    for t in names.values():
        t.retain_grad()
    o.backward()
    g = ac.viz.draw(o, params=params, names=names, show_values=True, show_grads=True, rankdir="LR")
    ac.viz.save(g, OUT / "neuron.png", dpi=DPI)

    # 2. the backward pass over the same neuron, numbered, with the gradient on each edge
    o, params, names = neuron()
    trace = ac.viz.trace_backward(o, params=params, names=names)
    g = trace.draw(show_values=True, rankdir="LR")
    ac.viz.save(g, OUT / "backward_trace.png", dpi=DPI)
    (OUT / "backward_trace.txt").write_text(trace.table() + "\n")

    # 3. one training step of a digits MLP, each layer folded into a box
    Sequential, Linear, ReLU = layers()
    ac.manual_seed(0)
    model = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    x, y = digits_batch()
    with ac.viz.record_modules(model):
        logits = model(x)
    loss = -ac.log_softmax(logits, axis=1)[np.arange(len(y)), y].mean()
    loss.backward(retain_graph=True)  # retained, so the matmul still holds the images it saved
    g = ac.viz.draw(loss, collapse=model, names={"images": x}, show_grads=True)
    ac.viz.save(g, OUT / "mlp_step.png", dpi=DPI)

    # 4. a 100,000-op chain, summarised
    w = ac.tensor([0.5, -0.3], requires_grad=True)
    h = w
    for _ in range(50_000):
        h = ac.tanh(h * 1.01)
    g = ac.viz.draw(h, params={"w": w}, max_nodes=8)
    ac.viz.save(g, OUT / "chain_summary.png", dpi=DPI)


if __name__ == "__main__":
    main()
