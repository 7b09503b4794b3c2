"""Linear and Identity."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.testing import gradcheck, gradgradcheck


def test_linear_shapes_dtype_and_repr():
    lin = nn.Linear(3, 5)
    assert lin.weight.shape == (5, 3) and lin.bias.shape == (5,)
    assert lin.weight.dtype == np.float32 and isinstance(lin.weight, nn.Parameter)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert repr(lin) == "Linear(in_features=3, out_features=5, bias=True)"
    assert lin(ac.ones((2, 3))).shape == (2, 5)
    assert lin(ac.ones(3)).shape == (5,)
    assert lin(ac.ones((4, 2, 3))).shape == (4, 2, 5)


def test_linear_follows_default_dtype_and_explicit_dtype():
    ac.set_default_dtype(np.float64)
    try:
        assert nn.Linear(2, 2).weight.dtype == np.float64
    finally:
        ac.set_default_dtype(np.float32)
    assert nn.Linear(2, 2, dtype=np.float64).bias.dtype == np.float64


def test_linear_without_bias():
    lin = nn.Linear(4, 2, bias=False)
    assert lin.bias is None
    assert list(lin.state_dict()) == ["weight"]
    assert repr(lin) == "Linear(in_features=4, out_features=2, bias=False)"
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(lin(ac.tensor(x)).data, x @ lin.weight.data.T, rtol=1e-6)


def test_linear_value_matches_numpy():
    lin = nn.Linear(3, 2)
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    expected = x @ lin.weight.data.T + lin.bias.data
    np.testing.assert_allclose(lin(ac.tensor(x)).data, expected, rtol=1e-6)


def test_linear_default_init_bounds_like_pytorch():
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in)); the bias uses the same bound.
    ac.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = lin.weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(lin.bias.data).max() <= bound
    assert abs(w.mean()) < 0.01 * bound


def test_linear_init_reproducible_and_reset():
    ac.manual_seed(3)
    a = nn.Linear(5, 4)
    ac.manual_seed(3)
    b = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    old = a.weight.data.copy()
    a.reset_parameters()
    assert not np.array_equal(old, a.weight.data)


def test_linear_zero_sizes():
    lin = nn.Linear(0, 3)
    assert lin(ac.zeros((2, 0))).shape == (2, 3)
    assert nn.Linear(3, 0)(ac.zeros((2, 3))).shape == (2, 0)
    with pytest.raises(ValueError, match="non-negative"):
        nn.Linear(-1, 2)


def test_linear_gradients_float64():
    lin = nn.Linear(3, 2).double()
    x = ac.tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), [x, lin.weight, lin.bias])
    assert gradgradcheck(lambda x, w, b: nn.functional.linear(x, w, b), [x, lin.weight, lin.bias])
    lin(x).sum().backward()
    np.testing.assert_allclose(lin.bias.grad.data, np.full(2, 4.0))
    np.testing.assert_allclose(lin.weight.grad.data, np.tile(x.data.sum(0), (2, 1)))


def test_linear_wrong_input_width_names_layer_and_shapes():
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError) as info:
        lin(ac.ones((4, 5)))
    msg = str(info.value)
    assert "Linear" in msg and "(4, 5)" in msg and "(2, 3)" in msg and "in_features=3" in msg
    with pytest.raises(ValueError, match="Linear"):
        lin(ac.tensor(1.0))


def test_identity():
    ident = nn.Identity(54, unused="x")
    x = ac.ones(3)
    assert ident(x) is x
    assert repr(ident) == "Identity()"
    assert list(ident.parameters()) == []
