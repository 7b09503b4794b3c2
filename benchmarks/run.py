"""The benchmark suite: every workload, one markdown table.

    python benchmarks/run.py                 # the full suite (a few minutes on 2 cores)
    python benchmarks/run.py --threads 1     # BLAS and PyTorch pinned to one thread each
    python benchmarks/run.py --quick         # small sizes, few repeats: a smoke test
    python benchmarks/run.py --plot          # also: MLP step time vs batch size (PNG)
    python benchmarks/run.py --mkl           # autograd_core's products on MKL (the mkl extra)
    python -m benchmarks ...                 # the same

Each row is one workload: autograd_core's median time and the ratio of that median to
the hand-written NumPy floor (forward and backward written by hand), PyTorch CPU, HIPS
autograd and MyGrad, all in this one process, interleaved (see ``harness.py``). A peer
that is not installed loses its column; "—" marks a workload a peer does not run.
``pip install ".[bench]"`` installs HIPS autograd, MyGrad and matplotlib; PyTorch for
CPU: ``pip install torch==2.13.0`` (or its CPU wheel index).
"""

from __future__ import annotations

import os
import sys

if "--threads" in sys.argv[:-1]:  # BLAS libraries read their thread count when loaded
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

if "--without" in sys.argv[:-1]:  # peers are imported with the benchmark modules
    os.environ["BENCH_WITHOUT"] = sys.argv[sys.argv.index("--without") + 1]

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import bench_cnn  # noqa: E402
import bench_engine  # noqa: E402
import bench_gradient_cost  # noqa: E402
import bench_lstm  # noqa: E402
import bench_mlp  # noqa: E402
from harness import FLOOR, OURS, Workload, blas_name, details, fmt, on_numpy_blas, products_name, table  # noqa: E402

from autograd_core.backends import mkl  # noqa: E402

torch = bench_mlp.torch

PLOT_PATH = ROOT / "docs" / "images" / "bench_batch_size.png"
NUMPY_BLAS = "autograd_core (NumPy's BLAS)"  # the plot's extra line when MKL is enabled


# ---- the workloads ----------------------------------------------------------------------------


def chain_workload(quick: bool) -> Workload:
    steps = bench_engine.CHAIN_STEPS // 10 if quick else bench_engine.CHAIN_STEPS
    x0 = np.random.default_rng(0).standard_normal(bench_engine.CHAIN_SIZE)
    impls = {
        FLOOR: lambda: bench_engine.chain_numpy(x0, steps),
        OURS: lambda: bench_engine.chain_ours(x0, steps),
    }
    peers = {"pytorch": "chain_torch", "hips-autograd": "chain_hips", "mygrad": "chain_mygrad"}
    for name, fn in _peers(peers).items():
        impls[name] = lambda fn=fn: fn(x0, steps)
    return Workload(
        f"per-op chain: y = tanh(0.9y + 0.1) ×{steps}, float64[{bench_engine.CHAIN_SIZE}]",
        impls,
        repeats=5 if quick else 11,
        checks=1,
        rtol=1e-6,
        atol=1e-12,
        notes=f"{3 * steps} recorded ops on 16 elements, forward and backward: per-operation overhead.",
    )


def deep_chain_workload(quick: bool) -> Workload:
    steps = bench_engine.SCALAR_STEPS // 10 if quick else bench_engine.SCALAR_STEPS
    impls = {FLOOR: lambda: bench_engine.scalar_numpy(steps), OURS: lambda: bench_engine.scalar_ours(steps)}
    peers = {"pytorch": "scalar_torch", "hips-autograd": "scalar_hips", "mygrad": "scalar_mygrad"}
    for name, fn in _peers(peers).items():
        impls[name] = lambda fn=fn: fn(steps)
    return Workload(
        f"deep chain: y = 0.999y + 0.001, {2 * steps:,} ops on a 0-d float64",
        impls,
        repeats=3 if quick else 5,
        warmup=1,
        checks=1,
        rtol=1e-6,
        notes=f"A graph one node wide and {2 * steps:,} deep (the adjoint pass is iterative, never recursive).",
    )


