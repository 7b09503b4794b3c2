"""Spec rows for ops/shape.py."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ac

from .. import strategies as S
from ..opspec import custom, elementwise


@st.composite
def _one(d, min_dims=0, extra=None):
    shape = d(S.shapes(min_dims=min_dims))
    kw = extra(d, shape) if extra else {}
    return [d(S.arrays(shape))], kw


def _reshape_kw(d, shape):
    size = int(np.prod(shape))
    divisors = [k for k in range(1, size + 1) if size % k == 0]
    k = d(st.sampled_from(divisors))
    return {"shape": (k, -1) if size else (0,)}


def _perm_kw(d, shape):
    return {"axes": tuple(d(st.permutations(range(len(shape)))))}


def _two_axes(d, shape):
    n = len(shape)
    return {"axis1": d(st.integers(-n, n - 1)), "axis2": d(st.integers(-n, n - 1))}


def _move_kw(d, shape):
    n = len(shape)
    return {"source": d(st.integers(0, n - 1)), "destination": d(st.integers(-n, n - 1))}


def _bcast_kw(d, shape):
    extra = d(st.lists(st.integers(1, 3), max_size=2))
    target = tuple(extra) + tuple(d(st.sampled_from([s, 3])) if s == 1 else s for s in shape)
    return {"shape": target}


def _squeeze_kw(d, shape):
    ones = [i for i, s in enumerate(shape) if s == 1]
    return {"axis": d(st.sampled_from([None] + ones))}


def _flatten_kw(d, shape):
    n = max(len(shape), 1)
    a = d(st.integers(0, n - 1))
    b = d(st.integers(a, n - 1))
    return {"start_dim": a, "end_dim": b}


def _flatten_ref(x, start_dim, end_dim):
    if x.ndim == 0:
        return x.reshape(1)
    return x.reshape(x.shape[:start_dim] + (-1,) + x.shape[end_dim + 1 :])


SPECS = [
    custom("reshape", ac.reshape, _one(extra=_reshape_kw), np.reshape),
    custom("transpose", ac.transpose, _one(extra=_perm_kw), np.transpose),
    custom("swapaxes", ac.swapaxes, _one(min_dims=1, extra=_two_axes), np.swapaxes),
    custom("moveaxis", ac.moveaxis, _one(min_dims=1, extra=_move_kw), np.moveaxis),
    custom("broadcast_to", ac.broadcast_to, _one(extra=_bcast_kw), np.broadcast_to),
    custom("squeeze", ac.squeeze, _one(extra=_squeeze_kw), np.squeeze),
    custom(
        "expand_dims",
        ac.expand_dims,
        _one(extra=lambda d, s: {"axis": d(st.integers(-len(s) - 1, len(s)))}),
        np.expand_dims,
    ),
    custom("flatten", ac.flatten, _one(extra=_flatten_kw), _flatten_ref),
    elementwise("clone", ac.clone, np.copy),
]


# ---- tile, repeat, pad, flip, roll, tril, triu ----------------------------------------


def _tile_kw(d, shape):
    reps = d(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), max_size=4).map(tuple)))
    return {"reps": reps}


def _repeat_kw(d, shape):
    n = len(shape)
    axis = d(st.one_of(st.none(), st.integers(-n, n - 1))) if n else None
    length = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = d(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=length, max_size=length)))
    return {"repeats": repeats, "axis": axis}


def _pad_kw(d, shape):
    n = len(shape)
    pair = st.tuples(st.integers(0, 3), st.integers(0, 3))
    forms = [st.integers(0, 3), pair, pair.map(lambda p: (p,))]
    if n:
        forms.append(st.lists(pair, min_size=n, max_size=n).map(tuple))
    width = d(st.one_of(*forms))
    mode = d(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    kw = {"pad_width": width, "mode": mode}
    if mode == "constant":
        kw["constant_values"] = d(st.sampled_from([0, 1.5, -2.0]))
    return kw


def _flip_kw(d, shape):
    n = len(shape)
    if n == 0:
        return {"axis": d(st.sampled_from([None, ()]))}
    tuples = st.lists(st.integers(-n, n - 1), unique_by=lambda a: a % n, max_size=n).map(tuple)
    return {"axis": d(st.one_of(st.none(), st.integers(-n, n - 1), tuples))}


def _roll_kw(d, shape):
    n = len(shape)
    if n == 0 or d(st.booleans()):
        return {"shift": d(st.integers(-5, 5)), "axis": None}
    axes = d(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3))
    if len(axes) == 1 and d(st.booleans()):
        return {"shift": d(st.integers(-5, 5)), "axis": axes[0]}
    return {"shift": tuple(d(st.integers(-5, 5)) for _ in axes), "axis": tuple(axes)}


def _k_kw(d, shape):
    return {"k": d(st.integers(-3, 3))}


SPECS += [
    custom("tile", ac.tile, _one(extra=_tile_kw), np.tile),
    custom("repeat", ac.repeat, _one(extra=_repeat_kw), np.repeat),
    custom("pad", ac.pad, _one(extra=_pad_kw), np.pad, max_examples=25),
    custom("flip", ac.flip, _one(extra=_flip_kw), np.flip),
    custom("roll", ac.roll, _one(extra=_roll_kw), np.roll),
    custom("tril", ac.tril, _one(min_dims=1, extra=_k_kw), np.tril),
    custom("triu", ac.triu, _one(min_dims=1, extra=_k_kw), np.triu),
]
