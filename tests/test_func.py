"""Functional transforms: grad, value_and_grad, vjp, jvp, jacobian/jacfwd, hessian, hvp.

Sums are written as ``x @ ones`` (see ``total``) so these tests rest only on the core
operations.
"""

import math

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core.errors import DTypeError, ShapeError
from autograd_core.func import TransformError, _jvp_by_double_vjp, _saved
from autograd_core.function import Op
from autograd_core.graph import is_op, walk
from autograd_core.testing import gradcheck
from autograd_core.testing.opspec import all_specs

DIFF_SPECS = [s for s in all_specs() if s.differentiable]


def total(x):
    """Σ x, as a matmul with ones."""
    return x.reshape(-1) @ np.ones(x.size, x.dtype)


def rng(seed=0):
    return np.random.default_rng(seed)


# ---- every op of the spec table: forward mode against reverse mode and finite differences ----


def _draw_valid(spec, data):
    """A drawn example; one the op itself refuses (a flaw of the row's generator, e.g. einsum
    '...->' with a non-empty ellipsis, which NumPy refuses too) is rejected, not failed."""
    arrays, kw = data.draw(spec.inputs, label="inputs")
    try:
        spec.fn(*[ac.tensor(a) for a in arrays], **kw)
    except (ValueError, TypeError):
        reject()
    return arrays, kw


def _spec_problem(spec, data):
    """(g, primals): g maps the differentiated inputs of the drawn example to the op's outputs."""
    arrays, kw = _draw_valid(spec, data)
    wrt = list(spec.grad_inputs if spec.grad_inputs is not None else range(len(arrays)))
    consts = [ac.tensor(a) for a in arrays]

    def g(*xs):
        args = list(consts)
        for i, x in zip(wrt, xs):
            args[i] = x
        return spec.fn(*args, **kw)

    return g, [arrays[i] for i in wrt]


def _flat_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if o.dtype.kind == "f"]


