"""Convolution layers: ``Conv1d`` and ``Conv2d``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from .. import functional_layers as FL
from .. import init
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v: Any, n: int, name: str, layer: str) -> tuple[int, ...]:
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(i) for i in v)
    if len(v) != n:
        raise ValueError(f"{layer}: {name} must be an int or a {n}-tuple, got {v}")
    return v


class _ConvNd(Module):
    _dims = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
    ) -> None:
        super().__init__()
        layer = type(self).__name__
        n = self._dims
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{layer}: groups={groups} must divide in_channels={in_channels} and out_channels={out_channels}"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{layer}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", layer)
        self.stride = _tuple(stride, n, "stride", layer)
        self.dilation = _tuple(dilation, n, "dilation", layer)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{layer}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = _tuple(padding, n, "padding", layer)
        self.groups = groups
        self.padding_mode = padding_mode
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, *self.kernel_size), dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: ``kaiming_uniform_(a=√5)`` (U(±1/√fan_in)) and bias U(±1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = (self.in_channels // self.groups) * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _explicit_padding(self, input: Tensor) -> tuple[Tensor, Any]:
        """Non-zero padding modes pad first (F.pad) and convolve without padding."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            pads = []
            for d, k in zip(self.dilation, self.kernel_size):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
        else:
            pads = [(p, p) for p in self.padding]
        flat = [v for pair in reversed(pads) for v in pair]  # F.pad: last axis first
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        if np.ndim(input) != self._dims + 2:
            return input, 0  # the convolution reports the bad shape, naming the layer
        return FL.pad(input, flat, mode=mode), 0

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            s += (
                f", padding={self.padding!r}"
                if isinstance(self.padding, str)
                else f", padding={self.padding}"
            )
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over an input (N, C_in, H, W).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or pair
    padding : int, pair, ``'same'`` or ``'valid'``
    groups : int
        Split channels into ``groups`` independent convolutions.
    bias : bool
    padding_mode : ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``
    dtype : optional
        Parameter dtype (default: ``ac.get_default_dtype()``).

    Attributes
    ----------
    weight : Parameter (out_channels, in_channels/groups, kH, kW)
        ``kaiming_uniform_(a=√5)``, i.e. U(±1/√fan_in) with fan_in = in/groups·kH·kW.
    bias : Parameter (out_channels,) or None
        U(±1/√fan_in).

    Examples
    --------
    >>> import autograd_core as ac
    >>> conv = ac.nn.Conv2d(1, 8, 3, padding=1)
    >>> conv(ac.zeros((2, 1, 28, 28))).shape
    (2, 8, 28, 28)
    """

    _dims = 2

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._explicit_padding(input)
        return FL._conv2d(
            x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups, "Conv2d"
        )


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over an input (N, C_in, L).

    Same arguments as :class:`Conv2d` with single ints; ``weight`` has shape
    (out_channels, in_channels/groups, k).

    >>> import autograd_core as ac
    >>> ac.nn.Conv1d(4, 2, 3)(ac.zeros((5, 4, 10))).shape
    (5, 2, 8)
    """

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._explicit_padding(input)
        if not isinstance(padding, str):
            padding = padding if isinstance(padding, int) else padding[0]
        return FL._conv1d(
            x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups, "Conv1d"
        )
