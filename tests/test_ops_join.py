"""Joining and splitting (autograd_core/ops/join.py).

Value, gradient and second-order checks over drawn shapes live in the op-spec table
(testing/specs/join.py); here: closed forms, NumPy dispatch, views, dtypes, errors,
and second-order checks through nonlinear compositions.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core.errors import ShapeError
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing import strategies as S


def _t(*shape, start=0.0):
    size = int(np.prod(shape))
    return ac.tensor((np.arange(size, dtype=np.float64) + start).reshape(shape), requires_grad=True)


# ---- concatenate ----------------------------------------------------------------------


def test_concatenate_values_and_gradient_slices():
    a, b, c = _t(2, 1), _t(2, 3, start=10), _t(2, 0)
    y = ac.concatenate([a, b, c], axis=1)
    np.testing.assert_array_equal(y.data, np.concatenate([a.data, b.data, c.data], axis=1))
    assert y.grad_fn.name == "concatenate"
    g = np.arange(8.0).reshape(2, 4)
    y.backward(g)
    np.testing.assert_array_equal(a.grad.data, g[:, :1])
    np.testing.assert_array_equal(b.grad.data, g[:, 1:])
    assert c.grad.shape == (2, 0)


def test_concatenate_axis_none_flattens():
    a, b = _t(2, 2), _t()
    y = ac.concatenate([a, b], axis=None)
    np.testing.assert_array_equal(y.data, [0, 1, 2, 3, 0])
    y.backward(np.arange(5.0))
    np.testing.assert_array_equal(a.grad.data, [[0, 1], [2, 3]])
    assert b.grad.shape == () and b.grad.item() == 4


def test_concatenate_single_input_and_negative_axis():
    a = _t(2, 3)
    y = ac.concatenate((a,), axis=-1)
    y.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(a.grad.data, 1)


def test_concatenate_mixes_arrays_and_tensors_via_numpy():
    a = _t(2)
    y = np.concatenate([np.array([7.0]), a])
    assert isinstance(y, ac.Tensor)
    np.testing.assert_array_equal(y.data, [7, 0, 1])
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(a.grad.data, [2, 3])


def test_concatenate_dtype_promotion_keeps_input_grad_dtypes():
    a = ac.tensor(np.ones(2, np.float32), requires_grad=True)
    b = ac.tensor(np.ones(1, np.float64), requires_grad=True)
    y = ac.concatenate([a, b])
    assert y.dtype == np.float64
    y.backward(np.ones(3))
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_concatenate_only_inputs_that_need_grad_get_one():
    a = _t(2)
    b = ac.tensor([5.0, 6.0])
    y = ac.concatenate([b, a])
    assert y.grad_fn.needs_grad == (False, True)
    y.backward(np.arange(4.0))
    np.testing.assert_array_equal(a.grad.data, [2, 3])
    assert b.grad is None
    ints = ac.concatenate([ac.tensor([1, 2]), ac.tensor([3])])
    assert ints.dtype == np.int64 and ints.grad_fn is None


def test_concatenate_errors_name_every_shape():
    with pytest.raises(ShapeError, match=r"concatenate: .*axis 0.*\(2, 3\), \(2, 4\), \(1, 3\)"):
        ac.concatenate([ac.zeros(2, 3), ac.zeros(2, 4), ac.zeros(1, 3)])
    with pytest.raises(ValueError, match=r"concatenate: .*same number of dimensions.*\(2,\), \(2, 1\)"):
        ac.concatenate([ac.zeros(2), ac.zeros(2, 1)])
    with pytest.raises(ValueError, match=r"concatenate: .*\(\), \(\)"):
        ac.concatenate([ac.tensor(1.0), ac.tensor(2.0)])
    with pytest.raises(ValueError, match="concatenate: need at least one"):
        ac.concatenate([])
    with pytest.raises(np.exceptions.AxisError, match="concatenate: axis 2"):
        ac.concatenate([ac.zeros(2, 2)], axis=2)


# ---- stack, hstack, vstack -------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_values_and_gradients(axis):
    a, b = _t(2, 3), _t(2, 3, start=6)
    y = ac.stack([a, b], axis=axis)
    np.testing.assert_array_equal(y.data, np.stack([a.data, b.data], axis=axis))
    g = np.arange(12.0).reshape(y.shape)
    y.backward(g)
    np.testing.assert_array_equal(a.grad.data, np.take(g, 0, axis=axis))
    np.testing.assert_array_equal(b.grad.data, np.take(g, 1, axis=axis))


def test_stack_zero_dim_and_numpy_dispatch():
    a, b = _t(), _t(start=5)
    y = np.stack([a, b])
    assert isinstance(y, ac.Tensor) and y.shape == (2,)
    y.backward(np.array([3.0, 4.0]))
    assert a.grad.item() == 3 and b.grad.item() == 4


def test_stack_errors():
    with pytest.raises(ShapeError, match=r"stack: all input shapes must be equal, got \(2,\), \(3,\)"):
        ac.stack([ac.zeros(2), ac.zeros(3)])
    with pytest.raises(np.exceptions.AxisError, match="stack"):
        ac.stack([ac.zeros(2)], axis=2)
    with pytest.raises(ValueError, match="stack"):
        ac.stack([])


def test_hstack_vstack_match_numpy_and_differentiate():
    a, b = _t(2), _t(3, start=2)
    h = np.hstack([a, b])
    assert isinstance(h, ac.Tensor)
    np.testing.assert_array_equal(h.data, np.arange(5.0))
    m, n = _t(2, 1), _t(2, 2)
    np.testing.assert_array_equal(ac.hstack([m, n]).data, np.hstack([m.data, n.data]))
    v = ac.vstack([a[:2] * 1, _t(1, 2), ac.tensor(np.array([9.0, 9.0]))])
    assert v.shape == (3, 2)
    v.backward(np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(a.grad.data, [0, 1])
    assert np.vstack([ac.tensor(1.0), ac.tensor(2.0)]).shape == (2, 1)
    with pytest.raises(ShapeError, match="concatenate"):
        ac.vstack([ac.zeros(2), ac.zeros(3)])


# ---- split, array_split ------------------------------------------------------------------


def test_split_pieces_are_views_and_gradients_scatter_back():
    x = _t(6, 2)
    parts = ac.split(x, 3)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2, 2)] * 3
    assert all(np.shares_memory(p.data, x.data) for p in parts)
    (parts[0] * 1 + parts[2] * 2).backward(np.ones((2, 2)))
    np.testing.assert_array_equal(x.grad.data[:, 0], [1, 1, 0, 0, 2, 2])


def test_split_at_indices_like_numpy():
    x = _t(2, 5)
    for cuts in ([1, 3], [3, 1], [0, 7], [-2], []):
        parts = np.split(x, cuts, axis=1)
        refs = np.split(x.data, cuts, axis=1)
        assert len(parts) == len(refs)
        for p, r in zip(parts, refs):
            assert isinstance(p, ac.Tensor)
            np.testing.assert_array_equal(p.data, r)


def test_array_split_uneven_sections():
    x = _t(7)
    parts = np.array_split(x, 3)
    assert [p.shape for p in parts] == [(3,), (2,), (2,)]
    parts[1].backward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0, 1, 2, 0, 0])
    assert [p.shape for p in ac.array_split(ac.zeros(2), 4)] == [(1,), (1,), (0,), (0,)]


def test_split_errors():
    with pytest.raises(ShapeError, match=r"split: axis 1 of size 5 \(shape \(2, 5\)\) .* 2 equal sections"):
        ac.split(ac.zeros(2, 5), 2, axis=1)
    with pytest.raises(ValueError, match="split: the number of sections must be positive"):
        ac.split(ac.zeros(4), 0)
    with pytest.raises(ValueError, match="array_split: the number of sections must be positive"):
        ac.array_split(ac.zeros(4), -1)
    with pytest.raises(ValueError, match="split: cannot split a 0-d tensor"):
        ac.split(ac.tensor(1.0), 1)
    with pytest.raises(np.exceptions.AxisError, match="split"):
        ac.split(ac.zeros(4), 2, axis=1)
    with pytest.raises(TypeError, match="split: expected an integer"):
        ac.split(ac.zeros(4), [1.5])


# ---- second order through nonlinear compositions -------------------------------------------


@settings(max_examples=15)
@given(st.data())
def test_second_order_concatenate_stack_split(data):
    shape = data.draw(S.shapes(min_dims=1))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = ac.tensor(data.draw(S.arrays(shape)), requires_grad=True)
    b = ac.tensor(data.draw(S.arrays(shape)), requires_grad=True)

    def joined(p, q):
        c = ac.concatenate([p * q, q], axis=axis)
        s = ac.stack([p, q * q], axis=axis)
        return c * c, s * s

    gradcheck(joined, [a, b])
    gradgradcheck(joined, [a, b])
    n = shape[axis]

    def pieces(p):
        return [piece * piece for piece in ac.array_split(p * p, 2, axis=axis)] + [
            ac.split(p, [n // 2], axis=axis)[1] * p.reshape(-1)[0]
        ]

    gradcheck(pieces, [a])
    gradgradcheck(pieces, [a])
