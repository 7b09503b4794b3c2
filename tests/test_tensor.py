"""The Tensor type: construction and dtype rules, attributes, conversions, repr, NumPy interop (API §1)."""

import gc
import weakref

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.errors import DTypeError, GraphError, UnsupportedNumpyFunction


@pytest.fixture
def float64_default():
    ac.set_default_dtype(np.float64)
    yield
    ac.set_default_dtype(np.float32)


# ---- construction and dtypes ------------------------------------------------------------------


def test_tensor_is_the_type():
    t = ac.tensor([1.0, 2.0])
    assert type(t) is ac.Tensor
    assert isinstance(ac.Tensor([1.0]), ac.Tensor)


def test_python_floats_take_default_dtype_float32():
    assert ac.get_default_dtype() == np.float32
    assert ac.tensor(1.5).dtype == np.float32
    assert ac.tensor([1.0, 2.0]).dtype == np.float32
    assert ac.tensor([[1, 2.5], [3, 4]]).dtype == np.float32  # ints mixed with floats


def test_set_default_dtype_changes_python_float_tensors(float64_default):
    assert ac.get_default_dtype() == np.float64
    assert ac.tensor([1.0, 2.0]).dtype == np.float64
    assert ac.tensor(0.5).dtype == np.float64


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError, match="int64"):
        ac.set_default_dtype(np.int64)
    assert ac.get_default_dtype() == np.float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_numpy_arrays_keep_their_dtype(dtype):
    arr = np.zeros(3, dtype=dtype)
    assert ac.tensor(arr).dtype == dtype


def test_numpy_float64_array_stays_float64_under_float32_default():
    assert ac.tensor(np.array([1.0, 2.0])).dtype == np.float64


def test_python_ints_make_integer_tensors():
    assert ac.tensor(3).dtype == np.int64
    assert ac.tensor([1, 2, 3]).dtype == np.int64
    assert ac.tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32


