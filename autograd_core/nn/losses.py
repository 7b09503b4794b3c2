"""Loss functions (``F.mse_loss`` …) and the loss modules of the same names (``nn.MSELoss`` …).

Every loss is a composition of differentiable ``ac`` operations, with PyTorch's
definitions, keywords and defaults. ``reduction`` is ``'mean'`` (default),
``'sum'`` or ``'none'`` (the per-element losses). Bad input raises before any
computation: a ``ValueError`` naming the loss and both shapes when input and
target do not match, a ``TypeError`` naming the loss and the dtype when class
indices are floats, a ``ValueError`` naming the valid range when a class index is
out of range.

Cross-entropy with class indices, for logits x of shape (N, C, d1, …), targets
y ∈ {0..C-1}, class weights w (default 1) and label smoothing ε::

    ℓ_n = -(1 - ε) w_{y_n} log softmax(x_n)_{y_n} - (ε / C) Σ_c w_c log softmax(x_n)_c

and ``'mean'`` divides the sum by Σ_n w_{y_n} over the targets that are not
``ignore_index`` (exactly PyTorch's convention).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ac

from ..errors import DTypeError, ShapeError
from ..function import Op
from ..ops.arithmetic import tangent_sum
from ..ops.reduction import LogSoftmax, Softmax, log_softmax_array
from ..tensor import Tensor, as_tensor
from .module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


# ---- shared checks ----------------------------------------------------------------------


def _check_reduction(reduction: str, name: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        options = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{name}: reduction must be one of {options}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return ac.mean(loss)
    if reduction == "sum":
        return ac.sum(loss)
    return loss


def _float_input(x: Any, name: str, what: str = "input") -> Tensor:
    t = x if isinstance(x, Tensor) else as_tensor(x)
    if t.dtype.kind != "f":
        raise DTypeError(f"{name}: {what} must have a floating dtype, got {t.dtype}")
    return t


def _pair(input: Any, target: Any, name: str) -> tuple[Tensor, Any]:
    """Float input and a target of the same shape and dtype (cast when it differs)."""
    input = _float_input(input, name)
    if not isinstance(target, Tensor):
        target = np.asarray(target)
    if target.dtype.kind not in "biuf":
        raise DTypeError(f"{name}: target must be numeric, got dtype {target.dtype}")
    if tuple(target.shape) != input.shape:
        raise ShapeError(
            f"{name}: input shape {input.shape} and target shape {tuple(target.shape)} differ; "
            "they must be equal (reshape one of them: a size-1 axis would broadcast silently)"
        )
    if target.dtype != input.dtype:
        target = ac.astype(target, input.dtype) if isinstance(target, Tensor) else target.astype(input.dtype)
    return input, target


def _class_weight(weight: Any, num_classes: int, dtype: np.dtype, name: str) -> Any:
    """Per-class weights as a (C,) array or Tensor of the input's dtype."""
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        weight = np.asarray(weight)
    if tuple(weight.shape) != (num_classes,):
        raise ShapeError(
            f"{name}: weight must have shape ({num_classes},), one entry per class, got {tuple(weight.shape)}"
        )
    if weight.dtype != dtype:
        weight = ac.astype(weight, dtype) if isinstance(weight, Tensor) else weight.astype(dtype)
    return weight


def _along_class_axis(v: Any, ndim: int) -> Any:
    """Reshape a (C,) vector to broadcast along axis 1 of an ndim-dimensional (N, C, ...) array."""
    shape = (1, -1) + (1,) * (ndim - 2)
    return v.reshape(shape)


def _class_targets(
    target: Any, input_shape: tuple, num_classes: int, ignore_index: int, name: str
) -> np.ndarray:
    """Validate integer class targets of shape (N, d1, ...) and return them as an array."""
    arr = target.data if isinstance(target, Tensor) else np.asarray(target)
    expected = (input_shape[0],) + tuple(input_shape[2:])
    if arr.dtype.kind not in "iu":
        raise DTypeError(
            f"{name}: class-index targets must have an integer dtype, got {arr.dtype} "
            f"(target shape {arr.shape}, input shape {input_shape}); convert them with "
            ".astype(np.int64)"
            + (", or pass class probabilities of the input's shape" if name == "cross_entropy" else "")
        )
    if arr.shape != expected:
        detail = ""
        if arr.ndim >= 1 and arr.shape[0] != input_shape[0]:
            detail = f" (batch sizes {input_shape[0]} and {arr.shape[0]} differ)"
        raise ShapeError(
            f"{name}: input shape {input_shape} needs a target of shape {expected}, "
            f"got target shape {arr.shape}{detail}"
        )
    if arr.size == 0 or (arr.min() >= 0 and arr.max() < num_classes):
        return arr  # (the usual case, in two reductions)
    valid = arr != ignore_index
    bad = valid & ((arr < 0) | (arr >= num_classes))
    if bad.any():
        wrong = np.unique(arr[bad])
        shown = ", ".join(str(int(v)) for v in wrong[:5]) + (", ..." if wrong.size > 5 else "")
        raise ValueError(
            f"{name}: target class indices must be in [0, {num_classes - 1}] for C={num_classes} "
            f"classes (or equal ignore_index={ignore_index}); got {shown}"
        )
    return arr


