"""Indexing: t[index], t[index] = value, take (autograd_core/ops/indexing.py).

Value, gradient and second-order checks of ``getitem``/``take`` over drawn indices
live in the op-spec table (testing/specs/indexing.py); here: closed forms, the
scatter primitives on their own, views and version counters, setitem semantics
and errors.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core.errors import DTypeError, GraphError, InplaceError, ShapeError
from autograd_core.function import view_positions
from autograd_core.graph import is_op, walk
from autograd_core.ops.indexing import (
    _LOOP_RUN,
    _LOOP_SLICE,
    GetItem,
    IndexAdd,
    ZeroAt,
    _scatter_add,
    flat_index,
    normalize_index,
)
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing import strategies as S
from autograd_core.testing.gradcheck import vjp_of
from autograd_core.testing.specs.indexing import indices, plain


def _x(shape=(3, 4), requires_grad=True):
    return ac.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=requires_grad)


def _backward_ones(y):
    y.backward(np.ones(y.shape, y.dtype))


# ---- getitem: values -------------------------------------------------------------------

A = np.arange(24.0).reshape(2, 3, 4)
MASK = A % 3 == 0


@pytest.mark.parametrize(
    "index",
    [
        0,
        -1,
        (1, 2),
        (1, -1, 3),
        slice(None, None, -1),
        (slice(None), slice(1, None), slice(None, None, 2)),
        (Ellipsis, 1),
        (None, 0, Ellipsis, None),
        (),
        [1, 1, 0],
        (slice(None), [2, 0, 2, -1]),
        (Ellipsis, np.array([[0, 3], [3, 3]])),
        ([0, 1], [2, 2], [1, 3]),
        (np.array([[1], [0]]), slice(None), np.array([0, 3, 3])),  # separated: advanced axes first
        (1, slice(None), np.array([0, 0])),  # int + array separated by a slice
        MASK,
        (slice(None), MASK[0]),
        (MASK[:, :, 0], Ellipsis),
        (slice(None), MASK[0, :, 0], 2),
        True,
        np.array([], dtype=np.intp),
        [],
    ],
)
def test_getitem_matches_numpy(index):
    x = ac.tensor(A)
    y = x[index]
    np.testing.assert_array_equal(y.data, A[index])
    assert y.shape == np.shape(A[index])


def test_getitem_zero_dim_tensor():
    x = ac.tensor(np.array(3.0), requires_grad=True)
    for index in [(), Ellipsis, None, (None, None), True, np.array(True)]:
        y = x[index]
        assert y.shape == np.asarray(x.data)[index].shape
    y = x[None]
    _backward_ones(y * 2)
    assert x.grad.data == 2.0
    assert x[False].shape == (0,)


def test_tensor_indices_and_numpy_scalars():
    x = ac.tensor(A)
    np.testing.assert_array_equal(x[ac.tensor([1, 0])].data, A[[1, 0]])
    np.testing.assert_array_equal(x[ac.tensor(MASK)].data, A[MASK])
    np.testing.assert_array_equal(x[ac.tensor(1), np.int64(2)].data, A[1, 2])
    np.testing.assert_array_equal(x[np.array(1)].data, A[1])
    assert x[ac.tensor(1)].grad_fn is None  # no graph for a tensor that does not require grad


def test_int_results_are_zero_dim_tensors():
    x = _x()
    y = x[1, 2]
    assert isinstance(y, ac.Tensor) and y.shape == () and y.item() == 6.0


# ---- getitem: gradients (closed forms) ----------------------------------------------


def test_repeated_indices_accumulate():
    x = _x((5,))
    idx = [0, 0, 3, -1, 0, 4]
    _backward_ones(x[idx])
    np.testing.assert_array_equal(x.grad.data, np.bincount(np.array(idx) % 5, minlength=5))


def test_repeated_rows_accumulate_with_upstream_weights():
    x = _x((4, 3))
    idx = np.array([[2, 2], [0, 2]])
    g = np.arange(12.0).reshape(2, 2, 3)
    x[idx].backward(g)
    expect = np.zeros((4, 3))
    np.add.at(expect, idx, g)
    np.testing.assert_allclose(x.grad.data, expect)


def test_basic_index_gradient_is_indicator():
    x = _x((3, 4))
    _backward_ones(x[1:, ::2])
    expect = np.zeros((3, 4))
    expect[1:, ::2] = 1
    np.testing.assert_array_equal(x.grad.data, expect)


def test_mask_gradient():
    x = ac.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    x[x > 0].backward(np.array([10.0, 20.0], np.float32))
    np.testing.assert_array_equal(x.grad.data, [0, 10, 0, 20])
    assert x.grad.dtype == np.float32


def test_iteration_gives_differentiable_rows():
    x = _x((3, 2))
    rows = list(x)
    assert [r.shape for r in rows] == [(2,)] * 3
    (rows[0] * 1 + rows[2] * 3).backward(np.ones(2))
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [0, 0], [3, 3]])


@settings(max_examples=40)
@given(st.data())
def test_scatter_add_matches_add_at(data):
    """Every scatter path (assignment, bincount, np.add.at) agrees with np.add.at."""
    shape = data.draw(S.shapes())
    index = data.draw(indices(shape))
    idx, plan = normalize_index(index)
    g_shape = np.empty(shape)[idx].shape
    g = data.draw(S.arrays(g_shape))
    expect = np.zeros(shape)
    np.add.at(expect, idx, g)
    np.testing.assert_allclose(_scatter_add(g, shape, idx, plan), expect, atol=1e-12)
    assert _scatter_add(g.astype(np.float32), shape, idx, plan).dtype == np.float32


@pytest.mark.parametrize("k", [2, 40])  # few indices: np.add.at; many: the bincount path
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_lone_integer_array_paths(k, axis):
    rng = np.random.default_rng(0)
    shape = (6, 5, 4)
    n = shape[axis]
    idx = rng.integers(-n, n, size=k)
    index = (slice(None),) * (axis % 3) + (idx,) if axis >= 0 else (Ellipsis, idx)
    norm, plan = normalize_index(index)
    assert plan.axis is not None and not plan.unique
    g = rng.standard_normal(np.empty(shape)[norm].shape)
    expect = np.zeros(shape)
    np.add.at(expect, norm, g)
    np.testing.assert_allclose(_scatter_add(g, shape, norm, plan), expect, atol=1e-12)


# One shape per way a scatter along an axis is summed: (shape, axis, k).
AXIS_PATHS = [
    ((50,), 0, 120),  # a 1-D target: np.add.at (NumPy's flat fast path)
    ((4, 7, 160), 1, 9),  # slices of 640 elements in runs of 160: one slice add per index entry
    ((64, 7, 1), 1, 30),  # runs of 1 element, k * 4 >= n: np.bincount over linear positions
    ((3, 40, 2), 1, 5),  # a few indices into a long axis: np.add.at
]


@pytest.mark.parametrize("shape,axis,k", AXIS_PATHS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scatter_along_an_axis_every_path_matches_add_at(shape, axis, k, dtype):
    assert 4 * 160 >= _LOOP_SLICE and 160 >= _LOOP_RUN > 1  # the second row takes the loop
    assert 64 < _LOOP_SLICE  # ... and the third does not
    rng = np.random.default_rng(3)
    n = shape[axis]
    idx = rng.integers(-n, n, size=k)  # repeats and negative indices
    norm, plan = normalize_index((slice(None),) * axis + (idx,))
    assert plan.axis == axis and not plan.unique
    g = rng.standard_normal(np.empty(shape)[norm].shape).astype(dtype)
    expect = np.zeros(shape, dtype)
    np.add.at(expect, norm, g)
    got = _scatter_add(g, shape, norm, plan)
    assert got.dtype == dtype and got.shape == shape
    np.testing.assert_allclose(got, expect, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-5)


@settings(max_examples=30)
@given(st.data())
def test_scatter_along_an_axis_matches_add_at(data):
    """Drawn shapes (long and short runs), axes and index arrays (repeats, negatives, 2-D)."""
    shape = tuple(data.draw(st.lists(st.sampled_from([1, 2, 5, 9, 70]), min_size=1, max_size=3)))
    axis = data.draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), max_size=40)), dtype=np.intp)
    if idx.size % 2 == 0 and data.draw(st.booleans()):
        idx = idx.reshape(2, -1)
    norm, plan = normalize_index((slice(None),) * axis + (idx,))
    g = np.random.default_rng(idx.size).standard_normal(np.empty(shape)[norm].shape)
    expect = np.zeros(shape)
    np.add.at(expect, norm, g)
    np.testing.assert_allclose(_scatter_add(g, shape, norm, plan), expect, atol=1e-12)


def test_flat_index_gathers_flat_positions_and_scatters_back():
    rng = np.random.default_rng(4)
    x = ac.tensor(rng.standard_normal((3, 4, 5)), requires_grad=True)
    pos = rng.integers(0, 60, size=(2, 40))  # repeats certain
    idx, plan = flat_index(pos)
    y = GetItem.apply(x, index=idx, plan=plan)
    np.testing.assert_array_equal(y.data, x.data.reshape(-1)[pos])
    g = rng.standard_normal(pos.shape)
    y.backward(g)
    expect = np.zeros(60)
    np.add.at(expect, pos.ravel(), g.ravel())
    np.testing.assert_allclose(x.grad.data, expect.reshape(3, 4, 5), atol=1e-12)
    # a non-contiguous input is read in its logical (C) order
    xt = x.data.transpose(2, 0, 1)
    np.testing.assert_array_equal(GetItem.fn(xt, index=idx, plan=plan), xt.reshape(-1)[pos])
    f = lambda t: GetItem.apply(t, index=idx, plan=plan) ** 2
    gradcheck(f, [x])
    gradgradcheck(f, [x])


def test_flat_index_unique_positions_scatter_by_assignment():
    rng = np.random.default_rng(5)
    pos = rng.permutation(60)[:20].reshape(4, 5)
    idx, plan = flat_index(pos, unique=True)
    assert plan.unique and plan.flat
    g = rng.standard_normal(pos.shape).astype(np.float32)
    expect = np.zeros(60, np.float32)
    expect[pos.ravel()] = g.ravel()
    got = _scatter_add(g, (3, 4, 5), idx, plan)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expect.reshape(3, 4, 5))
    x = ac.tensor(rng.standard_normal((3, 4, 5)), requires_grad=True)
    f = lambda t: GetItem.apply(t, index=idx, plan=plan) ** 2
    gradcheck(f, [x])
    gradgradcheck(f, [x])
    gv = ac.tensor(rng.standard_normal(pos.shape), requires_grad=True)
    scatter = lambda t: IndexAdd.apply(t, shape=(3, 4, 5), index=idx, plan=plan)
    gradcheck(scatter, [gv])
    gradgradcheck(lambda t: scatter(t) * scatter(t), [gv])


def _node_names(*tensors) -> set:
    """The names of every operation in the graphs of ``tensors``."""
    return {n.name for n, _ in walk(*tensors) if is_op(n)}


@pytest.mark.parametrize("flat", [False, True])
def test_opname_names_the_gather_its_scatter_and_their_tangents(flat):
    rng = np.random.default_rng(6)
    x = ac.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    pos = np.array([0, 2, 2, 1])
    idx, plan = flat_index(pos) if flat else normalize_index(pos)
    y = GetItem.apply(x, index=idx, plan=plan)
    assert y.grad_fn.name == "getitem"
    pick = lambda t: GetItem.apply(t, index=idx, plan=plan, opname="pick")
    assert pick(x).grad_fn.name == "pick"
    (gx,) = ac.grad(lambda t: (pick(t) ** 2).sum(), argnums=(0,))(x)
    assert "pick_backward" in _node_names(gx)  # the scatter-add, recorded under create_graph
    (gd,) = ac.grad(lambda t: (GetItem.apply(t, index=idx, plan=plan) ** 2).sum(), argnums=(0,))(x)
    assert "index_add" in _node_names(gd)
    np.testing.assert_allclose(gx.data, gd.data)
    # forward mode: the gather's tangent is the gathered tangent; the scatter's, the scattered
    v = rng.standard_normal((3, 4))
    _, t = ac.jvp(pick, (x,), (v,))
    np.testing.assert_array_equal(t.data, v.reshape(-1)[pos] if flat else v[pos])
    w = rng.standard_normal(y.shape)
    scatter = lambda u: IndexAdd.apply(u, shape=(3, 4), index=idx, plan=plan, opname="pick")
    _, t = ac.jvp(scatter, (ac.tensor(w),), (w,))
    np.testing.assert_allclose(t.data, _scatter_add(w, (3, 4), idx, plan))


def test_plans():
    assert normalize_index(3)[1].basic
    assert normalize_index((slice(1), None, Ellipsis))[1].basic
    assert normalize_index(np.array([True]))[1].unique
    assert not normalize_index([0, 0])[1].unique
    assert normalize_index((slice(None), [0]))[1].axis == 1
    assert normalize_index((Ellipsis, [0], slice(None)))[1].axis == -2
    assert normalize_index((0, [0]))[1].axis is None  # int + array: general path


@settings(max_examples=25)
@given(st.data())
def test_second_order_through_getitem(data):
    """f(x) = x[i] * x[i]: the gradient IndexAdd(2 g x[i]) depends on x, so
    gradgradcheck differentiates IndexAdd's own rule (the gather)."""
    shape = data.draw(S.shapes())
    index = data.draw(indices(shape))
    x = ac.tensor(data.draw(S.arrays(shape)), requires_grad=True)
    f = lambda t: t[index] * t[index]
    gradcheck(f, [x])
    gradgradcheck(f, [x])


