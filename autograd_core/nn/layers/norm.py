"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import dtypes
from ...errors import ShapeError
from ...grad_mode import no_grad
from ...tensor import Tensor
from .. import functional_layers as FL
from .. import init
from ..module import Module
from ..parameter import Parameter


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    _layout = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones((num_features,), dt))
            self.bias = Parameter(np.zeros((num_features,), dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros((num_features,), dt)))
            self.register_buffer("running_var", Tensor(np.ones((num_features,), dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.data[...] = 0
                self.running_var.data[...] = 1
                self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics and set weight to 1, bias to 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        layer = type(self).__name__
        shape = tuple(np.shape(input))
        if len(shape) not in self._ndims:
            raise ShapeError(
                f"{layer}: expected a {self._layout} input, got a {len(shape)}-D input of shape {shape}"
            )
        if shape[1] != self.num_features:
            raise ShapeError(
                f"{layer}: input of shape {shape} has {shape[1]} channels (axis 1), "
                f"but the layer was built for num_features={self.num_features}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        track = self.training and self.track_running_stats
        if track and self.momentum is None:  # cumulative moving average
            momentum = 1.0 / float(self.num_batches_tracked.data + 1)
        # training, or no running statistics: normalise with the batch's own statistics (and
        # update the running ones when they exist); eval with running statistics: use them
        out = FL._batch_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            momentum,
            self.eps,
            layer,
        )
        if track:
            self.num_batches_tracked.data += 1  # a plain counter, after the checks passed
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over every axis but C.

    y = (x − μ)/√(σ² + eps) · weight + bias. In training mode μ, σ² (biased) are the
    batch's statistics and the running statistics are updated as
    r ← (1 − momentum)·r + momentum·s with the unbiased batch variance
    (``momentum=None``: a cumulative average); in ``eval()`` mode the running
    statistics are used. With ``track_running_stats=False`` batch statistics are
    always used.

    State: ``weight``, ``bias`` (when ``affine``), buffers ``running_mean``,
    ``running_var``, ``num_batches_tracked`` (PyTorch's ``state_dict`` keys).

    >>> import autograd_core as ac
    >>> bn = ac.nn.BatchNorm1d(3)
    >>> bn(ac.randn(8, 3)).shape
    (8, 3)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _ndims = (2, 3)
    _layout = "2-D (N, C) or 3-D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over N, H and W; see :class:`BatchNorm1d`.

    >>> import autograd_core as ac
    >>> ac.nn.BatchNorm2d(4)(ac.randn(2, 4, 5, 5)).shape
    (2, 4, 5, 5)
    """

    _ndims = (4,)
    _layout = "4-D (N, C, H, W)"


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes of each sample.

    y = (x − E[x])/√(Var[x] + eps) · weight + bias, with ``weight`` (ones) and ``bias``
    (zeros) of shape ``normalized_shape`` when ``elementwise_affine``.

    >>> import autograd_core as ac
    >>> ac.nn.LayerNorm(8)(ac.randn(2, 5, 8)).shape
    (2, 5, 8)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = FL._normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight 1, bias 0."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return FL._layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps, "LayerNorm")

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
