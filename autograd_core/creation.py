"""Creation helpers: ``zeros``, ``ones``, ``arange``, ``randn`` …

Shapes may be given as a tuple or as separate ints (``zeros((2, 3))`` or
``zeros(2, 3)``). Float results take the default dtype unless ``dtype=`` says
otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .errors import DTypeError
from .random import get_rng
from .tensor import Tensor, _make


def _shape(shape: tuple, where: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: shape must be ints or a tuple of ints, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{where}: negative dimension in shape {out}")
    return out


def _finish(arr: np.ndarray, requires_grad: bool, where: str) -> Tensor:
    t = _make(arr)
    if requires_grad:
        if arr.dtype.kind != "f":
            raise DTypeError(
                f"{where}: only floating-point tensors can require gradients, got dtype {arr.dtype}"
            )
        t._rg = True
    return t


def _float(dtype: Any) -> np.dtype:
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def zeros(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _finish(np.zeros(_shape(shape, "zeros"), _float(dtype)), requires_grad, "zeros")


def ones(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _finish(np.ones(_shape(shape, "ones"), _float(dtype)), requires_grad, "ones")


def empty(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor."""
    return _finish(np.empty(_shape(shape, "empty"), _float(dtype)), requires_grad, "empty")


def full(shape, fill_value, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (float values take the default dtype)."""
    shape = _shape((shape,) if isinstance(shape, int) else (tuple(shape),), "full")
    if dtype is None:
        dtype = _float(None) if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    return _finish(np.full(shape, fill_value, dtype), requires_grad, "full")


def _like_dtype(t, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    return t.dtype if hasattr(t, "dtype") else np.asarray(t).dtype


def zeros_like(t, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``t``."""
    return _finish(np.zeros(np.shape(t), _like_dtype(t, dtype)), requires_grad, "zeros_like")


def ones_like(t, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``t``."""
    return _finish(np.ones(np.shape(t), _like_dtype(t, dtype)), requires_grad, "ones_like")


def full_like(t, fill_value, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with the shape (and dtype) of ``t``."""
    return _finish(np.full(np.shape(t), fill_value, _like_dtype(t, dtype)), requires_grad, "full_like")


def arange(start, stop=None, step=1, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop); float arguments give the default dtype."""
    if stop is None:
        start, stop = 0, start
    if dtype is None and any(isinstance(v, float) for v in (start, stop, step)):
        dtype = _float(None)
    return _finish(np.arange(start, stop, step, dtype=dtype), requires_grad, "arange")


def linspace(
    start, stop, num: int = 50, endpoint: bool = True, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``num`` evenly spaced values from start to stop."""
    return _finish(
        np.linspace(start, stop, num, endpoint=endpoint, dtype=_float(dtype)), requires_grad, "linspace"
    )


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Identity matrix (ones on the k-th diagonal)."""
    return _finish(np.eye(n, m, k, dtype=_float(dtype)), requires_grad, "eye")


def rand(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the global generator (see ``manual_seed``)."""
    arr = get_rng().random(_shape(shape, "rand")).astype(_float(dtype), copy=False)
    return _finish(arr, requires_grad, "rand")


def randn(*shape, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the global generator (see ``manual_seed``)."""
    arr = get_rng().standard_normal(_shape(shape, "randn")).astype(_float(dtype), copy=False)
    return _finish(arr, requires_grad, "randn")


def randint(low: int, high: int | None = None, shape=(), dtype: Any = None) -> Tensor:
    """Integers in [low, high) (or [0, low) when high is None)."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    shape = _shape((shape,) if isinstance(shape, int) else (tuple(shape),), "randint")
    arr = get_rng().integers(low, high, size=shape, dtype=np.int64)
    return _make(arr if dtype is None else arr.astype(dtype))