@settings(max_examples=20)
@given(st.data())
def test_scatter_primitives_gradcheck(data):
    shape = data.draw(S.shapes())
    idx, plan = normalize_index(data.draw(indices(shape)))
    g = ac.tensor(data.draw(S.arrays(np.empty(shape)[idx].shape)), requires_grad=True)
    scatter = lambda t: IndexAdd.apply(t, shape=shape, index=idx, plan=plan)
    gradcheck(scatter, [g])
    gradgradcheck(lambda t: scatter(t) * scatter(t), [g])
    z = ac.tensor(data.draw(S.arrays(shape)), requires_grad=True)
    gradcheck(lambda t: ZeroAt.apply(t, index=idx), [z])
    gradgradcheck(lambda t: ZeroAt.apply(t * t, index=idx), [z])


def test_float32_gradients_stay_float32():
    x = ac.tensor(np.ones((4, 3), np.float32), requires_grad=True)
    _backward_ones(x[[0, 0, 1]])
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data[:, 0], [2, 1, 0, 0])


# ---- views --------------------------------------------------------------------------


def test_basic_index_is_a_view_advanced_is_a_copy():
    x = _x()
    v = x[1]
    assert np.shares_memory(v.data, x.data)
    assert v.grad_fn.is_view and v.grad_fn.name == "getitem"
    scalar = x[1, 2]
    assert np.shares_memory(scalar.data, x.data)  # 0-d view, not a NumPy scalar copy
    c = x[[1]]
    assert not np.shares_memory(c.data, x.data)
    assert not c.grad_fn.is_view
    assert not GetItem.is_view  # the class default stays False


