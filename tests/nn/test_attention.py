"""scaled_dot_product_attention and MultiheadAttention against NumPy references
written from the definitions (PyTorch's mask conventions), plus gradcheck."""

import math

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.errors import ShapeError
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def ref_sdpa(q, k, v, allowed=None, additive=None, scale=None):
    """softmax(q kᵀ·scale + additive, restricted to ``allowed``) v."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if additive is not None:
        s = s + additive
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    return softmax(s) @ v


def _qkv(shape_q=(2, 3, 5, 4), s=6, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=shape_q)
    k = rng.normal(size=shape_q[:-2] + (s, shape_q[-1]))
    v = rng.normal(size=shape_q[:-2] + (s, 3))
    return q, k, v


def test_sdpa_plain_and_scale():
    q, k, v = _qkv()
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).data, ref_sdpa(q, k, v), atol=1e-12)
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(q, k, v, scale=0.7).data, ref_sdpa(q, k, v, scale=0.7), atol=1e-12
    )


def test_sdpa_bool_mask_true_means_attend_and_broadcasts():
    q, k, v = _qkv()
    rng = np.random.default_rng(1)
    mask = rng.random((3, 5, 6)) > 0.4
    mask[..., 0] = True
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_allclose(out.data, ref_sdpa(q, k, v, allowed=mask), atol=1e-12)


def test_sdpa_float_mask_adds_and_minus_infinity_blocks():
    q, k, v = _qkv()
    rng = np.random.default_rng(2)
    m = rng.normal(size=(5, 6))
    m[:, 2] = -np.inf
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    allowed = np.isfinite(m)
    np.testing.assert_allclose(out.data, ref_sdpa(q, k, v, allowed, np.where(allowed, m, 0)), atol=1e-12)


def test_sdpa_causal_is_lower_triangular_top_left():
    q, k, v = _qkv(s=7)
    causal = np.tril(np.ones((5, 7), bool))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(out.data, ref_sdpa(q, k, v, allowed=causal), atol=1e-12)
    # query 0 sees only key 0
    np.testing.assert_allclose(out.data[..., 0, :], v[..., 0, :], atol=1e-12)


def test_sdpa_fully_masked_query_gives_zeros_not_nan():
    q, k, v = _qkv()
    mask = np.ones((5, 6), bool)
    mask[1] = False
    qt = ac.tensor(q, requires_grad=True)
    out = F.scaled_dot_product_attention(qt, k, v, attn_mask=mask)
    np.testing.assert_array_equal(out.data[..., 1, :], 0)
    out.sum().backward()
    assert np.isfinite(qt.grad.data).all()
    np.testing.assert_array_equal(qt.grad.data[..., 1, :], 0)


def test_sdpa_gradcheck_query_key_value_and_float_mask():
    q, k, v = (ac.tensor(a, requires_grad=True) for a in _qkv((2, 3, 2), s=4, seed=3))
    mask = np.tril(np.ones((3, 4), bool), 1)
    add = ac.tensor(np.random.default_rng(4).normal(size=(3, 4)), requires_grad=True)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask), [q, k, v])
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), [q, k, v])
    assert gradcheck(lambda q, a: F.scaled_dot_product_attention(q, k, v, attn_mask=a), [q, add])


def test_sdpa_dropout():
    q, k, v = _qkv()
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).data, 0)
    ac.manual_seed(0)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data
    ac.manual_seed(0)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, ref_sdpa(q, k, v))


def test_sdpa_errors():
    q, k, v = _qkv()
    with pytest.raises(ShapeError, match=r"attn_mask of shape \(4, 6\) cannot be broadcast.*\(2, 3, 5, 6\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 6), bool))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((5, 6), bool), is_causal=True)
    with pytest.raises(ShapeError, match="disagree"):
        F.scaled_dot_product_attention(q, k[..., :3], v)


# ---- MultiheadAttention --------------------------------------------------------------------


def ref_mha(m, query, key, value, allowed=None, additive=None):
    """PyTorch's multi_head_attention_forward for (L, N, E) inputs, written out in NumPy."""
    p = {n: t.data for n, t in m.named_parameters()}
    E, h = m.embed_dim, m.num_heads
    d = E // h
    if "in_proj_weight" in p:
        wq, wk, wv = np.split(p["in_proj_weight"], 3)
    else:
        wq, wk, wv = p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"]
    bq, bk, bv = np.split(p["in_proj_bias"], 3)
    q, k, v = query @ wq.T + bq, key @ wk.T + bk, value @ wv.T + bv
    L, N, _ = q.shape
    S = k.shape[0]

    def heads(t, n):
        return t.reshape(n, N, h, d).transpose(1, 2, 0, 3)

    q, k, v = heads(q, L), heads(k, S), heads(v, S)
    s = q @ np.swapaxes(k, -1, -2) / math.sqrt(d)
    if additive is not None:
        s = s + additive
    if allowed is not None:
        s = np.where(allowed, s, -np.inf)
    w = softmax(s)
    o = (w @ v).transpose(2, 0, 1, 3).reshape(L, N, E)
    return o @ p["out_proj.weight"].T + p["out_proj.bias"], w


