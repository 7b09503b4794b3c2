"""The exception hierarchy.

Every error the library raises on purpose derives from :class:`AutogradError` *and*
from the built-in type a user would expect (``ValueError`` for bad shapes,
``TypeError`` for bad dtypes, ``RuntimeError`` for graph misuse), so both
``except ac.errors.ShapeError`` and ``except ValueError`` work.
"""

from __future__ import annotations


class AutogradError(Exception):
    """Base class of all errors raised by autograd_core."""


class ShapeError(AutogradError, ValueError):
    """Operands have shapes the operation cannot combine."""


class DTypeError(AutogradError, TypeError):
    """An operand has a dtype the operation does not accept."""


class GraphError(AutogradError, RuntimeError):
    """The computation graph was used in a way it does not support."""


class InplaceError(GraphError):
    """A tensor saved for backward was modified in place after it was saved."""


class AnomalyError(GraphError):
    """``detect_anomaly`` found a NaN or infinity in the backward pass."""


class UnsupportedNumpyFunction(AutogradError, TypeError):
    """A NumPy function without a differentiable implementation was called on a Tensor."""


def describe(x) -> str:
    """Short ``shape dtype`` description of an operand for error messages."""
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is None:
        return type(x).__name__
    return f"{tuple(shape)} {dtype}"