def test_view_of_modified_base_is_rebased_onto_the_write():
    # as in PyTorch: v reads the doubled values, and its gradient goes through the write
    x = _x()
    y = x * 1
    v = y[0]
    y *= 2
    assert v.grad_fn.name == "as_strided"
    _backward_ones(v)
    expected = np.zeros(x.shape)
    expected[0] = 2.0
    np.testing.assert_array_equal(x.grad.data, expected)


def test_view_used_before_its_base_is_rewritten_in_place_is_fine():
    # h[1] = f(h[0]): the view h[0] is used before the write, so its graph is right
    def f(x):
        h = x * 2.0
        h[1] = ac.tanh(h[0]) * 3.0 + 1.0
        return h

    x = ac.tensor(np.array([[0.1, -0.4], [3.0, 4.0]]), requires_grad=True)
    _backward_ones(f(x))
    row0 = 2.0 + 3.0 * (1 - np.tanh(2 * x.data[0]) ** 2) * 2.0
    np.testing.assert_allclose(x.grad.data, [row0, [0.0, 0.0]], rtol=1e-12)  # row 1: overwritten
    assert gradcheck(f, [x], check_forward_ad=True)


def test_recurrence_filled_in_place_has_the_gradient_of_its_closed_form():
    # an RNN-style loop writing each step into the tensor it reads from; each view is
    # used before the write (saving a view of h for a later backward would still raise,
    # as in PyTorch, because the write changes h's memory)
    def f(x, w):
        h = x * w
        for t in range(1, h.shape[0]):
            h[t] = ac.tanh(h[t - 1] + h[t])
        return h

    rng = np.random.default_rng(0)
    x = ac.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = ac.tensor(rng.standard_normal(3), requires_grad=True)
    h = f(x, w)
    ref = x.data * w.data
    for t in range(1, 5):
        ref[t] = np.tanh(ref[t - 1] + ref[t])
    np.testing.assert_allclose(h.data, ref, rtol=1e-12)
    assert gradcheck(f, [x, w])
    assert gradgradcheck(f, [x, w])


