"""Where the library's matrix products run.

Every large 2-D product the library computes on arrays (``Linear``'s forward and
backward, ``matmul`` on matrices, the recurrent layers' steps) goes through
:func:`matmul` here. By default that is NumPy's ``matmul``, i.e. the BLAS NumPy ships
with (OpenBLAS in the PyPI wheels). With Intel MKL installed (``pip install
"autograd_core[mkl]"``), ``ac.backends.mkl.set_enabled(True)`` (or
``AUTOGRAD_CORE_MKL=1`` at import) routes large float32/float64 products to MKL's GEMM
instead, the library PyTorch's x86 wheels use (see :mod:`autograd_core.backends.mkl`
for why it is not on by default).
"""

from __future__ import annotations

import numpy as np


def numpy_matmul(a, b, out: np.ndarray | None = None):
    """``a @ b`` by NumPy (arrays) or by the library (Tensors), into ``out`` when given."""
    if out is None:
        return a @ b
    return np.matmul(a, b, out=out)


#: The product every array-level call site uses; rebound by :mod:`.mkl` when it is enabled.
matmul = numpy_matmul

from . import mkl  # noqa: E402  (rebinds `matmul` when AUTOGRAD_CORE_MKL asks for MKL)

__all__ = ["matmul", "mkl", "numpy_matmul"]
