"""The graph and the backward pass (API §3, §7): iteration, freeing, retain/create_graph,
accumulation, seeds, hooks, in-place rules and version counters, anomaly detection."""

import gc
import sys
import time
import weakref

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.errors import AnomalyError, GraphError, InplaceError


def leaf(values, dtype=np.float64):
    return ac.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def ones_like(t):
    return np.ones(t.shape, t.dtype)


# ---- basic accumulation -----------------------------------------------------------------------


def test_chain_rule_through_shared_subexpressions():
    x = leaf([0.3, -1.2])
    a = ac.tanh(x)
    y = a * a + ac.exp(a) * x  # a used three times, x twice
    y.backward(np.ones(2))
    t = np.tanh(x.data)
    expected = (2 * t + np.exp(t) * x.data) * (1 - t**2) + np.exp(t)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_same_input_twice():
    x = leaf(3.0)
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_diamond_graph_fan_in_and_out():
    x = leaf([1.0, 2.0])
    branches = [x * float(k) for k in range(1, 6)]
    y = branches[0]
    for b in branches[1:]:
        y = y + b
    (y * y).backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, 2 * 15 * 15 * x.data)


def test_only_leaves_requiring_grad_get_grads():
    x = leaf([1.0])
    c = ac.tensor([2.0])
    (x * c).backward(np.ones(1))
    assert x.grad is not None and c.grad is None


def test_non_leaf_grad_is_not_kept_by_default():
    x = leaf([1.0])
    h = x * 2.0
    (h * 3.0).backward(np.ones(1))
    assert h.grad is None
    assert x.grad.item() == 6.0


def test_backward_on_leaf():
    x = leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_backward_needs_requires_grad():
    with pytest.raises(RuntimeError, match="requires_grad"):
        ac.tensor([1.0]).backward(np.ones(1))


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3.0).backward(np.ones(2))
    (x * x).backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, 3.0 + 2 * x.data)
    x.grad = None
    (x * 3.0).backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_grad_is_owned_array_that_can_be_updated_in_place():
    # optimizers update .grad in place; it must not alias another leaf's grad or the seed
    x, y = leaf([1.0]), leaf([1.0])
    seed = np.ones(1)
    (x + y).backward(seed)
    assert not np.shares_memory(x.grad.data, y.grad.data)
    assert not np.shares_memory(x.grad.data, seed)
    x.grad.data += 1
    assert y.grad.item() == 1.0 and seed[0] == 1.0


def test_grad_has_shape_and_dtype_of_input_after_broadcasting():
    x = leaf(np.ones((3, 1)), dtype=np.float32)
    b = leaf(np.ones(4), dtype=np.float32)
    (x * b + 1.0).backward(np.ones((3, 4), np.float32))
    assert x.grad.shape == (3, 1) and x.grad.dtype == np.float32
    assert b.grad.shape == (4,) and b.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad.data, np.full(4, 3.0))


def test_mixed_precision_grads_are_cast_to_each_input():
    x32 = leaf([1.0, 2.0], dtype=np.float32)
    x64 = leaf([3.0, 4.0], dtype=np.float64)
    y = x32 * x64
    assert y.dtype == np.float64
    y.backward(np.ones(2))
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64
    np.testing.assert_array_equal(x32.grad.data, [3.0, 4.0])


# ---- seeds ------------------------------------------------------------------------------------


def test_non_scalar_backward_without_gradient_raises():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(RuntimeError, match=r"gradient.*\(2,\)"):
        y.backward()


def test_one_element_tensor_backward_without_gradient():
    for shape in [(), (1,), (1, 1)]:
        x = leaf(np.full(shape, 2.0))
        (x * x).backward()
        assert x.grad.shape == shape
        assert x.grad.data.item() == 4.0


def test_gradient_shape_mismatch_names_both_shapes():
    y = leaf(np.ones((2, 3))) * 2.0
    with pytest.raises(RuntimeError, match=r"\(3, 2\).*\(2, 3\)|\(2, 3\).*\(3, 2\)"):
        y.backward(np.ones((3, 2)))
    with pytest.raises(RuntimeError, match=r"\(6,\)"):
        y.backward(ac.tensor(np.ones(6)))


