"""RNN / LSTM / GRU and their cells against a step-by-step NumPy reference written
from PyTorch's documented formulas; gradients by BPTT in closed form and gradcheck;
the fused LSTM cell node by gradcheck, gradgradcheck and forward-mode checks."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.errors import ShapeError
from autograd_core.func import _jvp_by_double_vjp, _saved
from autograd_core.graph import is_op, walk
from autograd_core.nn import functional_layers as FL
from autograd_core.nn.layers.recurrent import RNNBase
from autograd_core.testing import gradcheck, gradgradcheck


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ref_step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One time step, PyTorch's equations (gate order LSTM i,f,g,o; GRU r,z,n)."""
    H = w_hh.shape[0] // {"LSTM": 4, "GRU": 3}.get(mode, 1)
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    if mode in ("tanh", "relu"):
        pre = gi + gh
        return (np.tanh(pre) if mode == "tanh" else np.maximum(pre, 0)), None
    if mode == "LSTM":
        g = gi + gh
        i, f, gg, o = (
            sigmoid(g[:, :H]),
            sigmoid(g[:, H : 2 * H]),
            np.tanh(g[:, 2 * H : 3 * H]),
            sigmoid(g[:, 3 * H :]),
        )
        c = f * c + i * gg
        return o * np.tanh(c), c
    r = sigmoid(gi[:, :H] + gh[:, :H])
    z = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - z) * n + z * h, None


