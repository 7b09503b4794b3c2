"""Registration of public operations: one call puts an op everywhere it belongs.

``public(...)`` records the function in :data:`PUBLIC_OPS` (the list the op-spec
coverage test checks), attaches it as a Tensor method, and registers it for NumPy
dispatch (``np.exp(t)``), so adding an op touches only its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..numpy_dispatch import register_function, register_reduce, register_ufunc
from ..tensor import Tensor

#: public name -> function, for every differentiable or array operation in ``ac``
PUBLIC_OPS: dict[str, Callable] = {}


def public(
    name: str | None = None,
    *,
    method: str | bool | None = None,
    ufunc: Any = None,
    function: Any = None,
    reduce: Any = None,
) -> Callable[[Callable], Callable]:
    """Register ``fn`` as ``ac.<name>``; optionally as ``Tensor.<method>`` and for NumPy."""

    def deco(fn: Callable) -> Callable:
        public_name = name or fn.__name__
        PUBLIC_OPS[public_name] = fn
        if method:
            setattr(Tensor, public_name if method is True else method, fn)
        for u in ufunc if isinstance(ufunc, tuple) else (ufunc,):
            if u is not None:
                register_ufunc(u, fn)
        for f in function if isinstance(function, tuple) else (function,):
            if f is not None:
                register_function(f, fn)
        if reduce is not None:
            register_reduce(reduce, fn)
        return fn

    return deco
