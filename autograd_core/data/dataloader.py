"""``DataLoader``: mini-batches over a dataset, optionally shuffled each epoch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..random import get_rng
from .dataset import default_collate

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over a dataset in mini-batches.

    Parameters
    ----------
    dataset :
        Anything with ``len()`` and ``__getitem__``; datasets with a
        ``get_batch(indices)`` method (like :class:`~autograd_core.data.TensorDataset`)
        are fetched a whole batch at a time by fancy indexing.
    batch_size : int
        Items per batch (default 1).
    shuffle : bool
        Draw a new random order at the start of every epoch (every ``iter()``).
    drop_last : bool
        Drop the last batch when it is smaller than ``batch_size``.
    seed : int or None
        Seed of this loader's own generator, so that the sequence of epoch orders
        is reproducible; ``None`` uses the library's generator
        (:func:`autograd_core.manual_seed`).

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_core as ac
    >>> ds = ac.data.TensorDataset(np.arange(10.0), np.arange(10))
    >>> loader = ac.data.DataLoader(ds, batch_size=4)
    >>> [xb.shape for xb, yb in loader], len(loader)
    ([(4,), (4,), (2,)], 3)
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        if self.shuffle:
            order = (self._rng if self._rng is not None else get_rng()).permutation(n)
        else:
            order = np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        fetch = getattr(self.dataset, "get_batch", None)
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            if fetch is not None:
                yield fetch(idx)
            else:
                yield default_collate([self.dataset[int(i)] for i in idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset of {len(self.dataset)} items, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )
