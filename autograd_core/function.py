"""The operation base class: one graph node per recorded operation.

Every differentiable primitive is a subclass of :class:`Op` with two methods side
by side::

    class Mul(Op):
        save_inputs = (0, 1)          # backward needs both operands

        def forward(self, a, b):      # NumPy arrays (or Python scalars) in, array out
            return a * b

        def backward(self, grad, a, b):
            return grad * b, grad * a

The rule contract
-----------------
* ``forward(self, *arrays, **params)`` computes on plain NumPy values. Anything
  backward needs besides the declared inputs/output goes into ``self.ctx``.
* ``backward(self, grad, *saved)`` returns one gradient per input (a bare value for
  single-input ops). ``saved`` holds the inputs listed in ``save_inputs`` and then
  the output when ``save_output`` is true.
* The rule is written with operators, NumPy functions and library functions only,
  so it is *polymorphic*: on an ordinary backward pass ``grad`` and ``saved`` are
  NumPy arrays and the rule runs at raw NumPy speed; under
  ``backward(create_graph=True)`` they are Tensors, NumPy dispatches to our ops
  through ``__array_ufunc__``/``__array_function__``, and the rule records its own
  graph: double backward comes for free.
* Rules may return gradients of a broadcast shape or a wider dtype: the engine
  reduces them with :func:`~autograd_core.broadcasting.sum_to` and casts them, in
  one place. A rule may return ``None`` for an input that needs no gradient
  (``self.needs_grad[i]`` tells which do).
* ``save_inputs``/``save_output`` are class attributes (``forward`` may also set
  ``self.save_inputs``, e.g. for a variable number of operands); ``is_view`` may be a
  class attribute or set on ``self`` in ``forward``. ``Op.apply`` creates the node
  with ``cls()``, so subclasses define no ``__init__``: parameters are keyword
  arguments of ``forward``.

What a node keeps
-----------------
Recording stores the saved *arrays* (never the Tensors, so a graph keeps no Tensor
objects alive), the parents, ``needs_grad``, the output's shape and dtype and a
creation number ``_seq`` that orders the backward pass. An in-place write to a saved
array afterwards is caught by the version epochs of :mod:`autograd_core.tensor`
(``bump_version``); under ``create_graph=True`` the saved arrays are handed to the
rule as Tensors standing at the same place in the graph.
"""

from __future__ import annotations

import os
import traceback
import weakref

import numpy as np

from . import grad_mode
from .errors import DTypeError, GraphError, InplaceError, ShapeError, describe

_is_grad_enabled = grad_mode.is_grad_enabled_fast
_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__  # bound once: cheaper than cls.__new__(cls) on the hot path

# Set by ``detect_anomaly``; read once per recorded op.
anomaly_state = {"enabled": 0}

# ``save_inputs`` values that mean "every input, in order", by arity
_ALL_INPUTS = ((), (0,), (0, 1), (0, 1, 2), (0, 1, 2, 3))
# ``needs_grad`` of the common cases, shared rather than allocated per node
_ONE, _BOTH, _FIRST, _SECOND = (True,), (True, True), (True, False), (False, True)
_SHARED_NEEDS = {t: t for t in (_ONE, _BOTH, _FIRST, _SECOND)}


