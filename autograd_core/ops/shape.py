"""Shape operations: views, broadcasting and rearrangements of the same numbers.

Reshape-like ops (reshape, flatten, squeeze, expand_dims) share one primitive, and
transpose-like ops (transpose, swapaxes, moveaxis, .T) share another, so each
derivative is written once. Copies that read each output element from one input
element (repeat with per-element counts, the non-constant pad modes) are gathers
along an axis: indexing's ``GetItem``, whose adjoint is its scatter-add ``IndexAdd``.
"""

from __future__ import annotations

import numpy as np

from ..broadcasting import sum_to, sum_to_array
from ..errors import ShapeError
from ..function import Op
from ..tensor import Tensor, _make, as_operand, as_tensor
from ._registry import public
from .indexing import GetItem, normalize_index


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

    def jvp(self, t):
        return sum_to(t, self.out_shape)


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

    def jvp(self, t):
        return t  # the sweep broadcasts it to the output shape


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

    def jvp(self, t):
        return t.reshape(self.out_shape)


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

    def jvp(self, t):
        return np.transpose(t, self.ctx)


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

    def jvp(self, t):
        return t.astype(self.out_dtype)


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

    def jvp(self, t):
        return t


@public(method=True, function=np.copy)
def clone(x):
    """A copy of ``x`` that stays in the graph (gradient passes through unchanged)."""
    return Clone.apply(as_operand(x))


# ---- tile, repeat, pad, flip, roll, tril/triu ------------------------------------------
#
# Copies that gather along one axis (repeat with per-element counts, the non-constant
# pad modes) are indexing's gather ``GetItem`` with a lone index array, whose adjoint
# ``IndexAdd`` adds each gradient element back to the position it was read from, so
# repeated indices accumulate. Each one's derivative is the other, so every order works.


def _operand(x):
    """Tensors and arrays as they are; Python data through the default-dtype rule."""
    return x if isinstance(x, (Tensor, np.ndarray)) else as_tensor(x)


def _gather(x, index: np.ndarray, axis: int, opname: str) -> Tensor:
    """``np.take(x, index, axis)`` for a 1-D integer ``index``, as a node named ``opname``."""
    idx, plan = normalize_index((slice(None),) * axis + (index,), opname)
    return GetItem.apply(x, index=idx, plan=plan, opname=opname)


def _interleaved(outer, inner):
    return tuple(v for pair in zip(outer, inner) for v in pair)


class Tile(Op):
    """``np.tile``; the gradient sums the copies: view it as (r0, s0, r1, s1, ...), sum the r's."""

    name = "tile"

    def forward(self, x, reps):
        self.ctx = (x.shape, reps)
        return np.tile(x, reps)

    def backward(self, grad):
        shape, reps = self.ctx
        d = max(len(shape), len(reps))
        s = (1,) * (d - len(shape)) + shape
        r = (1,) * (d - len(reps)) + reps
        blocks = grad.reshape(_interleaved(r, s))
        return sum_to(blocks, _interleaved((1,) * d, s)).reshape(shape)

    def jvp(self, t):
        return Tile.fn(t, reps=self.ctx[1])


def _int_tuple(value, what: str, opname: str) -> tuple[int, ...]:
    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.ndim > 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"{opname}: {what} must be an int or a sequence of ints, got {value!r}")
    return tuple(int(v) for v in arr.reshape(-1))


@public(method=True, function=np.tile)
def tile(x, reps) -> Tensor:
    """Repeat the whole of ``x`` ``reps`` times along each axis, like ``np.tile``.

    ``reps`` is an int or a sequence; ``x`` or ``reps`` is padded with leading
    1s to the same length. The gradient of each input element is the sum of the
    upstream gradient over all its copies.
    """
    x = _operand(x)
    reps = _int_tuple(reps, "reps", "tile")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    return Tile.apply(x, reps=reps)


class Repeat(Op):
    """``np.repeat`` with one count for all elements; the gradient sums each run of copies."""

    name = "repeat"

    def forward(self, x, repeats, axis):
        self.ctx = (x.shape, repeats, axis)
        return np.repeat(x, repeats, axis)

    def backward(self, grad):
        shape, r, axis = self.ctx
        runs = grad.reshape(shape[:axis] + (shape[axis], r) + shape[axis + 1 :])
        return sum_to(runs, shape[:axis] + (shape[axis], 1) + shape[axis + 1 :]).reshape(shape)

    def jvp(self, t):
        _, r, axis = self.ctx
        return Repeat.fn(t, repeats=r, axis=axis)


