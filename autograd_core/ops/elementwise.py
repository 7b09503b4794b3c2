"""Elementwise math: each op's forward and derivative side by side.

Each op has its reverse-mode rule ``backward`` and its forward-mode rule ``jvp``
(contract in ``autograd_core/func.py``) next to each other.

Subgradient conventions (API §2): relu'(0) = 0, abs'(0) = 0, sign' = 0, clip passes
the gradient where lo <= x <= hi, maximum/minimum split it evenly on ties.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Op
from ..tensor import Tensor, as_operand
from ._registry import public
from .arithmetic import tangent_sum


def _unary(op_cls, name, ufunc=None, doc=""):
    def fn(x):
        return op_cls.apply(x)  # apply normalises non-Tensor operands

    fn.__name__ = name
    fn.__doc__ = doc
    return public(name, method=True, ufunc=ufunc)(fn)


class Exp(Op):
    name = "exp"
    save_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad, y):
        return grad * y

    def jvp(self, t, y):
        return t * y


class Log(Op):
    name = "log"
    save_inputs = (0,)

    def forward(self, x):
        return np.log(x)

    def backward(self, grad, x):
        return grad / x

    def jvp(self, t, x):
        return t / x


class Log1p(Op):
    name = "log1p"
    save_inputs = (0,)

    def forward(self, x):
        return np.log1p(x)

    def backward(self, grad, x):
        return grad / (1 + x)

    def jvp(self, t, x):
        return t / (1 + x)


class Expm1(Op):
    name = "expm1"
    save_output = True

    def forward(self, x):
        return np.expm1(x)

    def backward(self, grad, y):
        return grad * (y + 1)

    def jvp(self, t, y):
        return t * (y + 1)


class Sqrt(Op):
    name = "sqrt"
    save_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, grad, y):
        return grad / (2 * y)

    def jvp(self, t, y):
        return t / (2 * y)


class Square(Op):
    name = "square"
    save_inputs = (0,)

    def forward(self, x):
        return np.square(x)

    def backward(self, grad, x):
        return grad * (2 * x)

    def jvp(self, t, x):
        return t * (2 * x)


class Sin(Op):
    name = "sin"
    save_inputs = (0,)

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad, x):
        return grad * np.cos(x)

    def jvp(self, t, x):
        return t * np.cos(x)


class Cos(Op):
    name = "cos"
    save_inputs = (0,)

    def forward(self, x):
        return np.cos(x)

    def backward(self, grad, x):
        return -grad * np.sin(x)

    def jvp(self, t, x):
        return -t * np.sin(x)


class Tan(Op):
    name = "tan"
    save_output = True

    def forward(self, x):
        return np.tan(x)

    def backward(self, grad, y):
        return grad * (1 + y * y)

    def jvp(self, t, y):
        return t * (1 + y * y)


class Tanh(Op):
    name = "tanh"
    save_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad, y):
        return grad * (1 - y * y)

    def jvp(self, t, y):
        return t * (1 - y * y)


class Sinh(Op):
    name = "sinh"
    save_inputs = (0,)

    def forward(self, x):
        return np.sinh(x)

    def backward(self, grad, x):
        return grad * np.cosh(x)

    def jvp(self, t, x):
        return t * np.cosh(x)


class Cosh(Op):
    name = "cosh"
    save_inputs = (0,)

    def forward(self, x):
        return np.cosh(x)

    def backward(self, grad, x):
        return grad * np.sinh(x)

    def jvp(self, t, x):
        return t * np.sinh(x)


class Arcsin(Op):
    name = "arcsin"
    save_inputs = (0,)

    def forward(self, x):
        return np.arcsin(x)

    def backward(self, grad, x):
        return grad / np.sqrt(1 - x * x)

    def jvp(self, t, x):
        return t / np.sqrt(1 - x * x)


class Arccos(Op):
    name = "arccos"
    save_inputs = (0,)

    def forward(self, x):
        return np.arccos(x)

    def backward(self, grad, x):
        return -grad / np.sqrt(1 - x * x)

    def jvp(self, t, x):
        return -t / np.sqrt(1 - x * x)


class Arctan(Op):
    name = "arctan"
    save_inputs = (0,)

    def forward(self, x):
        return np.arctan(x)

    def backward(self, grad, x):
        return grad / (1 + x * x)

    def jvp(self, t, x):
        return t / (1 + x * x)


class Sigmoid(Op):
    """σ(x) = 1 / (1 + e^-x), evaluated without overflow for large |x|."""

    name = "sigmoid"
    save_output = True

    def forward(self, x):
        # e^min(x, 0) / (1 + e^-|x|): 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below;
        # never overflows, and faster than selecting between two branches with np.where
        return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))

    def backward(self, grad, y):
        return grad * (y * (1 - y))

    def jvp(self, t, y):
        return t * (y * (1 - y))


class Softplus(Op):
    """log(1 + e^x), computed as logaddexp(0, x); derivative σ(x)."""

    name = "softplus"
    save_inputs = (0,)

    def forward(self, x):
        return np.logaddexp(0, x)

    def backward(self, grad, x):
        return grad * Sigmoid.fn(x)

    def jvp(self, t, x):
        return t * Sigmoid.fn(x)


class Relu(Op):
    name = "relu"
    save_output = True

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, grad, y):
        return grad * (y > 0)

    def jvp(self, t, y):
        return t * (y > 0)


class Abs(Op):
    name = "abs"
    save_inputs = (0,)

    def forward(self, x):
        return np.abs(x)

    def backward(self, grad, x):
        return grad * np.sign(x)

    def jvp(self, t, x):
        return t * np.sign(x)


class Sign(Op):
    name = "sign"

    def forward(self, x):
        return np.sign(x)

    def backward(self, grad):
        return grad * 0

    def jvp(self, t):
        return None  # zero tangent


class Erf(Op):
    """The error function; derivative 2/√π · e^(-x²)."""

    name = "erf"
    save_inputs = (0,)

    def forward(self, x):
        return _erf(x)

    def backward(self, grad, x):
        return grad * (2 / math.sqrt(math.pi)) * np.exp(-(x * x))

    def jvp(self, t, x):
        return t * (2 / math.sqrt(math.pi)) * np.exp(-(x * x))


def _erf(x):
    try:
        from scipy.special import erf  # fast when SciPy is installed
    except ImportError:  # pragma: no cover - depends on the environment
        x = np.asarray(x)
        return np.vectorize(math.erf, otypes=[x.dtype])(x)
    return erf(x)


exp = _unary(Exp, "exp", np.exp, "Elementwise e^x.")
log = _unary(Log, "log", np.log, "Natural logarithm; d/dx = 1/x.")
log1p = _unary(Log1p, "log1p", np.log1p, "log(1 + x), accurate for small x.")
expm1 = _unary(Expm1, "expm1", np.expm1, "e^x - 1, accurate for small x.")
sqrt = _unary(Sqrt, "sqrt", np.sqrt, "Square root; d/dx = 1/(2√x).")
square = _unary(Square, "square", np.square, "x²; d/dx = 2x.")
sin = _unary(Sin, "sin", np.sin, "Sine.")
cos = _unary(Cos, "cos", np.cos, "Cosine.")
tan = _unary(Tan, "tan", np.tan, "Tangent; d/dx = 1 + tan²x.")
tanh = _unary(Tanh, "tanh", np.tanh, "Hyperbolic tangent; d/dx = 1 - tanh²x.")
sinh = _unary(Sinh, "sinh", np.sinh, "Hyperbolic sine.")
cosh = _unary(Cosh, "cosh", np.cosh, "Hyperbolic cosine.")
arcsin = _unary(Arcsin, "arcsin", np.arcsin, "Inverse sine; d/dx = 1/√(1-x²).")
arccos = _unary(Arccos, "arccos", np.arccos, "Inverse cosine; d/dx = -1/√(1-x²).")
arctan = _unary(Arctan, "arctan", np.arctan, "Inverse tangent; d/dx = 1/(1+x²).")
sigmoid = _unary(Sigmoid, "sigmoid", None, "Logistic σ(x) = 1/(1+e^-x); d/dx = σ(1-σ).")
relu = _unary(Relu, "relu", None, "max(x, 0); relu'(0) = 0.")
sign = _unary(Sign, "sign", np.sign, "Sign of x (-1, 0, 1); its gradient is zero.")
erf = _unary(Erf, "erf", None, "Error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt.")
absolute = _unary(Abs, "abs", (np.absolute, np.fabs), "|x|; abs'(0) = 0.")
Tensor.__abs__ = absolute


@public(method=True)
def softplus(x, beta: float = 1.0, threshold: float | None = None):
    """log(1 + e^(βx))/β, stable for large |x| (no overflow); d/dx = σ(βx).

    ``threshold`` is accepted for PyTorch compatibility; the formula is exact
    everywhere, so no linear cut-off is needed.
    """
    x = as_operand(x)
    if beta == 1.0:
        return Softplus.apply(x)
    return Softplus.apply(x * beta) / beta


@public(method=True)
def leaky_relu(x, negative_slope: float = 0.01):
    """x for x > 0, ``negative_slope * x`` otherwise (slope 0.01 by default, like PyTorch)."""
    x = as_operand(x)
    return where(x > 0, x, x * negative_slope)


@public(method=True)
def elu(x, alpha: float = 1.0):
    """x for x > 0, α(e^x - 1) otherwise."""
    x = as_operand(x)
    # exp of min(x, 0) keeps the unused branch finite, so no inf*0 appears in gradients
    return where(x > 0, x, alpha * expm1(minimum(x, 0)))


@public(method=True)
def gelu(x, approximate: str = "none"):
    """Gaussian error linear unit x·Φ(x) (exact, via erf), or the tanh approximation."""
    x = as_operand(x)
    if approximate == "none":
        return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + tanh(c * (x + 0.044715 * x * x * x)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# ---- several inputs -----------------------------------------------------------------


class Where(Op):
    name = "where"

    def forward(self, cond, a, b):
        self.ctx = cond
        return np.where(cond, a, b)

    def backward(self, grad):
        cond = self.ctx
        return None, np.where(cond, grad, 0), np.where(cond, 0, grad)

    def jvp(self, tangents):
        _, ta, tb = tangents
        return np.where(self.ctx, 0 if ta is None else ta, 0 if tb is None else tb)


@public(function=np.where)
def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y`` (differentiable in x and y)."""
    if x is None and y is None:
        cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(Tensor(i) for i in np.nonzero(cond))
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        cond = cond.astype(bool)
    return Where.apply(cond, as_operand(x), as_operand(y))


