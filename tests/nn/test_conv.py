"""Conv1d / Conv2d and F.conv1d / F.conv2d against naive loop definitions.

Values and gradients (input, weight, bias) come from direct loops over every output
position; gradcheck and gradgradcheck in float64 cover inputs and parameters.
"""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.errors import ShapeError
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pads(padding, k, d):
    """(lo, hi) padding per spatial axis, PyTorch's rules for 'same' (odd total: extra at the end)."""
    out = []
    for ax in range(len(k)):
        if padding == "valid":
            out.append((0, 0))
        elif padding == "same":
            total = d[ax] * (k[ax] - 1)
            out.append((total // 2, total - total // 2))
        else:
            p = padding if isinstance(padding, int) else padding[ax]
            out.append((p, p))
    return out


def naive_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """y[n,o,i,j] = b[o] + Σ_{c,a,e} w[o,c,a,e] x_pad[n, g·Cg + c, i·s0 + a·d0, j·s1 + e·d1]."""
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (pt, pb), (pl, pr) = _pads(padding, (kh, kw), d)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    ho = (h + pt + pb - d[0] * (kh - 1) - 1) // s[0] + 1
    wo = (wd + pl + pr - d[1] * (kw - 1) - 1) // s[1] + 1
    og = o // groups
    y = np.zeros((n, o, ho, wo))
    for b_ in range(n):
        for oc in range(o):
            g = oc // og
            for i in range(ho):
                for j in range(wo):
                    acc = 0.0
                    for ci in range(cg):
                        for a in range(kh):
                            for e in range(kw):
                                acc += (
                                    w[oc, ci, a, e]
                                    * xp[b_, g * cg + ci, i * s[0] + a * d[0], j * s[1] + e * d[1]]
                                )
                    y[b_, oc, i, j] = acc + (0.0 if b is None else b[oc])
    return y


def naive_conv2d_grads(x, w, gy, stride=1, padding=0, dilation=1, groups=1):
    """dL/dx, dL/dw, dL/db for upstream gy, by scattering every output position's contribution."""
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (pt, pb), (pl, pr) = _pads(padding, (kh, kw), d)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(w)
    og = o // groups
    for b_ in range(n):
        for oc in range(o):
            g = oc // og
            for i in range(gy.shape[2]):
                for j in range(gy.shape[3]):
                    rows = slice(i * s[0], i * s[0] + d[0] * (kh - 1) + 1, d[0])
                    cols = slice(j * s[1], j * s[1] + d[1] * (kw - 1) + 1, d[1])
                    patch = xp[b_, g * cg : (g + 1) * cg, rows, cols]
                    gw[oc] += gy[b_, oc, i, j] * patch
                    gxp[b_, g * cg : (g + 1) * cg, rows, cols] += gy[b_, oc, i, j] * w[oc]
    gx = gxp[:, :, pt : pt + h, pl : pl + wd]
    return gx, gw, gy.sum(axis=(0, 2, 3))


CONFIGS = [
    dict(stride=1, padding=0, dilation=1, groups=1),
    dict(stride=2, padding=1, dilation=1, groups=1),
    dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=1),
    dict(stride=1, padding="same", dilation=1, groups=2),
    dict(stride=1, padding="same", dilation=2, groups=1),
    dict(stride=3, padding="valid", dilation=1, groups=4),
    dict(stride=2, padding=0, dilation=1, groups=4),  # depthwise (C_in = groups)
]


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("kernel", [(3, 3), (2, 3)])
def test_conv2d_values_and_gradients_match_naive_loops(cfg, kernel):
    rng = _rng(1)
    groups = cfg["groups"]
    x = rng.normal(size=(2, 4, 7, 8))
    w = rng.normal(size=(4, 4 // groups, *kernel))
    b = rng.normal(size=4)
    xt, wt, bt = (ac.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xt, wt, bt, **cfg)
    ref = naive_conv2d(x, w, b, **cfg)
    np.testing.assert_allclose(y.data, ref, rtol=1e-10, atol=1e-10)
    gy = rng.normal(size=ref.shape)
    y.backward(gy)
    gx, gw, gb = naive_conv2d_grads(x, w, gy, **cfg)
    np.testing.assert_allclose(xt.grad.data, gx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(wt.grad.data, gw, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(bt.grad.data, gb, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv2d_same_padding_keeps_size(kernel, dilation):
    x = _rng().normal(size=(1, 2, 9, 10))
    w = _rng(2).normal(size=(3, 2, kernel, kernel))
    y = F.conv2d(x, w, padding="same", dilation=dilation)
    assert y.shape == (1, 3, 9, 10)
    np.testing.assert_allclose(y.data, naive_conv2d(x, w, padding="same", dilation=dilation), atol=1e-10)


def naive_conv1d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    return naive_conv2d(
        x[:, :, None, :],
        w[:, :, None, :],
        b,
        stride=(1, stride),
        padding=padding if isinstance(padding, str) else (0, padding),
        dilation=(1, dilation),
        groups=groups,
    )[:, :, 0, :]


@pytest.mark.parametrize(
    "cfg",
    [
        dict(stride=1, padding=0, dilation=1, groups=1),
        dict(stride=2, padding=2, dilation=1, groups=2),
        dict(stride=1, padding="same", dilation=3, groups=1),
        dict(stride=1, padding="same", dilation=1, groups=4),
        dict(stride=2, padding="valid", dilation=2, groups=1),
    ],
)
def test_conv1d_values_and_gradients(cfg):
    rng = _rng(3)
    x = rng.normal(size=(3, 4, 11))
    w = rng.normal(size=(8, 4 // cfg["groups"], 4))
    b = rng.normal(size=8)
    xt, wt, bt = (ac.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv1d(xt, wt, bt, **cfg)
    ref = naive_conv1d(x, w, b, **cfg)
    np.testing.assert_allclose(y.data, ref, atol=1e-10)
    gy = rng.normal(size=ref.shape)
    y.backward(gy)
    p = cfg["padding"] if isinstance(cfg["padding"], str) else (0, cfg["padding"])
    gx, gw, gb = naive_conv2d_grads(
        x[:, :, None, :],
        w[:, :, None, :],
        gy[:, :, None, :],
        (1, cfg["stride"]),
        p,
        (1, cfg["dilation"]),
        cfg["groups"],
    )
    np.testing.assert_allclose(xt.grad.data, gx[:, :, 0], atol=1e-10)
    np.testing.assert_allclose(wt.grad.data, gw[:, :, 0], atol=1e-10)
    np.testing.assert_allclose(bt.grad.data, gb, atol=1e-10)


def test_conv2d_gradcheck_and_gradgradcheck_all_arguments():
    rng = _rng(4)
    x = ac.tensor(rng.normal(size=(2, 2, 5, 4)), requires_grad=True)
    w = ac.tensor(rng.normal(size=(4, 1, 3, 2)), requires_grad=True)
    b = ac.tensor(rng.normal(size=4), requires_grad=True)

    def f(x, w, b):
        return F.conv2d(x, w, b, stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2)

    assert gradcheck(f, [x, w, b])
    assert gradgradcheck(f, [x, w, b])


def test_conv1d_gradcheck_and_gradgradcheck():
    rng = _rng(5)
    x = ac.tensor(rng.normal(size=(2, 2, 6)), requires_grad=True)
    w = ac.tensor(rng.normal(size=(3, 2, 3)), requires_grad=True)
    b = ac.tensor(rng.normal(size=3), requires_grad=True)

    def f(x, w, b):
        return F.conv1d(x, w, b, stride=2, padding="valid", dilation=1)

    assert gradcheck(f, [x, w, b])
    assert gradgradcheck(f, [x, w, b])
    assert gradgradcheck(lambda x, w, b: F.conv1d(x, w, b, padding="same"), [x, w, b])


@pytest.mark.parametrize("cls,shape", [(nn.Conv2d, (2, 3, 6, 5)), (nn.Conv1d, (2, 3, 7))])
def test_conv_module_parameters_gradcheck(cls, shape):
    ac.manual_seed(0)
    m = cls(3, 4, 3, stride=1, padding=1, groups=1, dtype=np.float64)
    x = ac.tensor(_rng(6).normal(size=shape), requires_grad=True)
    params = list(m.parameters())
    assert gradcheck(lambda x, *ps: m(x), [x, *params])
    assert gradgradcheck(lambda x, *ps: m(x), [x, *params])


def test_conv2d_module_matches_functional_and_pytorch_layout():
    ac.manual_seed(1)
    m = nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2)
    assert m.weight.shape == (6, 2, 3, 2) and m.bias.shape == (6,)
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    assert list(m.state_dict()) == ["weight", "bias"]
    x = ac.tensor(_rng(7).normal(size=(2, 4, 9, 9)).astype(np.float32))
    y = m(x)
    assert y.dtype == np.float32
    ref = naive_conv2d(x.data, m.weight.data, m.bias.data, stride=2, padding=1, dilation=(1, 2), groups=2)
    np.testing.assert_allclose(y.data, ref, rtol=1e-5, atol=1e-5)
    assert "Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 2)" in repr(m)
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None


def test_conv_default_init_is_pytorch_kaiming_uniform():
    ac.manual_seed(0)
    m = nn.Conv2d(16, 64, 5, groups=2)
    fan_in = 8 * 5 * 5
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=√5): gain √(2/6), bound gain·√(3/fan_in)
    w, b = m.weight.data, m.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # uniform on [-bound, bound]: variance bound²/3
    assert abs(w.var() - bound**2 / 3) < 0.1 * bound**2 / 3
    assert np.abs(w).max() > 0.95 * bound


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv2d_padding_modes_pad_first(mode):
    ac.manual_seed(2)
    m = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode, dtype=np.float64)
    x = _rng(8).normal(size=(2, 2, 5, 6))
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=np_mode)
    np.testing.assert_allclose(m(x).data, naive_conv2d(xp, m.weight.data, m.bias.data), atol=1e-10)
    m_same = nn.Conv1d(2, 2, 4, padding="same", padding_mode=mode, dtype=np.float64)
    x1 = _rng(9).normal(size=(1, 2, 7))
    xp1 = np.pad(x1, ((0, 0), (0, 0), (1, 2)), mode=np_mode)
    np.testing.assert_allclose(
        m_same(x1).data, naive_conv1d(xp1, m_same.weight.data, m_same.bias.data), atol=1e-10
    )


def test_conv_module_trains_with_state_dict_round_trip():
    ac.manual_seed(3)
    a, b = nn.Conv1d(2, 3, 3), nn.Conv1d(2, 3, 3)
    b.load_state_dict(a.state_dict())
    x = ac.randn(4, 2, 8)
    np.testing.assert_array_equal(a(x).data, b(x).data)


# ---- bad input: the layer and the shapes are named -------------------------------------------


def test_conv2d_wrong_channel_count_names_layer_and_shapes():
    m = nn.Conv2d(3, 8, 3)
    with pytest.raises(
        ShapeError, match=r"Conv2d: input of shape \(2, 4, 10, 10\) has 4 channels.*expects 3"
    ):
        m(ac.zeros((2, 4, 10, 10)))


def test_conv2d_three_d_input_is_rejected_with_a_hint():
    m = nn.Conv2d(3, 8, 3)
    with pytest.raises(
        ShapeError,
        match=r"Conv2d: expected a 4-D input \(N, C, H, W\), got a 3-D input of shape \(3, 10, 10\).*batch axis",
    ):
        m(ac.zeros((3, 10, 10)))


def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(
        ShapeError, match=r"Conv2d: kernel of size \(5, 5\).*larger than the padded input \(4, 6\)"
    ):
        nn.Conv2d(1, 1, 5, padding=(0, 1))(ac.zeros((1, 1, 4, 4)))
    with pytest.raises(ShapeError, match=r"Conv1d: kernel of size 7 .*padded input length 6"):
        nn.Conv1d(1, 1, 4, dilation=2, padding=1)(ac.zeros((1, 1, 4)))
    with pytest.raises(ShapeError, match=r"conv2d: kernel"):
        F.conv2d(ac.zeros((1, 1, 2, 2)), ac.zeros((1, 1, 3, 3)))


def test_conv1d_errors():
    with pytest.raises(ShapeError, match=r"Conv1d: expected a 3-D input \(N, C, L\), got a 4-D input"):
        nn.Conv1d(1, 1, 3)(ac.zeros((1, 1, 5, 5)))
    with pytest.raises(ShapeError, match=r"Conv1d: input of shape \(1, 2, 5\) has 2 channels"):
        nn.Conv1d(1, 1, 3)(ac.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        F.conv1d(ac.zeros((1, 1, 5)), ac.zeros((1, 1, 3)), stride=2, padding="same")


def test_conv_constructor_and_functional_argument_errors():
    with pytest.raises(ValueError, match="groups=3 must divide"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ShapeError, match=r"conv2d: bias must have shape \(2,\)"):
        F.conv2d(ac.zeros((1, 1, 3, 3)), ac.zeros((2, 1, 1, 1)), ac.zeros(3))
    with pytest.raises(ShapeError, match="4-D weight"):
        F.conv2d(ac.zeros((1, 1, 3, 3)), ac.zeros((2, 1, 1)))
