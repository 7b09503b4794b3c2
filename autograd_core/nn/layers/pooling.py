"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional_layers as FL
from ..module import Module


class MaxPool2d(Module):
    """Maximum over windows of an input (N, C, H, W); see :func:`~autograd_core.nn.functional.max_pool2d`.

    >>> import autograd_core as ac
    >>> ac.nn.MaxPool2d(2)(ac.zeros((1, 3, 28, 28))).shape
    (1, 3, 14, 14)
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return FL._max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
            "MaxPool2d",
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over windows of an input (N, C, H, W); see :func:`~autograd_core.nn.functional.avg_pool2d`.

    >>> import autograd_core as ac
    >>> ac.nn.AvgPool2d(2)(ac.ones((1, 1, 4, 4))).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Any = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return FL._avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
            "AvgPool2d",
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool an input (N, C, H, W) to a fixed ``output_size`` (int or pair; None keeps an axis).

    >>> import autograd_core as ac
    >>> ac.nn.AdaptiveAvgPool2d(1)(ac.ones((2, 5, 7, 9))).shape
    (2, 5, 1, 1)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return FL._adaptive_avg_pool2d(input, self.output_size, "AdaptiveAvgPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
