"""``Parameter``: a tensor that a :class:`~autograd_core.nn.Module` registers as learnable."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..errors import DTypeError
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by the module it is assigned to.

    Parameters
    ----------
    data : Tensor, array or nested sequence, optional
        The initial value. A Tensor or a float NumPy array is wrapped without a copy
        (like ``torch.nn.Parameter``); Python numbers take the default float dtype.
        ``None`` gives an empty parameter.
    requires_grad : bool
        ``True`` by default; parameters must have a floating dtype.

    Examples
    --------
    >>> import autograd_core as ac
    >>> p = ac.nn.Parameter(ac.zeros(2))
    >>> p
    Parameter containing:
    tensor([0., 0.], dtype=float32, requires_grad=True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), dtypes.get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data.data
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = np.asarray(data)
            if arr.dtype.kind in "biu" or arr.dtype == np.float64:
                arr = arr.astype(dtypes.get_default_dtype())
        if arr.dtype.kind != "f":
            raise DTypeError(f"Parameter: parameters must have a floating dtype, got {arr.dtype}")
        self.data = arr
        if isinstance(data, Tensor):
            if data._vbox is None:
                data._vbox = [0]
            self._vbox = data._vbox  # share the version counter with the wrapped tensor's data
        self._rg = bool(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
