"""Matrix products through Intel MKL (the optional ``mkl`` extra), when asked for.

NumPy's PyPI wheels multiply matrices with OpenBLAS; PyTorch's x86 wheels use MKL,
which is 1.1–1.3x faster on the float32 products of a small MLP at one thread
(``benchmarks/bench_gemm.py``). After ``pip install "autograd_core[mkl]"``,
``set_enabled(True)`` (or ``AUTOGRAD_CORE_MKL=1`` in the environment at import) sends
every 2-D float32 or float64 product big enough to pay for the call (at least
``MIN_WORK`` multiply-adds) to ``cblas_sgemm`` / ``cblas_dgemm`` on the NumPy arrays'
own memory: C-ordered, transposed and row-sliced operands are read in place, nothing
is copied. Everything else (integers, stacks, small or oddly strided operands) stays
with NumPy. Results agree with NumPy's to rounding (the summation order differs), not
bitwise.

MKL is off unless asked for because it brings a second thread pool into the process:
when MKL's OpenMP threads and NumPy's OpenBLAS threads take turns call by call, as
they do in a training step, each pool's threads spin while the other works, and a
step on a 2-core machine took 2.3–10x longer than with OpenBLAS alone (measured
with both libraries at their default of one thread per core). Give one of them one
thread (``OPENBLAS_NUM_THREADS=1``, or :func:`set_num_threads`) and MKL is faster:
0.92x PyTorch's MLP step with both at one thread. MKL reads its thread count from
``MKL_NUM_THREADS`` / ``OMP_NUM_THREADS`` (default: the physical cores).
``AUTOGRAD_CORE_MKL=<path of libmkl_rt>`` names the library to load.
"""

from __future__ import annotations

import ctypes
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from .. import backends

#: Products with fewer multiply-adds (m·n·k) than this stay with NumPy: the call through
#: ctypes costs ~6 µs, and OpenBLAS is as fast up to ~128³ (measured at one thread).
MIN_WORK = 1 << 22

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_THREADING_INTEL, _THREADING_SEQUENTIAL = 0, 1  # mkl_service.h
_OFF = {"", "0", "off", "false", "no"}
_ON = {"1", "on", "true", "yes"}

_lib: ctypes.CDLL | None = None
_path: str | None = None
_why_unavailable: str | None = None
#: dtype -> cblas_?gemm; tests put a NumPy emulation of the same signature here.
_GEMM: dict[np.dtype, object] = {}


def _candidates() -> list[str]:
    """Where libmkl_rt may be: the environment's choice, the ``mkl`` wheel's files, the
    environment's lib folder (conda)."""
    env = os.environ.get("AUTOGRAD_CORE_MKL", "")
    if env.lower() not in _OFF | _ON:
        return [env]
    import importlib.metadata  # here, not at import: 10 ms, and MKL is off unless asked for

    found = []
    try:
        dist = importlib.metadata.distribution("mkl")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    for f in (dist.files or []) if dist is not None else []:
        if f.name.startswith(("libmkl_rt.so", "libmkl_rt.dylib", "mkl_rt")) and not f.name.endswith(".lib"):
            found.append(str(Path(dist.locate_file(f)).resolve()))
    found += sorted(str(p.resolve()) for p in Path(sys.prefix, "lib").glob("libmkl_rt.so*"))
    return list(dict.fromkeys(found))  # the wheel's files usually are in sys.prefix/lib too


def _load() -> bool:
    """Load MKL once; on failure remember why (``set_enabled(True)`` reports it)."""
    global _lib, _path, _why_unavailable
    if _lib is not None or _why_unavailable is not None:
        return _lib is not None
    candidates = _candidates()
    if not candidates:
        _why_unavailable = 'MKL is not installed (pip install "autograd_core[mkl]")'
        return False
    errors = []
    for path in candidates:
        try:
            lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
            sgemm, dgemm = lib.cblas_sgemm, lib.cblas_dgemm
            _choose_threading(lib, path)
        except (OSError, AttributeError) as exc:  # not a library, or not MKL's runtime
            errors.append(f"{path}: {exc}")
            continue
        i, p = ctypes.c_int, ctypes.c_void_p
        for fn, real in ((sgemm, ctypes.c_float), (dgemm, ctypes.c_double)):
            fn.argtypes = [i, i, i, i, i, i, real, p, i, p, i, real, p, i]
            fn.restype = None
        lib.MKL_Get_Max_Threads.restype = ctypes.c_int
        _lib, _path = lib, path
        _GEMM.update({np.dtype(np.float32): sgemm, np.dtype(np.float64): dgemm})
        return True
    _why_unavailable = "MKL could not be loaded: " + "; ".join(errors)
    return False


def _choose_threading(lib: ctypes.CDLL, path: str) -> None:
    """MKL ends the process when the runtime of its threading layer is missing (Intel
    OpenMP for the default layer), so settle the layer before the first call: Intel
    OpenMP when its library loads (the ``mkl`` wheel depends on it), else sequential.
    ``MKL_THREADING_LAYER`` in the environment is the user's choice and is left alone."""
    if os.environ.get("MKL_THREADING_LAYER"):
        return
    layer = _THREADING_SEQUENTIAL
    for name in (str(Path(path).with_name("libiomp5.so")), "libiomp5.so"):
        try:
            ctypes.CDLL(name, mode=ctypes.RTLD_LOCAL)  # MKL's own dlopen then finds it
        except OSError:
            continue
        layer = _THREADING_INTEL
        break
    lib.MKL_Set_Threading_Layer(ctypes.c_int(layer))


