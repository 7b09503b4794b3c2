"""autograd_core: reverse-mode automatic differentiation on NumPy.

>>> import autograd_core as ac
>>> x = ac.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
tensor([2., 4., 6.], dtype=float32)
"""

from __future__ import annotations

from . import backends, data, errors, graph, ops, optim, testing, viz
from .autograd_function import Function, FunctionCtx
from .creation import (
    arange,
    empty,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    zeros,
    zeros_like,
)
from .dtypes import get_default_dtype, set_default_dtype
from .engine import detect_anomaly
from .errors import AutogradError
from .func import checkpoint, grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403  (the public operations, listed in ops.PUBLIC_OPS)
from .ops.shape import astype
from .random import manual_seed
from .tensor import Tensor, as_tensor, tensor

__version__ = "0.1.0"

__all__ = [
    "AutogradError",
    "Function",
    "FunctionCtx",
    "Tensor",
    "arange",
    "backends",
    "checkpoint",
    "as_tensor",
    "astype",
    "data",
    "detect_anomaly",
    "empty",
    "enable_grad",
    "errors",
    "testing",
    "eye",
    "full",
    "full_like",
    "graph",
    "get_default_dtype",
    "grad",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linspace",
    "load",
    "manual_seed",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randint",
    "randn",
    "save",
    "set_default_dtype",
    "set_grad_enabled",
    "tensor",
    "value_and_grad",
    "vjp",
    "viz",
    "zeros",
    "zeros_like",
    *ops.__all__,
]

# The learning stack is built on everything above, so it is imported last.
from . import nn  # noqa: E402
from .serialization import load, save  # noqa: E402
