"""The classic backpropagation tasks of Rumelhart, Hinton & Williams (1986).

"Learning representations by back-propagating errors" (Nature 323, 533-536) and the
long version, "Learning internal representations by error propagation" (PDP vol. 1,
ch. 8). Each test trains a batch of independent small networks at once: the weights
of net k are slice k of tensors such as ``W1`` of shape (nets, inputs, hidden), and a
batched matmul runs every net in one graph. The total error is the sum of the nets'
errors, so each net receives exactly its own gradient; batching only removes the
per-step engine overhead that would dominate such tiny networks.

Training is the paper's rule: full-batch ("sweep") gradient descent with momentum,
Δw(t) = -ε ∂E/∂w(t) + α Δw(t-1), on E = ½ Σ_patterns (o - d)² with logistic units,
written by hand under ``ac.no_grad()``.

Convergence criterion: the Nature letter reports sweeps to solution without a
numeric stopping rule; we count a net as converged at the first sweep at which
*every* output of *every* pattern is within 0.1 of its target (|o - d| < 0.1).
"""

import itertools

import numpy as np

import autograd_core as ac
from autograd_core import nn

NETS = 10


def _param(*shape):
    p = nn.Parameter(np.zeros(shape))  # float64
    nn.init.uniform_(p, -0.3, 0.3)
    return p


def _train(params, forward, inputs, targets, lr, momentum, max_sweeps):
    """Train until every net has converged or ``max_sweeps``; return each net's convergence sweep (-1: never)."""
    x = ac.tensor(inputs)
    velocity = [np.zeros_like(p.data) for p in params]
    converged_at = np.full(NETS, -1)
    for sweep in range(max_sweeps + 1):
        out = forward(x)
        diff = out - targets
        worst = np.abs(diff.data).max(axis=(1, 2))
        converged_at[(worst < 0.1) & (converged_at < 0)] = sweep
        if (converged_at >= 0).all() or sweep == max_sweeps:
            break
        loss = 0.5 * ac.sum(diff * diff)
        for p in params:
            p.grad = None
        loss.backward()
        with ac.no_grad():
            for p, v in zip(params, velocity):
                v *= momentum
                v -= lr * p.grad.data
                p += v
    return converged_at


def _two_layer(w1, b1, w2, b2):
    return lambda x: ac.sigmoid(ac.sigmoid(x @ w1 + b1) @ w2 + b2)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_xor_2_2_1():
    """XOR with two hidden units; ε = 0.5, α = 0.9, 10 nets, ≤ 5,000 sweeps.

    Observed: all 10 nets converge (in 275-2,176 sweeps); a 2-2-1 net can stall in a
    local minimum, so we ask for 8.
    """
    ac.manual_seed(0)
    params = [_param(NETS, 2, 2), _param(NETS, 1, 2), _param(NETS, 2, 1), _param(NETS, 1, 1)]
    converged = _train(params, _two_layer(*params), XOR_X, XOR_Y, 0.5, 0.9, 5000) >= 0
    assert converged.sum() >= 8
    out = _two_layer(*params)(ac.tensor(XOR_X)).data
    np.testing.assert_array_equal(
        (out[converged] > 0.5)[..., 0], np.tile([False, True, True, False], (converged.sum(), 1))
    )


def test_xor_2_1_1_with_direct_connections():
    """XOR with one hidden unit plus direct input→output connections (PDP ch. 8, fig. 2).

    The direct path alone is a perceptron and cannot represent XOR, so every
    converged net must use its hidden unit (a large hidden→output weight).
    Observed: all 10 nets converge within 1,000 sweeps at ε = 0.5, α = 0.9.
    """
    ac.manual_seed(0)
    w1, b1, w2, v, b2 = (
        _param(NETS, 2, 1),
        _param(NETS, 1, 1),
        _param(NETS, 1, 1),
        _param(NETS, 2, 1),
        _param(NETS, 1, 1),
    )

    def forward(x):
        hidden = ac.sigmoid(x @ w1 + b1)
        return ac.sigmoid(hidden @ w2 + x @ v + b2)

    converged = _train([w1, b1, w2, v, b2], forward, XOR_X, XOR_Y, 0.5, 0.9, 5000) >= 0
    assert converged.sum() >= 8
    assert (np.abs(w2.data[converged]) > 5).all()


