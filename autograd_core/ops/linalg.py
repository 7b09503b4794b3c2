"""Linear algebra: matmul (all NumPy cases), einsum, and products built on them (dot, outer, tensordot)."""

from __future__ import annotations

import math
import string

import numpy as np

from .. import backends
from ..errors import DTypeError, ShapeError
from ..function import Op
from ..tensor import Tensor, as_operand
from ._registry import public
from .arithmetic import multiply, tangent_sum
from .shape import _operand, broadcast_to, reshape


def _check_matmul(a_shape, b_shape) -> None:
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise ShapeError(
            f"matmul: operands must have at least one dimension, got shapes {a_shape} and {b_shape}"
        )
    ka, kb = a_shape[-1], b_shape[-2] if len(b_shape) >= 2 else b_shape[0]
    if ka != kb:
        dim_b = len(b_shape) - 2 if len(b_shape) >= 2 else 0
        raise ShapeError(
            f"matmul: shapes {a_shape} and {b_shape} are not aligned: "
            f"{ka} (dim {len(a_shape) - 1}) != {kb} (dim {dim_b})"
        )
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ShapeError(
            f"matmul: batch dimensions of shapes {a_shape} and {b_shape} cannot be broadcast together"
        ) from None


def fold_matmul(a, b):
    """``a @ b`` for a matrix ``b`` and an ``a`` of any rank ≥ 2, with a's leading axes folded
    into its rows: one (M, k) @ (k, n) product instead of the loop over leading axes that
    NumPy's matmul runs (1.3–1.8x slower for (20, 32, 32) @ (32, 256) and
    (8, 128, 512) @ (512, 512) at one OpenBLAS thread). Arrays or Tensors; array products go
    through :func:`autograd_core.backends.matmul` (MKL when it is enabled)."""
    if a.ndim <= 2:
        return backends.matmul(a, b)
    return backends.matmul(a.reshape(_rows(a), a.shape[-1]), b).reshape(*a.shape[:-1], b.shape[-1])


def fold_matmul_t(a, g):
    """``Σ_batch aᵀ @ g`` for ``a`` (…, m, k) and ``g`` (…, m, n) of one shape up to the last
    axis: the gradient of a matrix ``b`` in ``a @ b``, as one (k, M) @ (M, n) product
    (1-D operands count as one row)."""
    if a.ndim == 2:
        return backends.matmul(a.T, g)
    return backends.matmul(a.reshape(_rows(a), a.shape[-1]).T, g.reshape(_rows(g), g.shape[-1]))


def _rows(a) -> int:
    """The number of rows when all but the last axis fold into one (-1 cannot say it when
    the last axis is empty)."""
    return math.prod(a.shape[:-1])


class Matmul(Op):
    """``a @ b``; d/da = g @ bᵀ, d/db = aᵀ @ g (1-D operands promoted, then squeezed).

    A matrix ``b`` times a stack ``a`` (…, m, k) is one folded matrix product (see
    :func:`fold_matmul`), forward and backward.
    """

    name = "matmul"
    save_inputs = (0, 1)

    def forward(self, a, b):
        if b.ndim == 2 and a.ndim > 2:
            return fold_matmul(a, b)
        return backends.matmul(a, b)

    def backward(self, grad, a, b):
        a_nd, b_nd = a.ndim, b.ndim
        if b_nd == 2 and a_nd > 2:
            ga = fold_matmul(grad, b.T) if self.needs_grad[0] else None
            return ga, (fold_matmul_t(a, grad) if self.needs_grad[1] else None)
        if a_nd == 1 and b_nd == 1:
            return grad * b, grad * a
        if a_nd == 1:  # (k,) @ (..., k, n) -> (..., n)
            g = np.expand_dims(grad, -2)  # (..., 1, n)
            ga = np.matmul(g, np.swapaxes(b, -1, -2)) if self.needs_grad[0] else None
            gb = np.matmul(np.expand_dims(a, -1), g) if self.needs_grad[1] else None
            return ga, gb
        if b_nd == 1:  # (..., m, k) @ (k,) -> (..., m)
            g = np.expand_dims(grad, -1)  # (..., m, 1)
            ga = np.matmul(g, np.expand_dims(b, -2)) if self.needs_grad[0] else None
            gb = np.squeeze(np.matmul(np.swapaxes(a, -1, -2), g), -1) if self.needs_grad[1] else None
            return ga, gb
        ga = backends.matmul(grad, np.swapaxes(b, -1, -2)) if self.needs_grad[0] else None
        gb = backends.matmul(np.swapaxes(a, -1, -2), grad) if self.needs_grad[1] else None
        return ga, gb

    def jvp(self, tangents, a, b):
        # bilinear: d(a @ b) = da @ b + a @ db, the same 1-D promotion rules as the forward
        ta, tb = tangents
        product = fold_matmul if b.ndim == 2 else backends.matmul
        return tangent_sum(None if ta is None else product(ta, b), None if tb is None else product(a, tb))


