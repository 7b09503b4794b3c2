"""NumPy interop: ``np.exp(t)``, ``np.sum(t)`` … on Tensors call our differentiable ops.

Op modules register their public functions here next to their definitions. A NumPy
function without a registration raises a ``TypeError`` naming it, so plain NumPy
code never silently drops the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import UnsupportedNumpyFunction

UFUNCS: dict[Any, Callable] = {}
REDUCE_UFUNCS: dict[Any, Callable] = {}
FUNCTIONS: dict[Any, Callable] = {}


def register_ufunc(ufunc, impl: Callable) -> None:
    UFUNCS[ufunc] = impl


def register_reduce(ufunc, impl: Callable) -> None:
    """``np.add.reduce(t, axis)`` and friends."""
    REDUCE_UFUNCS[ufunc] = impl


def register_function(func, impl: Callable) -> None:
    FUNCTIONS[func] = impl


def implements(*numpy_functions):
    """Decorator: ``@implements(np.sum)`` registers the decorated function."""

    def deco(impl: Callable) -> Callable:
        for f in numpy_functions:
            FUNCTIONS[f] = impl
        return impl

    return deco


def dispatch_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    if kwargs.get("out") is not None:
        raise UnsupportedNumpyFunction(
            f"np.{ufunc.__name__} with out= is not supported on Tensors; use the "
            "in-place operators (+=, *=, ...) or assign to .data"
        )
    kwargs.pop("out", None)
    if method == "__call__":
        impl = UFUNCS.get(ufunc)
        if impl is not None:
            extra = {k: v for k, v in kwargs.items() if not (k == "casting" and v == "same_kind")}
            if extra:
                raise UnsupportedNumpyFunction(
                    f"np.{ufunc.__name__}: keyword arguments {sorted(extra)} are not supported on Tensors"
                )
            return impl(*inputs)
    elif method == "reduce":
        impl = REDUCE_UFUNCS.get(ufunc)
        if impl is not None:
            return impl(*inputs, **kwargs)
    raise UnsupportedNumpyFunction(
        f"np.{ufunc.__name__}{'' if method == '__call__' else '.' + method} has no "
        "differentiable implementation for Tensors; convert with np.asarray(t) (drops the "
        "graph) or use an autograd_core operation"
    )


def dispatch_function(func, args: tuple, kwargs: dict):
    impl = FUNCTIONS.get(func)
    if impl is None:
        raise UnsupportedNumpyFunction(
            f"np.{getattr(func, '__name__', func)} has no differentiable implementation for "
            "Tensors; convert with np.asarray(t) (drops the graph) or use an autograd_core "
            "operation"
        )
    return impl(*args, **kwargs)


def _on_data(func, wrap: bool):
    """A NumPy function that needs no gradient: run it on the data."""

    def impl(*args, **kwargs):
        from .tensor import Tensor, _make

        args = tuple(a.data if isinstance(a, Tensor) else a for a in args)
        out = func(*args, **kwargs)
        return _make(np.asarray(out)) if wrap else out

    return impl


def _register_passthrough() -> None:
    for f in (
        np.shape,
        np.ndim,
        np.size,
        np.result_type,
        np.iscomplexobj,
        np.isrealobj,
        np.array_equal,
        np.allclose,
        np.isclose,
        np.count_nonzero,
    ):
        FUNCTIONS[f] = _on_data(f, wrap=f is np.isclose)
    for f in (
        np.zeros_like,
        np.ones_like,
        np.empty_like,
        np.full_like,
        np.nonzero,
        np.argwhere,
        np.flatnonzero,
    ):
        FUNCTIONS[f] = _on_data(f, wrap=f not in (np.nonzero,))
    for u in (
        np.isfinite,
        np.isnan,
        np.isinf,
        np.signbit,
        np.floor,
        np.ceil,
        np.rint,
        np.trunc,
        np.floor_divide,
        np.remainder,
        np.bitwise_and,
        np.bitwise_or,
        np.bitwise_xor,
        np.invert,
        np.logical_xor,
    ):
        UFUNCS[u] = _on_data(u, wrap=True)


import numpy as np  # noqa: E402

_register_passthrough()
