"""The generated backprop tasks, the 2-D sets, the shipped digits and the stratified split."""

import itertools

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.data import datasets, stratified_split


def test_xor_truth_table():
    X, y = datasets.xor()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == ac.get_default_dtype() and y.dtype == ac.get_default_dtype()
    for (a, b), t in zip(X.tolist(), y.tolist()):
        assert t == [float(int(a) ^ int(b))]


@pytest.mark.parametrize("n", [1, 3, 5])
def test_parity_covers_every_pattern_once_with_correct_labels(n):
    X, y = datasets.parity(n)
    assert X.shape == (2**n, n) and y.shape == (2**n, 1)
    rows = {tuple(r) for r in X.numpy().astype(int).tolist()}
    assert rows == set(itertools.product([0, 1], repeat=n))
    for row, t in zip(X.numpy(), y.numpy()[:, 0]):
        assert t == sum(row) % 2


def test_symmetry_labels():
    X, y = datasets.symmetry(6)
    assert X.shape == (64, 6) and y.shape == (64, 1)
    assert int(y.numpy().sum()) == 8  # 2**3 palindromes of length 6
    for row, t in zip(X.numpy().astype(int).tolist(), y.numpy()[:, 0]):
        assert t == float(row == row[::-1])
    assert int(datasets.symmetry(5)[1].numpy().sum()) == 8  # odd length: middle bit is free


def test_encoder_is_identity():
    X, y = datasets.encoder(8)
    assert X.shape == y.shape == (8, 8)
    np.testing.assert_array_equal(X.numpy(), np.eye(8))
    np.testing.assert_array_equal(y.numpy(), np.eye(8))
    y.numpy()[0, 0] = 5  # separate arrays
    assert X.numpy()[0, 0] == 1


def test_default_dtype_is_followed():
    ac.set_default_dtype(np.float64)
    try:
        assert datasets.xor()[0].dtype == np.float64
        assert datasets.digits()[0].dtype == np.float64
    finally:
        ac.set_default_dtype(np.float32)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, 30])
def test_bad_n_raises(bad):
    with pytest.raises(ValueError, match="parity: n must be"):
        datasets.parity(bad)


def test_spirals_shapes_labels_radius_and_seed():
    X, y = datasets.spirals(50, n_classes=3, noise=0.1, seed=0)
    assert X.shape == (150, 2) and y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y.numpy()).tolist() == [50, 50, 50]
    r = np.linalg.norm(X.numpy(), axis=1)
    np.testing.assert_allclose(r[:50], np.linspace(0, 1, 50), rtol=1e-6, atol=1e-6)  # noise is on the angle
    X2, _ = datasets.spirals(50, n_classes=3, noise=0.1, seed=0)
    np.testing.assert_array_equal(X.numpy(), X2.numpy())
    assert not np.array_equal(X.numpy(), datasets.spirals(50, n_classes=3, noise=0.1, seed=1)[0].numpy())


def test_spirals_without_noise_are_exact():
    X, y = datasets.spirals(4, n_classes=2, noise=0.0, seed=0)
    r = np.linspace(0, 1, 4)
    angle = 3 * np.pi * r + np.pi  # class 1
    np.testing.assert_allclose(X.numpy()[4:], np.stack([r * np.cos(angle), r * np.sin(angle)], 1), atol=1e-6)