@public(method=True, ufunc=np.matmul)
def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D operands are promoted, batch dims broadcast.

    Raises ``ShapeError`` (a ``ValueError``) naming both shapes when the inner
    dimensions differ.
    """
    a, b = as_operand(a), as_operand(b)
    a_shape, b_shape = np.shape(a), np.shape(b)
    _check_matmul(a_shape, b_shape)
    for x in (a, b):
        if getattr(x, "dtype", np.dtype(float)).kind not in "biuf":
            raise DTypeError(f"matmul: unsupported dtype {x.dtype}")
    return Matmul.apply(a, b)


Tensor.__matmul__ = lambda self, other: matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)


# ---- einsum, and the products written with it -------------------------------------------
#
# ``einsum`` first rewrites its subscripts into a normal form in which every operand's
# letters are distinct: '...' becomes fresh letters, size-1 axes are broadcast
# explicitly (a recorded ``broadcast_to``, whose gradient sums), and a letter
# repeated within one operand ('ii->i') gets a fresh letter per extra occurrence
# plus a constant identity operand tying the two together ('ia,ia->i' with ``eye``).
# In that form the gradient of operand i is one einsum of the upstream gradient
# with the other operands, broadcast over the letters only operand i had, so the
# backward pass is itself an einsum and every order of derivative works.

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's sublist order


class Einsum(Op):
    """``np.einsum`` in normal form: ``ins`` (one letter string per operand) -> ``out``."""

    name = "einsum"

    def forward(self, *operands, ins, out):
        self.save_inputs = tuple(range(len(operands)))
        self.ctx = (ins, out)
        big = max((np.size(o) for o in operands), default=0) >= 4096
        return np.einsum(f"{','.join(ins)}->{out}", *operands, optimize=len(operands) > 2 or big)

    def backward(self, grad, *ops):
        ins, out = self.ctx
        grads = []
        for i, term in enumerate(ins):
            if not self.needs_grad[i]:
                grads.append(None)
                continue
            others = [j for j in range(len(ins)) if j != i]
            present = set(out).union(*(ins[j] for j in others))
            kept = "".join(c for c in term if c in present)
            g = Einsum.fn(grad, *(ops[j] for j in others), ins=(out, *(ins[j] for j in others)), out=kept)
            if kept != term:  # letters that only operand i had were summed: broadcast back
                shape = np.shape(ops[i])
                g = g.reshape(tuple(n if c in present else 1 for n, c in zip(shape, term)))
                g = np.broadcast_to(g, shape)
            grads.append(g)
        # one operand: a bare gradient (a 1-tuple would be turned into an array, dropping the graph)
        return grads[0] if len(grads) == 1 else tuple(grads)

    def jvp(self, tangents, *ops):
        # multilinear: the sum over operands of the einsum with that operand replaced by its tangent
        ins, out = self.ctx
        if not isinstance(tangents, tuple):  # one operand
            tangents = (tangents,)
        terms = []
        for i, t in enumerate(tangents):
            if t is not None:
                terms.append(Einsum.fn(*ops[:i], t, *ops[i + 1 :], ins=ins, out=out))
        return tangent_sum(*terms)


def _einsum_error(msg: str) -> ShapeError:
    return ShapeError(f"einsum: {msg}")


def _split_ellipsis(term: str, where: str) -> tuple[str, str] | None:
    if "..." not in term:
        if "." in term:
            raise _einsum_error(f"invalid subscript {term!r} in {where}: '.' only as '...'")
        return None
    head, _, tail = term.partition("...")
    if "." in head or "." in tail:
        raise _einsum_error(f"subscript {term!r} in {where} has more than one '...'")
    return head, tail


def _normalise(subscripts: str, shapes: list[tuple[int, ...]]):
    """Letters per operand (ellipsis expanded) and of the output, plus unused letters."""
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    if "->" in rhs or "-" in lhs or ">" in lhs:
        raise _einsum_error(f"invalid subscripts {subscripts!r}")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise _einsum_error(
            f"subscripts {subscripts!r} name {len(terms)} operand(s) but {len(shapes)} operand(s) were given"
        )
    for c in spec:
        if c not in _LETTERS and c not in ".,->":
            raise _einsum_error(f"invalid character {c!r} in subscripts {subscripts!r}")
    fresh = [c for c in _LETTERS if c not in spec]
    parts = []
    n_ell = 0
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        split = _split_ellipsis(term, f"operand {i}")
        named = len(term) if split is None else len(term) - 3
        if (split is None and named != len(shape)) or named > len(shape):
            raise _einsum_error(
                f"operand {i} has shape {shape} ({len(shape)} dims) but its subscripts "
                f"{term!r} name {named}" + ("" if split is None else " plus '...'")
            )
        parts.append((split, len(shape) - named))
        if split is not None:
            n_ell = max(n_ell, len(shape) - named)
    if n_ell > len(fresh):
        raise _einsum_error(f"too many dimensions for the {len(_LETTERS)} index letters")
    ell = "".join(fresh[:n_ell])
    del fresh[:n_ell]
    ins = []
    for term, (split, n) in zip(terms, parts):
        ins.append(term if split is None else split[0] + ell[n_ell - n :] + split[1])
    if not arrow:
        letters = lhs.replace(",", "").replace(".", "")
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    else:
        split = _split_ellipsis(rhs, "the output")
        if split is None:
            if n_ell:
                raise _einsum_error(
                    f"operands have dimensions covered by '...' but the output {rhs!r} has no '...'"
                )
            out = rhs
        else:
            out = split[0] + ell + split[1]
        for c in set(out):
            if out.count(c) > 1:
                raise _einsum_error(f"output subscript {c!r} appears more than once in {subscripts!r}")
            if not any(c in t for t in ins):
                raise _einsum_error(
                    f"output subscript {c!r} does not appear in any operand of {subscripts!r}"
                )
    return ins, out, fresh


def _from_sublists(args):
    """NumPy's interleaved form ``einsum(op0, sub0, op1, sub1, ..., [sub_out])``."""

    def letters(sub):
        chars = []
        for s in sub:
            if s is Ellipsis:
                chars.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LETTERS):
                chars.append(_LETTERS[s])
            else:
                raise _einsum_error(f"sublist entries must be ints in [0, {len(_LETTERS)}) or ..., got {s!r}")
        return "".join(chars)

    operands = list(args[0::2][: len(args) // 2])
    terms = [letters(s) for s in args[1::2][: len(args) // 2]]
    spec = ",".join(terms)
    if len(args) % 2:
        spec += "->" + letters(args[-1])
    return spec, operands


@public(function=np.einsum)
def einsum(subscripts, *operands, optimize=None) -> Tensor:
    """Einstein summation, like ``np.einsum``: ``ac.einsum('ij,jk->ik', a, b)``.

    Supports explicit (``'->'``) and implicit output, ``'...'`` with broadcasting,
    size-1 axes broadcast against other operands, repeated letters within one
    operand (diagonals and traces such as ``'ii->i'``, ``'ii'``) and NumPy's
    interleaved sublist form. ``optimize`` is accepted for NumPy compatibility;
    the contraction order is chosen internally.

    For operand :math:`i` the gradient is the einsum of the upstream gradient with
    the other operands, :math:`\\partial L/\\partial A_i = \\mathrm{einsum}(
    \\text{out}, \\text{others} \\to \\text{in}_i)`, broadcast along the letters
    only :math:`A_i` carries.

    >>> import autograd_core as ac
    >>> a = ac.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> ac.einsum('ii', a).backward()
    >>> a.grad.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts, *operands))
    operands = [as_operand(o) for o in operands]
    for i, o in enumerate(operands):
        if np.result_type(o).kind not in "biuf":
            raise DTypeError(f"einsum: operand {i} has unsupported dtype {np.result_type(o)}")
    shapes = [np.shape(o) for o in operands]
    ins, out, fresh = _normalise(subscripts, shapes)
    sizes: dict[str, int] = {}
    for i, (term, shape) in enumerate(zip(ins, shapes)):
        for c, n in zip(term, shape):
            have = sizes.get(c, 1)
            if n != 1 and have != 1 and n != have:
                raise _einsum_error(
                    f"index {c!r} has size {have} in one place but {n} in operand {i} "
                    f"(shapes {', '.join(str(s) for s in shapes)}, subscripts {subscripts!r})"
                )
            if n != 1 or c not in sizes:
                sizes[c] = n
    dtype = np.result_type(*operands) if operands else np.dtype(float)
    new_ins, extra, extra_ins = [], [], []
    for i, (term, shape) in enumerate(zip(ins, shapes)):
        full = tuple(sizes[c] for c in term)
        if full != shape:
            operands[i] = broadcast_to(operands[i], full)
        distinct = ""
        for c in term:
            if c in distinct:
                if not fresh:
                    raise _einsum_error(f"too many distinct indices in {subscripts!r}")
                f = fresh.pop(0)
                extra.append(np.eye(sizes[c], dtype=dtype))
                extra_ins.append(c + f)
                c = f
            distinct += c
        new_ins.append(distinct)
    return Einsum.apply(*operands, *extra, ins=tuple(new_ins + extra_ins), out=out)


@public(method=True, function=np.dot)
def dot(a, b) -> Tensor:
    """``np.dot``: scalars multiply, 1-D/2-D operands use ``matmul``, and for N-D
    operands ``dot(a, b)[i, j, k, m] = sum(a[i, j, :] * b[k, :, m])`` (last axis of
    ``a`` against the second-to-last of ``b``)."""
    a, b = _operand(a), _operand(b)
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        return multiply(a, b)
    ka, kb = sa[-1], sb[-2] if len(sb) >= 2 else sb[0]
    if ka != kb:
        raise ShapeError(
            f"dot: shapes {sa} and {sb} not aligned: {ka} (dim {len(sa) - 1}) != {kb} "
            f"(dim {max(len(sb) - 2, 0)})"
        )
    if len(sa) == 1 or len(sb) <= 2:
        return matmul(a, b)
    la, lb = _LETTERS[: len(sa) - 1], _LETTERS[len(sa) - 1 : len(sa) + len(sb) - 2]
    k = _LETTERS[len(sa) + len(sb) - 2]
    return einsum(f"{la}{k},{lb[:-1]}{k}{lb[-1]}->{la}{lb}", a, b)


@public(function=np.outer)
def outer(a, b) -> Tensor:
    """Outer product of the flattened inputs: ``outer(a, b)[i, j] = a.ravel()[i] * b.ravel()[j]``."""
    return multiply(reshape(_operand(a), (-1, 1)), reshape(_operand(b), (1, -1)))


@public(function=np.tensordot)
def tensordot(a, b, axes=2) -> Tensor:
    """``np.tensordot``: sum products over the last ``axes`` axes of ``a`` and the first of
    ``b``, or over the axis lists ``axes = (a_axes, b_axes)``."""
    a, b = _operand(a), _operand(b)
    sa, sb = np.shape(a), np.shape(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(len(sa), len(sb)):
            raise ShapeError(f"tensordot: cannot contract {n} axes of shapes {sa} and {sb}")
        ax_a, ax_b = list(range(len(sa) - n, len(sa))), list(range(n))
    else:
        ax_a, ax_b = ([x] if isinstance(x, (int, np.integer)) else list(x) for x in axes)
        if len(ax_a) != len(ax_b):
            raise ShapeError(f"tensordot: axes {axes!r} name different numbers of axes for a and b")
        try:
            ax_a = [range(len(sa))[x] for x in ax_a]
            ax_b = [range(len(sb))[x] for x in ax_b]
        except IndexError:
            raise ShapeError(f"tensordot: axes {axes!r} out of range for shapes {sa} and {sb}") from None
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise ShapeError(
                f"tensordot: shape-mismatch for sum: {sa[i]} (a axis {i}) != {sb[j]} (b axis {j}) "
                f"for shapes {sa} and {sb}"
            )
    la = _LETTERS[: len(sa)]
    lb = list(_LETTERS[len(sa) : len(sa) + len(sb)])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    lb = "".join(lb)
    out = "".join(c for i, c in enumerate(la) if i not in ax_a) + "".join(
        c for j, c in enumerate(lb) if j not in ax_b
    )
    return einsum(f"{la},{lb}->{out}", a, b)
