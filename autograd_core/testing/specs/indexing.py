"""Spec rows for ops/indexing.py: every kind of NumPy index, repeated positions included."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac

from .. import strategies as S
from ..opspec import custom

_FULL = slice(None)


@st.composite
def int_arrays(d, n: int, shapes=((), (1,), (2,), (3,), (5,), (2, 2), (2, 3))):
    """Integer index arrays for an axis of size ``n``: negative and repeated values likely."""
    shape = d(st.sampled_from(shapes))
    return d(hnp.arrays(np.intp, shape, elements=st.integers(-n, n - 1)))


@st.composite
def indices(d, shape: tuple) -> object:
    """A valid NumPy index for an array of ``shape`` (possibly holding Tensors and lists).

    Covers basic indices (ints, slices incl. negative steps, None, ...), boolean
    masks (arrays and bool tensors), one integer array on any axis (written with
    leading slices or ``...``), int tensors, lists, integer arrays on every axis, and
    mixes of ints, slices and broadcast integer arrays (advanced axes adjacent or
    separated, which moves them to the front).
    """
    ndim = len(shape)
    kinds = ["basic", "bool"]
    if ndim >= 1:
        kinds += ["int", "int_tensor", "list", "all_int"]
    if ndim >= 2:
        kinds += ["mixed"]
    kind = d(st.sampled_from(kinds))
    if kind == "basic":
        return d(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "bool":
        k = d(st.integers(0, ndim))
        mask = d(hnp.arrays(np.bool_, shape[:k]))
        first = ac.tensor(mask) if d(st.booleans()) else mask
        if k < ndim and d(st.booleans()):
            return (first, d(st.integers(-shape[k], shape[k] - 1)))
        return (first, Ellipsis) if d(st.booleans()) else first
    if kind == "int":
        axis = d(st.integers(0, ndim - 1))
        arr = d(int_arrays(shape[axis]))
        if d(st.booleans()):
            return (_FULL,) * axis + (arr,)
        return (Ellipsis, arr) + (_FULL,) * (ndim - axis - 1)
    if kind == "int_tensor":
        return ac.tensor(d(int_arrays(shape[0], shapes=((1,), (3,), (2, 2)))))
    if kind == "list":
        return d(int_arrays(shape[0], shapes=((1,), (4,), (2, 3)))).tolist()
    if kind == "all_int":
        return d(
            hnp.integer_array_indices(
                shape, result_shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)
            )
        )
    # mixed: per axis an int, a slice or a (broadcast) integer array, maybe a None
    arr_shape = d(st.sampled_from([(1,), (2,), (3,), (2, 1)]))
    items = []
    for n in shape:
        choice = d(st.sampled_from(["slice", "int", "array"]))
        if choice == "slice":
            items.append(d(st.slices(n)))
        elif choice == "int":
            items.append(d(st.integers(-n, n - 1)))
        else:
            items.append(d(hnp.arrays(np.intp, arr_shape, elements=st.integers(-n, n - 1))))
    if d(st.booleans()):
        items.insert(d(st.integers(0, len(items))), None)
    return tuple(items)


def plain(index):
    """The same index with Tensors replaced by their arrays (for NumPy references)."""
    if isinstance(index, ac.Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, ac.Tensor) else i for i in index)
    return index


def _getitem_ref(x, index):
    return np.asarray(x[plain(index)])


@st.composite
def _getitem_inputs(d):
    shape = d(S.shapes())
    return [d(S.arrays(shape))], {"index": d(indices(shape))}


@st.composite
def _take_inputs(d):
    shape = d(S.shapes())
    ndim = len(shape)
    axis = d(st.sampled_from([None] + list(range(-ndim, ndim))))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    mode = d(st.sampled_from(["raise", "wrap", "clip"]))
    lo, hi = (-n, n - 1) if mode == "raise" else (-2 * n - 1, 2 * n + 1)
    idx_shape = d(st.sampled_from([(), (1,), (4,), (2, 3)]))
    idx = d(hnp.arrays(np.intp, idx_shape, elements=st.integers(lo, hi)))
    return [d(S.arrays(shape))], {"indices": idx, "axis": axis, "mode": mode}


SPECS = [
    custom("getitem", ac.getitem, _getitem_inputs(), _getitem_ref, max_examples=40),
    custom("take", ac.take, _take_inputs(), np.take, max_examples=20),
]
