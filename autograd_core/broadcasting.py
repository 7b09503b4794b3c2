"""Broadcasting in one place: ``sum_to`` is the only unbroadcast in the codebase.

Rules return gradients in the broadcast shape of their output; the engine calls
:func:`sum_to` to fold them back onto each input's shape.
"""

from __future__ import annotations

import numpy as np

from .errors import ShapeError


def broadcast_shapes(opname: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """``np.broadcast_shapes`` with an error message that names the operation."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(
            f"{opname}: shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together"
        ) from None


def sum_axes(from_shape: tuple[int, ...], to_shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """Axes of ``from_shape`` to sum (with keepdims) to reach ``to_shape``; None if impossible."""
    lead = len(from_shape) - len(to_shape)
    if lead < 0:
        return None
    axes = list(range(lead))
    for i, size in enumerate(to_shape):
        have = from_shape[lead + i]
        if size == have:
            continue
        if size != 1:
            return None
        axes.append(lead + i)
    return tuple(axes)


def sum_to_array(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast array back to ``shape`` (the adjoint of ``np.broadcast_to``)."""
    if x.shape == shape:
        return x
    axes = sum_axes(x.shape, shape)
    if axes is None:
        # A rule may return a lower-rank or size-1 gradient for a broadcast input.
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(f"sum_to: cannot reduce shape {x.shape} to {shape}") from None
    return np.add.reduce(x, axis=axes, keepdims=True).reshape(shape)


def sum_to(x, shape: tuple[int, ...]):
    """Polymorphic ``sum_to``: arrays stay arrays, Tensors record a differentiable op."""
    if isinstance(x, np.ndarray):
        return sum_to_array(x, shape)
    if x.shape == shape:
        return x
    from .ops.shape import SumTo

    return SumTo.apply(x, shape=shape)
