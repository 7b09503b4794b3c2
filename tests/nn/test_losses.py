"""Losses: values against direct NumPy formulas, float64 gradchecks, stability, errors, modules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core import nn
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(42)


def t64(a, grad=True):
    return ac.tensor(np.asarray(a, np.float64), requires_grad=grad)


def reduce_np(v, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](v)


# ---- NumPy references (written independently of the library's one-hot formulation) -------------


def np_log_softmax(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def np_cross_entropy(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    c = x.shape[1]
    lp = np.moveaxis(np_log_softmax(x, 1), 1, -1)  # (N, d..., C)
    w = np.ones(c) if weight is None else weight
    valid = t != ignore_index
    tt = np.where(valid, t, 0)
    picked = np.take_along_axis(lp, tt[..., None], -1)[..., 0]
    nll = -picked * w[tt] * valid
    smooth = -(lp * w).sum(-1) * valid
    per = (1 - label_smoothing) * nll + label_smoothing / c * smooth
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    return per.sum() / (w[tt] * valid).sum()


def np_cross_entropy_probs(x, p, weight=None, reduction="mean", label_smoothing=0.0):
    c = x.shape[1]
    lp = np.moveaxis(np_log_softmax(x, 1), 1, -1)
    q = np.moveaxis(p, 1, -1) * (1 - label_smoothing) + label_smoothing / c
    w = np.ones(c) if weight is None else weight
    return reduce_np(-(lp * q * w).sum(-1), reduction)


# ---- regression losses ------------------------------------------------------------------------------

X = RNG.standard_normal((4, 3))
Y = RNG.standard_normal((4, 3))
D = X - Y


def np_huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def np_smooth_l1(d, beta):
    a = np.abs(d)
    return np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)


ELEMENTWISE = [
    ("mse_loss", lambda x, y, r: F.mse_loss(x, y, reduction=r), D**2),
    ("l1_loss", lambda x, y, r: F.l1_loss(x, y, reduction=r), np.abs(D)),
    ("huber_loss", lambda x, y, r: F.huber_loss(x, y, reduction=r), np_huber(D, 1.0)),
    ("huber_loss_0.5", lambda x, y, r: F.huber_loss(x, y, reduction=r, delta=0.5), np_huber(D, 0.5)),
    ("smooth_l1_loss", lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r), np_smooth_l1(D, 1.0)),
    ("smooth_l1_0.3", lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.3), np_smooth_l1(D, 0.3)),
    ("smooth_l1_beta0", lambda x, y, r: F.smooth_l1_loss(x, y, reduction=r, beta=0.0), np.abs(D)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, f, per", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_losses_values_and_gradients(name, f, per, reduction):
    x, y = t64(X), t64(Y)
    np.testing.assert_allclose(f(x, y, reduction).data, reduce_np(per, reduction), rtol=1e-12)
    assert gradcheck(lambda a, b: f(a, b, reduction), [x, y])
    if name.startswith(("mse", "huber", "smooth_l1_0.3")):
        assert gradgradcheck(lambda a, b: f(a, b, reduction), [x, y])


def test_huber_equals_delta_times_smooth_l1():
    x, y = t64(X, False), t64(Y, False)
    np.testing.assert_allclose(
        F.huber_loss(x, y, delta=0.4).data, 0.4 * F.smooth_l1_loss(x, y, beta=0.4).data, rtol=1e-12
    )


def test_regression_losses_accept_array_and_int_targets():
    x = t64([[1.0, 2.0]])
    assert F.mse_loss(x, np.array([[1, 0]])).item() == pytest.approx(2.0)
    assert F.l1_loss(x, [[0.0, 0.0]]).item() == pytest.approx(1.5)
    x32 = ac.tensor([[1.0, 2.0]], requires_grad=True)
    out = F.mse_loss(x32, np.zeros((1, 2)))
    assert out.dtype == np.float32
    out.backward()
    assert x32.grad.dtype == np.float32


def test_regression_loss_parameter_checks():
    x = t64(X)
    with pytest.raises(ValueError, match="delta"):
        F.huber_loss(x, Y, delta=0.0)
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(x, Y, beta=-1.0)


# ---- cross entropy ----------------------------------------------------------------------------------

LOGITS = RNG.standard_normal((6, 4))
TARGETS = np.array([0, 3, 1, -100, 2, 3])
WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])
PROBS = RNG.dirichlet(np.ones(4), 6)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_targets(reduction, weighted, label_smoothing):
    w = WEIGHT if weighted else None
    kw = dict(weight=w, reduction=reduction, label_smoothing=label_smoothing)
    x = t64(LOGITS)
    out = F.cross_entropy(x, TARGETS, **kw)
    np.testing.assert_allclose(out.data, np_cross_entropy(LOGITS, TARGETS, **kw), rtol=1e-12)
    assert gradcheck(lambda a: F.cross_entropy(a, TARGETS, **kw), [x])
    assert gradgradcheck(lambda a: F.cross_entropy(a, TARGETS, **kw), [x])


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(reduction, weighted, label_smoothing):
    w = WEIGHT if weighted else None
    kw = dict(weight=w, reduction=reduction, label_smoothing=label_smoothing)
    x, p = t64(LOGITS), t64(PROBS)
    out = F.cross_entropy(x, p, **kw)
    np.testing.assert_allclose(out.data, np_cross_entropy_probs(LOGITS, PROBS, **kw), rtol=1e-12)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, **kw), [x, p])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_second_order_in_both_arguments(reduction):
    x, p = t64(LOGITS), t64(PROBS)
    assert gradgradcheck(lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1), [x, p])


def test_cross_entropy_is_one_node_with_the_closed_form_gradient():
    # d/dx mean_n -log softmax(x_n)_{y_n} = (softmax(x) - onehot(y)) / N_valid
    x = t64(LOGITS)
    loss = F.cross_entropy(x, TARGETS)
    assert loss.grad_fn.name == "cross_entropy" and loss.grad_fn.parents == (x, None)
    loss.backward()
    e = np.exp(LOGITS - LOGITS.max(1, keepdims=True))
    expected = e / e.sum(1, keepdims=True)
    valid = TARGETS != -100
    expected[np.flatnonzero(valid), TARGETS[valid]] -= 1
    expected[~valid] = 0
    np.testing.assert_allclose(x.grad.data, expected / valid.sum(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_weight_tensor_gets_gradients(reduction):
    # the weighted mean divides by Σ w_y, itself a function of the weights
    w = t64(WEIGHT)
    kw = dict(reduction=reduction, label_smoothing=0.2)
    out = F.cross_entropy(t64(LOGITS, False), TARGETS, weight=w, **kw)
    np.testing.assert_allclose(out.data, np_cross_entropy(LOGITS, TARGETS, weight=WEIGHT, **kw), rtol=1e-12)
    assert gradcheck(lambda a, v: F.cross_entropy(a, TARGETS, weight=v, **kw), [t64(LOGITS), w])
    assert gradgradcheck(lambda a, v: F.cross_entropy(a, TARGETS, weight=v, **kw), [t64(LOGITS), w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_jvp_matches_central_differences(reduction):
    # the fused node's own jvp rule, in the logits and in probability targets
    tx, tp = RNG.standard_normal(LOGITS.shape), RNG.standard_normal(PROBS.shape)

    def f(a, b):
        return F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1)

    _, tangent = ac.jvp(f, (t64(LOGITS, False), t64(PROBS, False)), (t64(tx, False), t64(tp, False)))
    h = 1e-6
    plus = f(t64(LOGITS + h * tx, False), t64(PROBS + h * tp, False)).data
    minus = f(t64(LOGITS - h * tx, False), t64(PROBS - h * tp, False)).data
    np.testing.assert_allclose(tangent.data, (plus - minus) / (2 * h), rtol=1e-6, atol=1e-9)
    # class-index targets: only the logits have a tangent
    _, tangent = ac.jvp(
        lambda a: F.cross_entropy(a, TARGETS, reduction=reduction), (t64(LOGITS, False),), (t64(tx, False),)
    )
    plus = F.cross_entropy(t64(LOGITS + h * tx, False), TARGETS, reduction=reduction).data
    minus = F.cross_entropy(t64(LOGITS - h * tx, False), TARGETS, reduction=reduction).data
    np.testing.assert_allclose(tangent.data, (plus - minus) / (2 * h), rtol=1e-6, atol=1e-9)


VALID_TARGETS = np.array([0, 3, 1, 2, 2, 3])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_plain_class_indices_node(reduction):
    # no weight, no smoothing, every target a class: the ClassIndexCrossEntropy node
    x = t64(LOGITS)
    out = F.cross_entropy(x, VALID_TARGETS, reduction=reduction)
    assert type(out.grad_fn).__name__ == "ClassIndexCrossEntropy"
    np.testing.assert_allclose(
        out.data, np_cross_entropy(LOGITS, VALID_TARGETS, reduction=reduction), rtol=1e-12
    )
    assert gradcheck(lambda a: F.cross_entropy(a, VALID_TARGETS, reduction=reduction), [x])
    assert gradgradcheck(lambda a: F.cross_entropy(a, VALID_TARGETS, reduction=reduction), [x])
    tx = RNG.standard_normal(LOGITS.shape)
    _, tangent = ac.jvp(
        lambda a: F.cross_entropy(a, VALID_TARGETS, reduction=reduction),
        (t64(LOGITS, False),),
        (t64(tx, False),),
    )
    h = 1e-6
    plus = F.cross_entropy(t64(LOGITS + h * tx, False), VALID_TARGETS, reduction=reduction).data
    minus = F.cross_entropy(t64(LOGITS - h * tx, False), VALID_TARGETS, reduction=reduction).data
    np.testing.assert_allclose(tangent.data, (plus - minus) / (2 * h), rtol=1e-6, atol=1e-9)


def test_cross_entropy_other_target_kinds_use_the_one_hot_node():
    x = t64(LOGITS)
    assert type(F.cross_entropy(x, VALID_TARGETS, weight=WEIGHT).grad_fn).__name__ == "SoftmaxCrossEntropy"
    assert (
        type(F.cross_entropy(x, VALID_TARGETS, label_smoothing=0.1).grad_fn).__name__ == "SoftmaxCrossEntropy"
    )
    x3 = t64(RNG.standard_normal((2, 4, 3)))
    assert (
        type(F.cross_entropy(x3, np.array([[0, 1, 3], [2, 2, 0]])).grad_fn).__name__ == "SoftmaxCrossEntropy"
    )


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(0, 40),
    c=st.integers(1, 12),
    scale=st.sampled_from([1.0, 1e3]),
    ignore=st.booleans(),
    data=st.data(),
)
def test_cross_entropy_class_indices_property(n, c, scale, ignore, data):
    # value and gradient against the closed forms, for any batch and class count,
    # large logits and ignored rows: grad = (softmax(x) - onehot(y)) / N_valid
    x = data.draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-1, 1))) * scale
    t = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    if ignore and n:
        t[data.draw(st.integers(0, n - 1))] = -100
    xt = t64(x)
    loss = F.cross_entropy(xt, t)
    valid = t != -100
    if not valid.any():
        assert np.isnan(loss.item())  # 0 / 0, like PyTorch
        return
    np.testing.assert_allclose(loss.item(), np_cross_entropy(x, t), rtol=1e-10)
    loss.backward()
    e = np.exp(x - x.max(1, keepdims=True))
    expected = e / e.sum(1, keepdims=True)
    expected[np.flatnonzero(valid), t[valid]] -= 1
    expected[~valid] = 0
    np.testing.assert_allclose(xt.grad.data, expected / valid.sum(), rtol=1e-10, atol=1e-15)


def test_cross_entropy_float32_keeps_its_dtype():
    x = ac.tensor(LOGITS.astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, TARGETS)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


def test_cross_entropy_ignore_index_contributes_nothing():
    x = t64(LOGITS)
    F.cross_entropy(x, TARGETS).backward()
    assert np.all(x.grad.data[3] == 0)
    # the mean divides by the 5 valid targets only
    kept = np.array([0, 1, 2, 4, 5])
    expected = -np_log_softmax(LOGITS[kept], 1)[np.arange(5), TARGETS[kept]].mean()
    assert F.cross_entropy(t64(LOGITS, False), TARGETS).item() == pytest.approx(expected, rel=1e-12)
    # a custom ignore_index inside the class range
    out = F.cross_entropy(t64(LOGITS, False), np.array([0, 3, 1, 1, 2, 3]), ignore_index=1, reduction="none")
    assert out.data[2] == 0 and out.data[3] == 0 and out.data[0] > 0


def test_cross_entropy_all_ignored_mean_is_nan_like_pytorch():
    with np.errstate(invalid="ignore", divide="ignore"):
        out = F.cross_entropy(t64(LOGITS[:2], False), np.array([-100, -100]))
    assert np.isnan(out.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_inputs(reduction):
    x = RNG.standard_normal((2, 3, 4, 2))
    t = RNG.integers(0, 3, (2, 4, 2))
    t[0, 1, 1] = -100
    kw = dict(weight=np.array([1.0, 0.5, 2.0]), reduction=reduction, label_smoothing=0.2)
    xt = t64(x)
    out = F.cross_entropy(xt, t, **kw)
    assert out.shape == ((2, 4, 2) if reduction == "none" else ())
    np.testing.assert_allclose(out.data, np_cross_entropy(x, t, **kw), rtol=1e-12)
    assert gradcheck(lambda a: F.cross_entropy(a, t, **kw), [xt])
    p = RNG.dirichlet(np.ones(3), (2, 4, 2)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(
        F.cross_entropy(xt, p, reduction=reduction).data,
        np_cross_entropy_probs(x, p, reduction=reduction),
        rtol=1e-12,
    )


def test_cross_entropy_unbatched():
    x = t64(LOGITS[0])
    out = F.cross_entropy(x, np.array(2), reduction="none")
    assert out.shape == ()
    assert out.item() == pytest.approx(-np_log_softmax(LOGITS[:1], 1)[0, 2], rel=1e-12)
    assert F.cross_entropy(x, 2).item() == pytest.approx(out.item())
    probs = F.cross_entropy(x, t64(PROBS[0], False), reduction="none")
    assert probs.shape == ()
    assert probs.item() == pytest.approx(np_cross_entropy_probs(LOGITS[:1], PROBS[:1], reduction="sum"))
    with pytest.raises(ValueError, match="unbatched"):
        F.cross_entropy(x, np.array([1, 2]))
    with pytest.raises(ValueError, match="scalar"):
        F.cross_entropy(t64(1.0), np.array(0))


def test_cross_entropy_equals_nll_of_log_softmax():
    x = t64(LOGITS, False)
    a = F.cross_entropy(x, TARGETS, weight=WEIGHT)
    b = F.nll_loss(F.log_softmax(x, dim=1), TARGETS, weight=WEIGHT)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_cross_entropy_weight_can_be_a_tensor():
    w = t64(WEIGHT, grad=False)
    out = F.cross_entropy(t64(LOGITS, False), TARGETS, weight=w)
    assert out.item() == pytest.approx(np_cross_entropy(LOGITS, TARGETS, weight=WEIGHT), rel=1e-12)


def test_cross_entropy_stable_at_huge_float32_logits():
    x = ac.tensor(
        np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [5e3, -5e3, 1e4]], np.float32), requires_grad=True
    )
    t = np.array([1, 0, 2])
    loss = F.cross_entropy(x, t, reduction="none")
    assert np.isfinite(loss.data).all()
    np.testing.assert_allclose(loss.data, [2e4, 2e4 + np.log(2), 0.0], rtol=1e-5, atol=1e-3)
    loss.sum().backward()
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad.data[0], [1, -1, 0], atol=1e-6)
    x.grad = None
    smoothed = F.cross_entropy(x, t, label_smoothing=0.1)
    smoothed.backward()
    assert np.isfinite(smoothed.item()) and np.isfinite(x.grad.data).all()
    x.grad = None
    probs = F.cross_entropy(x, np.full((3, 3), 1 / 3, np.float32))
    probs.backward()
    assert np.isfinite(probs.item()) and np.isfinite(x.grad.data).all()


def test_cross_entropy_errors():
    x = t64(LOGITS)  # N=6, C=4
    with pytest.raises(ValueError) as info:
        F.cross_entropy(x, np.array([0, 1, 2, 3, 4, 0]))
    msg = str(info.value)
    assert "cross_entropy" in msg and "[0, 3]" in msg and "C=4" in msg and "4" in msg
    with pytest.raises(ValueError, match=r"cross_entropy.*\[0, 3\].*got -1"):
        F.cross_entropy(x, np.array([0, 1, 2, 3, -1, 0]))
    with pytest.raises(TypeError) as info:
        F.cross_entropy(x, np.array([0.0, 1, 2, 3, 0, 1]))
    assert "cross_entropy" in str(info.value) and "float64" in str(info.value)
    with pytest.raises(TypeError, match="cross_entropy.*float32"):
        F.cross_entropy(x, ac.tensor([0.0, 1, 2, 3, 0, 1]))
    with pytest.raises(ValueError) as info:
        F.cross_entropy(x, np.array([0, 1, 2]))
    msg = str(info.value)
    assert "cross_entropy" in msg and "(6, 4)" in msg and "(3,)" in msg and "batch sizes 6 and 3" in msg
    with pytest.raises(ValueError, match="weight must have shape \\(4,\\)"):
        F.cross_entropy(x, TARGETS, weight=np.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, TARGETS, label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, TARGETS, reduction="avg")
    with pytest.raises(TypeError, match="floating"):
        F.cross_entropy(ac.tensor([[1, 2]]), np.array([0]))
    with pytest.raises(TypeError, match="integer"):
        F.cross_entropy(x, np.array([True] * 6))


# ---- nll_loss ------------------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction, weighted):
    lp = np_log_softmax(LOGITS, 1)
    w = WEIGHT if weighted else None
    x = t64(lp)
    out = F.nll_loss(x, TARGETS, weight=w, reduction=reduction)
    valid = TARGETS != -100
    tt = np.where(valid, TARGETS, 0)
    ww = (np.ones(4) if w is None else w)[tt] * valid
    per = -lp[np.arange(6), tt] * ww
    expected = {"none": per, "sum": per.sum(), "mean": per.sum() / ww.sum()}[reduction]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradcheck(lambda a: F.nll_loss(a, TARGETS, weight=w, reduction=reduction), [x])


def test_nll_loss_unbatched_spatial_and_errors():
    lp = np_log_softmax(LOGITS, 1)
    assert F.nll_loss(t64(lp[0]), np.array(1), reduction="none").shape == ()
    assert F.nll_loss(t64(lp[0]), 1).item() == pytest.approx(-lp[0, 1])
    x = np_log_softmax(RNG.standard_normal((2, 3, 5)), 1)
    t = RNG.integers(0, 3, (2, 5))
    np.testing.assert_allclose(
        F.nll_loss(t64(x), t, reduction="none").data, -np.take_along_axis(x, t[:, None], 1)[:, 0]
    )
    with pytest.raises(TypeError, match="nll_loss.*float64"):
        F.nll_loss(t64(lp), np.zeros(6))
    with pytest.raises(ValueError, match="nll_loss.*C=4"):
        F.nll_loss(t64(lp), np.full(6, 9))
    with pytest.raises(ValueError, match=r"nll_loss.*\(6, 4\).*\(5,\)"):
        F.nll_loss(t64(lp), np.zeros(5, np.int64))
    with pytest.raises(ValueError, match="scalar class index"):
        F.nll_loss(t64(lp[0]), np.ones((1, 4)))


# ---- binary cross entropy ---------------------------------------------------------------------------

P = RNG.uniform(0.05, 0.95, (5, 3))
YB = RNG.uniform(0, 1, (5, 3))
W3 = np.array([0.5, 1.0, 2.0])


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction, weighted):
    w = W3 if weighted else None
    per = -(YB * np.log(P) + (1 - YB) * np.log(1 - P)) * (1 if w is None else w)
    x, y = t64(P), t64(YB)
    out = F.binary_cross_entropy(x, y, weight=w, reduction=reduction)
    np.testing.assert_allclose(out.data, reduce_np(per, reduction), rtol=1e-12)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), [x, y])
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), [x, y])


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    for dtype in (np.float32, np.float64):
        x = ac.tensor(np.array([0.0, 1.0, 0.0, 1.0, 1e-45, 1e-30], dtype), requires_grad=True)
        y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], dtype)
        loss = F.binary_cross_entropy(x, y, reduction="none")
        expected = [100.0, 100.0, 0.0, 0.0, 100.0, -np.log(np.asarray(1e-30, dtype))]
        np.testing.assert_allclose(loss.data, expected, rtol=1e-6)
        loss.sum().backward()
        assert np.isfinite(x.grad.data).all()


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match="binary_cross_entropy.*\\[0, 1\\].*max 1.5"):
        F.binary_cross_entropy(t64([0.5, 1.5]), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input shape \(2,\) and target shape \(3,\)"):
        F.binary_cross_entropy(t64([0.5, 0.5]), [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="weight of shape"):
        F.binary_cross_entropy(t64(P), YB, weight=np.ones(4))


def np_bce_logits(x, y, w=None, pw=None):
    s = 1 / (1 + np.exp(-x))
    p = 1 if pw is None else pw
    per = -(p * y * np.log(s) + (1 - y) * np.log(1 - s))
    return per * (1 if w is None else w)


@pytest.mark.parametrize("pos_weighted", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction, weighted, pos_weighted):
    w = W3 if weighted else None
    pw = np.array([3.0, 0.5, 1.0]) if pos_weighted else None
    x, y = t64(X[:3]), t64(YB[:3])
    xs = X[:3]

    def f(a, b):
        return F.binary_cross_entropy_with_logits(a, b, weight=w, reduction=reduction, pos_weight=pw)

    np.testing.assert_allclose(
        f(x, y).data, reduce_np(np_bce_logits(xs, YB[:3], w, pw), reduction), rtol=1e-12
    )
    assert gradcheck(f, [x, y])
    assert gradgradcheck(f, [x, y])


def test_bce_with_logits_matches_bce_of_sigmoid():
    x = t64(X, False)
    a = F.binary_cross_entropy_with_logits(x, (Y > 0).astype(float))
    b = F.binary_cross_entropy(F.sigmoid(x), (Y > 0).astype(float))
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_bce_with_logits_stable_at_huge_float32_logits():
    x = ac.tensor(np.array([1e4, -1e4, 1e4, -1e4, 0.0], np.float32), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=np.float32(2.0) * np.ones(5))
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1e4, 2e4, 2 * np.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 1.0, -2.0, -1.0], atol=1e-6)
    assert x.grad.dtype == np.float32


def test_bce_with_logits_errors():
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy_with_logits: input shape \(4, 3\) and target shape \(5, 3\)"
    ):
        F.binary_cross_entropy_with_logits(t64(X), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="pos_weight of shape \\(2,\\)"):
        F.binary_cross_entropy_with_logits(t64(X), Y, pos_weight=np.ones(2))


# ---- KL divergence ---------------------------------------------------------------------------------

LOGQ = np_log_softmax(RNG.standard_normal((4, 5)), 1)
PT = RNG.dirichlet(np.ones(5), 4)
PT[0, 2] = 0.0  # a zero-probability target: contributes 0, not nan


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div(reduction):
    per = np.where(PT > 0, PT * np.log(np.where(PT > 0, PT, 1)), 0) - PT * LOGQ
    expected = per.sum() / 4 if reduction == "batchmean" else reduce_np(per, reduction)
    x = t64(LOGQ)
    out = F.kl_div(x, PT, reduction=reduction)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradcheck(lambda a: F.kl_div(a, PT, reduction=reduction), [x])
    assert np.isfinite(out.data).all()


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div_log_target(reduction):
    logp = np.log(RNG.dirichlet(np.ones(5), 4))
    per = np.exp(logp) * (logp - LOGQ)
    expected = per.sum() / 4 if reduction == "batchmean" else reduce_np(per, reduction)
    x, t = t64(LOGQ), t64(logp)
    out = F.kl_div(x, t, reduction=reduction, log_target=True)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True), [x, t])


def test_kl_div_batchmean_is_true_kl_and_errors():
    p = PT[1:2]
    q = np.exp(LOGQ[1:2])
    kl = float((p * np.log(p / q)).sum())
    assert F.kl_div(t64(LOGQ[1:2]), p, reduction="batchmean").item() == pytest.approx(kl, rel=1e-12)
    with pytest.raises(ValueError, match="'batchmean'"):
        F.kl_div(t64(LOGQ), PT, reduction="avg")
    with pytest.raises(ValueError, match=r"kl_div: input shape \(4, 5\) and target shape \(3, 5\)"):
        F.kl_div(t64(LOGQ), PT[:3])


# ---- batch-size and reduction errors for every loss -----------------------------------------------


@pytest.mark.parametrize(
    "fn", [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss, F.binary_cross_entropy, F.kl_div]
)
def test_mismatched_batch_sizes_name_loss_and_shapes(fn):
    with pytest.raises(ValueError) as info:
        fn(t64(np.full((4, 2), 0.5)), np.full((3, 2), 0.5))
    msg = str(info.value)
    assert fn.__name__ in msg and "(4, 2)" in msg and "(3, 2)" in msg


@pytest.mark.parametrize(
    "fn",
    [
        F.mse_loss,
        F.l1_loss,
        F.huber_loss,
        F.smooth_l1_loss,
        F.binary_cross_entropy,
        F.binary_cross_entropy_with_logits,
    ],
)
def test_bad_reduction_and_dtypes(fn):
    with pytest.raises(ValueError, match=f"{fn.__name__}: reduction"):
        fn(t64([0.5]), [0.5], reduction="batchmean")
    with pytest.raises(TypeError, match=f"{fn.__name__}: input must have a floating dtype"):
        fn(ac.tensor([1]), [1])
    with pytest.raises(TypeError, match="target must be numeric"):
        fn(t64([0.5]), np.array(["a"]))


# ---- modules -------------------------------------------------------------------------------------


def test_loss_modules_match_functions():
    x, y = t64(X, False), t64(Y, False)
    cases = [
        (nn.MSELoss(), F.mse_loss(x, y)),
        (nn.L1Loss(reduction="sum"), F.l1_loss(x, y, reduction="sum")),
        (nn.HuberLoss(delta=0.5), F.huber_loss(x, y, delta=0.5)),
        (nn.SmoothL1Loss(beta=0.5, reduction="none"), F.smooth_l1_loss(x, y, beta=0.5, reduction="none")),
        (nn.KLDivLoss(reduction="batchmean"), F.kl_div(x, y, reduction="batchmean")),
        (nn.KLDivLoss(log_target=True), F.kl_div(x, y, log_target=True)),
    ]
    for module, expected in cases:
        np.testing.assert_array_equal(module(x, y).data, expected.data)
    xl, pl = t64(LOGITS, False), t64(P, False)
    np.testing.assert_array_equal(
        nn.CrossEntropyLoss(weight=WEIGHT, label_smoothing=0.1)(xl, TARGETS).data,
        F.cross_entropy(xl, TARGETS, weight=WEIGHT, label_smoothing=0.1).data,
    )
    np.testing.assert_array_equal(
        nn.CrossEntropyLoss(ignore_index=3)(xl, TARGETS % 4).data,
        F.cross_entropy(xl, TARGETS % 4, ignore_index=3).data,
    )
    lp = F.log_softmax(xl, 1)
    np.testing.assert_array_equal(
        nn.NLLLoss(weight=WEIGHT, reduction="sum")(lp, TARGETS).data,
        F.nll_loss(lp, TARGETS, weight=WEIGHT, reduction="sum").data,
    )
    np.testing.assert_array_equal(
        nn.BCELoss(weight=W3)(pl, YB).data, F.binary_cross_entropy(pl, YB, weight=W3).data
    )
    np.testing.assert_array_equal(
        nn.BCEWithLogitsLoss(pos_weight=W3)(pl, YB).data,
        F.binary_cross_entropy_with_logits(pl, YB, pos_weight=W3).data,
    )


def test_loss_module_repr_and_weight_buffers():
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    ce = nn.CrossEntropyLoss(weight=WEIGHT)
    assert list(ce.state_dict()) == ["weight"]
    assert isinstance(ce.weight, ac.Tensor)
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0]).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss(weight=WEIGHT).buffers())[0].shape == (4,)
    assert list(nn.BCELoss().parameters()) == []


def test_loss_modules_drive_training():
    ac.manual_seed(0)
    model = nn.Linear(4, 3).double()
    x = ac.tensor(RNG.standard_normal((30, 4)))
    y = np.argmax(x.data[:, :3], axis=1)
    crit = nn.CrossEntropyLoss()
    first = None
    for _ in range(200):
        loss = crit(model(x), y)
        first = loss.item() if first is None else first
        model.zero_grad()
        loss.backward()
        with ac.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    assert loss.item() < 0.3 * first
