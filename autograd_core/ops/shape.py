"""Shape operations: views, broadcasting and rearrangements of the same numbers.

Reshape-like ops (reshape, flatten, squeeze, expand_dims) share one primitive, and
transpose-like ops (transpose, swapaxes, moveaxis, .T) share another, so each
derivative is written once.
"""

from __future__ import annotations

import numpy as np

from ..broadcasting import sum_to, sum_to_array
from ..errors import ShapeError
from ..function import Op
from ..tensor import Tensor, _make, as_operand
from ._registry import public


def _axis(axis: int, ndim: int, opname: str) -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise np.exceptions.AxisError(
            f"{opname}: axis {axis} is out of bounds for a tensor of dimension {ndim}"
        )
    return axis % max(ndim, 1)


class SumTo(Op):
    """Sum a broadcast value back to ``shape`` (the adjoint of broadcast_to)."""

    name = "sum_to"

    def forward(self, x, shape):
        self.ctx = x.shape
        return sum_to_array(x, shape)

    def backward(self, grad):
        return np.broadcast_to(grad, self.ctx)


class BroadcastTo(Op):
    name = "broadcast_to"
    is_view = True

    def forward(self, x, shape):
        self.ctx = np.shape(x)
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"broadcast_to: cannot broadcast shape {np.shape(x)} to {tuple(shape)}"
            ) from None

    def backward(self, grad):
        return sum_to(grad, self.ctx)


@public(method=True, function=np.broadcast_to)
def broadcast_to(x, shape):
    """A read-only view of ``x`` broadcast to ``shape``; the gradient is summed back."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return BroadcastTo.apply(as_operand(x), shape=shape)


class Reshape(Op):
    name = "reshape"
    is_view = True

    def forward(self, x, shape):
        self.ctx = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into shape {shape}"
            ) from None

    def backward(self, grad):
        return grad.reshape(self.ctx)


def _reshape(x, shape):
    return Reshape.apply(x, shape=shape)


@public(function=np.reshape)
def reshape(x, shape, *more):
    """``x`` with a new shape (one entry may be -1); a view when NumPy can make one."""
    if more:
        shape = (shape, *more)
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    return Reshape.apply(as_operand(x), shape=shape)


def _reshape_method(self, *shape):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return Reshape.apply(self, shape=tuple(int(s) for s in shape))


Tensor.reshape = _reshape_method


@public(method=True)
def flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Merge axes ``start_dim..end_dim`` into one (all axes by default)."""
    x = as_operand(x)
    shape = np.shape(x)
    if len(shape) == 0:
        return Reshape.apply(x, shape=(1,))
    s = _axis(start_dim, len(shape), "flatten")
    e = _axis(end_dim, len(shape), "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    new = shape[:s] + (int(np.prod(shape[s : e + 1])),) + shape[e + 1 :]
    return Reshape.apply(x, shape=new)


@public(method=True, function=np.squeeze)
def squeeze(x, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``)."""
    x = as_operand(x)
    shape = np.shape(x)
    if axis is None:
        new = tuple(s for s in shape if s != 1)
    else:
        axes = {_axis(a, len(shape), "squeeze") for a in ((axis,) if isinstance(axis, int) else axis)}
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"squeeze: cannot squeeze axis {a} of size {shape[a]} (shape {shape})")
        new = tuple(s for i, s in enumerate(shape) if i not in axes)
    return Reshape.apply(x, shape=new)


@public(method=True, function=np.expand_dims)
def expand_dims(x, axis):
    """Insert size-1 axes at the positions in ``axis``."""
    x = as_operand(x)
    return Reshape.apply(x, shape=np.expand_dims(np.empty(np.shape(x), bool), axis).shape)


class Transpose(Op):
    name = "transpose"
    is_view = True

    def forward(self, x, axes):
        self.ctx = axes
        return np.transpose(x, axes)

    def backward(self, grad):
        return np.transpose(grad, np.argsort(self.ctx))


@public(function=np.transpose)
def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None), like ``np.transpose``."""
    x = as_operand(x)
    ndim = np.ndim(x)
    if axes is None:
        axes = tuple(range(ndim))[::-1]
    else:
        axes = tuple(_axis(a, ndim, "transpose") for a in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {ndim} axes")
    return Transpose.apply(x, axes=axes)


def _transpose_method(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return transpose(self, axes if axes else None)


Tensor.transpose = _transpose_method
Tensor.T = property(lambda self: transpose(self))
Tensor.mT = property(lambda self: swapaxes(self, -1, -2))


@public(method=True, function=np.swapaxes)
def swapaxes(x, axis1: int, axis2: int):
    """Exchange two axes."""
    x = as_operand(x)
    ndim = np.ndim(x)
    perm = list(range(ndim))
    a, b = _axis(axis1, ndim, "swapaxes"), _axis(axis2, ndim, "swapaxes")
    perm[a], perm[b] = perm[b], perm[a]
    return Transpose.apply(x, axes=tuple(perm))


@public(method=True, function=np.moveaxis)
def moveaxis(x, source, destination):
    """Move axes to new positions, keeping the order of the others."""
    x = as_operand(x)
    ndim = np.ndim(x)
    perm = tuple(_perm_of(ndim, source, destination))
    return Transpose.apply(x, axes=perm)


def _perm_of(ndim, source, destination):
    src = [_axis(s, ndim, "moveaxis") for s in ((source,) if isinstance(source, int) else source)]
    dst = [
        _axis(d, ndim, "moveaxis") for d in ((destination,) if isinstance(destination, int) else destination)
    ]
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of elements")
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return order


class Cast(Op):
    name = "astype"

    def forward(self, x, dtype):
        self.ctx = x.dtype
        return x.astype(dtype)

    def backward(self, grad):
        return grad.astype(self.ctx)


def astype(x, dtype):
    """Convert to ``dtype``; differentiable between float dtypes."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor) and x.data.dtype == dtype:
        return x
    if dtype.kind != "f":
        return _make(np.asarray(x.data if isinstance(x, Tensor) else x).astype(dtype))
    return Cast.apply(as_operand(x), dtype=dtype)


Tensor.astype = astype


class Clone(Op):
    name = "clone"

    def forward(self, x):
        return np.array(x, copy=True)

    def backward(self, grad):
        return grad


@public(method=True, function=np.copy)
def clone(x):
    """A copy of ``x`` that stays in the graph (gradient passes through unchanged)."""
    return Clone.apply(as_operand(x))