def ref_rnn(mode, params, x, num_layers, bidirectional, h0=None, c0=None):
    """x (L, N, F) -> (output, h_n, c_n) from ``params`` (name -> array, PyTorch names);
    an LSTM with ``weight_hr`` (proj_size) projects each h: h = (o ⊙ tanh c) W_hrᵀ."""
    D = 2 if bidirectional else 1
    L, N = x.shape[:2]
    H = params["weight_hh_l0"].shape[0] // {"LSTM": 4, "GRU": 3}.get(mode, 1)
    P = params["weight_hr_l0"].shape[0] if "weight_hr_l0" in params else H
    h_n, c_n = [], []
    inp = x
    for k in range(num_layers):
        outs = []
        for d in range(D):
            sfx = f"_l{k}" + ("_reverse" if d else "")
            w = [params[n + sfx] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            h = np.zeros((N, P)) if h0 is None else h0[k * D + d]
            c = np.zeros((N, H)) if c0 is None else c0[k * D + d]
            ys = [None] * L
            for t in reversed(range(L)) if d else range(L):
                h, c = ref_step(mode, inp[t], h, c, *w)
                if P != H:
                    h = h @ params["weight_hr" + sfx].T
                ys[t] = h
            outs.append(np.stack(ys))
            h_n.append(h)
            c_n.append(c)
        inp = np.concatenate(outs, axis=-1)
    return inp, np.stack(h_n), (np.stack(c_n) if mode == "LSTM" else None)


def _build(cls_name, **kw):
    ac.manual_seed(0)
    if cls_name in ("tanh", "relu"):
        return nn.RNN(3, 4, nonlinearity=cls_name, dtype=np.float64, **kw)
    return getattr(nn, cls_name)(3, 4, dtype=np.float64, **kw)


def _params(m):
    return {n: p.data for n, p in m.named_parameters()}


MODES = ["tanh", "relu", "LSTM", "GRU"]
LAYOUTS = [
    dict(num_layers=1, bidirectional=False, batch_first=False),
    dict(num_layers=2, bidirectional=False, batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=False),
    dict(num_layers=1, bidirectional=True, batch_first=True),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_recurrent_layers_match_the_step_by_step_reference(mode, layout):
    m = _build(mode, **layout)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 2, 3))  # (L, N, F)
    D = 2 if layout["bidirectional"] else 1
    h0 = rng.normal(size=(layout["num_layers"] * D, 2, 4))
    c0 = rng.normal(size=h0.shape)
    inp = np.swapaxes(x, 0, 1) if layout["batch_first"] else x
    hx = (h0, c0) if mode == "LSTM" else h0
    out, state = m(inp, hx)
    ref_out, ref_h, ref_c = ref_rnn(
        mode, _params(m), x, layout["num_layers"], layout["bidirectional"], h0, c0
    )
    if layout["batch_first"]:
        ref_out = np.swapaxes(ref_out, 0, 1)
    np.testing.assert_allclose(out.data, ref_out, atol=1e-12)
    h_n = state[0] if mode == "LSTM" else state
    np.testing.assert_allclose(h_n.data, ref_h, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(state[1].data, ref_c, atol=1e-12)
    # zero initial states by default
    out0, _ = m(inp)
    ref0, _, _ = ref_rnn(mode, _params(m), x, layout["num_layers"], layout["bidirectional"])
    np.testing.assert_allclose(
        out0.data, np.swapaxes(ref0, 0, 1) if layout["batch_first"] else ref0, atol=1e-12
    )


@pytest.mark.parametrize("mode", MODES)
def test_unbatched_sequence_equals_batch_of_one(mode):
    m = _build(mode, num_layers=2, bidirectional=True)
    x = np.random.default_rng(2).normal(size=(6, 3))
    out, state = m(x)
    out_b, state_b = m(x[:, None, :])
    assert out.shape == (6, 8)
    np.testing.assert_allclose(out.data, out_b.data[:, 0], atol=1e-14)
    h = state[0] if mode == "LSTM" else state
    hb = state_b[0] if mode == "LSTM" else state_b
    assert h.shape == (4, 4)
    np.testing.assert_allclose(h.data, hb.data[:, 0], atol=1e-14)


def test_elman_rnn_gradients_match_closed_form_bptt():
    m = _build("tanh")
    p = _params(m)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 2, 3))
    xt = ac.tensor(x, requires_grad=True)
    out, h_n = m(xt)
    g_out = rng.normal(size=out.shape)
    (out * g_out).sum().backward()
    # forward, keeping the states
    hs = [np.zeros((2, 4))]
    for t in range(6):
        hs.append(
            np.tanh(
                x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + hs[-1] @ p["weight_hh_l0"].T + p["bias_hh_l0"]
            )
        )
    # back-propagation through time: δ_t = (g_t + δ_{t+1} W_hh ... ) ⊙ (1 − h_t²)
    gW_ih, gW_hh, gb = np.zeros((4, 3)), np.zeros((4, 4)), np.zeros(4)
    gx = np.zeros_like(x)
    carry = np.zeros((2, 4))
    for t in reversed(range(6)):
        delta = (g_out[t] + carry) * (1 - hs[t + 1] ** 2)
        gW_ih += delta.T @ x[t]
        gW_hh += delta.T @ hs[t]
        gb += delta.sum(axis=0)
        gx[t] = delta @ p["weight_ih_l0"]
        carry = delta @ p["weight_hh_l0"]
    np.testing.assert_allclose(xt.grad.data, gx, atol=1e-12)
    np.testing.assert_allclose(m.weight_ih_l0.grad.data, gW_ih, atol=1e-12)
    np.testing.assert_allclose(m.weight_hh_l0.grad.data, gW_hh, atol=1e-12)
    np.testing.assert_allclose(m.bias_ih_l0.grad.data, gb, atol=1e-12)
    np.testing.assert_allclose(m.bias_hh_l0.grad.data, gb, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_recurrent_gradcheck_inputs_states_and_parameters(mode):
    ac.manual_seed(4)
    kw = dict(num_layers=2, bidirectional=True, dtype=np.float64)
    if mode in ("tanh", "relu"):
        m = nn.RNN(2, 3, nonlinearity=mode, **kw)
    else:
        m = getattr(nn, mode)(2, 3, **kw)
    rng = np.random.default_rng(5)
    x = ac.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    h0 = ac.tensor(rng.normal(size=(4, 2, 3)) * 0.5, requires_grad=True)
    c0 = ac.tensor(rng.normal(size=(4, 2, 3)) * 0.5, requires_grad=True)
    params = list(m.parameters())
    if mode == "LSTM":

        def f(x, h0, c0, *ps):
            out, (h, c) = m(x, (h0, c0))
            return out, h, c

        assert gradcheck(f, [x, h0, c0, *params])
    else:

        def g(x, h0, *ps):
            out, h = m(x, h0)
            return out, h

        assert gradcheck(g, [x, h0, *params])


@pytest.mark.parametrize("mode", MODES)
def test_cells_match_one_step_of_the_reference(mode):
    ac.manual_seed(6)
    if mode in ("tanh", "relu"):
        cell = nn.RNNCell(3, 4, nonlinearity=mode, dtype=np.float64)
    else:
        cell = getattr(nn, f"{mode}Cell")(3, 4, dtype=np.float64)
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    assert cell.weight_ih.shape == (gates * 4, 3) and cell.weight_hh.shape == (gates * 4, 4)
    rng = np.random.default_rng(7)
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    w = [p.data for p in cell.parameters()]
    ref_h, ref_c = ref_step(mode, x, h, c, *w)
    if mode == "LSTM":
        hh, cc = cell(x, (h, c))
        np.testing.assert_allclose(cc.data, ref_c, atol=1e-12)
        h1, c1 = cell(x[0], (h[0], c[0]))  # unbatched
        np.testing.assert_allclose(h1.data, ref_h[0], atol=1e-12)
        assert gradcheck(
            lambda x, *ps: cell(x, (h, c)), [ac.tensor(x, requires_grad=True), *cell.parameters()]
        )
    else:
        hh = cell(x, h)
        np.testing.assert_allclose(cell(x[1], h[1]).data, ref_h[1], atol=1e-12)
        assert gradcheck(lambda x, *ps: cell(x, h), [ac.tensor(x, requires_grad=True), *cell.parameters()])
    np.testing.assert_allclose(hh.data, ref_h, atol=1e-12)
    zero_state = cell(x)[0] if mode == "LSTM" else cell(x)
    ref_zero, _ = ref_step(mode, x, np.zeros((2, 4)), np.zeros((2, 4)), *w)
    np.testing.assert_allclose(zero_state.data, ref_zero, atol=1e-12)


def test_parameter_names_shapes_and_init_follow_pytorch():
    ac.manual_seed(8)
    lstm = nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    shapes = {n: p.shape for n, p in lstm.named_parameters()}
    assert list(shapes)[:5] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l0_reverse",
    ]
    assert shapes["weight_ih_l0"] == (80, 10) and shapes["weight_hh_l0"] == (80, 20)
    assert shapes["weight_ih_l1"] == (80, 40) and shapes["bias_hh_l1_reverse"] == (80,)
    assert len(shapes) == 16
    bound = 1 / math.sqrt(20)
    for p in lstm.parameters():
        assert p.dtype == np.float32 and np.abs(p.data).max() <= bound
    gru = nn.GRU(5, 6, bias=False)
    assert [n for n, _ in gru.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert gru.weight_ih_l0.shape == (18, 5)
    assert "LSTM(10, 20, num_layers=2, bidirectional=True)" == repr(lstm)


def test_dropout_between_layers_only_in_training():
    ac.manual_seed(9)
    m = nn.LSTM(3, 4, num_layers=2, dropout=1.0, dtype=np.float64)
    x1, x2 = np.random.default_rng(10).normal(size=(2, 5, 2, 3))
    # dropout p=1 zeroes layer 0's output: layer 1 (and so the output) no longer depends on x
    np.testing.assert_allclose(m(x1)[0].data, m(x2)[0].data)
    m.eval()
    assert not np.allclose(m(x1)[0].data, m(x2)[0].data)
    ref, _, _ = ref_rnn("LSTM", _params(m), x1, 2, False)
    np.testing.assert_allclose(m(x1)[0].data, ref, atol=1e-12)


def test_state_dict_round_trip_between_instances():
    a, b = nn.GRU(3, 4, num_layers=2), nn.GRU(3, 4, num_layers=2)
    b.load_state_dict(a.state_dict())
    x = ac.randn(5, 2, 3)
    np.testing.assert_array_equal(a(x)[0].data, b(x)[0].data)


def test_recurrent_errors_name_the_layer_and_shapes():
    lstm = nn.LSTM(4, 8)
    with pytest.raises(ShapeError, match=r"LSTM: input of shape \(5, 2, 3\) has 3 features.*input_size=4"):
        lstm(ac.zeros((5, 2, 3)))
    with pytest.raises(ShapeError, match=r"LSTM: expected a 3-D input \(L, N, H_in\).*4-D input"):
        lstm(ac.zeros((5, 2, 3, 4)))
    with pytest.raises(ShapeError, match=r"GRU: expected a 3-D input \(N, L, H_in\)"):
        nn.GRU(4, 8, batch_first=True)(ac.zeros(4))
    with pytest.raises(ShapeError, match=r"LSTM: h_0 must have shape \(1, 2, 8\).*got \(2, 2, 8\)"):
        lstm(ac.zeros((5, 2, 4)), (ac.zeros((2, 2, 8)), ac.zeros((1, 2, 8))))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        lstm(ac.zeros((5, 2, 4)), ac.zeros((1, 2, 8)))
    with pytest.raises(ShapeError, match=r"RNN: h_0 must have shape \(2, 3, 8\)"):
        nn.RNN(4, 8, num_layers=2)(ac.zeros((5, 3, 4)), ac.zeros((2, 8)))
    with pytest.raises(ShapeError, match=r"GRUCell: input of shape \(2, 5\) has 5 features.*input_size=4"):
        nn.GRUCell(4, 3)(ac.zeros((2, 5)))
    with pytest.raises(ShapeError, match=r"LSTMCell: h must have shape \(2, 3\)"):
        nn.LSTMCell(4, 3)(ac.zeros((2, 4)), (ac.zeros((3, 3)), ac.zeros((2, 3))))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(2, 2, nonlinearity="sigmoid")
    with pytest.raises(ShapeError, match=r"LSTM: the sequence length must be at least 1.*\(0, 2, 4\)"):
        lstm(ac.zeros((0, 2, 4)))
    with pytest.raises(ShapeError, match=r"GRU: the sequence length must be at least 1.*\(3, 0, 4\)"):
        nn.GRU(4, 8, batch_first=True)(ac.zeros((3, 0, 4)))


# ---- LSTM with a projection (proj_size) -------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lstm_projection_matches_the_step_by_step_reference(layout):
    ac.manual_seed(0)
    m = nn.LSTM(3, 5, proj_size=2, dtype=np.float64, **layout)
    D = 2 if layout["bidirectional"] else 1
    names = dict(m.named_parameters())
    assert names["weight_hh_l0"].shape == (20, 2) and names["weight_hr_l0"].shape == (2, 5)
    if layout["num_layers"] == 2:
        assert names["weight_ih_l1"].shape == (20, 2 * D)  # layer 1 reads the projected outputs
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 2, 3))
    h0 = rng.normal(size=(layout["num_layers"] * D, 2, 2))
    c0 = rng.normal(size=(layout["num_layers"] * D, 2, 5))
    inp = np.swapaxes(x, 0, 1) if layout["batch_first"] else x
    out, (h_n, c_n) = m(inp, (h0, c0))
    ref_out, ref_h, ref_c = ref_rnn(
        "LSTM", _params(m), x, layout["num_layers"], layout["bidirectional"], h0, c0
    )
    if layout["batch_first"]:
        ref_out = np.swapaxes(ref_out, 0, 1)
    assert out.shape[-1] == 2 * D
    np.testing.assert_allclose(out.data, ref_out, atol=1e-12)
    np.testing.assert_allclose(h_n.data, ref_h, atol=1e-12)
    np.testing.assert_allclose(c_n.data, ref_c, atol=1e-12)
    out0, _ = m(inp)  # zero states: h (·, 2), c (·, 5)
    ref0, _, _ = ref_rnn("LSTM", _params(m), x, layout["num_layers"], layout["bidirectional"])
    np.testing.assert_allclose(
        out0.data, np.swapaxes(ref0, 0, 1) if layout["batch_first"] else ref0, atol=1e-12
    )


