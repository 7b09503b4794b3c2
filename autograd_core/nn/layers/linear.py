"""``Linear`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """Affine map y = x Wᵀ + b on the last axis of the input.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Whether to learn an additive bias.
    dtype : optional
        Parameter dtype; the default float dtype (``ac.get_default_dtype()``) if None.

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
        Initialised like PyTorch: ``kaiming_uniform_(a=√5)``, i.e. U(-k, k) with k = 1/√in_features.
    bias : Parameter of shape (out_features,) or None
        U(-k, k) with the same k.

    Examples
    --------
    >>> import autograd_core as ac
    >>> layer = ac.nn.Linear(3, 2)
    >>> layer(ac.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear: in_features and out_features must be non-negative, got {in_features}, {out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        params = self._parameters
        try:  # what self.weight and self.bias find, without two trips through __getattr__
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # one was deleted: let the attribute lookup raise its error
            weight, bias = self.weight, self.bias
        return F._linear(input, weight, bias, "Linear")

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        )