def test_explicit_dtype_wins():
    assert ac.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert ac.tensor(np.ones(2, np.float32), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("data", [3, [1, 2], np.arange(3), np.array([True, False])])
def test_requires_grad_on_non_float_raises_type_error_naming_dtype(data):
    dtype = str(np.asarray(data).dtype)
    with pytest.raises(TypeError, match=dtype):
        ac.tensor(data, requires_grad=True)
    t = ac.tensor(data)
    with pytest.raises(TypeError, match=dtype):
        t.requires_grad = True
    assert not t.requires_grad


def test_requires_grad_error_is_a_dtype_error():
    with pytest.raises(DTypeError):
        ac.tensor([1, 2], requires_grad=True)


def test_tensor_copies_its_input():
    arr = np.array([1.0, 2.0])
    t = ac.tensor(arr)
    arr[0] = 99.0
    assert t.data[0] == 1.0


def test_as_tensor_shares_memory():
    arr = np.array([1.0, 2.0])
    t = ac.as_tensor(arr)
    arr[0] = 5.0
    assert t.data[0] == 5.0


def test_object_data_is_rejected():
    with pytest.raises(TypeError):
        ac.tensor([{"a": 1}])
    with pytest.raises(TypeError):
        ac.tensor([[1.0, 2.0], [3.0]])  # ragged
    with pytest.raises(TypeError, match="<U1"):
        ac.tensor(["a", "b"])


def test_tensor_from_tensor_copies():
    a = ac.tensor([1.0, 2.0], requires_grad=True)
    b = ac.tensor(a)
    assert b.is_leaf and not b.requires_grad
    b.data[0] = 7.0
    assert a.data[0] == 1.0


# ---- attributes -------------------------------------------------------------------------------


def test_array_facts():
    t = ac.tensor(np.zeros((2, 3, 4)))
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3
    assert t.size == 24
    assert t.dtype == np.float64
    assert len(t) == 2


def test_T_reverses_axes():
    x = ac.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.T
    assert y.shape == (3, 2)
    np.testing.assert_array_equal(y.data, x.data.T)
    y.backward(np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(x.grad.data, np.arange(6.0).reshape(3, 2).T)
    assert ac.tensor([1.0, 2.0]).T.shape == (2,)


def test_data_is_the_writable_array():
    t = ac.tensor([1.0, 2.0])
    assert isinstance(t.data, np.ndarray)
    t.data[1] = 5.0
    assert t.tolist() == [1.0, 5.0]
    t.data = np.array([3.0])
    assert t.shape == (1,)


def test_leaf_and_grad_fn():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    y = ac.exp(x)
    assert not y.is_leaf
    assert y.requires_grad
    assert y.grad_fn is not None and y.grad_fn.name == "exp"
    z = x * 2.0
    assert z.grad_fn.name == "mul"


def test_requires_grad_settable_only_on_leaves():
    x = ac.tensor([1.0])
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad
    y = x * 2.0
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False
    x.requires_grad = False
    assert not (x * 2.0).requires_grad


def test_results_without_grad_inputs_do_not_require_grad():
    a = ac.tensor([1.0, 2.0])
    b = ac.exp(a) + a
    assert not b.requires_grad and b.grad_fn is None and b.is_leaf


# ---- methods ----------------------------------------------------------------------------------


def test_numpy_returns_the_array_without_copy():
    t = ac.tensor([1.0, 2.0])
    assert t.numpy() is t.data


def test_item():
    assert ac.tensor(2.5).item() == 2.5
    assert ac.tensor([[3]]).item() == 3
    assert isinstance(ac.tensor([1.5]).item(), float)
    with pytest.raises(ValueError, match=r"\(2,\)"):
        ac.tensor([1.0, 2.0]).item()


def test_tolist():
    assert ac.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ac.tensor(3.0).tolist() == 3.0


def test_len_and_iter_over_first_axis():
    t = ac.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3
    for i, r in enumerate(rows):
        assert isinstance(r, ac.Tensor)
        np.testing.assert_array_equal(r.data, t.data[i])
    rows[1].backward(np.ones(2))  # rows are differentiable
    np.testing.assert_array_equal(t.grad.data, [[0, 0], [1, 1], [0, 0]])


def test_len_and_iter_of_0d_raise():
    t = ac.tensor(1.0)
    with pytest.raises(TypeError):
        len(t)
    with pytest.raises(TypeError):
        iter(t)


def test_detach_shares_data_and_drops_graph():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.data, y.data)


def test_detach_shares_version_counter():
    # Modifying the detached alias in place must invalidate backward through the original.
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = ac.exp(x)  # saves its output
    d = y.detach()
    with ac.no_grad():
        d *= 2.0
    with pytest.raises(RuntimeError, match="exp"):
        y.backward(np.ones(2))


@pytest.mark.parametrize("dtype", [np.float64, np.float16, "float64"])
def test_astype_is_differentiable_and_casts_gradient_back(dtype):
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x.astype(dtype)
    assert y.dtype == np.dtype(dtype)
    y.backward(np.ones(2, dtype=dtype))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_float32_grads_stay_float32():
    x = ac.tensor([0.5, 1.5], requires_grad=True)
    w = ac.tensor(np.float32(2.0), requires_grad=True)
    y = ac.tanh(x * w + 1.0) / 3.0 - ac.exp(x) ** 2
    assert y.dtype == np.float32
    y.backward(np.ones(2, np.float32))
    assert x.grad.dtype == np.float32
    assert w.grad.dtype == np.float32 and w.grad.shape == ()
    # a float64 upstream gradient is cast to the output's dtype
    x.grad = None
    (x * 2.0).backward(np.ones(2, np.float64))
    assert x.grad.dtype == np.float32


def test_python_scalars_do_not_upcast_float32():
    x = ac.tensor([1.0], requires_grad=True)
    assert (x * 0.1).dtype == np.float32
    assert (2.0 - x).dtype == np.float32
    assert (x * np.float64(3.0)).dtype == np.float32


# ---- repr -------------------------------------------------------------------------------------


def test_repr_like_pytorch():
    assert repr(ac.tensor([1.0, 2.0])) == "tensor([1., 2.], dtype=float32)"
    assert repr(ac.tensor([1.0, 2.0], requires_grad=True)) == (
        "tensor([1., 2.], dtype=float32, requires_grad=True)"
    )
    y = ac.tensor([1.0, 2.0], requires_grad=True) * 2.0
    assert repr(y) == "tensor([2., 4.], dtype=float32, grad_fn=<mul>)"
    assert repr(ac.tensor(3)) == "tensor(3, dtype=int64)"


def test_repr_multiline_is_aligned():
    text = repr(ac.tensor(np.zeros((2, 2))))
    assert text == "tensor([[0., 0.],\n        [0., 0.]], dtype=float64)"


def test_repr_of_huge_tensor_is_summarised():
    assert len(repr(ac.zeros(100_000))) < 500


# ---- NumPy interop ----------------------------------------------------------------------------


def test_np_asarray_gives_the_data():
    t = ac.tensor([1.0, 2.0], requires_grad=True)
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t).tolist() == [1.0, 2.0]


