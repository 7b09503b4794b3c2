"""The op-spec table: one row per public operation, from which tests are generated.

A row says how to call the op, how to draw valid inputs (shapes incl. 0-d, size-1
axes and broadcasting pairs; values inside the domain and away from kinks) and
which NumPy expression gives the reference value. ``tests/test_opspecs.py`` turns
every row into value, gradient (``gradcheck``), second-order (``gradgradcheck``)
and dtype-preservation tests; ``test_every_op_has_a_spec`` fails when a public op
has no row. The rows live in ``autograd_core/testing/specs/<family>.py``, next to
nothing else, so adding an op means one source file plus one row there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from . import strategies as S

Inputs = st.SearchStrategy  # draws (list[np.ndarray], dict[str, Any])


@dataclass(frozen=True)
class OpSpec:
    """How to test one public operation."""

    name: str  #: the public name, ``ac.<name>``
    fn: Callable[..., Any]  #: called as ``fn(*tensors, **kwargs)``
    inputs: Inputs  #: strategy drawing ``(arrays, kwargs)``
    ref: Callable[..., Any] | None = None  #: NumPy reference ``ref(*arrays, **kwargs)``
    differentiable: bool = True  #: False for comparisons, argmax, ...
    second_order: bool = True  #: run gradgradcheck
    grad_inputs: tuple[int, ...] | None = None  #: inputs to differentiate (default: all)
    atol: float = 1e-5
    rtol: float = 1e-3
    max_examples: int = 12
    notes: str = field(default="", compare=False)


def _pack(arrays, kwargs=None):
    return (list(arrays), dict(kwargs or {}))


def elementwise(
    name: str,
    fn: Callable,
    ref: Callable,
    arity: int = 1,
    low: float = -2.0,
    high: float = 2.0,
    away_from: tuple[float, ...] = (),
    kwargs: dict | None = None,
    valid: Callable[..., bool] | None = None,
    **options: Any,
) -> OpSpec:
    """A row for an elementwise op: inputs of mutually broadcastable shapes.

    ``valid(*arrays)`` can reject draws (e.g. ties for maximum).
    """

    @st.composite
    def draw(d):
        shapes = d(S.broadcastable_shapes(arity)) if arity > 1 else (d(S.shapes()),)
        arrays = [d(S.arrays(s, low, high, away_from=away_from)) for s in shapes]
        return _pack(arrays, kwargs)

    inputs = draw()
    if valid is not None:
        inputs = inputs.filter(lambda p: valid(*p[0]))
    return OpSpec(name, fn, inputs, ref, **options)


def axes_for(ndim: int) -> st.SearchStrategy:
    """``None``, a single (possibly negative) axis, or a tuple of distinct axes."""
    if ndim == 0:
        return st.sampled_from([None, (), 0, -1])
    single = st.integers(-ndim, ndim - 1)
    tuples = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple)
    return st.one_of(st.none(), single, tuples)


def reduction(
    name: str,
    fn: Callable,
    ref: Callable,
    low: float = -2.0,
    high: float = 2.0,
    unique: bool = False,
    extra: st.SearchStrategy | None = None,
    **options: Any,
) -> OpSpec:
    """A row for a reduction taking ``axis`` and ``keepdims``."""

    @st.composite
    def draw(d):
        shape = d(S.shapes())
        a = d(S.arrays(shape, low, high))
        if unique:
            # distinct, well-separated values so max/min/sort have no ties
            a = (np.argsort(np.argsort(a.ravel())).reshape(a.shape) - a.size / 2) * 0.1 + 0.01 * a
        kw = {"axis": d(axes_for(len(shape))), "keepdims": d(st.booleans())}
        if extra is not None:
            kw.update(d(extra))
        return _pack([a], kw)

    return OpSpec(name, fn, draw(), ref, **options)


def custom(name: str, fn: Callable, inputs: Inputs, ref: Callable | None = None, **options: Any) -> OpSpec:
    """A row with a hand-written input strategy."""
    return OpSpec(name, fn, inputs, ref, **options)


def all_specs() -> list[OpSpec]:
    from .specs import SPECS

    return SPECS