def test_view_used_after_its_base_is_rewritten_in_place_differentiates_through_the_write():
    x = _x((2, 3))
    h = x * 1.0
    v = h[0]
    early = v + 2.0  # before the write: keeps the view's own node
    h[0] = h[1] * 5.0  # rewrites h (and what v reads) in place
    late = v * 1.0  # v is rebased: its values and its gradient come from the new h
    np.testing.assert_array_equal(late.data, 5.0 * x.data[1])
    early.backward(np.ones(3), retain_graph=True)  # (late's graph shares x * 1.0)
    np.testing.assert_array_equal(x.grad.data, [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    x.grad = None
    _backward_ones(late)
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    w = x * 1.0
    u = w.reshape(6)
    w *= 3.0
    x.grad = None
    _backward_ones(u + 1.0)
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 3.0))


def test_rebased_views_gradcheck_gradgradcheck_and_forward_mode():
    # strided, reversed, transposed, 0-d and broadcast views, and a view of a view,
    # all taken before two in-place writes and used after them
    def f(a):
        y = a * 1.0
        views = [y[1:, ::2], y[::-1, 1:3], y.T, y[2, 3], ac.broadcast_to(y[0], (2, 4)), y[1][::3]]
        y[0] = y[2] * 2.0 + y[1]
        y *= a
        return [v * v for v in views]

    a = ac.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(f, [a], check_forward_ad=True)
    assert gradgradcheck(f, [a])


