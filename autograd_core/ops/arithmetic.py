"""Arithmetic: + - * / ** and unary minus, their reversed and in-place forms, comparisons.

Gradients are returned in the broadcast shape; the engine sums them back onto each
operand's shape. Each op's forward-mode rule ``jvp`` (see ``autograd_core/func.py``)
sits under its ``backward``; ``None`` stands for a zero tangent.
"""

from __future__ import annotations

import numpy as np

from ..broadcasting import broadcast_shapes
from ..errors import DTypeError
from ..function import Op, rebase_views
from ..grad_mode import is_grad_enabled_fast
from ..tensor import Tensor, _make, as_operand, bump_version, inplace_check_leaf
from ._registry import public


def tangent_sum(*terms):
    """Sum of the tangent terms that are not ``None`` (``None`` if all are)."""
    total = None
    for t in terms:
        if t is not None:
            total = t if total is None else total + t
    return total


class Add(Op):
    name = "add"

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad

    def jvp(self, tangents):
        return tangent_sum(*tangents)


class Sub(Op):
    name = "sub"

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, -grad

    def jvp(self, tangents):
        ta, tb = tangents
        return ta if tb is None else tangent_sum(ta, -tb)


class Mul(Op):
    name = "mul"
    save_inputs = (0, 1)
    saved_for = ((1,), (0,))  # ∂/∂a = g·b, ∂/∂b = g·a

    def forward(self, a, b):
        return a * b

    def backward(self, grad, a, b):
        need_a, need_b = self.needs_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)

    def jvp(self, tangents, a, b):
        ta, tb = tangents
        return tangent_sum(None if ta is None else ta * b, None if tb is None else a * tb)


class Div(Op):
    name = "div"
    save_inputs = (0, 1)
    saved_for = ((1,), (0, 1))  # ∂/∂a = g/b, ∂/∂b = -g·a/b²

    def forward(self, a, b):
        return a / b

    def backward(self, grad, a, b):
        ga = grad / b
        return ga, (-ga * a / b if self.needs_grad[1] else None)

    def jvp(self, tangents, a, b):
        ta, tb = tangents
        return tangent_sum(None if ta is None else ta / b, None if tb is None else -tb * a / (b * b))


class Neg(Op):
    name = "neg"

    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad

    def jvp(self, t):
        return -t


class Pow(Op):
    name = "pow"
    save_inputs = (0, 1)
    save_output = True

    def forward(self, a, b):
        return a**b

    def backward(self, grad, a, b, out):
        ga = grad * b * a ** (b - 1) if self.needs_grad[0] else None
        gb = None
        if self.needs_grad[1]:
            # d(a^b)/db = a^b log a; defined as 0 where a^b == 0 (the limit for a -> 0+)
            safe_a = np.where(a > 0, a, 1)
            gb = grad * out * np.log(safe_a)
        return ga, gb

    def jvp(self, tangents, a, b, out):
        ta, tb = tangents
        t_a = None if ta is None else ta * b * a ** (b - 1)
        t_b = None if tb is None else tb * out * np.log(np.where(a > 0, a, 1))
        return tangent_sum(t_a, t_b)


def _binary(op_cls, opname):
    def fn(a, b):
        return op_cls.apply(as_operand(a), as_operand(b))

    def reflected(self, other):
        return op_cls.apply(as_operand(other), self)

    fn.__name__ = opname
    return fn, reflected


def _check_numeric(opname, *operands):
    for x in operands:
        dt = getattr(x, "dtype", None)
        if dt is not None and dt.kind not in "biuf":
            raise DTypeError(f"{opname}: unsupported dtype {dt}")


add, _radd = _binary(Add, "add")
subtract, _rsub = _binary(Sub, "subtract")
multiply, _rmul = _binary(Mul, "multiply")
divide, _rtruediv = _binary(Div, "divide")
power, _rpow = _binary(Pow, "power")

add.__doc__ = "Elementwise ``a + b`` with broadcasting."
subtract.__doc__ = "Elementwise ``a - b`` with broadcasting."
multiply.__doc__ = "Elementwise ``a * b``; d/da = b, d/db = a."
divide.__doc__ = "Elementwise ``a / b``; d/da = 1/b, d/db = -a/b²."
power.__doc__ = "Elementwise ``a ** b``; d/da = b a^(b-1), d/db = a^b log a (0 where a <= 0)."

public("add", ufunc=np.add)(add)
public("subtract", ufunc=np.subtract)(subtract)
public("multiply", ufunc=np.multiply)(multiply)
public("divide", ufunc=(np.divide, np.true_divide))(divide)
public("power", ufunc=np.power)(power)


@public(ufunc=(np.negative,))
def negative(a):
    """Elementwise ``-a``."""
    return Neg.apply(as_operand(a))


@public(ufunc=np.positive)
def positive(a):
    """Elementwise ``+a`` (returns the tensor unchanged)."""
    return a if isinstance(a, Tensor) else _make(np.asarray(a))


