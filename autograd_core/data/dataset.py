"""Datasets and splits: ``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``,
``stratified_split``.

A dataset is anything with ``__len__`` and ``__getitem__(i)``. Datasets may also
define ``get_batch(indices)`` returning a whole batch at once; :class:`TensorDataset`
does, by indexing its arrays with the index array, so a
:class:`~autograd_core.data.DataLoader` over it runs no per-item Python loop.

Items and batches are taken from the stored data without recording a graph: a
dataset holds inputs and targets, not parameters.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..random import get_rng
from ..tensor import Tensor, as_tensor

__all__ = ["Dataset", "Subset", "TensorDataset", "default_collate", "random_split", "stratified_split"]


def default_collate(items: Sequence[Any]) -> Any:
    """Stack a list of items into a batch.

    Tensors, arrays and numbers are stacked along a new first axis into a Tensor
    (Python floats take the default dtype); tuples/lists and dicts are collated
    field by field, giving a tuple or a dict of Tensors.
    """
    first = items[0]
    if isinstance(first, (tuple, list)):
        return tuple(default_collate(list(column)) for column in zip(*items))
    if isinstance(first, dict):
        return {key: default_collate([item[key] for item in items]) for key in first}
    arr = np.stack([x.data if isinstance(x, Tensor) else np.asarray(x) for x in items])
    if isinstance(first, float) and not isinstance(first, np.floating):
        arr = arr.astype(dtypes.get_default_dtype())
    return as_tensor(arr)


class Dataset:
    """Base class of map-style datasets: override ``__getitem__`` and ``__len__``.

    :meth:`get_batch` collates ``self[i]`` for each index; subclasses that can
    fetch a batch faster (e.g. by fancy indexing) override it.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.__getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__}.__len__")

    def get_batch(self, indices: np.ndarray) -> Any:
        """The items at ``indices`` (an integer array), collated into one batch."""
        return default_collate([self[int(i)] for i in indices])


class TensorDataset(Dataset):
    """Samples are the rows (first-axis slices) of equally long tensors.

    Parameters
    ----------
    *tensors : Tensor or array-like
        E.g. inputs ``X`` of shape (N, ...) and targets ``y`` of shape (N, ...).
        Arrays are wrapped without copying.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_core as ac
    >>> ds = ac.data.TensorDataset(np.arange(6.0).reshape(3, 2), np.array([0, 1, 0]))
    >>> len(ds), ds[1][0].tolist(), ds[1][1].item()
    (3, [2.0, 3.0], 1)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else as_tensor(np.asarray(t)) for t in tensors)
        shapes = [t.shape for t in self.tensors]
        if any(len(s) == 0 for s in shapes) or len({s[0] for s in shapes}) != 1:
            raise ValueError(
                "TensorDataset: all tensors must have the same size in the first dimension, got shapes "
                + ", ".join(str(tuple(s)) for s in shapes)
            )

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(as_tensor(t.data[index]) for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        return tuple(as_tensor(t.data[indices]) for t in self.tensors)


class Subset(Dataset):
    """The items of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices: np.ndarray) -> Any:
        inner = self.indices[np.asarray(indices)]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(inner)
        return default_collate([self.dataset[int(i)] for i in inner])


def _generator(seed: int | None, generator: np.random.Generator | None, where: str) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError(f"{where}: pass seed or generator, not both")
    if generator is not None:
        return generator
    if seed is not None:
        return np.random.default_rng(seed)
    return get_rng()


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    seed: int | None = None,
    generator: np.random.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s of given lengths.

    Parameters
    ----------
    dataset :
        Anything with ``len()`` and indexing.
    lengths : sequence of int or float
        Sizes that add up to ``len(dataset)``, or fractions that add up to 1: then
        each size is ``floor(fraction * n)`` and the remaining items go one each to
        the first subsets (PyTorch's rule).
    seed, generator :
        Reproducible splits: an int seed or a ``numpy.random.Generator``; neither
        uses the library's generator (see :func:`autograd_core.manual_seed`).
    """
    n = len(dataset)
    lengths = list(lengths)
    total = sum(lengths)
    if (
        lengths
        and math.isclose(total, 1)
        and total <= 1
        and not all(isinstance(x, numbers.Integral) for x in lengths)
    ):
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not in [0, 1]: {frac}")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
            raise ValueError(
                f"random_split: lengths must be non-negative ints or fractions summing to 1, got {lengths}"
            )
        sizes = [int(x) for x in lengths]
        if sum(sizes) != n:
            raise ValueError(
                f"random_split: sum of input lengths ({sum(sizes)}) does not equal the length of the dataset ({n})"
            )
    perm = _generator(seed, generator, "random_split").permutation(n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def stratified_split(
    X: Any, y: Any, test_fraction: float = 0.25, seed: int | None = 0
) -> tuple[Any, Any, Any, Any]:
    """Seeded train/test split that keeps each class's share in both parts.

    The test part has ``round(test_fraction * N)`` items, spread over the classes in
    proportion to their sizes (largest-remainder rounding, so every class is within
    one item of its exact share); both parts are shuffled.

    Parameters
    ----------
    X : Tensor or array, shape (N, ...)
    y : Tensor or array of class labels, shape (N,)
    test_fraction : float
        In (0, 1).
    seed : int or None
        Seed of the permutation (``None``: the library's generator).

    Returns
    -------
    X_train, X_test, y_train, y_test
        Tensors when the inputs are Tensors, arrays otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_core as ac
    >>> y = np.array([0] * 8 + [1] * 4)
    >>> X_tr, X_te, y_tr, y_te = ac.data.stratified_split(np.arange(12), y, test_fraction=0.25)
    >>> np.bincount(y_te).tolist(), np.bincount(y_tr).tolist()
    ([2, 1], [6, 3])
    """
    Xa = X.data if isinstance(X, Tensor) else np.asarray(X)
    ya = y.data if isinstance(y, Tensor) else np.asarray(y)
    if ya.ndim != 1:
        raise ValueError(f"stratified_split: y must be a 1-D array of labels, got shape {ya.shape}")
    if Xa.ndim == 0 or Xa.shape[0] != ya.shape[0]:
        raise ValueError(
            f"stratified_split: X and y must have the same length, got shapes {Xa.shape} and {ya.shape}"
        )
    if not 0 < test_fraction < 1:
        raise ValueError(f"stratified_split: test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed) if seed is not None else get_rng()
    _, cls = np.unique(ya, return_inverse=True)
    counts = np.bincount(cls)
    ideal = counts * test_fraction
    n_test = np.floor(ideal).astype(np.int64)
    short = int(round(test_fraction * len(ya))) - int(n_test.sum())
    n_test[np.argsort(-(ideal - n_test), kind="stable")[:short]] += 1
    train_parts, test_parts = [], []
    for c, k in enumerate(n_test):
        members = rng.permutation(np.flatnonzero(cls == c))
        test_parts.append(members[:k])
        train_parts.append(members[k:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))

    def take(a: Any, arr: np.ndarray, idx: np.ndarray) -> Any:
        return as_tensor(arr[idx]) if isinstance(a, Tensor) else arr[idx]

    return take(X, Xa, train), take(X, Xa, test), take(y, ya, train), take(y, ya, test)
