"""Optimizer update rules against hand-computed values and literal transcriptions of
PyTorch's documented pseudo-code, plus parameter groups, errors and state dicts."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core import optim


def param(values, dtype=np.float64):
    return ac.tensor(np.array(values, dtype=dtype), requires_grad=True)


def run(opt, p, grads):
    """Feed a sequence of gradients to ``opt`` and return the parameter after each step."""
    out = []
    for g in grads:
        p.grad = ac.tensor(np.asarray(g, dtype=p.dtype))
        opt.step()
        out.append(p.data.copy())
    return out


# ---- references: the pseudo-code of the torch.optim docs, scalar by scalar -----------------


def ref_sgd(theta, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    out, b = [], None
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * theta
        if momentum:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def ref_adam(theta, grads, lr, betas, eps, weight_decay=0.0, amsgrad=False, maximize=False, decoupled=False):
    b1, b2 = betas
    m = v = vmax = 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay:
            if decoupled:
                theta = theta - lr * weight_decay * theta
            else:
                g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        if amsgrad:
            vmax = max(vmax, v)
            v_hat = vmax / (1 - b2**t)
        else:
            v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_rmsprop(theta, grads, lr, alpha, eps, weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    v = g_ave = b = 0.0
    out = []
    for g in grads:
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g * g
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (math.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (math.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def ref_adagrad(
    theta, grads, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, maximize=False
):
    s = initial_accumulator_value
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        clr = lr / (1 + (t - 1) * lr_decay)
        if weight_decay:
            g = g + weight_decay * theta
        s = s + g * g
        theta = theta - clr * g / (math.sqrt(s) + eps)
        out.append(theta)
    return out


def check_against(ref, opt_cls, theta0, grads, **kw):
    """Run the optimizer on a 1-element parameter and compare with the scalar reference."""
    p = param([theta0])
    got = [x[0] for x in run(opt_cls([p], **kw), p, [[g] for g in grads])]
    ref_kw = dict(kw)
    if opt_cls is optim.AdamW:
        ref_kw["decoupled"] = True
    expected = ref(theta0, grads, **ref_kw)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


GRADS = [0.5, -1.5, 2.0, 0.25, -0.75, 1.0]


# ---- SGD -----------------------------------------------------------------------------


def test_sgd_plain_step():
    p = param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1)
    assert run(opt, p, [[1.0, 3.0]])[0].tolist() == pytest.approx([0.9, -2.3])
    assert opt.state[p] == {}  # no momentum buffer without momentum


def test_sgd_momentum_by_hand():
    # b1 = g = 1 -> 0.9;  b2 = 0.9*1 + 1 = 1.9 -> 0.71;  b3 = 0.9*1.9 + 1 = 2.71 -> 0.439
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    steps = [x[0] for x in run(opt, p, [[1.0]] * 3)]
    assert steps == pytest.approx([0.9, 0.71, 0.439])
    assert opt.state[p]["momentum_buffer"][0] == pytest.approx(2.71)


def test_sgd_dampening_by_hand():
    # b1 = g (no dampening on the first step), then b = 0.9*b + 0.5*g
    p = param([0.0])
    opt = optim.SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    steps = [x[0] for x in run(opt, p, [[1.0]] * 3)]
    # b = 1, 1.4, 1.76  -> theta = -1, -2.4, -4.16
    assert steps == pytest.approx([-1.0, -2.4, -4.16])


def test_sgd_nesterov_by_hand():
    # b1 = 1, step g + 0.9*b = 1.9; b2 = 1.9, step 1 + 1.71 = 2.71
    p = param([0.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    steps = [x[0] for x in run(opt, p, [[1.0]] * 2)]
    assert steps == pytest.approx([-0.19, -0.19 - 0.271])


def test_sgd_weight_decay_and_maximize_by_hand():
    p = param([2.0])
    run(optim.SGD([p], lr=0.1, weight_decay=0.5), p, [[1.0]])
    assert p.data[0] == pytest.approx(2.0 - 0.1 * (1.0 + 0.5 * 2.0))
    q = param([2.0])
    run(optim.SGD([q], lr=0.1, maximize=True), q, [[1.0]])
    assert q.data[0] == pytest.approx(2.1)


@given(
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    dampening=st.sampled_from([0.0, 0.3]),
    weight_decay=st.sampled_from([0.0, 0.1]),
    nesterov=st.booleans(),
    maximize=st.booleans(),
)
def test_sgd_matches_documented_algorithm(momentum, dampening, weight_decay, nesterov, maximize):
    if nesterov and (momentum == 0 or dampening != 0):
        nesterov = False
    check_against(
        ref_sgd,
        optim.SGD,
        0.7,
        GRADS,
        lr=0.05,
        momentum=momentum,
        dampening=dampening,
        weight_decay=weight_decay,
        nesterov=nesterov,
        maximize=maximize,
    )


# ---- Adam / AdamW ------------------------------------------------------------------------


def test_adam_first_step_moves_by_lr_times_sign():
    # m_hat = g and v_hat = g^2 after bias correction, so the step is lr * g / (|g| + eps)
    p = param([1.0, 1.0, 1.0])
    run(optim.Adam([p], lr=0.01), p, [[3.0, -0.2, 50.0]])
    np.testing.assert_allclose(p.data, [0.99, 1.01, 0.99], rtol=1e-7)


def test_adam_bias_correction_by_hand():
    # constant gradient: m_hat = g and v_hat = g^2 at every step, so each step is ~lr
    p = param([0.0])
    opt = optim.Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    steps = [x[0] for x in run(opt, p, [[2.0]] * 3)]
    assert steps == pytest.approx([-0.1, -0.2, -0.3], rel=1e-12)
    s = opt.state[p]
    assert s["step"] == 3
    assert s["exp_avg"][0] == pytest.approx(2.0 * (1 - 0.5**3))
    assert s["exp_avg_sq"][0] == pytest.approx(4.0 * (1 - 0.75**3))


def test_amsgrad_keeps_the_maximum_and_changes_the_step():
    grads = [10.0, 0.1, 0.1, 0.1]  # v shrinks after the first step; amsgrad keeps its maximum
    a, b = param([0.0]), param([0.0])
    oa = optim.Adam([a], lr=0.1, amsgrad=True)
    ob = optim.Adam([b], lr=0.1)
    run(oa, a, [[g] for g in grads])
    run(ob, b, [[g] for g in grads])
    v = 0.0
    vmax = 0.0
    for g in grads:
        v = 0.999 * v + 0.001 * g * g
        vmax = max(vmax, v)
    assert oa.state[a]["max_exp_avg_sq"][0] == pytest.approx(vmax)
    assert oa.state[a]["exp_avg_sq"][0] == pytest.approx(v)
    assert a.data[0] != pytest.approx(b.data[0])
    assert "max_exp_avg_sq" not in ob.state[b]


def test_weight_decay_coupled_vs_decoupled():
    # zero gradient: Adam's L2 term becomes the whole gradient (step ~ lr * sign(theta));
    # AdamW only shrinks theta by (1 - lr * wd) and the Adam part is 0 / (0 + eps) = 0
    a, w = param([2.0]), param([2.0])
    run(optim.Adam([a], lr=0.1, weight_decay=0.5), a, [[0.0]])
    run(optim.AdamW([w], lr=0.1, weight_decay=0.5), w, [[0.0]])
    assert a.data[0] == pytest.approx(1.9, rel=1e-7)
    assert w.data[0] == pytest.approx(2.0 * (1 - 0.05), rel=1e-12)


def test_adamw_default_weight_decay():
    assert optim.AdamW([param([1.0])]).defaults["weight_decay"] == 1e-2
    assert optim.Adam([param([1.0])]).defaults["weight_decay"] == 0


@given(
    weight_decay=st.sampled_from([0.0, 0.1]),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    decoupled=st.booleans(),
)
def test_adam_matches_documented_algorithm(weight_decay, amsgrad, maximize, decoupled):
    cls = optim.AdamW if decoupled else optim.Adam
    check_against(
        ref_adam,
        cls,
        0.7,
        GRADS,
        lr=0.05,
        betas=(0.8, 0.95),
        eps=1e-6,
        weight_decay=weight_decay,
        amsgrad=amsgrad,
        maximize=maximize,
    )


# ---- RMSprop -----------------------------------------------------------------------------


def test_rmsprop_first_step_by_hand():
    p = param([1.0])
    run(optim.RMSprop([p], lr=0.01, alpha=0.99, eps=0.0), p, [[2.0]])
    # v = 0.01 * 4 = 0.04, step = 0.01 * 2 / 0.2 = 0.1
    assert p.data[0] == pytest.approx(0.9)


def test_rmsprop_centered_by_hand():
    p = param([0.0])
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5, eps=0.0, centered=True)
    run(opt, p, [[2.0], [4.0]])
    # v = 2, 9; g_ave = 1, 2.5; variance = 1, 2.75
    s = opt.state[p]
    assert s["square_avg"][0] == pytest.approx(9.0)
    assert s["grad_avg"][0] == pytest.approx(2.5)
    assert p.data[0] == pytest.approx(-0.1 * 2.0 / 1.0 - 0.1 * 4.0 / math.sqrt(2.75))


@given(
    weight_decay=st.sampled_from([0.0, 0.1]),
    momentum=st.sampled_from([0.0, 0.5]),
    centered=st.booleans(),
    maximize=st.booleans(),
)
def test_rmsprop_matches_documented_algorithm(weight_decay, momentum, centered, maximize):
    check_against(
        ref_rmsprop,
        optim.RMSprop,
        0.7,
        GRADS,
        lr=0.01,
        alpha=0.9,
        eps=1e-6,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
        maximize=maximize,
    )


# ---- Adagrad -----------------------------------------------------------------------------


def test_adagrad_lr_decay_by_hand():
    p = param([0.0])
    opt = optim.Adagrad([p], lr=1.0, lr_decay=0.5, eps=0.0)
    steps = [x[0] for x in run(opt, p, [[1.0]] * 3)]
    # clr = 1, 1/1.5, 1/2; sum = 1, 2, 3
    expected = np.cumsum([-1.0, -(1 / 1.5) / math.sqrt(2), -0.5 / math.sqrt(3)])
    assert steps == pytest.approx(expected.tolist())
    assert opt.state[p]["step"] == 3


def test_adagrad_initial_accumulator_value_and_eager_state():
    p = param([0.0, 0.0])
    opt = optim.Adagrad([p], lr=1.0, initial_accumulator_value=3.0, eps=0.0)
    assert opt.state[p]["sum"].tolist() == [3.0, 3.0] and opt.state[p]["step"] == 0
    run(opt, p, [[1.0, -1.0]])
    assert p.data.tolist() == pytest.approx([-0.5, 0.5])


@given(
    lr_decay=st.sampled_from([0.0, 0.3]),
    weight_decay=st.sampled_from([0.0, 0.1]),
    initial_accumulator_value=st.sampled_from([0.0, 0.5]),
    maximize=st.booleans(),
)
def test_adagrad_matches_documented_algorithm(lr_decay, weight_decay, initial_accumulator_value, maximize):
    check_against(
        ref_adagrad,
        optim.Adagrad,
        0.7,
        GRADS,
        lr=0.1,
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        initial_accumulator_value=initial_accumulator_value,
        maximize=maximize,
    )


# ---- behaviour common to all optimizers ---------------------------------------------------

ALL = [
    (optim.SGD, dict(lr=0.1, momentum=0.9)),
    (optim.Adam, dict(lr=0.1, amsgrad=True)),
    (optim.AdamW, dict(lr=0.1)),
    (optim.RMSprop, dict(lr=0.1, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.1)),
]
IDS = [c.__name__ for c, _ in ALL]


@pytest.mark.parametrize("cls,kw", ALL, ids=IDS)
def test_params_without_grad_are_skipped(cls, kw):
    p, q = param([1.0, 2.0]), param([3.0])
    opt = cls([p, q], **kw)
    before = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in opt.state[q].items()}
    run(opt, p, [[1.0, 1.0]])
    assert q.grad is None and q.data.tolist() == [3.0]
    assert set(opt.state[q]) == set(before)  # Adagrad's eager state stays untouched


@pytest.mark.parametrize("cls,kw", ALL, ids=IDS)
def test_step_keeps_dtype_and_records_no_graph(cls, kw):
    p = param([1.0, -1.0], dtype=np.float32)
    opt = cls([p], **kw)
    run(opt, p, [[0.5, -0.5]] * 2)
    assert p.dtype == np.float32 and p.is_leaf and p.requires_grad and p.grad_fn is None
    for v in opt.state[p].values():
        if isinstance(v, np.ndarray):
            assert v.dtype == np.float32


@pytest.mark.parametrize("cls,kw", ALL, ids=IDS)
def test_step_does_not_modify_the_gradient(cls, kw):
    p = param([1.0, -1.0])
    opt = cls([p], weight_decay=0.1, **kw) if cls is not optim.AdamW else cls([p], **kw)
    p.grad = ac.tensor(np.array([0.5, 0.25]))
    opt.step()
    opt.step()
    assert p.grad.data.tolist() == [0.5, 0.25]


@pytest.mark.parametrize("cls,kw", ALL, ids=IDS)
def test_state_dict_round_trip(cls, kw):
    rng = np.random.default_rng(0)
    p1, q1 = param(rng.normal(size=(2, 3))), param(rng.normal(size=4))
    opt1 = cls([{"params": [p1]}, {"params": [q1], "lr": 0.02}], **kw)
    for _ in range(3):
        p1.grad, q1.grad = ac.tensor(rng.normal(size=(2, 3))), ac.tensor(rng.normal(size=4))
        opt1.step()
    sd = opt1.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.02
    assert set(sd["state"]) == {0, 1}

    p2, q2 = param(p1.data.copy()), param(q1.data.copy())
    opt2 = cls([{"params": [p2]}, {"params": [q2]}], lr=0.5)  # the state dict's options win
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.02 and opt2.param_groups[0]["params"] == [p2]
    for _ in range(3):
        g1, g2 = rng.normal(size=(2, 3)), rng.normal(size=4)
        p1.grad, q1.grad, p2.grad, q2.grad = ac.tensor(g1), ac.tensor(g2), ac.tensor(g1), ac.tensor(g2)
        opt1.step()
        opt2.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    np.testing.assert_array_equal(q1.data, q2.data)


def test_state_dict_is_a_snapshot():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    run(opt, p, [[1.0]])
    sd = opt.state_dict()
    run(opt, p, [[1.0]])
    assert sd["state"][0]["momentum_buffer"].tolist() == [1.0]
    sd["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1


def test_load_state_dict_errors():
    p, q = param([1.0]), param([2.0])
    sd = optim.SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        optim.SGD([p], lr=0.1).load_state_dict(sd)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    bad = {"state": {0: {"momentum_buffer": np.zeros(3)}}, "param_groups": opt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        opt.load_state_dict(bad)


def test_param_groups_options_and_defaults():
    a, b = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["params"] == [b]
    a.grad = ac.tensor(np.array([1.0]))
    b.grad = ac.tensor(np.array([1.0]))
    opt.step()
    assert (a.data[0], b.data[0]) == pytest.approx((0.9, 0.0))
    c = param([1.0])
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([a, a])


def test_params_may_be_a_generator():
    ps = [param([1.0]), param([2.0])]
    opt = optim.Adam(p for p in ps)
    assert opt.param_groups[0]["params"] == ps


def test_zero_grad():
    p, q = param([1.0, 2.0]), param([3.0])
    opt = optim.SGD([p, q], lr=0.1)
    p.grad = ac.tensor(np.array([1.0, 1.0]))
    opt.zero_grad(set_to_none=False)
    assert p.grad.data.tolist() == [0.0, 0.0] and q.grad is None
    opt.zero_grad()
    assert p.grad is None


def test_step_bumps_the_version_so_stale_graphs_raise():
    p = param([1.0, 2.0])
    y = p * p  # its gradient 2p reads p
    p.grad = ac.tensor(np.array([1.0, 1.0]))
    optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward(np.ones(2))


def test_closure_is_evaluated_with_grad_and_returned():
    p = param([3.0])
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = p * p
        loss.backward()
        return loss

    with ac.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.data[0] == pytest.approx(1.5)


def test_bad_params_raise():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(param([1.0]), lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        optim.Adam([param([1.0]), np.zeros(2)])
    with pytest.raises(TypeError, match="int64"):
        optim.Adam([ac.tensor([1, 2])])
    leaf = param([1.0])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([leaf * 2], lr=0.1)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: optim.SGD([p], lr=-0.1), "SGD: invalid lr value -0.1"),
        (lambda p: optim.SGD([p], lr=0.1, momentum=-1), "SGD: invalid momentum value -1"),
        (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "SGD: Nesterov momentum requires momentum > 0"),
        (
            lambda p: optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "dampening=0.1",
        ),
        (lambda p: optim.SGD([p], lr=0.1, weight_decay=-1e-4), "SGD: invalid weight_decay"),
        (lambda p: optim.Adam([p], betas=(1.0, 0.999)), "Adam: invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.Adam([p], betas=(0.9, -0.1)), "Adam: invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.AdamW([p], eps=-1.0), "AdamW: invalid eps value -1.0"),
        (lambda p: optim.RMSprop([p], alpha=-0.5), "RMSprop: invalid alpha value -0.5"),
        (lambda p: optim.Adagrad([p], lr_decay=-1.0), "Adagrad: invalid lr_decay value -1.0"),
        (
            lambda p: optim.Adagrad([p], initial_accumulator_value=-1.0),
            "Adagrad: invalid initial_accumulator_value",
        ),
        (lambda p: optim.SGD([{"params": [p], "lr": -1.0}], lr=0.1), "SGD: invalid lr value -1.0"),
    ],
)
def test_invalid_options_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make(param([1.0]))


def test_non_numeric_lr_is_a_type_error():
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD([param([1.0])], lr="0.1")


def test_repr_lists_groups():
    text = repr(optim.Adam([param([1.0])], lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


def test_gradient_shape_mismatch_raises():
    p = param([1.0, 2.0])
    p.grad = ac.tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\)"):
        optim.SGD([p], lr=0.1).step()


def test_training_a_linear_least_squares_problem_converges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    w_true = np.array([[1.0], [-2.0], [0.5]])
    y = X @ w_true
    settings = [
        (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
        (optim.Adam, dict(lr=0.05, amsgrad=True)),
        (optim.AdamW, dict(lr=0.05, weight_decay=1e-4)),
        (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
        (optim.Adagrad, dict(lr=0.5)),
    ]
    for cls, kw in settings:
        w = param(np.zeros((3, 1)))
        opt = cls([w], **kw)
        for _ in range(300):
            opt.zero_grad()
            r = ac.tensor(X) @ w - ac.tensor(y)
            loss = (r.T @ r) * (1 / len(X))  # (1, 1) mean squared error
            loss.backward()
            opt.step()
        np.testing.assert_allclose(w.data, w_true, atol=0.02, err_msg=cls.__name__)


@pytest.mark.parametrize("cls,kw", ALL, ids=IDS)
def test_state_dict_survives_ac_save_and_load(cls, kw, tmp_path):
    rng = np.random.default_rng(1)
    p1 = param(rng.normal(size=(2, 2)))
    opt1 = cls([p1], **kw)
    for _ in range(2):
        p1.grad = ac.tensor(rng.normal(size=(2, 2)))
        opt1.step()
    ac.save(opt1.state_dict(), tmp_path / "opt.npz")
    p2 = param(p1.data.copy())
    opt2 = cls([p2], lr=0.5)
    opt2.load_state_dict(ac.load(tmp_path / "opt.npz"))
    for _ in range(2):
        g = rng.normal(size=(2, 2))
        p1.grad, p2.grad = ac.tensor(g), ac.tensor(g)
        opt1.step()
        opt2.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    assert opt2.param_groups[0]["lr"] == 0.1


# ---- cache-sized blocks (optim.blocks) -------------------------------------------------------


def test_blocks_cover_the_arrays_with_writable_views():
    from autograd_core.optim.optimizer import BLOCK_BYTES, blocks

    n = 5 * (BLOCK_BYTES // 4) + 123  # float32: five whole blocks and a partial one
    a = np.arange(n, dtype=np.float32).reshape(-1, 1)
    b = np.ones(n, np.float32).reshape(-1, 1)
    parts = blocks(a, None, b)
    assert len(parts) == 6 and all(p[1] is None for p in parts)
    assert [p[0].size for p in parts] == [BLOCK_BYTES // 4] * 5 + [123]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), a.ravel())
    for x, _, y in parts:
        x += y  # views: writes land in a
    np.testing.assert_array_equal(a.ravel(), np.arange(n, dtype=np.float32) + 1)


def test_blocks_return_small_or_non_contiguous_or_mismatched_arrays_whole():
    from autograd_core.optim.optimizer import BLOCK_BYTES, blocks

    small = np.zeros(10)
    assert blocks(small, small)[0][0] is small
    big = np.zeros((BLOCK_BYTES, 4), np.float32)  # many blocks' worth
    assert len(blocks(big, big)) > 1
    fortran = np.asfortranarray(big)
    assert len(blocks(big, fortran)) == 1 and blocks(big, fortran)[0][1] is fortran
    assert len(blocks(big, big.T.copy().T)) == 1  # a transposed layout: no flat view
    assert len(blocks(big, np.zeros(big.shape[::-1], np.float32))) == 1  # other shape


OPTIMIZERS = [
    (optim.SGD, dict(lr=0.05)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    (optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("cls, kw", OPTIMIZERS)
def test_blocked_updates_equal_whole_array_updates_exactly(cls, kw):
    # A C-contiguous parameter of several blocks is updated block by block; the same
    # values in Fortran order (no flat view) are updated as whole arrays. Elementwise
    # arithmetic is the same either way, so the results must agree bit for bit.
    rng = np.random.default_rng(0)
    values = rng.standard_normal((700, 300)).astype(np.float32)
    blocked = ac.tensor(values, requires_grad=True)
    whole = ac.tensor(values, requires_grad=True)
    whole.data = np.asfortranarray(values)
    assert whole.data.flags.f_contiguous and not whole.data.flags.c_contiguous
    opts = [cls([blocked], **kw), cls([whole], **kw)]
    for _ in range(3):
        g = rng.standard_normal(values.shape).astype(np.float32)
        blocked.grad = ac.tensor(g)
        whole.grad = ac.tensor(np.asfortranarray(g))
        for o in opts:
            o.step()
        np.testing.assert_array_equal(blocked.data, whole.data)
    for key, value in opts[0].state[blocked].items():
        np.testing.assert_array_equal(value, opts[1].state[whole][key])


def test_a_failing_step_still_bumps_the_versions_of_what_it_updated():
    first, second = param([1.0, 2.0]), param([3.0])
    y = first + 1.0  # saves nothing of first, but first * first reads it:
    z = first * first
    first.grad = ac.tensor(np.array([1.0, 1.0]))
    second.grad = ac.tensor(np.array([1.0, 1.0]))  # wrong shape: the step raises here
    with pytest.raises(ValueError, match="does not match"):
        optim.SGD([first, second], lr=0.1).step()
    np.testing.assert_allclose(first.data, [0.9, 1.9])  # first was updated ...
    with pytest.raises(RuntimeError, match="in-place"):
        z.backward(np.ones(2))  # ... and its graph knows it
    y.backward(np.ones(2))  # (a graph that saved nothing of first is fine)