@pytest.mark.parametrize("order", ["C", "F"])
def test_view_positions_locate_every_element_of_a_view_in_its_root(order):
    root = np.asarray(np.random.default_rng(0).standard_normal((4, 5, 6)), order=order)
    flat_in_memory = root.ravel(order="K")  # a view of root's memory, in memory order
    views = [
        root[1],
        root[:, ::2, 1:4],
        root.T,
        root[::-1, 2, ::-2],
        root[2, 3, 4, ...],  # 0-d
        flat_in_memory[3:50:7],
        root[:0],
        np.broadcast_to(root[0, 0], (3, 6)),
    ]
    for v in views:
        positions = view_positions(root, v)
        assert positions.shape == v.shape
        np.testing.assert_array_equal(root.reshape(-1)[positions], v)
    assert view_positions(root, root.astype(np.float32)) is None  # not its memory's dtype
    assert view_positions(root[:, ::2], root[:, ::2][0]) is None  # a root that is not dense


def test_a_view_that_cannot_be_rebased_raises_naming_the_view_and_the_write():
    # a base whose memory is not dense (a strided NumPy window) cannot be rebased
    x = _x((3, 4))
    window = np.zeros((3, 8))[:, ::2]
    t = ac.as_tensor(window)
    t += x  # t now records; its data is still the strided window
    v = t[0]
    t *= 2.0
    with pytest.raises(InplaceError, match="'getitem'.*mul_"):
        _backward_ones(v + 1.0)


