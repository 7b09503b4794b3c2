"""The Tensor: a NumPy array that remembers how it was computed.

Arithmetic operators, math methods and indexing are attached by the op modules in
``autograd_core/ops`` next to each op's forward and derivative, so this file holds
only what every tensor has: its data, its place in the graph, and conversions.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from . import dtypes
from .errors import DTypeError, GraphError, ShapeError, UnsupportedNumpyFunction
from .grad_mode import is_grad_enabled_fast


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Create tensors with :func:`autograd_core.tensor` (or ``Tensor(data, ...)``).
    Every operation on a tensor that requires grad records a node in the graph;
    :meth:`backward` then fills ``.grad`` of every leaf that requires grad.
    """

    # Class-level defaults: the hot path creates tensors with ``__new__`` and sets only
    # ``data`` (and the graph fields when it records), so these cost nothing per tensor.
    grad: Tensor | None = None
    _grad_fn = None  # the Op that produced this tensor; None for leaves
    _rg = False  # requires_grad
    _base: Tensor | None = None  # the tensor this one is a view of
    _views: list | None = None  # weak references to recorded views of this tensor
    _hooks: list | None = None  # gradient hooks of a leaf
    _retain = False
    _is_node = False  # leaves end the engine's walk
    __array_priority__ = 1000  # make ndarray binary operators defer to Tensor

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _to_array(data, dtype, copy=True)
        if requires_grad:
            self.requires_grad = True

    # ---- graph fields ---------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor (settable on leaves)."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None:
            raise GraphError(
                "requires_grad can only be changed on leaf tensors; use .detach() to get "
                f"a leaf from this result of '{self._grad_fn.name}'"
            )
        value = bool(value)
        if value:
            dtypes.check_grad_dtype(self.data.dtype, "requires_grad")
        self._rg = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._grad_fn is None

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (``None`` for leaves)."""
        return self._grad_fn

    # ---- array facts ----------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def _vbox(self) -> list | None:
        """Version counter of this tensor's memory (``[writes]``), ``None`` before anything
        asked for one or wrote in place. Views and aliases of the same memory share it."""
        entry = _entry(_root(self.data))
        return None if entry is None else entry[2]

    @_vbox.setter
    def _vbox(self, box: list | None) -> None:
        if box is not None:
            _adopt_version_box(self.data, box)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")  # at iter(), like PyTorch
        return (self[i] for i in range(self.data.shape[0]))

    # ---- conversions ----------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The underlying array (no copy)."""
        return self.data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python scalar."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to Python scalars, "
                f"got shape {self.data.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data (so also its in-place version), without grad."""
        return _make(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        if copy:
            return self.data.copy()
        return self.data

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    __hash__ = object.__hash__  # == is elementwise; identity hashing like PyTorch

    # ---- backward -------------------------------------------------------------------

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``gradient`` is the upstream gradient (the vector in the vector-Jacobian
        product); it may be omitted for one-element tensors. The graph's saved values
        are freed afterwards unless ``retain_graph`` (default: ``create_graph``).
        With ``create_graph=True`` the backward pass is itself recorded, so the
        resulting ``.grad`` can be differentiated again.
        """
        from .engine import run_backward

        run_backward(self, gradient, retain_graph, create_graph)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self._grad_fn is None:
            return  # leaves keep their gradient anyway
        self._retain = True
        node = self._grad_fn
        node.retained = weakref.ref(self)
        if node.pre_hooks is None:
            node.pre_hooks = []  # the engine looks only at pre_hooks to find both
        node_hooks_used[0] = True

    def register_hook(self, fn: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``fn(grad)`` when this tensor's gradient is computed.

        ``fn`` may return a replacement gradient. Returns a function that removes the
        hook.
        """
        if not self._rg:
            raise GraphError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self._grad_fn
            if node.pre_hooks is None:
                node.pre_hooks = []
            hooks = node.pre_hooks
            node_hooks_used[0] = True
        hooks.append(fn)

        def remove() -> None:
            if fn in hooks:
                hooks.remove(fn)

        return remove

    # ---- printing -------------------------------------------------------------------

    def __repr__(self) -> str:
        prefix = "tensor("
        body = np.array2string(self.data, separator=", ", prefix=prefix)
        extras = [f"dtype={self.data.dtype}"]
        if self._grad_fn is not None:
            extras.append(f"grad_fn=<{self._grad_fn.name}>")
        elif self._rg:
            extras.append("requires_grad=True")
        return f"{prefix}{body}, {', '.join(extras)})"

    # ---- NumPy interop ----------------------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .numpy_dispatch import dispatch_ufunc

        return dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .numpy_dispatch import dispatch_function

        return dispatch_function(func, args, kwargs)


_new = object.__new__

# Set (for good) once any non-leaf tensor gets a hook or retain_grad(): until then the
# engine need not look for hooks on every node.
node_hooks_used = [False]


def _make(data: np.ndarray) -> Tensor:
    """Wrap an array without copying or checking (the hot path's constructor)."""
    t = _new(Tensor)
    t.data = data
    return t


def _to_array(data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """Convert user data to an array following the dtype rules of API §1."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray):
        arr = data
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr
    if isinstance(data, np.generic):
        return np.array(data, dtype=dtype)
    try:
        arr = np.array(data, dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"tensor: cannot convert {type(data).__name__} to an array: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"tensor: data of type {type(data).__name__} gives an array of dtype {arr.dtype}; "
            "expected numbers or nested sequences of numbers"
        )
    if dtype is None and arr.dtype == np.float64:
        # Python floats take the default dtype, like torch.tensor([1.0]).
        arr = arr.astype(dtypes.get_default_dtype())
    return arr


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a leaf tensor from ``data`` (copied).

    NumPy arrays keep their dtype; Python floats take the default dtype
    (``float32`` unless :func:`set_default_dtype` changed it); Python ints give
    ``int64``. ``requires_grad=True`` needs a floating dtype.

    >>> import autograd_core as ac
    >>> ac.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], dtype=float32, requires_grad=True)
    """
    if requires_grad:
        arr = _to_array(data, dtype, copy=True)
        if arr.dtype.kind != "f":
            raise DTypeError(
                f"tensor: only floating-point tensors can require gradients, got dtype {arr.dtype}"
            )
        t = _make(arr)
        t._rg = True
        return t
    return _make(_to_array(data, dtype, copy=True))


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with a NumPy array when possible."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return _make(_to_array(data, dtype, copy=False))


_PLAIN_OPERANDS = frozenset([float, int, bool, np.ndarray, Tensor])


def as_operand(x: Any) -> Any:
    """Normalise a non-Tensor operand: Python scalars stay weak, sequences become arrays."""
    if x.__class__ in _PLAIN_OPERANDS:  # the common cases, by exact type
        return x
    if isinstance(x, np.generic):
        # NumPy scalars act like Python scalars, so they do not upcast tensors
        # (np.float64 subclasses float, so this test must come before the next one).
        return x.item()
    if isinstance(x, (Tensor, np.ndarray, int, float)):
        return x
    if isinstance(x, complex):
        raise DTypeError("complex numbers are not supported")
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"cannot use {type(x).__name__} as a tensor operand")
    if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
        arr = arr.astype(dtypes.get_default_dtype())
    return arr


def check_shape_for_inplace(t: Tensor, result_shape: tuple, opname: str) -> None:
    if result_shape != t.data.shape:
        raise ShapeError(
            f"{opname}: in-place result of shape {result_shape} cannot be written into a "
            f"tensor of shape {t.data.shape}"
        )


def inplace_check_leaf(t: Tensor, opname: str) -> None:
    if t._rg and t._grad_fn is None and is_grad_enabled_fast():
        raise GraphError(
            f"{opname}: a leaf tensor that requires grad (shape {t.shape}) cannot be "
            "modified in place; wrap the update in `with ac.no_grad():` (as optimizers do)"
        )
    if t._base is not None and is_grad_enabled_fast() and (t._rg or t._base._rg):
        raise GraphError(
            f"{opname}: in-place modification of a view of a tensor that requires grad is "
            "not supported; clone() the view first"
        )


# ---- one clock for graph nodes and in-place writes ---------------------------------------
#
# A node that saves arrays for its backward must notice when one of them is modified in
# place afterwards (API §3). Modification is a property of memory, so it is tracked per
# *root array* (the ndarray that owns the memory, found through ``.base``), which covers
# views, detached aliases and ``.data`` itself with no bookkeeping on Tensors.
#
# Recording a node and writing in place both take the next tick of one clock: the node
# keeps its tick (``Op._seq``, which also orders the backward pass), a write records its
# tick for the root array it wrote to (with a per-array count of writes, the version
# that ``t._vbox[0]`` shows) and as ``_last_write``. So an array saved by a node was
# modified afterwards iff its root's last write tick is larger than the node's, and
# while no in-place write happened after a node was recorded (the usual case between a
# forward pass and its backward) the engine skips every check with one comparison.
next_tick = itertools.count(1).__next__  # atomic under the GIL
_last_write = [0]
# id(root) -> [weak ref to the root, tick of its last write, version box [writes]]
_written: dict[int, list] = {}
_written_lock = threading.Lock()
_prune_at = [1024]


def _root(a: np.ndarray) -> np.ndarray:
    base = a.base
    while isinstance(base, np.ndarray):
        a = base
        base = a.base
    return a


def _entry(root: np.ndarray) -> list | None:
    entry = _written.get(id(root))
    return entry if entry is not None and entry[0]() is root else None


def _new_entry(root: np.ndarray, tick: int, box: list) -> list:
    # (called with the lock held)
    entry = _written[id(root)] = [weakref.ref(root), tick, box]
    if len(_written) > _prune_at[0]:  # forget arrays that no longer exist
        for key in [k for k, v in _written.items() if v[0]() is None]:
            del _written[key]
        _prune_at[0] = max(1024, 2 * len(_written))
    return entry


def _mark_written(*roots: np.ndarray) -> None:
    """One write tick for all of ``roots`` (root arrays just modified in place)."""
    with _written_lock:
        tick = next_tick()
        _last_write[0] = tick
        for root in roots:
            entry = _entry(root)
            if entry is None:
                _new_entry(root, tick, [1])
            else:
                entry[1] = tick
                entry[2][0] += 1


def bump_versions(ts: Iterable[Tensor]) -> None:
    """``bump_version`` for several tensors at once (one lock, one tick): an optimizer step."""
    _mark_written(*[_root(t.data) for t in ts])


def bump_version(t: Tensor) -> None:
    """Record that ``t``'s data (and so every view of that memory) was just modified in place."""
    _mark_written(_root(t.data))


def modified_since(a: Any, tick: int) -> bool:
    """Whether array ``a``'s memory was written in place after clock ``tick``."""
    if not isinstance(a, np.ndarray):
        return False
    entry = _entry(_root(a))
    return entry is not None and entry[1] > tick


def version_box(a: np.ndarray) -> list:
    """The version counter of ``a``'s memory: a one-element list holding the number of
    in-place writes (like PyTorch's ``tensor._version``), shared by everything that
    views that memory. Made on first use."""
    root = _root(a)
    with _written_lock:
        entry = _entry(root)
        if entry is None:
            entry = _new_entry(root, 0, [0])
        return entry[2]


def _adopt_version_box(a: np.ndarray, box: list) -> None:
    """Make ``box`` the version counter of ``a``'s memory (``t._vbox = box``)."""
    root = _root(a)
    with _written_lock:
        entry = _entry(root)
        if entry is None:
            _new_entry(root, 0, box)
        else:
            entry[2] = box


def _unsupported(name: str) -> UnsupportedNumpyFunction:
    return UnsupportedNumpyFunction(
        f"{name} has no differentiable implementation for Tensors; convert with "
        "np.asarray(t) (this drops the graph) or use an autograd_core operation"
    )
