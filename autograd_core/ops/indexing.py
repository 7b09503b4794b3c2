"""Indexing: ``t[index]``, ``t[index] = value`` and ``take``.

Three primitives, each the adjoint of another, so derivatives of any order exist:

* ``GetItem``   y = x[index]                     vjp: scatter-add g into zeros(x.shape)
* ``IndexAdd``  y = zeros(shape); y[index] += g  vjp: gather grad[index]
* ``ZeroAt``    y = copy of g with y[index] = 0  vjp: itself (a projection)

``GetItem``/``IndexAdd`` are the library's one gather / scatter-add pair: other ops
that copy elements by index use them too (``repeat`` and the non-constant ``pad``
modes gather along an axis, ``max_pool2d`` gathers flat positions, see
:func:`flat_index`), passing ``opname`` so that their nodes keep their own names.

``SetItem`` writes in place; its vjp is ``ZeroAt`` for the overwritten tensor and
``GetItem`` for the value. Indices follow NumPy exactly (ints, slices, ``None``,
``...``, boolean masks, integer arrays). A basic index (no arrays) gives a NumPy view,
recorded as such so the version counter of the base covers it.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..function import Op, rebase_views
from ..grad_mode import is_grad_enabled_fast
from ..tensor import Tensor, _make, as_operand, bump_version, inplace_check_leaf
from ._registry import public
from .arithmetic import tangent_sum

_FULL = slice(None)


class _Plan:
    """What an index is, computed once per index and reused by every rule.

    ``basic``: no arrays, so ``x[index]`` is a view and positions never repeat.
    ``unique``: positions cannot repeat (basic, or boolean masks only, or promised by
    the caller of :func:`flat_index`).
    ``axis``: for a lone integer array among full slices, the axis it indexes
    (the common ``x[idx]`` / ``take`` case, scattered along that axis); else None.
    ``flat``: the index is ``(positions,)`` into ``x.reshape(-1)`` (see :func:`flat_index`).
    """

    __slots__ = ("basic", "unique", "axis", "array", "flat")

    def __init__(
        self, basic: bool, unique: bool, axis: int | None = None, array=None, flat: bool = False
    ) -> None:
        self.basic = basic
        self.unique = unique
        self.axis = axis
        self.array = array
        self.flat = flat


_BASIC = _Plan(True, True)


def _index_error(opname: str, item: Any) -> IndexError:
    return IndexError(
        f"{opname}: only integers, slices (`:`), ellipsis (`...`), None, and integer or "
        f"boolean arrays/tensors are valid indices, got {type(item).__name__} {item!r}"
    )


def _as_index_array(item: Any, opname: str) -> np.ndarray:
    arr = item.data if isinstance(item, Tensor) else np.asarray(item)
    if arr.dtype.kind == "f" and arr.size == 0 and not isinstance(item, (Tensor, np.ndarray)):
        arr = arr.astype(np.intp)  # an empty list indexes nothing, like NumPy
    if arr.dtype.kind not in "biu":
        raise IndexError(
            f"{opname}: arrays and tensors used as indices must have an integer or boolean "
            f"dtype, got {arr.dtype}"
        )
    return arr


def normalize_index(index: Any, opname: str = "getitem") -> tuple[tuple, _Plan]:
    """Turn a user index into a tuple NumPy accepts, plus its :class:`_Plan`.

    Tensors and lists become arrays, 0-d integer arrays become ints, and a basic
    index gets a trailing ``...`` so that NumPy returns a (0-d) view, never a scalar.
    """
    cls = index.__class__
    if cls is int or cls is slice:
        return (index, Ellipsis), _BASIC
    if cls is not tuple:
        index = (index,)
    items = []
    basic = True
    has_ellipsis = False
    n_int_arrays = 0
    n_bool = 0
    for item in index:
        cls = item.__class__
        if cls is slice or item is None:
            pass
        elif item is Ellipsis:
            has_ellipsis = True
        elif cls is int:
            pass
        elif isinstance(item, (bool, np.bool_)):
            item = np.bool_(item)
            basic = False
            n_bool += 1
        elif isinstance(item, (Tensor, np.ndarray, list, tuple, range)):
            arr = _as_index_array(item, opname)
            if arr.ndim == 0 and arr.dtype.kind in "iu":
                item = int(arr)
            else:
                item = arr
                basic = False
                if arr.dtype.kind == "b":
                    n_bool += 1
                else:
                    n_int_arrays += 1
        else:
            try:
                item = operator.index(item)
            except TypeError:
                raise _index_error(opname, item) from None
        items.append(item)
    if basic:
        if not has_ellipsis:
            items.append(Ellipsis)
        return tuple(items), _BASIC
    if n_int_arrays == 0:
        return tuple(items), _Plan(False, True)
    axis = None
    array = None
    if n_int_arrays == 1 and n_bool == 0:
        # a lone integer array among full slices (and at most one `...`)?
        pos = next(i for i, it in enumerate(items) if isinstance(it, np.ndarray))
        others = items[:pos] + items[pos + 1 :]
        if all(it is Ellipsis or (it.__class__ is slice and it == _FULL) for it in others):
            array = items[pos]
            if any(it is Ellipsis for it in items[:pos]):
                axis = -(len(items) - pos)  # counted from the end
            else:
                axis = pos
    return tuple(items), _Plan(False, False, axis, array)


def flat_index(positions: np.ndarray, unique: bool = False) -> tuple[tuple, _Plan]:
    """Index and plan that gather ``x.reshape(-1)[positions]`` with :class:`GetItem`.

    ``positions`` are non-negative flat (C-order) positions, in range; the result has
    their shape. ``unique=True`` promises that no position repeats (e.g. non-overlapping
    pooling windows), so the scatter-add of the gradient is a plain assignment.
    """
    positions = np.asarray(positions)
    return (positions,), _Plan(False, unique, 0, positions, flat=True)


# A scatter along one axis loops over the index entries (one slice add each) when a
# slice holds at least this many elements, in contiguous runs of at least _LOOP_RUN.
_LOOP_SLICE, _LOOP_RUN = 512, 8


def _scatter_add_axis(g: np.ndarray, shape: tuple, axis: int, idx: np.ndarray) -> np.ndarray:
    """``zeros(shape)`` with ``g`` added at the 1-D integer ``idx`` along ``axis``.

    ``g`` has ``idx.size`` entries along ``axis``. The fastest of four ways, by shape
    (each measured on NumPy 2.x): a 1-D target uses ``np.add.at`` (NumPy's fast path for
    one flat index); large slices are added one index entry at a time (a loop over the
    index, never over elements); a gradient not much smaller than the target is summed
    with ``np.bincount`` over linear positions; what is left uses ``np.add.at``.
    """
    n = shape[axis]
    pre = math.prod(shape[:axis])
    post = math.prod(shape[axis + 1 :])
    k = idx.size
    if pre == 1 and post == 1:
        out = np.zeros(n, g.dtype)
        np.add.at(out, idx, g.reshape(-1))
        return out.reshape(shape)
    g3 = g.reshape(pre, k, post)
    if pre * post >= _LOOP_SLICE and post >= _LOOP_RUN:
        out = np.zeros((pre, n, post), g.dtype)
        for j, i in enumerate(idx.tolist()):
            out[:, i] += g3[:, j]
        return out.reshape(shape)
    if k * 4 >= n:
        if k and idx.min() < 0:
            idx = np.where(idx < 0, idx + n, idx)
        lin = np.arange(pre)[:, None] * n + idx  # (pre, k)
        if post != 1:
            lin = lin[:, :, None] * post + np.arange(post)
        out = np.bincount(lin.reshape(-1), weights=g3.reshape(-1), minlength=pre * n * post)
        return out.reshape(shape).astype(g.dtype, copy=False)
    out = np.zeros((pre, n, post), g.dtype)
    np.add.at(out, (_FULL, idx), g3)
    return out.reshape(shape)


def _scatter_add(g, shape: tuple, index: tuple, plan: _Plan) -> np.ndarray:
    """``zeros(shape)`` with ``g`` added at ``index``; repeated positions accumulate."""
    g = np.asarray(g)
    if plan.flat:
        size = math.prod(shape)
        if plan.unique:  # every position written at most once: an assignment is the sum
            out = np.zeros(size, g.dtype)
            out[plan.array.reshape(-1)] = g.reshape(-1)
            return out.reshape(shape)
        return _scatter_add_axis(g, (size,), 0, plan.array.reshape(-1)).reshape(shape)
    if plan.unique:
        out = np.zeros(shape, g.dtype)
        out[index] = g
        return out
    if plan.axis is not None:
        return _scatter_add_axis(g, shape, plan.axis % len(shape), plan.array.reshape(-1))
    out = np.zeros(shape, g.dtype)
    np.add.at(out, index, g)
    return out


class GetItem(Op):
    """``x[index]``: a view for basic indices, a copy (gather) for advanced ones.

    ``opname`` names the node for ops built on this gather (``repeat``, ``pad``,
    ``max_pool2d``); its scatter-add then shows as ``<opname>_backward``.
    """

    name = "getitem"

    def forward(self, x, index, plan, opname=None):
        self.ctx = (x.shape, index, plan, opname)
        if opname is not None:
            self.name = opname
        if plan.basic:
            self.is_view = True
            self.grad_region = index  # the rule's IndexAdd writes g there into fresh zeros
        elif plan.flat:
            return np.take(x, plan.array)  # of the flattened x
        return x[index]

    def backward(self, grad):
        shape, index, plan, opname = self.ctx
        return IndexAdd.fn(grad, shape=shape, index=index, plan=plan, opname=opname)

    def jvp(self, t):
        _, index, plan, opname = self.ctx
        return GetItem.fn(t, index=index, plan=plan, opname=opname)


class IndexAdd(Op):
    """Scatter-add: ``zeros(shape)`` with ``g`` accumulated at ``index`` (GetItem's adjoint)."""

    name = "index_add"

    def forward(self, g, shape, index, plan, opname=None):
        self.ctx = (index, plan, opname)
        if opname is not None:
            self.name = f"{opname}_backward"
        return _scatter_add(g, shape, index, plan)

    def backward(self, grad):
        index, plan, opname = self.ctx
        return GetItem.fn(grad, index=index, plan=plan, opname=opname)

    def jvp(self, t):
        index, plan, opname = self.ctx
        return IndexAdd.fn(t, shape=self.out_shape, index=index, plan=plan, opname=opname)


class ZeroAt(Op):
    """A copy of ``g`` with the positions at ``index`` set to zero (self-adjoint)."""

    name = "zero_at"

    def forward(self, g, index):
        self.ctx = index
        out = np.array(g, copy=True)
        out[index] = 0
        return out

    def backward(self, grad):
        return ZeroAt.fn(grad, index=self.ctx)

    def jvp(self, t):
        return ZeroAt.fn(t, index=self.ctx)


class SetItem(Op):
    """``x[index] = v`` written into ``x``'s own array.

    d/dx: the upstream gradient with the overwritten positions zeroed;
    d/dv: the upstream gradient at ``index`` (times the mask of writes that landed,
    when repeated positions let a later write replace an earlier one).
    """

    name = "setitem"

    def forward(self, x, v, index, plan, winners):
        self.ctx = (index, plan, winners)
        if winners is None:
            x[index] = v
        else:
            _write_last_wins(x, v, index, winners)
        return x

    def backward(self, grad):
        index, plan, winners = self.ctx
        gx = ZeroAt.fn(grad, index=index) if self.needs_grad[0] else None
        gv = None
        if self.needs_grad[1]:
            gv = GetItem.fn(grad, index=index, plan=plan)
            if winners is not None:
                gv = gv * winners
        return gx, gv

    def jvp(self, tangents):
        # tx with the written positions replaced by tv (the writes that landed, when repeated)
        tx, tv = tangents
        index, plan, winners = self.ctx
        t_x = None if tx is None else ZeroAt.fn(tx, index=index)
        t_v = None
        if tv is not None:
            target = np.broadcast_to(np.False_, self.out_shape)[index].shape  # no data copied
            tv = np.broadcast_to(tv.reshape(_strip_leading_ones(tv.shape, len(target))), target)
            if winners is not None:
                tv = tv * winners
            t_v = IndexAdd.fn(tv, shape=self.out_shape, index=index, plan=plan)
        return tangent_sum(t_x, t_v)


def _positions(shape: tuple, index: tuple) -> np.ndarray:
    """Flat position in an array of ``shape`` of every element ``index`` selects."""
    return np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)[index]


