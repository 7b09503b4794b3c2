"""The exception hierarchy and what engine-level errors say (API §8)."""

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import errors


@pytest.mark.parametrize(
    "cls, builtin",
    [
        (errors.ShapeError, ValueError),
        (errors.DTypeError, TypeError),
        (errors.GraphError, RuntimeError),
        (errors.InplaceError, RuntimeError),
        (errors.AnomalyError, RuntimeError),
        (errors.UnsupportedNumpyFunction, TypeError),
    ],
)
def test_every_error_is_an_autograd_error_and_the_builtin_users_expect(cls, builtin):
    assert issubclass(cls, errors.AutogradError)
    assert issubclass(cls, builtin)
    assert ac.AutogradError is errors.AutogradError


def test_inplace_and_anomaly_errors_are_graph_errors():
    assert issubclass(errors.InplaceError, errors.GraphError)
    assert issubclass(errors.AnomalyError, errors.GraphError)


def test_describe():
    assert errors.describe(np.zeros((2, 3), np.float32)) == "(2, 3) float32"
    assert errors.describe(ac.tensor([1, 2])) == "(2,) int64"
    assert errors.describe(3.0) == "float"


def test_shape_error_names_op_and_shapes_and_changes_nothing():
    a = ac.tensor(np.ones((3, 4)), requires_grad=True)
    b = ac.tensor(np.ones((5, 2)), requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul.*\(3, 4\).*\(5, 2\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(5, 2\)"):
        a + b
    assert a.grad is None and b.grad is None


def test_dtype_error_names_dtype():
    with pytest.raises(errors.DTypeError, match="int64"):
        ac.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="complex"):
        ac.tensor([1.0]) * 1j


def test_graph_errors_are_runtime_errors_with_a_fix():
    y = ac.tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"gradient= .*\(2,\)"):
        y.backward()
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad = False


def test_second_backward_error_is_a_graph_error():
    x = ac.tensor([1.0], requires_grad=True)
    y = ac.exp(x)
    y.backward(np.ones(1))
    with pytest.raises(errors.GraphError, match=r"retain_graph=True.*|.*retain_graph=True"):
        y.backward(np.ones(1))


def test_inplace_error_names_the_op_and_the_input():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    c = ac.tensor([3.0, 4.0])
    y = ac.maximum(x, c)
    with ac.no_grad():
        c *= 2.0
    with pytest.raises(errors.InplaceError, match=r"'maximum'.*input 1.*\(2,\).*float32"):
        y.backward(np.ones(2, np.float32))


def test_inplace_leaf_error_says_how_to_fix():
    x = ac.tensor([1.0], requires_grad=True)
    with pytest.raises(errors.GraphError, match="no_grad"):
        x += 1.0


def test_unsupported_numpy_function_is_a_type_error_naming_it():
    with pytest.raises(errors.UnsupportedNumpyFunction, match="np.fft.fft|fft"):
        np.fft.fft(ac.tensor([1.0, 2.0]))


def test_anomaly_error_is_runtime_error():
    x = ac.tensor([0.0], requires_grad=True)
    with ac.detect_anomaly(), np.errstate(divide="ignore"):
        y = ac.sqrt(x)
        with pytest.raises(RuntimeError, match="detect_anomaly: 'sqrt'"):
            y.backward(np.ones(1, np.float32))


def test_op_subclass_with_constructor_is_rejected():
    from autograd_core.function import Op

    with pytest.raises(TypeError, match="__init__"):

        class WithInit(Op):
            def __init__(self, k):
                self.k = k
