"""Joining and splitting: concatenate, stack, hstack, vstack, split, array_split.

``Concatenate`` and ``Stack`` are multi-input primitives whose vjp hands each input
its slice of the upstream gradient. Splitting is slicing: each piece is a basic
``getitem`` (a view of the input, like NumPy), so its vjp is the scatter of
indexing.py.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Op
from ..tensor import Tensor, _make, as_operand
from ._registry import public
from .indexing import GetItem, normalize_index
from .shape import reshape

_FULL = slice(None)


def _operands(tensors: Any, opname: str) -> list:
    if isinstance(tensors, (Tensor, np.ndarray)):
        # NumPy iterates an array's first axis; so do we
        tensors = list(tensors)
    try:
        items = [t if isinstance(t, Tensor) else as_operand(t) for t in tensors]
    except TypeError:
        raise TypeError(f"{opname}: expected a sequence of tensors, got {type(tensors).__name__}") from None
    if not items:
        raise ValueError(f"{opname}: need at least one tensor to {opname}")
    return items


def _shapes_text(items: Sequence) -> str:
    return ", ".join(str(tuple(np.shape(t))) for t in items)


def _norm_axis(axis: int, ndim: int, opname: str) -> int:
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{opname}: axis {axis} is out of bounds for tensors of dimension {ndim}"
        )
    return axis % ndim


class Concatenate(Op):
    name = "concatenate"

    def forward(self, *arrays, axis):
        self.ctx = (axis, np.cumsum([a.shape[axis] for a in arrays]))
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad):
        axis, ends = self.ctx
        lead = (_FULL,) * axis
        grads = []
        start = 0
        for end, need in zip(ends, self.needs_grad):
            grads.append(grad[lead + (slice(int(start), int(end)),)] if need else None)
            start = end
        return grads[0] if len(grads) == 1 else tuple(grads)

    def jvp(self, tangents):
        if not isinstance(tangents, tuple):  # one input
            return tangents
        axis, ends = self.ctx
        parts = []
        start = 0
        for end, t in zip(ends, tangents):
            if t is None:
                shape = self.out_shape[:axis] + (int(end - start),) + self.out_shape[axis + 1 :]
                t = np.zeros(shape, self.out_dtype)
            parts.append(t)
            start = end
        return np.concatenate(parts, axis=axis)


@public(function=np.concatenate)
def concatenate(tensors: Sequence[Any], axis: int | None = 0) -> Tensor:
    """Join tensors along an existing axis (``axis=None`` flattens them first).

    All shapes must agree except along ``axis``; the gradient of each input is its
    slice of the upstream gradient.

    >>> import autograd_core as ac
    >>> ac.concatenate([ac.zeros(2), ac.ones(1)]).tolist()
    [0.0, 0.0, 1.0]
    """
    items = _operands(tensors, "concatenate")
    if axis is None:
        items = [reshape(t, (-1,)) for t in items]
        axis = 0
    shapes = [np.shape(t) for t in items]
    ndim = len(shapes[0])
    if ndim == 0 or any(len(s) != ndim for s in shapes):
        raise ShapeError(
            "concatenate: all inputs must have the same number of dimensions (at least 1), "
            f"got shapes {_shapes_text(items)}"
        )
    ax = _norm_axis(axis, ndim, "concatenate")
    rest = [s[:ax] + s[ax + 1 :] for s in shapes]
    if any(r != rest[0] for r in rest):
        raise ShapeError(
            f"concatenate: input shapes must match except along axis {axis}, got {_shapes_text(items)}"
        )
    return Concatenate.apply(*items, axis=ax)


class Stack(Op):
    name = "stack"

    def forward(self, *arrays, axis):
        self.ctx = axis
        return np.stack(arrays, axis=axis)

    def backward(self, grad):
        lead = (_FULL,) * self.ctx
        grads = tuple(grad[lead + (i, Ellipsis)] if need else None for i, need in enumerate(self.needs_grad))
        return grads[0] if len(grads) == 1 else grads

    def jvp(self, tangents):
        axis = self.ctx
        if not isinstance(tangents, tuple):  # one input
            return np.stack([tangents], axis=axis)
        shape = self.out_shape[:axis] + self.out_shape[axis + 1 :]
        parts = [np.zeros(shape, self.out_dtype) if t is None else t for t in tangents]
        return np.stack(parts, axis=axis)


@public(function=np.stack)
def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equally shaped tensors along a new axis at position ``axis``.

    >>> import autograd_core as ac
    >>> ac.stack([ac.zeros(2), ac.ones(2)], axis=1).shape
    (2, 2)
    """
    items = _operands(tensors, "stack")
    shapes = [np.shape(t) for t in items]
    if any(s != shapes[0] for s in shapes):
        raise ShapeError(f"stack: all input shapes must be equal, got {_shapes_text(items)}")
    ax = _norm_axis(axis, len(shapes[0]) + 1, "stack")
    return Stack.apply(*items, axis=ax)