@public(method=True, function=np.repeat)
def repeat(x, repeats, axis: int | None = None) -> Tensor:
    """Repeat each element of ``x`` along ``axis`` (NumPy's ``repeat``, not PyTorch's).

    ``repeats`` is an int (every element ``repeats`` times) or one non-negative int
    per element along ``axis``. With ``axis=None`` the input is flattened first.
    The gradient of an element is the sum of the upstream gradient over its copies.

    >>> import autograd_core as ac
    >>> ac.repeat(ac.tensor([1, 2]), [1, 3]).tolist()
    [1, 2, 2, 2]
    """
    x = _operand(x)
    shape = np.shape(x)
    if axis is None or len(shape) == 0:
        if axis is not None:
            _axis(axis, 1, "repeat")
        x = Reshape.apply(x, shape=(-1,))
        axis = 0
    else:
        axis = _axis(axis, len(shape), "repeat")
    n = np.shape(x)[axis]
    counts = np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
    if counts.ndim > 1 or (counts.size and counts.dtype.kind not in "iu"):
        raise TypeError(f"repeat: repeats must be an int or a 1-D sequence of ints, got {repeats!r}")
    if np.any(counts < 0):
        raise ValueError(f"repeat: repeats may not be negative, got {repeats!r}")
    if counts.size == 1:
        return Repeat.apply(x, repeats=int(counts.reshape(-1)[0]), axis=axis)
    if counts.shape != (n,):
        raise ShapeError(
            f"repeat: repeats has {counts.size} entries but axis {axis} of shape {np.shape(x)} has size {n}"
        )
    index = np.repeat(np.arange(n), counts)
    return _gather(x, index, axis, "repeat")


class PadConstant(Op):
    """``np.pad(mode='constant')``; the gradient crops the padding off again."""

    name = "pad"

    def forward(self, x, pairs, value):
        self.ctx = pairs
        return np.pad(x, pairs, mode="constant", constant_values=value)

    def backward(self, grad):
        return _Crop.fn(grad, pairs=self.ctx)

    def jvp(self, t):
        return PadConstant.fn(t, pairs=self.ctx, value=0)


class _Crop(Op):
    """Remove ``pairs`` = ((before, after), ...) elements from each axis; adjoint of zero padding."""

    name = "crop"
    is_view = True

    def forward(self, x, pairs):
        self.ctx = pairs
        return x[tuple(slice(b, n - a) for n, (b, a) in zip(x.shape, pairs))]

    def backward(self, grad):
        return PadConstant.fn(grad, pairs=self.ctx, value=0)

    def jvp(self, t):
        return _Crop.fn(t, pairs=self.ctx)


PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _pad_pairs(pad_width, ndim: int) -> tuple[tuple[int, int], ...]:
    if isinstance(pad_width, dict):  # NumPy >= 2.3: {axis: n or (before, after)}
        pairs = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            pairs[_axis(axis, ndim, "pad")] = _pad_pairs(width, 1)[0]
        pad_width = pairs if ndim else np.zeros((0, 2), int)
    arr = np.asarray(pad_width.data if isinstance(pad_width, Tensor) else pad_width)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must contain integers, got {pad_width!r}")
    try:
        pairs = np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ShapeError(
            f"pad: pad_width {pad_width!r} cannot be broadcast to {ndim} (before, after) pairs"
        ) from None
    if np.any(pairs < 0):
        raise ValueError(f"pad: pad_width may not be negative, got {pad_width!r}")
    return tuple((int(b), int(a)) for b, a in pairs)


@public(function=np.pad)
def pad(x, pad_width, mode: str = "constant", constant_values=0) -> Tensor:
    """Pad ``x`` like ``np.pad``.

    ``pad_width`` takes NumPy's forms: ``n``, ``(before, after)`` or one pair per
    axis. Modes: ``'constant'`` (``constant_values``, a scalar or NumPy's per-axis
    pairs, not differentiable), ``'edge'``, ``'reflect'``, ``'symmetric'`` and
    ``'wrap'``. The non-constant modes read every output element from an input
    element (a gather along each axis), so the gradient of an input element is the
    sum of the upstream gradient over every place it was copied to.
    """
    x = _operand(x)
    shape = np.shape(x)
    pairs = _pad_pairs(pad_width, len(shape))
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {', '.join(PAD_MODES)}")
    if not any(b or a for b, a in pairs):
        return Clone.apply(x)  # np.pad returns a copy
    if mode == "constant":
        value = constant_values.data if isinstance(constant_values, Tensor) else constant_values
        return PadConstant.apply(x, pairs=pairs, value=value)
    out = x
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            try:
                index = np.pad(np.arange(shape[axis]), (before, after), mode=mode)
            except ValueError as exc:
                raise ShapeError(
                    f"pad: cannot pad axis {axis} of shape {shape} in mode {mode!r}: {exc}"
                ) from None
            out = _gather(out, index, axis, "pad")
    return out


