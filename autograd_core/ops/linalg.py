"""Linear algebra: matmul (all NumPy cases), and products built on it."""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, ShapeError
from ..function import Op
from ..tensor import Tensor, as_operand
from ._registry import public
from .arithmetic import tangent_sum


def _check_matmul(a_shape, b_shape) -> None:
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ShapeError(
            f"matmul: operands must have at least one dimension, got shapes {a_shape} and {b_shape}"
        )
    ka, kb = a_shape[-1], b_shape[-2] if len(b_shape) >= 2 else b_shape[0]
    if ka != kb:
        dim_b = len(b_shape) - 2 if len(b_shape) >= 2 else 0
        raise ShapeError(
            f"matmul: shapes {a_shape} and {b_shape} are not aligned: "
            f"{ka} (dim {len(a_shape) - 1}) != {kb} (dim {dim_b})"
        )
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul: batch dimensions of shapes {a_shape} and {b_shape} cannot be broadcast together"
        ) from None


class Matmul(Op):
    """``a @ b``; d/da = g @ bᵀ, d/db = aᵀ @ g (1-D operands promoted, then squeezed)."""

    name = "matmul"
    save_inputs = (0, 1)

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, grad, a, b):
        a_nd, b_nd = a.ndim, b.ndim
        if a_nd == 1 and b_nd == 1:
            return grad * b, grad * a
        if a_nd == 1:  # (k,) @ (..., k, n) -> (..., n)
            g = np.expand_dims(grad, -2)  # (..., 1, n)
            ga = np.matmul(g, np.swapaxes(b, -1, -2)) if self.needs_grad[0] else None
            gb = np.matmul(np.expand_dims(a, -1), g) if self.needs_grad[1] else None
            return ga, gb
        if b_nd == 1:  # (..., m, k) @ (k,) -> (..., m)
            g = np.expand_dims(grad, -1)  # (..., m, 1)
            ga = np.matmul(g, np.expand_dims(b, -2)) if self.needs_grad[0] else None
            gb = np.squeeze(np.matmul(np.swapaxes(a, -1, -2), g), -1) if self.needs_grad[1] else None
            return ga, gb
        ga = np.matmul(grad, np.swapaxes(b, -1, -2)) if self.needs_grad[0] else None
        gb = np.matmul(np.swapaxes(a, -1, -2), grad) if self.needs_grad[1] else None
        return ga, gb

    def jvp(self, tangents, a, b):
        # bilinear: d(a @ b) = da @ b + a @ db, the same 1-D promotion rules as the forward
        ta, tb = tangents
        return tangent_sum(None if ta is None else np.matmul(ta, b), None if tb is None else np.matmul(a, tb))


@public(method=True, ufunc=np.matmul)
def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D operands are promoted, batch dims broadcast.

    Raises ``ShapeError`` (a ``ValueError``) naming both shapes when the inner
    dimensions differ.
    """
    a, b = as_operand(a), as_operand(b)
    a_shape, b_shape = np.shape(a), np.shape(b)
    _check_matmul(a_shape, b_shape)
    for x in (a, b):
        if getattr(x, "dtype", np.dtype(float)).kind not in "biuf":
            raise DTypeError(f"matmul: unsupported dtype {x.dtype}")
    return Matmul.apply(a, b)


Tensor.__matmul__ = lambda self, other: matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