def _nll_terms(logp: Tensor, t: np.ndarray, weight: Any, ignore_index: int):
    """Per-element -w_y log p_y (0 where ignored), the valid mask, and Σ w_y over valid targets."""
    num_classes = logp.shape[1]
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    classes = _along_class_axis(np.arange(num_classes), logp.ndim)
    mask = ((np.expand_dims(safe, 1) == classes) & np.expand_dims(valid, 1)).astype(logp.dtype)
    if weight is None:
        coeff = mask
        total = float(valid.sum())
    else:
        coeff = mask * _along_class_axis(weight, logp.ndim)
        total = ac.sum(coeff) if isinstance(coeff, Tensor) else float(coeff.sum())
    picked = -ac.sum(logp * coeff, axis=1)
    return picked, valid, total


def _batched(input: Tensor, target: Any, name: str, prob_ok: bool) -> tuple[Tensor, Any, bool]:
    """Give unbatched (C,) inputs a batch axis of 1; returns (input, target, was_unbatched)."""
    if input.ndim == 0:
        raise ShapeError(f"{name}: input must have shape (C,), (N, C) or (N, C, d1, ...), got a scalar")
    if input.ndim != 1:
        return input, target, False
    tshape = tuple(np.shape(target))
    if prob_ok and tshape == input.shape:
        target = target.reshape((1, -1))
    elif tshape == ():
        target = target.reshape((1,))
    else:
        raise ShapeError(
            f"{name}: an unbatched input of shape {input.shape} needs a scalar class index "
            f"target, got target shape {tshape}"
        )
    return input.reshape((1, -1)), target, True