def test_gradient_can_be_a_tensor_or_list():
    x = leaf([1.0, 2.0])
    (x * 2.0).backward(ac.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 20.0])
    x.grad = None
    (x * 2.0).backward([1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_failed_backward_changes_nothing():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    with pytest.raises(RuntimeError):
        y.backward(np.ones(3))
    assert x.grad is None
    y.backward(np.ones(2))  # the graph is still intact
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


# ---- iteration, linear time, freeing ---------------------------------------------------------


def test_million_op_chain_backpropagates_without_recursion_error():
    x = ac.tensor(np.float64(1.0), requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 0.0
    y = y * 3.0
    y.backward()
    assert x.grad.item() == 3.0
    assert sys.getrecursionlimit() < 1_000_000


def test_long_multiplicative_chain_value():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0000001**100_000, rtol=1e-9)


def _backward_seconds(n: int) -> float:
    x = ac.tensor(np.float64(1.0), requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0
    best = float("inf")
    for _ in range(2):
        t0 = time.process_time()  # this process's CPU time: other load on the machine does not count
        y.backward(retain_graph=True)
        best = min(best, time.process_time() - t0)
    return best


def test_backward_time_is_linear_in_graph_size():
    small = _backward_seconds(100_000)
    large = _backward_seconds(1_000_000)
    assert large < 15 * small, f"1e5 ops: {small:.3f}s, 1e6 ops: {large:.3f}s"


# ---- summing gradients: in place into the pass's own buffers, slices by region ------------------


def _slice_sum_seconds(steps: int) -> float:
    x = leaf(np.random.default_rng(0).standard_normal((steps, 32)))
    y = x * 2.0
    total = y[0].sum()
    for t in range(1, steps):
        total = total + (y[t] * y[t - 1]).sum()
    t0 = time.process_time()
    total.backward()
    return time.process_time() - t0


def test_summing_the_gradients_of_many_slices_is_linear_in_their_number():
    # each y[t] sends a gradient of y's full shape; adding those densely would cost
    # steps² element additions (1.4 s at 2,000 steps), adding only each slice's region
    # costs steps × 32
    small = min(_slice_sum_seconds(500) for _ in range(2))
    large = min(_slice_sum_seconds(2000) for _ in range(2))
    assert large < 9 * small, f"500 slices: {small:.3f}s, 2000 slices: {large:.3f}s"


@pytest.mark.parametrize("through_node", [False, True])
def test_gradients_of_overlapping_basic_slices_add_up(through_node):
    rng = np.random.default_rng(1)
    x = leaf(rng.standard_normal((5, 4)))
    base = x * 1.0 if through_node else x
    pieces = [base[0], base[1:3], base[2:5, ::2], base[..., 1], base[None, 4], base[-1, -1], base[:, 0:4]]
    weights = [rng.standard_normal(p.shape) for p in pieces]
    total = sum((p * w).sum() for p, w in zip(pieces, weights))
    total.backward()
    expected = np.zeros((5, 4))
    for index, w in zip(
        [
            (0,),
            (slice(1, 3),),
            (slice(2, 5), slice(None, None, 2)),
            (Ellipsis, 1),
            (None, 4),
            (-1, -1),
            (slice(None), slice(0, 4)),
        ],
        weights,
    ):
        expected[index] += w.reshape(np.shape(expected[index]))  # (None, 4): a leading axis of 1
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_in_place_sums_never_touch_gradients_that_rules_or_hooks_hold():
    # a's gradient is summed in a buffer of the pass; Add hands the same array to both of
    # its inputs and hooks keep what they see: later sums must not change any of them
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1.0
    seen = []
    a.register_hook(lambda g: seen.append(g.data.copy()) or None)
    kept = []
    a.register_hook(lambda g: kept.append(g) or None)
    b = a + a  # one gradient array, twice
    c = a[0:2] * 3.0 + a[1:3]
    loss = (b * 2.0).sum() + c.sum() + (a[0] * a[2])
    loss.backward()
    expected_a = 4.0 + np.array([3.0, 4.0, 1.0]) + np.array([3.0, 0.0, 1.0])
    np.testing.assert_allclose(seen[0], expected_a)
    np.testing.assert_allclose(kept[0].data, expected_a)  # not changed afterwards
    np.testing.assert_allclose(x.grad.data, expected_a)
    assert ac.testing.gradcheck(
        lambda t: ((t * 1.0 + t * 1.0) * 2.0).sum() + ((t * 1.0)[0:2] * 3.0 + (t * 1.0)[1:3]).sum(),
        [leaf([1.0, 2.0, 3.0])],
    )


def test_second_order_through_summed_slices():
    x = leaf(np.linspace(-1, 1, 12).reshape(3, 4))
    f = lambda t: sum((ac.tanh(t[i]) * t[i - 1]).sum() for i in range(3)) + (t[1:] ** 2).sum()  # noqa: E731
    assert ac.testing.gradcheck(f, [x])
    assert ac.testing.gradgradcheck(f, [x])


def test_wide_graph_many_consumers_of_one_node():
    x = leaf([1.0])
    h = x * 1.0
    y = h
    for _ in range(10_000):
        y = y + h
    y.backward(np.ones(1))
    assert x.grad.item() == 10_001.0


def test_dropping_the_output_frees_the_graph_without_gc():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        h1 = ac.tanh(x * 2.0)
        h2 = ac.exp(h1) * h1
        out = h2 * 3.0
        refs = [weakref.ref(t) for t in (h1, h2, out)]
        node_refs = [weakref.ref(t.grad_fn) for t in (h1, h2, out)]
        node_refs.append(weakref.ref(out.grad_fn.parents[0].parents[0]))
        del h1, h2, out
        assert all(r() is None for r in refs), "intermediate tensors kept alive"
        assert all(r() is None for r in node_refs), "graph nodes kept alive"
        assert x.grad is None
    finally:
        gc.enable()


def test_graph_freed_after_backward_and_drop_without_gc():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        h = ac.tanh(x)
        h.retain_grad()
        h.register_hook(lambda g: g * 1.0)
        out = ac.exp(h) * h
        refs = [weakref.ref(h), weakref.ref(out), weakref.ref(h.grad_fn), weakref.ref(out.grad_fn)]
        out.backward(np.ones(2), retain_graph=True)
        del h, out
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_create_graph_results_are_freed_without_gc():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        y = ac.sin(x) * x
        y.backward(np.ones(2), create_graph=True)
        g = x.grad
        refs = [weakref.ref(y), weakref.ref(y.grad_fn), weakref.ref(g.grad_fn)]
        del y, g
        x.grad = None
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_no_global_tape_keeps_anything():
    x = leaf([1.0])
    r = weakref.ref((x * 2.0).grad_fn)
    assert r() is None


# ---- retain_graph / create_graph --------------------------------------------------------------


def test_second_backward_raises_and_mentions_retain_graph():
    x = leaf([1.0, 2.0])
    y = ac.exp(x) * x
    y.backward(np.ones(2))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward(np.ones(2))


def test_second_backward_through_part_of_a_freed_graph_raises():
    x = leaf([1.0])
    h = ac.exp(x)
    (h * 2.0).backward(np.ones(1))
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 3.0).backward(np.ones(1))


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = ac.exp(x) * x
    y.backward(np.ones(2), retain_graph=True)
    first = x.grad.data.copy()
    y.backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, 2 * first)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward(np.ones(2))


def test_create_graph_gives_differentiable_grads():
    x = leaf([0.5, 2.0])
    y = x * x * x
    y.backward(np.ones(2), create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    x.grad = None
    g.backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_create_graph_third_derivative():
    x = leaf(0.7)
    y = ac.sin(x)
    y.backward(create_graph=True)
    g1 = x.grad
    x.grad = None
    g1.backward(create_graph=True)
    g2 = x.grad
    x.grad = None
    g2.backward()
    np.testing.assert_allclose(g1.item(), np.cos(0.7))
    np.testing.assert_allclose(g2.item(), -np.sin(0.7))
    np.testing.assert_allclose(x.grad.item(), -np.cos(0.7))


def test_create_graph_implies_retain_graph():
    x = leaf([1.0, 2.0])
    y = ac.exp(x)
    y.backward(np.ones(2), create_graph=True)
    y.backward(np.ones(2))  # graph retained by default under create_graph
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(x.data))


def test_create_graph_with_retain_graph_false_frees():
    x = leaf([1.0, 2.0])
    y = ac.exp(x)
    y.backward(np.ones(2), create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward(np.ones(2))


def test_hessian_vector_product_through_create_graph():
    x = leaf([1.0, 2.0, 3.0])
    y = ac.exp(x) * x
    y.backward(np.ones(3), create_graph=True)
    g = x.grad
    x.grad = None
    v = np.array([1.0, -1.0, 0.5])
    (g * v).backward(np.ones(3))
    np.testing.assert_allclose(x.grad.data, v * np.exp(x.data) * (x.data + 2))


# ---- hooks and retain_grad -------------------------------------------------------------------


def test_leaf_hook_sees_grad_and_can_replace_it():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    x.register_hook(lambda g: g * 10.0)
    (x * 3.0).backward(np.ones(2))
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])


