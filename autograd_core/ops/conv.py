"""Convolution and pooling, vectorised with stride tricks (im2col) and one matmul per call.

Three primitives close under differentiation, so every derivative of any order is
again one of them:

* ``conv2d(x, w)``           — the forward convolution (cross-correlation, like PyTorch);
* ``conv_transpose(g, w)``   — its adjoint in ``x`` (col2im), the input gradient;
* ``conv_weight_grad(x, g)`` — its adjoint in ``w``, the weight gradient.

conv2d' = (conv_transpose, conv_weight_grad); conv_transpose' = (conv2d, conv_weight_grad);
conv_weight_grad' = (conv_transpose, conv2d). Max pooling is indexing's gather
(``GetItem``, flat positions) of each window's first maximum (backward: its scatter-add
``IndexAdd``, whose backward is the gather again); average pooling is a depthwise
convolution with a constant kernel.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import ShapeError
from ..function import Op
from ..tensor import Tensor, as_operand
from ._registry import public
from .arithmetic import tangent_sum
from .indexing import GetItem, flat_index


class Geometry(NamedTuple):
    """Hyper-parameters of a 2-D convolution: stride, (top, bottom, left, right) padding, …"""

    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int


def _pair(v, name: str, opname: str) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    v = tuple(int(i) for i in v)
    if len(v) != 2:
        raise ValueError(f"{opname}: {name} must be an int or a pair, got {v}")
    return v


def out_size(size: int, k: int, stride: int, pad_lo: int, pad_hi: int, dilation: int) -> int:
    return (size + pad_lo + pad_hi - dilation * (k - 1) - 1) // stride + 1


def _windows(xp: np.ndarray, kh: int, kw: int, geo: Geometry, ho: int, wo: int) -> np.ndarray:
    """A (N, C, Ho, Wo, kh, kw) view of every receptive field of the padded input."""
    sn, sc, sh, sw = xp.strides
    (s0, s1), (d0, d1) = geo.stride, geo.dilation
    shape = (xp.shape[0], xp.shape[1], ho, wo, kh, kw)
    return as_strided(xp, shape, (sn, sc, sh * s0, sw * s1, sh * d0, sw * d1), writeable=False)


def _pad(x: np.ndarray, geo: Geometry) -> np.ndarray:
    pt, pb, pl, pr = geo.padding
    if pt or pb or pl or pr:
        n, c, h, w = x.shape
        xp = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=x.dtype)
        xp[:, :, pt : pt + h, pl : pl + w] = x
        return xp
    return x


def _columns(x: np.ndarray, kh: int, kw: int, geo: Geometry):
    """im2col: (N, G, Cg*kh*kw, Ho*Wo) patches of the padded input, and (Ho, Wo).

    Batch-major, output pixels fastest: the copy reads rows of the input in order and
    the product with the weight lands directly in NCHW order (no output transpose).
    """
    n, c, h, w = x.shape
    pt, pb, pl, pr = geo.padding
    ho = out_size(h, kh, geo.stride[0], pt, pb, geo.dilation[0])
    wo = out_size(w, kw, geo.stride[1], pl, pr, geo.dilation[1])
    g = geo.groups
    win = _windows(_pad(x, geo), kh, kw, geo, ho, wo).reshape(n, g, c // g, ho, wo, kh, kw)
    cols = win.transpose(0, 1, 2, 5, 6, 3, 4).reshape(n, g, (c // g) * kh * kw, ho * wo)
    return cols, ho, wo


class Conv2d(Op):
    """conv2d(x, w) + b, with the bias optional (``b=None``) and added in place."""

    name = "conv2d"
    save_inputs = (0, 1)

    def forward(self, x, w, b, geo):
        n = x.shape[0]
        o, cg, kh, kw = w.shape
        g = geo.groups
        cols, ho, wo = _columns(x, kh, kw, geo)
        out = np.matmul(w.reshape(g, o // g, cg * kh * kw), cols)  # (N, G, O/G, Ho*Wo)
        self.ctx = (geo, cols)  # the patches are reused by the weight gradient
        out = out.reshape(n, o, ho, wo)
        if b is not None:
            out += b.reshape(1, o, 1, 1)  # a fresh array: no copy for the bias
        return out

    def backward(self, grad, x, w):
        geo, cols = self.ctx
        gx = ConvTranspose.fn(grad, w, geo=geo, hw=x.shape[2:]) if self.needs_grad[0] else None
        gw = None
        if self.needs_grad[1]:
            if isinstance(grad, np.ndarray):
                gw = _weight_grad(cols, grad, w.shape, geo)
            else:
                gw = ConvWeightGrad.fn(x, grad, geo=geo, kshape=w.shape)
        gb = grad.sum(axis=(0, 2, 3)) if self.needs_grad[2] else None
        return gx, gw, gb

    def jvp(self, tangents, x, w):
        # bilinear in (x, w), affine in b
        tx, tw, tb = tangents
        geo, _ = self.ctx
        return tangent_sum(
            None if tx is None else Conv2d.fn(tx, w, None, geo=geo),
            None if tw is None else Conv2d.fn(x, tw, None, geo=geo),
            None if tb is None else tb.reshape(1, -1, 1, 1),
        )


def _weight_grad(cols: np.ndarray, grad: np.ndarray, kshape, geo: Geometry) -> np.ndarray:
    """Σ_n grad_n · cols_nᵀ per group: (G, O/G, K) reshaped to the kernel's shape."""
    n, o, ho, wo = grad.shape
    g = geo.groups
    gm = grad.reshape(n, g, o // g, ho * wo)
    # N small products summed: measured faster than one big product after transposes
    return np.matmul(gm, cols.swapaxes(-1, -2)).sum(axis=0).reshape(kshape)


class ConvWeightGrad(Op):
    """d/dw <g, conv2d(x, w)>: bilinear in (x, g)."""

    name = "conv2d_weight_grad"
    save_inputs = (0, 1)

    def forward(self, x, grad, geo, kshape):
        self.ctx = geo
        cols, _, _ = _columns(x, kshape[2], kshape[3], geo)
        return _weight_grad(cols, grad, kshape, geo)

    def backward(self, v, x, grad):
        geo = self.ctx
        gx = ConvTranspose.fn(grad, v, geo=geo, hw=x.shape[2:]) if self.needs_grad[0] else None
        gg = Conv2d.fn(x, v, None, geo=geo) if self.needs_grad[1] else None
        return gx, gg

    def jvp(self, tangents, x, grad):
        tx, tg = tangents
        geo, kshape = self.ctx, self.out_shape
        return tangent_sum(
            None if tx is None else ConvWeightGrad.fn(tx, grad, geo=geo, kshape=kshape),
            None if tg is None else ConvWeightGrad.fn(x, tg, geo=geo, kshape=kshape),
        )


class ConvTranspose(Op):
    """The adjoint of conv2d in its input (col2im): scatters each patch back and sums."""

    name = "conv_transpose2d"
    save_inputs = (0, 1)

    def forward(self, grad, w, geo, hw):
        self.ctx = geo
        n, o, ho, wo = grad.shape
        _, cg, kh, kw = w.shape
        g = geo.groups
        c = cg * g
        pt, pb, pl, pr = geo.padding
        h, wd = hw
        hp, wp = h + pt + pb, wd + pl + pr
        (s0, s1), (d0, d1) = geo.stride, geo.dilation
        wt = w.reshape(g, o // g, cg * kh * kw).transpose(0, 2, 1)
        wide = s0 == 1 and s1 == 1
        if wide:
            # Stride 1: give the gradient rows the padded width, so that every kernel tap
            # adds one contiguous run of ho*wp elements to the flat padded output (the
            # extra columns are zeros and add nothing).
            gm = np.zeros((n, o, ho, wp), dtype=grad.dtype)
            gm[:, :, :, :wo] = grad
            run = ho * wp
            out = np.zeros((n, c, hp * wp + d1 * (kw - 1)), dtype=np.result_type(grad, w))
        else:
            gm = grad
            run = ho * wo
            out = np.zeros((n, c, hp, wp), dtype=np.result_type(grad, w))
        gm = gm.reshape(n, g, o // g, run)
        step = max(1, (1 << 19) // max(1, c * kh * kw * run))  # images per chunk: patches stay in cache
        for s in range(0, n, step):
            cols = np.matmul(wt, gm[s : s + step]).reshape(-1, c, kh, kw, run)
            chunk = out[s : s + step]
            for a in range(kh):  # a loop over kernel taps only (9 for 3x3), never pixels
                for b in range(kw):
                    if wide:
                        off = a * d0 * wp + b * d1
                        chunk[:, :, off : off + run] += cols[:, :, a, b]
                    else:
                        rows = slice(a * d0, a * d0 + s0 * (ho - 1) + 1, s0)
                        cols_ = slice(b * d1, b * d1 + s1 * (wo - 1) + 1, s1)
                        chunk[:, :, rows, cols_] += cols[:, :, a, b].reshape(-1, c, ho, wo)
        if wide:
            out = out[:, :, : hp * wp].reshape(n, c, hp, wp)
        if pt or pb or pl or pr:
            return np.ascontiguousarray(out[:, :, pt : pt + h, pl : pl + wd])
        return out

    def backward(self, v, grad, w):
        geo = self.ctx
        gg = Conv2d.fn(v, w, None, geo=geo) if self.needs_grad[0] else None
        gw = ConvWeightGrad.fn(v, grad, geo=geo, kshape=w.shape) if self.needs_grad[1] else None
        return gg, gw

    def jvp(self, tangents, grad, w):
        tg, tw = tangents
        geo, hw = self.ctx, self.out_shape[2:]
        return tangent_sum(
            None if tg is None else ConvTranspose.fn(tg, w, geo=geo, hw=hw),
            None if tw is None else ConvTranspose.fn(grad, tw, geo=geo, hw=hw),
        )


def _geometry(x_shape, w_shape, stride, padding, dilation, groups, opname) -> Geometry:
    if len(x_shape) != 4:
        raise ShapeError(f"{opname}: expected a 4-D input (N, C, H, W), got shape {tuple(x_shape)}")
    if len(w_shape) != 4:
        raise ShapeError(
            f"{opname}: expected a 4-D weight (out, in/groups, kH, kW), got shape {tuple(w_shape)}"
        )
    n, c, h, w = x_shape
    o, cg, kh, kw = w_shape
    if groups < 1 or c % groups or o % groups:
        raise ValueError(
            f"{opname}: groups={groups} must divide both input channels {c} and output channels {o}"
        )
    if cg * groups != c:
        raise ShapeError(
            f"{opname}: input has {c} channels (shape {tuple(x_shape)}) but the weight of shape "
            f"{tuple(w_shape)} expects {cg * groups} (in/groups={cg}, groups={groups})"
        )
    stride = _pair(stride, "stride", opname)
    dilation = _pair(dilation, "dilation", opname)
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{opname}: stride {stride} and dilation {dilation} must be positive")
    if isinstance(padding, str):
        if padding == "valid":
            pad = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{opname}: padding='same' needs stride 1, got {stride}")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pad = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ValueError(f"{opname}: padding must be 'same', 'valid', an int or a pair, got {padding!r}")
    else:
        ph, pw = _pair(padding, "padding", opname)
        if ph < 0 or pw < 0:
            raise ValueError(f"{opname}: padding must be non-negative, got {(ph, pw)}")
        pad = (ph, ph, pw, pw)
    eff_h, eff_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if eff_h > h + pad[0] + pad[1] or eff_w > w + pad[2] + pad[3]:
        raise ShapeError(
            f"{opname}: kernel of size {(eff_h, eff_w)} (with dilation) is larger than the padded "
            f"input {(h + pad[0] + pad[1], w + pad[2] + pad[3])} (input shape {tuple(x_shape)})"
        )
    return Geometry(stride, pad, dilation, groups)


@public()
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D cross-correlation of ``x`` (N, C, H, W) with ``weight`` (O, C/groups, kH, kW).

    ``padding`` is an int, a pair, ``'valid'`` or ``'same'`` (stride 1). Output
    (N, O, H', W') with H' = ⌊(H + 2p - d(k-1) - 1)/s⌋ + 1. Gradients are the
    transposed convolution (input) and the patch-gradient correlation (weight).
    """
    x, weight = as_operand(x), as_operand(weight)
    geo = _geometry(np.shape(x), np.shape(weight), stride, padding, dilation, groups, "conv2d")
    if bias is not None:
        bias = as_operand(bias)
        if np.shape(bias) != (np.shape(weight)[0],):
            raise ShapeError(f"conv2d: bias must have shape ({np.shape(weight)[0]},), got {np.shape(bias)}")
    return Conv2d.apply(x, weight, bias, geo=geo)


@public()
def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D cross-correlation of ``x`` (N, C, L) with ``weight`` (O, C/groups, k)."""
    x, weight = as_operand(x), as_operand(weight)
    xs, ws = np.shape(x), np.shape(weight)
    if len(xs) != 3:
        raise ShapeError(f"conv1d: expected a 3-D input (N, C, L), got shape {tuple(xs)}")
    if len(ws) != 3:
        raise ShapeError(f"conv1d: expected a 3-D weight (out, in/groups, k), got shape {tuple(ws)}")
    pad = padding if isinstance(padding, str) else (0, _single(padding))
    out = conv2d(
        x.reshape(xs[0], xs[1], 1, xs[2]),
        weight.reshape(ws[0], ws[1], 1, ws[2]),
        bias,
        stride=(1, _single(stride)),
        padding=pad,
        dilation=(1, _single(dilation)),
        groups=groups,
    )
    s = out.shape
    return out.reshape(s[0], s[1], s[3])


def _single(v) -> int:
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"conv1d: expected one value, got {v}")
        return int(v[0])
    return int(v)


# ---- pooling -----------------------------------------------------------------------------


def _pool_args(x, kernel_size, stride, padding, ceil_mode, opname: str):
    """Checked pooling arguments: (x, its shape, kernel, stride, padding) as int pairs."""
    x = as_operand(x)
    xs = np.shape(x)
    if len(xs) != 4:
        raise ShapeError(f"{opname}: expected a 4-D input (N, C, H, W), got shape {tuple(xs)}")
    if ceil_mode:
        raise ValueError(f"{opname}: ceil_mode=True is not supported")
    kh, kw = _pair(kernel_size, "kernel_size", opname)
    stride = (kh, kw) if stride is None else _pair(stride, "stride", opname)
    ph, pw = _pair(padding, "padding", opname)
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{opname}: padding {(ph, pw)} must be at most half the kernel {(kh, kw)}")
    return x, xs, (kh, kw), stride, (ph, pw)


@public()
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """Max over each window of ``x`` (N, C, H, W); the gradient goes to the first maximum.

    Padding counts as -inf (never the maximum). ``ceil_mode`` is not supported.
    """
    x, xs, (kh, kw), stride, (ph, pw) = _pool_args(x, kernel_size, stride, padding, ceil_mode, "max_pool2d")
    geo = Geometry(stride, (ph, ph, pw, pw), _pair(dilation, "dilation", "max_pool2d"), 1)
    n, c, h, w = xs
    eff = (geo.dilation[0] * (kh - 1) + 1, geo.dilation[1] * (kw - 1) + 1)
    if eff[0] > h + 2 * ph or eff[1] > w + 2 * pw:
        raise ShapeError(
            f"max_pool2d: kernel {eff} is larger than the padded input of shape {(h + 2 * ph, w + 2 * pw)}"
        )
    index = _max_index(x.data if isinstance(x, Tensor) else np.asarray(x), kh, kw, geo)
    # windows that do not overlap pick distinct elements: the backward is an assignment
    unique = stride[0] >= eff[0] and stride[1] >= eff[1]
    idx, plan = flat_index(index, unique)
    return GetItem.apply(x, index=idx, plan=plan, opname="max_pool2d")


def _max_index(x: np.ndarray, kh: int, kw: int, geo: Geometry) -> np.ndarray:
    """Flat index (into x) of the first maximum of every window: shape (N, C, Ho, Wo)."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = geo.padding
    ho = out_size(h, kh, geo.stride[0], pt, pb, geo.dilation[0])
    wo = out_size(w, kw, geo.stride[1], pl, pr, geo.dilation[1])
    xp = x
    if pt or pb or pl or pr:
        xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=-np.inf)
    (s0, s1), (d0, d1) = geo.stride, geo.dilation
    best = arg = better = step = None
    small = np.int8 if kh * kw <= 127 else np.int32
    for a in range(kh):  # a running max over the kernel taps (strided views, in-place updates)
        for b in range(kw):
            tap = xp[:, :, a * d0 : a * d0 + s0 * (ho - 1) + 1 : s0, b * d1 : b * d1 + s1 * (wo - 1) + 1 : s1]
            if best is None:
                best = np.array(tap)
                arg = np.zeros(tap.shape, small)
                better, step = np.empty(tap.shape, bool), np.empty(tap.shape, small)
            else:
                np.greater(tap, best, out=better)  # strict: ties keep the first maximum
                # taps come in increasing order, so the last strictly better tap is the
                # largest k with better_k: arg = max(arg, k·better) (no masked writes)
                np.multiply(better, small(a * kw + b), out=step)
                np.maximum(arg, step, out=arg)
                np.maximum(best, tap, out=best)
    # flat index = image offset + window origin + tap offset (a gather from a tiny table)
    taps = (np.arange(kh)[:, None] * d0 * w + np.arange(kw)[None, :] * d1).ravel()
    origin = (np.arange(ho)[:, None] * s0 - pt) * w + (np.arange(wo)[None, :] * s1 - pl)
    image = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    index = np.take(taps, arg)
    index += image
    index += origin
    return index


@public()
def avg_pool2d(
    x,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
):
    """Mean over each window of ``x`` (N, C, H, W) (a depthwise convolution with 1/k²).

    ``count_include_pad=True`` (PyTorch's default) divides by the full window size.
    """
    x, xs, (kh, kw), stride, (ph, pw) = _pool_args(x, kernel_size, stride, padding, ceil_mode, "avg_pool2d")
    c = xs[1]
    dtype = x.dtype if hasattr(x, "dtype") else np.float64
    ones = np.ones((c, 1, kh, kw), dtype=dtype)
    summed = conv2d(x, ones, stride=stride, padding=(ph, pw), groups=c)
    if divisor_override is not None:
        return summed / divisor_override
    if count_include_pad or (ph == 0 and pw == 0):
        return summed * (1.0 / (kh * kw))
    counts = conv2d(
        np.ones((1, 1) + xs[2:], dtype), np.ones((1, 1, kh, kw), dtype), stride=stride, padding=(ph, pw)
    )
    return summed / counts.data


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) averaging matrix with PyTorch's bins [⌊i·n/o⌋, ⌈(i+1)·n/o⌉)."""
    m = np.zeros((out, size), dtype=dtype)
    for i in range(out):  # loop over output positions of one axis (small), not pixels
        lo, hi = (i * size) // out, -(-((i + 1) * size) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


@public()
def adaptive_avg_pool2d(x, output_size):
    """Average-pool ``x`` (N, C, H, W) to ``output_size`` with PyTorch's adaptive bins."""
    x = as_operand(x)
    xs = np.shape(x)
    if len(xs) != 4:
        raise ShapeError(f"adaptive_avg_pool2d: expected a 4-D input (N, C, H, W), got shape {tuple(xs)}")
    oh, ow = _pair(output_size, "output_size", "adaptive_avg_pool2d") if output_size is not None else xs[2:]
    oh = xs[2] if oh is None else oh
    ow = xs[3] if ow is None else ow
    dtype = x.dtype if hasattr(x, "dtype") else np.float64
    ph = _adaptive_matrix(xs[2], oh, dtype)
    pw = _adaptive_matrix(xs[3], ow, dtype)
    return (ph @ x) @ pw.T
