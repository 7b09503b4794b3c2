"""Closed-form tests for tile, repeat, pad, flip, roll, tril and triu (ops/shape.py).

Values, gradients and second derivatives on random inputs come from the op-spec rows
(autograd_core/testing/specs/shape.py); here: gradients in closed form (a copied
element collects the gradient of every copy), NumPy dispatch, methods and errors.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing import strategies as S


def _leaf(shape, seed=0, dtype=np.float64):
    data = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    return ac.tensor(data, requires_grad=True)


def _grad_of_ones(fn, x):
    """d sum(fn(x)) / dx, via an all-ones upstream gradient."""
    out = fn(x)
    out.backward(np.ones(out.shape, out.dtype))
    return x.grad.data


# ---- tile -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "reps", "copies"),
    [((2, 3), (2, 2), 4), ((2, 3), 3, 3), ((3,), (2, 1, 2), 4), ((2, 1, 3), (2,), 2), ((), (2, 3), 6)],
)
def test_tile_gradient_counts_copies(shape, reps, copies):
    x = _leaf(shape)
    out = ac.tile(x, reps)
    np.testing.assert_array_equal(out.data, np.tile(x.data, reps))
    assert _grad_of_ones(lambda t: ac.tile(t, reps), x) == pytest.approx(np.full(shape, copies))


def test_tile_weighted_gradient_sums_blocks():
    x = _leaf((2, 3))
    w = np.arange(24.0).reshape(4, 6)
    ac.tile(x, (2, 2)).backward(w)
    expected = w[:2, :3] + w[2:, :3] + w[:2, 3:] + w[2:, 3:]
    np.testing.assert_allclose(x.grad.data, expected)


def test_tile_zero_reps_gives_empty_output_and_zero_gradient():
    x = _leaf((2, 3))
    out = ac.tile(x, (0, 1))
    assert out.shape == (0, 3)
    out.backward(np.ones((0, 3)))
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_tile_dispatch_method_and_errors():
    x = _leaf((2,))
    assert isinstance(np.tile(x, 2), ac.Tensor) and np.tile(x, 2).requires_grad
    assert x.tile((2, 1)).shape == (2, 2)
    with pytest.raises(ValueError, match="tile: reps must be non-negative"):
        ac.tile(x, -1)
    with pytest.raises(TypeError, match="tile: reps"):
        ac.tile(x, 1.5)


# ---- repeat -----------------------------------------------------------------------------


def test_repeat_int_gradient_counts_copies():
    x = _leaf((2, 3))
    assert _grad_of_ones(lambda t: ac.repeat(t, 3, axis=1), x) == pytest.approx(np.full((2, 3), 3.0))


def test_repeat_per_element_gradient_is_the_count():
    x = _leaf((3, 2))
    counts = [2, 0, 3]
    out = ac.repeat(x, counts, axis=0)
    np.testing.assert_array_equal(out.data, np.repeat(x.data, counts, axis=0))
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad.data, np.repeat(np.array(counts, float)[:, None], 2, axis=1))


def test_repeat_weighted_gradient_sums_each_run():
    x = _leaf((3,))
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    ac.repeat(x, [1, 2, 3]).backward(w)
    np.testing.assert_allclose(x.grad.data, [1.0, 2 + 3, 4 + 5 + 6])


def test_repeat_axis_none_flattens_and_0d():
    x = _leaf((2, 2))
    out = ac.repeat(x, 2)
    assert out.shape == (8,)
    np.testing.assert_array_equal(out.data, np.repeat(x.data, 2))
    s = _leaf(())
    assert ac.repeat(s, 3).shape == (3,)
    assert ac.repeat(s, 3, axis=0).shape == (3,)
    np.testing.assert_array_equal(ac.repeat(ac.tensor([1, 2]), [1, 3]).data, [1, 2, 2, 2])


def test_repeat_has_numpy_semantics_as_method_and_via_dispatch():
    x = _leaf((2, 3))
    np.testing.assert_array_equal(x.repeat(2, axis=-1).data, x.data.repeat(2, axis=-1))
    np.testing.assert_array_equal(x.repeat(2).data, x.data.repeat(2))  # not torch's tiling
    out = np.repeat(x, [1, 2], axis=0)
    assert isinstance(out, ac.Tensor) and out.shape == (3, 3)
    assert out.grad_fn.name == "repeat"


def test_repeat_errors():
    x = _leaf((3, 2))
    with pytest.raises(ValueError, match=r"repeat: repeats has 2 entries but axis 0 .*\(3, 2\)"):
        ac.repeat(x, [1, 2], axis=0)
    with pytest.raises(ValueError, match="repeat: repeats may not be negative"):
        ac.repeat(x, -1)
    with pytest.raises(TypeError, match="repeat: repeats must be"):
        ac.repeat(x, 1.5)
    with pytest.raises(np.exceptions.AxisError, match="repeat: axis 2"):
        ac.repeat(x, 2, axis=2)


@settings(max_examples=15)
@given(st.data())
def test_repeat_gradient_equals_count_hypothesis(data):
    shape = data.draw(S.shapes(min_dims=1))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[axis], max_size=shape[axis]))
    x = ac.tensor(np.zeros(shape), requires_grad=True)
    grad = _grad_of_ones(lambda t: ac.repeat(t, counts, axis=axis), x)
    expected_shape = [1] * len(shape)
    expected_shape[axis] = shape[axis]
    np.testing.assert_array_equal(grad, np.broadcast_to(np.reshape(counts, expected_shape), shape))


# ---- pad --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "width", "counts"),
    [
        ("constant", (2, 1), [1, 1, 1]),
        ("edge", (2, 3), [3, 1, 4]),  # a a [a b c] c c c
        ("reflect", (1, 1), [1, 3, 1]),  # b [a b c] b
        ("reflect", (4, 0), [2, 3, 2]),  # a b c b [a b c]
        ("symmetric", (1, 1), [2, 1, 2]),  # a [a b c] c
        ("wrap", (1, 2), [2, 2, 2]),  # c [a b c] a b
    ],
)
def test_pad_gradient_counts_copies(mode, width, counts):
    x = _leaf((3,))
    out = ac.pad(x, width, mode=mode)
    np.testing.assert_array_equal(out.data, np.pad(x.data, width, mode=mode))
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad.data, counts)


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
def test_pad_2d_gradient_is_outer_product_of_axis_counts(mode):
    x = _leaf((3, 4))
    width = ((1, 2), (3, 1))
    grad = _grad_of_ones(lambda t: ac.pad(t, width, mode=mode), x)
    rows = np.bincount(np.pad(np.arange(3), width[0], mode=mode), minlength=3)
    cols = np.bincount(np.pad(np.arange(4), width[1], mode=mode), minlength=4)
    np.testing.assert_array_equal(grad, np.outer(rows, cols))


def test_pad_constant_values_and_weighted_gradient_crops():
    x = _leaf((2, 2))
    out = ac.pad(x, ((1, 0), (0, 2)), constant_values=((7.0, 0.0), (0.0, -1.0)))
    np.testing.assert_array_equal(
        out.data, np.pad(x.data, ((1, 0), (0, 2)), constant_values=((7.0, 0.0), (0.0, -1.0)))
    )
    w = np.arange(12.0).reshape(3, 4)
    out.backward(w)
    np.testing.assert_array_equal(x.grad.data, w[1:, :2])


def test_pad_pad_width_forms_and_dispatch():
    x = _leaf((2, 3))
    for width in (1, (1, 2), ((1, 2),), ((0, 1), (2, 0)), {1: (1, 2)}, {-2: 1}):
        np.testing.assert_array_equal(ac.pad(x, width).data, np.pad(x.data, width))
    out = np.pad(x, 1, mode="reflect")
    assert isinstance(out, ac.Tensor) and out.grad_fn.name == "pad"
    assert ac.pad(_leaf(()), 2).shape == ()
    same = ac.pad(x, 0, mode="wrap")
    assert same.shape == x.shape and not np.shares_memory(same.data, x.data)


def test_pad_second_order_non_constant():
    x = _leaf((3, 2))
    gradgradcheck(lambda t: ac.pad(t, ((2, 1), (1, 1)), mode="reflect") ** 2, [x])


def test_pad_float32_stays_float32():
    x = _leaf((3,), dtype=np.float32)
    out = ac.pad(x, 2, mode="symmetric")
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    assert x.grad.dtype == np.float32


def test_pad_errors():
    x = _leaf((2, 3))
    with pytest.raises(ValueError, match="pad: mode 'mean' is not supported"):
        ac.pad(x, 1, mode="mean")
    with pytest.raises(ValueError, match="pad: pad_width may not be negative"):
        ac.pad(x, -1)
    with pytest.raises(ValueError, match=r"pad: pad_width .* cannot be broadcast to 2"):
        ac.pad(x, ((1, 2), (3, 4), (5, 6)))
    with pytest.raises(TypeError, match="pad: pad_width must contain integers"):
        ac.pad(x, 1.5)
    with pytest.raises(ValueError, match=r"pad: cannot pad axis 0 of shape \(0, 3\) in mode 'edge'"):
        ac.pad(ac.zeros((0, 3)), 1, mode="edge")


# ---- flip and roll ----------------------------------------------------------------------


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), ()])
def test_flip_values_and_gradient_flips_back(axis):
    x = _leaf((2, 3, 4))
    out = ac.flip(x, axis)
    np.testing.assert_array_equal(out.data, np.flip(x.data, axis))
    w = np.random.default_rng(1).normal(size=out.shape)
    out.backward(w)
    np.testing.assert_array_equal(x.grad.data, np.flip(w, axis))


def test_flip_is_a_view_method_and_dispatch():
    x = _leaf((3,))
    out = x.flip()
    assert np.shares_memory(out.data, x.data)
    assert isinstance(np.flip(x, 0), ac.Tensor)
    assert ac.flip(_leaf(())).shape == ()
    with pytest.raises(np.exceptions.AxisError, match="flip: axis 1"):
        ac.flip(x, 1)
    with pytest.raises(ValueError, match="flip: repeated axis"):
        ac.flip(x, (0, -1))


@pytest.mark.parametrize(("shift", "axis"), [(1, None), (-7, None), (2, 1), ((1, -2), (0, 1)), ((1, 2), 0)])
def test_roll_values_and_gradient_rolls_back(shift, axis):
    x = _leaf((3, 4))
    out = ac.roll(x, shift, axis)
    np.testing.assert_array_equal(out.data, np.roll(x.data, shift, axis))
    w = np.arange(12.0).reshape(3, 4)
    out.backward(w)
    back = -shift if isinstance(shift, int) else tuple(-s for s in shift)
    np.testing.assert_array_equal(x.grad.data, np.roll(w, back, axis))


def test_roll_method_dispatch_and_errors():
    x = _leaf((2, 3))
    np.testing.assert_array_equal(x.roll(1, axis=1).data, np.roll(x.data, 1, axis=1))
    assert np.roll(x, 1).grad_fn.name == "roll"
    with pytest.raises(ValueError, match="roll: shift"):
        ac.roll(x, (1, 2, 3), (0, 1))
    with pytest.raises(TypeError, match="roll: with axis=None"):
        ac.roll(x, (1, 2))
    with pytest.raises(np.exceptions.AxisError, match="roll: axis 2"):
        ac.roll(x, 1, 2)


# ---- tril / triu ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [-1, 0, 2])
@pytest.mark.parametrize(("name", "ref"), [("tril", np.tril), ("triu", np.triu)])
def test_tri_gradient_is_the_same_triangle_of_ones(name, ref, k):
    x = _leaf((2, 3, 4))
    out = getattr(ac, name)(x, k)
    np.testing.assert_array_equal(out.data, ref(x.data, k))
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad.data, ref(np.ones((2, 3, 4)), k))
    assert getattr(x, name)(k).grad_fn.name == name
    assert isinstance(ref(x, k), ac.Tensor)


def test_tril_of_vector_broadcasts_to_a_square_like_numpy():
    x = _leaf((3,))
    out = ac.tril(x)
    np.testing.assert_array_equal(out.data, np.tril(x.data))
    out.backward(np.ones((3, 3)))
    np.testing.assert_array_equal(x.grad.data, [3.0, 2.0, 1.0])  # column j is kept in rows j..2
    gradcheck(ac.triu, [_leaf((4,))])


def test_tri_errors():
    with pytest.raises(ValueError, match=r"tril: needs a tensor with at least 1 dimension"):
        ac.tril(_leaf(()))
    with pytest.raises(TypeError, match="triu: k must be an int"):
        ac.triu(_leaf((2, 2)), 0.5)


# ---- second order on the gather primitive ----------------------------------------------


def test_double_backward_through_repeat_and_pad():
    x = _leaf((3,))

    def f(t):
        return ac.pad(ac.repeat(t, [2, 1, 3]), (2, 1), mode="wrap") ** 3

    gradcheck(f, [x])
    gradgradcheck(f, [x])
