"""Spec rows for ops/conv.py (small shapes: gradcheck costs two forwards per element)."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ac

from .. import strategies as S
from ..opspec import custom


def _ref_conv2d(x, w, stride=1, padding=0, dilation=1, groups=1):
    """Direct definition: a loop over output pixels (the test's reference)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    wo = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, ho, wo))
    per = o // groups
    for oc in range(o):
        g = oc // per
        for i in range(ho):
            for j in range(wo):
                r, q = i * stride, j * stride
                patch = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    r : r + dilation * (kh - 1) + 1 : dilation,
                    q : q + dilation * (kw - 1) + 1 : dilation,
                ]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out


@st.composite
def _conv_inputs(d):
    groups = d(st.sampled_from([1, 1, 2]))
    c = groups * d(st.integers(1, 2))
    o = groups * d(st.integers(1, 2))
    kh, kw = d(st.integers(1, 3)), d(st.integers(1, 3))
    stride, padding, dilation = d(st.integers(1, 2)), d(st.integers(0, 1)), d(st.integers(1, 2))
    h = d(st.integers(dilation * (kh - 1) + 1, 5))
    w = d(st.integers(dilation * (kw - 1) + 1, 5))
    x = d(S.arrays((d(st.integers(1, 2)), c, h, w)))
    k = d(S.arrays((o, c // groups, kh, kw)))
    return [x, k], {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


@st.composite
def _conv1d_inputs(d):
    k = d(st.integers(1, 3))
    x = d(S.arrays((d(st.integers(1, 2)), 2, d(st.integers(k, 6)))))
    w = d(S.arrays((d(st.integers(1, 3)), 2, k)))
    return [x, w], {"padding": d(st.integers(0, 1))}


def _ref_conv1d(x, w, padding=0):
    return _ref_conv2d(x[:, :, None, :], w[:, :, None, :], padding=padding)[:, :, padding]


@st.composite
def _pool_inputs(d):
    k = d(st.integers(1, 3))
    stride = d(st.integers(1, 2))
    padding = d(st.integers(0, k // 2))
    x = d(S.arrays((1, d(st.integers(1, 2)), d(st.integers(k, 5)), d(st.integers(k, 5)))))
    return [x], {"kernel_size": k, "stride": stride, "padding": padding}


def _distinct(arrays_kw):
    (x,), _ = arrays_kw
    flat = np.sort(x.ravel())
    return flat.size < 2 or np.min(np.diff(flat)) > 1e-3


def _ref_pool(x, kernel_size, stride, padding, how):
    n, c, h, w = x.shape
    k = kernel_size
    fill = -np.inf if how == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    ho = (h + 2 * padding - k) // stride + 1
    wo = (w + 2 * padding - k) // stride + 1
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            out[:, :, i, j] = win.max(axis=(2, 3)) if how == "max" else win.mean(axis=(2, 3))
    return out


@st.composite
def _adaptive_inputs(d):
    x = d(S.arrays((1, 2, d(st.integers(1, 6)), d(st.integers(1, 6)))))
    return [x], {"output_size": (d(st.integers(1, x.shape[2])), d(st.integers(1, x.shape[3])))}


def _ref_adaptive(x, output_size):
    n, c, h, w = x.shape
    oh, ow = output_size
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return out


SPECS = [
    custom("conv2d", ac.conv2d, _conv_inputs(), _ref_conv2d, max_examples=8),
    custom("conv1d", ac.conv1d, _conv1d_inputs(), _ref_conv1d, max_examples=8),
    custom(
        "max_pool2d",
        ac.max_pool2d,
        _pool_inputs().filter(_distinct),
        lambda x, **kw: _ref_pool(x, how="max", **kw),
        max_examples=8,
    ),
    custom(
        "avg_pool2d",
        ac.avg_pool2d,
        _pool_inputs(),
        lambda x, **kw: _ref_pool(x, how="avg", **kw),
        max_examples=8,
    ),
    custom("adaptive_avg_pool2d", ac.adaptive_avg_pool2d, _adaptive_inputs(), _ref_adaptive, max_examples=8),
]