def test_non_leaf_hook_replacement_flows_downstream():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    seen = []

    def hook(g):
        assert isinstance(g, ac.Tensor)
        seen.append(g.data.copy())
        return g * 0.0 + 5.0

    h.register_hook(hook)
    (h * h).backward(np.ones(2))
    np.testing.assert_array_equal(seen[0], 2 * h.data)  # runs once, on the summed grad
    assert len(seen) == 1
    np.testing.assert_array_equal(x.grad.data, [10.0, 10.0])


def test_hooks_run_in_registration_order():
    x = leaf([1.0])
    order = []
    x.register_hook(lambda g: order.append("a"))
    x.register_hook(lambda g: order.append("b"))
    (x * 1.0).backward(np.ones(1))
    assert order == ["a", "b"]


def test_hook_removal():
    x = leaf([1.0])
    remove = x.register_hook(lambda g: g * 100.0)
    remove()
    remove()  # idempotent
    (x * 1.0).backward(np.ones(1))
    assert x.grad.item() == 1.0
    h = x * 1.0
    remove_h = h.register_hook(lambda g: g * 100.0)
    remove_h()
    x.grad = None
    (h * 1.0).backward(np.ones(1))
    assert x.grad.item() == 1.0


def test_retain_grad_keeps_non_leaf_grad_and_accumulates():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.retain_grad()
    y = h * h
    y.backward(np.ones(2), retain_graph=True)
    np.testing.assert_array_equal(h.grad.data, 2 * h.data)
    y.backward(np.ones(2))
    np.testing.assert_array_equal(h.grad.data, 4 * h.data)
    assert h.grad.dtype == h.dtype