def test_six_bit_mirror_symmetry_with_two_hidden_units():
    """6-bit mirror symmetry with 2 hidden units: the paper's setting and its solution.

    All 64 vectors, full batch, squared error, ε = 0.1, α = 0.9, weights and biases
    uniform in [-0.3, 0.3]; 10 nets (seeds), at most 20,000 sweeps. Observed here: 7 of
    10 converge (in 1,009-6,559 sweeps); the other 3 are still stuck after 20,000.

    The published solution (Nature fig. 1): for each hidden unit the input weights are
    mirror-antisymmetric (w_i = -w_{7-i}), so symmetric vectors give net input 0 and
    both hidden units stay off; magnitudes on each side are in the ratio 1:2:4, so no
    asymmetric vector cancels; the two hidden units have opposite signs, so one of them
    turns on for every asymmetric vector and, through equal negative weights, turns
    the output off. Every converged net here is antisymmetric with opposite-sign
    hidden units and equal negative output weights; 4 of the 7 have the 1:2:4 ratio,
    the other 3 found a second cancellation-free ratio, 2:3:4.
    """
    ac.manual_seed(0)
    x = np.array(list(itertools.product([0.0, 1.0], repeat=6)))
    y = (x == x[:, ::-1]).all(axis=1, keepdims=True).astype(np.float64)
    params = [_param(NETS, 6, 2), _param(NETS, 1, 2), _param(NETS, 2, 1), _param(NETS, 1, 1)]
    w1, b1, w2, _ = params
    converged = _train(params, _two_layer(*params), x, y, 0.1, 0.9, 20_000) >= 0
    assert converged.sum() >= 6

    ratio_124 = 0
    for k in np.flatnonzero(converged):
        w = w1.data[k].T  # (hidden unit, input position)
        scale = np.abs(w).max()
        assert np.abs(w + w[:, ::-1]).max() < 0.05 * scale  # mirror-antisymmetric
        assert (np.sign(w[0]) == -np.sign(w[1])).all()  # hidden units of opposite sign
        assert (b1.data[k] < 0).all()  # both off for symmetric input (net input 0)
        out_w = w2.data[k].ravel()
        assert (out_w < 0).all() and abs(out_w[0] - out_w[1]) < 0.05 * abs(out_w[0])
        side = np.sort(np.abs(w[:, :3]), axis=1)
        if np.allclose(side / side[:, :1], [1, 2, 4], rtol=0.1):
            ratio_124 += 1
    assert ratio_124 > converged.sum() / 2


def test_8_3_8_encoder_learns_distinct_codes():
    """The 8-3-8 encoder: 8 one-hot patterns through 3 hidden units (PDP ch. 8).

    ε = 0.25, α = 0.9, 10 nets, ≤ 5,000 sweeps (observed: all converge within 1,800).
    A converged net maps each pattern to itself, so its 8 hidden vectors must be
    distinct codes; the paper notes that the hidden units may use intermediate values
    rather than pure binary codes, which we see too (6 of 10 nets use 8 distinct
    binary codes when thresholded at 0.5).
    """
    ac.manual_seed(0)
    eye = np.eye(8)
    params = [_param(NETS, 8, 3), _param(NETS, 1, 3), _param(NETS, 3, 8), _param(NETS, 1, 8)]
    w1, b1, _, _ = params
    converged = _train(params, _two_layer(*params), eye, eye, 0.25, 0.9, 5000) >= 0
    assert converged.sum() >= 8
    hidden = 1 / (1 + np.exp(-(eye @ w1.data + b1.data)))  # (nets, 8 patterns, 3 units)
    binary_codes = 0
    for k in np.flatnonzero(converged):
        codes = hidden[k]
        gaps = np.linalg.norm(codes[:, None] - codes[None], axis=-1)[np.triu_indices(8, 1)]
        assert gaps.min() > 0.4  # 8 clearly distinct codes (observed: min gap >= 0.55)
        binary_codes += len({tuple(c) for c in (codes > 0.5)}) == 8
    assert binary_codes >= converged.sum() // 2
