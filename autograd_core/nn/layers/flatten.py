"""``Flatten``."""

from __future__ import annotations

import autograd_core as ac

from ...tensor import Tensor
from ..module import Module


class Flatten(Module):
    """Merge axes ``start_dim..end_dim`` into one (by default all but the batch axis).

    ``(N, C, H, W)`` becomes ``(N, C·H·W)``.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return ac.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