def test_lstm_projection_gradcheck_gradgradcheck_and_forward_mode():
    ac.manual_seed(4)
    m = nn.LSTM(2, 3, proj_size=2, num_layers=2, bidirectional=True, dtype=np.float64)
    rng = np.random.default_rng(5)
    x = ac.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    h0 = ac.tensor(rng.normal(size=(4, 2, 2)) * 0.5, requires_grad=True)
    c0 = ac.tensor(rng.normal(size=(4, 2, 3)) * 0.5, requires_grad=True)

    def f(x, h0, c0, *ps):
        out, (h, c) = m(x, (h0, c0))
        return out, h, c

    params = list(m.parameters())
    assert any(name.startswith("weight_hr") for name, _ in m.named_parameters())
    assert gradcheck(f, [x, h0, c0, *params])
    assert gradcheck(f, [x, h0, c0], check_forward_ad=True)
    assert gradgradcheck(f, [x, h0, c0, params[-1]])


def test_lstm_projection_state_dict_and_errors():
    m = nn.LSTM(4, 6, proj_size=3, bidirectional=True)
    assert list(m.state_dict()) == [
        f"{kind}_l0{sfx}"
        for sfx in ("", "_reverse")
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    ]
    assert "proj_size=3" in repr(m) and m.proj_size == 3
    with pytest.raises(
        ShapeError, match=r"LSTM: h_0 must have shape \(2, 2, 3\) .*proj_size\), got \(2, 2, 6\)"
    ):
        m(ac.zeros((5, 2, 4)), (ac.zeros((2, 2, 6)), ac.zeros((2, 2, 6))))
    with pytest.raises(
        ShapeError, match=r"LSTM: c_0 must have shape \(2, 2, 6\) .*hidden_size\), got \(2, 2, 3\)"
    ):
        m(ac.zeros((5, 2, 4)), (ac.zeros((2, 2, 3)), ac.zeros((2, 2, 3))))
    with pytest.raises(ValueError, match=r"LSTM: proj_size must be in \[0, hidden_size=6\), got 6"):
        nn.LSTM(4, 6, proj_size=6)
    with pytest.raises(ValueError, match=r"LSTM: proj_size must be in \[0, hidden_size=6\), got -1"):
        nn.LSTM(4, 6, proj_size=-1)
    with pytest.raises(ValueError, match="proj_size is only supported for LSTM"):
        RNNBase("GRU", 4, 6, proj_size=2)  # GRU and RNN do not take the argument at all