class Maximum(Op):
    name = "maximum"
    save_inputs = (0, 1)

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, grad, a, b):
        share = (a > b) + 0.5 * (a == b)  # ties: half to each side
        return grad * share, grad * (1 - share)

    def jvp(self, tangents, a, b):
        ta, tb = tangents
        share = (a > b) + 0.5 * (a == b)
        return tangent_sum(None if ta is None else ta * share, None if tb is None else tb * (1 - share))


class Minimum(Op):
    name = "minimum"
    save_inputs = (0, 1)

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, grad, a, b):
        share = (a < b) + 0.5 * (a == b)
        return grad * share, grad * (1 - share)

    def jvp(self, tangents, a, b):
        ta, tb = tangents
        share = (a < b) + 0.5 * (a == b)
        return tangent_sum(None if ta is None else ta * share, None if tb is None else tb * (1 - share))


@public(ufunc=np.maximum)
def maximum(a, b):
    """Elementwise maximum; on ties each side gets half the gradient."""
    return Maximum.apply(as_operand(a), as_operand(b))


@public(ufunc=np.minimum)
def minimum(a, b):
    """Elementwise minimum; on ties each side gets half the gradient."""
    return Minimum.apply(as_operand(a), as_operand(b))


class Clip(Op):
    name = "clip"
    save_inputs = (0, 1, 2)

    def forward(self, x, lo, hi):
        return np.clip(x, lo, hi)

    def backward(self, grad, x, lo, hi):
        inside = True
        g_lo = g_hi = None
        if lo is not None:
            inside = x >= lo
            if self.needs_grad[1]:
                g_lo = grad * (x < lo)
        if hi is not None:
            inside = (x <= hi) if inside is True else inside & (x <= hi)
            if self.needs_grad[2]:
                g_hi = grad * (x > hi)
        return (grad * inside if inside is not True else grad), g_lo, g_hi

    def jvp(self, tangents, x, lo, hi):
        tx, tlo, thi = tangents
        inside = True
        t_lo = t_hi = None
        if lo is not None:
            inside = x >= lo
            if tlo is not None:
                t_lo = tlo * (x < lo)
        if hi is not None:
            inside = (x <= hi) if inside is True else inside & (x <= hi)
            if thi is not None:
                t_hi = thi * (x > hi)
        t_x = None if tx is None else (tx * inside if inside is not True else tx)
        return tangent_sum(t_x, t_lo, t_hi)


@public(method=True, function=np.clip)
def clip(x, lo=None, hi=None):
    """Clamp x to [lo, hi] (either may be None); the gradient passes where lo <= x <= hi."""
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given")
    return Clip.apply(
        as_operand(x),
        None if lo is None else as_operand(lo),
        None if hi is None else as_operand(hi),
    )