def _peers(names: dict[str, str]) -> dict[str, Callable]:
    """The peer functions of bench_engine whose library is installed."""
    mods = {"pytorch": bench_mlp.torch, "hips-autograd": bench_mlp.hips, "mygrad": bench_mlp.mygrad}
    return {k: getattr(bench_engine, fn) for k, fn in names.items() if mods[k] is not None}


def workloads(quick: bool) -> list[tuple[str, Callable[[], Workload]]]:
    """(key, builder) pairs in table order; a builder makes its implementations when called."""
    if quick:
        return [
            ("per-op chain", lambda: chain_workload(True)),
            ("deep chain", lambda: deep_chain_workload(True)),
            ("MLP step", lambda: bench_mlp.workload(batch=32, repeats=3)),
            *([("MLP step", lambda: bench_mlp.workload(32, 3, numpy_blas=True))] if mkl.is_enabled() else []),
            ("MLP memory", lambda: bench_mlp.memory_workload(batch=32)),
            ("CNN step", lambda: bench_cnn.workload(batch=4, repeats=3, inner=1)),
            ("LSTM step", lambda: bench_lstm.workload(seq=4, batch=8, repeats=3)),
            ("gradient cost", lambda: bench_gradient_cost.workload(10, repeats=3, modes_repeats=2)),
            ("gradient cost", lambda: bench_gradient_cost.workload(100, repeats=3, modes_repeats=2)),
        ]
    return [
        ("per-op chain", lambda: chain_workload(False)),
        ("deep chain", lambda: deep_chain_workload(False)),
        ("MLP step", lambda: bench_mlp.workload(batch=128, repeats=41)),
        *(
            [("MLP step", lambda: bench_mlp.workload(batch=128, repeats=41, numpy_blas=True))]
            if mkl.is_enabled()
            else []
        ),
        ("MLP memory", lambda: bench_mlp.memory_workload(batch=128)),
        ("CNN step", lambda: bench_cnn.workload(repeats=15)),
        ("LSTM step", lambda: bench_lstm.workload(repeats=15)),
        ("gradient cost", lambda: bench_gradient_cost.workload(100)),
        ("gradient cost", lambda: bench_gradient_cost.workload(1000)),
    ]


# ---- the plot ---------------------------------------------------------------------------------