# ---- the fused LSTM cell node ------------------------------------------------------------------------


def _cell_inputs(seed, n=2, hidden=3):
    r = np.random.default_rng(seed)
    gates = ac.tensor(r.normal(size=(n, 4 * hidden)) * 1.5, requires_grad=True)
    c = ac.tensor(r.normal(size=(n, hidden)), requires_grad=True)
    return gates, c


def test_fused_lstm_cell_values_and_one_node():
    gates, c = _cell_inputs(20)
    h1, c1 = FL._lstm_cell(gates, c)
    g, H = gates.data, 3
    i, f, gg, o = (
        sigmoid(g[:, :H]),
        sigmoid(g[:, H : 2 * H]),
        np.tanh(g[:, 2 * H : 3 * H]),
        sigmoid(g[:, 3 * H :]),
    )
    ref_c = f * c.data + i * gg
    np.testing.assert_allclose(c1.data, ref_c, atol=1e-15)
    np.testing.assert_allclose(h1.data, o * np.tanh(ref_c), atol=1e-15)
    # h' and c' are views of one (2, N, H) node's output
    node = h1.grad_fn.parents[0]
    assert node.name == "lstm_cell" and node.out_shape == (2, 2, 3)
    assert c1.grad_fn.parents[0] is node
    assert np.shares_memory(h1.data, c1.data.base if c1.data.base is not None else c1.data)