def test_views_of_a_parameter_survive_an_optimizer_step():
    # no-grad writes (optimizer updates) do not rewrite history: the view's gradient
    # (a scatter into the parameter's shape) does not depend on the values
    w = ac.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    row = w[1]
    w.grad = ac.tensor(np.ones((2, 3)))
    ac.optim.SGD([w], lr=0.5).step()
    w.grad = None
    (row * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[0, 0, 0], [1, 2, 3]])
    np.testing.assert_array_equal(row.data, [2.5, 3.5, 4.5])  # the view sees the update


def test_recorded_views_are_forgotten_when_they_die():
    w = ac.tensor(np.ones((4, 4)), requires_grad=True)
    for _ in range(5000):
        w.T.sum()  # a recorded view, dropped at once
    assert len(w._views) < 200


def test_views_of_untracked_tensors_share_data():
    t = ac.zeros(4)
    v = t[1:3]
    v[0] = 5.0
    assert t.data[1] == 5.0


# ---- getitem: errors ------------------------------------------------------------------


def test_out_of_bounds_names_op_and_shape():
    x = _x((3, 4))
    with pytest.raises(IndexError, match=r"getitem: .*out of bounds.*\(3, 4\)"):
        x[3]
    with pytest.raises(IndexError, match="getitem"):
        x[[0, 5]]
    with pytest.raises(IndexError, match="getitem: .*too many indices"):
        x[0, 0, 0]


@pytest.mark.parametrize("bad", [1.5, ac.tensor([0.0, 1.0]), np.array([0.5]), "a", {1: 2}])
def test_invalid_index_types(bad):
    with pytest.raises(IndexError, match="getitem"):
        _x()[bad]


def test_getitem_function_and_arrays():
    np.testing.assert_array_equal(ac.getitem(np.arange(5.0), [4, 4]).data, [4, 4])
    x = _x()
    y = ac.getitem(x, (slice(None), 0))
    _backward_ones(y)
    np.testing.assert_array_equal(x.grad.data[:, 0], [1, 1, 1])
    with pytest.raises(IndexError, match="getitem"):
        ac.getitem(x, 10)


# ---- take --------------------------------------------------------------------------


def test_take_values_and_gradient():
    x = _x((3, 4))
    y = ac.take(x, [0, 0, -1], axis=1)
    np.testing.assert_array_equal(y.data, np.take(x.data, [0, 0, -1], axis=1))
    _backward_ones(y)
    np.testing.assert_array_equal(x.grad.data, np.tile([2, 0, 0, 1], (3, 1)))


def test_take_flat_modes_and_dispatch():
    x = _x((2, 3))
    np.testing.assert_array_equal(ac.take(x, [5, 0]).data, [5, 0])
    np.testing.assert_array_equal(ac.take(x, [7, -8], mode="wrap").data, [1, 4])
    np.testing.assert_array_equal(ac.take(x, [7, -8], mode="clip").data, [5, 0])
    y = np.take(x, 4)
    assert isinstance(y, ac.Tensor) and y.shape == () and y.item() == 4
    z = x.take(ac.tensor([1, 1]), axis=0)
    _backward_ones(z)
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0], [2, 2, 2]])