@pytest.mark.parametrize("spec", DIFF_SPECS, ids=lambda s: s.name)
def test_jvp_agrees_with_vjp_and_finite_differences(spec):
    """<u, Jᵀv> = <J u, v>, and J u = (f(x + εu) - f(x - εu)) / 2ε."""

    @settings(max_examples=max(3, spec.max_examples // 2))
    @given(st.data())
    def check(data):
        g, primals = _spec_problem(spec, data)
        r = rng(len(primals))
        us = [r.standard_normal(p.shape) for p in primals]
        out, ju = ac.jvp(g, tuple(primals), tuple(us))
        outs, jus = _flat_outputs(out), _flat_outputs(ju)
        assert len(outs) == len(jus)
        for o, t in zip(outs, jus):
            assert t.shape == o.shape and t.dtype == o.dtype
        vs = [r.standard_normal(o.shape) for o in outs]
        out2, vjp_fn = ac.vjp(g, *primals)
        cot = tuple(vs) if isinstance(out2, (tuple, list)) else vs[0]
        jtv = vjp_fn(cot)
        assert isinstance(jtv, tuple) and len(jtv) == len(primals)
        lhs = sum(float(np.sum(u * t.data)) for u, t in zip(us, jtv))
        rhs = sum(float(np.sum(t.data * v)) for t, v in zip(jus, vs))
        assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)
        eps = 1e-6
        plus = _flat_outputs(g(*[ac.tensor(p + eps * u) for p, u in zip(primals, us)]))
        minus = _flat_outputs(g(*[ac.tensor(p - eps * u) for p, u in zip(primals, us)]))
        for t, a, b in zip(jus, plus, minus):
            np.testing.assert_allclose(t.data, (a.data - b.data) / (2 * eps), rtol=1e-4, atol=1e-6)

    check()


@pytest.mark.parametrize("spec", DIFF_SPECS, ids=lambda s: s.name)
def test_vjp_is_differentiable_in_the_cotangent_for_every_op(spec):
    """∂⟨Jᵀv, u⟩/∂v = J u: every backward rule records its graph (linear in v) under create_graph."""

    @settings(max_examples=max(3, spec.max_examples // 2))
    @given(st.data())
    def check(data):
        g, primals = _spec_problem(spec, data)
        r = rng(11)
        us = [r.standard_normal(p.shape) for p in primals]
        _, ju = ac.jvp(g, tuple(primals), tuple(us))
        out, vjp_fn = ac.vjp(g, *primals)
        outs = _flat_outputs(out)
        is_seq = isinstance(out, (tuple, list))

        def pairing(*vs):
            jtv = vjp_fn(tuple(vs) if is_seq else vs[0])
            return sum(total(t * u) for t, u in zip(jtv, us))

        vs = [r.standard_normal(o.shape) for o in outs]
        grads = ac.grad(pairing, argnums=tuple(range(len(vs))))(*vs)
        for got, want in zip(grads, _flat_outputs(ju)):
            np.testing.assert_allclose(got.data, want.data, rtol=1e-9, atol=1e-12)

    check()


@pytest.mark.parametrize("spec", DIFF_SPECS, ids=lambda s: s.name)
def test_gradcheck_forward_mode(spec):
    @settings(max_examples=3)
    @given(st.data())
    def check(data):
        arrays, kw = _draw_valid(spec, data)
        wrt = spec.grad_inputs if spec.grad_inputs is not None else range(len(arrays))
        ts = [ac.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        assert gradcheck(
            lambda *xs: spec.fn(*xs, **kw), ts, atol=spec.atol, rtol=spec.rtol, check_forward_ad=True
        )

    check()


def _ops_with_rules():
    seen = {}
    stack = list(Op.__subclasses__())
    while stack:
        c = stack.pop()
        stack.extend(c.__subclasses__())
        if "jvp" in vars(c) and c.__module__.startswith("autograd_core.ops"):
            seen[c.__name__] = c
    return seen


def test_core_ops_have_native_jvp_rules():
    rules = _ops_with_rules()
    for name in ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "Matmul", "Exp", "Log", "Tanh", "Sigmoid"]:
        assert name in rules
    for name in ["Where", "Maximum", "Minimum", "Clip", "Relu", "Abs", "Sign", "Erf", "Softplus"]:
        assert name in rules


@pytest.mark.parametrize("spec", DIFF_SPECS, ids=lambda s: s.name)
def test_native_rules_equal_rules_derived_from_backward(spec):
    """Each node's own jvp rule gives the same tangent as the double-vjp derivation."""

    @settings(max_examples=3)
    @given(st.data())
    def check(data):
        arrays, kw = _draw_valid(spec, data)
        wrt = spec.grad_inputs if spec.grad_inputs is not None else range(len(arrays))
        ts = [ac.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        out = spec.fn(*ts, **kw)
        r = rng(3)
        for o in _flat_outputs(out):
            node = o.grad_fn
            if node is None or getattr(node, "jvp", None) is None:
                continue
            tangents = []
            for p in node.parents:
                shape = None if p is None else (p.out_shape if p._is_node else p.shape)
                tangents.append(None if shape is None else r.standard_normal(shape))
            if all(t is None for t in tangents):
                continue
            saved = _saved(node, "array")
            native = (
                node.jvp(tangents[0], *saved) if len(tangents) == 1 else node.jvp(tuple(tangents), *saved)
            )
            derived = _jvp_by_double_vjp(node, tangents, connected=False)
            native = np.zeros(node.out_shape) if native is None else np.broadcast_to(native, node.out_shape)
            np.testing.assert_allclose(native, derived, rtol=1e-10, atol=1e-12)

    check()


# Op classes that derive their tangent from backward (double-vjp), with the reason:
# user-defined Functions and checkpoint segments have no rule to call (their forward
# is user code).
DERIVED_JVP = {"_FunctionNode", "_Checkpoint"}


def _all_op_classes():
    import autograd_core.nn  # noqa: F401  (registers the nn ops)
    from autograd_core.autograd_function import _FunctionNode

    seen, stack = [], list(Op.__subclasses__())
    while stack:
        c = stack.pop()
        stack.extend(c.__subclasses__())
        # node classes made for users' ac.Function subclasses (e.g. by other tests) are user code
        is_user_function = issubclass(c, _FunctionNode) and c is not _FunctionNode
        if c.__module__.startswith("autograd_core") and not is_user_function:
            seen.append(c)
    return seen


def test_every_core_op_has_a_native_jvp_rule():
    """Every primitive of autograd_core.ops has its own jvp; only the documented few derive it."""
    classes = _all_op_classes()
    missing_core = sorted(
        c.__name__
        for c in classes
        if c.__module__.startswith("autograd_core.ops") and getattr(c, "jvp", None) is None
    )
    assert missing_core == []
    missing = {c.__name__ for c in classes if getattr(c, "jvp", None) is None}
    assert missing <= DERIVED_JVP, missing - DERIVED_JVP
    for name in ["Reshape", "Transpose", "BroadcastTo", "SumTo", "Cast", "Clone", "GetItem", "IndexAdd"]:
        assert name in _ops_with_rules()
    for name in ["Sum", "Mean", "Var", "Std", "Prod", "Max", "Min", "LogSumExp", "Softmax", "Cumsum"]:
        assert name in _ops_with_rules() or any(
            c.__name__ == name and getattr(c, "jvp", None) is not None for c in classes
        )
    for name in ["GetItem", "SetItem", "Concatenate", "Stack", "Einsum", "Conv2d", "ConvTranspose"]:
        assert name in _ops_with_rules()


def _check_every_node(out, seed=0):
    """Native jvp of every node of ``out``'s graph equals the backward-derived tangent."""
    r = rng(seed)
    stack, seen, checked = [out.grad_fn], set(), 0
    while stack:
        node = stack.pop()
        if node is None or not getattr(node, "_is_node", False) or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node.parents)
        tangents = [
            None if p is None else r.standard_normal(p.out_shape if p._is_node else p.shape)
            for p in node.parents
        ]
        saved = _saved(node, "array")
        native = node.jvp(tangents[0], *saved) if len(tangents) == 1 else node.jvp(tuple(tangents), *saved)
        derived = _jvp_by_double_vjp(node, tangents, connected=False)
        native = np.zeros(node.out_shape) if native is None else np.broadcast_to(native, node.out_shape)
        np.testing.assert_allclose(native, derived, rtol=1e-10, atol=1e-12, err_msg=node.name)
        checked += 1
    return checked


def test_native_rules_of_inner_and_adjoint_nodes():
    """Nodes the spec table reaches only inside a graph: setitem, adjoint ops, single operands, ties."""
    r = rng(11)
    x = ac.tensor(r.standard_normal((3, 4)), requires_grad=True)
    v = ac.tensor(r.standard_normal(4), requires_grad=True)
    y = x * 1.0
    y[[0, 0, 2]] = v  # repeated rows: the last write wins
    y[1:, 1] = v[:2]
    assert _check_every_node(y) >= 3
    tied = ac.tensor(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), requires_grad=True)
    assert _check_every_node(ac.max(tied, axis=1) + ac.min(tied, axis=None)) >= 2
    # one-operand einsum / concatenate / stack, and a constant among several inputs
    a = ac.tensor(r.standard_normal((3, 3)), requires_grad=True)
    _check_every_node(ac.einsum("ii->i", a))
    _check_every_node(ac.concatenate([a]) + ac.concatenate([a[:1], np.ones((2, 3))]))
    _check_every_node(ac.stack([a], axis=1).sum() + ac.stack([np.zeros((3, 3)), a], axis=2).sum())
    # the graph of a conv gradient holds its adjoint ops (transpose, weight grad) and pooling scatters
    xc = ac.tensor(r.standard_normal((1, 2, 5, 5)), requires_grad=True)
    w = ac.tensor(r.standard_normal((3, 2, 3, 3)), requires_grad=True)

    def loss(xc, w):
        y = ac.conv2d(xc, w, stride=2, padding=1)
        return (ac.max_pool2d(y, 2) ** 2).sum() + (ac.avg_pool2d(y, 2) ** 2).sum()

    gx, gw = ac.grad(loss, argnums=(0, 1))(xc, w)
    for g in (gx, gw):
        _check_every_node(g)
    assert {"conv_transpose2d", "conv2d_weight_grad", "max_pool2d_backward"} <= _node_names(gx, gw)


def _node_names(*tensors) -> set:
    """The names of every operation in the graphs of ``tensors``."""
    return {n.name for n, _ in walk(*tensors) if is_op(n)}


def test_native_rules_of_the_gather_users():
    """repeat, reflect pad and overlapping max-pooling gather with GetItem: their nodes and
    the scatter-adds in their gradients' graphs have native tangents equal to the derived ones."""
    r = rng(13)
    x = ac.tensor(r.standard_normal((1, 2, 6, 5)), requires_grad=True)

    def loss(t):
        y = ac.max_pool2d(ac.pad(t, ((0, 0), (0, 0), (2, 1), (1, 2)), mode="reflect"), 3, 2, 1)
        return (ac.repeat(y, [2, 0, 1, 3], axis=-1) ** 2).sum()

    (gx,) = ac.grad(loss, argnums=(0,))(x)
    assert _check_every_node(gx) >= 6
    expected = {"pad", "max_pool2d", "repeat", "pad_backward", "max_pool2d_backward", "repeat_backward"}
    assert expected <= _node_names(gx)


def test_forward_over_reverse_through_conv_matches_finite_differences():
    r = rng(12)
    x, w = r.standard_normal((1, 2, 5, 5)), r.standard_normal((3, 2, 3, 3))
    b = r.standard_normal(3)

    def f(x, w):
        y = ac.conv2d(x, w, b, stride=2, padding=1)
        return (ac.tanh(ac.max_pool2d(y, 2)) ** 2).sum() + (ac.avg_pool2d(y, 2) ** 2).sum()

    u = (r.standard_normal(x.shape), r.standard_normal(w.shape))
    _, hv = ac.hvp(f, (x, w), u)
    g = ac.grad(f, argnums=(0, 1))
    eps = 1e-5
    plus, minus = g(x + eps * u[0], w + eps * u[1]), g(x - eps * u[0], w - eps * u[1])
    for h, p, m in zip(hv, plus, minus):
        np.testing.assert_allclose(h.data, (p.data - m.data) / (2 * eps), rtol=1e-5, atol=1e-6)


# ---- jacobian and jacfwd ----------------------------------------------------------------------


def test_jacobian_of_a_linear_map_is_the_matrix():
    A = rng().standard_normal((4, 3))
    x = rng(1).standard_normal(3)
    for jac in (ac.jacobian, ac.jacrev, ac.jacfwd):
        np.testing.assert_allclose(jac(lambda x: A @ x)(x).data, A, rtol=1e-12)


def test_jacobian_elementwise_is_diagonal():
    x = np.linspace(-1, 1, 5)
    J = ac.jacobian(ac.tanh)(x)
    np.testing.assert_allclose(J.data, np.diag(1 - np.tanh(x) ** 2), atol=1e-15)


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: ac.tanh(x @ y).reshape(3, 1) * ac.exp(y).reshape(1, 2),
        lambda x, y: ac.sin(x) * total(y),
        lambda x, y: (ac.sigmoid(x @ y), ac.log1p(y * y)),
    ],
    ids=["matrix", "broadcast", "two-outputs"],
)
def test_jacobian_and_jacfwd_agree(f):
    x = rng(2).standard_normal((3, 2))
    y = rng(3).standard_normal(2)
    rev = ac.jacobian(f, argnums=(0, 1))(x, y)
    fwd = ac.jacfwd(f, argnums=(0, 1))(x, y)
    rev_flat = rev if isinstance(rev[0], tuple) else (rev,)
    fwd_flat = fwd if isinstance(fwd[0], tuple) else (fwd,)
    for r_out, f_out in zip(rev_flat, fwd_flat):
        for a, b in zip(r_out, f_out):
            assert a.shape == b.shape
            np.testing.assert_allclose(a.data, b.data, rtol=1e-10, atol=1e-12)


