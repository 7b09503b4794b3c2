"""Hypothesis strategies for tests of differentiable code.

``shapes`` (0-d and size-1 axes included), ``broadcastable_shapes`` (n shapes that
broadcast together) and ``arrays`` (well-conditioned float arrays, kept away from
caller-given kinks) — the building blocks of the op-spec tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including 0-d and size-1 axes."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy:
    """Tuples of ``num_shapes`` shapes that broadcast together (NumPy rules)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


def arrays(
    shape,
    low: float = -2.0,
    high: float = 2.0,
    dtype=np.float64,
    away_from: tuple[float, ...] = (),
    margin: float = 1e-3,
) -> st.SearchStrategy:
    """Float arrays with elements in [low, high], at least ``margin`` from each kink."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    if away_from:
        elements = elements.filter(lambda v: all(abs(v - k) > margin for k in away_from))
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    return shape_st.flatmap(lambda s: hnp.arrays(np.float64, s, elements=elements)).map(
        lambda a: a.astype(dtype)
    )


def well_separated(min_gap: float = 1e-3) -> Callable[[np.ndarray], bool]:
    """Predicate: no two elements closer than ``min_gap`` (for max/min/sort-like ops)."""

    def ok(a: np.ndarray) -> bool:
        flat = np.sort(np.ravel(a))
        return flat.size < 2 or bool(np.min(np.diff(flat)) > min_gap)

    return ok
