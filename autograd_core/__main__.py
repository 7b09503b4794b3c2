"""``python -m autograd_core``: train a small network on the shipped digits and draw its graph.

Subcommands
-----------
``demo`` (the default)
    Train the default model (an MLP) on the 8x8 handwritten digits with default
    settings: the README's one-command tour.
``train``
    The same with options: ``--dataset``, ``--model``, ``--epochs``, ``--lr``,
    ``--batch-size``, ``--seed``, ``--out``.

Both hold out a seeded, stratified 25% of the images as a test set, show a
progress bar with the training loss and accuracy, print the test accuracy, and
write to the output folder the trained weights (``model.npz``, read back with
``ac.load``) and the computation graph of one training step (``graph.dot``, plus
``graph.svg`` when Graphviz's ``dot`` program is installed).

Adding a model is one entry in :data:`MODELS` (a builder taking the input shape
and the number of classes); adding a dataset is one entry in :data:`DATASETS`.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import autograd_core as ac

DEFAULT_OUT = "autograd_core_demo"


# ---- registries -------------------------------------------------------------------------


def _digits() -> tuple[ac.Tensor, ac.Tensor]:
    """8x8 digits as (N, 1, 8, 8) images scaled to [0, 1], labels 0..9."""
    return ac.data.datasets.digits(flatten=False, scale=True)


def mlp(input_shape: tuple[int, ...], n_classes: int, hidden: int = 256) -> Any:
    """Flatten -> Linear -> ReLU -> Linear: a one-hidden-layer perceptron."""
    nn = ac.nn
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(int(np.prod(input_shape)), hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_classes),
    )


def cnn(input_shape: tuple[int, ...], n_classes: int, width: int = 32) -> Any:
    """Two conv blocks (3x3 conv -> batch norm -> ReLU -> 2x2 max-pool) and a linear head.

    For (C, H, W) images; ``width`` channels in the first block, twice as many in the second.
    """
    nn = ac.nn
    c, h, w = input_shape
    return nn.Sequential(
        nn.Conv2d(c, width, 3, padding=1),
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(2 * width * (h // 4) * (w // 4), n_classes),
    )


#: dataset name -> loader returning (X, y) with X of shape (N, *input_shape) and integer labels y
DATASETS: dict[str, Callable[[], tuple[ac.Tensor, ac.Tensor]]] = {"digits": _digits}

#: model name -> builder(input_shape, n_classes) returning an ``nn.Module`` that outputs logits
MODELS: dict[str, Callable[[tuple[int, ...], int], Any]] = {"mlp": mlp, "cnn": cnn}


# ---- training ----------------------------------------------------------------------------


def _accuracy(logits: ac.Tensor, y: ac.Tensor) -> float:
    return float(np.mean(np.argmax(logits.numpy(), axis=1) == y.numpy()))


def train(
    dataset: str = "digits",
    model: str = "mlp",
    epochs: int = 80,
    lr: float = 4e-3,
    batch_size: int = 128,
    seed: int = 0,
    label_smoothing: float = 0.1,
    out: str | Path = DEFAULT_OUT,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``model`` on ``dataset``, evaluate on the held-out split, write the outputs.

    Adam with a cosine-annealed learning rate minimises the cross-entropy with label
    smoothing; ``seed`` fixes the split, the initial weights and the batch order.
    Returns a dict with ``test_accuracy``, ``train_accuracy``, ``seconds`` and the
    written ``files``.
    """
    from tqdm.auto import tqdm

    F = ac.nn.functional
    start = time.perf_counter()
    X, y = DATASETS[dataset]()
    X_train, X_test, y_train, y_test = ac.data.stratified_split(X, y, test_fraction=0.25, seed=seed)
    n_classes = int(y.numpy().max()) + 1
    ac.manual_seed(seed)
    net = MODELS[model](tuple(X.shape[1:]), n_classes)
    opt = ac.optim.Adam(net.parameters(), lr=lr)
    sched = ac.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loader = ac.data.DataLoader(
        ac.data.TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True, seed=seed
    )

    bar = tqdm(range(epochs), desc=f"{model} on {dataset}", unit="epoch", disable=not progress)
    train_acc = 0.0
    for _ in bar:
        net.train()
        total_loss, correct, seen = 0.0, 0, 0
        for xb, yb in loader:
            logits = net(xb)
            loss = F.cross_entropy(logits, yb, label_smoothing=label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            n = len(yb)
            total_loss += loss.item() * n
            correct += int(np.sum(np.argmax(logits.numpy(), axis=1) == yb.numpy()))
            seen += n
        sched.step()
        train_acc = correct / seen
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{train_acc:.3f}")
    bar.close()

    net.eval()
    with ac.no_grad():
        test_acc = _accuracy(net(X_test), y_test)
    print(f"test accuracy: {test_acc:.2%} on {len(y_test)} held-out images (train: {train_acc:.2%})")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "model.npz"]
    ac.save(net.state_dict(), files[0])
    net.train()
    xb, yb = next(iter(loader))
    record = getattr(getattr(ac, "viz", None), "record_modules", None)  # exact layer boxes when available
    with record(net) if record is not None else contextlib.nullcontext():
        loss = F.cross_entropy(net(xb), yb, label_smoothing=label_smoothing)
    files += write_graph(loss, net, out / "graph")
    seconds = time.perf_counter() - start
    print("wrote " + ", ".join(str(f) for f in files) + f"  ({seconds:.1f} s)")
    return {"test_accuracy": test_acc, "train_accuracy": train_acc, "seconds": seconds, "files": files}