def test_retain_grad_sees_hook_replacement():
    x = leaf([1.0])
    h = x * 2.0
    h.retain_grad()
    h.register_hook(lambda g: g * 3.0)
    (h * 1.0).backward(np.ones(1))
    assert h.grad.item() == 3.0
    assert x.grad.item() == 6.0


def test_retain_grad_on_leaf_is_harmless():
    x = leaf([1.0])
    x.retain_grad()
    (x * 2.0).backward(np.ones(1))
    assert x.grad.item() == 2.0


def test_retained_grad_is_a_copy():
    x = leaf([1.0])
    h = x * 1.0
    h.retain_grad()
    seed = np.ones(1)
    h.backward(seed)
    h.grad.data += 1.0
    assert seed[0] == 1.0 and x.grad.item() == 1.0


# ---- in-place operations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [
        lambda t: t.__iadd__(1.0),
        lambda t: t.__isub__(1.0),
        lambda t: t.__imul__(2.0),
        lambda t: t.__itruediv__(2.0),
    ],
    ids=["+=", "-=", "*=", "/="],
)
def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad(update):
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf.*no_grad"):
        update(x)
    np.testing.assert_array_equal(x.data, [1.0, 2.0])  # nothing changed


def test_inplace_on_leaf_works_under_no_grad():
    x = leaf([1.0, 2.0])
    data = x.data
    with ac.no_grad():
        x += 1.0
        x -= 0.5
        x *= 4.0
        x /= 2.0
    assert x.data is data  # truly in place
    np.testing.assert_array_equal(x.data, [3.0, 5.0])
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


