"""gradcheck / gradgradcheck catch wrong derivatives, and pass correct ones."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core.function import Op
from autograd_core.testing import GradcheckError, gradcheck, gradgradcheck
from autograd_core.testing import strategies as S


class WrongSin(Op):
    """sin with a deliberately wrong derivative (cos(x) + 0.01)."""

    name = "wrong_sin"
    save_inputs = (0,)

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad, x):
        return grad * (np.cos(x) + 0.01)


class FlatSecondDerivative(Op):
    """sin whose rule drops the graph (np.asarray), so its second derivative is wrong."""

    name = "graphless_sin"
    save_inputs = (0,)

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad, x):
        return grad * np.cos(np.asarray(x))  # a constant under create_graph: d²/dx² lost


def test_gradcheck_catches_a_wrong_derivative_and_names_the_worst_element():
    x = ac.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(5,\)\).*worst at index"):
        gradcheck(WrongSin.apply, [x])
    assert gradcheck(WrongSin.apply, [x], raise_exception=False) is False
    assert gradcheck(ac.sin, [x])


def test_gradgradcheck_catches_a_rule_that_is_not_differentiable():
    x = ac.tensor(np.linspace(-1, 1, 4), requires_grad=True)
    assert gradcheck(FlatSecondDerivative.apply, [x])  # first order is right
    with pytest.raises(GradcheckError):
        gradgradcheck(FlatSecondDerivative.apply, [x])
    assert gradgradcheck(ac.sin, [x])


def test_gradcheck_is_a_runtime_error_and_needs_float64():
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(TypeError, match="float64"):
        gradcheck(ac.sin, [ac.tensor(np.ones(2, np.float32), requires_grad=True)])
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(ac.sin, [ac.tensor(np.ones(2))])


def test_gradcheck_checks_every_output_of_a_tuple():
    x = ac.tensor(np.array([0.3, -0.7]), requires_grad=True)
    assert gradcheck(lambda t: (ac.sin(t), ac.exp(t)), [x])
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: (ac.sin(t), WrongSin.apply(t)), [x])


@settings(max_examples=25)
@given(S.broadcastable_shapes(3, max_dims=3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@settings(max_examples=25)
@given(st.data())
def test_arrays_respect_bounds_and_kinks(data):
    shape = data.draw(S.shapes(max_dims=3))
    a = data.draw(S.arrays(shape, -1.0, 1.0, away_from=(0.0,), margin=0.05))
    assert a.shape == shape and a.dtype == np.float64
    assert np.all((a >= -1) & (a <= 1))
    assert np.all(np.abs(a) > 0.05)


def test_well_separated():
    ok = S.well_separated(0.1)
    assert ok(np.array([0.0, 0.5, 1.0]))
    assert not ok(np.array([0.0, 0.05, 1.0]))
