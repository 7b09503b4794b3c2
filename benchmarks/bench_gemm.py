"""The MLP step's matrix products alone: NumPy's ``matmul`` against PyTorch's.

About three quarters of the MLP training step (``bench_mlp.py``) is five large matrix
products. Neither autograd_core nor the hand-written NumPy floor computes them: both
call ``np.matmul``, that is the BLAS NumPy ships with (OpenBLAS in the PyPI wheels),
while PyTorch calls its own (MKL in the x86 wheels). This script times exactly the
products of one step (batch 128, float32, the same operand layouts the floor uses),
interleaved in one process, so the table says how much of any gap to PyTorch is the
BLAS library rather than the autodiff engine.

    python benchmarks/bench_gemm.py [--threads 1] [--repeats 31] [--batch 128]
"""

from __future__ import annotations

import os
import sys

if "--threads" in sys.argv[:-1]:  # BLAS libraries read their thread count when loaded
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from harness import Workload, blas_name, fmt, optional  # noqa: E402

torch = optional("torch")


def products(batch: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each large product of one 784-512-512-10 step as (left, right) operands, laid out
    as in the hand-written floor (weights stored (out, in), C order; ``.T`` is a view)."""
    rng = np.random.default_rng(0)

    def rand(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    x, h, g = rand(batch, 784), rand(batch, 512), rand(batch, 512)
    w1, w2 = rand(512, 784), rand(512, 512)
    return {
        "forward 1: x @ W1ᵀ": (x, w1.T),
        "forward 2: a1 @ W2ᵀ": (h, w2.T),
        "backward: dh2ᵀ @ a1 (∂W2)": (g.T, h),
        "backward: dh2 @ W2 (∂a1)": (g, w2),
        "backward: dh1ᵀ @ x (∂W1)": (g.T, x),
    }


def workloads(batch: int = 128, repeats: int = 31) -> list[Workload]:
    rows = []
    for name, (a, b) in products(batch).items():
        impls = {"numpy": lambda a=a, b=b: np.matmul(a, b)}
        if torch is not None:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)  # views of the same memory
            impls["pytorch"] = lambda ta=ta, tb=tb: torch.matmul(ta, tb)
            # a comparison of different answers would be worthless
            np.testing.assert_allclose(impls["pytorch"]().numpy(), impls["numpy"](), rtol=1e-4, atol=1e-3)
        rows.append(Workload(name, impls, repeats=repeats, warmup=3, checks=1))
    return rows


def report(rows: list[Workload]) -> str:
    lines = ["| product | NumPy matmul | PyTorch matmul | NumPy / PyTorch |", "|---|---:|---:|---:|"]
    total = {"numpy": 0.0, "pytorch": 0.0}
    for w in rows:
        m = w.medians
        for k in total:
            total[k] += m.get(k, float("nan"))
        torch_cell = fmt(m["pytorch"]) if "pytorch" in m else "—"
        ratio = f"{m['numpy'] / m['pytorch']:.2f}x" if "pytorch" in m else "—"
        lines.append(f"| {w.name} | {fmt(m['numpy'])} | {torch_cell} | {ratio} |")
    if torch is not None:
        lines.append(
            f"| all five | {fmt(total['numpy'])} | {fmt(total['pytorch'])} | "
            f"{total['numpy'] / total['pytorch']:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Workload]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads (default: the libraries' own)")
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args(argv)
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    rows = workloads(args.batch, args.repeats)
    for w in rows:
        w.run()
    print(f"batch {args.batch}, float32; NumPy {np.__version__} ({blas_name()})", end="")
    print(f", PyTorch {torch.__version__}" if torch is not None else ", PyTorch not installed")
    print(report(rows))
    return rows


if __name__ == "__main__":
    main()