Tensor.__add__ = lambda self, other: Add.apply(self, other)  # apply normalises other
Tensor.__radd__ = _radd
Tensor.__sub__ = lambda self, other: Sub.apply(self, other)  # apply normalises other
Tensor.__rsub__ = _rsub
Tensor.__mul__ = lambda self, other: Mul.apply(self, other)  # apply normalises other
Tensor.__rmul__ = _rmul
Tensor.__truediv__ = lambda self, other: Div.apply(self, other)  # apply normalises other
Tensor.__rtruediv__ = _rtruediv
Tensor.__pow__ = lambda self, other: Pow.apply(self, other)  # apply normalises other
Tensor.__rpow__ = _rpow
Tensor.__neg__ = lambda self: Neg.apply(self)
Tensor.__pos__ = lambda self: self


# ---- in-place operators -----------------------------------------------------------------


def _inplace(self: Tensor, other, op_cls, ufunc, opname: str) -> Tensor:
    other = as_operand(other)
    inplace_check_leaf(self, opname)
    odata = other.data if isinstance(other, Tensor) else other
    shape = broadcast_shapes(opname, self.data.shape, np.shape(odata))
    if shape != self.data.shape:
        raise ValueError(
            f"{opname}: result of shape {shape} cannot be written into a tensor of shape {self.data.shape}"
        )
    recording = is_grad_enabled_fast() and (self._rg or (isinstance(other, Tensor) and other._rg))
    if not recording:
        try:
            ufunc(self.data, odata, out=self.data, casting="same_kind")
        except TypeError as exc:  # e.g. int tensor += float
            raise DTypeError(
                f"{opname}: cannot write the result into a tensor of dtype {self.dtype}: {exc}"
            ) from None
        bump_version(self)
        return self
    if self.data.dtype.kind != "f":
        raise DTypeError(f"{opname}: a {self.dtype} tensor cannot hold a result that requires grad")
    src = self
    if 0 in op_cls.save_inputs:
        # backward needs the value `self` has now, which the write below overwrites
        src = _make(self.data.copy())
        src._grad_fn, src._rg = self._grad_fn, self._rg
    result = op_cls.apply(src, other)
    self.data[...] = result.data
    bump_version(self)
    node = result._grad_fn
    node.out_dtype = self.data.dtype
    self._grad_fn = node
    self._rg = True
    rebase_views(self, opname)
    return self


Tensor.__iadd__ = lambda self, other: _inplace(self, other, Add, np.add, "add_ (+=)")
Tensor.__isub__ = lambda self, other: _inplace(self, other, Sub, np.subtract, "sub_ (-=)")
Tensor.__imul__ = lambda self, other: _inplace(self, other, Mul, np.multiply, "mul_ (*=)")
Tensor.__itruediv__ = lambda self, other: _inplace(self, other, Div, np.true_divide, "div_ (/=)")


# ---- comparisons: boolean results, never part of the graph -----------------------------


def _compare(ufunc, opname):
    def fn(a, b):
        a = a.data if isinstance(a, Tensor) else as_operand(a)
        b = b.data if isinstance(b, Tensor) else as_operand(b)
        try:
            return _make(np.asarray(ufunc(a, b)))
        except ValueError:
            raise ValueError(
                f"{opname}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together"
            ) from None

    fn.__name__ = opname
    return fn


less = public("less", ufunc=np.less)(_compare(np.less, "less"))
less_equal = public("less_equal", ufunc=np.less_equal)(_compare(np.less_equal, "less_equal"))
greater = public("greater", ufunc=np.greater)(_compare(np.greater, "greater"))
greater_equal = public("greater_equal", ufunc=np.greater_equal)(_compare(np.greater_equal, "greater_equal"))
equal = public("equal", ufunc=np.equal)(_compare(np.equal, "equal"))
not_equal = public("not_equal", ufunc=np.not_equal)(_compare(np.not_equal, "not_equal"))
logical_and = public("logical_and", ufunc=np.logical_and)(_compare(np.logical_and, "logical_and"))
logical_or = public("logical_or", ufunc=np.logical_or)(_compare(np.logical_or, "logical_or"))


@public(ufunc=np.logical_not)
def logical_not(a):
    """Elementwise boolean not (no gradient)."""
    return _make(np.logical_not(a.data if isinstance(a, Tensor) else np.asarray(a)))


Tensor.__lt__ = lambda self, other: less(self, other)
Tensor.__le__ = lambda self, other: less_equal(self, other)
Tensor.__gt__ = lambda self, other: greater(self, other)
Tensor.__ge__ = lambda self, other: greater_equal(self, other)
Tensor.__eq__ = lambda self, other: equal(self, other)  # type: ignore[assignment]
Tensor.__ne__ = lambda self, other: not_equal(self, other)  # type: ignore[assignment]
Tensor.__and__ = lambda self, other: logical_and(self, other)
Tensor.__or__ = lambda self, other: logical_or(self, other)
Tensor.__invert__ = lambda self: logical_not(self)
