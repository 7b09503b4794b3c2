"""User-defined operations: ac.Function."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.errors import GraphError, InplaceError, ShapeError
from autograd_core.testing import gradcheck, gradgradcheck


def total(x):
    return x.reshape(-1) @ np.ones(x.size, x.dtype)


class MyExp(ac.Function):
    """exp with its output saved."""

    @staticmethod
    def forward(ctx, x):
        y = ac.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class ScaledSin(ac.Function):
    """k * sin(x) with a Python-number argument and an input saved; has a jvp rule."""

    jvp_calls = 0

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return ac.sin(x) * k

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.k * ac.cos(x), None

    @staticmethod
    def jvp(ctx, tx, tk):
        ScaledSin.jvp_calls += 1
        (x,) = ctx.saved_tensors
        return tx * ctx.k * ac.cos(x)


class MulAdd(ac.Function):
    """(a * b, a + b): two inputs, two outputs."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b, a + b

    @staticmethod
    def backward(ctx, g_prod, g_sum):
        a, b = ctx.saved_tensors
        ga = g_prod * b + g_sum if ctx.needs_input_grad[0] else None
        gb = g_prod * a + g_sum if ctx.needs_input_grad[1] else None
        return ga, gb


def x64(*shape, seed=0, low=-1.0, high=1.0):
    return ac.tensor(np.random.default_rng(seed).uniform(low, high, shape), requires_grad=True)


def test_forward_value_node_name_and_gradient():
    x = x64(3)
    y = MyExp.apply(x)
    np.testing.assert_allclose(y.data, np.exp(x.data))
    assert y.requires_grad and y.grad_fn.name == "MyExp"
    total(y).backward()
    np.testing.assert_allclose(x.grad.data, np.exp(x.data))


def test_gradcheck_first_and_second_order():
    x = x64(2, 3)
    assert gradcheck(MyExp.apply, [x], check_forward_ad=True)
    assert gradgradcheck(MyExp.apply, [x])
    assert gradcheck(lambda x: ScaledSin.apply(x, 2.5), [x], check_forward_ad=True)
    assert gradgradcheck(lambda x: ScaledSin.apply(x, 2.5), [x])


def test_double_backward_through_saved_output():
    # d²/dx² exp(x) = exp(x): needs the saved output connected to the node
    x = ac.tensor(np.array([0.3, -0.4]), requires_grad=True)
    y = MyExp.apply(x)
    (g,) = ac.vjp(lambda x: MyExp.apply(x), x)[1](np.ones(2))
    assert g.requires_grad
    total(g).backward()
    np.testing.assert_allclose(x.grad.data, np.exp(x.data))
    assert y.data.shape == (2,)


def test_nested_transforms_through_a_function():
    f = lambda x: total(MyExp.apply(x) * ScaledSin.apply(x, 2.0))
    x = np.array([0.2, -0.7])
    # f'' of 2 e^x sin x is 4 e^x cos x
    np.testing.assert_allclose(ac.hessian(f)(x).data, np.diag(4 * np.exp(x) * np.cos(x)), rtol=1e-12)
    d3 = ac.grad(ac.grad(ac.grad(lambda x: MyExp.apply(x) * 1.0)))
    assert d3(np.float64(0.5)).item() == pytest.approx(math.exp(0.5), rel=1e-12)


def test_multiple_inputs_and_outputs():
    a, b = x64(3, seed=1), x64(3, seed=2)
    assert gradcheck(MulAdd.apply, [a, b], check_forward_ad=True)
    assert gradgradcheck(MulAdd.apply, [a, b])
    p, s = MulAdd.apply(a, b)
    np.testing.assert_allclose(p.data, a.data * b.data)
    np.testing.assert_allclose(s.data, a.data + b.data)
    total(p).backward()  # only one output used: the other's gradient is zero
    np.testing.assert_allclose(a.grad.data, b.data)


def test_needs_input_grad_and_constants():
    seen = {}

    class Probe(ac.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen["needs"] = ctx.needs_input_grad
            return a * b * scale

        @staticmethod
        def backward(ctx, grad):
            return grad, None, None

    a = x64(2)
    b = ac.tensor(np.ones(2))
    Probe.apply(a, b, 3.0)
    assert seen["needs"] == (True, False, False)
    with ac.no_grad():
        out = Probe.apply(a, b, 3.0)
    assert seen["needs"] == (False, False, False) and not out.requires_grad


def test_forward_mode_uses_the_jvp_rule():
    ScaledSin.jvp_calls = 0
    x = np.array([0.1, 0.9])
    _, t = ac.jvp(lambda x: ScaledSin.apply(x, 3.0), (x,), (np.array([1.0, 2.0]),))
    assert ScaledSin.jvp_calls == 1
    np.testing.assert_allclose(t.data, 3 * np.cos(x) * [1.0, 2.0])
    # without a rule, forward mode derives it from backward
    _, t = ac.jvp(MyExp.apply, (x,), (np.array([1.0, 2.0]),))
    np.testing.assert_allclose(t.data, np.exp(x) * [1.0, 2.0])


def test_mark_non_differentiable():
    class SortedWithIndex(ac.Function):
        @staticmethod
        def forward(ctx, x):
            order = ac.tensor(np.argsort(x.data))
            values = ac.tensor(x.data[order.data])
            flag = ac.tensor(np.float64(1.0))
            ctx.mark_non_differentiable(flag)
            ctx.order = order.data
            return values, order, flag

        @staticmethod
        def backward(ctx, g_values, g_order, g_flag):
            assert g_flag.item() == 0.0 and g_order.shape == (3,)
            out = np.zeros(g_values.shape)
            out[ctx.order] = g_values.data
            return ac.tensor(out)

    x = ac.tensor(np.array([3.0, 1.0, 2.0]), requires_grad=True)
    values, order, flag = SortedWithIndex.apply(x)
    assert values.requires_grad and not order.requires_grad and not flag.requires_grad
    (values @ np.array([1.0, 10.0, 100.0])).backward()
    np.testing.assert_allclose(x.grad.data, [100.0, 1.0, 10.0])


def test_modifying_a_saved_tensor_in_place_raises():
    a = x64(3)
    h = a * 2
    y = MyExp.apply(h)
    y += 1  # the saved output
    with pytest.raises(InplaceError, match="MyExp"):
        total(y).backward()

    a = x64(3)
    h = a * 2
    z = ScaledSin.apply(h, 1.0)
    h *= 3  # the saved input
    with pytest.raises(InplaceError, match="ScaledSin: saved tensor 0"):
        total(z).backward()


def test_wrong_number_of_gradients_names_function_and_counts():
    class TooFew(ac.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(
        GraphError, match=r"TooFew.backward returned 1 gradient, but TooFew.forward received 2"
    ):
        total(TooFew.apply(x64(2), x64(2))).backward()


def test_wrong_gradient_shape_names_function_and_input_index():
    class BadShape(ac.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, ac.tensor(np.ones(5))

    with pytest.raises(
        ShapeError, match=r"BadShape.backward .* shape \(5,\) for input 1, which has shape \(2,\)"
    ):
        total(BadShape.apply(x64(2), x64(2))).backward()


def test_saved_tensors_only_after_forward_and_second_backward_needs_retain():
    class Early(ac.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.saved_tensors
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="not forward"):
        Early.apply(x64(2))
    y = total(MyExp.apply(x64(2)))
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_no_input_requires_grad_records_nothing():
    y = MyExp.apply(ac.tensor(np.ones(2)))
    assert not y.requires_grad and y.grad_fn is None