def batch_size_plot(path: Path, quick: bool) -> list[Workload]:
    """Time per MLP step against batch size for autograd_core, the NumPy floor and PyTorch."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [16, 64] if quick else [16, 32, 64, 128, 256, 512, 1024]
    names = (FLOOR, OURS, "pytorch")
    rows = []
    for b in sizes:
        impls = bench_mlp.implementations(b, names)
        if mkl.is_enabled():
            impls[NUMPY_BLAS] = on_numpy_blas(bench_mlp.implementations(b, (OURS,))[OURS])
        w = Workload(f"MLP step, batch {b}", impls, repeats=3 if quick else 15)
        w.run()
        rows.append(w)
        print(f"  batch {b}: " + ", ".join(f"{k} {fmt(v)}" for k, v in w.medians.items()), file=sys.stderr)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    styles = {
        FLOOR: ("NumPy floor (by hand)", "k", "--"),
        OURS: ("autograd_core" + (" + MKL" if mkl.is_enabled() else ""), "C0", "-"),
        NUMPY_BLAS: ("autograd_core, NumPy's BLAS", "C0", "-."),
        "pytorch": ("PyTorch", "C3", ":"),
    }
    for name, (label, color, line) in styles.items():
        if name not in rows[0].medians:
            continue
        ms = [w.medians[name] * 1e3 for w in rows]
        left.plot(sizes, ms, line, color=color, marker="o", label=label)
        right.plot(
            sizes,
            [w.medians[name] / w.medians[FLOOR] for w in rows],
            line,
            color=color,
            marker="o",
            label=label,
        )
    left.set(xscale="log", yscale="log", xlabel="batch size", ylabel="ms per training step")
    left.set_title("MLP 784-512-512-10 step (float32, SGD)")
    right.set(xscale="log", xlabel="batch size", ylabel="time / NumPy floor's time")
    right.set_title("relative to the hand-written NumPy floor")
    right.axhline(1.0, color="k", lw=0.5)
    left.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
    left.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    left.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    for ax in (left, right):
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(_threads_line(), fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return rows


# ---- the report -------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _threads_line() -> str:
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    torch_threads = f", PyTorch threads {torch.get_num_threads()}" if torch else ""
    mkl_threads = f", MKL threads {mkl.get_num_threads()}" if mkl.is_enabled() else ""
    return f"{_cpu_model()}, {os.cpu_count()} cores; BLAS threads {blas}{mkl_threads}{torch_threads}"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine() -> str:
    libs = [
        ("PyTorch", "torch", bench_mlp.torch),
        ("HIPS autograd", "autograd", bench_mlp.hips),
        ("MyGrad", "mygrad", bench_mlp.mygrad),
    ]
    peers = [f"{name} {_version(dist)}" for name, dist, mod in libs if mod is not None]
    return (
        f"{_threads_line()}\n"
        f"Python {platform.python_version()}, NumPy {np.__version__} ({blas_name()}); "
        f"autograd_core's matrix products: {products_name()}; "
        f"peers: {', '.join(peers) or 'none'}"
    )


def main(argv: list[str] | None = None) -> list[Workload]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (a smoke test)")
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads (default: the libraries' own)")
    parser.add_argument(
        "--plot", nargs="?", const=str(PLOT_PATH), metavar="PNG", help="MLP time vs batch size"
    )
    parser.add_argument("--without", metavar="MODULES", help="peers to leave out, e.g. torch,autograd,mygrad")
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="only the workloads whose key contains TEXT (chain, MLP, CNN, LSTM, gradient)",
    )
    parser.add_argument("--details", action="store_true", help="also list every implementation's median")
    parser.add_argument(
        "--mkl",
        action="store_true",
        help="autograd_core's products on MKL (the mkl extra); adds an MLP row on NumPy's BLAS",
    )
    args = parser.parse_args(argv)
    if args.mkl:
        try:
            mkl.set_enabled(True)
        except RuntimeError as exc:
            parser.error(f"--mkl: {exc}")
        if not args.threads:
            print(
                "note: --mkl without --threads: MKL's and NumPy's thread pools take turns and slow "
                "each other down on a busy machine (README, 'Faster matrix products with MKL')",
                file=sys.stderr,
            )
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    if mkl.is_available() and args.threads:
        mkl.set_num_threads(args.threads)
    # Every library lives in this process; a full collection would walk all their
    # import-time objects (torch has ~150k) and bill them to whoever allocates.
    gc.collect()
    gc.freeze()

    start = time.perf_counter()
    rows = []
    for key, build in workloads(args.quick):
        if args.only and args.only.lower() not in key.lower():
            continue
        w = build()
        t0 = time.perf_counter()
        w.run()
        print(f"{w.name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        rows.append(w)
    plotted = None
    if args.plot:
        plotted = batch_size_plot(Path(args.plot), args.quick)

    command = "python benchmarks/run.py" + (
        " " + " ".join(sys.argv[1:]) if argv is None and sys.argv[1:] else ""
    )
    print(f"`{command}` — {machine()}\n")
    print(table(rows))
    print("\nMedians of interleaved repeats; a ratio is autograd_core's time over the other's (< 1: faster).")
    for i, w in enumerate(rows, 1):
        print(f"{i}. {w.name}: {w.notes}")
    if args.details:
        print("\n" + details(rows))
    if plotted is not None:
        print(f"\nplot: {args.plot}")
        print(details(plotted))
    print(f"\n(total {time.perf_counter() - start:.0f} s)")
    return rows


if __name__ == "__main__":
    main()
