"""Reductions: sum, mean, var, std, prod, max, min, logsumexp, norm, argmax/argmin,
cumsum, softmax and log_softmax.

Conventions (API §2, §7)
------------------------
* NumPy keywords: ``axis=None | int | tuple`` (``None`` reduces every axis),
  ``keepdims=False``, ``var/std(ddof=0)``, ``cumsum(axis=None)`` flattens,
  ``softmax/log_softmax(axis=-1)``. ``keepdims`` and ``ddof`` are keyword-only so
  they cannot be confused with NumPy's positional ``dtype``/``out``.
* A 0-d tensor accepts ``axis=0`` and ``axis=-1`` (the reduction is then the
  identity), for every reduction, like ``np.sum``/``np.max`` and PyTorch.
* Axis errors: an out-of-range axis raises ``np.exceptions.AxisError`` (both a
  ``ValueError`` and an ``IndexError``) naming the op and the shape; a repeated axis
  raises ``ValueError``; a non-integer axis ``TypeError``.
* ``max``/``min`` of an empty slice raise ``ValueError`` (NumPy does too);
  ``mean`` of an empty slice is ``nan`` and ``var``/``std`` with ``ddof >= n`` give
  ``inf``/``nan``, with NumPy's ``RuntimeWarning`` — their gradients are then
  ``inf``/``nan`` as well.
* Subgradients: ``max``/``min`` split the gradient evenly among tied extrema;
  ``norm`` (and ``std``) have gradient 0 where the norm (the spread) is 0.
* ``norm`` is a *vector* norm of the entries along ``axis`` (all entries for
  ``axis=None``), like ``torch.linalg.vector_norm``; ``'fro'`` is its 2-norm.
  ``np.linalg.norm`` on a Tensor follows NumPy exactly, including the matrix norms
  ``ord in {'fro', 1, -1, inf, -inf}``; the SVD-based ``2, -2, 'nuc'`` raise.

Every rule below is polymorphic (see :mod:`autograd_core.function`): it runs on
arrays on an ordinary backward pass and records on Tensors under
``create_graph=True``. ``np.sum``/``np.mean``/… and ``np.add.reduce``/
``np.maximum.reduce``/… on Tensors dispatch here with NumPy's signatures.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..broadcasting import sum_to
from ..errors import UnsupportedNumpyFunction
from ..function import Op
from ..numpy_dispatch import register_function, register_reduce
from ..tensor import Tensor, _make, as_tensor
from ._registry import public
from .elementwise import absolute, sign
from .shape import Flip, astype

_NoValue: Any = object()  # "argument not given" (NumPy passes only what the caller wrote)


# ---- axis handling ----------------------------------------------------------------------


def _axes(axis: Any, shape: tuple[int, ...], opname: str) -> tuple[int, ...] | None:
    """Normalise ``axis`` to ``None`` (every axis) or a sorted tuple of distinct axes."""
    if axis is None:
        return None
    ndim = len(shape)
    n = ndim if ndim else 1  # a 0-d tensor accepts axis 0 / -1 (identity reduction)
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in items:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"{opname}: axis must be None, an int or a tuple of ints, got {axis!r}") from None
        if not -n <= a < n:
            raise np.exceptions.AxisError(
                f"{opname}: axis {a} is out of bounds for a tensor of shape {shape} (dimension {ndim})"
            )
        out.append(a % n)
    if len(set(out)) != len(out):
        raise ValueError(f"{opname}: duplicate value in axis={axis!r} for a tensor of shape {shape}")
    return () if ndim == 0 else tuple(sorted(out))


def _kept(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """The keepdims shape: reduced axes become 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _plan(shape, axis, keepdims, opname):
    """``(axes, kshape)``; ``kshape`` is None when the output already broadcasts against x."""
    axes = _axes(axis, shape, opname)
    kshape = None if (keepdims or axes is None) else _kept(shape, axes)
    return axes, kshape


