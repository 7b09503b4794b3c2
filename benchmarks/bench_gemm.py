"""The MLP step's matrix products alone: NumPy's ``matmul`` against PyTorch's.

About three quarters of the MLP training step (``bench_mlp.py``) is five large matrix
products. Neither autograd_core nor the hand-written NumPy floor computes them: both
call ``np.matmul``, that is the BLAS NumPy ships with (OpenBLAS in the PyPI wheels),
while PyTorch calls its own (MKL in the x86 wheels). This script times exactly the
products of one step (batch 128, float32, the same operand layouts the floor uses),
interleaved in one process, so the table says how much of any gap to PyTorch is the
BLAS library rather than the autodiff engine.

    python benchmarks/bench_gemm.py [--threads 1] [--repeats 31] [--batch 128]

When MKL is installed (``pip install ".[mkl]"``) a third column times the same products
through :mod:`autograd_core.backends.mkl` (MKL's ``cblas_sgemm`` on the same NumPy
arrays), the path autograd_core's Linear layers take once MKL is enabled
(``ac.backends.mkl.set_enabled(True)``).
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

from autograd_core.backends import mkl as ac_mkl  # noqa: E402

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


def workloads(batch: int = 128, repeats: int = 31, mkl: bool = False) -> list[Workload]:
    rows = []
    for name, (a, b) in products(batch).items():
        impls = {"numpy": lambda a=a, b=b: np.matmul(a, b)}
        if mkl:
            # every product here is above the backend's size threshold at batch 128; at
            # smaller batches it may fall back to NumPy, as the library would
            impls["mkl"] = lambda a=a, b=b: ac_mkl.matmul(a, b)
            np.testing.assert_allclose(impls["mkl"](), impls["numpy"](), rtol=1e-4, atol=1e-3)
        if torch is not None:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)  # views of the same memory
            impls["pytorch"] = lambda ta=ta, tb=tb: torch.matmul(ta, tb)
            # a comparison of different answers would be worthless
            np.testing.assert_allclose(impls["pytorch"]().numpy(), impls["numpy"](), rtol=1e-4, atol=1e-3)
        rows.append(Workload(name, impls, repeats=repeats, warmup=3, checks=1))
    return rows


def report(rows: list[Workload]) -> str:
    mkl = any("mkl" in w.medians for w in rows)
    head = "| product | NumPy matmul | PyTorch matmul | NumPy / PyTorch |" + (
        " autograd_core + MKL | NumPy / MKL |" if mkl else ""
    )
    lines = [head, "|---|" + "---:|" * (5 if mkl else 3)]
    total = {"numpy": 0.0, "pytorch": 0.0, "mkl": 0.0}
    for w in rows:
        m = w.medians
        for k in total:
            total[k] += m.get(k, float("nan"))
        lines.append(f"| {w.name} | " + " | ".join(_cells(m, mkl)) + " |")
    if torch is not None or mkl:
        lines.append("| all five | " + " | ".join(_cells(total, mkl)) + " |")
    return "\n".join(lines)


def _cells(m: dict, mkl: bool) -> list[str]:
    cells = [fmt(m["numpy"])]
    for peer in ("pytorch", "mkl") if mkl else ("pytorch",):
        ok = m.get(peer) is not None and m[peer] == m[peer]  # (not NaN)
        cells += [fmt(m[peer]), f"{m['numpy'] / m[peer]:.2f}x"] if ok else ["—", "—"]
    return cells


def main(argv: list[str] | None = None) -> list[Workload]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads (default: the libraries' own)")
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args(argv)
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    mkl = ac_mkl.is_available()
    if mkl and args.threads:
        ac_mkl.set_num_threads(args.threads)
    rows = workloads(args.batch, args.repeats, mkl)
    for w in rows:
        w.run()
    print(f"batch {args.batch}, float32; NumPy {np.__version__} ({blas_name()})", end="")
    print(f", PyTorch {torch.__version__}" if torch is not None else ", PyTorch not installed", end="")
    print(f"; MKL: {ac_mkl.library_path()}" if mkl else "; MKL not installed")
    print(report(rows))
    return rows


if __name__ == "__main__":
    main()