def _at_least(t, ndim: int):
    shape = np.shape(t)
    if len(shape) >= ndim:
        return t
    return reshape(t, (1,) * (ndim - len(shape)) + tuple(shape))


@public(function=np.hstack)
def hstack(tensors: Sequence[Any]) -> Tensor:
    """Concatenate along axis 1 (axis 0 for 1-d inputs); 0-d inputs count as 1-d."""
    items = [_at_least(t, 1) for t in _operands(tensors, "hstack")]
    return concatenate(items, axis=0 if np.ndim(items[0]) == 1 else 1)


@public(function=np.vstack)
def vstack(tensors: Sequence[Any]) -> Tensor:
    """Concatenate along axis 0 after making every input at least 2-d (``(n,)`` -> ``(1, n)``)."""
    items = [_at_least(t, 2) for t in _operands(tensors, "vstack")]
    return concatenate(items, axis=0)


def _pieces(x, div_points: Sequence[int], axis: int) -> list[Tensor]:
    x = x if isinstance(x, Tensor) else _make(np.asarray(as_operand(x)))
    lead = (_FULL,) * axis
    out = []
    for start, end in zip(div_points[:-1], div_points[1:]):
        index, plan = normalize_index(lead + (slice(start, end), Ellipsis), "split")
        out.append(GetItem.apply(x, index=index, plan=plan))
    return out


def _split_axis(x, axis: int, opname: str) -> tuple[int, int]:
    ndim = np.ndim(x)
    if ndim == 0:
        raise ShapeError(f"{opname}: cannot split a 0-d tensor")
    ax = _norm_axis(axis, ndim, opname)
    return ax, np.shape(x)[ax]


@public(function=np.split)
def split(x, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Split ``x`` into a list of views along ``axis``, like ``np.split``.

    An integer ``N`` cuts ``N`` equal pieces (the axis length must divide evenly);
    a sequence of indices gives the cut points (``[2, 3]`` -> ``x[:2], x[2:3], x[3:]``).
    """
    ax, n = _split_axis(x, axis, "split")
    if np.ndim(indices_or_sections) == 0:
        sections = operator_index(indices_or_sections, "split")
        if sections <= 0:
            raise ValueError(f"split: the number of sections must be positive, got {sections}")
        if n % sections:
            raise ShapeError(
                f"split: axis {axis} of size {n} (shape {tuple(np.shape(x))}) cannot be split "
                f"into {sections} equal sections; pass cut points or use array_split"
            )
        step = n // sections
        div = [i * step for i in range(sections + 1)]
    else:
        div = [0, *(operator_index(i, "split") for i in np.asarray(indices_or_sections).tolist()), n]
    return _pieces(x, div, ax)


@public(function=np.array_split)
def array_split(x, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Like :func:`split`, but ``N`` sections need not divide the axis evenly.

    The first ``n % N`` pieces get one extra element, as in ``np.array_split``.
    """
    ax, n = _split_axis(x, axis, "array_split")
    if np.ndim(indices_or_sections) == 0:
        sections = operator_index(indices_or_sections, "array_split")
        if sections <= 0:
            raise ValueError(f"array_split: the number of sections must be positive, got {sections}")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        div = [0, *np.cumsum(sizes).tolist()]
    else:
        div = [0, *(operator_index(i, "array_split") for i in np.asarray(indices_or_sections).tolist()), n]
    return _pieces(x, div, ax)


def operator_index(value: Any, opname: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{opname}: expected an integer, got {type(value).__name__} {value!r}") from None
