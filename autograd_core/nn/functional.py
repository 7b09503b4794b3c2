"""``autograd_core.nn.functional`` (import as ``F``): the stateless forms of the layers.

PyTorch's keywords and defaults (``dim``, ``negative_slope=0.01``,
``approximate='none'``); everything is a composition of differentiable ``ac``
operations, so gradients of any order work. The losses live in
:mod:`autograd_core.nn.losses` and are re-exported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ac

from ..errors import DTypeError, ShapeError
from ..function import Op
from ..ops.arithmetic import tangent_sum
from ..ops.linalg import fold_matmul, fold_matmul_t
from ..random import get_rng
from ..tensor import Tensor, as_tensor
from .functional_layers import *  # noqa: F403  (conv, pooling, norms, embedding, pad, attention)
from .functional_layers import __all__ as _layers_all
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]
__all__ += _layers_all


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


# ---- activations ----------------------------------------------------------------------
# ``inplace=`` is accepted for PyTorch compatibility; results are always new tensors.


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), with relu'(0) = 0."""
    return ac.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, ``negative_slope · x`` otherwise."""
    return ac.leaky_relu(input, negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^-x), stable for large |x|."""
    return ac.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return ac.tanh(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) with the exact normal CDF (``'none'``) or its tanh approximation (``'tanh'``)."""
    return ac.gelu(input, approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx)) / β, computed stably (``threshold`` is accepted and not needed)."""
    return ac.softplus(input, beta=beta)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α(e^x − 1) otherwise."""
    return ac.elu(input, alpha)


def _dim(dim: int | None) -> int:
    # PyTorch's deprecated implicit choice of axis is not reproduced: None means the last axis.
    return -1 if dim is None else dim


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """exp(x_i) / Σ_j exp(x_j) along ``dim`` (the last axis when ``dim`` is None).

    ``dtype`` casts the input first, like PyTorch.
    """
    if dtype is not None:
        input = ac.astype(input, dtype)
    return ac.softmax(input, axis=_dim(dim))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """x_i − logsumexp(x) along ``dim`` (the last axis when ``dim`` is None), computed stably."""
    if dtype is not None:
        input = ac.astype(input, dtype)
    return ac.log_softmax(input, axis=_dim(dim))


# ---- layers ---------------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b for a weight of shape ``(out_features, in_features)``.

    Raises
    ------
    ShapeError (a ValueError)
        When the input's last dimension is not ``in_features``, naming both shapes.
    """
    return _linear(input, weight, bias, "linear")


def _linear(input: Any, weight: Tensor, bias: Tensor | None, opname: str) -> Tensor:
    if not isinstance(input, Tensor):
        input = as_tensor(input)
    if not isinstance(weight, Tensor):
        weight = np.asarray(weight)
    x = input.data
    w_shape = weight.shape
    if len(w_shape) != 2:
        raise ShapeError(f"{opname}: weight must be 2-D (out_features, in_features), got shape {w_shape}")
    if x.ndim == 0 or x.shape[-1] != w_shape[1]:
        got = x.shape[-1] if x.ndim else "a scalar"
        raise ShapeError(
            f"{opname}: input of shape {x.shape} does not fit weight of shape {w_shape}: the input's "
            f"last dimension must be in_features={w_shape[1]}, got {got}"
        )
    if x.dtype.kind not in "biuf":
        raise DTypeError(f"{opname}: unsupported input dtype {x.dtype}")
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


class Linear(Op):
    """y = x Wᵀ + b as one node (the bias is optional).

    With the leading axes of x and g flattened to rows (x₂: (M, in), g₂: (M, out))::

        ∂/∂x = g W,    ∂/∂W = g₂ᵀ x₂,    ∂/∂b = Σ_rows g₂

    so the weight and bias gradients come out as fresh arrays of exactly the
    parameters' shapes (nothing to unbroadcast or copy).
    """

    name = "linear"
    save_inputs = (0, 1)

    def forward(self, x, weight, bias=None):
        out = fold_matmul(x, weight.T)
        if bias is not None:
            if bias.dtype is out.dtype or np.result_type(out, bias) == out.dtype:
                out += bias  # the matmul result is ours: add in place
            else:
                out = out + bias
        return out

    def backward(self, grad, x, weight):
        needs = self.needs_grad
        gx = fold_matmul(grad, weight) if needs[0] else None
        gw = fold_matmul_t(grad, x) if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        return gx, gw, grad.sum(axis=tuple(range(grad.ndim - 1))) if needs[2] else None

    def jvp(self, tangents, x, weight):
        tx, tw = tangents[0], tangents[1]
        tb = tangents[2] if len(tangents) == 3 else None
        return tangent_sum(
            None if tx is None else fold_matmul(tx, weight.T),
            None if tw is None else fold_matmul(x, tw.T),
            tb,
        )


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the rest by 1/(1−p).

    The identity when ``training`` is false or ``p == 0``; the mask comes from the
    library's generator (reproducible with ``ac.manual_seed``). The expectation of
    the output equals the input.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    input = _t(input)
    if not training or p == 0.0:
        return input
    dtype = input.dtype if input.dtype.kind == "f" else ac.get_default_dtype()
    if p == 1.0:
        return input * np.zeros(input.shape, dtype)
    keep = get_rng().random(input.shape) >= p
    scale = np.where(keep, 1.0 / (1.0 - p), 0.0).astype(dtype)
    return input * scale


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer class labels of shape ``(*)`` to a ``(*, num_classes)`` int64 tensor of 0s and 1s.

    ``num_classes=-1`` uses ``max(label) + 1``. Labels must lie in ``[0, num_classes)``.
    """
    labels = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype.kind not in "iu":
        raise DTypeError(f"one_hot: labels must have an integer dtype, got {labels.dtype}")
    if num_classes < -1:
        raise ValueError(f"one_hot: num_classes must be -1 or non-negative, got {num_classes}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"one_hot: labels must be in [0, {num_classes - 1}] for num_classes={num_classes}, "
            f"got min {labels.min()}, max {labels.max()}"
        )
    out = (labels[..., None] == np.arange(num_classes)).astype(np.int64)
    return as_tensor(out)
