"""Reductions (autograd_core/ops/reduction.py): closed forms, edge cases, dispatch, errors.

Values, gradients and second derivatives on random inputs come from the op-spec rows
(autograd_core/testing/specs/reduction.py, run by tests/test_opspecs.py); this file
checks what those generic tests cannot: exact closed-form gradients, subgradient
conventions, zeros in prod, numerical stability, NumPy dispatch and error messages.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core.errors import UnsupportedNumpyFunction
from autograd_core.function import Op
from autograd_core.testing import gradcheck, gradgradcheck


def _leaf(a, dtype=np.float64):
    return ac.tensor(np.asarray(a, dtype=dtype), requires_grad=True)


def _grad(fn, a, upstream=None, dtype=np.float64):
    x = _leaf(a, dtype)
    y = fn(x)
    y.backward(upstream if upstream is not None else (None if y.size == 1 else np.ones(y.shape, y.dtype)))
    return x.grad.data


# ---- sum and mean ---------------------------------------------------------------------------


def test_sum_values_and_gradient_are_ones():
    a = np.arange(24.0).reshape(2, 3, 4)
    assert ac.sum(a).item() == a.sum()
    np.testing.assert_array_equal(ac.sum(a, axis=(0, 2)).data, a.sum(axis=(0, 2)))
    assert ac.sum(a, axis=1, keepdims=True).shape == (2, 1, 4)
    np.testing.assert_array_equal(_grad(ac.sum, a), np.ones_like(a))
    up = np.arange(3.0)
    np.testing.assert_array_equal(
        _grad(lambda t: t.sum(axis=(0, 2)), a, up), np.broadcast_to(up[:, None], a.shape)
    )


def test_sum_backward_is_a_broadcast_view():
    """The gradient sent upstream is a zero-stride view, not a materialised array."""
    x = _leaf(np.ones((64, 32)))
    seen = []
    y = x * 2.0
    y.register_hook(lambda g: seen.append(g.data))
    y.sum(axis=0).sum().backward()
    assert seen[0].shape == (64, 32)
    assert 0 in seen[0].strides
    np.testing.assert_array_equal(x.grad.data, np.full((64, 32), 2.0))


def test_mean_gradient_is_one_over_n():
    a = np.arange(12.0).reshape(3, 4)
    assert ac.mean(a).item() == pytest.approx(5.5)
    np.testing.assert_allclose(_grad(ac.mean, a), np.full((3, 4), 1 / 12))
    np.testing.assert_allclose(_grad(lambda t: t.mean(axis=0), a), np.full((3, 4), 1 / 3))
    np.testing.assert_allclose(_grad(lambda t: t.mean(axis=-1, keepdims=True), a), np.full((3, 4), 1 / 4))


def test_integer_and_list_inputs():
    s = ac.sum(ac.tensor([[1, 2], [3, 4]]), axis=0)
    assert s.dtype.kind == "i" and s.tolist() == [4, 6] and not s.requires_grad
    m = ac.mean(ac.tensor([1, 2]))
    assert m.dtype == np.float64 and m.item() == 1.5
    assert ac.sum([1.0, 2.0]).dtype == np.float32  # Python floats take the default dtype
    assert ac.sum(ac.tensor([True, True, False])).item() == 2


def test_float32_stays_float32():
    a = np.random.default_rng(0).standard_normal((3, 5))
    for fn in (ac.sum, ac.mean, ac.var, ac.std, ac.prod, ac.max, ac.min, ac.logsumexp, ac.norm):
        x = _leaf(a, np.float32)
        y = fn(x, axis=1)
        assert y.dtype == np.float32, fn.__name__
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad.dtype == np.float32, fn.__name__
    for fn in (ac.cumsum, ac.softmax, ac.log_softmax):
        x = _leaf(a, np.float32)
        y = fn(x)
        assert y.dtype == np.float32
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad.dtype == np.float32


def test_zero_dim_and_empty_axes():
    x = _leaf(2.5)
    for fn in (ac.sum, ac.mean, ac.prod, ac.max, ac.min, ac.logsumexp):
        for axis in (None, (), 0, -1):
            y = fn(x, axis=axis)
            assert y.shape == () and y.item() == pytest.approx(2.5), (fn.__name__, axis)
    assert ac.var(x, axis=0).item() == 0.0
    a = np.arange(6.0).reshape(2, 3)
    for fn in (ac.sum, ac.mean, ac.prod, ac.max, ac.min, ac.logsumexp):
        np.testing.assert_allclose(fn(a, axis=()).data, a)
        np.testing.assert_allclose(_grad(lambda t, fn=fn: fn(t, axis=()), a), np.ones_like(a))
    np.testing.assert_allclose(ac.var(a, axis=()).data, np.zeros_like(a))


def test_empty_tensors():
    e = np.zeros((0, 3))
    assert ac.sum(e).item() == 0.0
    np.testing.assert_array_equal(ac.sum(e, axis=0).data, np.zeros(3))
    np.testing.assert_array_equal(ac.prod(e, axis=0).data, np.ones(3))
    assert _grad(lambda t: ac.sum(t, axis=0), e).shape == (0, 3)
    assert _grad(lambda t: ac.prod(t, axis=0), e).shape == (0, 3)
    assert ac.max(e, axis=1).shape == (0,)  # reducing a non-empty axis of an empty tensor
    with pytest.warns(RuntimeWarning):
        assert np.isnan(ac.mean(e).item())
    assert ac.logsumexp(e).item() == -np.inf


# ---- var and std --------------------------------------------------------------------------


def test_var_std_closed_forms():
    a = np.array([1.0, 2.0, 4.0, 7.0])
    mu, n = a.mean(), a.size
    assert ac.var(a).item() == pytest.approx(a.var())
    assert ac.var(a, ddof=1).item() == pytest.approx(a.var(ddof=1))
    assert ac.std(a, ddof=1).item() == pytest.approx(a.std(ddof=1))
    np.testing.assert_allclose(_grad(ac.var, a), 2 * (a - mu) / n)
    np.testing.assert_allclose(_grad(lambda t: ac.var(t, ddof=1), a), 2 * (a - mu) / (n - 1))
    np.testing.assert_allclose(_grad(ac.std, a), (a - mu) / (n * a.std()))
    np.testing.assert_allclose(_grad(lambda t: t.std(ddof=1), a), (a - mu) / ((n - 1) * a.std(ddof=1)))


def test_var_second_derivative_closed_form():
    """d/dx <∇var(x), v> = 2/n (v - mean(v))."""
    a = np.array([0.3, -1.0, 2.0, 0.5, 1.1])
    v = np.array([1.0, -2.0, 0.5, 3.0, 0.0])
    x = _leaf(a)
    ac.var(x).backward(create_graph=True)
    g = x.grad
    x.grad = None
    (g * v).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 / a.size * (v - v.mean()), atol=1e-15)


def test_std_of_constant_slice_has_zero_gradient():
    g = _grad(lambda t: ac.std(t, axis=1), np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]]))
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(g[0], 0.0)


def test_var_std_ddof_at_least_n_follows_numpy():
    a = np.array([1.0, 3.0])
    with pytest.warns(RuntimeWarning):
        expected = np.var(a, ddof=2)
    with pytest.warns(RuntimeWarning):
        got = ac.var(a, ddof=2).item()
    assert got == expected or (np.isnan(got) and np.isnan(expected))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isinf(ac.std(a, ddof=2).item())


# ---- prod -----------------------------------------------------------------------------------


def test_prod_gradient_without_zeros():
    a = np.array([[2.0, 3.0, 4.0], [0.5, -1.0, 2.0]])
    assert ac.prod(a).item() == pytest.approx(np.prod(a))
    np.testing.assert_allclose(_grad(lambda t: ac.prod(t, axis=1), a), np.prod(a, 1, keepdims=True) / a)


def test_prod_gradient_with_zeros():
    a = np.array([[0.0, 3.0, 4.0], [0.0, 0.0, 2.0], [5.0, 6.0, 7.0]])
    g = _grad(lambda t: ac.prod(t, axis=1), a)
    np.testing.assert_array_equal(g, [[12.0, 0.0, 0.0], [0.0, 0.0, 0.0], [42.0, 35.0, 30.0]])
    gradcheck(lambda t: ac.prod(t, axis=1), [_leaf(a)])
    gradgradcheck(lambda t: ac.prod(t, axis=1), [_leaf(a)])
    gradgradcheck(lambda t: ac.prod(t, axis=(0, 1)), [_leaf(a)])


def test_prod_second_derivative_with_zeros_closed_form():
    """∂²/∂x_i∂x_j ∏x = ∏_{k≠i,j} x_k; with x = (0, 2, 3): row sums of the Hessian."""
    x = _leaf([0.0, 2.0, 3.0])
    ac.prod(x).backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, [6.0, 0.0, 0.0])
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, 3.0, 2.0])


@settings(max_examples=40)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
        elements=st.sampled_from([0.0, -1.5, 2.0, 0.5]),
    ),
    st.data(),
)
def test_prod_gradient_matches_leave_one_out(a, data):
    axis = data.draw(st.integers(0, a.ndim - 1))
    g = _grad(lambda t: ac.prod(t, axis=axis), a)
    expected = np.empty_like(a)
    for idx in np.ndindex(a.shape):
        rest = list(idx)
        rest[axis] = slice(None)
        line = a[tuple(rest)].copy()
        line[idx[axis]] = 1.0
        expected[idx] = np.prod(line)
    np.testing.assert_allclose(g, expected)


# ---- max, min, argmax, argmin ------------------------------------------------------------


def test_max_min_split_gradient_evenly_among_ties():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, 0.0, 1.0]])
    np.testing.assert_allclose(
        _grad(lambda t: ac.max(t, axis=1), a), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [1, 0, 0]]
    )
    np.testing.assert_allclose(
        _grad(lambda t: ac.min(t, axis=1), a), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0, 1, 0]]
    )
    g = _grad(ac.max, np.array([4.0, 1.0, 4.0, 4.0]))
    np.testing.assert_allclose(g, [1 / 3, 0, 1 / 3, 1 / 3])


@settings(max_examples=40)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
        elements=st.integers(0, 2).map(float),
    )
)
def test_max_gradient_is_mask_over_count(a):
    for fn, red in ((ac.max, np.max), (ac.min, np.min)):
        g = _grad(lambda t, fn=fn: fn(t, axis=0), a)
        mask = a == red(a, axis=0, keepdims=True)
        np.testing.assert_allclose(g, mask / mask.sum(axis=0, keepdims=True))
        np.testing.assert_allclose(g.sum(axis=0), 1.0)


def test_max_second_derivative_is_zero():
    x = _leaf([1.0, 3.0, 2.0])
    (ac.max(x) * ac.max(x)).backward(create_graph=True)
    np.testing.assert_allclose(x.grad.data, [0, 6, 0])
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0, 2, 0])  # d/dx (2·max·e_argmax) = 2 e e^T


def test_argmax_argmin():
    a = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    x = _leaf(a)
    r = ac.argmax(x, axis=1)
    assert r.dtype == np.int64 and r.tolist() == [1, 0]  # first maximum, like NumPy
    assert not r.requires_grad and r.grad_fn is None
    assert ac.argmax(x).item() == 3 and ac.argmin(x).item() == 4
    assert x.argmin(axis=0).tolist() == [0, 1, 0]
    assert ac.argmax(x, axis=0, keepdims=True).shape == (1, 3)
    assert ac.argmax(ac.tensor(3.0)).item() == 0


# ---- logsumexp, softmax, log_softmax -------------------------------------------------------


def test_logsumexp_closed_form_and_gradient_is_softmax():
    a = np.array([[0.0, 1.0, 2.0], [-1.0, -1.0, 3.0]])
    expected = np.log(np.exp(a).sum(axis=1))
    np.testing.assert_allclose(ac.logsumexp(a, axis=1).data, expected)
    sm = np.exp(a - expected[:, None])
    np.testing.assert_allclose(_grad(lambda t: t.logsumexp(axis=1), a), sm)
    np.testing.assert_allclose(ac.logsumexp(a, axis=1, keepdims=True).data, expected[:, None])


def test_softmax_and_log_softmax_closed_forms():
    a = np.array([[0.0, 1.0, 2.0], [3.0, 3.0, 3.0]])
    e = np.exp(a)
    sm = e / e.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(ac.softmax(a).data, sm)
    np.testing.assert_allclose(ac.log_softmax(a).data, np.log(sm))
    np.testing.assert_allclose(ac.softmax(a, axis=0).data, e / e.sum(axis=0))
    # Σ softmax = 1, so its gradient is 0; Σ log_softmax = Σx - n·lse → 1 - n·softmax
    np.testing.assert_allclose(_grad(ac.softmax, a), 0.0, atol=1e-12)
    np.testing.assert_allclose(_grad(ac.log_softmax, a), 1 - 3 * sm)
    # upstream e_k picks one output: ∂s_k/∂x = s_k (δ_k - s)
    up = np.zeros_like(a)
    up[:, 0] = 1.0
    np.testing.assert_allclose(_grad(ac.softmax, a, up), sm[:, :1] * ((np.arange(3) == 0) - sm))


def test_softmax_over_several_axes():
    a = np.random.default_rng(1).standard_normal((2, 3, 4))
    for axis in ((0, 2), None):
        s = ac.softmax(a, axis=axis).data
        np.testing.assert_allclose(s.sum(axis=axis), 1.0)
        np.testing.assert_allclose(ac.log_softmax(a, axis=axis).data, np.log(s))
    gradgradcheck(lambda t: ac.softmax(t, axis=(0, 2)), [_leaf(a)])


@pytest.mark.parametrize("fn", [ac.logsumexp, ac.softmax, ac.log_softmax])
def test_stable_for_large_float32_inputs(fn):
    a = np.array([[1e4, -1e4, 0.0, 1e4 - 1], [-1e4, -1e4, -1e4, -1e4 + 2]], dtype=np.float32)
    x = ac.tensor(a, requires_grad=True)
    y = fn(x, axis=-1) if fn is ac.logsumexp else fn(x)
    assert y.dtype == np.float32
    assert np.all(np.isfinite(y.data))
    y.backward(np.ones(y.shape, np.float32))
    assert x.grad.dtype == np.float32
    assert np.all(np.isfinite(x.grad.data))
    if fn is ac.logsumexp:
        np.testing.assert_allclose(
            y.data, [1e4 + np.log1p(np.exp(-1.0)), -1e4 + 2 + np.log1p(3 * np.exp(-2.0))]
        )


def test_logsumexp_with_infinite_entries():
    assert ac.logsumexp(np.array([-np.inf, 0.0])).item() == 0.0
    assert ac.logsumexp(np.array([-np.inf, -np.inf])).item() == -np.inf
    np.testing.assert_array_equal(ac.softmax(np.array([-np.inf, 0.0])).data, [0.0, 1.0])


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 80),
    classes=st.integers(1, 40),
    lead=st.sampled_from([(), (3,)]),
    dtype=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
)
def test_softmax_family_on_short_last_axes_matches_numpy(rows, classes, lead, dtype, data):
    # Short last axes of large enough arrays take the transposed-copy maximum (a
    # separate code path from np.max): values, infinities and NaN rows must agree.
    shape = lead + (rows, classes)
    a = data.draw(hnp.arrays(dtype, shape, elements=st.floats(-50, 50, width=32)))
    if a.size and data.draw(st.booleans()):
        a[..., 0, :] = -np.inf  # an all -inf row: softmax 0/0 = nan, logsumexp -inf
        a[..., -1, 0] = np.inf if classes > 1 else a[..., -1, 0]
    m = a.max(axis=-1, keepdims=True)
    safe = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = a - safe
        lse = np.log(np.exp(z).sum(axis=-1, keepdims=True))
        np.testing.assert_allclose(ac.log_softmax(a).data, z - lse, rtol=2e-6)
        np.testing.assert_allclose(
            ac.softmax(a).data, np.exp(z) / np.exp(z).sum(-1, keepdims=True), rtol=2e-6
        )
        np.testing.assert_allclose(ac.logsumexp(a, axis=-1).data, (lse + safe)[..., 0], rtol=2e-6)


# ---- cumsum ---------------------------------------------------------------------------------


def test_cumsum_values_and_reversed_cumsum_gradient():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ac.cumsum(a).data, np.cumsum(a))  # None flattens
    assert ac.cumsum(a).shape == (6,)
    np.testing.assert_array_equal(ac.cumsum(a, axis=1).data, np.cumsum(a, axis=1))
    np.testing.assert_array_equal(_grad(lambda t: t.cumsum(axis=1), a), [[3, 2, 1], [3, 2, 1]])
    np.testing.assert_array_equal(_grad(lambda t: t.cumsum(axis=0), a), [[2, 2, 2], [1, 1, 1]])
    np.testing.assert_array_equal(_grad(ac.cumsum, a), [[6, 5, 4], [3, 2, 1]])
    up = np.array([1.0, 10.0, 100.0])
    np.testing.assert_array_equal(_grad(lambda t: ac.cumsum(t), np.zeros(3), up), [111.0, 110.0, 100.0])
    assert ac.cumsum(ac.tensor(2.0), axis=0).shape == (1,)  # NumPy makes 0-d 1-d
    assert ac.cumsum(ac.tensor([1, 2, 3])).tolist() == [1, 3, 6]


def test_cumsum_second_order():
    a = np.random.default_rng(2).standard_normal((3, 4))
    gradgradcheck(lambda t: ac.cumsum(t * t, axis=-1), [_leaf(a)])


# ---- norm -----------------------------------------------------------------------------------


def test_norm_values_match_numpy():
    a = np.array([[3.0, -4.0, 0.5], [1.0, 2.0, -2.0]])
    for ord in (None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1):
        np.testing.assert_allclose(
            ac.norm(a, ord, axis=1).data, np.linalg.norm(a, ord, axis=1), err_msg=str(ord)
        )
    assert ac.norm(a).item() == pytest.approx(np.linalg.norm(a))
    assert ac.norm(a, "fro").item() == pytest.approx(np.linalg.norm(a, "fro"))
    assert ac.norm(a, 1).item() == pytest.approx(np.abs(a).sum())  # vector norm of all entries
    assert ac.norm(a, axis=0, keepdims=True).shape == (1, 3)


def test_norm_gradients_closed_forms():
    a = np.array([3.0, -4.0, 1.0])
    n2 = np.linalg.norm(a)
    np.testing.assert_allclose(_grad(ac.norm, a), a / n2)
    np.testing.assert_allclose(_grad(lambda t: ac.norm(t, 1), a), np.sign(a))
    np.testing.assert_allclose(_grad(lambda t: ac.norm(t, np.inf), a), [0, -1, 0])
    n3 = np.sum(np.abs(a) ** 3) ** (1 / 3)
    np.testing.assert_allclose(_grad(lambda t: ac.norm(t, 3), a), np.sign(a) * (np.abs(a) / n3) ** 2)
    np.testing.assert_allclose(_grad(lambda t: ac.norm(t, 0), a), 0.0)


@pytest.mark.parametrize("ord", [None, 2, "fro", 1, np.inf, 3])
def test_norm_gradient_is_zero_at_zero(ord):
    g = _grad(lambda t: ac.norm(t, ord), np.zeros((2, 3)))
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(g, 0.0)
    x = _leaf(np.zeros(3))
    ac.norm(x, ord).backward(create_graph=True)
    assert np.all(x.grad.data == 0)


def test_norm_zero_row_among_others():
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(_grad(lambda t: ac.norm(t, axis=1), a), [[0, 0], [0.6, 0.8]])


def test_norm_large_p_does_not_overflow():
    a = np.array([1e200, 2e200])
    assert ac.norm(a, 4).item() == pytest.approx(np.sum(np.array([1.0, 2.0]) ** 4) ** 0.25 * 1e200)
    assert np.all(np.isfinite(_grad(lambda t: ac.norm(t, 4), a)))


def test_norm_rejects_bad_ord():
    with pytest.raises(ValueError, match="nuc"):
        ac.norm(np.ones(3), "nuc")
    with pytest.raises(TypeError, match="ord"):
        ac.norm(np.ones(3), [1])


# ---- methods and NumPy dispatch -----------------------------------------------------------


def test_tensor_methods_match_functions():
    a = np.random.default_rng(3).standard_normal((3, 4))
    t = ac.tensor(a)
    pairs = [
        (t.sum(1), a.sum(1)),
        (t.mean(axis=0, keepdims=True), a.mean(0, keepdims=True)),
        (t.var(ddof=1), a.var(ddof=1)),
        (t.std(axis=1), a.std(1)),
        (t.prod(0), a.prod(0)),
        (t.max(), a.max()),
        (t.min(axis=1), a.min(1)),
        (t.argmax(axis=1), a.argmax(1)),
        (t.argmin(), a.argmin()),
        (t.cumsum(0), a.cumsum(0)),
        (t.logsumexp(axis=0), np.log(np.exp(a).sum(0))),
        (t.norm(), np.linalg.norm(a)),
        (t.softmax(0), np.exp(a) / np.exp(a).sum(0)),
        (t.log_softmax(axis=1), a - np.log(np.exp(a).sum(1, keepdims=True))),
    ]
    for got, want in pairs:
        assert isinstance(got, ac.Tensor)
        np.testing.assert_allclose(got.data, want)


def test_numpy_functions_dispatch_and_differentiate():
    a = np.random.default_rng(4).standard_normal((3, 4))
    cases = [
        (lambda t: np.sum(t, axis=0), lambda x: np.sum(x, axis=0)),
        (lambda t: np.sum(t, 1, None, None, True), lambda x: np.sum(x, 1, None, None, True)),
        (lambda t: np.mean(t, axis=(0, 1)), lambda x: np.mean(x, axis=(0, 1))),
        (lambda t: np.var(t, axis=1, ddof=1), lambda x: np.var(x, axis=1, ddof=1)),
        (lambda t: np.var(t, correction=1), lambda x: np.var(x, correction=1)),
        (lambda t: np.std(t, 0, keepdims=True), lambda x: np.std(x, 0, keepdims=True)),
        (lambda t: np.prod(t, axis=1), lambda x: np.prod(x, axis=1)),
        (lambda t: np.max(t, axis=0), lambda x: np.max(x, axis=0)),
        (lambda t: np.amax(t), lambda x: np.amax(x)),
        (lambda t: np.min(t, 1), lambda x: np.min(x, 1)),
        (lambda t: np.amin(t, axis=0, keepdims=True), lambda x: np.amin(x, axis=0, keepdims=True)),
        (lambda t: np.cumsum(t, axis=1), lambda x: np.cumsum(x, axis=1)),
        (lambda t: np.cumsum(t), lambda x: np.cumsum(x)),
        (lambda t: np.linalg.norm(t), lambda x: np.linalg.norm(x)),
        (lambda t: np.linalg.norm(t, axis=1), lambda x: np.linalg.norm(x, axis=1)),
        (lambda t: np.linalg.norm(t, 3, 0), lambda x: np.linalg.norm(x, 3, 0)),
        (lambda t: np.linalg.norm(t, "fro"), lambda x: np.linalg.norm(x, "fro")),
        (lambda t: np.add.reduce(t), lambda x: np.add.reduce(x)),
        (
            lambda t: np.add.reduce(t, axis=1, keepdims=True),
            lambda x: np.add.reduce(x, axis=1, keepdims=True),
        ),
        (lambda t: np.add.reduce(t, axis=None), lambda x: np.add.reduce(x, axis=None)),
        (lambda t: np.multiply.reduce(t, axis=1), lambda x: np.multiply.reduce(x, axis=1)),
        (lambda t: np.maximum.reduce(t), lambda x: np.maximum.reduce(x)),
        (lambda t: np.minimum.reduce(t, axis=(0, 1)), lambda x: np.minimum.reduce(x, axis=(0, 1))),
    ]
    for f, ref in cases:
        x = _leaf(a)
        out = f(x)
        assert isinstance(out, ac.Tensor) and out.requires_grad
        np.testing.assert_allclose(out.data, ref(a))
        gradcheck(f, [_leaf(a)])
    assert np.argmax(ac.tensor(a), axis=1).tolist() == np.argmax(a, axis=1).tolist()
    assert np.argmin(ac.tensor(a)).item() == np.argmin(a)
    assert np.sum(ac.tensor(a, dtype=np.float32), dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("ord", ["fro", 1, -1, np.inf, -np.inf])
def test_numpy_linalg_matrix_norms(ord):
    a = np.array([[1.0, -7.0, 2.5], [3.0, 0.5, -4.0]])
    np.testing.assert_allclose(np.linalg.norm(ac.tensor(a), ord).data, np.linalg.norm(a, ord))
    b = np.random.default_rng(5).standard_normal((2, 3, 4))
    got = np.linalg.norm(ac.tensor(b), ord, axis=(2, 0), keepdims=True)
    np.testing.assert_allclose(got.data, np.linalg.norm(b, ord, axis=(2, 0), keepdims=True))
    gradcheck(lambda t: np.linalg.norm(t, ord), [_leaf(a)])


def test_numpy_linalg_norm_unsupported_and_invalid():
    t = ac.tensor(np.ones((2, 2)))
    for ord in (2, -2, "nuc"):
        with pytest.raises(TypeError, match="singular value"):
            np.linalg.norm(t, ord)
    with pytest.raises(ValueError, match="vectors"):
        np.linalg.norm(ac.tensor(np.ones(3)), "fro")
    with pytest.raises(ValueError, match="dimensions"):
        np.linalg.norm(ac.tensor(np.ones((2, 2, 2))), 1)


def test_numpy_unsupported_keywords_raise():
    t = ac.tensor(np.ones((2, 3)))
    with pytest.raises(UnsupportedNumpyFunction):
        np.sum(t, out=np.empty(3))
    with pytest.raises(TypeError, match="where"):
        np.sum(t, where=np.ones((2, 3), bool))
    with pytest.raises(TypeError, match="initial"):
        np.max(t, initial=0.0)
    with pytest.raises(TypeError):
        np.add.reduce(t, out=np.empty(3))


def test_ufunc_reduce_inside_a_polymorphic_rule():
    """Rules may call np.add.reduce / np.maximum.reduce: under create_graph they record."""

    class RowNormSq(Op):
        name = "row_norm_sq_test"
        save_inputs = (0,)

        def forward(self, x):
            return np.add.reduce(x * x, axis=1)

        def backward(self, grad, x):
            # deliberately uses reductions on the saved input (a no-op factor of 1)
            one = np.add.reduce(x, axis=1, keepdims=True) * 0 + 1
            top = np.maximum.reduce(x * 0 + 1, axis=1, keepdims=True)
            return np.expand_dims(grad, 1) * 2 * x * one * top

    a = np.random.default_rng(6).standard_normal((3, 4))
    gradcheck(lambda t: RowNormSq.apply(t), [_leaf(a)])
    gradgradcheck(lambda t: RowNormSq.apply(t), [_leaf(a)])


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [ac.sum, ac.mean, ac.var, ac.std, ac.prod, ac.max, ac.min, ac.logsumexp, ac.norm, ac.argmax, ac.argmin],
)
def test_axis_out_of_range(fn):
    t = ac.tensor(np.ones((2, 3)))
    name = fn.__name__
    with pytest.raises(np.exceptions.AxisError) as info:
        fn(t, axis=2)
    assert isinstance(info.value, ValueError) and isinstance(info.value, IndexError)
    msg = str(info.value)
    assert name in msg and "(2, 3)" in msg
    with pytest.raises(np.exceptions.AxisError):
        fn(t, axis=-3)


@pytest.mark.parametrize("fn", [ac.cumsum, ac.softmax, ac.log_softmax])
def test_axis_out_of_range_single_axis_ops(fn):
    with pytest.raises(np.exceptions.AxisError, match=fn.__name__):
        fn(ac.tensor(np.ones((2, 3))), axis=5)
    with pytest.raises(np.exceptions.AxisError):
        fn(ac.tensor(np.ones(3)), axis=-2)


def test_axis_errors_for_0d_and_duplicates_and_types():
    with pytest.raises(np.exceptions.AxisError, match=r"\(\)"):
        ac.sum(ac.tensor(1.0), axis=1)
    with pytest.raises(ValueError, match="duplicate"):
        ac.sum(ac.tensor(np.ones((2, 3))), axis=(0, -2))
    with pytest.raises(ValueError, match="duplicate"):
        ac.max(ac.tensor(np.ones((2, 3))), axis=(1, 1))
    with pytest.raises(TypeError, match="axis"):
        ac.mean(ac.tensor(np.ones(3)), axis=0.5)
    with pytest.raises(TypeError, match="argmax"):
        ac.argmax(ac.tensor(np.ones((2, 3))), axis=(0, 1))
    with pytest.raises(TypeError, match="cumsum"):
        ac.cumsum(ac.tensor(np.ones((2, 3))), axis=(0,))


def test_empty_max_and_argmax_raise():
    e = ac.tensor(np.zeros((0, 3)))
    for fn in (ac.max, ac.min, ac.argmax, ac.argmin):
        with pytest.raises(ValueError, match=rf"{fn.__name__}.*\(0, 3\)"):
            fn(e)
        with pytest.raises(ValueError):
            fn(e, axis=0)


def test_errors_leave_no_graph():
    x = _leaf(np.ones((2, 3)))
    with pytest.raises(np.exceptions.AxisError):
        x.sum(axis=4)
    assert x.grad is None and x.is_leaf
    y = x.sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 1.0)


def test_second_backward_through_freed_graph_raises():
    x = _leaf([1.0, 2.0])
    y = ac.logsumexp(x)
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