class Op:
    """A node of the computation graph: the operation that produced one tensor.

    Attributes
    ----------
    parents : tuple
        For each input, the node that produced it, the leaf Tensor itself, or ``None``
        when that input does not require grad.
    needs_grad : tuple[bool, ...]
        Which inputs need a gradient.
    _seq : int
        Creation order: every node is recorded after its parents, so running nodes
        from the highest ``_seq`` down is a valid reverse topological order (the one
        PyTorch's engine uses).
    out_shape, out_dtype :
        Shape and dtype of the output; the engine checks incoming gradients against them.
    released : bool
        True once a backward pass without ``retain_graph`` has freed the saved values.
    """

    #: readable name shown in ``repr``, errors and graph drawings
    name: str = "op"
    #: indices of the inputs that ``backward`` receives as saved values (class attribute)
    save_inputs: tuple[int, ...] = ()
    #: whether ``backward`` receives the output as a saved value (class attribute)
    save_output: bool = False
    #: True for ops whose output is a NumPy view of input 0 (shares memory)
    is_view: bool = False

    # Per-node fields with class-level defaults, so the hot path sets only what it uses.
    ctx = None
    #: what ``backward`` receives on an ordinary pass: the saved inputs' arrays (or plain
    #: values), then the output array; ``None`` once released. Only arrays are kept, not
    #: Tensors, so a recorded graph holds no Tensor objects.
    saved: tuple | None = ()
    #: the inputs as given, kept only when a saved input is a Tensor that needs no grad,
    #: so that ``saved_values`` can show it (graph drawings name such constants)
    saved_inputs: tuple = ()
    pre_hooks = None
    retained = None
    forward_stack = None
    #: optional, per saved input (in ``save_inputs`` order): the inputs whose gradients
    #: use it (``Mul``: a for b's gradient, b for a's); the version check skips a saved
    #: input that no needed gradient uses
    saved_for: tuple | None = None
    #: derived from ``saved_for`` (see ``__init_subclass__``): whether, when only input a
    #: (only input b) needs grad, that input's own saved array goes unread: it is not kept
    _a_unread_alone: bool = False
    _b_unread_alone: bool = False
    #: for a one-input op whose input gradient is a fresh array that is zero outside
    #: ``input[grad_region]`` (a basic-index view), that index: the engine then adds
    #: only the region when it sums several gradients of the input (see engine._add)
    grad_region = None
    _is_node = True  # distinguishes nodes from leaf Tensors in the engine's walk

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # ``apply`` makes nodes with a bare ``cls()`` (the cheapest way CPython offers), so
        # a node class cannot take constructor arguments: parameters go to ``forward``.
        if cls.__init__ is not object.__init__ or cls.__new__ is not object.__new__:
            raise TypeError(
                f"{cls.__name__}: Op subclasses must not define __init__ or __new__; "
                "take parameters as keyword arguments of forward (Op.apply passes them on)"
            )
        # A two-input op saving both inputs, when only one input needs grad, keeps that
        # input's array only if its gradient reads it (``saved_for``): for ``x * c``,
        # ∂x = g·c reads c, and x need not stay alive until backward (a scaled attention
        # matrix, a dropout input); ``apply`` saves None in its place. (``c / x`` keeps x:
        # ∂x = -g·c/x².)
        sf = cls.__dict__.get("saved_for")
        if sf is not None and cls.save_inputs == (0, 1):
            cls._a_unread_alone = 0 not in sf[0]
            cls._b_unread_alone = 1 not in sf[1]
        # Bind ``apply`` to the class once: a classmethod would build a new bound method
        # on every ``SomeOp.apply(...)`` call (unless a subclass brings its own apply).
        if getattr(cls.apply, "__func__", None) is _apply_function:
            cls.apply = _apply_function.__get__(cls)

    def forward(self, *args, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad, *saved):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward")

    # ``parents`` is stored compactly: a node with exactly one input that needs grad
    # (every unary op, and a binary op with a constant) keeps that parent in ``_p`` and
    # no tuple at all: one object less per recorded operation for the allocator and the
    # garbage collector. ``needs_grad`` (one of the shared tuples) tells which layout.
    _p = None
    _ps: tuple = ()
    needs_grad: tuple = _ONE  # the one-input layout; other layouts set it when recorded

    @property
    def parents(self) -> tuple:
        needs = self.needs_grad
        if needs is _ONE:
            return (self._p,)
        if needs is _FIRST:
            return (self._p, None)
        if needs is _SECOND:
            return (None, self._p)
        return self._ps

    @parents.setter
    def parents(self, parents) -> None:
        parents = tuple(parents)
        needs = tuple([p is not None for p in parents])
        needs = self.needs_grad = _SHARED_NEEDS.get(needs, needs)
        if needs is _ONE or needs is _FIRST or needs is _SECOND:
            self._p = parents[0] if needs is not _SECOND else parents[1]
        else:
            self._ps = parents

    @property
    def released(self) -> bool:
        return self.saved is None

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the forward pass on ``inputs`` and record a node when grad is needed."""
        # This is the per-operation overhead of the whole library, so it is written for
        # speed: one- and two-input ops (nearly all of them) are unrolled, keyword
        # arguments are only passed when there are some, and recording stores just the
        # fields this op's backward and the engine need.
        node = cls()
        if len(inputs) == 2:
            a, b = inputs
            if isinstance(a, Tensor):
                ad = a.data
                ra = a._rg
            else:
                if a.__class__ not in _PLAIN_OPERANDS:
                    a = as_operand(a)
                ad = a
                ra = False
            if isinstance(b, Tensor):
                bd = b.data
                rb = b._rg
            else:
                if b.__class__ not in _PLAIN_OPERANDS:
                    b = as_operand(b)  # NumPy scalars, lists ... (callers may skip it)
                bd = b
                rb = False
            try:  # (free in CPython 3.11+ unless something is raised)
                out = node.forward(ad, bd, **params) if params else node.forward(ad, bd)
            except (ValueError, TypeError) as exc:
                raise _forward_error(node, inputs, exc) from None
            if out.__class__ is not _ndarray:
                out = _asarray(out)
            if not (ra or rb) or not _is_grad_enabled():
                return _unrecorded(node, a, out)
            if ra:
                pa = a._grad_fn
                if pa is None:
                    pa = a
                if rb:
                    pb = b._grad_fn
                    node._ps = (pa, b if pb is None else pb)
                    node.needs_grad = _BOTH
                else:
                    node._p = pa
                    node.needs_grad = _FIRST
            else:
                pb = b._grad_fn
                node._p = b if pb is None else pb
                node.needs_grad = _SECOND
            si = node.save_inputs  # may be set per instance in forward (e.g. n-ary ops)
            if si:
                if si != _ALL_INPUTS[2]:
                    saved = tuple([(ad, bd)[i] for i in si])
                elif ra is rb:
                    saved = (ad, bd)
                elif ra:  # x * c: ∂x = g·c, so x itself is not kept (see _a_unread_alone)
                    saved = (None if node._a_unread_alone else ad, bd)
                else:
                    saved = (ad, None if node._b_unread_alone else bd)
                node.saved = (*saved, out) if node.save_output else saved
                if ra is not rb and isinstance(b if ra else a, Tensor):
                    node.saved_inputs = inputs  # a constant Tensor: keep it for graph tools
            elif node.save_output:
                node.saved = (out,)
        elif len(inputs) == 1:
            a = inputs[0]
            if isinstance(a, Tensor):
                ad = a.data
                ra = a._rg
            else:
                if a.__class__ not in _PLAIN_OPERANDS:
                    a = as_operand(a)
                ad = a
                ra = False
            try:
                out = node.forward(ad, **params) if params else node.forward(ad)
            except (ValueError, TypeError) as exc:
                raise _forward_error(node, inputs, exc) from None
            if out.__class__ is not _ndarray:
                out = _asarray(out)
            if not ra or not _is_grad_enabled():
                return _unrecorded(node, a, out)
            pa = a._grad_fn
            node._p = a if pa is None else pa  # (needs_grad: the class default, _ONE)
            if node.save_inputs:  # (0,): the input
                node.saved = (ad, out) if node.save_output else (ad,)
            elif node.save_output:
                node.saved = (out,)
        else:
            arrays = []
            grad = False
            for x in inputs:
                if isinstance(x, Tensor):
                    arrays.append(x.data)
                    grad = grad or x._rg
                else:
                    arrays.append(x)
            try:
                out = node.forward(*arrays, **params)
            except (ValueError, TypeError) as exc:
                raise _forward_error(node, inputs, exc) from None
            if not grad or not _is_grad_enabled():
                return _unrecorded(node, inputs[0] if inputs else None, _asarray(out))
            return node._record(inputs, out, arrays)

        node._seq = next_tick()
        node.out_shape = out.shape
        node.out_dtype = out.dtype
        result = _new(Tensor)
        result.data = out
        result._grad_fn = node
        result._rg = True
        if node.is_view:
            _mark_view(result, a)
        if anomaly_state["enabled"]:
            node.forward_stack = _creation_stack()
        return result

    def _record(self, inputs, out, arrays=None) -> Tensor:
        """Record this node as the producer of ``out`` from ``inputs``; return the output.

        The general form of what ``apply`` does inline for one and two inputs. Code that
        computes an output itself and then attaches a node to it (``Function``,
        ``checkpoint``) calls this directly.
        """
        if out.__class__ is not _ndarray:
            out = _asarray(out)
        inputs = tuple(inputs)
        if arrays is None:
            arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        parents = []
        constant = False  # some input is a Tensor that does not require grad
        for x in inputs:
            if isinstance(x, Tensor):
                if x._rg:
                    fn = x._grad_fn
                    parents.append(x if fn is None else fn)
                    continue
                constant = True
            parents.append(None)
        needs = tuple([p is not None for p in parents])
        needs = self.needs_grad = _SHARED_NEEDS.get(needs, needs)
        if needs is _ONE or needs is _FIRST or needs is _SECOND:  # (the `parents` setter, inline)
            self._p = parents[0] if needs is not _SECOND else parents[1]
        else:
            self._ps = tuple(parents)
        self._seq = next_tick()
        self.out_shape = out.shape
        self.out_dtype = out.dtype
        result = _new(Tensor)
        result.data = out
        result._grad_fn = self
        result._rg = True
        si = self.save_inputs
        if si or self.save_output:
            saved = tuple([arrays[i] for i in si])
            self.saved = (*saved, out) if self.save_output else saved
            if constant and any(isinstance(inputs[i], Tensor) and parents[i] is None for i in si):
                self.saved_inputs = inputs  # a constant Tensor: keep it for graph tools
        if self.is_view and inputs:
            _mark_view(result, inputs[0])
        if anomaly_state["enabled"]:
            self.forward_stack = _creation_stack()
        return result

    # ---- used by the engine -------------------------------------------------------

    def check_versions(self) -> None:
        """Raise if an array this node saved, and will use, was modified in place since.

        The engine calls this only when some in-place write happened anywhere after the
        node was recorded (see the clock in ``autograd_core.tensor``). A saved input that
        only the gradients of inputs needing none use (``saved_for``) is not checked:
        ``x * 2.0`` keeps working after ``x`` changes, as in PyTorch.
        """
        epoch = self._seq
        saved = self.saved or ()
        saved_for, needs = self.saved_for, self.needs_grad
        for k, i in enumerate(self.save_inputs):
            x = saved[k]
            if saved_for is not None and not any(needs[j] for j in saved_for[k]):
                continue
            if modified_since(x, epoch):
                raise InplaceError(
                    f"one of the tensors needed by '{self.name}' for its gradient (input {i}, "
                    f"shape {x.shape}, dtype {x.dtype}) was modified by an in-place operation "
                    f"after '{self.name}' saved it; avoid the in-place change or clone() the "
                    "tensor first"
                )
        if self.save_output and saved and modified_since(saved[-1], epoch):
            raise InplaceError(
                f"the output of '{self.name}' (shape {self.out_shape}, dtype {self.out_dtype}) "
                f"was modified by an in-place operation after '{self.name}' saved it for its "
                "gradient; clone() it before modifying"
            )

    def released_error(self) -> GraphError:
        return GraphError(
            f"Trying to backward through the graph a second time (at '{self.name}'): its "
            "saved values were freed after the first backward. Pass retain_graph=True to the "
            "first backward() if you need to backward through the graph again."
        )

    def run_backward(self, grad, create_graph: bool):
        """Call ``backward`` with the saved values: arrays, or Tensors under ``create_graph``.

        The engine inlines the ordinary (array) case; this method is the general one.
        Under ``create_graph`` the saved arrays are turned back into Tensors that sit at
        the same place in the graph (a leaf is passed as itself), so the rule's own
        computation is recorded and connects to the forward graph.
        """
        saved = self.saved
        if saved is None:
            raise self.released_error()
        if _last_write[0] > self._seq:
            self.check_versions()
        if not create_graph:
            return self.backward(grad, *saved)
        values = list(saved)
        parents = self.parents
        for k, i in enumerate(self.save_inputs):
            p = parents[i]
            if p is None or values[k] is None:
                continue  # a constant: its array is as good as a Tensor (or not kept at all)
            values[k] = _connected(values[k], p)
        if self.save_output:
            out = _new(Tensor)
            out.data = values[-1]
            out._grad_fn = self
            out._rg = True
            values[-1] = out
        return self.backward(grad, *values)

    def release(self) -> None:
        """Free what the backward pass needed; a second backward then raises."""
        self.saved = None
        if self.saved_inputs:
            self.saved_inputs = ()
        if self.ctx is not None:
            self.ctx = None

    # ---- read-only views in the form of version-counter boxes ----------------------
    # For code that inspects a node's saved values itself (forward-mode ``jvp``): the
    # values as Tensors in their place in the graph, and ``(box, version)`` pairs that
    # compare unequal (``box[0] != version``) exactly when the array was modified in place
    # after it was saved.

    @property
    def saved_values(self) -> tuple:
        """The saved inputs: Tensors for inputs that need grad (in their graph position),
        plain values otherwise, None for an input the node did not keep because no
        needed gradient reads it (see ``_a_unread_alone``). Empty once released."""
        if not self.saved:
            return ()
        values = []
        for k, i in enumerate(self.save_inputs):
            p = self.parents[i]
            v = self.saved[k]
            if v is not None and p is not None:
                v = _connected(v, p)
            elif v is not None and self.saved_inputs and isinstance(self.saved_inputs[i], Tensor):
                v = self.saved_inputs[i]
            values.append(v)
        return tuple(values)

    @property
    def saved_versions(self) -> tuple:
        """Per saved input: a version for ``saved_values[k]._vbox`` (``-1`` for plain values)."""
        if not self.saved:
            return ()
        return tuple(
            -1 if self.parents[i] is None or self.saved[k] is None else self._version_of(self.saved[k])
            for k, i in enumerate(self.save_inputs)
        )

    @property
    def out_data(self):
        """The saved output array (``None`` when the output is not saved or was released)."""
        return self.saved[-1] if self.save_output and self.saved else None

    @property
    def out_vbox(self):
        out = self.out_data
        return None if out is None else version_box(out)

    @property
    def out_version(self) -> int:
        out = self.out_data
        return 0 if out is None else self._version_of(out)

    def _version_of(self, array) -> int:
        # the current count, or (when written since saving) one that cannot match it
        count = version_box(array)[0]
        return count - 1 if modified_since(array, self._seq) else count

    def __repr__(self) -> str:
        return f"<{self.name}>"


from .tensor import _PLAIN_OPERANDS, Tensor, _last_write, as_operand, modified_since, next_tick, version_box  # noqa: E402  (Tensor needs Op, Op needs Tensor)

_apply_function = Op.apply.__func__


def _forward_error(node: Op, inputs: tuple, exc: Exception) -> Exception:
    """A bare NumPy ValueError/TypeError from a forward, restated with the op's name and
    every operand's shape and dtype (API §8). Errors a rule raised on purpose (our own
    types, or NumPy subclasses such as AxisError) pass through unchanged."""
    if type(exc) is ValueError:
        kind = ShapeError
    elif type(exc) is TypeError:
        kind = DTypeError
    else:
        return exc
    operands = ", ".join(describe(x.data if isinstance(x, Tensor) else x) for x in inputs)
    return kind(f"{node.name}: {str(exc).strip()} (operands: {operands})")


def _connected(array, parent) -> Tensor:
    """A saved input array as a Tensor in its place in the graph (a leaf is itself)."""
    if not parent._is_node:
        return parent
    t = _new(Tensor)
    t.data = array
    t._grad_fn = parent
    t._rg = True
    return t


def _mark_view(view: Tensor, base) -> None:
    """Remember which tensor a view's memory belongs to (in-place rules for views), and
    register a recorded view with it, so that rewriting its history in place can rebase
    the view's graph onto the new history (:func:`rebase_views`)."""
    if isinstance(base, Tensor):
        root = base._base if base._base is not None else base
        view._base = root
        if view._rg:
            views = root._views
            if views is None:
                views = root._views = []
            elif len(views) >= 64 and len(views) & (len(views) - 1) == 0:
                views[:] = [r for r in views if r() is not None]  # (views that died)
            views.append(weakref.ref(view))


