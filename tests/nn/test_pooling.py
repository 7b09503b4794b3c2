"""Pooling (max, average, adaptive average) against naive loops over windows."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.errors import ShapeError
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _windows(h, w, k, s, p, d):
    """Yield (i, j, [(r, c), ...]) for every output cell: the window's positions in the padded input."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = map(_pair, (k, s, p, d))
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    for i in range(ho):
        for j in range(wo):
            yield (
                i,
                j,
                [(i * sh + a * dh - ph, j * sw + b * dw - pw) for a in range(kh) for b in range(kw)],
                (ho, wo),
            )


def naive_max_pool(x, k, s=None, p=0, d=1):
    """Max over each window (padding never wins); grad map: output cell -> first argmax position."""
    s = k if s is None else s
    n, c, h, w = x.shape
    out, where = None, {}
    for i, j, pos, (ho, wo) in _windows(h, w, k, s, p, d):
        if out is None:
            out = np.zeros((n, c, ho, wo))
        for b in range(n):
            for ch in range(c):
                best, arg = -np.inf, None
                for r, q in pos:  # row-major order: the first maximum wins ties
                    if 0 <= r < h and 0 <= q < w and x[b, ch, r, q] > best:
                        best, arg = x[b, ch, r, q], (r, q)
                out[b, ch, i, j] = best
                where[b, ch, i, j] = arg
    return out, where


def naive_avg_pool(x, k, s=None, p=0, count_include_pad=True, divisor_override=None):
    s = k if s is None else s
    n, c, h, w = x.shape
    out = None
    kh, kw = _pair(k)
    for i, j, pos, (ho, wo) in _windows(h, w, k, s, p, 1):
        if out is None:
            out = np.zeros((n, c, ho, wo))
        inside = [(r, q) for r, q in pos if 0 <= r < h and 0 <= q < w]
        total = sum(x[:, :, r, q] for r, q in inside)
        if divisor_override:
            div = divisor_override
        else:
            div = kh * kw if count_include_pad else len(inside)
        out[:, :, i, j] = total / div
    return out


@pytest.mark.parametrize(
    "k,s,p,d",
    [
        (2, None, 0, 1),
        (3, 2, 1, 1),
        ((2, 3), (1, 2), (1, 0), 1),
        (3, 1, 1, 2),
        (2, 1, 0, (2, 1)),
        (3, 3, 0, 1),
    ],
)
def test_max_pool2d_values_and_first_max_gradient(k, s, p, d):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 7, 8))
    x[0, 0] = 1.0  # a constant plane: every window is a tie, the first element gets the gradient
    xt = ac.tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, k, s, p, d)
    ref, where = naive_max_pool(x, k, s, p, d)
    np.testing.assert_array_equal(y.data, ref)
    gy = rng.normal(size=ref.shape)
    y.backward(gy)
    gx = np.zeros_like(x)
    for (b, ch, i, j), (r, q) in where.items():
        gx[b, ch, r, q] += gy[b, ch, i, j]
    np.testing.assert_allclose(xt.grad.data, gx, atol=1e-12)


def test_max_pool2d_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(1)
    x = ac.tensor(rng.permutation(2 * 2 * 6 * 5).reshape(2, 2, 6, 5) * 0.1, requires_grad=True)  # no ties
    assert gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1), [x])
    assert gradgradcheck(lambda x: F.max_pool2d(x, 3, 2, 1), [x])
    assert gradgradcheck(lambda x: F.max_pool2d(x, 2), [x])


@pytest.mark.parametrize("k,s", [(2, None), (3, 2)])  # windows apart (unique positions), overlapping
def test_max_pool2d_is_a_named_gather_with_a_scatter_add_backward(k, s):
    x = ac.tensor(np.random.default_rng(2).normal(size=(2, 3, 6, 6)), requires_grad=True)
    y = F.max_pool2d(x, k, s)
    assert y.grad_fn.name == "max_pool2d"
    (gx,) = ac.grad(lambda t: (F.max_pool2d(t, k, s) ** 2).sum(), argnums=(0,))(x)
    assert gx.grad_fn.name == "max_pool2d_backward"


@pytest.mark.parametrize(
    "k,s,p,cip,div",
    [
        (2, None, 0, True, None),
        (3, 2, 1, True, None),
        (3, 2, 1, False, None),
        ((3, 2), (1, 2), (1, 1), False, None),
        (3, 1, 1, True, 4),
    ],
)
def test_avg_pool2d_values_and_gradients(k, s, p, cip, div):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 7, 6))
    xt = ac.tensor(x, requires_grad=True)
    y = F.avg_pool2d(xt, k, s, p, count_include_pad=cip, divisor_override=div)
    np.testing.assert_allclose(y.data, naive_avg_pool(x, k, s, p, cip, div), atol=1e-12)
    # the map is linear: its gradient is the transpose, i.e. <gy, pool(e_j)> for each basis e_j
    gy = rng.normal(size=y.shape)
    y.backward(gy)
    basis_grad = np.zeros(x.size)
    for idx in range(x.size):
        e = np.zeros(x.size)
        e[idx] = 1
        basis_grad[idx] = np.sum(gy * naive_avg_pool(e.reshape(x.shape), k, s, p, cip, div))
    np.testing.assert_allclose(xt.grad.data.reshape(-1), basis_grad, atol=1e-12)


