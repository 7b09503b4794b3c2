"""``MultiheadAttention`` (Vaswani et al. 2017), with PyTorch's parameters and masks."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ac

from ... import dtypes
from ...errors import DTypeError, ShapeError
from ...tensor import Tensor, as_tensor
from .. import functional_layers as FL
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import Linear


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


class MultiheadAttention(Module):
    """Multi-head attention: concat(head_1, …, head_h) W_o + b_o,
    head_i = softmax(Q_i K_iᵀ / √d + mask) V_i with Q_i, K_i, V_i the i-th slices of the
    projected query, key and value.

    Parameters
    ----------
    embed_dim : int
        Model width E (split into ``num_heads`` heads of E / num_heads).
    num_heads : int
    dropout : float
        Dropout on the attention weights (training mode only).
    bias : bool
        Biases on the input and output projections.
    kdim, vdim : int, optional
        Feature sizes of key and value (default E). When they differ from E the input
        projections are separate: ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``.
    batch_first : bool
        Inputs and output (N, L, E) instead of (L, N, E).

    Attributes (PyTorch's ``state_dict`` keys)
    ------------------------------------------
    in_proj_weight : (3E, E), Xavier-uniform; in_proj_bias : (3E,), zeros;
    out_proj : :class:`Linear` (E, E) with zero bias.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)`` returns
    ``(output, weights)``: output (L, N, E) (or batch-first, or (L, E) for unbatched
    2-D inputs); weights (N, L, S) averaged over heads, (N, heads, L, S) when
    ``average_attn_weights=False``, None when ``need_weights=False``.

    Masks follow PyTorch's *module* convention: a **bool** ``attn_mask`` (L, S) or
    (N·heads, L, S) and ``key_padding_mask`` (N, S) mark with True what must **not**
    be attended to; float masks are added to the scores. ``is_causal=True`` without
    an ``attn_mask`` applies the causal mask (query i sees keys j ≤ i); with one it is
    only a hint, as in PyTorch. A query that may see no key outputs the bias only
    (zero attention weights) rather than NaN.

    >>> import autograd_core as ac
    >>> mha = ac.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = ac.randn(3, 5, 8)
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if embed_dim < 1 or num_heads < 1 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = float(dropout)
        self.batch_first = batch_first
        dt = dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dt))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dt))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty((3 * embed_dim,), dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self, query: Tensor, key: Tensor, value: Tensor):
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e : 2 * e], b[2 * e :])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one matmul for q, k and v
                qkv = query @ w.T
                if b is not None:
                    qkv = qkv + b
                return qkv[..., :e], qkv[..., e : 2 * e], qkv[..., 2 * e :]
            wq, wk, wv = w[:e], w[e : 2 * e], w[2 * e :]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        out = []
        for x, wx, bx in ((query, wq, bq), (key, wk, bk), (value, wv, bv)):
            y = x @ wx.T
            out.append(y if bx is None else y + bx)
        return tuple(out)

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> bool:
        """Validate shapes; True when batched (3-D)."""
        layer = "MultiheadAttention"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(
                f"{layer}: query, key and value must all be 3-D {'(N, L, E)' if self.batch_first else '(L, N, E)'}"
                f" or all 2-D (L, E), got shapes {query.shape}, {key.shape}, {value.shape}"
            )
        for name, x, want in (
            ("query", query, self.embed_dim),
            ("key", key, self.kdim),
            ("value", value, self.vdim),
        ):
            if x.shape[-1] != want:
                raise ShapeError(
                    f"{layer}: {name} of shape {x.shape} has {x.shape[-1]} features (last axis), expected {want}"
                )
        if key.shape[:-1] != value.shape[:-1]:
            raise ShapeError(
                f"{layer}: key {key.shape} and value {value.shape} must agree except in the last axis"
            )
        if query.ndim == 3:
            ax = 0 if self.batch_first else 1
            if not query.shape[ax] == key.shape[ax]:
                raise ShapeError(
                    f"{layer}: query {query.shape} and key {key.shape} have different batch sizes "
                    f"({'batch_first' if self.batch_first else 'axis 1'})"
                )
        return query.ndim == 3

    def _masks(self, attn_mask, key_padding_mask, n: int, L: int, S: int, dtype):
        """Both masks -> (allowed bool (N, h, L, S) or None, additive float or None)."""
        layer = "MultiheadAttention"
        h = self.num_heads
        allowed, additive = None, None
        if attn_mask is not None:
            m = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
            if m.shape == (L, S):
                shaped = (1, 1, L, S)
            elif m.shape == (n * h, L, S):
                shaped = (n, h, L, S)
            else:
                raise ShapeError(
                    f"{layer}: attn_mask of shape {m.shape} must be (L, S) = {(L, S)} or "
                    f"(N*num_heads, L, S) = {(n * h, L, S)}"
                )
            if m.dtype == bool:
                allowed = ~m.reshape(shaped)
            elif m.dtype.kind == "f":
                a, additive = FL._split_mask(
                    _t(attn_mask).reshape(shaped) if isinstance(attn_mask, Tensor) else m.reshape(shaped),
                    (n, h, L, S),
                    dtype,
                    layer,
                )
                allowed = a
            else:
                raise DTypeError(f"{layer}: attn_mask must be bool or floating point, got dtype {m.dtype}")
        if key_padding_mask is not None:
            m = (
                key_padding_mask.data
                if isinstance(key_padding_mask, Tensor)
                else np.asarray(key_padding_mask)
            )
            if m.shape != (n, S):
                raise ShapeError(f"{layer}: key_padding_mask of shape {m.shape} must be (N, S) = {(n, S)}")
            m = m.reshape(n, 1, 1, S)
            if m.dtype == bool:
                keep = ~m
            elif m.dtype.kind == "f":
                keep = ~np.isneginf(m)
                add = np.where(keep, m, 0.0).astype(dtype)
                additive = add if additive is None else additive + add
            else:
                raise DTypeError(
                    f"{layer}: key_padding_mask must be bool or floating point, got dtype {m.dtype}"
                )
            allowed = keep if allowed is None else allowed & keep
        return allowed, additive

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ):
        q_in, k_in, v_in = _t(query), _t(key), _t(value)
        batched = self._check(q_in, k_in, v_in)
        same = query is key and key is value
        if not batched:  # one sequence: a batch of one
            q_in, k_in, v_in = (x.reshape(x.shape[0], 1, x.shape[1]) for x in (q_in, k_in, v_in))
            if key_padding_mask is not None:
                kpm = (
                    key_padding_mask.data
                    if isinstance(key_padding_mask, Tensor)
                    else np.asarray(key_padding_mask)
                )
                key_padding_mask = kpm.reshape(1, -1)
        elif self.batch_first:  # work in (L, N, E)
            q_in = ac.swapaxes(q_in, 0, 1)
            k_in = q_in if same else ac.swapaxes(k_in, 0, 1)
            v_in = q_in if same else ac.swapaxes(v_in, 0, 1)
        if same:
            k_in = v_in = q_in
        L, n, e = q_in.shape
        S = k_in.shape[0]
        h, d = self.num_heads, self.head_dim
        allowed, additive = self._masks(attn_mask, key_padding_mask, n, L, S, q_in.dtype)
        causal = is_causal and attn_mask is None
        q, k, v = self._projections(q_in, k_in, v_in)
        # (L, N, E) -> (N, h, L, d)
        q = ac.transpose(q.reshape(L, n, h, d), (1, 2, 0, 3))
        k = ac.transpose(k.reshape(S, n, h, d), (1, 2, 0, 3))
        v = ac.transpose(v.reshape(S, n, h, d), (1, 2, 0, 3))
        p = self.dropout if self.training else 0.0
        out, weights = FL._attention(q, k, v, allowed, additive, p, causal, None, "MultiheadAttention")
        out = ac.transpose(out, (2, 0, 1, 3)).reshape(L, n, e)  # (L, N, E)
        out = self.out_proj(out)
        if not batched:
            out = out.reshape(L, e)
        elif self.batch_first:
            out = ac.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if not batched:
            weights = weights.reshape(weights.shape[1:])
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