def test_fused_lstm_cell_gradcheck_gradgradcheck_and_forward_mode():
    gates, c = _cell_inputs(21)
    assert gradcheck(FL._lstm_cell, [gates, c], check_forward_ad=True)
    assert gradgradcheck(FL._lstm_cell, [gates, c])
    # one input constant at a time: the rules skip the other gradient / tangent
    for k in (0, 1):
        args = [gates, c]
        args[k] = ac.tensor(args[k].data)
        assert gradcheck(FL._lstm_cell, args, check_forward_ad=True)
        assert gradgradcheck(FL._lstm_cell, args)


def test_fused_lstm_cell_native_jvp_equals_the_backward_derived_one():
    gates, c = _cell_inputs(22)
    out = FL._lstm_cell(gates, c)[0].grad_fn.parents[0]
    r = np.random.default_rng(23)
    for tangents in (
        [r.normal(size=(2, 12)), r.normal(size=(2, 3))],
        [r.normal(size=(2, 12)), None],
        [None, r.normal(size=(2, 3))],
    ):
        native = out.jvp(tuple(tangents), *_saved(out, "array"))
        derived = _jvp_by_double_vjp(out, tangents, connected=False)
        np.testing.assert_allclose(native, derived, rtol=1e-12, atol=1e-14)
    # ac.jvp through the cell against central differences, tangent on both inputs
    tg, tc = r.normal(size=(2, 12)), r.normal(size=(2, 3))
    (h, c1), (th, tc1) = ac.jvp(FL._lstm_cell, (gates.data, c.data), (tg, tc))
    eps = 1e-6
    hp, cp = FL._lstm_cell(gates.data + eps * tg, c.data + eps * tc)
    hm, cm = FL._lstm_cell(gates.data - eps * tg, c.data - eps * tc)
    np.testing.assert_allclose(th.data, (hp.data - hm.data) / (2 * eps), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tc1.data, (cp.data - cm.data) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_fused_lstm_cell_create_graph_backward_matches_the_ordinary_one():
    """Under create_graph the rule recomputes the activations it otherwise reads from the
    saved context: both paths give the same first derivative."""
    gates, c = _cell_inputs(24)
    w = np.random.default_rng(25).normal(size=(2, 2, 3))

    def loss(gates, c):
        h1, c1 = FL._lstm_cell(gates, c)
        return (h1 * w[0]).sum() + (c1 * w[1]).sum()

    loss(gates, c).backward()
    plain = [gates.grad.data.copy(), c.grad.data.copy()]
    gates.grad = c.grad = None
    loss(gates, c).backward(create_graph=True)
    graph = [gates.grad, c.grad]
    assert all(g.requires_grad for g in graph)
    for a, b in zip(plain, graph):
        np.testing.assert_allclose(a, b.data, rtol=1e-14, atol=1e-15)


def test_fused_lstm_cell_shape_error():
    with pytest.raises(ShapeError, match=r"lstm_cell: gates of shape \(2, 10\) must have 4·H columns"):
        FL._lstm_cell(ac.zeros((2, 10)), ac.zeros((2, 3)))


def test_lstm_and_lstm_cell_gradgradcheck_and_forward_mode_through_the_fused_cell():
    ac.manual_seed(26)
    m = nn.LSTM(2, 3, dtype=np.float64)
    rng = np.random.default_rng(27)
    x = ac.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    h0 = ac.tensor(rng.normal(size=(1, 2, 3)) * 0.5, requires_grad=True)
    c0 = ac.tensor(rng.normal(size=(1, 2, 3)) * 0.5, requires_grad=True)
    params = list(m.parameters())

    def f(x, h0, c0, *ps):
        out, (h, c) = m(x, (h0, c0))
        return out, c

    def f0(x, *ps):  # zero initial state: the first step skips h W_hhᵀ
        out, (h, c) = m(x)
        return out, c

    # forward mode only for the explicit inputs: the check linearises f at copies of its
    # arguments, which the module's own parameters are not
    assert gradcheck(f, [x, h0, c0], check_forward_ad=True)
    assert gradgradcheck(f, [x, h0, c0, *params])
    assert gradgradcheck(f0, [x, *params])
    cell = nn.LSTMCell(2, 3, dtype=np.float64)
    args = [ac.tensor(a.data[0], requires_grad=True) for a in (x, h0, c0)]
    assert gradcheck(lambda x, h, c: cell(x, (h, c)), args, check_forward_ad=True)
    assert gradgradcheck(lambda x, h, c, *ps: cell(x, (h, c)), [*args, *cell.parameters()])


# ---- the fused sequence-layer nodes (one node per layer and direction) ---------------------------


def _sequence_inputs(kind, seed, steps=4, n=2, hidden=3):
    """Random float64 inputs of one layer node, all requiring grad: xp, h, (c,) W_hhᵀ, (b_hh)."""
    r = np.random.default_rng(seed)
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    shapes = [(steps, n, gates * hidden), (n, hidden)]
    shapes += [(n, hidden)] if kind == "lstm" else []
    shapes += [(hidden, gates * hidden)]
    shapes += [(gates * hidden,)] if kind == "gru" else []
    scale = [1.0] + [0.5] * (len(shapes) - 1)
    return [ac.tensor(r.normal(size=s) * k, requires_grad=True) for s, k in zip(shapes, scale)]


def _sequence_layer(kind, act="tanh"):
    """The layer function of ``kind`` as f(*inputs, reverse) -> its outputs (a tuple)."""
    if kind == "lstm":
        return lambda *a, reverse=False: FL._lstm_layer(*a, reverse)
    if kind == "gru":
        return lambda *a, reverse=False: (FL._gru_layer(*a, reverse),)
    return lambda *a, reverse=False: (FL._rnn_layer(*a, act, reverse),)


def _layer_node(outputs):
    """The sequence node behind a layer's outputs (the LSTM's are views of its output)."""
    fn = outputs[0].grad_fn
    return fn.parents[0] if fn.name == "getitem" else fn


def _reference_steps(kind, act, xp, h, rest, reverse):
    """h' of every step, the last h' and the LSTM's last c', from :func:`ref_step` (the
    input projection xp taken as given: an identity W_ih and no b_ih)."""
    mode = {"lstm": "LSTM", "gru": "GRU", "rnn": act}[kind]
    c = rest[0] if kind == "lstm" else None
    whh_t = rest[1] if kind == "lstm" else rest[0]
    b_hh = rest[1] if kind == "gru" else 0.0
    eye = np.eye(xp.shape[-1])
    ys = np.empty((xp.shape[0], *h.shape))
    for k in range(xp.shape[0] - 1, -1, -1) if reverse else range(xp.shape[0]):
        h, c = ref_step(mode, xp[k], h, c, eye, whh_t.T, 0.0, b_hh)
        ys[k] = h
    return ys, h, c


LAYER_CASES = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind, act", LAYER_CASES)
def test_sequence_layer_values_follow_the_step_by_step_formulas(kind, act, reverse):
    args = _sequence_inputs(kind, 30)
    outputs = _sequence_layer(kind, act)(*args, reverse=reverse)
    data = [a.data for a in args]
    ys, h_n, c_n = _reference_steps(kind, act, data[0], data[1], data[2:], reverse)
    np.testing.assert_allclose(outputs[0].data, ys, rtol=1e-13, atol=1e-15)
    node = _layer_node(outputs)
    assert node.name == f"{kind}_layer"
    if kind == "lstm":  # h_n and c_n: views of the same node's (L + 1, N, H) output
        np.testing.assert_allclose(outputs[1].data, h_n, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(outputs[2].data, c_n, rtol=1e-13, atol=1e-15)
        assert node.out_shape == (5, 2, 3)
        assert all(o.grad_fn.parents[0] is node for o in outputs)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind, act", LAYER_CASES)
def test_sequence_layer_gradcheck_gradgradcheck_and_forward_mode(kind, act, reverse):
    args = _sequence_inputs(kind, 31)
    layer = _sequence_layer(kind, act)

    def f(*inputs):
        return layer(*inputs, reverse=reverse)

    assert gradcheck(f, args, check_forward_ad=True)
    if act == "tanh":  # relu's second derivative is zero almost everywhere
        assert gradgradcheck(f, args)
    for k in range(len(args)):  # inputs constant one at a time: the rules skip that one
        part = list(args)
        part[k] = ac.tensor(part[k].data)
        assert gradcheck(f, part, check_forward_ad=True)
    # a plain-array zero initial state, as the modules pass it
    zeros = np.zeros((2, 3))
    state = [zeros, zeros] if kind == "lstm" else [zeros]
    n_state = len(state)
    assert gradcheck(
        lambda xp, *rest: f(xp, *state, *rest), [args[0], *args[1 + n_state :]], check_forward_ad=True
    )


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind, act", LAYER_CASES)
def test_sequence_layer_native_jvp_equals_the_backward_derived_one(kind, act, reverse):
    args = _sequence_inputs(kind, 32)
    node = _layer_node(_sequence_layer(kind, act)(*args, reverse=reverse))
    r = np.random.default_rng(33)
    full = [r.normal(size=a.shape) for a in args]
    for keep in [tuple(range(len(args)))] + [(i,) for i in range(len(args))]:
        tangents = [t if i in keep else None for i, t in enumerate(full)]
        native = node.jvp(tuple(tangents), *_saved(node, "array"))
        derived = _jvp_by_double_vjp(node, tangents, connected=False)
        np.testing.assert_allclose(native, derived, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_sequence_layer_create_graph_backward_matches_the_ordinary_one(kind):
    """Under create_graph the rule recomputes the states it otherwise reads from the
    saved context: both paths give the same first derivative."""
    args = _sequence_inputs(kind, 34)
    layer = _sequence_layer(kind)
    r = np.random.default_rng(35)
    weights = [r.normal(size=o.shape) for o in layer(*args)]

    def loss():
        return sum((o * w).sum() for o, w in zip(layer(*args), weights))

    loss().backward()
    plain = [a.grad.data.copy() for a in args]
    for a in args:
        a.grad = None
    loss().backward(create_graph=True)
    assert all(a.grad.requires_grad for a in args)
    for p, a in zip(plain, args):
        np.testing.assert_allclose(p, a.grad.data, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_recurrent_modules_record_one_node_per_layer_and_direction(mode):
    out, state = getattr(nn, mode)(2, 3, num_layers=2, bidirectional=True, bias=mode != "GRU")(
        ac.zeros((6, 2, 2))
    )
    names = [n.name for n, _ in walk(out, *(state if mode == "LSTM" else (state,))) if is_op(n)]
    assert names.count(f"{mode.lower()}_layer") == 4
    assert not {"lstm_cell", "sigmoid", "tanh", "matmul"} & set(names)


@pytest.mark.parametrize("mode", ["RNN", "GRU"])
def test_rnn_and_gru_modules_forward_mode_through_the_fused_layers(mode):
    ac.manual_seed(54)
    m = getattr(nn, mode)(2, 3, num_layers=2, bidirectional=True, dtype=np.float64)
    rng = np.random.default_rng(55)
    x = ac.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    h0 = ac.tensor(rng.normal(size=(4, 2, 3)) * 0.5, requires_grad=True)
    assert gradcheck(lambda x, h0: m(x, h0), [x, h0], check_forward_ad=True)
    assert gradgradcheck(lambda x, h0, *ps: m(x, h0), [x, h0, *m.parameters()])
