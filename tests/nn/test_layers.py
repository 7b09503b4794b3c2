"""Activation modules, Flatten and Dropout."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn

X = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0], [1.0, -1.0, 2.0, -3.0, 0.25]])


def _erf(v):
    return np.vectorize(math.erf)(v)


@pytest.mark.parametrize(
    "module, expected, text",
    [
        (nn.ReLU(), np.maximum(X, 0), "ReLU()"),
        (nn.LeakyReLU(), np.where(X > 0, X, 0.01 * X), "LeakyReLU(negative_slope=0.01)"),
        (nn.LeakyReLU(0.2), np.where(X > 0, X, 0.2 * X), "LeakyReLU(negative_slope=0.2)"),
        (nn.Sigmoid(), 1 / (1 + np.exp(-X)), "Sigmoid()"),
        (nn.Tanh(), np.tanh(X), "Tanh()"),
        (nn.GELU(), 0.5 * X * (1 + _erf(X / math.sqrt(2))), "GELU(approximate='none')"),
        (
            nn.GELU("tanh"),
            0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3))),
            "GELU(approximate='tanh')",
        ),
        (nn.Softmax(dim=1), np.exp(X) / np.exp(X).sum(1, keepdims=True), "Softmax(dim=1)"),
        (nn.Softmax(dim=0), np.exp(X) / np.exp(X).sum(0, keepdims=True), "Softmax(dim=0)"),
        (nn.LogSoftmax(dim=1), X - np.log(np.exp(X).sum(1, keepdims=True)), "LogSoftmax(dim=1)"),
        (nn.LogSoftmax(), X - np.log(np.exp(X).sum(-1, keepdims=True)), "LogSoftmax(dim=None)"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_activation_modules(module, expected, text):
    out = module(ac.tensor(X))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-7, atol=1e-12)
    assert repr(module) == text
    assert list(module.parameters()) == []


def test_activation_repr_inplace_flag_and_gelu_check():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.1, inplace=True)) == "LeakyReLU(negative_slope=0.1, inplace=True)"
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_activation_modules_backprop():
    x = ac.tensor(X, requires_grad=True)
    nn.Sequential(nn.Tanh(), nn.Sigmoid())(x).sum().backward()
    t = np.tanh(X)
    s = 1 / (1 + np.exp(-t))
    np.testing.assert_allclose(x.grad.data, s * (1 - s) * (1 - t * t), rtol=1e-10)


def test_flatten():
    x = ac.tensor(np.arange(120.0).reshape(2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 60))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    xg = ac.tensor(np.ones((2, 3, 4)), requires_grad=True)
    (nn.Flatten()(xg) * 2).sum().backward()
    assert xg.grad.shape == (2, 3, 4) and np.all(xg.grad.data == 2)


def test_dropout_module_train_and_eval():
    drop = nn.Dropout(0.25)
    assert repr(drop) == "Dropout(p=0.25, inplace=False)"
    x = ac.ones((200, 50))
    ac.manual_seed(0)
    y = drop(x)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.01
    drop.eval()
    assert drop(x) is x
    drop.train()
    ac.manual_seed(0)
    np.testing.assert_array_equal(drop(x).data, y.data)  # reproducible with manual_seed


def test_dropout_probability_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(-0.1)


def test_dropout_inside_model_follows_model_mode():
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = ac.ones((3, 4))
    net.eval()
    np.testing.assert_array_equal(net(x).data, net[0](x).data)
    net.train()
    ac.manual_seed(1)
    assert (net(x).data == 0).any()