def _reduced(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    """The output shape without keepdims."""
    return () if axes is None else tuple(s for i, s in enumerate(shape) if i not in axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in axes)


def _keep_shape(in_shape, kshape, out_shape):
    """The keepdims shape of a reduction from ``ctx``'s ``kshape`` and the output shape."""
    if kshape is not None:
        return kshape
    return out_shape if len(out_shape) == len(in_shape) else (1,) * len(in_shape)


def _tangent_sum(v, in_shape, kshape, out_shape):
    """Sum ``v`` (of the input's shape) over the reduced axes into ``out_shape`` (polymorphic)."""
    return sum_to(v, _keep_shape(in_shape, kshape, out_shape)).reshape(out_shape)


def _axes_sum(v, axes, out_shape):
    """Sum ``v`` over ``axes`` (None: all) into ``out_shape`` (polymorphic)."""
    return v.sum(axis=axes, keepdims=True).reshape(out_shape)


def _expand(g, kshape):
    """Reshape a reduced value so it broadcasts against the input (a view)."""
    return g if kshape is None else g.reshape(kshape)


def _operand(x):
    """Tensors and arrays pass through; other data becomes a tensor (default float dtype)."""
    if isinstance(x, (Tensor, np.ndarray)):
        return x
    return as_tensor(x)


def _floating(x: np.ndarray) -> np.ndarray:
    """exp/log based reductions compute on floats (ints become float64, as in np.exp)."""
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _check_nonempty(x: np.ndarray, axes, opname: str) -> None:
    if x.size == 0 and (axes is None or any(x.shape[a] == 0 for a in axes)):
        raise ValueError(
            f"{opname}: cannot reduce an empty slice of a tensor of shape {x.shape} "
            f"(axis={axes}); the {opname} of no elements is undefined"
        )


# ---- sum and mean (the hot path: one NumPy call forward, one view backward) --------------


class Sum(Op):
    """Σ over ``axis``; the gradient is the upstream gradient broadcast back (a view)."""

    name = "sum"

    def forward(self, x, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, "sum")
        self.ctx = (x.shape, kshape)
        return np.add.reduce(x, axis=axes, keepdims=keepdims)

    def backward(self, grad):
        shape, kshape = self.ctx
        return np.broadcast_to(_expand(grad, kshape), shape)

    def jvp(self, t):
        shape, kshape = self.ctx
        return _tangent_sum(t, shape, kshape, self.out_shape)


class Mean(Op):
    """Σx / n over ``axis``; the gradient is g / n broadcast back."""

    name = "mean"

    def forward(self, x, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, "mean")
        n = _count(x.shape, axes)
        self.ctx = (x.shape, kshape, n)
        if x.dtype.kind == "f" and x.dtype.itemsize >= 4 and n:
            # what np.mean does for these dtypes, minus its Python overhead
            return np.true_divide(np.add.reduce(x, axis=axes, keepdims=keepdims), n)
        return np.mean(x, axis=axes, keepdims=keepdims)

    def backward(self, grad):
        shape, kshape, n = self.ctx
        return np.broadcast_to(_expand(grad, kshape) / (n or 1), shape)

    def jvp(self, t):
        shape, kshape, n = self.ctx
        return _tangent_sum(t, shape, kshape, self.out_shape) / (n or 1)


@public("sum", method=True)
def sum_(x, axis: Any = None, *, keepdims: bool = False) -> Tensor:
    """Sum of the elements over ``axis``.

    .. math:: \\partial/\\partial x_i \\, \\textstyle\\sum_j x_j = 1

    Parameters
    ----------
    x : Tensor or array_like
    axis : None, int or tuple of ints
        Axes to reduce (``None``: all of them).
    keepdims : bool
        Keep reduced axes with size 1.

    >>> import autograd_core as ac
    >>> ac.sum(ac.tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    tensor([4., 6.], dtype=float32)
    """
    return Sum.apply(_operand(x), axis=axis, keepdims=keepdims)


@public(method=True)
def mean(x, axis: Any = None, *, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``; the gradient is ``g / n`` for each element.

    Integer inputs give float64, like ``np.mean``; an empty slice gives ``nan``.
    """
    return Mean.apply(_operand(x), axis=axis, keepdims=keepdims)


# ---- var and std --------------------------------------------------------------------------


class Var(Op):
    """Σ(x - x̄)² / (n - ddof); gradient 2(x - x̄) / (n - ddof)."""

    name = "var"
    save_inputs = (0,)

    def forward(self, x, axis=None, keepdims=False, ddof=0):
        axes, kshape = _plan(x.shape, axis, keepdims, "var")
        self.ctx = (axes, kshape, max(_count(x.shape, axes) - ddof, 0))
        return np.var(x, axis=axes, ddof=ddof, keepdims=keepdims)

    def backward(self, grad, x):
        axes, kshape, dof = self.ctx
        scale = 2.0 / dof if dof else math.inf  # ddof >= n: the value is inf/nan already
        centred = x - x.mean(axis=axes, keepdims=True)
        return (_expand(grad, kshape) * scale) * centred

    def jvp(self, t, x):
        axes, _, dof = self.ctx
        scale = 2.0 / dof if dof else math.inf
        centred = x - x.mean(axis=axes, keepdims=True)
        return _axes_sum(centred * t, axes, self.out_shape) * scale


class Std(Op):
    """√var; gradient (x - x̄) / ((n - ddof)·std), defined as 0 where std = 0."""

    name = "std"
    save_inputs = (0,)
    save_output = True

    def forward(self, x, axis=None, keepdims=False, ddof=0):
        axes, kshape = _plan(x.shape, axis, keepdims, "std")
        self.ctx = (axes, kshape, max(_count(x.shape, axes) - ddof, 0))
        return np.std(x, axis=axes, ddof=ddof, keepdims=keepdims)

    def backward(self, grad, x, out):
        axes, kshape, dof = self.ctx
        s = _expand(out, kshape)
        safe = np.where(s > 0, s, 1)  # std = 0 only when the slice is constant: centred = 0
        centred = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):  # ddof >= n: inf, as the value
            coef = _expand(grad, kshape) / (safe * dof)
        return coef * centred

    def jvp(self, t, x, out):
        axes, _, dof = self.ctx
        safe = np.where(out > 0, out, 1)
        centred = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):
            return _axes_sum(centred * t, axes, self.out_shape) / (safe * dof)


@public(method=True)
def var(x, axis: Any = None, *, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """Variance Σ(x - x̄)² / (n - ddof) over ``axis`` (``ddof=0``: population variance).

    With ``ddof >= n`` the result is ``inf``/``nan`` with a ``RuntimeWarning``, as in NumPy.
    """
    return Var.apply(_operand(x), axis=axis, keepdims=keepdims, ddof=ddof)


@public(method=True)
def std(x, axis: Any = None, *, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """Standard deviation √var over ``axis``.

    The gradient (x - x̄) / ((n - ddof)·std) is taken as 0 on constant slices
    (std = 0), where the derivative does not exist.
    """
    return Std.apply(_operand(x), axis=axis, keepdims=keepdims, ddof=ddof)


# ---- prod -----------------------------------------------------------------------------------


def _exclusive_prod(x, axes):
    """∏_{j≠i} x_j over the reduced axes, for each i — exact when x contains zeros.

    Arrays use prefix and suffix cumulative products (O(n)); Tensors (create_graph)
    use a leave-one-out product built from ``where`` and ``prod`` (O(n·m) for slices
    of length m), which is differentiable again.
    """
    shape = x.shape
    ndim = len(shape)
    axes = tuple(range(ndim)) if axes is None else axes
    if not axes:
        return 1.0
    rest = [d for d in range(ndim) if d not in axes]
    perm = rest + list(axes)
    moved = np.transpose(x, perm)
    rest_shape = tuple(shape[d] for d in rest)
    m = math.prod(shape[d] for d in axes)
    flat = moved.reshape(rest_shape + (m,))
    if isinstance(flat, np.ndarray):
        excl = np.empty_like(flat)
        excl[..., :1] = 1
        np.cumprod(flat[..., :-1], axis=-1, out=excl[..., 1:])  # products of x_0..x_{i-1}
        if m > 1:
            excl[..., :-1] *= np.cumprod(flat[..., :0:-1], axis=-1)[..., ::-1]  # x_{i+1}..x_{m-1}
    else:
        rows = np.where(np.eye(m, dtype=bool), 1.0, flat.reshape(rest_shape + (1, m)))
        excl = prod(rows, axis=-1)
    excl = excl.reshape(moved.shape)
    return np.transpose(excl, tuple(np.argsort(perm)))


class Prod(Op):
    """∏ over ``axis``; gradient g·∏_{j≠i} x_j (exact with zeros, no division)."""

    name = "prod"
    save_inputs = (0,)

    def forward(self, x, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, "prod")
        self.ctx = (axes, kshape)
        return np.multiply.reduce(x, axis=axes, keepdims=keepdims)

    def backward(self, grad, x):
        axes, kshape = self.ctx
        return _expand(grad, kshape) * _exclusive_prod(x, axes)

    def jvp(self, t, x):
        axes, _ = self.ctx
        return _axes_sum(t * _exclusive_prod(x, axes), axes, self.out_shape)


@public(method=True)
def prod(x, axis: Any = None, *, keepdims: bool = False) -> Tensor:
    """Product of the elements over ``axis``.

    The gradient ∂/∂x_i = ∏_{j≠i} x_j is computed without dividing by x_i, so it is
    right when inputs contain zeros (also for higher derivatives).
    """
    return Prod.apply(_operand(x), axis=axis, keepdims=keepdims)


# ---- max and min ----------------------------------------------------------------------------


class _Extremum(Op):
    save_inputs = (0,)
    save_output = True
    reduce: Any = None

    def forward(self, x, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, self.name)
        _check_nonempty(x, axes, self.name)
        self.ctx = (axes, kshape)
        return self.reduce(x, axis=axes, keepdims=keepdims)

    def backward(self, grad, x, out):
        axes, kshape = self.ctx
        hit = (x == _expand(out, kshape)).astype(x.dtype)
        count = hit.sum(axis=axes, keepdims=True)  # ties share the gradient evenly
        return (_expand(grad, kshape) / count) * hit

    def jvp(self, t, x, out):
        # the mean of the tangent over the tied extrema (the same split as backward)
        axes, kshape = self.ctx
        hit = (x == _expand(out, kshape)).astype(x.dtype)
        count = hit.sum(axis=axes, keepdims=True)
        return ((t * hit).sum(axis=axes, keepdims=True) / count).reshape(self.out_shape)


class Max(_Extremum):
    name = "max"
    reduce = np.maximum.reduce


class Min(_Extremum):
    name = "min"
    reduce = np.minimum.reduce


@public("max", method=True)
def max_(x, axis: Any = None, *, keepdims: bool = False) -> Tensor:
    """Largest element over ``axis``; tied maxima share the gradient evenly.

    Raises ``ValueError`` for an empty slice.
    """
    return Max.apply(_operand(x), axis=axis, keepdims=keepdims)


@public("min", method=True)
def min_(x, axis: Any = None, *, keepdims: bool = False) -> Tensor:
    """Smallest element over ``axis``; tied minima share the gradient evenly.

    Raises ``ValueError`` for an empty slice.
    """
    return Min.apply(_operand(x), axis=axis, keepdims=keepdims)


def _arg_extremum(x, axis, keepdims, np_fn, opname):
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{opname}: axis must be None or an int, got {axis!r}")
    axes = _axes(axis, data.shape, opname)
    _check_nonempty(data, axes, opname)
    if axes == ():  # 0-d input
        axis = None
    return _make(np.asarray(np_fn(data, axis=axis, keepdims=keepdims)))


@public(method=True)
def argmax(x, axis: int | None = None, *, keepdims: bool = False) -> Tensor:
    """Index of the (first) largest element over ``axis`` (flattened for ``None``).

    Returns an int64 tensor outside the graph (not differentiable).
    """
    return _arg_extremum(x, axis, keepdims, np.argmax, "argmax")


@public(method=True)
def argmin(x, axis: int | None = None, *, keepdims: bool = False) -> Tensor:
    """Index of the (first) smallest element over ``axis``; an int64 tensor, no graph."""
    return _arg_extremum(x, axis, keepdims, np.argmin, "argmin")


# ---- logsumexp, softmax, log_softmax (stable: shifted by the maximum) -----------------------


def _slice_max(x, axes):
    """The per-slice maximum (keepdims), and whether every one of them is finite."""
    c = x.shape[-1] if x.ndim else 0
    if axes == (x.ndim - 1,) and 0 < c <= 32 and x.size >= 256:
        # NumPy reduces a short last axis row by row (8 µs for 128×10 float32); with that
        # axis first in a contiguous copy, the maximum is one vectorised pass (2 µs).
        m = np.ascontiguousarray(x.reshape(-1, c).T).max(axis=0).reshape(x.shape[:-1] + (1,))
    else:
        m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    return m, bool(np.isfinite(m).all())


def _shift(x, axes):
    """The per-slice maximum (keepdims), replaced by 0 where it is not finite."""
    m, finite = _slice_max(x, axes)
    return m if finite else np.where(np.isfinite(m), m, 0)


def log_softmax_array(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    """Stable log softmax of a floating array over normalised ``axes`` (no graph)."""
    m, finite = _slice_max(x, axes)
    z = x - (m if finite else np.where(np.isfinite(m), m, 0))
    s = np.add.reduce(np.exp(z), axis=axes, keepdims=True)
    if finite:  # each slice's maximum contributes e⁰ = 1, so no sum is 0
        return z - np.log(s)
    with np.errstate(divide="ignore"):  # log 0 = -inf for an all -inf or empty slice
        return z - np.log(s)


class LogSumExp(Op):
    """log Σ eˣ, computed as m + log Σ e^(x-m); gradient g·e^(x - out) (the softmax)."""

    name = "logsumexp"
    save_inputs = (0,)
    save_output = True

    def forward(self, x, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, "logsumexp")
        self.ctx = kshape
        x = _floating(x)
        m = _shift(x, axes)
        with np.errstate(divide="ignore"):  # log 0 = -inf for empty or all -inf slices
            out = np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdims:
            out = out.reshape(_reduced(x.shape, axes))
        return out

    def backward(self, grad, x, out):
        kshape = self.ctx
        return _expand(grad, kshape) * np.exp(x - _expand(out, kshape))

    def jvp(self, t, x, out):
        kshape = self.ctx
        p = np.exp(x - _expand(out, kshape))
        return _tangent_sum(t * p, x.shape, kshape, self.out_shape)


@public(method=True)
def logsumexp(x, axis: Any = None, *, keepdims: bool = False) -> Tensor:
    """log Σ exp(x) over ``axis``, stable for large |x| (shifted by the maximum).

    The gradient is the softmax of ``x`` over ``axis``; both stay finite for float32
    inputs of magnitude 1e4.
    """
    return LogSumExp.apply(_operand(x), axis=axis, keepdims=keepdims)


class Softmax(Op):
    """e^(x-m) / Σ e^(x-m); gradient y ⊙ (g - Σ g ⊙ y)."""

    name = "softmax"
    save_output = True

    def forward(self, x, axis=-1):
        axes = _axes(axis, x.shape, "softmax")
        self.ctx = axes
        x = _floating(x)
        e = np.exp(x - _shift(x, axes))
        e /= np.add.reduce(e, axis=axes, keepdims=True)
        return e

    def backward(self, grad, y):
        gy = grad * y
        return gy - y * gy.sum(axis=self.ctx, keepdims=True)

    def jvp(self, t, y):
        return y * (t - (y * t).sum(axis=self.ctx, keepdims=True))


class LogSoftmax(Op):
    """x - logsumexp(x); gradient g - softmax ⊙ Σ g."""

    name = "log_softmax"
    save_output = True

    def forward(self, x, axis=-1):
        axes = _axes(axis, x.shape, "log_softmax")
        self.ctx = axes
        return log_softmax_array(_floating(x), axes)

    def backward(self, grad, y):
        return grad - np.exp(y) * grad.sum(axis=self.ctx, keepdims=True)

    def jvp(self, t, y):
        return t - (np.exp(y) * t).sum(axis=self.ctx, keepdims=True)


@public(method=True)
def softmax(x, axis: Any = -1) -> Tensor:
    """softmax(x)_i = e^(x_i) / Σ_j e^(x_j) along ``axis`` (last by default).

    Stable for large |x| (shifted by the maximum). ``axis`` may also be a tuple or
    ``None`` (all axes).
    """
    return Softmax.apply(_operand(x), axis=axis)


@public(method=True)
def log_softmax(x, axis: Any = -1) -> Tensor:
    """log softmax(x) = x - logsumexp(x) along ``axis``, stable for large |x|."""
    return LogSoftmax.apply(_operand(x), axis=axis)


# ---- cumsum ---------------------------------------------------------------------------------


class Cumsum(Op):
    """Running sums along one axis; the gradient is the reversed running sum of g."""

    name = "cumsum"

    def forward(self, x, axis):
        self.ctx = axis
        return np.cumsum(x, axis=axis)

    def backward(self, grad):
        a = self.ctx
        # reversed running sum: flip, cumsum, flip (the flips are views)
        return Flip.fn(Cumsum.fn(Flip.fn(grad, axes=(a,)), axis=a), axes=(a,))

    def jvp(self, t):
        return Cumsum.fn(t, axis=self.ctx)


@public(method=True)
def cumsum(x, axis: int | None = None) -> Tensor:
    """Cumulative sum along ``axis``; ``axis=None`` sums the flattened tensor (like NumPy).

    ∂out_k/∂x_i = 1 for i ≤ k, so the gradient is the reversed cumulative sum of g.
    """
    x = _operand(x)
    shape = x.shape
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"cumsum: axis must be None or an int, got {axis!r}")
    axes = _axes(axis, shape, "cumsum")
    if axis is None or not axes:  # flatten (a 0-d tensor becomes 1-d, as in NumPy)
        if len(shape) != 1:
            x = x.reshape((-1,))
        return Cumsum.apply(x, axis=0)
    return Cumsum.apply(x, axis=axes[0])


# ---- norm -----------------------------------------------------------------------------------


class Norm2(Op):
    """√Σx²; gradient g·x / norm, defined as 0 where the norm is 0."""

    name = "norm"
    save_inputs = (0,)
    save_output = True

    def forward(self, x, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, "norm")
        self.ctx = kshape
        return np.sqrt(np.add.reduce(x * x, axis=axes, keepdims=keepdims))

    def backward(self, grad, x, out):
        o = _expand(out, self.ctx)
        return (_expand(grad, self.ctx) / np.where(o > 0, o, 1)) * x

    def jvp(self, t, x, out):
        return _tangent_sum(x * t, x.shape, self.ctx, self.out_shape) / np.where(out > 0, out, 1)


class PNorm(Op):
    """(Σ|x|^p)^(1/p) for p ∉ {0, 1, 2, ±inf}; gradient g·sign(x)·(|x|/norm)^(p-1), 0 at norm 0."""

    name = "norm"
    save_inputs = (0,)
    save_output = True

    def forward(self, x, p, axis=None, keepdims=False):
        axes, kshape = _plan(x.shape, axis, keepdims, "norm")
        self.ctx = (kshape, p)
        a = np.abs(x)
        if p > 0:  # scale by the largest entry so |x|^p cannot overflow
            m = np.max(a, axis=axes, keepdims=True, initial=0)
            m = np.where(m > 0, m, 1)
            out = m * np.add.reduce((a / m) ** p, axis=axes, keepdims=True) ** (1 / p)
        else:
            with np.errstate(divide="ignore"):  # 0^p = inf -> norm 0, as in NumPy
                out = np.add.reduce(a**p, axis=axes, keepdims=True) ** (1 / p)
        if not keepdims:
            out = out.reshape(_reduced(x.shape, axes))
        return out

    def backward(self, grad, x, out):
        kshape, p = self.ctx
        o = _expand(out, kshape)
        pos = o > 0
        a = np.abs(x)
        r = a / np.where(pos, o, 1)
        r = np.where(a > 0, r, 1)  # sign(x) = 0 there; avoids 0^(p-1) = inf for p < 1
        return (np.where(pos, _expand(grad, kshape), 0) * np.sign(x)) * r ** (p - 1)

    def jvp(self, t, x, out):
        kshape, p = self.ctx
        o = _expand(out, kshape)
        a = np.abs(x)
        r = a / np.where(o > 0, o, 1)
        r = np.where(a > 0, r, 1)
        s = _tangent_sum((np.sign(x) * r ** (p - 1)) * t, x.shape, kshape, self.out_shape)
        return np.where(out > 0, s, 0)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == "fro" or ord == 2:
        return Norm2.apply(x, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is not a vector norm (use None, 'fro' or a number)")
    try:
        p = float(ord)
    except (TypeError, ValueError):
        raise TypeError(f"norm: ord must be None, 'fro' or a number, got {ord!r}") from None
    if math.isnan(p):
        raise ValueError("norm: ord must not be nan")
    if p == math.inf:
        return max_(absolute(x), axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return min_(absolute(x), axis=axis, keepdims=keepdims)
    if p == 1:
        return sum_(absolute(x), axis=axis, keepdims=keepdims)
    if p == 0:  # number of non-zero entries; zero gradient
        return sum_(sign(absolute(x)), axis=axis, keepdims=keepdims)
    return PNorm.apply(x, p=p, axis=axis, keepdims=keepdims)


@public(method=True)
def norm(x, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Vector p-norm of the entries along ``axis`` (all entries when ``axis=None``).

    ``ord``: ``None``/``2``/``'fro'`` → √Σx²; ``1`` → Σ|x|; ``inf`` → max|x|;
    ``-inf`` → min|x|; ``0`` → number of non-zeros; any other p → (Σ|x|^p)^(1/p).
    Unlike ``np.linalg.norm``, a 2-D input with a numeric ``ord`` still gets the
    vector norm of its entries (like ``torch.linalg.vector_norm``); call
    ``np.linalg.norm(t, ord)`` for NumPy's matrix norms.

    The gradient is 0 where the norm is 0 (x = 0), where the derivative does not exist.
    """
    x = _operand(x)
    if x.dtype.kind != "f":
        x = astype(x, np.float64)
    return _vector_norm(x, ord, axis, keepdims)


# ---- NumPy dispatch: NumPy's signatures, mapped onto the functions above ---------------------


def _no_extras(opname: str, out=None, where=_NoValue, initial=_NoValue, **others) -> None:
    if out is not None:
        raise UnsupportedNumpyFunction(f"{opname} with out= is not supported on Tensors")
    if where is not _NoValue and where is not True:
        raise UnsupportedNumpyFunction(f"{opname} with where= is not supported on Tensors")
    if initial is not _NoValue:
        raise UnsupportedNumpyFunction(f"{opname} with initial= is not supported on Tensors")
    extra = [k for k, v in others.items() if v is not _NoValue and v is not None]
    if extra:
        raise UnsupportedNumpyFunction(f"{opname}: keyword arguments {extra} are not supported on Tensors")


def _cast(a, dtype):
    a = _operand(a)
    return a if dtype is None else astype(a, dtype)


def _kd(keepdims) -> bool:
    return False if keepdims is _NoValue else bool(keepdims)


def _np_sum(a, axis=None, dtype=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue):
    _no_extras("np.sum", out, where, initial)
    return sum_(_cast(a, dtype), axis, keepdims=_kd(keepdims))


def _np_prod(a, axis=None, dtype=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue):
    _no_extras("np.prod", out, where, initial)
    return prod(_cast(a, dtype), axis, keepdims=_kd(keepdims))


def _np_mean(a, axis=None, dtype=None, out=None, keepdims=_NoValue, *, where=_NoValue):
    _no_extras("np.mean", out, where)
    return mean(_cast(a, dtype), axis, keepdims=_kd(keepdims))


def _np_var_std(fn, opname):
    def impl(
        a,
        axis=None,
        dtype=None,
        out=None,
        ddof=0,
        keepdims=_NoValue,
        *,
        where=_NoValue,
        mean=_NoValue,
        correction=_NoValue,
    ):
        _no_extras(opname, out, where, mean=mean)
        if correction is not _NoValue:
            ddof = correction
        return fn(_cast(a, dtype), axis, ddof=ddof, keepdims=_kd(keepdims))

    return impl


def _np_extremum(fn, opname):
    def impl(a, axis=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue):
        _no_extras(opname, out, where, initial)
        return fn(_operand(a), axis, keepdims=_kd(keepdims))

    return impl


def _np_arg(fn, opname):
    def impl(a, axis=None, out=None, *, keepdims=_NoValue):
        _no_extras(opname, out)
        return fn(a, axis, keepdims=_kd(keepdims))

    return impl


def _np_cumsum(a, axis=None, dtype=None, out=None):
    _no_extras("np.cumsum", out)
    return cumsum(_cast(a, dtype), axis)


def _np_linalg_norm(x, ord=None, axis=None, keepdims=False):
    """``np.linalg.norm`` semantics: vector norms, and matrix norms for 2 axes."""
    x = _operand(x)
    if x.dtype.kind != "f":
        x = astype(x, np.float64)
    ndim = x.ndim
    if axis is None:
        if ord is None:
            return Norm2.apply(x, axis=None, keepdims=keepdims)
        axis = tuple(range(ndim))
    elif not isinstance(axis, tuple):
        axis = (axis,)
    if len(axis) == 1:
        if isinstance(ord, str):
            raise ValueError(f"np.linalg.norm: invalid norm order {ord!r} for vectors")
        return _vector_norm(x, ord, axis, keepdims)
    if len(axis) != 2:
        raise ValueError(
            f"np.linalg.norm: improper number of dimensions to norm (shape {x.shape}, axis={axis})"
        )
    _axes(axis, x.shape, "np.linalg.norm")  # range and duplicate checks
    row, col = (operator.index(a) % ndim for a in axis)
    if ord is None or ord == "fro":
        return Norm2.apply(x, axis=axis, keepdims=keepdims)
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (row, col) if ord in (1, -1) else (col, row)
        pick = max_ if ord in (1, math.inf) else min_
        sums = sum_(absolute(x), axis=inner, keepdims=True)
        out = pick(sums, axis=outer, keepdims=True)
        return out if keepdims else out.reshape(_reduced(x.shape, (row, col)))
    raise UnsupportedNumpyFunction(
        f"np.linalg.norm: the matrix norm ord={ord!r} needs a singular value decomposition, "
        "which has no differentiable implementation here; use ac.norm for vector norms"
    )


for _fn, _name in ((sum_, "sum"), (max_, "max"), (min_, "min")):
    _fn.__name__ = _fn.__qualname__ = _name

register_function(np.sum, _np_sum)
register_function(np.prod, _np_prod)
register_function(np.mean, _np_mean)
register_function(np.var, _np_var_std(var, "np.var"))
register_function(np.std, _np_var_std(std, "np.std"))
for _f in (np.max, np.amax):
    register_function(_f, _np_extremum(max_, "np.max"))
for _f in (np.min, np.amin):
    register_function(_f, _np_extremum(min_, "np.min"))
register_function(np.argmax, _np_arg(argmax, "np.argmax"))
register_function(np.argmin, _np_arg(argmin, "np.argmin"))
register_function(np.cumsum, _np_cumsum)
register_function(np.linalg.norm, _np_linalg_norm)


def _ufunc_reduce(fn, opname):
    """``np.<ufunc>.reduce(t, axis=0, dtype=None, keepdims=False)`` (note NumPy's axis=0)."""

    def impl(a, axis=0, dtype=None, keepdims=False, initial=_NoValue, where=_NoValue):
        _no_extras(opname, None, where, initial)
        return fn(_cast(a, dtype), axis, keepdims=bool(keepdims))

    return impl


register_reduce(np.add, _ufunc_reduce(sum_, "np.add.reduce"))
register_reduce(np.multiply, _ufunc_reduce(prod, "np.multiply.reduce"))
register_reduce(np.maximum, _ufunc_reduce(max_, "np.maximum.reduce"))
register_reduce(np.minimum, _ufunc_reduce(min_, "np.minimum.reduce"))