def _last_write_mask(shape: tuple, index: tuple) -> np.ndarray | None:
    """For an index with repeated positions, which selected elements are written last.

    None when every position is selected once.
    """
    pos = _positions(shape, index)
    flat = pos.ravel()
    _, first_from_end = np.unique(flat[::-1], return_index=True)
    if first_from_end.size == flat.size:
        return None
    mask = np.zeros(flat.size, bool)
    mask[flat.size - 1 - first_from_end] = True
    return mask.reshape(pos.shape)


def _write_last_wins(x: np.ndarray, v, index: tuple, winners: np.ndarray) -> None:
    pos = _positions(x.shape, index)
    vb = np.broadcast_to(np.asarray(v), _strip_leading_ones(np.shape(v), pos.ndim))
    vb = np.broadcast_to(vb, pos.shape)
    x[np.unravel_index(pos[winners], x.shape)] = vb[winners]


def _strip_leading_ones(shape: tuple, ndim: int) -> tuple:
    shape = tuple(shape)
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


def _indexed_shape(shape: tuple, index: tuple, opname: str) -> tuple:
    """The shape ``x[index]`` would have, without touching ``x``'s data."""
    probe = np.broadcast_to(np.empty((), bool), shape)  # zero strides: indexing costs ~nothing
    try:
        return probe[index].shape
    except IndexError as exc:
        raise IndexError(f"{opname}: {exc} (tensor shape {shape})") from None