def _mha(**kw):
    ac.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dtype=np.float64, **kw)
    rng = np.random.default_rng(5)
    m.in_proj_bias.data[:] = rng.normal(size=24) * 0.1  # non-zero biases make the test stronger
    m.out_proj.bias.data[:] = rng.normal(size=8) * 0.1
    return m


def test_mha_self_attention_matches_reference_in_both_layouts():
    m = _mha()
    x = np.random.default_rng(6).normal(size=(5, 3, 8))  # (L, N, E)
    out, w = m(x, x, x)
    ref, ref_w = ref_mha(m, x, x, x)
    np.testing.assert_allclose(out.data, ref, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w.mean(axis=1), atol=1e-12)
    _, w_all = m(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(w_all.data, ref_w, atol=1e-12)
    out_none, w_none = m(x, x, x, need_weights=False)
    assert w_none is None
    np.testing.assert_allclose(out_none.data, ref, atol=1e-12)
    mb = _mha(batch_first=True)
    xb = np.swapaxes(x, 0, 1)
    out_b, w_b = mb(xb, xb, xb)
    np.testing.assert_allclose(out_b.data, np.swapaxes(ref, 0, 1), atol=1e-12)
    np.testing.assert_allclose(w_b.data, ref_w.mean(axis=1), atol=1e-12)


def test_mha_cross_attention_and_separate_kdim_vdim():
    rng = np.random.default_rng(7)
    m = _mha()
    q, kv = rng.normal(size=(4, 2, 8)), rng.normal(size=(6, 2, 8))
    out, w = m(q, kv, kv)
    ref, ref_w = ref_mha(m, q, kv, kv)
    np.testing.assert_allclose(out.data, ref, atol=1e-12)
    assert w.shape == (2, 4, 6)
    ac.manual_seed(1)
    m2 = nn.MultiheadAttention(8, 4, kdim=5, vdim=3, dtype=np.float64)
    assert m2.in_proj_weight is None
    assert {n: p.shape for n, p in m2.named_parameters()} == {
        "q_proj_weight": (8, 8),
        "k_proj_weight": (8, 5),
        "v_proj_weight": (8, 3),
        "in_proj_bias": (24,),
        "out_proj.weight": (8, 8),
        "out_proj.bias": (8,),
    }
    k, v = rng.normal(size=(6, 2, 5)), rng.normal(size=(6, 2, 3))
    np.testing.assert_allclose(m2(q, k, v)[0].data, ref_mha(m2, q, k, v)[0], atol=1e-12)


def test_mha_masks_use_pytorch_module_convention():
    m = _mha()
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 3, 8))
    blocked = np.triu(np.ones((5, 5), bool), 1)  # True = may NOT attend
    pad = np.zeros((3, 5), bool)
    pad[1, 3:] = True
    out, w = m(x, x, x, key_padding_mask=pad, attn_mask=blocked)
    allowed = ~blocked[None, None] & ~pad[:, None, None, :]
    ref, ref_w = ref_mha(m, x, x, x, allowed=allowed)
    np.testing.assert_allclose(out.data, ref, atol=1e-12)
    np.testing.assert_allclose(w.data, ref_w.mean(axis=1), atol=1e-12)
    # 3-D float mask (N*heads, L, S) and is_causal without a mask
    fm = rng.normal(size=(6, 5, 5))
    out_f, _ = m(x, x, x, attn_mask=fm)
    np.testing.assert_allclose(
        out_f.data, ref_mha(m, x, x, x, additive=fm.reshape(3, 2, 5, 5))[0], atol=1e-12
    )
    out_c, _ = m(x, x, x, is_causal=True)
    np.testing.assert_allclose(out_c.data, ref_mha(m, x, x, x, allowed=~blocked)[0], atol=1e-12)
    # float key_padding_mask adds
    fpad = rng.normal(size=(3, 5))
    np.testing.assert_allclose(
        m(x, x, x, key_padding_mask=fpad)[0].data,
        ref_mha(m, x, x, x, additive=fpad[:, None, None, :])[0],
        atol=1e-12,
    )