def view_positions(root: np.ndarray, view: np.ndarray) -> np.ndarray | None:
    """For each element of ``view`` (an array viewing ``root``'s memory), its C-order flat
    position in ``root``; ``None`` when that cannot be read off the strides (a root that
    is not dense, a view of another dtype, misaligned, or reaching outside the root)."""
    e = root.itemsize
    if view.dtype != root.dtype or not (root.flags.c_contiguous or root.flags.f_contiguous):
        return None
    start, rem = divmod(view.__array_interface__["data"][0] - root.__array_interface__["data"][0], e)
    if rem or any(s % e for s in view.strides):
        return None
    if view.size == 0:
        return np.zeros(view.shape, np.intp)
    steps = [s // e for s in view.strides]
    low = start + sum(min(0, (n - 1) * s) for n, s in zip(view.shape, steps))
    high = start + sum(max(0, (n - 1) * s) for n, s in zip(view.shape, steps))
    if low < 0 or high >= root.size:
        return None
    # each element's offset in root's memory, in elements from root's first one
    offsets = np.asarray(start, np.intp)
    for axis, (n, step) in enumerate(zip(view.shape, steps)):
        offsets = offsets + (np.arange(n, dtype=np.intp) * step).reshape((n,) + (1,) * (view.ndim - axis - 1))
    if root.flags.c_contiguous:  # memory order is C order
        return np.broadcast_to(offsets, view.shape).copy()
    return np.ravel_multi_index(np.unravel_index(offsets, root.shape, order="F"), root.shape).reshape(
        view.shape
    )


class _RebasedView(Op):
    """A view rebased onto its base after a recorded in-place write of the base (what
    PyTorch's ``AsStridedBackward`` does): later uses of the view differentiate through
    the write. The gradient is scattered into the base's shape at the view's positions,
    computed from the strides the first time a pass needs them. When they cannot be
    (see :func:`view_positions`), that pass raises instead of returning a wrong gradient.
    """

    name = "as_strided"

    def _gather(self):
        base, view, view_op, writer, index = self.ctx
        if index is None:
            from .ops.indexing import flat_index  # (ops import this module)

            positions = view_positions(base, view)
            if positions is None:
                raise InplaceError(
                    f"a view made by '{view_op}' was used after the tensor it views was modified in "
                    f"place by '{writer}', and its memory layout cannot be rebased onto the new "
                    "values. Take the view again after the in-place change (or clone() it before)"
                )
            # a zero stride (a broadcast view) repeats positions: their gradients add up
            unique = all(s or n <= 1 for s, n in zip(view.strides, view.shape))
            index = self.ctx[4] = flat_index(positions, unique=unique)
        return base.shape, index

    def backward(self, grad):
        from .ops.indexing import IndexAdd

        shape, (index, plan) = self._gather()
        return IndexAdd.fn(grad, shape=shape, index=index, plan=plan, opname="as_strided")

    def jvp(self, t):
        from .ops.indexing import GetItem

        _, (index, plan) = self._gather()
        return GetItem.fn(t, index=index, plan=plan, opname="as_strided")


def rebase_views(t: Tensor, writer: str) -> None:
    """``t``'s history was just rewritten in place by ``writer``: every live view of it
    taken before is rebased, as in PyTorch (:class:`_RebasedView`), so later uses
    differentiate through the write; earlier uses keep the view's old node. This runs
    on every recorded in-place write for every live view, so it only attaches a node
    (no positions, no copy); a backward pass works out the positions if it needs them."""
    views = t._views
    if not views:
        return
    parent = t._grad_fn
    kept = []
    for ref in views:
        v = ref()
        if v is None or v._grad_fn is None:
            continue
        node = _RebasedView()
        node.ctx = [t.data, v.data, v._grad_fn.name, writer, None]
        node._p = parent
        node._seq = next_tick()
        node.out_shape = v.data.shape
        node.out_dtype = v.data.dtype
        v._grad_fn = node
        kept.append(ref)
    t._views = kept or None


def _unrecorded(node: Op, first, out) -> Tensor:
    """The result of an op that records nothing (no input needs grad, or grad mode is off)."""
    result = _new(Tensor)
    result.data = out
    if node.is_view:
        _mark_view(result, first)
    return result


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_CORE_FILES = {
    os.path.join(_PACKAGE_DIR, f)
    for f in ("function.py", "tensor.py", "engine.py", "numpy_dispatch.py", "broadcasting.py")
}


def _creation_stack() -> list[str]:
    """Where the forward call came from, for ``detect_anomaly`` messages.

    The innermost frames inside the core (Op.apply, operator wrappers, op modules) are
    dropped, so the last line shown is the user's (or nn's) call.
    """
    frames = traceback.extract_stack()[:-2]
    ops_dir = os.path.join(_PACKAGE_DIR, "ops") + os.sep
    while frames and (frames[-1].filename in _CORE_FILES or frames[-1].filename.startswith(ops_dir)):
        frames.pop()
    return traceback.format_list(frames[-6:])


def _array_or_op(cls, *args, **params):
    """Run an op on plain arrays without recording, or record it when a Tensor is given.

    Derivative rules call ``SomeOp.fn(x)`` for helpers that must stay arrays on an
    ordinary backward pass and become graph nodes under ``create_graph=True``.
    """
    for a in args:
        if isinstance(a, Tensor):
            return cls.apply(*args, **params)
    out = _new(cls).forward(*args, **params)
    return out if out.__class__ is _ndarray else np.asarray(out)


Op.fn = classmethod(_array_or_op)