# ---- public functions ---------------------------------------------------------------


@public()
def getitem(x, index):
    """``x[index]`` with NumPy's indexing rules, differentiable.

    Integers, slices, ``None``, ``...``, boolean masks (arrays or bool tensors) and
    integer arrays / lists / int tensors (advanced indexing, mixed with slices).
    The gradient scatters the upstream gradient back into zeros of ``x``'s shape;
    positions selected more than once accumulate. A basic index (no arrays) returns
    a view sharing memory with ``x``, like NumPy and PyTorch.

    >>> import autograd_core as ac
    >>> x = ac.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].backward(ac.ones(3))
    >>> x.grad
    tensor([2., 0., 1.], dtype=float32)
    """
    idx, plan = normalize_index(index, "getitem")
    x = x if isinstance(x, Tensor) else as_operand(x)
    try:
        return GetItem.apply(x, index=idx, plan=plan)
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (tensor shape {np.shape(x)})") from None


def _getitem_method(self: Tensor, index) -> Tensor:
    idx, plan = normalize_index(index, "getitem")
    try:
        return GetItem.apply(self, index=idx, plan=plan)
    except IndexError as exc:
        raise IndexError(f"getitem: {exc} (tensor shape {self.data.shape})") from None


def _setitem_method(self: Tensor, index, value) -> None:
    """``t[index] = value``: write in place; differentiable for non-leaf ``t`` and for ``value``."""
    idx, plan = normalize_index(index, "setitem")
    value = as_operand(value)
    inplace_check_leaf(self, "setitem")
    vdata = value.data if isinstance(value, Tensor) else value
    if plan.basic:  # a view: its shape costs nothing
        try:
            target = self.data[idx].shape
        except IndexError as exc:
            raise IndexError(f"setitem: {exc} (tensor shape {self.data.shape})") from None
    else:
        target = _indexed_shape(self.data.shape, idx, "setitem")
    vshape = np.shape(vdata)
    ok = True
    if vshape != target and vshape != ():
        try:
            ok = np.broadcast_shapes(_strip_leading_ones(vshape, len(target)), target) == target
        except ValueError:
            ok = False
    if not ok:
        raise ShapeError(
            f"setitem: value of shape {tuple(vshape)} cannot be broadcast to the indexed "
            f"shape {target} (tensor shape {self.data.shape})"
        )
    recording = is_grad_enabled_fast() and (self._rg or (isinstance(value, Tensor) and value._rg))
    if not recording:
        self.data[idx] = vdata
        bump_version(self)
        return
    if self.data.dtype.kind != "f":
        raise DTypeError(
            f"setitem: cannot write a value that requires grad into a tensor of dtype "
            f"{self.data.dtype}; convert the tensor with .astype(float) first"
        )
    winners = None if plan.unique else _last_write_mask(self.data.shape, idx)
    result = SetItem.apply(self, value, index=idx, plan=plan, winners=winners)
    bump_version(self)
    node = result._grad_fn
    node.out_dtype = self.data.dtype
    self._grad_fn = node
    self._rg = True
    rebase_views(self, "setitem")


