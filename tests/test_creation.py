"""Creation helpers and the random generator (API §1, §7)."""

import numpy as np
import pytest

import autograd_core as ac


@pytest.fixture
def float64_default():
    ac.set_default_dtype(np.float64)
    yield
    ac.set_default_dtype(np.float32)


SHAPED = [ac.zeros, ac.ones, ac.empty, ac.rand, ac.randn]


@pytest.mark.parametrize("fn", SHAPED, ids=lambda f: f.__name__)
def test_shape_as_tuple_or_ints(fn):
    for args, shape in [
        (((2, 3),), (2, 3)),
        ((2, 3), (2, 3)),
        ((4,), (4,)),
        (((),), ()),
        (([2, 1],), (2, 1)),
    ]:
        t = fn(*args)
        assert isinstance(t, ac.Tensor)
        assert t.shape == shape
        assert t.dtype == np.float32
        assert t.is_leaf and not t.requires_grad


@pytest.mark.parametrize("fn", SHAPED, ids=lambda f: f.__name__)
def test_dtype_and_requires_grad(fn):
    t = fn(2, dtype=np.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    (t * 2.0).backward(np.ones(2))
    np.testing.assert_array_equal(t.grad.data, [2.0, 2.0])


@pytest.mark.parametrize("fn", SHAPED, ids=lambda f: f.__name__)
def test_default_dtype_governs_creation_helpers(fn, float64_default):
    assert fn(3).dtype == np.float64


def test_values():
    np.testing.assert_array_equal(ac.zeros(2, 2).data, np.zeros((2, 2)))
    np.testing.assert_array_equal(ac.ones(3).data, np.ones(3))
    np.testing.assert_array_equal(ac.full((2,), 7.5).data, [7.5, 7.5])
    np.testing.assert_array_equal(ac.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(ac.eye(2, 3, k=1).data, np.eye(2, 3, k=1))
    np.testing.assert_allclose(ac.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    np.testing.assert_allclose(ac.linspace(0, 1, 4, endpoint=False).data, [0, 0.25, 0.5, 0.75])


def test_bad_shapes():
    with pytest.raises(ValueError, match="negative"):
        ac.zeros(-1)
    with pytest.raises(TypeError, match="shape"):
        ac.ones("a")


def test_full_dtypes(float64_default):
    assert ac.full(2, 1.5).dtype == np.float64
    assert ac.full(2, 3).dtype == np.int64
    assert ac.full((2, 2), 3, dtype=np.float32).dtype == np.float32
    assert ac.full(2, 1.5, requires_grad=True).requires_grad


def test_full_default_float32():
    assert ac.full(3, 0.5).dtype == np.float32


def test_arange():
    t = ac.arange(5)
    assert t.dtype == np.int64 and t.tolist() == [0, 1, 2, 3, 4]
    assert ac.arange(1, 7, 2).tolist() == [1, 3, 5]
    f = ac.arange(0.0, 1.0, 0.25)
    assert f.dtype == np.float32 and f.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert ac.arange(3, dtype=np.float64).dtype == np.float64
    assert ac.arange(3.0, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="int64"):
        ac.arange(3, requires_grad=True)


def test_like_helpers_follow_shape_and_dtype():
    src = ac.tensor(np.ones((2, 3), np.float64))
    for fn, value in [(ac.zeros_like, 0), (ac.ones_like, 1)]:
        t = fn(src)
        assert t.shape == (2, 3) and t.dtype == np.float64
        assert (t.data == value).all()
        assert not t.requires_grad
    f = ac.full_like(src, 4.0)
    assert f.shape == (2, 3) and (f.data == 4.0).all()
    assert ac.zeros_like(src, dtype=np.float32).dtype == np.float32
    assert ac.ones_like(np.zeros(4, np.int32)).dtype == np.int32
    assert ac.zeros_like(src, requires_grad=True).requires_grad
    i = ac.tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        ac.zeros_like(i, requires_grad=True)


def test_requires_grad_on_integer_creation_raises_naming_dtype():
    with pytest.raises(TypeError, match="int32"):
        ac.zeros(2, dtype=np.int32, requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        ac.full(2, 3, requires_grad=True)


def test_randint():
    ac.manual_seed(0)
    t = ac.randint(3, 7, (1000,))
    assert t.dtype == np.int64 and t.shape == (1000,)
    assert t.data.min() >= 3 and t.data.max() <= 6
    assert set(np.unique(t.data)) == {3, 4, 5, 6}
    assert ac.randint(5, shape=(2, 2)).shape == (2, 2)
    assert 0 <= ac.randint(5).item() < 5
    assert ac.randint(0, 2, 3, dtype=np.int8).dtype == np.int8
    with pytest.raises(ValueError, match="low < high"):
        ac.randint(3, 3)


def test_random_distributions():
    ac.manual_seed(1)
    u = ac.rand(20000).data
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01
    n = ac.randn(20000, dtype=np.float64).data
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03


def test_manual_seed_reproducibility():
    ac.manual_seed(123)
    a = (ac.rand(3).data, ac.randn(2, 2).data, ac.randint(0, 100, (5,)).data)
    ac.manual_seed(123)
    b = (ac.rand(3).data, ac.randn(2, 2).data, ac.randint(0, 100, (5,)).data)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    ac.manual_seed(124)
    assert not np.array_equal(ac.rand(3).data, a[0])


def test_manual_seed_returns_generator_and_state_roundtrip():
    from autograd_core.random import get_rng_state, set_rng_state

    rng = ac.manual_seed(5)
    assert isinstance(rng, np.random.Generator)
    state = get_rng_state()
    first = ac.randn(4).data
    set_rng_state(state)
    np.testing.assert_array_equal(ac.randn(4).data, first)


def test_set_default_dtype_roundtrip():
    assert ac.get_default_dtype() == np.float32
    try:
        ac.set_default_dtype(np.float64)
        assert ac.get_default_dtype() == np.float64
        assert ac.tensor([0.5]).dtype == np.float64
        assert ac.zeros(1).dtype == np.float64
        assert ac.arange(0.0, 1.0).dtype == np.float64
        ac.set_default_dtype("float16")
        assert ac.ones(1).dtype == np.float16
    finally:
        ac.set_default_dtype(np.float32)
    assert ac.ones(1).dtype == np.float32