def test_take_errors():
    x = _x((2, 3))
    with pytest.raises(IndexError, match="take: index 3 is out of bounds for axis 1 with size 3"):
        ac.take(x, [3], axis=1)
    with pytest.raises(np.exceptions.AxisError, match="take"):
        ac.take(x, [0], axis=2)
    with pytest.raises(ValueError, match="mode"):
        ac.take(x, [0], mode="nearest")
    with pytest.raises(IndexError, match="take"):
        ac.take(x, [True, False])
    with pytest.raises(IndexError, match="take"):
        ac.take(x, [0.5])


# ---- setitem ------------------------------------------------------------------------


def test_setitem_on_leaf_requiring_grad_raises_and_leaves_data():
    x = _x((3,))
    with pytest.raises(GraphError, match="setitem"):
        x[0] = 1.0
    np.testing.assert_array_equal(x.data, [0, 1, 2])
    assert x.is_leaf


def test_setitem_under_no_grad_just_writes():
    x = _x((3,))
    with ac.no_grad():
        x[0] = 7.0
        x[[1, 2]] = ac.tensor([8.0, 9.0], requires_grad=True)
    np.testing.assert_array_equal(x.data, [7, 8, 9])
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert x._vbox[0] == 2


def test_setitem_gradient_to_old_tensor_and_value():
    x = _x((3, 4))
    v = ac.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    y = x * 2
    y[1] = v * 3
    assert y.grad_fn.name == "setitem" and not y.is_leaf
    np.testing.assert_array_equal(y.data[1], [3, 6, 9, 12])
    w = np.arange(12.0).reshape(3, 4)
    (y * w).backward(np.ones((3, 4)))
    expect_x = 2 * w
    expect_x[1] = 0
    np.testing.assert_array_equal(x.grad.data, expect_x)
    np.testing.assert_array_equal(v.grad.data, 3 * w[1])


def test_setitem_broadcast_value_gradient_is_summed():
    x = _x((3, 4))
    v = ac.tensor(np.array([5.0]), requires_grad=True)
    y = x * 1
    y[:, 1:] = v
    np.testing.assert_array_equal(y.data[:, 1:], 5)
    y.backward(np.ones((3, 4)))
    np.testing.assert_array_equal(v.grad.data, [9.0])
    np.testing.assert_array_equal(x.grad.data, np.tile([1, 0, 0, 0], (3, 1)))


def test_setitem_into_leaf_without_grad_makes_it_a_non_leaf():
    t = ac.zeros(4, dtype=np.float64)
    v = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    t[ac.tensor([3, 0])] = v
    assert not t.is_leaf and t.requires_grad and t.grad_fn.name == "setitem"
    np.testing.assert_array_equal(t.data, [2, 0, 0, 1])
    t.backward(np.array([10.0, 20.0, 30.0, 40.0]))
    np.testing.assert_array_equal(v.grad.data, [40, 10])


def test_setitem_mask_and_scalar():
    x = ac.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = x * 1
    y[y < 0] = 0.0
    np.testing.assert_array_equal(y.data, [0, 2, 0])
    _backward_ones(y)
    np.testing.assert_array_equal(x.grad.data, [0, 1, 0])


def test_setitem_repeated_positions_last_write_wins():
    x = _x((4,))
    v = ac.tensor(np.array([10.0, 20.0, 30.0]), requires_grad=True)
    y = x * 1
    y[[1, 1, 2]] = v
    np.testing.assert_array_equal(y.data, [0, 20, 30, 3])
    y.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(v.grad.data, [0, 2, 3])  # 10 was overwritten: no gradient
    np.testing.assert_array_equal(x.grad.data, [1, 0, 0, 4])


def test_setitem_dtype_promotion_of_gradients():
    t = ac.zeros(3, dtype=np.float32)
    v = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)  # float64
    t[:2] = v
    assert t.dtype == np.float32
    t.backward(np.ones(3, np.float32))
    assert v.grad.dtype == np.float64


