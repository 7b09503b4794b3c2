"""Closed-form tests for dot, outer, einsum and tensordot (ops/linalg.py).

Random-input value, gradient and second-order checks come from the op-spec rows
(autograd_core/testing/specs/linalg.py); here: derivatives with known closed forms,
NumPy dispatch, the einsum subscript forms, and error messages.
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


# ---- dot --------------------------------------------------------------------------------


def test_dot_of_vector_with_itself_has_gradient_2x():
    x = _leaf((5,))
    y = ac.dot(x, x)
    assert y.shape == ()
    assert y.item() == pytest.approx(float(x.data @ x.data))
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_dot_matrix_gradients_are_matmul_transposes():
    a, b = _leaf((3, 4), 1), _leaf((4, 2), 2)
    g = np.random.default_rng(3).normal(size=(3, 2))
    ac.dot(a, b).backward(g)
    np.testing.assert_allclose(a.grad.data, g @ b.data.T)
    np.testing.assert_allclose(b.grad.data, a.data.T @ g)


def test_dot_with_scalar_multiplies():
    x = _leaf((2, 3))
    out = ac.dot(x, 2.5)
    np.testing.assert_allclose(out.data, 2.5 * x.data)
    out.backward(np.ones((2, 3)))
    np.testing.assert_allclose(x.grad.data, np.full((2, 3), 2.5))


@pytest.mark.parametrize(
    ("sa", "sb"), [((2, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((3, 4), (2, 4, 5))]
)
def test_dot_nd_matches_numpy_and_gradchecks(sa, sb):
    a, b = _leaf(sa, 1), _leaf(sb, 2)
    out = ac.dot(a, b)
    np.testing.assert_allclose(out.data, np.dot(a.data, b.data))
    gradcheck(ac.dot, [a, b])
    gradgradcheck(ac.dot, [a, b])


def test_dot_dispatch_method_and_error():
    a, b = _leaf((2, 3)), _leaf((3,))
    assert isinstance(np.dot(a, b), ac.Tensor)
    np.testing.assert_allclose(a.dot(b).data, a.data.dot(b.data))
    with pytest.raises(
        ValueError, match=r"dot: shapes \(3, 4\) and \(5, 2\) not aligned: 4 \(dim 1\) != 5 \(dim 0\)"
    ):
        ac.dot(ac.ones((3, 4)), ac.ones((5, 2)))
    with pytest.raises(ValueError, match=r"dot: shapes \(2, 3\) and \(2, 4, 5\) not aligned"):
        ac.dot(ac.ones((2, 3)), ac.ones((2, 4, 5)))


# ---- outer ------------------------------------------------------------------------------


def test_outer_flattens_and_gradients_sum_the_other_factor():
    a, b = _leaf((2, 2), 1), _leaf((3,), 2)
    out = ac.outer(a, b)
    np.testing.assert_allclose(out.data, np.outer(a.data, b.data))
    assert out.shape == (4, 3)
    out.backward(np.ones((4, 3)))
    np.testing.assert_allclose(a.grad.data, np.full((2, 2), b.data.sum()))
    np.testing.assert_allclose(b.grad.data, np.full(3, a.data.sum()))
    assert isinstance(np.outer(a, b), ac.Tensor)


# ---- einsum -----------------------------------------------------------------------------


def test_einsum_trace_gradient_is_identity():
    a = _leaf((4, 4))
    for spec in ("ii->", "ii"):
        a.grad = None
        y = ac.einsum(spec, a)
        assert y.item() == pytest.approx(np.trace(a.data))
        y.backward()
        np.testing.assert_array_equal(a.grad.data, np.eye(4))


def test_einsum_diagonal_gradient_embeds_on_the_diagonal():
    a = _leaf((3, 3))
    y = ac.einsum("ii->i", a)
    np.testing.assert_allclose(y.data, np.diag(a.data))
    w = np.array([1.0, 2.0, 3.0])
    y.backward(w)
    np.testing.assert_array_equal(a.grad.data, np.diag(w))


def test_einsum_triple_repeat_and_batched_trace():
    a = _leaf((3, 3, 3))
    y = ac.einsum("iii->i", a)
    np.testing.assert_allclose(y.data, np.einsum("iii->i", a.data))
    y.backward(np.ones(3))
    expected = np.zeros((3, 3, 3))
    expected[np.arange(3), np.arange(3), np.arange(3)] = 1
    np.testing.assert_array_equal(a.grad.data, expected)
    b = _leaf((2, 3, 3))
    ac.einsum("bii->b", b).backward(np.array([2.0, 5.0]))
    np.testing.assert_array_equal(b.grad.data, np.array([2.0, 5.0])[:, None, None] * np.eye(3))


def test_einsum_matmul_gradients_match_matmul():
    a, b = _leaf((3, 4), 1), _leaf((4, 5), 2)
    g = np.random.default_rng(3).normal(size=(3, 5))
    ac.einsum("ij,jk->ik", a, b).backward(g)
    np.testing.assert_allclose(a.grad.data, g @ b.data.T)
    np.testing.assert_allclose(b.grad.data, a.data.T @ g)


def test_einsum_letters_of_one_operand_are_broadcast_back():
    a, b = _leaf((3, 4), 1), _leaf((5,), 2)
    ac.einsum("ij,k->i", a, b).backward(np.ones(3))
    np.testing.assert_allclose(a.grad.data, np.full((3, 4), b.data.sum()))
    np.testing.assert_allclose(b.grad.data, np.full(5, a.data.sum()))


def test_einsum_ellipsis_broadcasts_size_one_batch_axes():
    a, b = _leaf((1, 2, 3), 1), _leaf((4, 3, 2), 2)
    out = ac.einsum("...ij,...jk->...ik", a, b)
    np.testing.assert_allclose(out.data, np.einsum("...ij,...jk->...ik", a.data, b.data))
    out.backward(np.ones(out.shape))
    assert a.grad.shape == (1, 2, 3)
    np.testing.assert_allclose(
        a.grad.data, (np.ones((4, 2, 2)) @ np.swapaxes(b.data, -1, -2)).sum(0, keepdims=True)
    )
    gradgradcheck(lambda x, y: ac.einsum("...ij,...jk->...ik", x, y), [a, b])


def test_einsum_named_size_one_axis_broadcasts_like_numpy():
    a, b = _leaf((3, 1), 1), _leaf((3, 4), 2)
    out = ac.einsum("ij,ij->ij", a, b)
    np.testing.assert_allclose(out.data, np.einsum("ij,ij->ij", a.data, b.data))
    out.backward(np.ones((3, 4)))
    np.testing.assert_allclose(a.grad.data, b.data.sum(1, keepdims=True))


def test_einsum_implicit_output_is_sorted_and_ellipsis_first():
    a = _leaf((2, 3, 4))
    assert ac.einsum("ba...", a).shape == np.einsum("ba...", a.data).shape == (4, 3, 2)
    assert ac.einsum("aB", _leaf((2, 3))).shape == np.einsum("aB", np.ones((2, 3))).shape


def test_einsum_interleaved_sublists_and_dispatch():
    a, b = _leaf((2, 3), 1), _leaf((3, 4), 2)
    out = ac.einsum(a, [0, 1], b, [1, 2], [0, 2])
    np.testing.assert_allclose(out.data, a.data @ b.data)
    out2 = ac.einsum(a, [Ellipsis, 1])
    np.testing.assert_allclose(out2.data, np.einsum(a.data, [Ellipsis, 1]))
    via_numpy = np.einsum("ij,jk->ik", a, b, optimize=True)
    assert isinstance(via_numpy, ac.Tensor) and via_numpy.grad_fn.name == "einsum"
    via_numpy2 = np.einsum(a, [0, 1], [1, 0])
    np.testing.assert_allclose(via_numpy2.data, a.data.T)


def test_einsum_quadratic_form_second_derivative():
    """d²/dx² of xᵀAx is A + Aᵀ: the backward pass of einsum is itself differentiable."""
    x, a = _leaf((4,), 1), ac.tensor(np.random.default_rng(2).normal(size=(4, 4)))
    v = np.random.default_rng(3).normal(size=4)
    y = ac.einsum("i,ij,j", x, a, x)
    y.backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, (a.data + a.data.T) @ x.data)
    x.grad = None
    ac.dot(g, v).backward()
    np.testing.assert_allclose(x.grad.data, (a.data + a.data.T) @ v)


def test_einsum_keeps_float32_and_mixes_ints():
    a = _leaf((2, 3), dtype=np.float32)
    out = ac.einsum("ij->j", a)
    assert out.dtype == np.float32
    out.backward(np.ones(3, np.float32))
    assert a.grad.dtype == np.float32
    counts = ac.einsum("ii", ac.tensor(np.arange(9).reshape(3, 3)))
    assert counts.item() == 0 + 4 + 8 and counts.dtype.kind == "i"


@pytest.mark.parametrize(
    ("subscripts", "shapes", "message"),
    [
        ("ij,jk", [(2, 3)], r"einsum: subscripts 'ij,jk' name 2 operand\(s\) but 1 operand\(s\) were given"),
        ("ijk", [(2, 3)], r"einsum: operand 0 has shape \(2, 3\) \(2 dims\) but its subscripts 'ijk' name 3"),
        (
            "ij...k",
            [(2, 3)],
            r"einsum: operand 0 has shape \(2, 3\) \(2 dims\) but its subscripts 'ij...k' name 3",
        ),
        ("ij,jk", [(2, 3), (4, 5)], r"einsum: index 'j' has size 3 in one place but 4 in operand 1"),
        ("ij->ii", [(2, 3)], r"einsum: output subscript 'i' appears more than once"),
        ("ij->k", [(2, 3)], r"einsum: output subscript 'k' does not appear in any operand"),
        (
            "...i->i",
            [(2, 3)],
            r"einsum: operands have dimensions covered by '...' but the output 'i' has no '...'",
        ),
        ("i.j", [(2, 3)], r"einsum: invalid subscript"),
        ("i$", [(2, 3)], r"einsum: invalid character '\$'"),
        ("i->j->k", [(2,)], r"einsum: invalid subscripts"),
    ],
)
def test_einsum_errors(subscripts, shapes, message):
    with pytest.raises(ValueError, match=message):
        ac.einsum(subscripts, *[ac.ones(s) for s in shapes])


def test_einsum_rejects_unsupported_dtypes():
    with pytest.raises(TypeError, match="einsum: operand 0 has unsupported dtype"):
        ac.einsum("i", np.array(["a", "b"]))


@settings(max_examples=20)
@given(st.data())
def test_einsum_batched_matmul_agrees_with_matmul_gradients(data):
    batch = data.draw(S.broadcastable_shapes(2, max_dims=2, max_side=3))
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    xa = data.draw(S.arrays(batch[0] + (n, k)))
    xb = data.draw(S.arrays(batch[1] + (k, m)))
    a1, b1 = ac.tensor(xa, requires_grad=True), ac.tensor(xb, requires_grad=True)
    a2, b2 = ac.tensor(xa, requires_grad=True), ac.tensor(xb, requires_grad=True)
    out1 = ac.einsum("...ij,...jk->...ik", a1, b1)
    out2 = ac.matmul(a2, b2)
    np.testing.assert_allclose(out1.data, out2.data, atol=1e-12)
    g = np.ones(out1.shape)
    out1.backward(g)
    out2.backward(g)
    np.testing.assert_allclose(a1.grad.data, a2.grad.data, atol=1e-12)
    np.testing.assert_allclose(b1.grad.data, b2.grad.data, atol=1e-12)


# ---- tensordot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sa", "sb", "axes"),
    [
        ((2, 3, 4), (3, 4, 5), 2),
        ((2, 3), (3, 4), 1),
        ((2, 3), (4,), 0),
        ((2, 3, 4), (4, 2), ([0, 2], [1, 0])),
        ((3, 2), (2, 5), (-1, 0)),
    ],
)
def test_tensordot_matches_numpy_and_gradchecks(sa, sb, axes):
    a, b = _leaf(sa, 1), _leaf(sb, 2)
    out = ac.tensordot(a, b, axes)
    np.testing.assert_allclose(out.data, np.tensordot(a.data, b.data, axes))
    gradcheck(lambda x, y: ac.tensordot(x, y, axes), [a, b])
    assert isinstance(np.tensordot(a, b, axes), ac.Tensor)


def test_tensordot_errors():
    a, b = ac.ones((2, 3)), ac.ones((4, 5))
    with pytest.raises(
        ValueError, match=r"tensordot: shape-mismatch for sum: 3 \(a axis 1\) != 4 \(b axis 0\)"
    ):
        ac.tensordot(a, b, 1)
    with pytest.raises(ValueError, match="tensordot: cannot contract 3 axes"):
        ac.tensordot(a, b, 3)
    with pytest.raises(ValueError, match="tensordot: axes .* name different numbers of axes"):
        ac.tensordot(a, b, ([0, 1], [0]))
    with pytest.raises(ValueError, match="tensordot: axes .* out of range"):
        ac.tensordot(a, b, ([2], [0]))


# ---- a stack times a matrix: one folded product ------------------------------------------------


@pytest.mark.parametrize("sa", [(3, 2, 4), (2, 3, 2, 4), (2, 0, 4), (2, 3, 0)])
def test_stack_times_matrix_is_one_folded_product_with_numpys_values(sa):
    rng = np.random.default_rng(40)
    a = ac.tensor(rng.normal(size=sa), requires_grad=True)
    b = ac.tensor(rng.normal(size=(sa[-1], 5)), requires_grad=True)
    y = a @ b
    np.testing.assert_allclose(y.data, np.matmul(a.data, b.data), rtol=1e-13, atol=1e-14)
    w = rng.normal(size=y.shape)
    (y * w).sum().backward()
    # closed forms: ∂a = w bᵀ, ∂b = Σ_batch aᵀ w
    np.testing.assert_allclose(a.grad.data, w @ b.data.T, rtol=1e-13, atol=1e-14)
    per_item = np.matmul(np.swapaxes(a.data, -1, -2), w)  # NumPy's batched product, then the sum
    expected_b = per_item.sum(axis=tuple(range(per_item.ndim - 2)))
    np.testing.assert_allclose(b.grad.data, expected_b, rtol=1e-12, atol=1e-13)
    if a.data.size:
        a.grad = b.grad = None
        assert gradcheck(lambda a, b: a @ b, [a, b], check_forward_ad=True)
        assert gradgradcheck(lambda a, b: a @ b, [a, b])


def test_folded_products_keep_float32_and_accept_views():
    rng = np.random.default_rng(41)
    base = rng.normal(size=(4, 3, 6)).astype(np.float32)
    a = ac.tensor(base, requires_grad=True)
    view = a.transpose(1, 0, 2)  # not contiguous: folding copies, values unchanged
    b = ac.tensor(rng.normal(size=(6, 2)).astype(np.float32), requires_grad=True)
    y = view @ b
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, np.matmul(base.transpose(1, 0, 2), b.data), rtol=1e-6)
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.data, base.reshape(-1, 6).sum(0)[:, None] * np.ones((1, 2)), rtol=1e-5)