def test_avg_pool2d_gradcheck_and_gradgradcheck():
    x = ac.tensor(np.random.default_rng(3).normal(size=(1, 2, 5, 6)), requires_grad=True)
    for cip in (True, False):

        def f(x, cip=cip):
            return F.avg_pool2d(x, 3, 2, 1, count_include_pad=cip)

        assert gradcheck(f, [x])
        assert gradgradcheck(f, [x])


def naive_adaptive(x, out):
    oh, ow = out
    n, c, h, w = x.shape
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        r0, r1 = math.floor(i * h / oh), math.ceil((i + 1) * h / oh)
        for j in range(ow):
            c0, c1 = math.floor(j * w / ow), math.ceil((j + 1) * w / ow)
            y[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return y


@pytest.mark.parametrize("out", [(1, 1), (3, 2), (5, 7), (2, 4), 3, (None, 2)])
def test_adaptive_avg_pool2d_uses_pytorch_bins(out):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 5, 7))
    xt = ac.tensor(x, requires_grad=True)
    y = F.adaptive_avg_pool2d(xt, out)
    full = (out, out) if isinstance(out, int) else (5 if out[0] is None else out[0], out[1])
    np.testing.assert_allclose(y.data, naive_adaptive(x, full), atol=1e-12)
    gy = rng.normal(size=y.shape)
    y.backward(gy)
    expect = np.zeros_like(x)
    oh, ow = full
    for i in range(oh):
        r0, r1 = math.floor(i * 5 / oh), math.ceil((i + 1) * 5 / oh)
        for j in range(ow):
            c0, c1 = math.floor(j * 7 / ow), math.ceil((j + 1) * 7 / ow)
            expect[:, :, r0:r1, c0:c1] += gy[:, :, i : i + 1, j : j + 1] / ((r1 - r0) * (c1 - c0))
    np.testing.assert_allclose(xt.grad.data, expect, atol=1e-12)


def test_adaptive_avg_pool2d_gradcheck_and_gradgradcheck():
    x = ac.tensor(np.random.default_rng(5).normal(size=(1, 2, 5, 4)), requires_grad=True)
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 3)), [x])
    assert gradgradcheck(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [x])


def test_pooling_modules_match_functional():
    x = ac.tensor(np.random.default_rng(6).normal(size=(2, 3, 8, 8)).astype(np.float32))
    m = nn.MaxPool2d(3, stride=2, padding=1)
    np.testing.assert_array_equal(m(x).data, F.max_pool2d(x, 3, 2, 1).data)
    a = nn.AvgPool2d(2, count_include_pad=False)
    np.testing.assert_array_equal(a(x).data, F.avg_pool2d(x, 2).data)
    g = nn.AdaptiveAvgPool2d((1, 1))
    np.testing.assert_allclose(g(x).data[..., 0, 0], x.data.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)
    for layer in (m, a, g):
        assert layer(x).dtype == np.float32
        assert list(layer.parameters()) == [] and layer.state_dict() == {}
    assert "kernel_size=3, stride=2, padding=1" in repr(m)
    assert nn.MaxPool2d(2).stride == 2  # stride defaults to the kernel size


def test_pooling_errors_name_the_layer():
    with pytest.raises(ShapeError, match=r"MaxPool2d: expected a 4-D input .*3-D input of shape \(3, 8, 8\)"):
        nn.MaxPool2d(2)(ac.zeros((3, 8, 8)))
    with pytest.raises(
        ShapeError, match=r"AvgPool2d: kernel \(5, 5\) is larger than the padded input \(4, 4\)"
    ):
        nn.AvgPool2d(5)(ac.zeros((1, 1, 4, 4)))
    with pytest.raises(ShapeError, match=r"max_pool2d: kernel \(5, 5\) is larger"):
        F.max_pool2d(ac.zeros((1, 1, 4, 4)), 3, dilation=2)
    with pytest.raises(ValueError, match="MaxPool2d: padding"):
        nn.MaxPool2d(2, padding=2)(ac.zeros((1, 1, 4, 4)))
    with pytest.raises(ShapeError, match="AdaptiveAvgPool2d: expected a 4-D input"):
        nn.AdaptiveAvgPool2d(2)(ac.zeros((4, 4)))
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        F.max_pool2d(ac.zeros((1, 1, 4, 4)), 2, ceil_mode=True)