def test_optimizer_style_step_keeps_graph_usable_afterwards():
    w = leaf([1.0, 2.0])
    (w * w).backward(np.ones(2))
    with ac.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
    (w * w).backward(np.ones(2))
    np.testing.assert_allclose(w.grad.data, 2 * np.array([0.8, 1.6]))


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_inplace_on_non_leaf_stays_differentiable(op):
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 5.0])
    h = ac.tanh(x) * 1.0
    before = h.data.copy()
    if op == "+=":
        h += w
        expected = (np.ones(2), np.ones(2))
    elif op == "-=":
        h -= w
        expected = (np.ones(2), -np.ones(2))
    elif op == "*=":
        h *= w
        expected = (w.data, before)
    else:
        h /= w
        expected = (1 / w.data, -before / w.data**2)
    assert not h.is_leaf and h.requires_grad
    h.backward(np.ones(2))
    dtanh = 1 - np.tanh(x.data) ** 2
    np.testing.assert_allclose(x.grad.data, expected[0] * dtanh)
    np.testing.assert_allclose(w.grad.data, expected[1])


def test_h_times_two_inside_a_model():
    x = leaf([0.5, -1.0])
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    h = x @ w
    h *= 2.0
    h = ac.tanh(h) + 1.0
    h *= 2.0
    h -= 1.0
    h.backward(np.ones(2))
    pre = 2 * (x.data @ w.data)
    dh = 2 * (1 - np.tanh(pre) ** 2) * 2
    np.testing.assert_allclose(x.grad.data, w.data @ dh)
    np.testing.assert_allclose(w.grad.data, np.outer(x.data, dh))


def test_inplace_on_tensor_without_grad_with_grad_operand_records():
    c = ac.tensor([1.0, 2.0])
    w = leaf([3.0, 4.0])
    c *= w
    assert c.requires_grad and c.grad_fn is not None
    c.backward(np.ones(2))
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0])


def test_inplace_shape_must_match():
    x = ac.tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        x += np.ones((2, 2))


def test_inplace_int_tensor_float_operand_raises_type_error():
    x = ac.tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        x += 0.5
    assert x.tolist() == [1, 2]


def test_saved_tensor_modified_in_place_raises_naming_op():
    x = leaf([1.0, 2.0])
    c = ac.tensor([3.0, 4.0])
    y = x * c  # mul saves c
    with ac.no_grad():
        c += 1.0
    with pytest.raises(InplaceError, match="'mul'"):
        y.backward(np.ones(2))
    assert x.grad is None


def test_saved_output_modified_in_place_raises_naming_op():
    x = leaf([1.0, 2.0])
    y = ac.exp(x)  # exp saves its output
    z = y + 1.0  # add saves nothing
    y *= 2.0  # non-leaf, recorded in place
    with pytest.raises(RuntimeError, match="'exp'"):
        z.backward(np.ones(2))


def test_saved_non_leaf_input_modified_in_place_raises():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    y = ac.log(h)  # log saves its input h
    h += 1.0
    with pytest.raises(InplaceError, match="'log'"):
        y.backward(np.ones(2))


def test_saved_inputs_that_no_needed_gradient_uses_are_not_checked():
    # x * 2.0 saves x, but only the (unneeded) gradient of 2.0 would read it
    x = leaf([1.0, 2.0])
    h = x * 1.0
    y = h * 2.0
    q = h / ac.tensor([4.0, 8.0])  # likewise: ∂/∂h = g / b does not read h
    h += 10.0
    (y.sum() + q.sum()).backward()
    np.testing.assert_allclose(x.grad.data, [2.25, 2.125])

    def f(t):  # forward mode checks the same way
        h = t * 1.0
        y = h * 2.0
        h += 10.0
        return y

    _, tangent = ac.jvp(f, (ac.tensor([1.0, 2.0]),), (ac.tensor([1.0, -1.0]),))
    np.testing.assert_allclose(tangent.data, [2.0, -2.0])
    # when the other factor needs a gradient, the overwritten value is needed: raise
    w = leaf([3.0, 4.0])
    h2 = x * 1.0
    z = h2 * w
    h2 += 1.0
    with pytest.raises(InplaceError, match="'mul'"):
        z.backward(np.ones(2))
    h3 = x * 1.0
    d = w / h3  # ∂/∂h3 = -g·w/h3² reads h3
    h3 += 1.0
    with pytest.raises(InplaceError, match="'div'"):
        d.backward(np.ones(2))


def test_version_check_sees_through_views():
    x = leaf(np.ones((2, 2)))
    c = ac.tensor(np.ones((2, 2)))
    v = c.reshape(4)  # a view of c
    y = x.reshape(4) * v  # mul saves v
    with ac.no_grad():
        c *= 2.0  # writes through v's memory
    with pytest.raises(InplaceError, match="'mul'"):
        y.backward(np.ones(4))


