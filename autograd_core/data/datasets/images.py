"""The 8x8 handwritten digits shipped with the package (see ``digits.md``)."""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

from ... import dtypes
from ...tensor import Tensor, as_tensor

__all__ = ["digits"]


@functools.lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    with (
        resources.files(__package__).joinpath("digits.npz").open("rb") as f,
        np.load(f, allow_pickle=False) as z,
    ):
        images, labels = z["images"], z["labels"]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digits(flatten: bool = True, scale: bool = True) -> tuple[Tensor, Tensor]:
    """1,797 handwritten digits, 8x8 pixels with gray levels 0..16, labels 0..9.

    The test set of the UCI *Optical Recognition of Handwritten Digits* data
    (Alpaydin & Kaynak, 1998; CC BY 4.0), shipped inside the package as
    ``digits.npz`` and read without pickle.

    Parameters
    ----------
    flatten : bool
        ``True``: X has shape (1797, 64); ``False``: (1797, 1, 8, 8), images with
        one channel, ready for ``Conv2d``.
    scale : bool
        Divide the gray levels by 16, giving values in [0, 1].

    Returns
    -------
    X : Tensor of the default float dtype
    y : Tensor of int64, shape (1797,)

    Examples
    --------
    >>> import autograd_core as ac
    >>> X, y = ac.data.datasets.digits()
    >>> X.shape, y.shape, float(X.numpy().max())
    ((1797, 64), (1797,), 1.0)
    """
    images, labels = _load()
    X = images.astype(dtypes.get_default_dtype())
    if scale:
        X /= 16
    X = X.reshape(len(X), 64) if flatten else X.reshape(len(X), 1, 8, 8)
    return as_tensor(X), as_tensor(labels.copy())