def is_available() -> bool:
    """Whether MKL's runtime library is installed and loads."""
    return _load()


def is_enabled() -> bool:
    """Whether 2-D float products currently go to MKL."""
    return backends.matmul is matmul


def set_enabled(enabled: bool) -> None:
    """Send large 2-D float32/float64 products to MKL (``True``) or to NumPy (``False``).

    Raises ``RuntimeError`` saying why when MKL is asked for but not available.
    """
    if enabled and not _load():
        raise RuntimeError(f"mkl.set_enabled(True): {_why_unavailable}")
    backends.matmul = matmul if enabled else backends.numpy_matmul


def library_path() -> str | None:
    """The path of the loaded ``libmkl_rt``, or ``None`` when MKL is not available."""
    return _path if _load() else None


def get_num_threads() -> int:
    """MKL's current thread count (``RuntimeError`` when MKL is not available)."""
    if not _load():
        raise RuntimeError(f"mkl.get_num_threads: {_why_unavailable}")
    return int(_lib.MKL_Get_Max_Threads())


def set_num_threads(n: int) -> None:
    """Let MKL use ``n`` threads (``ValueError`` for n < 1, ``RuntimeError`` when MKL is not available)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"mkl.set_num_threads: need a positive integer, got {n!r}")
    if not _load():
        raise RuntimeError(f"mkl.set_num_threads: {_why_unavailable}")
    _lib.MKL_Set_Num_Threads(ctypes.c_int(int(n)))


def _layout(x: np.ndarray, itemsize: int) -> tuple[int, int] | None:
    """How GEMM reads a 2-D array in place: (transpose flag, leading dimension) in
    row-major terms, or ``None`` when its strides fit neither reading."""
    rows, cols = x.shape
    s0, s1 = x.strides
    if (s1 == itemsize or cols == 1) and (rows == 1 or (s0 % itemsize == 0 and s0 >= cols * itemsize)):
        return _NO_TRANS, (cols if rows == 1 else s0 // itemsize)
    if (s0 == itemsize or rows == 1) and (cols == 1 or (s1 % itemsize == 0 and s1 >= rows * itemsize)):
        return _TRANS, (rows if cols == 1 else s1 // itemsize)
    return None


def matmul(a, b, out: np.ndarray | None = None):
    """``a @ b``: MKL's GEMM for two large 2-D arrays of one float dtype, NumPy otherwise.

    The result is a new C-ordered array (or ``out``, when it is a C-ordered array of the
    result's shape and dtype that overlaps neither operand).
    """
    plan = _plan(a, b)
    if plan is None:
        return backends.numpy_matmul(a, b, out)
    gemm, m, n, k, (ta, lda), (tb, ldb) = plan
    if out is None:
        out = np.empty((m, n), a.dtype)
    elif not _writable_result(out, (m, n), a, b):
        return np.matmul(a, b, out=out)
    gemm(_ROW_MAJOR, ta, tb, m, n, k, 1.0, a.ctypes.data, lda, b.ctypes.data, ldb, 0.0, out.ctypes.data, n)
    return out


def _plan(a, b):
    """(gemm, m, n, k, a's layout, b's layout) when MKL can take ``a @ b``, else ``None``."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim != 2 or b.ndim != 2:
        return None
    gemm = _GEMM.get(a.dtype)
    (m, k), (kb, n) = a.shape, b.shape
    work = m * n * k
    if (
        gemm is None
        or b.dtype != a.dtype
        or k != kb
        or work < MIN_WORK
        or work == 0
        or max(m, n, k) >= 1 << 31
    ):
        return None
    if not (a.flags.aligned and b.flags.aligned):
        return None
    size = a.dtype.itemsize
    la, lb = _layout(a, size), _layout(b, size)
    return None if la is None or lb is None else (gemm, m, n, k, la, lb)


def _writable_result(out: np.ndarray, shape: tuple[int, int], a: np.ndarray, b: np.ndarray) -> bool:
    return (
        type(out) is np.ndarray
        and out.shape == shape
        and out.dtype == a.dtype
        and out.flags.c_contiguous
        and out.flags.writeable
        and not np.may_share_memory(out, a)
        and not np.may_share_memory(out, b)
    )


def _enable_from_environment() -> None:
    """``AUTOGRAD_CORE_MKL=1`` (or a library path) turns MKL on at import; when it cannot
    load, a RuntimeWarning says why and NumPy keeps the products."""
    if os.environ.get("AUTOGRAD_CORE_MKL", "").lower() in _OFF:
        return
    if _load():
        set_enabled(True)
    else:
        warnings.warn(
            f"AUTOGRAD_CORE_MKL is set but {_why_unavailable}; using NumPy's BLAS", RuntimeWarning, 2
        )


_enable_from_environment()