def test_modification_before_use_is_fine():
    x = leaf([1.0, 2.0])
    c = ac.tensor([3.0, 4.0])
    with ac.no_grad():
        c += 1.0
    y = x * c
    y.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0])


def test_unrelated_in_place_updates_do_not_break_backward():
    x = leaf([1.0, 2.0])
    other = ac.tensor([1.0])
    y = ac.exp(x) * x
    with ac.no_grad():
        other += 1.0
    y.backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, np.exp(x.data) * (x.data + 1))


def test_inplace_error_under_create_graph_too():
    x = leaf([1.0, 2.0])
    c = ac.tensor([3.0, 4.0])
    y = x * c
    with ac.no_grad():
        c += 1.0
    with pytest.raises(InplaceError, match="'mul'"):
        y.backward(np.ones(2), create_graph=True)


# ---- anomaly detection ------------------------------------------------------------------------


def test_detect_anomaly_names_op_and_creation_site():
    x = leaf([1.0, 0.0])
    with ac.detect_anomaly(), np.errstate(divide="ignore"):
        y = ac.sqrt(x)  # THE_FORWARD_LINE: derivative 1 / (2 sqrt(0)) = inf
        with pytest.raises(AnomalyError) as info:
            (y * 2.0).backward(np.ones(2))
    message = str(info.value)
    assert "'sqrt'" in message and "inf" in message
    assert "test_engine.py" in message and "THE_FORWARD_LINE" in message
    assert isinstance(info.value, RuntimeError)


def test_detect_anomaly_zero_times_inf_is_nan():
    x = leaf([2.0, 3.0])
    with ac.detect_anomaly(), np.errstate(invalid="ignore"):
        big = x * np.array([np.inf, 1.0])
        y = big * 0.0  # d/dx (x*inf*0) -> grad 0 * inf = nan in mul's backward
        with pytest.raises(AnomalyError, match=r"'mul'.*nan"):
            y.backward(np.ones(2))


def test_detect_anomaly_log_of_negative():
    x = leaf([-1.0, 2.0])
    with ac.detect_anomaly(), np.errstate(invalid="ignore"):
        y = ac.log(x)
        z = ac.exp(y)  # exp of nan: its backward produces nan
        with pytest.raises(AnomalyError, match="'exp'.*nan"):
            z.backward(np.ones(2))


def test_without_anomaly_mode_nan_passes_silently():
    x = leaf([0.0])
    with np.errstate(divide="ignore"):
        ac.sqrt(x).backward(np.ones(1))
    assert np.isinf(x.grad.item())


def test_anomaly_mode_is_restored_after_the_block():
    from autograd_core.function import anomaly_state

    with ac.detect_anomaly():
        with ac.detect_anomaly():
            pass
        assert anomaly_state["enabled"]
    assert not anomaly_state["enabled"]


# ---- engine contract checks ------------------------------------------------------------------


def test_rule_returning_wrong_shape_is_reported_with_op_name():
    from autograd_core.function import Op

    class Bad(Op):
        name = "bad_op"

        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return np.ones(7)

    x = leaf(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"'bad_op'.*\(7,\).*\(2, 3\)"):
        Bad.apply(x).backward(np.ones((2, 3)))


def test_rule_returning_wrong_number_of_grads_is_reported():
    from autograd_core.function import Op

    class Bad2(Op):
        name = "bad2"

        def forward(self, a, b):
            return a + b

        def backward(self, grad):
            return (grad,)

    with pytest.raises(GraphError, match="'bad2'.*1 gradients for 2 inputs"):
        Bad2.apply(leaf([1.0]), leaf([1.0])).backward(np.ones(1))


def test_rule_may_return_none_for_inputs_without_grad():
    from autograd_core.function import Op

    class Half(Op):
        name = "half"

        def forward(self, a, b):
            return a * b

        def backward(self, grad):
            assert self.needs_grad == (True, False)
            return grad * 2.0, None

    x = leaf([1.0])
    Half.apply(x, np.array([5.0])).backward(np.ones(1))
    assert x.grad.item() == 2.0


