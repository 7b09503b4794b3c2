"""Spec rows for ops/join.py: any number of inputs, empty pieces and 0-d inputs included."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ac

from .. import strategies as S
from ..opspec import custom


def _with_axis_size(shape: tuple, axis: int, size: int) -> tuple:
    axis %= len(shape)
    return shape[:axis] + (size,) + shape[axis + 1 :]


@st.composite
def _concat_inputs(d):
    k = d(st.integers(1, 3))
    if d(st.integers(0, 4)) == 0:  # axis=None flattens, so shapes (0-d included) may differ
        shapes = [d(S.shapes()) for _ in range(k)]
        return [d(S.arrays(s)) for s in shapes], {"axis": None}
    base = d(S.shapes(min_dims=1))
    axis = d(st.integers(-len(base), len(base) - 1))
    sizes = [d(st.integers(0, 3)) for _ in range(k)]
    if not any(sizes):
        sizes[0] = 1
    return [d(S.arrays(_with_axis_size(base, axis, s))) for s in sizes], {"axis": axis}


@st.composite
def _stack_inputs(d):
    shape = d(S.shapes())
    k = d(st.integers(1, 3))
    axis = d(st.integers(-len(shape) - 1, len(shape)))
    return [d(S.arrays(shape)) for _ in range(k)], {"axis": axis}


@st.composite
def _hstack_inputs(d):
    k = d(st.integers(1, 3))
    base = d(S.shapes(max_dims=3))
    axis = 0 if len(base) <= 1 else 1
    if not base:
        return [d(S.arrays(d(st.sampled_from([(), (2,)])))) for _ in range(k)], {}
    return [d(S.arrays(_with_axis_size(base, axis, d(st.integers(1, 3))))) for _ in range(k)], {}


@st.composite
def _vstack_inputs(d):
    k = d(st.integers(1, 3))
    base = d(S.shapes(max_dims=3))
    if len(base) <= 1:  # 0-d and (n,) inputs become rows (1, n): their lengths must agree
        n = base[0] if base else 1
        return [d(S.arrays(d(st.sampled_from([(n,), ()] if n == 1 else [(n,)])))) for _ in range(k)], {}
    return [d(S.arrays(_with_axis_size(base, 0, d(st.integers(1, 3))))) for _ in range(k)], {}


@st.composite
def _split_inputs(d, even: bool):
    shape = d(S.shapes(min_dims=1))
    axis = d(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    if d(st.booleans()):
        if even:
            sections = d(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
        else:
            sections = d(st.integers(1, n + 2))
    else:
        sections = d(st.lists(st.integers(-n, n + 1), max_size=3))
    return [d(S.arrays(shape))], {"indices_or_sections": sections, "axis": axis}


SPECS = [
    custom(
        "concatenate",
        lambda *xs, axis: ac.concatenate(xs, axis=axis),
        _concat_inputs(),
        lambda *xs, axis: np.concatenate(xs, axis=axis),
        max_examples=20,
    ),
    custom(
        "stack",
        lambda *xs, axis: ac.stack(xs, axis=axis),
        _stack_inputs(),
        lambda *xs, axis: np.stack(xs, axis=axis),
        max_examples=20,
    ),
    custom("hstack", lambda *xs: ac.hstack(xs), _hstack_inputs(), lambda *xs: np.hstack(xs)),
    custom("vstack", lambda *xs: ac.vstack(xs), _vstack_inputs(), lambda *xs: np.vstack(xs)),
    custom("split", ac.split, _split_inputs(even=True), np.split, max_examples=20),
    custom("array_split", ac.array_split, _split_inputs(even=False), np.array_split, max_examples=20),
]
