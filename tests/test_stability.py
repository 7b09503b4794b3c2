"""API §2: the numerically stable functions stay finite at magnitude 1e4 in float32."""

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.nn import functional as F

BIG = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [3.0, -2.0, 1e4]], dtype=np.float32)
LABELS = np.array([0, 1, 2])

CASES = {
    "sigmoid": lambda x: ac.sigmoid(x),
    "softplus": lambda x: ac.softplus(x),
    "logsumexp": lambda x: ac.logsumexp(x, axis=1),
    "log_softmax": lambda x: ac.log_softmax(x, axis=1),
    "softmax": lambda x: ac.softmax(x, axis=1),
    "cross_entropy": lambda x: F.cross_entropy(x, LABELS),
    "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(x, (BIG > 0).astype(np.float32)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_finite_values_and_gradients_at_1e4_float32(name):
    x = ac.tensor(BIG, requires_grad=True)
    y = CASES[name](x)
    assert y.dtype == np.float32
    assert np.all(np.isfinite(y.data)), f"{name}: non-finite value {y.data}"
    y.backward(np.ones(y.shape, np.float32))
    assert x.grad.dtype == np.float32
    assert np.all(np.isfinite(x.grad.data)), f"{name}: non-finite gradient {x.grad.data}"


def test_sigmoid_and_softplus_limits():
    x = ac.tensor(np.array([-1e4, 1e4], np.float32))
    np.testing.assert_array_equal(ac.sigmoid(x).data, [0.0, 1.0])
    np.testing.assert_allclose(ac.softplus(x).data, [0.0, 1e4])
