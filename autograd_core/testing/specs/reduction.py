"""Spec rows for ops/reduction.py.

References are plain NumPy. A 0-d input with ``axis=0``/``-1`` is an identity
reduction in autograd_core (as in ``np.sum``); ``np.mean``/``np.var`` reject it, so
the references map it to ``axis=()``.
"""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ac

from .. import strategies as S
from ..opspec import axes_for, custom, reduction


def _ax(x, axis):
    return () if (x.ndim == 0 and axis is not None) else axis


def _mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=_ax(x, axis), keepdims=keepdims)


def _var(x, axis=None, keepdims=False, ddof=0):
    return np.var(x, axis=_ax(x, axis), keepdims=keepdims, ddof=ddof)


def _std(x, axis=None, keepdims=False, ddof=0):
    return np.std(x, axis=_ax(x, axis), keepdims=keepdims, ddof=ddof)


def _logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=_ax(x, axis), keepdims=keepdims))


def _distinct(a):
    """Distinct, well-separated values (no ties for max/min/argmax, no constant slices)."""
    ranks = np.argsort(np.argsort(a.ravel())).reshape(a.shape)
    return (ranks - a.size / 2) * 0.1 + 0.01 * a


def _slice_size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes])) if shape else 1


@st.composite
def _var_inputs(d, unique=False):
    shape = d(S.shapes())
    a = d(S.arrays(shape))
    if unique:
        a = _distinct(a)
    axis = d(axes_for(len(shape)))
    n = _slice_size(shape, axis) if len(shape) else 1
    ddof = d(st.sampled_from([0, 1])) if n >= 2 else 0
    return [a], {"axis": axis, "keepdims": d(st.booleans()), "ddof": ddof}


@st.composite
def _arg_inputs(d):
    shape = d(S.shapes())
    a = _distinct(d(S.arrays(shape)))
    n = len(shape)
    axis = d(st.sampled_from([None, 0, -1])) if n == 0 else d(st.one_of(st.none(), st.integers(-n, n - 1)))
    return [a], {"axis": axis, "keepdims": d(st.booleans())}


@st.composite
def _cumsum_inputs(d):
    shape = d(S.shapes())
    n = len(shape)
    axis = d(st.sampled_from([None, 0, -1])) if n == 0 else d(st.one_of(st.none(), st.integers(-n, n - 1)))
    return [d(S.arrays(shape))], {"axis": axis}


@st.composite
def _softmax_inputs(d):
    shape = d(S.shapes())
    axis = d(st.one_of(st.integers(-len(shape), len(shape) - 1), axes_for(len(shape)))) if shape else -1
    return [d(S.arrays(shape, -4.0, 4.0))], {"axis": axis}


def _softmax(x, axis=-1):
    axis = _ax(x, axis)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    axis = _ax(x, axis)
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


_ORDS = [None, 2, "fro", 1, np.inf, -np.inf, 0, 3, 0.5, -1]


@st.composite
def _norm_inputs(d):
    shape = d(S.shapes())
    a = d(S.arrays(shape))
    ranks = np.argsort(np.argsort(np.abs(a).ravel())).reshape(shape)
    signs = np.where(d(S.arrays(shape)) >= 0, 1.0, -1.0)
    a = signs * (0.3 + 0.1 * ranks + 0.01 * np.abs(a))  # nonzero, distinct magnitudes
    kw = {"ord": d(st.sampled_from(_ORDS)), "axis": d(axes_for(len(shape))), "keepdims": d(st.booleans())}
    return [a], kw


def _norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm over the reduced axes, via np.linalg.norm on a flattened copy."""
    nd = x.ndim
    axes = tuple(range(nd)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    axes = tuple(sorted({a % nd for a in axes})) if nd else ()
    rest = [i for i in range(nd) if i not in axes]
    moved = np.transpose(x, rest + list(axes)).reshape([x.shape[i] for i in rest] + [-1])
    out = np.linalg.norm(moved, ord=None if ord == "fro" else ord, axis=-1)
    if keepdims:
        out = out.reshape([1 if i in axes else s for i, s in enumerate(x.shape)])
    return out


SPECS = [
    reduction("sum", ac.sum, np.sum),
    reduction("mean", ac.mean, _mean),
    custom("var", ac.var, _var_inputs(), _var),
    custom("std", ac.std, _var_inputs(unique=True), _std),
    reduction("prod", ac.prod, np.prod),
    reduction("max", ac.max, np.max, unique=True),
    reduction("min", ac.min, np.min, unique=True),
    reduction("logsumexp", ac.logsumexp, _logsumexp, low=-5.0, high=5.0),
    custom("norm", ac.norm, _norm_inputs(), _norm),
    custom("argmax", ac.argmax, _arg_inputs(), np.argmax, differentiable=False),
    custom("argmin", ac.argmin, _arg_inputs(), np.argmin, differentiable=False),
    custom("cumsum", ac.cumsum, _cumsum_inputs(), np.cumsum),
    custom("softmax", ac.softmax, _softmax_inputs(), _softmax),
    custom("log_softmax", ac.log_softmax, _softmax_inputs(), _log_softmax),
]
