"""Default dtype and the rules for which dtypes may carry gradients."""

from __future__ import annotations

import numpy as np

from .errors import DTypeError

_default_dtype: np.dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the float dtype used for Python floats, creation helpers and new parameters.

    Only ``float16``, ``float32`` and ``float64`` are accepted.
    """
    global _default_dtype
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise DTypeError(f"set_default_dtype: expected a floating dtype, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    """Return the current default float dtype (``float32`` unless changed)."""
    return _default_dtype


def is_differentiable_dtype(dtype: np.dtype) -> bool:
    """Only floating dtypes carry gradients."""
    return dtype.kind == "f"


def check_grad_dtype(dtype: np.dtype, where: str) -> None:
    if dtype.kind != "f":
        raise DTypeError(f"{where}: only floating-point tensors can require gradients, got dtype {dtype}")
