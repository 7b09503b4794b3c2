"""BatchNorm1d/2d, LayerNorm and their functional forms: values, closed-form gradients,
running statistics (PyTorch's update rule), modes, state dicts and errors."""

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.errors import ShapeError
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck


def _x(shape, seed=0, scale=2.0, shift=0.5):
    return np.random.default_rng(seed).normal(size=shape) * scale + shift


def _norm_grad(x, g, gamma, axes):
    """Closed form of d/dx for y = γ·(x − μ)/σ over ``axes``: (γ/σ)(g − mean(g) − x̂·mean(g·x̂))."""
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    inv = 1 / np.sqrt(var + 1e-5)
    xhat = (x - mu) * inv
    gg = g * gamma
    return inv * (gg - gg.mean(axis=axes, keepdims=True) - xhat * (gg * xhat).mean(axis=axes, keepdims=True))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
def test_batch_norm_training_values_gradients_and_running_stats(shape):
    x = _x(shape)
    c = shape[1]
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, c) + (1,) * (len(shape) - 2)
    rng = np.random.default_rng(1)
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    rm0, rv0 = rng.normal(size=c), rng.uniform(0.5, 2, size=c)
    rm, rv = ac.tensor(rm0.copy()), ac.tensor(rv0.copy())
    xt, wt, bt = (ac.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = F.batch_norm(xt, rm, rv, wt, bt, training=True, momentum=0.3, eps=1e-5)
    mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(y.data, xhat * gamma.reshape(bshape) + beta.reshape(bshape), atol=1e-12)
    # running statistics, in place, with the unbiased variance
    m = x.size // c
    np.testing.assert_allclose(rm.data, 0.7 * rm0 + 0.3 * mu.reshape(c), atol=1e-12)
    np.testing.assert_allclose(rv.data, 0.7 * rv0 + 0.3 * var.reshape(c) * m / (m - 1), atol=1e-12)
    g = rng.normal(size=shape)
    y.backward(g)
    np.testing.assert_allclose(xt.grad.data, _norm_grad(x, g, gamma.reshape(bshape), axes), atol=1e-10)
    np.testing.assert_allclose(wt.grad.data, (g * xhat).sum(axis=axes), atol=1e-10)
    np.testing.assert_allclose(bt.grad.data, g.sum(axis=axes), atol=1e-10)


def test_batch_norm_eval_uses_running_stats_and_leaves_them():
    x = _x((4, 3, 2))
    rm, rv = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, 4.0])
    rmt, rvt = ac.tensor(rm.copy()), ac.tensor(rv.copy())
    xt = ac.tensor(x, requires_grad=True)
    y = F.batch_norm(xt, rmt, rvt, training=False, eps=1e-3)
    expect = (x - rm[None, :, None]) / np.sqrt(rv[None, :, None] + 1e-3)
    np.testing.assert_allclose(y.data, expect, atol=1e-12)
    np.testing.assert_array_equal(rmt.data, rm)
    np.testing.assert_array_equal(rvt.data, rv)
    y.backward(np.ones_like(x))  # an affine map in eval mode: d/dx = 1/√(rv + eps)
    np.testing.assert_allclose(xt.grad.data, np.broadcast_to(1 / np.sqrt(rv[None, :, None] + 1e-3), x.shape))


def test_batch_norm_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(2)
    x = ac.tensor(_x((3, 2, 2, 2)), requires_grad=True)
    w = ac.tensor(rng.normal(size=2), requires_grad=True)
    b = ac.tensor(rng.normal(size=2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    rm, rv = np.array([0.1, -0.2]), np.array([0.5, 2.0])
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), [x, w, b])