def test_moons_shapes_and_geometry():
    X, y = datasets.moons(101, noise=0.0)
    assert X.shape == (101, 2) and np.bincount(y.numpy()).tolist() == [50, 51]
    x0, x1 = X.numpy()[:50], X.numpy()[50:]
    np.testing.assert_allclose(np.linalg.norm(x0, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(x1 - [1.0, 0.5], axis=1), 1.0, rtol=1e-6)
    a, _ = datasets.moons(40, noise=0.2, seed=3)
    b, _ = datasets.moons(40, noise=0.2, seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_seed_none_uses_the_library_generator():
    ac.manual_seed(7)
    a = datasets.moons(30, noise=0.3)[0].numpy()
    ac.manual_seed(7)
    b = datasets.moons(30, noise=0.3)[0].numpy()
    np.testing.assert_array_equal(a, b)


def test_digits_shape_labels_and_range():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert y.dtype == np.int64 and X.dtype == np.float32
    assert np.bincount(y.numpy()).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert X.numpy().min() == 0.0 and X.numpy().max() == 1.0
    raw, _ = datasets.digits(flatten=False, scale=False)
    assert raw.shape == (1797, 1, 8, 8)
    levels = np.unique(raw.numpy())
    np.testing.assert_array_equal(levels, np.arange(17))  # integer gray levels 0..16
    np.testing.assert_allclose(raw.numpy().reshape(1797, 64) / 16, X.numpy())


def test_digits_images_look_like_their_digit():
    # mean images of 0 and 1: a zero has an empty centre and a full ring; a one a full centre column
    X, y = datasets.digits(flatten=False)
    imgs = X.numpy()[:, 0]
    zero, one = imgs[y.numpy() == 0].mean(0), imgs[y.numpy() == 1].mean(0)
    assert zero[3:5, 3:5].mean() < zero[3:5, 1:3].mean()
    assert one[2:6, 3:5].mean() > zero[2:6, 3:5].mean()


def test_digits_returns_fresh_arrays():
    X, y = datasets.digits()
    X.numpy()[0, 0] = 99.0
    y.numpy()[0] = 42
    X2, y2 = datasets.digits()
    assert X2.numpy()[0, 0] != 99.0 and y2.numpy()[0] != 42


def test_digits_are_shipped_as_package_data():
    from importlib import resources

    root = resources.files("autograd_core.data.datasets")
    assert root.joinpath("digits.npz").is_file()
    text = root.joinpath("digits.md").read_text()
    assert "CC BY 4.0" in text and "Alpaydin" in text and "UCI" in text
    with root.joinpath("digits.npz").open("rb") as f, np.load(f, allow_pickle=False) as z:
        assert z["images"].dtype == np.uint8 and z["images"].shape == (1797, 8, 8)


@pytest.mark.parametrize("frac", [0.25, 0.1, 0.5])
def test_stratified_split_proportions(frac):
    X, y = datasets.digits()
    X_tr, X_te, y_tr, y_te = stratified_split(X, y, test_fraction=frac, seed=0)
    n = 1797
    assert len(y_te) == round(frac * n) and len(y_tr) == n - round(frac * n)
    assert isinstance(X_tr, ac.Tensor) and X_tr.shape[1:] == (64,)
    counts = np.bincount(y.numpy())
    test_counts = np.bincount(y_te.numpy(), minlength=10)
    assert np.all(np.abs(test_counts - frac * counts) < 1)
    assert (test_counts + np.bincount(y_tr.numpy(), minlength=10)).tolist() == counts.tolist()


def test_stratified_split_is_a_seeded_partition():
    X = np.arange(40)[:, None] * np.ones((1, 3))
    y = np.repeat([0, 1, 2, 3], 10)
    X_tr, X_te, y_tr, y_te = stratified_split(X, y, test_fraction=0.3, seed=5)
    assert isinstance(X_tr, np.ndarray)
    ids = np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)
    assert sorted(ids.tolist()) == list(range(40))
    np.testing.assert_array_equal(y[X_te[:, 0].astype(int)], y_te)  # rows and labels stay paired
    again = stratified_split(X, y, test_fraction=0.3, seed=5)
    np.testing.assert_array_equal(again[1], X_te)
    other = stratified_split(X, y, test_fraction=0.3, seed=6)
    assert not np.array_equal(other[1], X_te)


def test_stratified_split_errors():
    with pytest.raises(ValueError, match="same length"):
        stratified_split(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="test_fraction"):
        stratified_split(np.zeros((5, 2)), np.zeros(5), test_fraction=1.0)
    with pytest.raises(ValueError, match="1-D"):
        stratified_split(np.zeros((5, 2)), np.zeros((5, 1)))