def test_mha_unbatched_input():
    m = _mha()
    x = np.random.default_rng(9).normal(size=(4, 8))
    out, w = m(x, x, x, key_padding_mask=np.array([False, False, True, False]))
    ref, ref_w = ref_mha(m, x[:, None], x[:, None], x[:, None], allowed=np.array([True, True, False, True]))
    assert out.shape == (4, 8) and w.shape == (4, 4)
    np.testing.assert_allclose(out.data, ref[:, 0], atol=1e-12)


def test_mha_state_dict_and_init():
    ac.manual_seed(2)
    m = nn.MultiheadAttention(16, 4)
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert m.in_proj_weight.shape == (48, 16) and m.in_proj_weight.dtype == np.float32
    np.testing.assert_array_equal(m.in_proj_bias.data, 0)
    np.testing.assert_array_equal(m.out_proj.bias.data, 0)
    bound = math.sqrt(6 / (16 + 48))  # xavier_uniform_ on the packed (3E, E) matrix
    assert np.abs(m.in_proj_weight.data).max() <= bound
    assert list(nn.MultiheadAttention(4, 2, bias=False).state_dict()) == ["in_proj_weight", "out_proj.weight"]


def test_mha_gradcheck_inputs_and_parameters():
    ac.manual_seed(3)
    m = nn.MultiheadAttention(4, 2, dtype=np.float64)
    rng = np.random.default_rng(10)
    q = ac.tensor(rng.normal(size=(3, 2, 4)), requires_grad=True)
    kv = ac.tensor(rng.normal(size=(2, 2, 4)), requires_grad=True)
    pad = np.array([[False, True], [False, False]])
    assert gradcheck(lambda q, kv, *ps: m(q, kv, kv, key_padding_mask=pad), [q, kv, *m.parameters()])
    assert gradcheck(lambda q, *ps: m(q, q, q, is_causal=True)[0], [q, *m.parameters()])


def test_mha_dropout_only_in_training():
    m = _mha(dropout=1.0)
    x = np.random.default_rng(11).normal(size=(3, 2, 8))
    out, w = m(x, x, x)
    np.testing.assert_array_equal(w.data, 0)
    np.testing.assert_allclose(out.data, np.broadcast_to(m.out_proj.bias.data, out.shape), atol=1e-12)
    m.eval()
    np.testing.assert_allclose(m(x, x, x)[0].data, ref_mha(m, x, x, x)[0], atol=1e-12)


def test_mha_errors_name_the_layer_and_shapes():
    m = nn.MultiheadAttention(8, 2)
    x = ac.zeros((5, 3, 8))
    with pytest.raises(
        ShapeError, match=r"MultiheadAttention: attn_mask of shape \(4, 5\) must be \(L, S\) = \(5, 5\)"
    ):
        m(x, x, x, attn_mask=np.zeros((4, 5), bool))
    with pytest.raises(
        ShapeError,
        match=r"MultiheadAttention: key_padding_mask of shape \(5, 3\) must be \(N, S\) = \(3, 5\)",
    ):
        m(x, x, x, key_padding_mask=np.zeros((5, 3), bool))
    with pytest.raises(
        ShapeError, match=r"MultiheadAttention: query of shape \(5, 3, 6\) has 6 features.*expected 8"
    ):
        m(ac.zeros((5, 3, 6)), x, x)
    with pytest.raises(ShapeError, match="all be 3-D"):
        m(ac.zeros((5, 8)), x, x)
    with pytest.raises(ShapeError, match="different batch sizes"):
        m(ac.zeros((5, 2, 8)), x, x)
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