def test_numpy_ufuncs_return_differentiable_tensors():
    x = ac.tensor([0.5, 1.0], requires_grad=True)
    y = np.exp(x) + np.sin(x) * np.ones(2)
    assert isinstance(y, ac.Tensor) and y.requires_grad
    y.backward(np.ones(2, np.float32))
    np.testing.assert_allclose(x.grad.data, np.exp([0.5, 1.0]) + np.cos([0.5, 1.0]), rtol=1e-6)


def test_numpy_functions_return_differentiable_tensors():
    a = ac.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = ac.tensor(np.ones((3, 2)), requires_grad=True)
    c = np.matmul(a, b)
    d = np.where(c.data > 5, c, -c)
    e = np.transpose(np.reshape(d, (4,)).reshape(2, 2))
    assert isinstance(e, ac.Tensor) and e.requires_grad
    e.backward(np.ones((2, 2)))
    sign = np.where(a.data.sum(1) > 5, 1.0, -1.0)
    np.testing.assert_allclose(b.grad.data, a.data.T @ np.tile(sign[:, None], (1, 2)))


def test_ndarray_on_the_left_defers_to_tensor():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    for y in (np.ones(2) * x, np.ones(2) + x, np.ones(2) - x, np.ones(2) / x):
        assert isinstance(y, ac.Tensor) and y.requires_grad


def test_unsupported_numpy_function_raises_type_error_naming_it():
    t = ac.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="fft"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match="convolve"):
        np.convolve(t, t)
    with pytest.raises(UnsupportedNumpyFunction, match="out="):
        np.exp(t, out=np.zeros(2))


def test_unsupported_ufunc_method_raises():
    t = ac.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="accumulate"):
        np.add.accumulate(t)


# ---- weak references --------------------------------------------------------------------------


def test_tensors_are_weak_referenceable():
    t = ac.tensor([1.0])
    r = weakref.ref(t)
    assert r() is t
    del t
    gc.collect()
    assert r() is None
    y = ac.tensor([1.0], requires_grad=True) * 2.0  # results too
    assert weakref.ref(y)() is y


def test_tensor_hash_is_identity():
    a, b = ac.tensor([1.0]), ac.tensor([1.0])
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1


def test_conversions_to_python_numbers():
    assert float(ac.tensor([2.5])) == 2.5
    assert int(ac.tensor(3)) == 3
    assert [10, 20, 30][ac.tensor(1)] == 20
    with pytest.raises(TypeError, match="float32"):
        [1, 2][ac.tensor(1.0)]
    assert bool(ac.tensor(1.0)) is True


def test_register_hook_requires_grad():
    with pytest.raises(GraphError):
        ac.tensor([1.0]).register_hook(lambda g: g)


# ---- version counters -------------------------------------------------------------------------


def test_version_counter_counts_in_place_writes_and_is_shared_by_views():
    t = ac.tensor(np.zeros((2, 3)))
    assert t._vbox is None  # nothing asked for it and nothing wrote yet
    with ac.no_grad():
        t += 1.0
    assert t._vbox[0] == 1
    v = t.reshape(6)  # a view of the same memory
    d = t.detach()
    with ac.no_grad():
        v *= 2.0
        d -= 1.0
    assert t._vbox[0] == v._vbox[0] == d._vbox[0] == 3
    assert t._vbox is v._vbox
    other = ac.tensor(np.zeros(2))
    assert other._vbox is None


def test_assigning_a_version_box_shares_it():
    a = ac.tensor([1.0, 2.0])
    box = [0]
    a._vbox = box
    assert a._vbox is box
    with ac.no_grad():
        a += 1.0
    assert box[0] == 1