Tensor.__getitem__ = _getitem_method
Tensor.__setitem__ = _setitem_method


@public(method=True, function=np.take)
def take(a, indices, axis: int | None = None, out: None = None, mode: str = "raise"):
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` when None).

    NumPy semantics: ``take(a, i, axis)`` is ``a[:, ..., :, i]`` with ``i`` at position
    ``axis``; ``mode`` is ``'raise'`` (out-of-range indices raise), ``'wrap'`` or
    ``'clip'``. Repeated indices accumulate in the gradient.
    """
    if out is not None:
        raise TypeError("take: out= is not supported for Tensors")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    a = a if isinstance(a, Tensor) else _make(np.asarray(as_operand(a)))
    if axis is None:
        from .shape import reshape

        a = reshape(a, (-1,))
        axis = 0
    ndim = a.data.ndim
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"take: axis {axis} is out of bounds for a tensor of dimension {ndim}")
    axis %= ndim
    n = a.data.shape[axis]
    idx = _as_index_array(indices, "take")
    if idx.dtype.kind == "b":
        raise IndexError("take: indices must be integers, got a boolean array")
    if mode != "raise" and idx.size:
        if n == 0:
            raise IndexError("take: cannot do a non-empty take from an empty axis")
        idx = np.mod(idx, n) if mode == "wrap" else np.clip(idx, 0, n - 1)
    elif idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"take: index {bad} is out of bounds for axis {axis} with size {n}")
    index = (_FULL,) * axis + (idx if idx.ndim else int(idx),)
    idx_t, plan = normalize_index(index, "take")
    return GetItem.apply(a, index=idx_t, plan=plan)
