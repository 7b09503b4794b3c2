"""Small tasks generated in code.

The first four are the tasks of Rumelhart, Hinton & Williams, "Learning
representations by back-propagating errors" (Nature 323, 1986) and "Learning
internal representations by error propagation" (PDP vol. 1, ch. 8, 1986): binary
input patterns with 0/1 float targets of shape (N, outputs). ``spirals`` and
``moons`` are two-dimensional classification sets with integer class labels.

Float outputs take the default dtype (:func:`autograd_core.get_default_dtype`).
Random sets take ``seed`` (an int) or, with ``seed=None``, the library's generator
(:func:`autograd_core.manual_seed`).
"""

from __future__ import annotations

import numpy as np

from ... import dtypes
from ...random import get_rng
from ...tensor import Tensor, as_tensor

__all__ = ["encoder", "moons", "parity", "spirals", "symmetry", "xor"]


def _float(a: np.ndarray) -> Tensor:
    return as_tensor(np.asarray(a, dtype=dtypes.get_default_dtype()))


def _check_n(n: int, where: str, low: int = 1, high: int = 20) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not low <= n <= high:
        raise ValueError(f"{where}: n must be an int in [{low}, {high}], got {n!r}")
    return int(n)


def _all_patterns(n: int) -> np.ndarray:
    """All 2**n binary vectors, row i holding the bits of i (most significant first)."""
    i = np.arange(2**n)[:, None]
    return (i >> np.arange(n - 1, -1, -1)) & 1


def xor() -> tuple[Tensor, Tensor]:
    """Exclusive or: X (4, 2) = 00, 01, 10, 11 and y (4, 1) = 0, 1, 1, 0.

    >>> import autograd_core as ac
    >>> X, y = ac.data.datasets.xor()
    >>> y.tolist()
    [[0.0], [1.0], [1.0], [0.0]]
    """
    return parity(2)


def parity(n: int = 4) -> tuple[Tensor, Tensor]:
    """The parity task: all 2**n binary inputs, target 1 when the number of ones is odd.

    Returns X of shape (2**n, n) and y of shape (2**n, 1).
    """
    n = _check_n(n, "parity")
    X = _all_patterns(n)
    return _float(X), _float(X.sum(axis=1, keepdims=True) % 2)


def symmetry(n: int = 6) -> tuple[Tensor, Tensor]:
    """The symmetry task: target 1 when the n-bit input reads the same both ways.

    Rumelhart et al. used n = 6 (8 of the 64 patterns are symmetric). Returns X of
    shape (2**n, n) and y of shape (2**n, 1).
    """
    n = _check_n(n, "symmetry")
    X = _all_patterns(n)
    return _float(X), _float(np.all(X == X[:, ::-1], axis=1, keepdims=True))


def encoder(n: int = 8) -> tuple[Tensor, Tensor]:
    """The encoder task (e.g. 8-3-8): the n one-hot patterns, each its own target.

    A network with a log2(n)-unit hidden layer must learn a binary code. Returns
    X = y = the identity matrix of shape (n, n) (two separate tensors).
    """
    n = _check_n(n, "encoder", low=2, high=4096)
    return _float(np.eye(n)), _float(np.eye(n))


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed) if seed is not None else get_rng()


def spirals(
    n_points: int = 100, n_classes: int = 2, noise: float = 0.2, seed: int | None = None
) -> tuple[Tensor, Tensor]:
    """Interleaved spiral arms, one per class, for nonlinear classification.

    Arm ``k`` has ``n_points`` points at radius ``r`` in [0, 1] and angle
    ``3*pi*r + 2*pi*k / n_classes`` plus Gaussian noise of standard deviation
    ``noise`` (radians), i.e. one and a half turns.

    Returns
    -------
    X : Tensor, shape (n_classes * n_points, 2)
        Points, grouped by class.
    y : Tensor of int64, shape (n_classes * n_points,)
        Class labels.
    """
    if n_points < 1 or n_classes < 1:
        raise ValueError(f"spirals: n_points and n_classes must be positive, got {n_points}, {n_classes}")
    if noise < 0:
        raise ValueError(f"spirals: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    r = np.linspace(0.0, 1.0, n_points)
    xs, ys = [], []
    for k in range(n_classes):
        angle = 3 * np.pi * r + 2 * np.pi * k / n_classes + noise * rng.standard_normal(n_points)
        xs.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
        ys.append(np.full(n_points, k, dtype=np.int64))
    return _float(np.concatenate(xs)), as_tensor(np.concatenate(ys))


def moons(n_samples: int = 200, noise: float = 0.1, seed: int | None = None) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles (class 0 on top, class 1 below and shifted).

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, with
    ``t`` evenly spaced in [0, pi], plus Gaussian noise of standard deviation
    ``noise``. Class 0 gets ``n_samples // 2`` points, class 1 the rest.

    Returns
    -------
    X : Tensor, shape (n_samples, 2)
    y : Tensor of int64, shape (n_samples,)
    """
    if n_samples < 2:
        raise ValueError(f"moons: n_samples must be at least 2, got {n_samples}")
    if noise < 0:
        raise ValueError(f"moons: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], axis=1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)]
    )
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return _float(X), as_tensor(y)
