"""Embedding / F.embedding: row lookup, accumulated and padding-masked gradients."""

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.errors import DTypeError
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck


def test_embedding_values_and_accumulated_gradient():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 3))
    idx = np.array([[0, 2, 2], [5, 2, 0]])
    wt = ac.tensor(w, requires_grad=True)
    y = F.embedding(idx, wt)
    np.testing.assert_array_equal(y.data, w[idx])
    g = rng.normal(size=(2, 3, 3))
    y.backward(g)
    expect = np.zeros_like(w)
    for (i, j), row in np.ndenumerate(idx):
        expect[row] += g[i, j]  # a row used k times collects k gradients
    np.testing.assert_allclose(wt.grad.data, expect, atol=1e-12)


def test_embedding_padding_idx_gets_no_gradient_but_keeps_its_value():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(5, 2))
    idx = ac.tensor(np.array([1, 3, 3, 1, 4]))
    wt = ac.tensor(w, requires_grad=True)
    y = F.embedding(idx, wt, padding_idx=3)
    np.testing.assert_array_equal(y.data, w[idx.data])  # the value is returned as it is
    y.backward(np.ones((5, 2)))
    np.testing.assert_array_equal(wt.grad.data, [[0, 0], [2, 2], [0, 0], [0, 0], [1, 1]])
    wt.grad = None
    F.embedding(idx, wt, padding_idx=-1).sum().backward()  # negative: counted from the end
    np.testing.assert_array_equal(wt.grad.data[4], 0)


def test_embedding_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(2)
    w = ac.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    idx = np.array([[0, 3], [3, 1], [2, 3]])
    assert gradcheck(lambda w: F.embedding(idx, w), [w])
    # (with padding_idx the first derivative differs from finite differences on purpose;
    # its own derivative is consistent, which gradgradcheck checks)
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, [w])
    assert gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=3) ** 3, [w])


def test_embedding_module_init_and_padding_row_stays_zero():
    ac.manual_seed(0)
    emb = nn.Embedding(1000, 8, padding_idx=0)
    assert emb.weight.shape == (1000, 8) and emb.weight.dtype == np.float32
    assert list(emb.state_dict()) == ["weight"]
    np.testing.assert_array_equal(emb.weight.data[0], 0)
    rest = emb.weight.data[1:]
    assert abs(rest.mean()) < 0.05 and abs(rest.std() - 1) < 0.05  # N(0, 1), like PyTorch
    out = emb(ac.tensor([[0, 5, 0], [7, 0, 5]]))
    assert out.shape == (2, 3, 8)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[0], 0)
    np.testing.assert_array_equal(emb.weight.grad.data[5], 2)
    assert "Embedding(1000, 8, padding_idx=0)" in repr(emb)


def test_embedding_from_pretrained_is_frozen_by_default():
    table = np.arange(6.0).reshape(3, 2)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(np.array([2, 0])).data, [[4, 5], [0, 1]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_errors():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"Embedding: index 4 is out of range for 4 embeddings"):
        emb(np.array([0, 4]))
    with pytest.raises(IndexError, match="index -1"):
        emb(np.array([-1]))
    with pytest.raises(DTypeError, match="Embedding: indices must be integers, got dtype float32"):
        emb(ac.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx 4 must be within num_embeddings 4"):
        nn.Embedding(4, 2, padding_idx=4)


def test_embedding_forward_mode_matches_the_lookup_and_masks_padding_positions():
    rng = np.random.default_rng(3)
    w = ac.tensor(rng.standard_normal((5, 3)))
    t = ac.tensor(rng.standard_normal((5, 3)))
    idx = np.array([[0, 3, 3], [4, 1, 0]])
    _, tangent = ac.jvp(lambda a: F.embedding(idx, a), (w,), (t,))
    np.testing.assert_array_equal(tangent.data, t.data[idx])  # the lookup is linear in w
    _, tangent = ac.jvp(lambda a: F.embedding(idx, a, padding_idx=3), (w,), (t,))
    np.testing.assert_array_equal(tangent.data, t.data[idx] * (idx != 3)[..., None])


def test_embedding_nodes_and_their_gradient_graph_are_named_embedding():
    w = ac.tensor(np.ones((4, 2)), requires_grad=True)
    y = F.embedding(np.array([1, 1, 2]), w)
    assert y.grad_fn.name == "embedding"
    (y**2).sum().backward(create_graph=True)
    assert w.grad.grad_fn.name == "embedding_backward"
    np.testing.assert_array_equal(w.grad.data, [[0, 0], [4, 4], [2, 2], [0, 0]])