def test_rule_returning_none_for_needed_input_gives_no_contribution():
    from autograd_core.function import Op

    class Nothing(Op):
        name = "nothing"

        def forward(self, a):
            return a * 1.0

        def backward(self, grad):
            return None

    x = leaf([1.0])
    y = Nothing.apply(x) + x
    y.backward(np.ones(1))
    assert x.grad.item() == 1.0


def test_rule_receives_ndarrays_on_ordinary_backward_and_tensors_under_create_graph():
    from autograd_core.function import Op

    seen = []

    class Spy(Op):
        name = "spy"
        save_inputs = (0,)
        save_output = True

        def forward(self, x):
            return x * 2.0

        def backward(self, grad, x, out):
            seen.append((type(grad), type(x), type(out)))
            return grad * 2.0

    x = leaf([1.0])
    Spy.apply(x).backward(np.ones(1))
    Spy.apply(x).backward(np.ones(1), create_graph=True)
    assert seen[0] == (np.ndarray, np.ndarray, np.ndarray)
    assert seen[1] == (ac.Tensor, ac.Tensor, ac.Tensor)


# ---- scheduling and what a graph keeps --------------------------------------------------------


def test_nodes_run_most_recently_recorded_first_like_pytorch():
    x = leaf([1.0])
    a = x * 2.0  # recorded first
    b = x * 3.0  # recorded second
    order = []
    a.register_hook(lambda g: order.append("a"))
    b.register_hook(lambda g: order.append("b"))
    (a + b).backward(np.ones(1))
    assert order == ["b", "a"]
    assert x.grad.item() == 5.0


def test_a_parent_waits_for_consumers_recorded_later():
    # h feeds a chain (u) and, later, a second branch (v); h must run once, after both
    x = leaf([0.5, -0.25])
    h = ac.tanh(x)
    u = ac.exp(h) * 2.0
    v = h * h
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    (u + v).backward(np.ones(2))
    t = np.tanh(x.data)
    dh = 2 * np.exp(t) + 2 * t
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], dh)
    np.testing.assert_allclose(x.grad.data, dh * (1 - t**2))


def test_the_graph_keeps_no_tensor_objects():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        h = x * 2.0
        y = h * h  # saves h's array, not h itself
        r = weakref.ref(h)
        del h
        assert r() is None
        y.backward(np.ones(2))
        np.testing.assert_allclose(x.grad.data, 8 * x.data)
    finally:
        gc.enable()


# ---- what a node keeps: only what a needed gradient reads --------------------------------------


def _kept(node):
    return [v is not None for v in node.saved]


def test_product_with_a_constant_keeps_only_the_constant():
    x = leaf([1.0, -2.0, 3.0])
    y = ac.tanh(x) * 2.0  # ∂tanh(x) = 2g: tanh(x) itself is not needed by this node
    assert _kept(y.grad_fn) == [False, True]
    scaled = y * np.array([1.0, 2.0, 3.0])
    scaled.sum().backward()
    np.testing.assert_allclose(
        x.grad.data, 2.0 * np.array([1.0, 2.0, 3.0]) * (1 - np.tanh([1.0, -2.0, 3.0]) ** 2)
    )


def test_scaled_intermediate_is_freed_once_unreferenced():
    x = leaf(np.ones((4, 4)))
    scores = x @ x  # matmul keeps x, not its own output
    probe = weakref.ref(scores.data)
    y = scores * 0.125  # like an attention scale
    del scores
    gc.collect()
    assert probe() is None  # nothing keeps the unscaled scores alive
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.125 * (np.ones((4, 4)) @ np.ones((4, 4)).T) * 2)


@pytest.mark.parametrize(
    "make, kept",
    [
        (lambda x, c: x * c, [False, True]),
        (lambda x, c: c * x, [True, False]),
        (lambda x, c: x / c, [False, True]),
        (lambda x, c: c / x, [True, True]),  # ∂x = -g·c/x²: both
        (lambda x, c: x * x, [True, True]),
    ],
)
def test_mul_and_div_keep_what_the_needed_gradients_read(make, kept):
    x = leaf([0.5, 2.0])
    c = np.array([3.0, -1.0])
    y = make(x, c)
    assert _kept(y.grad_fn) == kept
    # the gradient is still right, first and second order
    assert ac.testing.gradcheck(lambda x: make(x, c), [x])
    assert ac.testing.gradgradcheck(lambda x: make(x, c), [x])
