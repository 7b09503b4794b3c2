"""Functional forms of the deep-learning layers (re-exported by ``nn.functional``).

Convolution, pooling, normalisation, embedding, padding and attention with PyTorch's
signatures, keywords and defaults. Everything is a composition of differentiable
``ac`` operations (plus one small gather primitive for embeddings), so gradients of
any order work.

Each function has a private twin taking ``layer=`` — the modules call it so that a
bad input raises an error naming the module (``Conv2d: ...``) instead of the function.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_core as ac

from .. import backends
from ..errors import DTypeError, ShapeError
from ..function import Op
from ..ops import conv as _conv
from ..ops.arithmetic import tangent_sum
from ..ops.indexing import GetItem, IndexAdd, normalize_index
from ..ops.linalg import fold_matmul_t
from ..random import get_rng
from ..tensor import Tensor, as_tensor

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "embedding",
    "layer_norm",
    "max_pool2d",
    "pad",
    "scaled_dot_product_attention",
]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x))


# ---- convolution --------------------------------------------------------------------------


def _conv_checks(layer: str, xs, ws, dims: int, groups: int) -> None:
    names = {1: "(N, C, L)", 2: "(N, C, H, W)"}[dims]
    if len(xs) != dims + 2:
        hint = " (add a batch axis, e.g. x[None], for a single sample)" if len(xs) == dims + 1 else ""
        raise ShapeError(
            f"{layer}: expected a {dims + 2}-D input {names}, got a {len(xs)}-D input of shape {xs}{hint}"
        )
    if len(ws) != dims + 2:
        raise ShapeError(f"{layer}: expected a {dims + 2}-D weight (out, in/groups, *kernel), got shape {ws}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{layer}: groups must be a positive int, got {groups!r}")
    if ws[1] * groups != xs[1]:
        raise ShapeError(
            f"{layer}: input of shape {xs} has {xs[1]} channels, but the weight of shape {ws} "
            f"expects {ws[1] * groups} input channels (in/groups={ws[1]}, groups={groups})"
        )


def _conv2d(input, weight, bias, stride, padding, dilation, groups, layer: str) -> Tensor:
    input, weight = _t(input), _t(weight)
    xs, ws = input.shape, weight.shape
    _conv_checks(layer, xs, ws, 2, groups)
    geo = _conv._geometry(xs, ws, stride, padding, dilation, groups, layer)
    return _conv.Conv2d.apply(input, weight, _bias(bias, ws[0], layer), geo=geo)


def _bias(bias, out_channels: int, layer: str):
    if bias is None:
        return None
    if _shape(bias) != (out_channels,):
        raise ShapeError(f"{layer}: bias must have shape ({out_channels},), got {_shape(bias)}")
    return _t(bias)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kH, kW).

    .. math:: y_{n,o,i,j} = b_o + \\sum_{c,a,b} w_{o,c,a,b}\\,
              x_{n,\\,g(o)C/G + c,\\; s_0 i + d_0 a - p_0,\\; s_1 j + d_1 b - p_1}

    ``padding`` is an int, a pair, ``'valid'`` (no padding) or ``'same'`` (output as
    large as the input; stride 1; an odd total goes to the bottom/right, like PyTorch).
    Output size H' = ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1.

    >>> import autograd_core as ac
    >>> from autograd_core.nn import functional as F
    >>> F.conv2d(ac.ones((1, 1, 4, 4)), ac.ones((2, 1, 3, 3)), padding=1).shape
    (1, 2, 4, 4)
    """
    return _conv2d(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def _single(v, name: str, layer: str) -> int:
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"{layer}: {name} must be an int or a 1-tuple, got {v}")
        v = v[0]
    return int(v)


def _conv1d(input, weight, bias, stride, padding, dilation, groups, layer: str) -> Tensor:
    input, weight = _t(input), _t(weight)
    xs, ws = input.shape, weight.shape
    _conv_checks(layer, xs, ws, 1, groups)
    s, d = _single(stride, "stride", layer), _single(dilation, "dilation", layer)
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = 0
        elif padding == "same":
            if s != 1:
                raise ValueError(f"{layer}: padding='same' needs stride 1, got {s}")
            total = d * (ws[2] - 1)
            lo, hi = total // 2, total - total // 2
        else:
            raise ValueError(f"{layer}: padding must be 'same', 'valid' or an int, got {padding!r}")
    else:
        lo = hi = _single(padding, "padding", layer)
    span = d * (ws[2] - 1) + 1
    if span > xs[2] + lo + hi:
        raise ShapeError(
            f"{layer}: kernel of size {span} (with dilation) is larger than the padded input "
            f"length {xs[2] + lo + hi} (input shape {xs}, padding {(lo, hi)})"
        )
    geo = _conv._geometry(
        (xs[0], xs[1], 1, xs[2]), (ws[0], ws[1], 1, ws[2]), (1, s), 0, (1, d), groups, layer
    )
    geo = geo._replace(padding=(0, 0, lo, hi))
    b = _bias(bias, ws[0], layer)
    out = _conv.Conv2d.apply(
        input.reshape(xs[0], xs[1], 1, xs[2]), weight.reshape(ws[0], ws[1], 1, ws[2]), b, geo=geo
    )
    return out.reshape(out.shape[0], out.shape[1], out.shape[3])


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of ``input`` (N, C, L) with ``weight`` (O, C/groups, k).

    Same conventions as :func:`conv2d` (``padding`` may be ``'same'`` or ``'valid'``);
    output length L' = ⌊(L + 2p − d(k−1) − 1)/s⌋ + 1.
    """
    return _conv1d(input, weight, bias, stride, padding, dilation, groups, "conv1d")


# ---- pooling --------------------------------------------------------------------------------


def _pool_checks(layer: str, xs, kernel_size, stride, padding, dilation=1):
    if len(xs) != 4:
        hint = " (add a batch axis, e.g. x[None], for a single image)" if len(xs) == 3 else ""
        raise ShapeError(
            f"{layer}: expected a 4-D input (N, C, H, W), got a {len(xs)}-D input of shape {xs}{hint}"
        )
    kh, kw = _conv._pair(kernel_size, "kernel_size", layer)
    ph, pw = _conv._pair(padding, "padding", layer)
    dh, dw = _conv._pair(dilation, "dilation", layer)
    if min(kh, kw) < 1:
        raise ValueError(f"{layer}: kernel_size must be positive, got {(kh, kw)}")
    if stride is not None and not (isinstance(stride, (tuple, list)) and len(stride) == 0):
        sh, sw = _conv._pair(stride, "stride", layer)
        if min(sh, sw) < 1:
            raise ValueError(f"{layer}: stride must be positive, got {(sh, sw)}")
    if ph > kh // 2 or pw > kw // 2 or min(ph, pw) < 0:
        raise ValueError(f"{layer}: padding {(ph, pw)} must be between 0 and half the kernel size {(kh, kw)}")
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if eh > xs[2] + 2 * ph or ew > xs[3] + 2 * pw:
        raise ShapeError(
            f"{layer}: kernel {(eh, ew)} is larger than the padded input {(xs[2] + 2 * ph, xs[3] + 2 * pw)} "
            f"(input shape {xs}, padding {(ph, pw)})"
        )


def _stride(stride, kernel_size):
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return kernel_size  # PyTorch: the default stride is the kernel size
    return stride


def _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, layer):
    input = _t(input)
    _pool_checks(layer, input.shape, kernel_size, stride, padding, dilation)
    if ceil_mode:
        raise NotImplementedError(f"{layer}: ceil_mode=True is not supported")
    if return_indices:
        raise NotImplementedError(f"{layer}: return_indices=True is not supported")
    return ac.max_pool2d(input, kernel_size, _stride(stride, kernel_size), padding, dilation)


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over each (dilated) window of ``input`` (N, C, H, W).

    ``stride`` defaults to ``kernel_size``; padding counts as −∞. The gradient goes to
    the first maximum of each window (row-major order), like PyTorch.
    """
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def _avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, layer):
    input = _t(input)
    _pool_checks(layer, input.shape, kernel_size, stride, padding)
    if ceil_mode:
        raise NotImplementedError(f"{layer}: ceil_mode=True is not supported")
    return ac.avg_pool2d(
        input,
        kernel_size,
        _stride(stride, kernel_size),
        padding,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    )


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override=None,
) -> Tensor:
    """Mean over each window of ``input`` (N, C, H, W).

    ``count_include_pad=True`` (PyTorch's default) divides by the full window size
    k_h·k_w; ``False`` divides by the number of real (unpadded) elements;
    ``divisor_override`` divides by that number instead.
    """
    return _avg_pool2d(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d"
    )