# ---- the graph picture ---------------------------------------------------------------------


def write_graph(loss: ac.Tensor, model: Any, stem: Path) -> list[Path]:
    """Write the graph behind ``loss`` as ``stem.dot`` and, with Graphviz, ``stem.svg``."""
    params = dict(model.named_parameters())
    viz = getattr(ac, "viz", None)
    dot_path, svg_path = stem.with_suffix(".dot"), stem.with_suffix(".svg")
    if viz is not None:
        graph = viz.draw(loss, params=params, collapse=model)
        viz.save(graph, dot_path)
    else:
        dot_path.write_text(graph_dot(loss, params), encoding="utf-8")
    if shutil.which("dot") is None:
        print(
            "Graphviz's `dot` was not found, so only the DOT text was written; for an SVG picture "
            "install it (apt-get install graphviz / brew install graphviz / conda install graphviz)"
        )
        return [dot_path]
    if viz is not None:
        viz.save(graph, svg_path)
    else:
        import subprocess

        subprocess.run(["dot", "-Tsvg", str(dot_path), "-o", str(svg_path)], check=True)
    return [dot_path, svg_path]


def graph_dot(output: ac.Tensor, params: dict[str, ac.Tensor]) -> str:
    """Minimal DOT text of the graph behind ``output`` (used when ``ac.viz`` is absent)."""
    names = {id(t): name for name, t in params.items()}
    lines = ["digraph G {", "  node [fontname=Helvetica, fontsize=10];"]
    ids: dict[int, str] = {}

    def node_id(x: Any) -> tuple[str, bool]:
        key = id(x)
        new = key not in ids
        if new:
            ids[key] = f"n{len(ids)}"
            if getattr(x, "_is_node", False) and not isinstance(x, ac.Tensor):
                lines.append(f'  {ids[key]} [shape=box, label="{x.name}\\n{tuple(x.out_shape)}"];')
            else:
                label = names.get(key, "input")
                color = "lightblue" if key in names else "lightgray"
                lines.append(
                    f'  {ids[key]} [shape=ellipse, style=filled, fillcolor={color}, label="{label}\\n{x.shape}"];'
                )
        return ids[key], new

    root = output.grad_fn
    if root is None:
        return "digraph G {}\n"
    stack = [root]
    node_id(root)
    while stack:
        op = stack.pop()
        for parent in op.parents:
            if parent is None:
                continue
            pid, new = node_id(parent)
            lines.append(f"  {pid} -> {ids[id(op)]};")
            if new and not isinstance(parent, ac.Tensor):
                stack.append(parent)
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd_core",
        description="Train a small network with autograd_core and draw its computation graph.",
    )
    sub = parser.add_subparsers(dest="command")
    d = sub.add_parser("demo", help="train the default MLP on the 8x8 digits (the default command)")
    t = sub.add_parser("train", help="train with options")
    t.add_argument("--dataset", choices=sorted(DATASETS), default="digits")
    t.add_argument("--model", choices=sorted(MODELS), default="mlp")
    t.add_argument("--epochs", type=int, default=80)
    t.add_argument("--lr", type=float, default=4e-3)
    t.add_argument("--batch-size", type=int, default=128)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--label-smoothing", type=float, default=0.1)
    for p in (d, t):
        p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})")
        p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "demo")  # `demo` is the default subcommand
    args = _parser().parse_args(argv)
    if args.command == "demo":
        print("autograd_core demo: an MLP learns the 8x8 handwritten digits (UCI, 1,797 images)")
        train(out=args.out, progress=not args.no_progress)
        return 0
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0 or not 0 <= args.label_smoothing < 1:
        print(
            "error: --epochs and --batch-size must be >= 1, --lr > 0 and --label-smoothing in [0, 1)",
            file=sys.stderr,
        )
        return 2
    train(
        dataset=args.dataset,
        model=args.model,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        label_smoothing=args.label_smoothing,
        out=args.out,
        progress=not args.no_progress,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
