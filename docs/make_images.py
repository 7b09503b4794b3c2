"""Regenerate the pictures in docs/images/ (used by the README): ``python docs/make_images.py``.

Needs Graphviz's ``dot``.
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


def digits_batch(n=32):
    from autograd_core.data import datasets

    x, y = datasets.digits()
    return ac.tensor(x.data[:n].astype(np.float32)), np.asarray(y.data[:n])


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
    from autograd_core import nn
    from autograd_core.nn import functional as F

    ac.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    x, y = digits_batch()
    with ac.viz.record_modules(model):
        logits = model(x)
    loss = -ac.log_softmax(logits, axis=1)[np.arange(len(y)), y].mean()
    loss.backward(retain_graph=True)  # retained, so the matmul still holds the images it saved
    g = ac.viz.draw(loss, collapse=model, names={"images": x}, show_grads=True)
    ac.viz.save(g, OUT / "mlp_step.png", dpi=DPI)

    # 4. one training step of a small digits CNN, each layer folded into a box
    ac.manual_seed(0)
    cnn = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )
    images = x.reshape(-1, 1, 8, 8)
    with ac.viz.record_modules(cnn):
        logits = cnn(images)
    loss = F.cross_entropy(logits, y)
    loss.backward(retain_graph=True)
    g = ac.viz.draw(loss, collapse=cnn, names={"images": images}, show_grads=True)
    ac.viz.save(g, OUT / "cnn_step.png", dpi=DPI)

    # 5. a 100,000-op chain, summarised
    w = ac.tensor([0.5, -0.3], requires_grad=True)
    h = w
    for _ in range(50_000):
        h = ac.tanh(h * 1.01)
    g = ac.viz.draw(h, params={"w": w}, max_nodes=8)
    ac.viz.save(g, OUT / "chain_summary.png", dpi=DPI)


if __name__ == "__main__":
    main()
