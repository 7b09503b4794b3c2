"""The MLP step's matrix products alone: NumPy's ``matmul`` against PyTorch's.

About three quarters of the MLP training step (``bench_mlp.py``) is five large matrix
products. Neither autograd_core nor the hand-written NumPy floor computes them: both
call ``np.matmul``, that is the BLAS NumPy ships with (OpenBLAS in the PyPI wheels),
while PyTorch calls its own (MKL in the x86 wheels). This script times exactly the
products of one step (batch 128, float32, the same operand layouts the floor uses),
interleaved in one process, so the table says how much of any gap to PyTorch is the
BLAS library rather than the autodiff engine.

    python benchmarks/bench_gemm.py [--threads 1] [--repeats 31] [--batch 128] [--mkl LIB]

``--mkl path/to/libmkl_rt.so.3`` (from ``pip install mkl``: ``<prefix>/lib``) adds a
column for MKL's ``cblas_sgemm`` called through ctypes on the same NumPy arrays: what
the products would cost if autograd_core called MKL itself (the library does not).
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


def mkl_sgemm(path: str, threads: int | None):
    """``matmul(a, b)`` for 2-D float32 C- or F-ordered arrays through MKL's cblas_sgemm."""
    import ctypes

    lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
    if threads:
        lib.MKL_Set_Num_Threads(threads)
    gemm = lib.cblas_sgemm
    i, f, p = ctypes.c_int, ctypes.c_float, ctypes.c_void_p
    gemm.argtypes = [i, i, i, i, i, i, f, p, i, p, i, f, p, i]
    row_major, no_trans, trans = 101, 111, 112

    def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        (m, k), n = a.shape, b.shape[1]
        ta, lda = (no_trans, k) if a.flags.c_contiguous else (trans, m)
        tb, ldb = (no_trans, n) if b.flags.c_contiguous else (trans, k)
        out = np.empty((m, n), np.float32)
        gemm(row_major, ta, tb, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, 0.0, out.ctypes.data, n)
        return out

    return matmul


def workloads(batch: int = 128, repeats: int = 31, mkl=None) -> list[Workload]:
    rows = []
    for name, (a, b) in products(batch).items():
        impls = {"numpy": lambda a=a, b=b: np.matmul(a, b)}
        if mkl is not None:
            impls["mkl"] = lambda a=a, b=b: mkl(a, b)
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
        " MKL via ctypes | NumPy / MKL |" if mkl else ""
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
    parser.add_argument("--mkl", metavar="LIB", help="path of libmkl_rt.so: also time MKL's sgemm")
    args = parser.parse_args(argv)
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    mkl = mkl_sgemm(args.mkl, args.threads) if args.mkl else None
    rows = workloads(args.batch, args.repeats, mkl)
    for w in rows:
        w.run()
    print(f"batch {args.batch}, float32; NumPy {np.__version__} ({blas_name()})", end="")
    print(f", PyTorch {torch.__version__}" if torch is not None else ", PyTorch not installed")
    print(report(rows))
    return rows


if __name__ == "__main__":
    main()