def _axes(axis, ndim: int, opname: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(_axis(a, ndim, opname) for a in ((axis,) if isinstance(axis, int) else axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{opname}: repeated axis in {axis!r}")
    return axes


class Flip(Op):
    """Reverse the order of elements along ``axes`` (a view); the gradient flips back."""

    name = "flip"
    is_view = True

    def forward(self, x, axes):
        self.ctx = axes
        if not axes:
            return x[...]
        return x[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))]

    def backward(self, grad):
        return Flip.fn(grad, axes=self.ctx)

    def jvp(self, t):
        return Flip.fn(t, axes=self.ctx)


@public(method=True, function=np.flip)
def flip(x, axis=None) -> Tensor:
    """Reverse ``x`` along ``axis`` (an int, a tuple, or all axes when None), like ``np.flip``."""
    x = _operand(x)
    ndim = np.ndim(x)
    if ndim == 0 and axis not in (None, ()):
        raise np.exceptions.AxisError(f"flip: axis {axis} is out of bounds for a tensor of dimension 0")
    return Flip.apply(x, axes=_axes(axis, ndim, "flip"))


class Roll(Op):
    """``np.roll``; the gradient rolls back by the opposite shift."""

    name = "roll"

    def forward(self, x, shift, axis):
        self.ctx = (shift, axis)
        return np.roll(x, shift, axis)

    def backward(self, grad):
        shift, axis = self.ctx
        back = -shift if isinstance(shift, int) else tuple(-s for s in shift)
        return Roll.fn(grad, shift=back, axis=axis)

    def jvp(self, t):
        shift, axis = self.ctx
        return Roll.fn(t, shift=shift, axis=axis)


@public(method=True, function=np.roll)
def roll(x, shift, axis=None) -> Tensor:
    """Shift elements cyclically along ``axis`` (the flattened tensor when None), like ``np.roll``.

    ``shift`` and ``axis`` may be ints or tuples; they broadcast against each other.
    """
    x = _operand(x)
    ndim = np.ndim(x)
    if axis is None:
        if not isinstance(shift, (int, np.integer)):
            raise TypeError(f"roll: with axis=None, shift must be an int, got {shift!r}")
        return Roll.apply(x, shift=int(shift), axis=None)
    axes = tuple(_axis(a, ndim, "roll") for a in ((axis,) if isinstance(axis, int) else axis))
    shifts = _int_tuple(shift, "shift", "roll")
    if isinstance(shift, (int, np.integer)):
        shifts = shifts * len(axes)
    if isinstance(axis, int):
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have the same length")
    return Roll.apply(x, shift=shifts, axis=axes)


class Tri(Op):
    """``np.tril`` / ``np.triu``: keep one triangle; the gradient keeps the same triangle."""

    name = "tril"

    def forward(self, x, k, upper):
        self.name = "triu" if upper else "tril"
        self.ctx = (k, upper)
        return np.triu(x, k) if upper else np.tril(x, k)

    def backward(self, grad):
        k, upper = self.ctx
        return Tri.fn(grad, k=k, upper=upper)

    def jvp(self, t):
        k, upper = self.ctx
        return Tri.fn(t, k=k, upper=upper)


def _tri(x, k, upper: bool) -> Tensor:
    opname = "triu" if upper else "tril"
    x = _operand(x)
    if np.ndim(x) == 0:
        raise ShapeError(f"{opname}: needs a tensor with at least 1 dimension, got shape ()")
    if not isinstance(k, (int, np.integer)):
        raise TypeError(f"{opname}: k must be an int, got {k!r}")
    return Tri.apply(x, k=int(k), upper=upper)


@public(method=True, function=np.tril)
def tril(x, k: int = 0) -> Tensor:
    """Zero the elements above the ``k``-th diagonal of the last two axes, like ``np.tril``.

    A 1-D input is treated as a row broadcast to a square matrix, as in NumPy.
    """
    return _tri(x, k, upper=False)


@public(method=True, function=np.triu)
def triu(x, k: int = 0) -> Tensor:
    """Zero the elements below the ``k``-th diagonal of the last two axes, like ``np.triu``."""
    return _tri(x, k, upper=True)