@settings(max_examples=30)
@given(st.data())
def test_setitem_gradcheck(data):
    """y = x * 1; y[index] = v: first and second derivatives w.r.t. x and v."""
    shape = data.draw(S.shapes())
    index = data.draw(indices(shape))
    target = np.empty(shape)[plain(index)].shape
    v_shape = target[data.draw(st.integers(0, len(target))) :]  # a trailing part broadcasts
    x = ac.tensor(data.draw(S.arrays(shape)), requires_grad=True)
    v = ac.tensor(data.draw(S.arrays(v_shape)), requires_grad=True)

    def f(a, b):
        y = a * 1
        y[index] = b
        return y * y

    expect = x.data.copy()
    expect[plain(index)] = v.data
    np.testing.assert_allclose(f(x, v).data, expect**2)
    gradcheck(f, [x, v])
    gradgradcheck(f, [x, v])


def test_version_counter_error_names_the_saving_op():
    x = _x((3,))
    y = x * 1
    z = y * y
    y[0] = 5.0
    with pytest.raises(RuntimeError, match="'mul'"):
        _backward_ones(z)


def test_setitem_bumps_version_and_keeps_earlier_graph_valid():
    x = _x((3,))
    y = x * 2  # 'mul' saved x, not y: writing into y is harmless for it
    version = y._vbox[0] if y._vbox else 0
    y[0] = 0.0
    assert y._vbox[0] == version + 1
    _backward_ones(y)
    np.testing.assert_array_equal(x.grad.data, [0, 2, 2])


def test_setitem_shape_error_changes_nothing():
    x = _x((5,))
    y = x * 1
    node = y.grad_fn
    with pytest.raises(ShapeError, match=r"setitem: value of shape \(3,\) .* indexed shape \(2,\)"):
        y[0:2] = ac.ones(3)
    with pytest.raises(ValueError, match="setitem"):
        y[[0, 1]] = np.ones((2, 2))
    assert y.grad_fn is node and y._vbox is None
    np.testing.assert_array_equal(y.data, np.arange(5.0))


def test_setitem_allows_leading_unit_axes_like_numpy():
    y = ac.zeros(2, 3)
    y[0] = np.ones((1, 1, 3))
    np.testing.assert_array_equal(y.data[0], 1)


def test_setitem_index_errors():
    y = ac.zeros(3)
    with pytest.raises(IndexError, match=r"setitem: .*out of bounds.*\(3,\)"):
        y[3] = 1.0
    with pytest.raises(IndexError, match="setitem"):
        y[0.5] = 1.0


def test_setitem_dtype_error_changes_nothing():
    t = ac.zeros(3, dtype=np.int64)
    v = ac.tensor([1.5], requires_grad=True)
    with pytest.raises(DTypeError, match="setitem: .*int64"):
        t[0] = v[0]
    np.testing.assert_array_equal(t.data, 0)
    t[0] = 2.7  # without grad NumPy's casting applies
    assert t.data[0] == 2


def test_setitem_on_view_of_grad_tensor_raises():
    y = _x((2, 3)) * 1
    row = y[0]
    with pytest.raises(GraphError, match="setitem: .*view"):
        row[0] = 1.0


def test_setitem_overlapping_copy_without_grad():
    t = ac.tensor(np.arange(5.0))
    t[1:] = t[:-1]
    np.testing.assert_array_equal(t.data, [0, 0, 1, 2, 3])


def test_setitem_then_second_order():
    x = ac.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * x
    y[1] = x[0] * x[2]
    (g,) = vjp_of([y], [np.ones(3)], [x], create_graph=True)
    # d/dx of (x0², x0 x2, x2²) summed: (2 x0 + x2, 0, x0 + 2 x2)
    np.testing.assert_allclose(g.data, [5, 0, 7])
    (h,) = vjp_of([g], [np.array([1.0, 0.0, 0.0])], [x], create_graph=False)
    np.testing.assert_allclose(h, [2, 0, 1])