def test_batchnorm2d_module_modes_and_state_dict():
    ac.manual_seed(0)
    bn = nn.BatchNorm2d(3, momentum=0.2)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(bn.weight.data, 1)
    np.testing.assert_array_equal(bn.bias.data, 0)
    assert bn.running_mean.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64
    batches = [_x((4, 3, 5, 5), seed=s).astype(np.float32) for s in range(3)]
    rm, rv = np.zeros(3), np.ones(3)
    for xb in batches:
        out = bn(ac.tensor(xb))
        m = xb.size // 3
        rm = 0.8 * rm + 0.2 * xb.mean(axis=(0, 2, 3))
        rv = 0.8 * rv + 0.2 * xb.var(axis=(0, 2, 3)) * m / (m - 1)
        np.testing.assert_allclose(out.data.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert int(bn.num_batches_tracked.item()) == 3
    np.testing.assert_allclose(bn.running_mean.data, rm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.data, rv, rtol=1e-5)
    bn.eval()
    x = ac.tensor(batches[0])
    expect = (batches[0] - rm[None, :, None, None]) / np.sqrt(rv[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(bn(x).data, expect, rtol=1e-4, atol=1e-5)
    assert int(bn.num_batches_tracked.item()) == 3  # eval does not count
    # the state dict moves the statistics to a fresh layer
    other = nn.BatchNorm2d(3)
    other.load_state_dict(bn.state_dict())
    other.eval()
    np.testing.assert_array_equal(other(x).data, bn(x).data)


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    xs = [_x((5, 2), seed=s) for s in range(4)]
    for xb in xs:
        bn(xb)
    np.testing.assert_allclose(
        bn.running_mean.data, np.mean([xb.mean(axis=0) for xb in xs], axis=0), atol=1e-12
    )
    np.testing.assert_allclose(
        bn.running_var.data, np.mean([xb.var(axis=0, ddof=1) for xb in xs], axis=0), atol=1e-12
    )


def test_batchnorm_without_running_stats_or_affine():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False, dtype=np.float64)
    assert list(bn.parameters()) == [] and bn.state_dict() == {}
    x = _x((6, 3, 4))
    for mode in (bn.train, bn.eval):  # batch statistics in both modes
        mode()
        expect = (x - x.mean(axis=(0, 2), keepdims=True)) / np.sqrt(x.var(axis=(0, 2), keepdims=True) + 1e-5)
        np.testing.assert_allclose(bn(x).data, expect, atol=1e-12)


def test_batchnorm_module_gradcheck_parameters():
    ac.manual_seed(1)
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    bn.weight.data[:] = [0.5, 1.5, -1.0]
    bn.bias.data[:] = [0.1, 0.2, 0.3]
    x = ac.tensor(_x((4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: bn(x), [x, bn.weight, bn.bias])


def test_batchnorm_errors_name_the_layer_and_change_nothing():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(
        ShapeError, match=r"BatchNorm2d: input of shape \(2, 4, 5, 5\) has 4 channels.*num_features=3"
    ):
        bn(ac.zeros((2, 4, 5, 5)))
    with pytest.raises(
        ShapeError, match=r"BatchNorm2d: expected a 4-D \(N, C, H, W\) input, got a 3-D input"
    ):
        bn(ac.zeros((3, 5, 5)))
    with pytest.raises(ShapeError, match=r"BatchNorm1d: expected a 2-D \(N, C\) or 3-D"):
        nn.BatchNorm1d(3)(ac.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ac.ones((1, 3)))
    bn1 = nn.BatchNorm1d(3)
    with pytest.raises(ValueError):
        bn1(ac.ones((1, 3)))
    assert int(bn1.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(bn1.running_mean.data, 0)
    with pytest.raises(ShapeError, match=r"batch_norm: .*running_mean has shape \(2,\)"):
        F.batch_norm(ac.zeros((4, 3)), ac.zeros(2), ac.ones(3), training=True)
    with pytest.raises(ValueError, match="needed when training=False"):
        F.batch_norm(ac.zeros((4, 3)), None, None)


@pytest.mark.parametrize("normalized_shape", [5, (5,), (4, 5)])
def test_layer_norm_values_and_gradients(normalized_shape):
    x = _x((2, 3, 4, 5))
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    axes = tuple(range(-len(ns), 0))
    rng = np.random.default_rng(3)
    gamma, beta = rng.normal(size=ns), rng.normal(size=ns)
    xt, wt, bt = (ac.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = F.layer_norm(xt, normalized_shape, wt, bt, eps=1e-5)
    xhat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y.data, xhat * gamma + beta, atol=1e-12)
    g = rng.normal(size=x.shape)
    y.backward(g)
    np.testing.assert_allclose(xt.grad.data, _norm_grad(x, g, gamma, axes), atol=1e-10)
    lead = tuple(range(x.ndim - len(ns)))
    np.testing.assert_allclose(wt.grad.data, (g * xhat).sum(axis=lead), atol=1e-10)
    np.testing.assert_allclose(bt.grad.data, g.sum(axis=lead), atol=1e-10)


def test_layer_norm_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(4)
    x = ac.tensor(_x((2, 3, 4)), requires_grad=True)
    w = ac.tensor(rng.normal(size=4), requires_grad=True)
    b = ac.tensor(rng.normal(size=4), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, 4, w, b), [x, w, b])
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), [x, w, b])
    assert gradgradcheck(lambda x: F.layer_norm(x, (3, 4)), [x])


def test_layernorm_module():
    ln = nn.LayerNorm((3, 4))
    assert list(ln.state_dict()) == ["weight", "bias"] and ln.weight.shape == (3, 4)
    x = _x((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(ln(x).data, F.layer_norm(x, (3, 4)).data, atol=1e-6)
    assert ln(x).dtype == np.float32
    assert nn.LayerNorm(4, elementwise_affine=False).state_dict() == {}
    assert nn.LayerNorm(4, bias=False).bias is None
    with pytest.raises(
        ShapeError, match=r"LayerNorm: input of shape \(2, 3, 5\) does not end with normalized_shape \(3, 4\)"
    ):
        ln(ac.zeros((2, 3, 5)))
    with pytest.raises(ShapeError, match=r"layer_norm: weight must have shape \(4,\)"):
        F.layer_norm(ac.zeros((2, 4)), 4, ac.ones(3))


def test_eval_graph_keeps_the_statistics_it_used_after_a_training_update():
    bn = nn.BatchNorm1d(2, dtype=np.float64)
    bn.running_var.data[:] = [4.0, 0.25]
    bn.eval()
    x = ac.tensor(_x((3, 2)), requires_grad=True)
    y = bn(x)
    bn.train()
    bn(_x((5, 2), seed=1) * 10)  # updates running_mean / running_var in place
    y.backward(np.ones((3, 2)))
    np.testing.assert_allclose(
        x.grad.data, np.broadcast_to(1 / np.sqrt(np.array([4.0, 0.25]) + 1e-5), (3, 2))
    )


def test_batchnorm_state_dict_round_trips_through_save_and_load(tmp_path):
    bn = nn.BatchNorm2d(3)
    bn(ac.randn(4, 3, 2, 2))
    ac.save(bn.state_dict(), tmp_path / "bn.npz")
    loaded = ac.load(tmp_path / "bn.npz")
    assert loaded["num_batches_tracked"].shape == () and int(loaded["num_batches_tracked"].item()) == 1
    other = nn.BatchNorm2d(3)
    other.load_state_dict(loaded)
    np.testing.assert_array_equal(other.running_var.data, bn.running_var.data)
