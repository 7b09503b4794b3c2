"""``Embedding``: a lookup table of learnable vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from .. import functional_layers as FL
from .. import init
from ..module import Module
from ..parameter import Parameter


class Embedding(Module):
    """Map integer indices of any shape to rows of ``weight`` (num_embeddings, embedding_dim).

    ``weight`` is drawn from N(0, 1) like PyTorch; with ``padding_idx`` that row is
    zero and never receives a gradient (so it stays zero under any optimizer without
    weight decay).

    >>> import autograd_core as ac
    >>> emb = ac.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(ac.tensor([[0, 2], [4, 9]])).shape
    (2, 2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        _weight: Any = None,
        _freeze: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings {num_embeddings}"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dt), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = _weight.data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if w.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight of shape {w.shape} does not match ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """N(0, 1), with the ``padding_idx`` row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:
        return FL._embedding(input, self.weight, self.padding_idx, "Embedding")

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding ``embeddings`` (2-D); frozen (no gradient) by default."""
        w = embeddings.data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx=padding_idx, _weight=w.copy(), _freeze=freeze)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
