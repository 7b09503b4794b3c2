"""Gradient clipping and parameter/vector conversion (``ac.nn.utils``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import dtypes
from ..tensor import Tensor, as_tensor, bump_version

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _params(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Rescale gradients in place so that their joint norm is at most ``max_norm``.

    The total norm is ‖(‖g_1‖_p, …, ‖g_k‖_p)‖_p over every parameter's ``.grad``
    (``norm_type=inf`` for the max-norm). When it exceeds ``max_norm`` each
    gradient is multiplied by ``max_norm / (total + 1e-6)``, like PyTorch.

    Returns
    -------
    Tensor
        The total norm before clipping (a 0-d tensor; 0 when no parameter has a grad).

    Raises
    ------
    RuntimeError
        When ``error_if_nonfinite`` and the total norm is NaN or infinite.
    """
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not grads:
        return as_tensor(np.zeros((), dtypes.get_default_dtype()))
    dtype = np.result_type(*[g.data.dtype for g in grads])
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g.data))) if g.data.size else 0.0 for g in grads)
    else:
        norms = np.array([np.linalg.norm(g.data.ravel(), ord=norm_type) for g in grads], np.float64)
        total = float(np.linalg.norm(norms, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, so "
            "they cannot be clipped; set error_if_nonfinite=False to clip anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        with np.errstate(invalid="ignore"):  # an infinite norm gives NaN gradients, as in PyTorch
            for g in grads:
                g.data *= g.data.dtype.type(coef)
                bump_version(g)
    return as_tensor(np.asarray(total, dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
            bump_version(p.grad)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the parameters' values into one flat tensor (a copy, no graph)."""
    arrays = [np.asarray(p.data).ravel() for p in parameters]
    if not arrays:
        return as_tensor(np.zeros((0,), dtypes.get_default_dtype()))
    return as_tensor(np.concatenate(arrays))


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the flat ``vec`` into the parameters, in place."""
    data = vec.data if isinstance(vec, Tensor) else np.asarray(vec)
    if data.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape {data.shape}")
    params = list(parameters)
    needed = sum(p.data.size for p in params)
    if data.size != needed:
        raise ValueError(
            f"vector_to_parameters: the vector has {data.size} elements but the parameters need {needed}"
        )
    offset = 0
    for p in params:
        n = p.data.size
        p.data[...] = data[offset : offset + n].reshape(p.data.shape)
        bump_version(p)
        offset += n
