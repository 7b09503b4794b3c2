"""nn.utils: gradient clipping and parameter/vector conversion."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _params_with_grads(*grads):
    ps = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g), np.float32))
        p.grad = ac.tensor(np.asarray(g, np.float32))
        ps.append(p)
    return ps


def test_clip_grad_norm_scales_when_above_max():
    ps = _params_with_grads([3.0, 0.0], [[4.0]])  # total 2-norm 5
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, ac.Tensor) and total.shape == () and total.dtype == np.float32
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad.data, [3 / 5, 0], rtol=1e-5)
    np.testing.assert_allclose(ps[1].grad.data, [[4 / 5]], rtol=1e-5)
    new_norm = math.sqrt(sum(float((p.grad.data**2).sum()) for p in ps))
    assert new_norm == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_and_skips_missing():
    ps = _params_with_grads([0.3, 0.4])
    ps.append(nn.Parameter(np.zeros(2, np.float32)))  # no grad
    grad_before = ps[0].grad.data.copy()
    total = clip_grad_norm_(ps, 1.0)
    assert total.item() == pytest.approx(0.5)
    np.testing.assert_array_equal(ps[0].grad.data, grad_before)
    assert ps[1].grad is None


def test_clip_grad_norm_other_norms_and_single_tensor():
    ps = _params_with_grads([1.0, -2.0], [2.0])
    assert clip_grad_norm_(ps, 100.0, norm_type=1).item() == pytest.approx(5.0)
    assert clip_grad_norm_(ps, 100.0, norm_type=math.inf).item() == pytest.approx(2.0)
    assert clip_grad_norm_(ps, 100.0, norm_type=3).item() == pytest.approx((1 + 8 + 8) ** (1 / 3))
    total = clip_grad_norm_(ps, 1.0, norm_type="inf")
    assert total.item() == pytest.approx(2.0)
    np.testing.assert_allclose(ps[0].grad.data, [0.5, -1.0], rtol=1e-5)
    single = _params_with_grads([6.0, 8.0])[0]
    assert clip_grad_norm_(single, 5.0).item() == pytest.approx(10.0)
    np.testing.assert_allclose(single.grad.data, [3.0, 4.0], rtol=1e-5)


def test_clip_grad_norm_on_a_model_after_backward():
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    (net(ac.randn(16, 4)) * 100).sum().backward()
    before = math.sqrt(sum(float((p.grad.data.astype(np.float64) ** 2).sum()) for p in net.parameters()))
    total = clip_grad_norm_(net.parameters(), 0.5)
    assert total.item() == pytest.approx(before, rel=1e-5)
    after = math.sqrt(sum(float((p.grad.data.astype(np.float64) ** 2).sum()) for p in net.parameters()))
    assert after == pytest.approx(0.5, rel=1e-4)


def test_clip_grad_norm_no_grads_and_nonfinite():
    assert clip_grad_norm_([nn.Parameter(np.zeros(2, np.float32))], 1.0).item() == 0
    ps = _params_with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="inf"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_(ps, 1.0).item() == math.inf


def test_clip_grad_value_():
    ps = _params_with_grads([-3.0, 0.5, 2.0])
    ps.append(nn.Parameter(np.zeros(1, np.float32)))
    assert clip_grad_value_(ps, 1.0) is None
    np.testing.assert_array_equal(ps[0].grad.data, [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="non-negative"):
        clip_grad_value_(ps, -1)


def test_parameters_to_vector_and_back():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(net.parameters())
    assert vec.shape == (11,) and not vec.requires_grad
    np.testing.assert_array_equal(vec.data[:6], net[0].weight.data.ravel())
    vector_to_parameters(ac.arange(11.0), net.parameters())
    np.testing.assert_array_equal(net[0].weight.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(net[1].bias.data, [10.0])
    assert parameters_to_vector([]).shape == (0,)
    with pytest.raises(ValueError, match="11"):
        vector_to_parameters(ac.zeros(10), net.parameters())
    with pytest.raises(ValueError, match="1-D"):
        vector_to_parameters(ac.zeros((11, 1)), net.parameters())
