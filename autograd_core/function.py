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
"""

from __future__ import annotations

import numpy as np

from . import grad_mode
from .errors import GraphError, InplaceError

_is_grad_enabled = grad_mode.is_grad_enabled_fast
_ndarray = np.ndarray

# Set by ``detect_anomaly``; read once per op creation (a plain global is the cheapest check).
anomaly_state = {"enabled": 0}


class Op:
    """A node of the computation graph: the operation that produced one tensor.

    Attributes
    ----------
    parents : tuple
        For each input, the node that produced it, the leaf Tensor itself, or ``None``
        when that input does not require grad.
    needs_grad : tuple[bool, ...]
        Which inputs need a gradient.
    out_shape, out_dtype :
        Shape and dtype of the output; the engine checks incoming gradients against them.
    """

    #: readable name shown in ``repr``, errors and graph drawings
    name: str = "op"
    #: indices of the inputs that ``backward`` receives as saved values
    save_inputs: tuple[int, ...] = ()
    #: whether ``backward`` receives the output as a saved value
    save_output: bool = False
    #: True for ops whose output is a NumPy view of input 0 (shares memory)
    is_view: bool = False

    # per-node fields with class-level defaults, so the hot path sets only what it uses
    ctx = None
    saved_values: tuple = ()
    saved_versions: tuple = ()
    out_data = None
    out_vbox = None
    out_version = 0
    pre_hooks = None
    retained = None
    released = False
    forward_stack = None
    view_check = None
    _is_node = True  # distinguishes nodes from leaf Tensors in the engine's walk

    def forward(self, *args, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad, *saved):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward")

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the forward pass on ``inputs`` and record a node when grad is needed."""
        node = cls.__new__(cls)
        arrays = []
        record = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                if x._rg:
                    record = True
            else:
                arrays.append(x)
        out = node.forward(*arrays, **params)
        if out.__class__ is not _ndarray:
            out = np.asarray(out)
        if not record or not _is_grad_enabled():
            return _make(out)
        return node._record(inputs, out)

    def _record(self, inputs, out):
        parents = []
        needs = []
        for x in inputs:
            if isinstance(x, Tensor) and x._rg:
                parents.append(x._grad_fn or x)
                needs.append(True)
            else:
                parents.append(None)
                needs.append(False)
        self.parents = tuple(parents)
        self.needs_grad = tuple(needs)
        self.out_shape = out.shape
        self.out_dtype = out.dtype
        result = Tensor.__new__(Tensor)
        result.data = out
        result._grad_fn = self
        result._rg = True
        if self.save_inputs:
            values = []
            versions = []
            for i in self.save_inputs:
                x = inputs[i]
                values.append(x)
                if isinstance(x, Tensor):
                    box = x._vbox
                    if box is None:
                        box = x._vbox = [0]
                    versions.append(box[0])
                else:
                    versions.append(-1)
            self.saved_values = tuple(values)
            self.saved_versions = tuple(versions)
        if self.save_output:
            self.out_data = out
            self.out_vbox = result._vbox = [0]
        if self.is_view:
            base = inputs[0]
            box = base._vbox
            if box is None:
                box = base._vbox = [0]
            result._vbox = box
            result._base = base._base if base._base is not None else base
            self.view_check = (box, box[0])
        if anomaly_state["enabled"]:
            import traceback

            self.forward_stack = traceback.format_stack()[:-3]
        return result

    # ---- used by the engine -------------------------------------------------------

    def run_backward(self, grad, create_graph: bool):
        """Call ``backward`` with the saved values in the requested mode."""
        if self.released:
            raise GraphError(
                f"Trying to backward through the graph a second time (at '{self.name}'): "
                "its saved values were freed after the first backward. "
                "Pass retain_graph=True to the first backward() if you need to "
                "backward through the graph again."
            )
        saved = []
        if self.saved_values:
            for x, version in zip(self.saved_values, self.saved_versions):
                if version >= 0:
                    if x._vbox[0] != version:
                        raise InplaceError(
                            f"one of the tensors needed by '{self.name}' for its gradient "
                            f"(shape {x.shape}, dtype {x.dtype}) was modified by an in-place "
                            f"operation after '{self.name}' saved it (version {version} -> "
                            f"{x._vbox[0]}); avoid the in-place change or clone the tensor first"
                        )
                    saved.append(x if create_graph else x.data)
                else:
                    saved.append(x)
        if self.save_output:
            if self.out_vbox[0] != self.out_version:
                raise InplaceError(
                    f"the output of '{self.name}' (shape {self.out_shape}, dtype "
                    f"{self.out_dtype}) was modified by an in-place operation after "
                    f"'{self.name}' saved it for its gradient; clone it before modifying"
                )
            out = self.out_data
            if create_graph:
                t = _make(out)
                t._grad_fn = self
                t._rg = True
                t._vbox = self.out_vbox
                out = t
            saved.append(out)
        if self.view_check is not None:
            box, version = self.view_check
            if box[0] != version:
                raise InplaceError(
                    f"the tensor viewed by '{self.name}' was modified in place after the "
                    "view was taken, so gradients through the view would be wrong; "
                    "clone() the tensor before taking the view or before modifying it"
                )
        return self.backward(grad, *saved)

    def release(self) -> None:
        """Free what the backward pass needed; a second backward then raises."""
        self.saved_values = ()
        self.out_data = None
        self.ctx = None
        self.released = True

    def __repr__(self) -> str:
        return f"<{self.name}>"


from .tensor import Tensor, _make  # noqa: E402  (Tensor's methods need Op, Op needs Tensor)


def _array_or_op(cls, *args, **params):
    """Run an op on plain arrays without recording, or record it when a Tensor is given.

    Derivative rules call ``SomeOp.fn(x)`` for helpers that must stay arrays on an
    ordinary backward pass and become graph nodes under ``create_graph=True``.
    """
    for a in args:
        if isinstance(a, Tensor):
            return cls.apply(*args, **params)
    out = cls.__new__(cls).forward(*args, **params)
    return out if out.__class__ is _ndarray else np.asarray(out)


Op.fn = classmethod(_array_or_op)
