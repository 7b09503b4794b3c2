"""nn.init: bounds and statistics with PyTorch's formulas, in place, reproducible."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.nn import init

SHAPE = (256, 400)  # fan_out = 256, fan_in = 400
FAN_IN, FAN_OUT = 400, 256


def param(shape=SHAPE, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", 0) == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")


def test_uniform_and_normal():
    ac.manual_seed(0)
    p = param()
    assert init.uniform_(p, -2.0, 3.0) is p
    assert p.data.min() >= -2 and p.data.max() < 3
    assert abs(p.data.mean() - 0.5) < 0.02 and abs(p.data.std() - 5 / math.sqrt(12)) < 0.02
    init.uniform_(p)
    assert p.data.min() >= 0 and p.data.max() < 1
    init.normal_(p, mean=1.0, std=0.5)
    assert abs(p.data.mean() - 1.0) < 0.005 and abs(p.data.std() - 0.5) < 0.005
    init.normal_(p)
    assert abs(p.data.std() - 1.0) < 0.01
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(p, 1.0, 0.0)
    with pytest.raises(ValueError, match="std"):
        init.normal_(p, std=-1.0)


def test_constant_zeros_ones():
    p = param((3, 2))
    assert np.all(init.constant_(p, 0.25).data == 0.25)
    assert np.all(init.ones_(p).data == 1)
    assert np.all(init.zeros_(p).data == 0)
    assert p.dtype == np.float32
    with pytest.raises(TypeError, match="Tensor"):
        init.zeros_(np.zeros(2))


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier_uniform_bound_and_std(gain):
    ac.manual_seed(1)
    p = init.xavier_uniform_(param(), gain=gain)
    a = gain * math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(p.data).max() <= a and np.abs(p.data).max() > 0.99 * a
    assert abs(p.data.std() - a / math.sqrt(3)) < 0.01 * a


@pytest.mark.parametrize("gain", [1.0, 5 / 3])
def test_xavier_normal_std(gain):
    ac.manual_seed(2)
    p = init.xavier_normal_(param(), gain=gain)
    std = gain * math.sqrt(2 / (FAN_IN + FAN_OUT))
    assert abs(p.data.std() - std) < 0.01 * std
    assert abs(p.data.mean()) < 0.01 * std


@pytest.mark.parametrize(
    "kwargs, gain, fan",
    [
        ({}, math.sqrt(2 / (1 + 0.0)), FAN_IN),
        ({"a": math.sqrt(5)}, math.sqrt(2 / 6), FAN_IN),
        ({"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2), FAN_OUT),
        ({"nonlinearity": "tanh"}, 5 / 3, FAN_IN),
    ],
)
def test_kaiming_uniform_and_normal(kwargs, gain, fan):
    ac.manual_seed(3)
    p = init.kaiming_uniform_(param(), **kwargs)
    bound = gain * math.sqrt(3 / fan)
    assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.99 * bound
    assert abs(p.data.std() - bound / math.sqrt(3)) < 0.01 * bound
    p = init.kaiming_normal_(param(), **kwargs)
    std = gain / math.sqrt(fan)
    assert abs(p.data.std() - std) < 0.01 * std


def test_fans_include_receptive_field_and_need_two_dims():
    ac.manual_seed(4)
    p = init.kaiming_normal_(param((64, 16, 3, 3)), mode="fan_in", nonlinearity="relu")
    assert abs(p.data.std() - math.sqrt(2 / (16 * 9))) < 0.02 * math.sqrt(2 / (16 * 9))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(param((5,)))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(param((2, 2)), mode="fan_avg")
    empty = param((0, 3))
    assert init.kaiming_uniform_(empty) is empty and init.kaiming_normal_(empty) is empty


@pytest.mark.parametrize(
    "fn",
    [
        init.uniform_,
        init.normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
    ],
)
def test_reproducible_with_manual_seed_and_keeps_dtype(fn):
    ac.manual_seed(7)
    a = fn(param((5, 4), np.float64)).data.copy()
    ac.manual_seed(7)
    b = fn(param((5, 4), np.float64))
    np.testing.assert_array_equal(a, b.data)
    assert b.dtype == np.float64
    assert fn(param((5, 4))).dtype == np.float32


def test_init_is_in_place_without_graph_and_bumps_version():
    p = param((2, 2))
    data = p.data
    out = (p * p).sum()  # its gradient 2p reads p
    init.ones_(p)
    assert p.data is data and p.is_leaf and p.grad_fn is None
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        out.backward()


def test_module_apply_with_init():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))

    def reinit(m):
        if isinstance(m, nn.Linear):
            init.zeros_(m.weight)
            init.constant_(m.bias, 0.5)

    net.apply(reinit)
    assert all(np.all(p.data == (0 if p.ndim == 2 else 0.5)) for p in net.parameters())
