"""Grad mode: whether operations record the graph.

Stored in a :class:`contextvars.ContextVar`, so it is per thread (and per asyncio
task); each thread starts with grad mode on.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

_grad_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "autograd_core_grad_enabled", default=True
)
is_grad_enabled_fast = _grad_enabled.get  # the hot path calls this directly

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Return True when operations on tensors that require grad record a graph."""
    return _grad_enabled.get()


class _GradModeContext:
    """Context manager and decorator that sets grad mode to ``self.mode``."""

    mode: bool

    def __enter__(self) -> None:
        self._token = _grad_enabled.set(self.mode)

    def __exit__(self, *exc: object) -> None:
        _grad_enabled.reset(self._token)

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _grad_enabled.set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _grad_enabled.reset(token)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Disable graph recording: ``with ac.no_grad(): ...`` or ``@ac.no_grad()``.

    Results computed inside do not require grad; in-place updates of leaves
    (optimizer steps) are allowed.
    """

    mode = False


class enable_grad(_GradModeContext):
    """Enable graph recording inside a ``no_grad`` region."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; usable as a function, context manager or decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        # Like torch.set_grad_enabled, calling it as a plain function takes effect at once.
        self._prev_token = _grad_enabled.set(self.mode)

    def __enter__(self) -> None:
        # The constructor already switched the mode; remember how to undo it.
        self._token = self._prev_token

    def __exit__(self, *exc: object) -> None:
        _grad_enabled.reset(self._token)

    def __call__(self, fn: F) -> F:
        # Used as a decorator: undo the immediate switch made by the constructor.
        _grad_enabled.reset(self._prev_token)
        return super().__call__(fn)
