"""Gradient checkpointing: same gradients, less memory held between forward and backward."""

import tracemalloc

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.errors import InplaceError
from autograd_core.testing import gradcheck, gradgradcheck


def total(x):
    return x.reshape(-1) @ np.ones(x.size, x.dtype)


def make_mlp(depth, width, seed=0):
    r = np.random.default_rng(seed)
    params = []
    for _ in range(depth):
        W = ac.tensor(r.standard_normal((width, width)) / np.sqrt(width), requires_grad=True)
        b = ac.tensor(r.standard_normal(width) * 0.1, requires_grad=True)
        params.append((W, b))
    return params


def run_layers(h, layers):
    for W, b in layers:
        h = ac.tanh(h @ W + b)
    return h


def forward(x, params, segment=None):
    """The MLP; with ``segment``, every ``segment`` layers are one checkpoint."""
    if segment is None:
        return run_layers(x, params)
    h = x
    for start in range(0, len(params), segment):
        h = ac.checkpoint(lambda h, layers=params[start : start + segment]: run_layers(h, layers), h)
    return h


def grads_and_peak(x, params, segment):
    for W, b in params:
        W.grad = b.grad = None
    x.grad = None
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        loss = total(forward(x, params, segment) ** 2)
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grads = [x.grad.data] + [g for W, b in params for g in (W.grad.data, b.grad.data)]
    return loss.item(), grads, peak


def test_checkpointed_50_layer_mlp_same_gradients_lower_peak_memory():
    params = make_mlp(depth=50, width=32)
    x = ac.tensor(np.random.default_rng(1).standard_normal((256, 32)), requires_grad=True)
    loss_plain, g_plain, peak_plain = grads_and_peak(x, params, None)
    loss_ckpt, g_ckpt, peak_ckpt = grads_and_peak(x, params, segment=5)
    assert loss_ckpt == loss_plain
    for a, b in zip(g_plain, g_ckpt):
        np.testing.assert_array_equal(a, b)
    ratio = peak_ckpt / peak_plain
    print(
        f"\ncheckpointed / plain peak memory (tracemalloc): {peak_ckpt / 1e6:.2f} MB / "
        f"{peak_plain / 1e6:.2f} MB = {ratio:.2f}"
    )
    assert ratio < 0.6


def test_random_state_is_replayed_so_dropout_matches():
    def dropout_block(h):
        mask = ac.rand(*h.shape) > 0.5
        return ac.tanh(h * mask * 2.0)

    x = ac.tensor(np.random.default_rng(0).standard_normal((4, 6)), requires_grad=True)
    ac.manual_seed(7)
    total(dropout_block(dropout_block(x))).backward()
    expected = x.grad.data.copy()
    after_plain = ac.rand(3).data
    x.grad = None
    ac.manual_seed(7)
    h = ac.checkpoint(dropout_block, x)
    h = ac.checkpoint(dropout_block, h)
    total(h).backward()
    np.testing.assert_array_equal(x.grad.data, expected)
    # the recomputation does not disturb the random stream seen after backward
    np.testing.assert_array_equal(ac.rand(3).data, after_plain)


def test_gradcheck_and_double_backward_through_checkpoint():
    (W, b), (W2, b2) = make_mlp(depth=2, width=3, seed=3)
    x = ac.tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True)
    block = lambda h: run_layers(h, [(W, b), (W2, b2)])
    assert gradcheck(lambda x: ac.checkpoint(block, x), [x], check_forward_ad=True)
    assert gradgradcheck(lambda x: ac.checkpoint(block, x), [x])
    # parameters closed over by the block are differentiated too
    assert gradcheck(lambda W: ac.checkpoint(lambda h: run_layers(h, [(W, b)]), x), [W])


def test_checkpoint_inside_functional_transforms():
    A = np.random.default_rng(0).standard_normal((3, 3))
    f_plain = lambda x: total(ac.sin(x @ A) ** 2)
    f_ckpt = lambda x: total(ac.checkpoint(lambda h: ac.sin(h @ A), x) ** 2)
    x = np.random.default_rng(1).standard_normal(3)
    np.testing.assert_allclose(ac.grad(f_ckpt)(x).data, ac.grad(f_plain)(x).data, rtol=1e-12)
    np.testing.assert_allclose(ac.hessian(f_ckpt)(x).data, ac.hessian(f_plain)(x).data, rtol=1e-10)


def test_multiple_outputs_and_constant_arguments():
    def block(a, k, b):
        return ac.sin(a) * k, a * b

    a = ac.tensor(np.array([0.1, 0.2]), requires_grad=True)
    b = ac.tensor(np.array([3.0, 4.0]), requires_grad=True)
    s, p = ac.checkpoint(block, a, 2.0, b)
    total(s + p).backward()
    np.testing.assert_allclose(a.grad.data, 2 * np.cos([0.1, 0.2]) + [3.0, 4.0])
    np.testing.assert_allclose(b.grad.data, [0.1, 0.2])


def test_modified_parameter_between_forward_and_backward_raises():
    ((W, b),) = make_mlp(depth=1, width=3)
    x = ac.tensor(np.ones((1, 3)), requires_grad=True)
    out = ac.checkpoint(lambda h: run_layers(h, [(W, b)]), x)
    with ac.no_grad():
        W *= 2
    with pytest.raises(InplaceError, match="checkpoint"):
        total(out).backward()


def test_without_grad_checkpoint_just_calls():
    x = ac.tensor(np.ones(2), requires_grad=True)
    with ac.no_grad():
        y = ac.checkpoint(ac.exp, x)
    assert not y.requires_grad
    y = ac.checkpoint(ac.exp, ac.tensor(np.ones(2)))
    assert not y.requires_grad
    np.testing.assert_allclose(y.data, np.e)
