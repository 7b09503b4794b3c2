"""F.pad: PyTorch's last-axis-first pairs mapped onto ac.pad, every mode, and cropping."""

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck, gradgradcheck

NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _np_pairs(pad, ndim):
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return pairs


@pytest.mark.parametrize("mode", list(NP_MODE))
@pytest.mark.parametrize("pad", [(1, 2), (2, 1, 0, 3), (1, 1, 2, 2, 1, 0)])
def test_pad_matches_numpy_with_reversed_pairs(mode, pad):
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    y = F.pad(x, pad, mode=mode)
    np.testing.assert_array_equal(y.data, np.pad(x, _np_pairs(pad, 4), mode=NP_MODE[mode]))


def test_pad_constant_value_and_gradient():
    xt = ac.tensor(np.ones((2, 2)), requires_grad=True)
    y = F.pad(xt, (1, 0, 0, 2), value=-3.0)
    np.testing.assert_array_equal(y.data, [[-3, 1, 1], [-3, 1, 1], [-3, -3, -3], [-3, -3, -3]])
    y.backward(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(xt.grad.data, [[1, 2], [4, 5]])


def test_negative_padding_crops():
    x = np.arange(30.0).reshape(5, 6)
    np.testing.assert_array_equal(F.pad(x, (-1, 2, 1, -2)).data, np.pad(x[:3, 1:], ((1, 0), (0, 2))))
    np.testing.assert_array_equal(F.pad(x, (-1, -2)).data, x[:, 1:4])


@pytest.mark.parametrize("mode", list(NP_MODE))
def test_pad_gradcheck_and_gradgradcheck(mode):
    x = ac.tensor(np.random.default_rng(1).normal(size=(1, 2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda x: F.pad(x, (2, 1, 1, 2), mode=mode), [x])
    assert gradgradcheck(lambda x: F.pad(x, (1, 2), mode=mode) ** 2, [x])


def test_pad_errors():
    x = ac.zeros((2, 3))
    with pytest.raises(ValueError, match="even number"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="at most 2 per axis"):
        F.pad(x, (1,) * 6)
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match=r"reflect padding \(3, 0\) must be smaller than the axis size 3"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="removes every element"):
        F.pad(x, (-2, -1))
