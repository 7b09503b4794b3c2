"""nn.functional: activations, linear, dropout, one_hot (losses: test_losses.py)."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
X[0, :3] = [0.3, -0.7, 1.9]  # keep away from the kinks at 0


def _erf(v):
    return np.vectorize(math.erf)(v)


ACTIVATIONS = [
    ("relu", lambda x: F.relu(x), lambda x: np.maximum(x, 0)),
    ("relu_inplace_flag", lambda x: F.relu(x, inplace=True), lambda x: np.maximum(x, 0)),
    ("leaky_relu", lambda x: F.leaky_relu(x), lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu_0.3", lambda x: F.leaky_relu(x, 0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
    ("sigmoid", F.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", F.tanh, np.tanh),
    ("gelu", F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    ("softplus", F.softplus, lambda x: np.log1p(np.exp(x))),
    ("softplus_beta2", lambda x: F.softplus(x, beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    ("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("elu_alpha", lambda x: F.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    ("softmax_dim1", lambda x: F.softmax(x, dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    ("softmax_dim0", lambda x: F.softmax(x, 0), lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True)),
    ("softmax_default", F.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    (
        "log_softmax_dim1",
        lambda x: F.log_softmax(x, dim=1),
        lambda x: x - np.log(np.exp(x).sum(1, keepdims=True)),
    ),
    (
        "log_softmax_dim0",
        lambda x: F.log_softmax(x, 0),
        lambda x: x - np.log(np.exp(x).sum(0, keepdims=True)),
    ),
]


@pytest.mark.parametrize("name, f, ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_values_and_gradients(name, f, ref):
    x = ac.tensor(X, requires_grad=True)
    np.testing.assert_allclose(f(x).data, ref(X), rtol=1e-10, atol=1e-12)
    assert gradcheck(f, [x])
    assert gradgradcheck(f, [x])


def test_softmax_and_log_softmax_dtype_argument():
    x = ac.tensor(X.astype(np.float32))
    assert F.softmax(x, 1, dtype=np.float64).dtype == np.float64
    assert F.log_softmax(x, 1, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(F.softmax(x, 1).data.sum(1), 1, rtol=1e-6)


def test_softmax_family_stable_for_huge_logits_float32():
    x = ac.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], np.float32), requires_grad=True)
    lp = F.log_softmax(x, dim=1)
    assert np.isfinite(lp.data).all()
    np.testing.assert_allclose(lp.data[0], [0.0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(lp.data[1], np.log(1 / 3), atol=2e-3)  # float32 ulp at 1e4 is ~1e-3
    (lp * ac.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))).sum().backward()
    assert np.isfinite(x.grad.data).all()
    p = F.softmax(x, dim=1)
    np.testing.assert_allclose(p.data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-4)


def test_sigmoid_and_softplus_stable_float32():
    x = ac.tensor(np.array([-1e4, 1e4], np.float32), requires_grad=True)
    (F.sigmoid(x) + F.softplus(x)).sum().backward()
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(F.softplus(x).data, [0, 1e4])


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(ac.tensor(X), approximate="fast")


# ---- linear ------------------------------------------------------------------------------------


def test_linear_value_and_gradients():
    w = ac.tensor(RNG.standard_normal((3, 5)), requires_grad=True)
    b = ac.tensor(RNG.standard_normal(3), requires_grad=True)
    x = ac.tensor(X, requires_grad=True)
    np.testing.assert_allclose(F.linear(x, w, b).data, X @ w.data.T + b.data, rtol=1e-12)
    np.testing.assert_allclose(F.linear(x, w).data, X @ w.data.T, rtol=1e-12)
    assert gradcheck(F.linear, [x, w, b])
    assert gradgradcheck(F.linear, [x, w, b])


def test_linear_is_one_node_with_fresh_parameter_gradients():
    w = ac.tensor(RNG.standard_normal((3, 5)), requires_grad=True)
    b = ac.tensor(RNG.standard_normal(3), requires_grad=True)
    out = F.linear(ac.tensor(X), w, b)
    assert out.grad_fn.name == "linear"
    assert all(p is None or p is w or p is b for p in out.grad_fn.parents)
    out.sum().backward()
    # ∂/∂W = gᵀx and ∂/∂b = Σ g, with g = 1
    np.testing.assert_allclose(w.grad.data, np.tile(X.sum(0), (3, 1)), rtol=1e-12)
    np.testing.assert_allclose(b.grad.data, np.full(3, 4.0))
    assert w.grad.data.flags.owndata and b.grad.data.flags.owndata


@pytest.mark.parametrize("shape", [(5,), (2, 3, 5)], ids=["1d", "3d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_any_leading_axes_gradients(shape, bias):
    x = ac.tensor(RNG.standard_normal(shape), requires_grad=True)
    w = ac.tensor(RNG.standard_normal((4, 5)), requires_grad=True)
    b = ac.tensor(RNG.standard_normal(4), requires_grad=True)
    args = [x, w, b] if bias else [x, w]
    expected = x.data @ w.data.T + (b.data if bias else 0)
    np.testing.assert_allclose(F.linear(*args).data, expected, rtol=1e-12)
    assert gradcheck(F.linear, args)
    assert gradgradcheck(F.linear, args)


def test_linear_only_weight_needs_grad_and_mixed_dtypes():
    w = ac.tensor(RNG.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    x = ac.tensor(X)  # float64 input, no grad
    out = F.linear(x, w)
    assert out.dtype == np.float64  # promoted like x @ w.T
    out.sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad.data, np.tile(X.sum(0), (3, 1)), rtol=1e-6)


def test_linear_jvp_matches_the_product_rule():
    x, w, b = RNG.standard_normal((4, 5)), RNG.standard_normal((3, 5)), RNG.standard_normal(3)
    tx, tw, tb = RNG.standard_normal((4, 5)), RNG.standard_normal((3, 5)), RNG.standard_normal(3)
    primals = (ac.tensor(x), ac.tensor(w), ac.tensor(b))
    out, tangent = ac.jvp(F.linear, primals, (ac.tensor(tx), ac.tensor(tw), ac.tensor(tb)))
    np.testing.assert_allclose(out.data, x @ w.T + b, rtol=1e-12)
    np.testing.assert_allclose(tangent.data, tx @ w.T + x @ tw.T + tb, rtol=1e-12)


def test_linear_shape_errors():
    w = ac.zeros((3, 5))
    with pytest.raises(
        ValueError, match=r"linear: input of shape \(4, 4\) does not fit weight of shape \(3, 5\)"
    ):
        F.linear(ac.zeros((4, 4)), w)
    with pytest.raises(ValueError, match="2-D"):
        F.linear(ac.zeros((4, 5)), ac.zeros(5))


# ---- dropout -------------------------------------------------------------------------------------


def test_dropout_mask_scale_and_gradient():
    x = ac.tensor(np.full((100, 100), 2.0), requires_grad=True)
    ac.manual_seed(0)
    y = F.dropout(x, p=0.3)
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.data[kept], 2 / 0.7)
    assert abs(y.data.mean() - 2.0) < 0.05  # inverted dropout keeps the expectation
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(kept, 1 / 0.7, 0.0))


def test_dropout_identity_cases_and_extremes():
    x = ac.tensor(X)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0).data == 0)
    ac.manual_seed(5)
    a = F.dropout(x, 0.5).data
    ac.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, a)
    assert F.dropout(ac.tensor(X.astype(np.float32)), 0.5).dtype == np.float32
    assert F.dropout([1.0, 2.0], 0.5, training=False).shape == (2,)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.01)


# ---- one_hot -------------------------------------------------------------------------------------


def test_one_hot():
    labels = ac.tensor([0, 2, 1, 2])
    out = F.one_hot(labels)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, np.eye(3, dtype=np.int64)[[0, 2, 1, 2]])
    assert F.one_hot(labels, num_classes=5).shape == (4, 5)
    assert F.one_hot(np.array([[1], [0]]), 2).shape == (2, 1, 2)
    assert F.one_hot(np.zeros(0, np.int64)).shape == (0, 0)


def test_one_hot_errors():
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(ac.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"\[0, 1\] for num_classes=2"):
        F.one_hot(ac.tensor([0, 2]), 2)
    with pytest.raises(ValueError, match="got min -1"):
        F.one_hot(ac.tensor([-1, 0]), 3)
    with pytest.raises(ValueError, match="num_classes"):
        F.one_hot(ac.tensor([0]), -2)


def test_every_public_name_exists():
    for name in F.__all__:
        assert callable(getattr(F, name)), name