def _adaptive_avg_pool2d(input, output_size, layer):
    input = _t(input)
    xs = input.shape
    if len(xs) != 4:
        raise ShapeError(f"{layer}: expected a 4-D input (N, C, H, W), got a {len(xs)}-D input of shape {xs}")
    if isinstance(output_size, (int, np.integer)):
        output_size = (int(output_size), int(output_size))
    oh, ow = output_size
    oh, ow = xs[2] if oh is None else oh, xs[3] if ow is None else ow
    if oh < 1 or ow < 1:
        raise ValueError(f"{layer}: output_size must be positive, got {output_size}")
    return ac.adaptive_avg_pool2d(input, (oh, ow))


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average-pool ``input`` (N, C, H, W) to ``output_size`` (an int, a pair; ``None`` keeps an axis).

    Output cell i along an axis of length n averages the input over
    [⌊i·n/o⌋, ⌈(i+1)·n/o⌉), PyTorch's bins.
    """
    return _adaptive_avg_pool2d(input, output_size, "adaptive_avg_pool2d")


# ---- normalisation --------------------------------------------------------------------------


def _update_running(buf, batch_value: np.ndarray, momentum: float) -> None:
    """buf ← (1 − momentum)·buf + momentum·batch_value, in place (a Tensor or an ndarray)."""
    if isinstance(buf, Tensor):
        with ac.no_grad():
            buf *= 1.0 - momentum
            buf += (momentum * batch_value).astype(buf.dtype, copy=False)
    else:
        buf *= 1.0 - momentum
        buf += momentum * batch_value


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, layer):
    input = _t(input)
    xs = input.shape
    if len(xs) < 2:
        raise ShapeError(f"{layer}: expected an input of at least 2 dimensions (N, C, ...), got shape {xs}")
    c = xs[1]
    for name, v in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if v is not None and _shape(v) != (c,):
            raise ShapeError(
                f"{layer}: input of shape {xs} has {c} channels but {name} has shape {_shape(v)}"
            )
    if input.dtype.kind != "f":
        raise DTypeError(f"{layer}: expected a floating-point input, got dtype {input.dtype}")
    axes = (0,) + tuple(range(2, len(xs)))
    bshape = (1, c) + (1,) * (len(xs) - 2)
    if training:
        count = math.prod(xs) // c
        if count < 2:
            raise ValueError(
                f"{layer}: expected more than 1 value per channel when training, got input of shape {xs}"
            )
        mean = input.mean(axis=axes, keepdims=True)
        centred = input - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if running_mean is not None:
            _update_running(running_mean, mean.data.reshape(c), momentum)
        if running_var is not None:
            _update_running(running_var, var.data.reshape(c) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{layer}: running_mean and running_var are needed when training=False")
        rm = running_mean.data if isinstance(running_mean, Tensor) else np.asarray(running_mean)
        rv = running_var.data if isinstance(running_var, Tensor) else np.asarray(running_var)
        # copies: a later training step updates the buffers in place, and a graph built
        # here must keep the values it saw
        centred = input - rm.astype(input.dtype).reshape(bshape)
        var = rv.astype(input.dtype).reshape(bshape)
    # (x - mean) / sqrt(var + eps): composed, so any order of derivative works
    out = centred * (var + eps) ** -0.5
    if weight is not None:
        out = out * _t(weight).reshape(bshape)
    if bias is not None:
        out = out + _t(bias).reshape(bshape)
    return out


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over every axis but the channel axis 1 of ``input`` (N, C, ...).

    .. math:: y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}\\,\\gamma + \\beta

    In training mode μ and σ² (biased) are the batch statistics, and ``running_mean``
    / ``running_var`` (when given) are updated **in place** as
    r ← (1 − momentum)·r + momentum·s, with the *unbiased* batch variance for
    ``running_var`` (PyTorch's rule). Otherwise the running statistics normalise.
    """
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, "batch_norm")