def test_jacobian_shape_is_output_shape_plus_input_shape():
    x = rng().standard_normal((2, 3))
    J = ac.jacobian(lambda x: ac.exp(x).T)(x)
    assert J.shape == (3, 2, 2, 3)
    assert ac.jacfwd(lambda x: ac.exp(x).T)(x).shape == (3, 2, 2, 3)
    assert J.data[2, 1, 1, 2] == pytest.approx(math.exp(x[1, 2]))
    assert J.data[2, 1, 1, 1] == 0


# ---- hessians of closed-form functions ---------------------------------------------------------


def test_hessian_of_quadratic_form():
    A = rng().standard_normal((4, 4))
    b = rng(1).standard_normal(4)
    x = rng(2).standard_normal(4)
    H = ac.hessian(lambda x: x @ (A @ x) + b @ x)(x)
    np.testing.assert_allclose(H.data, A + A.T, rtol=1e-12)


def _shift(n, k):
    """Matrix selecting x[k : k + n - 1] (keeps Rosenbrock to core ops)."""
    S = np.zeros((n - 1, n))
    S[np.arange(n - 1), np.arange(n - 1) + k] = 1
    return S


def rosenbrock(x):
    n = x.shape[0]
    head, tail = _shift(n, 0) @ x, _shift(n, 1) @ x
    return total(100 * (tail - head**2) ** 2 + (1 - head) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


@pytest.mark.parametrize("n", [2, 3, 5])
def test_hessian_of_rosenbrock(n):
    x = rng(n).uniform(-1.5, 1.5, n)
    np.testing.assert_allclose(ac.hessian(rosenbrock)(x).data, rosenbrock_hessian(x), rtol=1e-10, atol=1e-9)
    # the gradient too: ∂f/∂x_i = -400 x_i (x_{i+1} - x_i²) - 2 (1 - x_i) + 200 (x_i - x_{i-1}²)
    g = np.zeros(n)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    np.testing.assert_allclose(ac.grad(rosenbrock)(x).data, g, rtol=1e-12)


def logsumexp(x):
    m = float(np.max(x.data))
    return ac.log(total(ac.exp(x - m))) + m


def test_hessian_of_logsumexp():
    x = rng().standard_normal(5)
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(ac.grad(logsumexp)(x).data, p, rtol=1e-12)
    np.testing.assert_allclose(ac.hessian(logsumexp)(x).data, np.diag(p) - np.outer(p, p), atol=1e-14)


def test_hessian_with_two_arguments_is_nested():
    x, y = rng().standard_normal(3), rng(1).standard_normal(2)
    A = rng(2).standard_normal((3, 2))

    def f(x, y):  # f = xᵀ A y + Σ x³
        return x @ (A @ y) + total(x**3)

    H = ac.hessian(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(H[0][0].data, np.diag(6 * x), rtol=1e-12)
    np.testing.assert_allclose(H[0][1].data, A, rtol=1e-12)
    np.testing.assert_allclose(H[1][0].data, A.T, rtol=1e-12)
    np.testing.assert_allclose(H[1][1].data, np.zeros((2, 2)), atol=0)


# ---- higher-order scalar derivatives -----------------------------------------------------------

POINTS = [-1.3, -0.2, 0.0, 0.4, 1.1]


@pytest.mark.parametrize("x", POINTS)
def test_third_derivative_of_sin(x):
    d3 = ac.grad(ac.grad(ac.grad(ac.sin)))
    assert d3(np.float64(x)).item() == pytest.approx(-math.cos(x), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("x", POINTS)
def test_third_derivative_of_tanh(x):
    t = math.tanh(x)
    s = 1 - t * t
    d3 = ac.grad(ac.grad(ac.grad(ac.tanh)))
    assert d3(np.float64(x)).item() == pytest.approx(-2 * s * (1 - 3 * t * t), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("x", [-1.5, 0.5, 2.0])
def test_derivatives_of_x_to_the_fifth(x):
    f = lambda x: x**5
    d1, d2, d3 = ac.grad(f), ac.grad(ac.grad(f)), ac.grad(ac.grad(ac.grad(f)))
    assert d1(np.float64(x)).item() == pytest.approx(5 * x**4, rel=1e-12)
    assert d2(np.float64(x)).item() == pytest.approx(20 * x**3, rel=1e-12)
    assert d3(np.float64(x)).item() == pytest.approx(60 * x**2, rel=1e-12)
    d4 = ac.grad(d3)
    assert d4(np.float64(x)).item() == pytest.approx(120 * x, rel=1e-12)


def test_forward_over_forward_and_mixed_orders():
    x = np.float64(0.7)
    df = lambda x: ac.jvp(ac.sin, (x,), (np.float64(1.0),))[1]
    d2f = lambda x: ac.jvp(df, (x,), (np.float64(1.0),))[1]
    assert d2f(x).item() == pytest.approx(-math.sin(0.7), rel=1e-12)
    # reverse over forward, and forward over reverse
    assert ac.grad(df)(x).item() == pytest.approx(-math.sin(0.7), rel=1e-12)
    assert ac.jvp(ac.grad(ac.sin), (x,), (np.float64(1.0),))[1].item() == pytest.approx(-math.sin(0.7))
    assert ac.grad(ac.grad(df))(x).item() == pytest.approx(-math.cos(0.7), rel=1e-12)


# ---- hvp ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [rosenbrock, logsumexp, lambda x: total(ac.tanh(x) ** 3 * ac.exp(x))])
def test_hvp_equals_hessian_times_vector(f):
    x = rng(5).uniform(-1, 1, 4)
    v = rng(6).standard_normal(4)
    value, hv = ac.hvp(f, x, v)
    assert value.item() == pytest.approx(f(ac.tensor(x)).item(), rel=1e-12)
    np.testing.assert_allclose(hv.data, ac.hessian(f)(x).data @ v, rtol=1e-10, atol=1e-12)


def test_hvp_with_tuple_primals():
    A = rng().standard_normal((3, 2))
    f = lambda x, y: total((x @ A) * y) + total(ac.sin(y))
    x, y = rng(1).standard_normal(3), rng(2).standard_normal(2)
    u, w = rng(3).standard_normal(3), rng(4).standard_normal(2)
    value, (hx, hy) = ac.hvp(f, (x, y), (u, w))
    # H = [[0, A], [Aᵀ, -diag(sin y)]]
    np.testing.assert_allclose(hx.data, A @ w, rtol=1e-12)
    np.testing.assert_allclose(hy.data, A.T @ u - np.sin(y) * w, rtol=1e-12)


# ---- grad / value_and_grad / vjp / jvp API ------------------------------------------------------


def test_grad_never_touches_dot_grad():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ac.tensor([10.0, 10.0])
    g = ac.grad(lambda x: total(x * x))(x)
    np.testing.assert_allclose(g.data, [2.0, 4.0])
    np.testing.assert_allclose(x.grad.data, [10.0, 10.0])
    y = ac.tensor([3.0], requires_grad=True)
    ac.grad(lambda y: total(y**2))(y)
    ac.hessian(lambda y: total(y**3))(y)
    ac.jvp(lambda y: y**2, (y,), (np.ones(1, np.float32),))
    ac.vjp(lambda y: y**2, y)[1](np.ones(1))
    assert y.grad is None


def test_python_floats_get_the_default_dtype():
    g = ac.grad(lambda x: x * x)(3.0)
    assert g.dtype == ac.get_default_dtype() and g.item() == 6.0
    ac.set_default_dtype(np.float64)
    try:
        assert ac.grad(lambda x: x * x)(3.0).dtype == np.float64
    finally:
        ac.set_default_dtype(np.float32)
    x64 = np.array([1.0, 2.0])
    assert ac.grad(lambda x: total(x * x))(x64).dtype == np.float64


def test_argnums_tuple_and_value_and_grad():
    f = lambda x, y, k: total(x * y) * k
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gx, gy = ac.grad(f, argnums=(0, 1))(x, y, 2.0)
    np.testing.assert_allclose(gx.data, 2 * y)
    np.testing.assert_allclose(gy.data, 2 * x)
    value, gk = ac.value_and_grad(f, argnums=2)(x, y, 2.0)
    assert value.item() == 22.0 and gk.item() == 11.0
    assert not value.requires_grad
    assert ac.grad(f, argnums=-1)(x, y, 2.0).item() == 11.0


def test_has_aux():
    def f(x):
        y = ac.tanh(x)
        return total(y), {"y": y, "n": 3}

    g, aux = ac.grad(f, has_aux=True)(np.array([0.5, -0.5]))
    np.testing.assert_allclose(g.data, 1 - np.tanh([0.5, -0.5]) ** 2)
    np.testing.assert_allclose(aux["y"].data, np.tanh([0.5, -0.5]))
    assert aux["n"] == 3 and not aux["y"].requires_grad
    (value, aux), g = ac.value_and_grad(f, has_aux=True)(np.array([0.5]))
    assert value.item() == pytest.approx(math.tanh(0.5))


def test_gradient_of_unused_input_is_zero():
    g = ac.grad(lambda x, y: total(x * 2), argnums=1)(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(g.data, np.zeros(3))
    assert ac.grad(lambda x: total(x))(np.ones(2)).tolist() == [1.0, 1.0]
    assert ac.grad(lambda x: x)(np.array([4.0])).tolist() == [1.0]  # output is the input itself


def test_vjp_returns_a_tuple_and_can_be_called_repeatedly():
    A = rng().standard_normal((2, 3))
    out, vjp_fn = ac.vjp(lambda x: A @ x, np.ones(3))
    np.testing.assert_allclose(out.data, A @ np.ones(3))
    for v in (np.array([1.0, 0.0]), np.array([0.0, 1.0])):
        (g,) = vjp_fn(v)
        np.testing.assert_allclose(g.data, v @ A)
    out, vjp_fn = ac.vjp(lambda x, y: (x * y, x + y), np.ones(2), np.full(2, 3.0))
    gx, gy = vjp_fn((np.ones(2), np.full(2, 2.0)))
    np.testing.assert_allclose(gx.data, [5.0, 5.0])
    np.testing.assert_allclose(gy.data, [3.0, 3.0])


def test_vjp_is_differentiable_in_the_cotangent():
    A = rng().standard_normal((2, 3))
    x = np.ones(3)

    def h(v):
        return ac.vjp(lambda x: ac.sin(A @ x), x)[1](v)[0]

    J = ac.jacobian(h)(np.ones(2))  # ∂(Jᵀv)/∂v = Jᵀ
    np.testing.assert_allclose(J.data, (np.cos(A @ x)[:, None] * A).T, rtol=1e-12)


def test_jvp_structure_and_single_values():
    out, t = ac.jvp(
        lambda x, y: (x * y, ac.sin(x)), (np.array([2.0]), np.array([3.0])), (np.array([1.0]), np.zeros(1))
    )
    assert isinstance(out, tuple) and isinstance(t, tuple)
    np.testing.assert_allclose(t[0].data, [3.0])
    np.testing.assert_allclose(t[1].data, [math.cos(2.0)])
    out, t = ac.jvp(ac.exp, np.array([0.0]), np.array([5.0]))  # a bare primal is a 1-tuple
    assert t.tolist() == [5.0]
    out, t = ac.jvp(lambda x: ac.tensor([1.0, 2.0]), (np.ones(2),), (np.ones(2),))  # constant output
    np.testing.assert_array_equal(t.data, np.zeros(2))


def test_closed_over_tensors_stay_differentiable():
    """grad w.r.t. x of f(x, w) is itself a function of w when w requires grad."""
    w = ac.tensor(np.array([0.5, -1.0]), requires_grad=True)
    gx = ac.grad(lambda x: total(ac.sin(x * w)))(np.array([0.3, 0.2]))
    assert gx.requires_grad
    total(gx).backward()
    x = np.array([0.3, 0.2])
    # ∂/∂w_i [w_i cos(x_i w_i)] = cos(x_i w_i) - x_i w_i sin(x_i w_i)
    np.testing.assert_allclose(w.grad.data, np.cos(x * w.data) - x * w.data * np.sin(x * w.data), rtol=1e-12)


def test_transforms_under_no_grad_return_plain_results():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with ac.no_grad():
        g = ac.grad(lambda x: total(x**3))(x)
        _, t = ac.jvp(lambda x: x**3, (x,), (np.ones(2, np.float32),))
    assert not g.requires_grad and not t.requires_grad
    np.testing.assert_allclose(g.data, [3.0, 12.0])
    np.testing.assert_allclose(t.data, [3.0, 12.0])


# ---- errors ------------------------------------------------------------------------------------


def test_grad_of_non_scalar_names_the_shape():
    with pytest.raises(ShapeError, match=r"shape \(3,\)"):
        ac.grad(ac.sin)(np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        ac.value_and_grad(lambda x: x * 2)(np.ones((2, 2)))


def test_argnums_out_of_range():
    f = lambda x, y: total(x * y)
    with pytest.raises(TransformError, match="argnums 2 is out of range.*2 positional arguments"):
        ac.grad(f, argnums=2)(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        ac.grad(f, argnums=(0, -3))(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        ac.jacobian(f, argnums=5)(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="argnums must be"):
        ac.grad(f, argnums="x")


def test_integer_inputs_are_rejected():
    with pytest.raises(DTypeError, match="int64"):
        ac.grad(lambda x: total(x * 1.0))(np.array([1, 2]))


def test_jvp_tangent_shape_and_count_errors():
    with pytest.raises(ShapeError, match=r"tangent 0 has shape \(2,\) but primal 0 has shape \(3,\)"):
        ac.jvp(ac.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        ac.jvp(lambda x, y: x * y, (np.ones(3), np.ones(3)), (np.ones(3),))
    _, vjp_fn = ac.vjp(ac.sin, np.ones(3))
    with pytest.raises(ShapeError, match=r"cotangent 0 has shape \(2,\)"):
        vjp_fn(np.ones(2))


def test_forward_mode_respects_version_counters():
    def f(x):
        y = x * 2
        z = ac.log(y)
        y += 1  # modifies the input log saved
        return z

    with pytest.raises(RuntimeError, match="in-place"):
        ac.jvp(f, (np.ones(2),), (np.ones(2),))


def test_grad_under_no_grad_keeps_the_enclosing_graph():
    w = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = w * 3  # a graph the transform's pass reaches but must not free
    with ac.no_grad():
        g = ac.grad(lambda x: total(x * h))(np.ones(2))
    np.testing.assert_allclose(g.data, [3.0, 6.0])
    total(h).backward()
    np.testing.assert_allclose(w.grad.data, [3.0, 3.0])


def test_gradient_cost_benchmark_runs_and_reverse_mode_wins():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_gradient_cost.py"
    spec = importlib.util.spec_from_file_location("bench_gradient_cost", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    f = bench.make_f(40)
    x = np.random.default_rng(0).standard_normal(40)
    g = bench.reverse(f, x)  # the three methods agree
    np.testing.assert_allclose(bench.forward(f, x), g, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bench.central(f, x), g, rtol=1e-3, atol=1e-5)
    row = bench.bench(40, repeats=3)
    assert row["reverse"] < row["forward"] and row["reverse"] < row["central"]


def test_transforms_through_ops_without_native_rules():
    """Reductions and shape ops get forward mode derived from their backward, nested too."""
    x = rng(7).standard_normal(5)
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(ac.hessian(ac.logsumexp)(x).data, np.diag(p) - np.outer(p, p), atol=1e-14)
    for jac in (ac.jacobian, ac.jacfwd):
        np.testing.assert_allclose(jac(ac.softmax)(x).data, np.diag(p) - np.outer(p, p), atol=1e-14)
    f = lambda x: (ac.tanh(x.reshape(5, 1) * x.reshape(1, 5)) ** 2).mean()
    v = rng(8).standard_normal(5)
    np.testing.assert_allclose(ac.hvp(f, x, v)[1].data, ac.hessian(f)(x).data @ v, rtol=1e-10, atol=1e-13)


def test_functional_grad_never_writes_retained_grads():
    """API §7: transforms never write any tensor's .grad, retain_grad() included."""
    seen = {}

    def f(x):
        h = x * 3
        h.retain_grad()
        seen["h"] = h
        return (h * h).sum()

    g = ac.grad(f)(ac.tensor([1.0, 2.0]))
    np.testing.assert_allclose(g.data, [18.0, 36.0])
    assert seen["h"].grad is None


def test_pruned_nodes_of_an_enclosing_graph_stay_usable():
    """A functional pass that does not run a node must not free it."""
    w = ac.tensor([1.0, 2.0], requires_grad=True)
    u = w * 2  # an enclosing graph the transform reaches through a closure
    side = ac.exp(w)  # a second branch, not needed by the transform
    total = (u * side).sum()
    ac.grad(lambda x: (x * u).sum())(ac.tensor([1.0, 1.0]))
    total.backward()
    expected = 2 * np.exp([1.0, 2.0]) + 2 * np.array([1.0, 2.0]) * np.exp([1.0, 2.0])
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-6)