# ---- regression losses --------------------------------------------------------------------


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (x - y)², reduced.

    Input and target must have the same shape.
    """
    _check_reduction(reduction, "mse_loss")
    input, target = _pair(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error |x - y|, reduced (its subgradient at 0 is 0)."""
    _check_reduction(reduction, "l1_loss")
    input, target = _pair(input, target, "l1_loss")
    return _reduce(ac.abs(input - target), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: ½d² where |d| < δ, else δ(|d| - ½δ), with d = x - y."""
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input, target = _pair(input, target, "huber_loss")
    d = input - target
    ad = ac.abs(d)
    quadratic = ad.data < delta
    return _reduce(ac.where(quadratic, 0.5 * (d * d), delta * (ad - 0.5 * delta)), reduction)


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1: ½d²/β where |d| < β, else |d| - ½β (plain L1 when β = 0).

    Equals ``huber_loss(delta=β) / β``.
    """
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = _pair(input, target, "smooth_l1_loss")
    d = input - target
    ad = ac.abs(d)
    if beta == 0:
        return _reduce(ad, reduction)
    quadratic = ad.data < beta
    return _reduce(ac.where(quadratic, (0.5 / beta) * (d * d), ad - 0.5 * beta), reduction)


# ---- classification losses ------------------------------------------------------------------


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Parameters
    ----------
    input : Tensor
        Unnormalised logits of shape (N, C), (N, C, d1, ...) or (C,).
    target : Tensor or array
        Integer class indices of shape (N,), (N, d1, ...) or () — or class
        probabilities (a float tensor of the input's shape).
    weight : array or Tensor of shape (C,), optional
        Per-class rescaling weights.
    ignore_index : int
        Class-index targets equal to it contribute nothing (and do not count in the mean).
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float in [0, 1]
        Mixes the target with the uniform distribution: (1 - ε)·target + ε/C.

    Plain class indices on (N, C) logits (no ``weight``, no smoothing) are one
    :class:`ClassIndexCrossEntropy` node: -log softmax(x)[y], gradient softmax(x)
    minus 1 at the targets. Every other case becomes one weight per class q
    (one-hot or probabilities, smoothed and weighted) and one
    :class:`SoftmaxCrossEntropy` node computes -Σ_c q_c log softmax(x)_c. Both use a
    stable log-softmax, so the loss is finite for logits of any magnitude. With
    probability targets ``'mean'`` averages over the N·d1·… positions.
    """
    name = "cross_entropy"
    _check_reduction(reduction, name)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    input = _float_input(input, name)
    if not isinstance(target, Tensor):
        target = np.asarray(target)
    input, target, unbatched = _batched(input, target, name, prob_ok=True)
    num_classes = input.shape[1]
    weight = _class_weight(weight, num_classes, input.dtype, name)
    eps = label_smoothing

    if target.dtype.kind == "f" and tuple(target.shape) == input.shape:
        # class probabilities: q = ((1 - ε) p + ε/C) w, 'mean' over the N·d1·… positions
        if target.dtype != input.dtype:
            target = (
                ac.astype(target, input.dtype) if isinstance(target, Tensor) else target.astype(input.dtype)
            )
        q = target * (1 - eps) + eps / num_classes if eps > 0 else target
        if weight is not None:
            q = q * _along_class_axis(weight, input.ndim)
        if reduction == "none":
            loss = SoftmaxCrossEntropy.apply(input, q)
            return loss.reshape(()) if unbatched else loss
        positions = input.size // num_classes
        scale = 1.0 / positions if reduction == "mean" and positions else 1.0
        return SoftmaxCrossEntropy.apply(input, q, reduction="sum", scale=scale)

    t = _class_targets(target, input.shape, num_classes, ignore_index, name)
    valid = t != ignore_index
    if weight is None and eps == 0 and input.ndim == 2:
        # plain class indices (the common case): no one-hot target to build
        if valid.all():
            mask, total = None, t.size
        else:
            mask, total = valid.astype(input.dtype), int(valid.sum())
            t = np.where(valid, t, 0)  # any class: the row is masked out
        if reduction == "none":
            loss = ClassIndexCrossEntropy.apply(input, t, mask=mask)
            return loss.reshape(()) if unbatched else loss
        scale = 1.0 if reduction == "sum" else (1.0 / total if total else float("nan"))
        return ClassIndexCrossEntropy.apply(input, t, mask=mask, reduction="sum", scale=scale)

    # class indices: q = [(1 - ε) w_y onehot(y) + (ε/C) w] for valid targets, 0 for ignored
    # ones; 'mean' divides by Σ w_y over the valid targets
    classes = _along_class_axis(np.arange(num_classes), input.ndim)
    hot = t if valid.all() else np.where(valid, t, -1)  # -1: no class
    q = (hot.reshape(hot.shape[:1] + (1,) + hot.shape[1:]) == classes).astype(input.dtype)
    if weight is None:
        total = valid.sum()
    else:
        q = q * _along_class_axis(weight, input.ndim)
        total = ac.sum(q) if isinstance(q, Tensor) else q.sum()
    if eps > 0:
        uniform = np.expand_dims(valid, 1).astype(input.dtype) * (eps / num_classes)
        if weight is not None:
            uniform = uniform * _along_class_axis(weight, input.ndim)
        q = q * (1 - eps) + uniform
    if reduction == "none":
        loss = SoftmaxCrossEntropy.apply(input, q)
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum" or isinstance(total, Tensor):
        loss = SoftmaxCrossEntropy.apply(input, q, reduction="sum")
        return loss if reduction == "sum" else loss / total
    scale = 1.0 / float(total) if total else float("nan")  # all ignored: 0 / 0 = nan, like PyTorch
    return SoftmaxCrossEntropy.apply(input, q, reduction="sum", scale=scale)


class SoftmaxCrossEntropy(Op):
    """ℓ = -Σ_c q_c log softmax(z)_c along axis 1: logits z against target weights q, one node.

    With s = Σ_c q_c (1 for a distribution, w_y for a weighted one-hot target)::

        ∂ℓ/∂z = s · softmax(z) - q,    ∂ℓ/∂q = -log softmax(z)

    ``reduction='sum'`` returns ``scale · Σ ℓ`` over all positions instead of ℓ.
    Both rules are written with library ops, so double backward works.
    """

    name = "cross_entropy"
    save_inputs = (0, 1)

    def forward(self, z, q, reduction="none", scale=1.0):
        log_p = log_softmax_array(z, (1,))
        # log softmax(z) again in an array backward (NumPy's per-row max is the slow
        # part); under create_graph the rule recomputes it from the Tensor z instead.
        self.ctx = (reduction, scale, log_p)
        loss = -(q * log_p).sum(axis=1)
        if reduction == "none":
            return loss
        return loss.sum() * scale if scale != 1.0 else loss.sum()

    def backward(self, grad, z, q):
        reduction, scale, log_p = self.ctx
        if isinstance(z, Tensor):
            log_p = LogSoftmax.fn(z, axis=1)
        g = np.expand_dims(grad, 1) if reduction == "none" else grad * scale
        gz = None
        if self.needs_grad[0]:
            gz = g * (q.sum(axis=1, keepdims=True) * np.exp(log_p) - q)
        gq = -g * log_p if self.needs_grad[1] else None
        return gz, gq

    def jvp(self, tangents, z, q):
        reduction, scale, _ = self.ctx
        tz, tq = tangents
        t = tangent_sum(
            None
            if tz is None
            else np.sum((np.sum(q, axis=1, keepdims=True) * Softmax.fn(z, axis=1) - q) * tz, axis=1),
            None if tq is None else -np.sum(LogSoftmax.fn(z, axis=1) * tq, axis=1),
        )
        return t if reduction == "none" else np.sum(t) * scale


class ClassIndexCrossEntropy(Op):
    """ℓ_n = -log softmax(z_n)_{y_n} for logits z of shape (N, C) and class indices y, one node.

    The unweighted, unsmoothed case of :class:`SoftmaxCrossEntropy` without the (N, C)
    one-hot target: the rule subtracts 1 at the target entries instead. Rows whose
    ``mask`` entry is 0 (ignored targets) contribute 0::

        ∂ℓ_n/∂z_n = mask_n · (softmax(z_n) - onehot(y_n))

    ``reduction='sum'`` returns ``scale · Σ ℓ`` instead of ℓ. Under ``create_graph`` the
    rule is built from library ops, so double backward works.
    """

    name = "cross_entropy"
    save_inputs = (0, 1)

    def forward(self, z, target, mask=None, reduction="none", scale=1.0):
        log_p = log_softmax_array(z, (1,))
        rows = np.arange(target.shape[0])
        self.ctx = (rows, mask, reduction, scale, log_p)  # log_p: the array backward's softmax
        loss = -log_p[rows, target]
        if mask is not None:
            loss = np.where(mask != 0, loss, 0)  # (not loss * mask: an ignored -inf would give nan)
        if reduction == "none":
            return loss
        return loss.sum() * scale if scale != 1.0 else loss.sum()

    def _softmax_minus_onehot(self, z, target, rows, log_p):
        if isinstance(z, Tensor):  # create_graph: the softmax as recorded ops
            onehot = (target[:, None] == np.arange(z.shape[1])).astype(z.dtype)
            return Softmax.fn(z, axis=1) - onehot
        d = np.exp(log_p)
        d[rows, target] -= 1
        return d

    def backward(self, grad, z, target):
        rows, mask, reduction, scale, log_p = self.ctx
        d = self._softmax_minus_onehot(z, target, rows, log_p)
        if mask is not None:
            d = d * mask[:, None]
        g = grad[:, None] if reduction == "none" else grad * scale
        return g * d, None

    def jvp(self, tangents, z, target):
        rows, mask, reduction, scale, log_p = self.ctx
        tz = tangents[0]
        t = (self._softmax_minus_onehot(z, target, rows, log_p) * tz).sum(axis=1)
        if mask is not None:
            t = t * mask
        return t if reduction == "none" else t.sum() * scale


def nll_loss(
    input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood -w_y · input_y for log-probabilities ``input`` (N, C, …) or (C,).

    ``'mean'`` divides by Σ w_y over targets that are not ``ignore_index``.
    ``cross_entropy(x, y) == nll_loss(log_softmax(x, 1), y)``.
    """
    name = "nll_loss"
    _check_reduction(reduction, name)
    input = _float_input(input, name)
    if not isinstance(target, Tensor):
        target = np.asarray(target)
    input, target, unbatched = _batched(input, target, name, prob_ok=False)
    num_classes = input.shape[1]
    weight = _class_weight(weight, num_classes, input.dtype, name)
    t = _class_targets(target, input.shape, num_classes, ignore_index, name)
    nll, _, total = _nll_terms(input, t, weight, ignore_index)
    if reduction == "none":
        return nll.reshape(()) if unbatched else nll
    loss = ac.sum(nll)
    return loss / total if reduction == "mean" else loss


def _clamped_log(x: Tensor) -> Tensor:
    """log(x) clamped below at -100 (PyTorch's BCE convention), finite gradient at x = 0."""
    pos = x.data > 0
    return ac.maximum(ac.where(pos, ac.log(ac.where(pos, x, 1.0)), -100.0), -100.0)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """-w [y log x + (1 - y) log(1 - x)] for probabilities x in [0, 1].

    Each log is clamped at -100, like PyTorch, so x = 0 or 1 gives a finite loss
    and gradient. Where a log is clamped the gradient is that of the clamped
    function, 0 (PyTorch returns (x - y)/1e-12 there); elsewhere both agree. For
    logits use :func:`binary_cross_entropy_with_logits`.
    """
    name = "binary_cross_entropy"
    _check_reduction(reduction, name)
    input, target = _pair(input, target, name)
    x = input.data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise ValueError(
            f"{name}: input values must be probabilities in [0, 1], got min {np.nanmin(x):.6g}, "
            f"max {np.nanmax(x):.6g}; use binary_cross_entropy_with_logits for logits"
        )
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        loss = loss * _broadcastable(weight, input, name, "weight")
    return _reduce(loss, reduction)


def _broadcastable(w: Any, input: Tensor, name: str, what: str) -> Any:
    if not isinstance(w, Tensor):
        w = np.asarray(w)
    try:
        shape = np.broadcast_shapes(tuple(w.shape), input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ShapeError(
            f"{name}: {what} of shape {tuple(w.shape)} does not broadcast to the input's shape {input.shape}"
        )
    if w.dtype != input.dtype:
        w = ac.astype(w, input.dtype) if isinstance(w, Tensor) else w.astype(input.dtype)
    return w


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy on logits x: -w [p·y log σ(x) + (1 - y) log(1 - σ(x))].

    Computed in the stable form (1 - y)·x + (1 + (p - 1)·y)·softplus(-x), finite
    for logits of any magnitude. ``pos_weight`` p (broadcast along the last axis,
    one entry per class) weights the positive examples.
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, name)
    input, target = _pair(input, target, name)
    sp = ac.softplus(-input)  # -log σ(x)
    if pos_weight is None:
        loss = (1 - target) * input + sp
    else:
        p = _broadcastable(pos_weight, input, name, "pos_weight")
        loss = (1 - target) * input + (1 + (p - 1) * target) * sp
    if weight is not None:
        loss = loss * _broadcastable(weight, input, name, "weight")
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback–Leibler divergence with ``input`` = log q and target p (or log p).

    Pointwise p (log p - input), with 0 where p = 0; with ``log_target=True``,
    e^t (t - input). ``reduction='batchmean'`` divides the sum by the batch size
    (the true KL divergence per example); ``'mean'`` averages over all elements,
    like PyTorch.
    """
    name = "kl_div"
    _check_reduction(reduction, name, ("mean", "batchmean", "sum", "none"))
    input, target = _pair(input, target, name)
    if log_target:
        loss = ac.exp(target) * (target - input)
    else:
        tdata = target.data if isinstance(target, Tensor) else target
        pos = tdata > 0
        xlogx = ac.where(pos, target * ac.log(ac.where(pos, target, 1.0)), 0.0)
        loss = xlogx - target * input
    if reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return ac.sum(loss) / batch
    return _reduce(loss, reduction)


# ---- modules ------------------------------------------------------------------------------------


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else _as_buffer(weight))


def _as_buffer(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(np.asarray(x))


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Module form of :func:`huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Module form of :func:`smooth_l1_loss`."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Module form of :func:`cross_entropy`; ``weight`` is a buffer (in the state dict when given)."""

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Module form of :func:`nll_loss`."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class BCELoss(_WeightedLoss):
    """Module form of :func:`binary_cross_entropy`."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`; ``weight`` and ``pos_weight`` are buffers."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else _as_buffer(weight))
        self.register_buffer("pos_weight", None if pos_weight is None else _as_buffer(pos_weight))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class KLDivLoss(_Loss):
    """Module form of :func:`kl_div`."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
