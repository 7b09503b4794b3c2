"""Datasets, random_split and DataLoader."""

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


def make(n=10):
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n)
    return TensorDataset(ac.tensor(X), y)


def test_tensor_dataset_items_and_len():
    ds = make(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert isinstance(x, ac.Tensor) and x.tolist() == [6.0, 7.0] and y.item() == 3


def test_tensor_dataset_checks_first_dims():
    with pytest.raises(ValueError, match=r"same size in the first dimension, got shapes \(3, 2\), \(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"\(\)"):
        TensorDataset(np.float64(1.0))


def test_batches_in_order_with_remainder():
    loader = DataLoader(make(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), np.arange(10))
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


def test_drop_last():
    loader = DataLoader(make(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[1].shape for b in loader] == [(4,), (4,)]
    assert len(DataLoader(make(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_covers_all_items_and_is_seeded():
    ds = make(23)
    a = DataLoader(ds, batch_size=5, shuffle=True, seed=1)
    b = DataLoader(ds, batch_size=5, shuffle=True, seed=1)
    epoch1 = np.concatenate([yb.numpy() for _, yb in a])
    epoch2 = np.concatenate([yb.numpy() for _, yb in a])
    assert sorted(epoch1.tolist()) == list(range(23)) and sorted(epoch2.tolist()) == list(range(23))
    assert not np.array_equal(epoch1, np.arange(23))
    assert not np.array_equal(epoch1, epoch2)  # a new order every epoch
    np.testing.assert_array_equal(epoch1, np.concatenate([yb.numpy() for _, yb in b]))
    np.testing.assert_array_equal(epoch2, np.concatenate([yb.numpy() for _, yb in b]))


def test_inputs_and_targets_stay_paired_when_shuffled():
    for xb, yb in DataLoader(make(17), batch_size=3, shuffle=True, seed=0):
        np.testing.assert_array_equal(xb.numpy()[:, 0], 2 * yb.numpy())


def test_shuffle_without_seed_follows_manual_seed():
    ds = make(12)
    ac.manual_seed(3)
    a = [yb.tolist() for _, yb in DataLoader(ds, batch_size=12, shuffle=True)]
    ac.manual_seed(3)
    b = [yb.tolist() for _, yb in DataLoader(ds, batch_size=12, shuffle=True)]
    assert a == b


def test_tensor_dataset_batches_are_fetched_by_one_fancy_index():
    calls = []

    class Counting(TensorDataset):
        def __getitem__(self, i):
            calls.append(i)
            return super().__getitem__(i)

    list(DataLoader(Counting(np.zeros((10, 2))), batch_size=5, shuffle=True, seed=0))
    assert calls == []


class Squares(Dataset):
    """A plain map-style dataset: items collated one by one."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": float(i), "sq": np.array([i * i, -i])}


def test_generic_dataset_is_collated():
    batches = list(DataLoader(Squares(), batch_size=3))
    assert [b["x"].shape for b in batches] == [(3,), (3,), (1,)]
    assert batches[0]["x"].dtype == ac.get_default_dtype()
    assert batches[1]["sq"].tolist() == [[9, -3], [16, -4], [25, -5]]


def test_default_collate_tuples():
    xs, ys = default_collate([(ac.tensor([1.0, 2.0]), 0), (ac.tensor([3.0, 4.0]), 1)])
    assert xs.shape == (2, 2) and ys.tolist() == [0, 1]


def test_bad_batch_size():
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(make(), batch_size=bad)


def test_random_split_lengths_and_partition():
    ds = make(10)
    a, b = random_split(ds, [7, 3], seed=0)
    assert isinstance(a, Subset) and (len(a), len(b)) == (7, 3)
    ids = sorted(a.indices.tolist() + b.indices.tolist())
    assert ids == list(range(10))
    x, y = a[0]
    assert x.tolist() == [2.0 * y.item(), 2.0 * y.item() + 1]
    again = random_split(ds, [7, 3], seed=0)
    np.testing.assert_array_equal(again[0].indices, a.indices)
    gen = random_split(ds, [7, 3], generator=np.random.default_rng(0))
    np.testing.assert_array_equal(gen[0].indices, a.indices)


def test_random_split_fractions_distribute_the_remainder():
    parts = random_split(make(10), [0.33, 0.33, 0.34], seed=0)
    assert [len(p) for p in parts] == [4, 3, 3]  # floor gives 3, 3, 3; the spare item goes to the first


def test_random_split_errors():
    with pytest.raises(
        ValueError, match=r"sum of input lengths \(9\) does not equal the length of the dataset \(10\)"
    ):
        random_split(make(10), [5, 4])
    with pytest.raises(ValueError, match="seed or generator"):
        random_split(make(10), [5, 5], seed=0, generator=np.random.default_rng())


def test_loader_over_a_subset_uses_the_fast_path():
    train, _ = random_split(make(10), [6, 4], seed=1)
    xs = np.concatenate([xb.numpy() for xb, _ in DataLoader(train, batch_size=4)])
    np.testing.assert_array_equal(xs[:, 0], 2 * train.indices)  # item i has x = (2i, 2i + 1)