def _normalized_shape(normalized_shape) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _layer_norm(input, normalized_shape, weight, bias, eps, layer):
    input = _t(input)
    ns = _normalized_shape(normalized_shape)
    xs = input.shape
    k = len(ns)
    if k == 0 or len(xs) < k or xs[len(xs) - k :] != ns:
        raise ShapeError(
            f"{layer}: input of shape {xs} does not end with normalized_shape {ns} "
            f"(expected input of shape (*, {', '.join(map(str, ns))}))"
        )
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and _shape(v) != ns:
            raise ShapeError(f"{layer}: {name} must have shape {ns}, got {_shape(v)}")
    axes = tuple(range(-k, 0))
    mean = input.mean(axis=axes, keepdims=True)
    centred = input - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` axes (biased variance), then scale and shift.

    .. math:: y = \\frac{x - \\mathrm{E}[x]}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}}\\,\\gamma + \\beta
    """
    return _layer_norm(input, normalized_shape, weight, bias, eps, "layer_norm")


# ---- embedding --------------------------------------------------------------------------------


class EmbeddingGather(Op):
    """``weight[index]`` (rows): the library's gather (:class:`~autograd_core.ops.indexing.GetItem`)
    with one twist, PyTorch's ``padding_idx``: positions that look up that row send it no
    gradient (and no tangent), whatever its value."""

    name = "embedding"

    def forward(self, weight, index, padding_idx):
        rows, plan = normalize_index((index,), "embedding")
        keep = None if padding_idx is None else (index != padding_idx)[..., None]
        self.ctx = (weight.shape, rows, plan, keep)
        return weight[index]

    def backward(self, grad):
        shape, rows, plan, keep = self.ctx
        if keep is not None:
            grad = grad * keep
        return IndexAdd.fn(grad, shape=shape, index=rows, plan=plan, opname="embedding")

    def jvp(self, t):
        _, rows, plan, keep = self.ctx
        out = GetItem.fn(t, index=rows, plan=plan, opname="embedding")
        return out if keep is None else out * keep


def _embedding(input, weight, padding_idx, layer):
    weight = _t(weight)
    index = input.data if isinstance(input, Tensor) else np.asarray(input)
    if index.dtype.kind not in "iu":
        raise DTypeError(f"{layer}: indices must be integers, got dtype {index.dtype}")
    if weight.ndim != 2:
        raise ShapeError(
            f"{layer}: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}"
        )
    n = weight.shape[0]
    if index.size and (index.min() < 0 or index.max() >= n):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(
            f"{layer}: index {bad} is out of range for {n} embeddings (indices of shape {index.shape})"
        )
    if padding_idx is not None:
        padding_idx = int(padding_idx)
        if not -n <= padding_idx < n:
            raise ValueError(f"{layer}: padding_idx {padding_idx} must be within num_embeddings {n}")
        padding_idx %= n
    return EmbeddingGather.apply(weight, index=index.astype(np.intp, copy=False), padding_idx=padding_idx)


def embedding(input, weight, padding_idx: int | None = None) -> Tensor:
    """Look up rows of ``weight`` (num_embeddings, dim) for the integer ``input`` (any shape).

    Output shape ``input.shape + (dim,)``. Rows used several times accumulate their
    gradients; the gradient of row ``padding_idx`` is always zero (its value is returned
    unchanged, whatever it is).
    """
    return _embedding(input, weight, padding_idx, "embedding")


# ---- LSTM cell ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _gate_coefficients(hidden: int, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """Per-column constants (scale, mul, add, slope), each (4H,), for the gate blocks i, f, g, o.

    With t = tanh(scale ⊙ gates): σ(x) = ½ tanh(x/2) + ½ on the σ blocks and tanh(x) on
    the g block, so every activation is ``mul ⊙ t + add`` and its derivative w.r.t. the
    pre-activation is ``slope ⊙ (1 − t²)`` (¼(1 − t²) = σ(1 − σ); 1 − tanh²).
    Read-only: shared by every call.
    """
    sig = np.full(hidden, 0.5, dtype)
    one, zero = np.ones(hidden, dtype), np.zeros(hidden, dtype)
    blocks = [
        (sig, sig, one, sig),  # scale
        (sig, sig, one, sig),  # mul
        (sig, sig, zero, sig),  # add
        (sig * sig, sig * sig, one, sig * sig),  # slope
    ]
    out = tuple(np.concatenate(b) for b in blocks)
    for a in out:
        a.setflags(write=False)
    return out


def _lstm_cell_parts(gates, c):
    """The cell's intermediate values from the pre-activations ``gates`` (…, 4H) and ``c`` (…, H).

    Returns (t, acts, c', tanh c'): t = tanh(scale ⊙ gates) (see :func:`_gate_coefficients`),
    acts = (i, f, g, o) side by side with i, f, o = σ(·) and g = tanh(·) of the four column
    blocks (PyTorch's gate order), c' = f ⊙ c + i ⊙ g. One tanh over all 4H columns gives
    every activation: cheaper than a separate sigmoid and tanh. Polymorphic: on arrays it
    computes, on Tensors it records (the rules call it on Tensors under ``create_graph``).
    """
    hidden = gates.shape[-1] // 4
    scale, mul, add, _ = _gate_coefficients(hidden, np.dtype(gates.dtype))
    t = np.tanh(gates * scale)
    acts = t * mul + add
    i, f, g = acts[..., :hidden], acts[..., hidden : 2 * hidden], acts[..., 2 * hidden : 3 * hidden]
    c_new = f * c + i * g
    return t, acts, c_new, np.tanh(c_new)


class LSTMCellFused(Op):
    """One LSTM cell update as one node: ``gates`` (…, 4H), ``c`` (…, H) -> ``stack([h', c'])``.

    With i, f, o = σ and g = tanh of the gate blocks: c' = f ⊙ c + i ⊙ g and
    h' = o ⊙ tanh(c'). The output has shape (2, …, H); callers take h' = out[0] and
    c' = out[1] (views). For an upstream gradient (ḡ_h, ḡ_c) the rule is

    * δc = ḡ_c + ḡ_h ⊙ o ⊙ (1 − tanh²c')
    * ∂gates = [δc ⊙ g, δc ⊙ c, δc ⊙ i, ḡ_h ⊙ tanh c'] ⊙ [i(1−i), f(1−f), 1−g², o(1−o)]
    * ∂c = δc ⊙ f

    σ is computed as ½ tanh(x/2) + ½: exact to rounding in absolute terms, but for very
    negative x it bottoms out at 0 where the exp form would give a tiny positive value
    (float32: x < −17, where σ < 4·10⁻⁸), which no gate output can tell apart.
    """

    name = "lstm_cell"
    save_inputs = (0, 1)

    def forward(self, gates, c):
        t, acts, c_new, tc = _lstm_cell_parts(gates, c)
        # The activations (and t, which gives their derivatives) and tanh(c') are kept for
        # the ordinary backward/jvp: recomputing them would cost two tanh and most of the
        # forward again, to save three arrays of the size of the gates.
        self.ctx = (t, acts, tc)
        return np.stack((acts[..., 3 * (acts.shape[-1] // 4) :] * tc, c_new))

    def _parts(self, gates, c):
        """(i, f, g, o, tanh c', ∂acts/∂gates): from the saved arrays on an ordinary pass;
        under ``create_graph`` (Tensor inputs) recomputed from the saved inputs, so the
        rule's own graph reaches them and double backward differentiates through them."""
        parts = self.ctx
        if parts is None or isinstance(gates, Tensor) or isinstance(c, Tensor):
            t, acts, _, tc = _lstm_cell_parts(gates, c)
        else:
            t, acts, tc = parts
        hidden = acts.shape[-1] // 4
        slope = _gate_coefficients(hidden, np.dtype(acts.dtype))[3]
        i, f = acts[..., :hidden], acts[..., hidden : 2 * hidden]
        g, o = acts[..., 2 * hidden : 3 * hidden], acts[..., 3 * hidden :]
        return i, f, g, o, tc, (1 - t * t) * slope

    def backward(self, grad, gates, c):
        i, f, g, o, tc, dacts = self._parts(gates, c)
        gh, gc = grad[0], grad[1]
        dc = gc + gh * o * (1 - tc * tc)
        dgates = None
        if self.needs_grad[0]:
            dgates = np.concatenate((dc * g, dc * c, dc * i, gh * tc), axis=-1) * dacts
        return dgates, (dc * f if self.needs_grad[1] else None)

    def jvp(self, tangents, gates, c):
        i, f, g, o, tc, dacts = self._parts(gates, c)
        tg, tc0 = tangents
        dc = None if tc0 is None else f * tc0
        dh = None
        if tg is not None:
            hidden = i.shape[-1]
            ta = tg * dacts  # tangents of the activations i, f, g, o
            dgate = (
                ta[..., hidden : 2 * hidden] * c + ta[..., :hidden] * g + i * ta[..., 2 * hidden : 3 * hidden]
            )
            dc = dgate if dc is None else dc + dgate
            dh = ta[..., 3 * hidden :] * tc
        dh_c = o * (1 - tc * tc) * dc
        dh = dh_c if dh is None else dh + dh_c
        return np.stack((dh, dc))


def _lstm_cell(gates, c) -> tuple[Tensor, Tensor]:
    """(h', c') of an LSTM cell from the pre-activations ``gates`` (…, 4H) and the cell state ``c``.

    ``gates`` = W_ih x + b_ih + W_hh h + b_hh, blocks i, f, g, o. One recorded node
    (:class:`LSTMCellFused`) and two views, instead of a dozen elementwise nodes.
    """
    gs, cs = _shape(gates), _shape(c)
    if not gs or not cs or gs[-1] != 4 * cs[-1]:
        raise ShapeError(
            f"lstm_cell: gates of shape {gs} must have 4·H columns for a cell state of shape {cs}"
        )
    out = LSTMCellFused.apply(gates, c)
    return out[0], out[1]


def _lstm_run(xp, h, c, whh_t, reverse: bool):
    """The cell over every time step: ((acts, tanh c', h_in, c_in), h', last c').

    Each of acts (L, N, 4H: i, f, g, o) and tanh c', h_in, c_in, h' (L, N, H) is stacked
    in time order, whichever way the steps ran: h_in[k], c_in[k] is the state step k
    started from. On arrays the steps write into preallocated arrays; on Tensors (a
    rule recomputing under ``create_graph``) the same steps are recorded and stacked.
    """
    steps = xp.shape[0]
    hidden = xp.shape[-1] // 4
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    if any(isinstance(v, Tensor) for v in (xp, h, c, whh_t)):
        per_step: list = [None] * steps
        for k in order:
            _, acts, c_new, tc = _lstm_cell_parts(xp[k] + h @ whh_t, c)
            per_step[k] = (acts, tc, h, c)
            h, c = acts[..., 3 * hidden :] * tc, c_new
        acts, tc, h_in, c_in = (np.stack(column) for column in zip(*per_step))
        return (acts, tc, h_in, c_in), acts[..., 3 * hidden :] * tc, c
    dtype = np.result_type(xp, h, c, whh_t)
    scale, mul, add, _ = _gate_coefficients(hidden, dtype)
    # tanh(scale ⊙ gates) = tanh(scale ⊙ xp + h (scale ⊙ W_hhᵀ)), with W_hhᵀ C-ordered
    # because OpenBLAS multiplies by a transposed view (what W_hh.T is) 1.6x slower here
    whh_scaled = np.multiply(whh_t, scale, order="C")
    acts = np.empty(xp.shape, dtype)
    tc = np.empty((*xp.shape[:-1], hidden), dtype)
    # every state in one array, in time order: step k reads entry k (k + 1 when running
    # backwards in time) and writes the other neighbour
    hs, cs = (np.empty((steps + 1, *xp.shape[1:-1], hidden), dtype) for _ in range(2))
    start = steps if reverse else 0
    hs[start], cs[start] = h, c
    for k in order:
        pre, post = (k + 1, k) if reverse else (k, k + 1)
        a = np.multiply(xp[k], scale, out=acts[k])
        a += backends.matmul(h, whh_scaled)
        np.tanh(a, out=a)
        a *= mul
        a += add
        c = np.multiply(a[..., hidden : 2 * hidden], cs[pre], out=cs[post])
        c += a[..., :hidden] * a[..., 2 * hidden : 3 * hidden]
        h = np.multiply(a[..., 3 * hidden :], np.tanh(c, out=tc[k]), out=hs[post])
    ins, outs = (slice(1, None), slice(None, -1)) if reverse else (slice(None, -1), slice(1, None))
    return (acts, tc, hs[ins], cs[ins]), hs[outs], c


def _lstm_gate_slopes(acts, hidden: int):
    """∂acts/∂gates from the activations themselves: σ(1 − σ) on the i, f, o blocks and
    1 − g² on the g block (arrays: one new array, filled in place; Tensors: recorded)."""
    if isinstance(acts, Tensor):
        one_minus = 1 - acts
        g = acts[..., 2 * hidden : 3 * hidden]
        return np.concatenate(
            (
                acts[..., : 2 * hidden] * one_minus[..., : 2 * hidden],
                1 - g * g,
                acts[..., 3 * hidden :] * one_minus[..., 3 * hidden :],
            ),
            axis=-1,
        )
    slopes = np.subtract(1, acts)
    slopes *= acts
    g, g_slope = acts[..., 2 * hidden : 3 * hidden], slopes[..., 2 * hidden : 3 * hidden]
    np.multiply(g, g, out=g_slope)
    np.subtract(1, g_slope, out=g_slope)
    return slopes


class _SequenceStates:
    """For the sequence-layer nodes: the per-step states that ``forward`` keeps in ``ctx``
    for the backward and jvp rules. Under ``create_graph`` (Tensor inputs) they are
    recomputed on Tensors by the node's ``_run``, so the rule's own graph reaches them
    and double backward differentiates through them."""

    def _states(self, *inputs):
        if self.ctx is None or any(isinstance(v, Tensor) for v in inputs):
            return self._run(*inputs)[0]
        return self.ctx


class LSTMLayerFused(_SequenceStates, Op):
    """One LSTM layer over a whole sequence as one node.

    Inputs: ``xp`` (L, N, 4H), the input projections of every step with both biases
    added; the initial state ``h`` and ``c`` (N, H); ``whh_t`` = W_hhᵀ (H, 4H). Each
    step k computes gates_k = xp_k + h_{k−1} W_hhᵀ and the cell of
    :class:`LSTMCellFused`. The output (L + 1, N, H) holds h'_1 … h'_L, then the last
    c'; callers take views. ``reverse`` runs the steps from L down to 1.

    Backward is backpropagation through time in one loop: per step the cell's rule
    (see :class:`LSTMCellFused`) gives ∂gates_k, which is ∂xp_k; ∂h_{k−1} = ∂gates_k W_hh
    joins the gradient arriving from the output, and ∂W_hhᵀ = Σ_k h_{k−1}ᵀ ∂gates_k is
    one matrix product over all steps at the end.
    """

    name = "lstm_layer"
    save_inputs = (0, 1, 2, 3)

    def forward(self, xp, h, c, whh_t, reverse=False):
        self.reverse = reverse
        states, (hs, c_last) = self._run(xp, h, c, whh_t)
        # kept for backward/jvp: recomputing them would cost the whole forward again
        self.ctx = states
        return np.concatenate((hs, c_last[None]))

    def _run(self, xp, h, c, whh_t):
        states, hs, c_last = _lstm_run(xp, h, c, whh_t, self.reverse)
        return states, (hs, c_last)

    def backward(self, grad, xp, h, c, whh_t):
        acts, tc, h_in, c_in = self._states(xp, h, c, whh_t)
        steps, hidden = acts.shape[0], acts.shape[-1] // 4
        recording = isinstance(grad, Tensor) or isinstance(acts, Tensor)  # under create_graph
        # ∂acts/∂gates and o ⊙ tanh'(c') of every step at once
        d_acts = _lstm_gate_slopes(acts, hidden)
        o_dtanh = tc * tc
        if recording:
            o_dtanh = acts[..., 3 * hidden :] * (1 - o_dtanh)
        else:  # in place
            np.subtract(1, o_dtanh, out=o_dtanh)
            o_dtanh *= acts[..., 3 * hidden :]
        d_xp = [None] * steps if recording else np.empty(acts.shape, acts.dtype)
        whh = whh_t.T if recording else np.ascontiguousarray(whh_t.T)
        dh_next = None
        dc = grad[steps]
        for k in range(steps) if self.reverse else range(steps - 1, -1, -1):  # backwards in time
            a = acts[k]
            i, f, g = a[..., :hidden], a[..., hidden : 2 * hidden], a[..., 2 * hidden : 3 * hidden]
            dh = grad[k] if dh_next is None else grad[k] + dh_next
            dc = dc + dh * o_dtanh[k]
            if recording:
                d = np.concatenate((dc * g, dc * c_in[k], dc * i, dh * tc[k]), axis=-1) * d_acts[k]
                d_xp[k] = d
            else:  # the four blocks written in place
                d = d_xp[k]
                np.multiply(dc, g, out=d[..., :hidden])
                np.multiply(dc, c_in[k], out=d[..., hidden : 2 * hidden])
                np.multiply(dc, i, out=d[..., 2 * hidden : 3 * hidden])
                np.multiply(dh, tc[k], out=d[..., 3 * hidden :])
                d *= d_acts[k]
            dc = dc * f
            dh_next = backends.matmul(d, whh)
        if recording:
            d_xp = np.stack(d_xp)
        needs = self.needs_grad
        d_whh_t = fold_matmul_t(h_in, d_xp) if needs[3] else None
        d_h, d_c = (dh_next if needs[1] else None), (dc if needs[2] else None)
        return (d_xp if needs[0] else None), d_h, d_c, d_whh_t

    def jvp(self, tangents, xp, h, c, whh_t):
        acts, tc, h_in, c_in = self._states(xp, h, c, whh_t)
        steps, hidden = acts.shape[0], acts.shape[-1] // 4
        d_acts = _lstm_gate_slopes(acts, hidden)
        t_xp, t_h, t_c, t_whh = tangents
        t_c = np.zeros(c_in.shape[1:], acts.dtype) if t_c is None else t_c
        t_hs: list = [None] * steps
        for k in range(steps - 1, -1, -1) if self.reverse else range(steps):
            terms = [t_xp[k] if t_xp is not None else None]
            terms.append(None if t_h is None else backends.matmul(t_h, whh_t))
            terms.append(None if t_whh is None else backends.matmul(h_in[k], t_whh))
            t_gates = tangent_sum(*terms)
            a = acts[k]
            i, f, g, o = (a[..., j * hidden : (j + 1) * hidden] for j in range(4))
            tck = tc[k]
            t_c = f * t_c
            if t_gates is not None:
                ta = t_gates * d_acts[k]  # tangents of i, f, g, o
                ti, tf, tg, to = (ta[..., j * hidden : (j + 1) * hidden] for j in range(4))
                t_c = t_c + tf * c_in[k] + ti * g + i * tg
                t_h = to * tck + o * (1 - tck * tck) * t_c
            else:
                t_h = o * (1 - tck * tck) * t_c
            t_hs[k] = t_h
        return np.concatenate((np.stack(t_hs), t_c[None]))


def _lstm_layer(xp, h, c, whh_t, reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """(outputs (L, N, H), h_n, c_n) of one LSTM layer and direction (see :class:`LSTMLayerFused`)."""
    out = LSTMLayerFused.apply(xp, h, c, whh_t, reverse=reverse)
    steps = xp.shape[0]
    ys = out[:steps]
    return ys, out[0 if reverse else steps - 1], out[steps]


# ---- Elman RNN layer ----------------------------------------------------------------------------


def _rnn_act_slope(ys, nonlinearity: str):
    """act'(pre) from the outputs y = act(pre): 1 − y² for tanh, [y > 0] for relu (a constant)."""
    if nonlinearity == "tanh":
        return 1 - ys * ys
    data = ys.data if isinstance(ys, Tensor) else ys
    return (data > 0).astype(data.dtype)


def _rnn_run(xp, h, whh_t, nonlinearity: str, reverse: bool):
    """(h_in, h') of every step in time order: h'_k = act(xp_k + h_in[k] W_hhᵀ)."""
    steps = xp.shape[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    if any(isinstance(v, Tensor) for v in (xp, h, whh_t)):
        act = ac.tanh if nonlinearity == "tanh" else ac.relu
        h_in: list = [None] * steps
        outs: list = [None] * steps
        for k in order:
            h_in[k] = h
            h = outs[k] = act(xp[k] + h @ whh_t)
        return np.stack(h_in), np.stack(outs)
    dtype = np.result_type(xp, h, whh_t)
    whh_c = np.ascontiguousarray(whh_t, dtype)  # OpenBLAS is slower with a transposed view
    hs = np.empty((steps + 1, *xp.shape[1:]), dtype)  # every state, in time order
    hs[steps if reverse else 0] = h
    for k in order:
        y = hs[k if reverse else k + 1]
        backends.matmul(h, whh_c, out=y)
        y += xp[k]
        h = np.tanh(y, out=y) if nonlinearity == "tanh" else np.maximum(y, 0, out=y)
    ins, outs = (slice(1, None), slice(None, -1)) if reverse else (slice(None, -1), slice(1, None))
    return hs[ins], hs[outs].copy()


class RNNLayerFused(_SequenceStates, Op):
    """One Elman RNN layer over a whole sequence as one node: h'_k = act(xp_k + h_{k−1} W_hhᵀ).

    Inputs: ``xp`` (L, N, H) = x W_ihᵀ + b_ih + b_hh for every step, the initial state
    ``h`` (N, H) and ``whh_t`` = W_hhᵀ (H, H); ``nonlinearity`` is ``'tanh'`` or
    ``'relu'``. Output: h'_1 … h'_L. Backward: ∂pre_k = (ḡ_k + ∂pre_{k+1} W_hh) ⊙
    act'(pre_k), read off the outputs (1 − h'² or [h' > 0]); ∂xp_k = ∂pre_k and
    ∂W_hhᵀ = Σ_k h_{k−1}ᵀ ∂pre_k.
    """

    name = "rnn_layer"
    save_inputs = (0, 1, 2)

    def forward(self, xp, h, whh_t, nonlinearity="tanh", reverse=False):
        self.nonlinearity, self.reverse = nonlinearity, reverse
        self.ctx, ys = self._run(xp, h, whh_t)
        return ys

    def _run(self, xp, h, whh_t):
        h_in, ys = _rnn_run(xp, h, whh_t, self.nonlinearity, self.reverse)
        return (h_in, ys), ys

    def backward(self, grad, xp, h, whh_t):
        h_in, ys = self._states(xp, h, whh_t)
        steps = ys.shape[0]
        slopes = _rnn_act_slope(ys, self.nonlinearity)
        recording = isinstance(grad, Tensor) or isinstance(ys, Tensor)  # under create_graph
        d_xp = [None] * steps if recording else np.empty(ys.shape, ys.dtype)
        whh = whh_t.T if recording else np.ascontiguousarray(whh_t.T)
        d = None
        for k in range(steps) if self.reverse else range(steps - 1, -1, -1):  # backwards in time
            dh = grad[k] if d is None else grad[k] + backends.matmul(d, whh)
            if recording:
                d = d_xp[k] = dh * slopes[k]
            else:
                d = np.multiply(dh, slopes[k], out=d_xp[k])
        if recording:
            d_xp = np.stack(d_xp)
        needs = self.needs_grad
        d_h = backends.matmul(d, whh) if needs[1] else None
        return (d_xp if needs[0] else None), d_h, (fold_matmul_t(h_in, d_xp) if needs[2] else None)

    def jvp(self, tangents, xp, h, whh_t):
        h_in, ys = self._states(xp, h, whh_t)
        slopes = _rnn_act_slope(ys, self.nonlinearity)
        t_xp, t_h, t_whh = tangents
        steps = ys.shape[0]
        t_hs: list = [None] * steps
        for k in range(steps - 1, -1, -1) if self.reverse else range(steps):
            t_pre = tangent_sum(
                None if t_xp is None else t_xp[k],
                None if t_h is None else backends.matmul(t_h, whh_t),
                None if t_whh is None else backends.matmul(h_in[k], t_whh),
            )
            t_h = None if t_pre is None else t_pre * slopes[k]
            t_hs[k] = np.zeros(ys.shape[1:], ys.dtype) if t_h is None else t_h
        return np.stack(t_hs)


def _rnn_layer(xp, h, whh_t, nonlinearity: str, reverse: bool = False) -> Tensor:
    """The outputs (L, N, H) of one Elman RNN layer and direction (see :class:`RNNLayerFused`)."""
    return RNNLayerFused.apply(xp, h, whh_t, nonlinearity=nonlinearity, reverse=reverse)


# ---- GRU layer ----------------------------------------------------------------------------------


def _sigmoid_by_tanh(x):
    """σ(x) = ½ tanh(x/2) + ½: no overflow for large |x| (arrays or Tensors). Like the LSTM's
    gates it bottoms out at 0 where 1/(1 + e⁻ˣ) is tiny (float32: x < −17, σ < 4·10⁻⁸)."""
    return np.tanh(x * 0.5) * 0.5 + 0.5


def _gru_run(xp, h, whh_t, b_hh, reverse: bool):
    """The GRU over every time step: ((rz, n, gh_n, h_in), h' of every step), in time order.

    Per step k: gh = h W_hhᵀ + b_hh; [r, z] = σ(xp[k, :2H] + gh[:2H]);
    n = tanh(xp[k, 2H:] + r ⊙ gh_n) with gh_n = gh[2H:]; h' = n + z ⊙ (h − n).
    On arrays the steps write into preallocated arrays; on Tensors (a rule recomputing
    under ``create_graph``) the same steps are recorded and stacked.
    """
    steps = xp.shape[0]
    hidden = xp.shape[-1] // 3
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    if any(isinstance(v, Tensor) for v in (xp, h, whh_t, b_hh)):
        per_step: list = [None] * steps
        outs: list = [None] * steps
        for k in order:
            gh = h @ whh_t + b_hh
            rz = _sigmoid_by_tanh(xp[k][..., : 2 * hidden] + gh[..., : 2 * hidden])
            gh_n = gh[..., 2 * hidden :]
            n = np.tanh(xp[k][..., 2 * hidden :] + rz[..., :hidden] * gh_n)
            per_step[k] = (rz, n, gh_n, h)
            h = outs[k] = n + rz[..., hidden:] * (h - n)
        rz, n, gh_n, h_in = (np.stack(column) for column in zip(*per_step))
        return (rz, n, gh_n, h_in), np.stack(outs)
    dtype = np.result_type(xp, h, whh_t, b_hh)
    whh_c = np.ascontiguousarray(whh_t, dtype)  # OpenBLAS is slower with a transposed view
    rz = np.empty((*xp.shape[:-1], 2 * hidden), dtype)
    n, gh_n = (np.empty((*xp.shape[:-1], hidden), dtype) for _ in range(2))
    hs = np.empty((steps + 1, *xp.shape[1:-1], hidden), dtype)  # every state, in time order
    hs[steps if reverse else 0] = h
    for k in order:
        post = k if reverse else k + 1
        gh = backends.matmul(h, whh_c)
        gh += b_hh
        a = np.add(xp[k][..., : 2 * hidden], gh[..., : 2 * hidden], out=rz[k])
        a *= 0.5
        np.tanh(a, out=a)
        a *= 0.5
        a += 0.5
        gh_n[k] = gh[..., 2 * hidden :]
        nk = np.multiply(a[..., :hidden], gh_n[k], out=n[k])
        nk += xp[k][..., 2 * hidden :]
        np.tanh(nk, out=nk)
        h_new = np.subtract(h, nk, out=hs[post])
        h_new *= a[..., hidden:]
        h_new += nk
        h = h_new
    ins, outs = (slice(1, None), slice(None, -1)) if reverse else (slice(None, -1), slice(1, None))
    return (rz, n, gh_n, hs[ins]), hs[outs].copy()


class GRULayerFused(_SequenceStates, Op):
    """One GRU layer over a whole sequence as one node.

    Inputs: ``xp`` (L, N, 3H) = x W_ihᵀ + b_ih for every step; the initial state ``h``
    (N, H); ``whh_t`` = W_hhᵀ (H, 3H); ``b_hh`` (3H,) (zeros for a layer without bias).
    Output: h'_1 … h'_L, (L, N, H) (see :func:`_gru_run` for one step). ``reverse``
    runs the steps from L down to 1. For the gradient ḡ of h' at step k (plus what
    flows back from step k + 1)::

        ∂n_pre = ḡ (1 − z)(1 − n²),   ∂z_pre = ḡ (h − n) z (1 − z),
        ∂r_pre = ∂n_pre ⊙ gh_n ⊙ r (1 − r),
        ∂xp_k = [∂r_pre, ∂z_pre, ∂n_pre],   ∂gh_k = [∂r_pre, ∂z_pre, r ⊙ ∂n_pre],
        ∂h = ḡ z + ∂gh_k W_hh,

    and ∂W_hhᵀ = Σ_k h_{k−1}ᵀ ∂gh_k, ∂b_hh = Σ ∂gh_k after the loop.
    """

    name = "gru_layer"
    save_inputs = (0, 1, 2, 3)

    def forward(self, xp, h, whh_t, b_hh, reverse=False):
        self.reverse = reverse
        self.ctx, hs = self._run(xp, h, whh_t, b_hh)
        return hs

    def _run(self, xp, h, whh_t, b_hh):
        return _gru_run(xp, h, whh_t, b_hh, self.reverse)

    def backward(self, grad, xp, h, whh_t, b_hh):
        rz, n, gh_n, h_in = self._states(xp, h, whh_t, b_hh)
        steps, hidden = n.shape[0], n.shape[-1]
        recording = isinstance(grad, Tensor) or isinstance(rz, Tensor)  # under create_graph
        d_rz, d_n = rz * (1 - rz), 1 - n * n  # σ' and tanh' of every step at once
        if recording:
            d_xp, d_gh = [None] * steps, [None] * steps
        else:
            d_xp, d_gh = (
                np.empty((*n.shape[:-1], 3 * hidden), n.dtype),
                np.empty((*n.shape[:-1], 3 * hidden), n.dtype),
            )
        whh = whh_t.T if recording else np.ascontiguousarray(whh_t.T)
        dh_next = None
        for k in range(steps) if self.reverse else range(steps - 1, -1, -1):  # backwards in time
            r, z = rz[k][..., :hidden], rz[k][..., hidden:]
            dh = grad[k] if dh_next is None else grad[k] + dh_next
            dn_pre = dh * (1 - z) * d_n[k]
            dz_pre = dh * (h_in[k] - n[k]) * d_rz[k][..., hidden:]
            dr_pre = dn_pre * gh_n[k] * d_rz[k][..., :hidden]
            if recording:
                d_xp[k] = np.concatenate((dr_pre, dz_pre, dn_pre), axis=-1)
                dg = d_gh[k] = np.concatenate((dr_pre, dz_pre, dn_pre * r), axis=-1)
            else:
                dx, dg = d_xp[k], d_gh[k]
                dx[..., :hidden], dx[..., hidden : 2 * hidden], dx[..., 2 * hidden :] = dr_pre, dz_pre, dn_pre
                dg[..., : 2 * hidden] = dx[..., : 2 * hidden]
                np.multiply(dn_pre, r, out=dg[..., 2 * hidden :])
            dh_next = dh * z + backends.matmul(dg, whh)
        if recording:
            d_xp, d_gh = np.stack(d_xp), np.stack(d_gh)
        needs = self.needs_grad
        d_whh_t = fold_matmul_t(h_in, d_gh) if needs[2] else None
        d_bhh = d_gh.sum(axis=tuple(range(d_gh.ndim - 1))) if needs[3] else None
        return (d_xp if needs[0] else None), (dh_next if needs[1] else None), d_whh_t, d_bhh

    def jvp(self, tangents, xp, h, whh_t, b_hh):
        rz, n, gh_n, h_in = self._states(xp, h, whh_t, b_hh)
        steps, hidden = n.shape[0], n.shape[-1]
        d_rz, d_n = rz * (1 - rz), 1 - n * n
        t_xp, t_h, t_whh, t_bhh = tangents
        t_hs: list = [None] * steps
        for k in range(steps - 1, -1, -1) if self.reverse else range(steps):
            t_gh = tangent_sum(
                None if t_h is None else backends.matmul(t_h, whh_t),
                None if t_whh is None else backends.matmul(h_in[k], t_whh),
                t_bhh,
            )
            t_pre = tangent_sum(None if t_xp is None else t_xp[k], t_gh)  # of [r, z, ·] before σ
            if t_pre is None:  # nothing varies up to here: h' = h stays constant too
                continue
            t_pre = np.broadcast_to(t_pre, (*n.shape[1:-1], 3 * hidden))
            t_r = t_pre[..., :hidden] * d_rz[k][..., :hidden]
            t_z = t_pre[..., hidden : 2 * hidden] * d_rz[k][..., hidden:]
            t_n_pre = t_r * gh_n[k]
            if t_xp is not None:
                t_n_pre = t_n_pre + t_xp[k][..., 2 * hidden :]
            if t_gh is not None:
                t_n_pre = (
                    t_n_pre + rz[k][..., :hidden] * np.broadcast_to(t_gh, t_pre.shape)[..., 2 * hidden :]
                )
            t_n = t_n_pre * d_n[k]
            z = rz[k][..., hidden:]
            t_h_new = t_n + t_z * (h_in[k] - n[k]) - z * t_n
            t_h = t_h_new if t_h is None else t_h_new + z * t_h
            t_hs[k] = t_h
        zeros = None
        for k in range(steps):
            if t_hs[k] is None:
                zeros = np.zeros(n.shape[1:], n.dtype) if zeros is None else zeros
                t_hs[k] = zeros
        return np.stack(t_hs)


def _gru_layer(xp, h, whh_t, b_hh, reverse: bool = False) -> Tensor:
    """The outputs (L, N, H) of one GRU layer and direction (see :class:`GRULayerFused`)."""
    return GRULayerFused.apply(xp, h, whh_t, b_hh, reverse=reverse)


# ---- padding ------------------------------------------------------------------------------------

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the trailing axes of ``input``.

    ``pad`` lists (before, after) pairs starting from the **last** axis, PyTorch's
    order: ``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last
    two. Modes ``'constant'`` (``value``, default 0), ``'reflect'``, ``'replicate'``
    and ``'circular'``.

    >>> import autograd_core as ac
    >>> from autograd_core.nn import functional as F
    >>> F.pad(ac.ones((1, 2)), (1, 2)).tolist()
    [[0.0, 1.0, 1.0, 0.0, 0.0]]
    """
    input = _t(input)
    pad = tuple(int(p) for p in pad)
    nd = input.ndim
    if len(pad) % 2 or len(pad) // 2 > nd:
        raise ValueError(
            f"pad: pad must hold an even number of values, at most 2 per axis; got {pad} for input of shape {input.shape}"
        )
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {sorted(_PAD_MODES)}, got {mode!r}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(
            f"pad: value is only used with mode='constant', got value={value} with mode={mode!r}"
        )
    pairs = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        pairs[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-b, 0), input.shape[a] - max(-e, 0)) for a, (b, e) in enumerate(pairs))
    if any(b < 0 or e < 0 for b, e in pairs):
        if any(s.start >= s.stop for s in crop):
            raise ValueError(
                f"pad: negative padding {pad} removes every element of an axis of shape {input.shape}"
            )
        input = input[crop]
    pos = [(max(b, 0), max(e, 0)) for b, e in pairs]
    if not any(b or e for b, e in pos):
        return input if any(b or e for b, e in pairs) else ac.clone(input)
    if mode == "constant":
        return ac.pad(input, pos, mode="constant", constant_values=0 if value is None else value)
    for a, (b, e) in enumerate(pos):
        if mode == "reflect" and (b >= input.shape[a] or e >= input.shape[a]):
            raise ValueError(
                f"pad: reflect padding {(b, e)} must be smaller than the axis size {input.shape[a]} "
                f"(input shape {input.shape})"
            )
    return ac.pad(input, pos, mode=_PAD_MODES[mode])


# ---- attention ------------------------------------------------------------------------------------


def _dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * np.zeros(x.shape, x.dtype)
    keep = get_rng().random(x.shape) >= p
    return x * np.where(keep, 1.0 / (1.0 - p), 0.0).astype(x.dtype)


def _attention(
    query,
    key,
    value,
    allowed: np.ndarray | None,
    additive,
    dropout_p: float,
    is_causal: bool,
    scale: float | None,
    layer: str,
):
    """softmax(q kᵀ·scale + additive, masked to ``allowed``) v; returns (output, weights).

    A query row with no allowed key gets zero weights (instead of the NaN of 0/0).
    """
    q, k, v = _t(query), _t(key), _t(value)
    _attention_shape(q, k, v, layer)
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ ac.swapaxes(k, -1, -2)) * scale
    sshape = scores.shape
    if is_causal:
        causal = np.tril(np.ones((L, S), dtype=bool))
        allowed = causal if allowed is None else allowed & causal
    if additive is not None:
        scores = scores + additive
    dead = None
    if allowed is not None:
        allowed = np.broadcast_to(allowed, sshape)
        dead = ~allowed.any(axis=-1, keepdims=True)
        if dead.any():
            allowed = allowed | dead
        else:
            dead = None
        scores = ac.where(allowed, scores, -np.inf)
    weights = ac.softmax(scores, axis=-1)
    if dead is not None:
        weights = weights * ~dead
    weights = _dropout(weights, dropout_p)
    return weights @ v, weights


def _attention_shape(q, k, v, layer: str) -> tuple[int, ...]:
    """Check query (..., L, E), key (..., S, E), value (..., S, Ev); the weights' shape (..., L, S)."""
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ShapeError(
            f"{layer}: query, key and value need at least 2 dimensions (..., L, E), got shapes "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"{layer}: query (..., L, E), key (..., S, E) and value (..., S, Ev) disagree: shapes "
            f"{q.shape}, {k.shape}, {v.shape}"
        )
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"{layer}: the batch axes of query, key and value do not broadcast: shapes "
            f"{q.shape}, {k.shape}, {v.shape}"
        ) from None
    return batch + (q.shape[-2], k.shape[-2])


def _split_mask(attn_mask, sshape, dtype, layer: str, name: str = "attn_mask"):
    """A mask -> (allowed bool array or None, additive float tensor/array or None)."""
    if attn_mask is None:
        return None, None
    m = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    try:
        ok = np.broadcast_shapes(m.shape, sshape) == tuple(sshape)
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(
            f"{layer}: {name} of shape {m.shape} cannot be broadcast to the attention weights' "
            f"shape {tuple(sshape)} (..., L, S)"
        )
    if m.dtype == bool:
        return m, None
    if m.dtype.kind != "f":
        raise DTypeError(f"{layer}: {name} must be bool or floating point, got dtype {m.dtype}")
    neg = np.isneginf(m)
    if neg.any():  # -inf entries block keys; the rest add
        add = ac.where(~neg, attn_mask, 0.0) if isinstance(attn_mask, Tensor) else np.where(neg, 0.0, m)
        return ~neg, add
    return None, attn_mask if isinstance(attn_mask, Tensor) else m.astype(dtype, copy=False)


def scaled_dot_product_attention(
    query,
    key,
    value,
    attn_mask=None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(Q Kᵀ · scale + mask) V for query (..., L, E), key (..., S, E), value (..., S, Ev).

    ``scale`` defaults to 1/√E. ``attn_mask`` broadcasts to (..., L, S): a **bool** mask
    says which keys take part (True = attend, PyTorch's convention); a **float** mask
    is added to the scores (−∞ blocks). ``is_causal=True`` lets query i see keys
    j ≤ i (cannot be combined with ``attn_mask``, like PyTorch). ``dropout_p`` drops
    attention weights (always applied when positive, as in PyTorch's function).
    A query that may attend to no key gets a zero output instead of NaN.
    """
    if attn_mask is not None and is_causal:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got {dropout_p}")
    q, k = _t(query), _t(key)
    sshape = _attention_shape(q, k, _t(value), "scaled_dot_product_attention")
    allowed, additive = _split_mask(attn_mask, sshape, q.dtype, "scaled_dot_product_attention")
    out, _ = _attention(
        q, k, value, allowed, additive, dropout_p, is_causal, scale, "scaled_dot_product_attention"
    )
    return out
