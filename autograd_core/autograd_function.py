"""User-defined differentiable functions: ``ac.Function``.

A subclass supplies the forward computation and its derivative as two static
methods, PyTorch style::

    class MyExp(ac.Function):
        @staticmethod
        def forward(ctx, x):
            y = ac.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = MyExp.apply(x)

Each call records one graph node, an :class:`~autograd_core.function.Op`
subclass made for the Function class, so the engine treats it like any built-in
operation. ``forward`` runs without recording; ``backward`` receives Tensors and
returns one gradient (or ``None``) per positional argument of ``forward``. When
``backward`` is written with library operations it is differentiable, so
``create_graph=True``, :func:`~autograd_core.grad` nesting and Hessians work.
An optional ``jvp(ctx, *tangents)`` static method gives the forward-mode rule;
without it :func:`~autograd_core.jvp` derives one from ``backward``.

Functions returning several tensors are supported: the node's output is the
outputs packed into one flat buffer, and each returned tensor is a slice of it.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .errors import GraphError, InplaceError, ShapeError
from .function import Op
from .grad_mode import is_grad_enabled, no_grad
from .tensor import Tensor, _make

# ---- packing several outputs into one node ------------------------------------------------


class _Part(Op):
    """Elements ``start:stop`` of a flat buffer, reshaped to ``shape`` and cast to ``dtype``."""

    name = "unpack"

    def forward(self, buf, start, stop, shape, dtype):
        self.ctx = (start, stop, shape, dtype, buf.shape[0], buf.dtype)
        return buf[start:stop].reshape(shape).astype(dtype, copy=False)

    def backward(self, grad):
        start, stop, shape, dtype, total, buf_dtype = self.ctx
        return _Place.fn(grad, start=start, total=total, dtype=buf_dtype)

    def jvp(self, t):
        start, stop, shape, dtype, _, _ = self.ctx
        return _Part.fn(t, start=start, stop=stop, shape=shape, dtype=dtype)


class _Place(Op):
    """A zero buffer of length ``total`` holding ``x`` (raveled) at ``start`` (adjoint of _Part)."""

    name = "pack"

    def forward(self, x, start, total, dtype):
        x = np.asarray(x)
        self.ctx = (start, x.size, x.shape, x.dtype, total, dtype)
        out = np.zeros(total, dtype)
        out[start : start + x.size] = x.reshape(-1)
        return out

    def backward(self, grad):
        start, size, shape, dtype, _, _ = self.ctx
        return _Part.fn(grad, start=start, stop=start + size, shape=shape, dtype=dtype)

    def jvp(self, t):
        start, _, _, _, total, dtype = self.ctx
        return _Place.fn(t, start=start, total=total, dtype=dtype)


class _Layout:
    """Where each differentiable output lives in a packed node output."""

    __slots__ = ("parts", "total", "dtype")

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.dtype = np.result_type(*[a.dtype for a in arrays])
        self.parts = []
        start = 0
        for a in arrays:
            self.parts.append((start, start + a.size, a.shape, a.dtype))
            start += a.size
        self.total = start

    def pack(self, arrays: list[np.ndarray]) -> np.ndarray:
        buf = np.empty(self.total, self.dtype)
        for (start, stop, _, _), a in zip(self.parts, arrays):
            buf[start:stop] = a.reshape(-1)
        return buf

    def split(self, packed: Any) -> list:
        """The parts of a packed value (arrays, or recorded slices of a Tensor)."""
        return [
            _Part.fn(packed, start=start, stop=stop, shape=shape, dtype=dtype)
            for start, stop, shape, dtype in self.parts
        ]

    def join(self, values: list) -> Any:
        """Pack per-output values (arrays or Tensors) into one buffer, differentiably."""
        total = None
        for (start, _, _, _), v in zip(self.parts, values):
            placed = _Place.fn(v, start=start, total=self.total, dtype=self.dtype)
            total = placed if total is None else total + placed
        return total


def record_outputs(node: Op, inputs: list, outputs: list[Tensor]) -> tuple[list[Tensor], _Layout | None]:
    """Record ``node`` as the producer of ``outputs`` (plain tensors computed without a graph).

    One output becomes the node's output directly; several are packed into one flat
    buffer and returned as recorded slices of it. Returns the graph-connected tensors
    (same data) and the packing layout (``None`` for a single output).
    """
    if len(outputs) == 1:
        y = outputs[0]
        result = node._record(inputs, y.data)
        box = y._vbox
        if box is None:
            box = y._vbox = [0]
        result._vbox = box  # an in-place change of either is seen by saved-tensor checks
        return [result], None
    layout = _Layout([o.data for o in outputs])
    packed = node._record(inputs, layout.pack([o.data for o in outputs]))
    return layout.split(packed), layout


# ---- the user-facing Function ---------------------------------------------------------------


class FunctionCtx:
    """The context object handed to a :class:`Function`'s ``forward``, ``backward`` and ``jvp``.

    Attributes
    ----------
    needs_input_grad : tuple[bool, ...]
        For each positional argument of ``forward``, whether a gradient is needed.

    Any other attribute may be set in ``forward`` to pass values to ``backward``.
    """

    def __init__(self, fn_name: str) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._fn_name = fn_name
        self._saved: list = []  # entries [tensor, version box, version, output index or -1]
        self._non_diff: set[int] = set()
        self._node = None  # weakref to the recorded node, set after forward
        self._outputs: list[Tensor] = []
        self._layout: _Layout | None = None
        self._forward_done = False

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors (inputs or outputs of ``forward``, or ``None``) for ``backward``.

        They are version-checked: modifying one in place before ``backward`` makes
        ``saved_tensors`` raise instead of returning a changed value.
        """
        entries = []
        for i, t in enumerate(tensors):
            if t is None:
                entries.append([None, None, 0, -1])
                continue
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"{self._fn_name}: save_for_backward expects Tensors or None, got "
                    f"{type(t).__name__} at position {i}; store other values as ctx attributes"
                )
            box = t._vbox
            if box is None:
                box = t._vbox = [0]
            entries.append([t, box, box[0], -1])
        self._saved = entries

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to :meth:`save_for_backward`, checked against in-place changes.

        During a ``create_graph`` backward, saved outputs are connected to this
        function's node, so the backward's own graph reaches the inputs through them.
        """
        if not self._forward_done:
            raise GraphError(f"{self._fn_name}: saved_tensors is available in backward and jvp, not forward")
        result = []
        for k, (t, box, version, out_index) in enumerate(self._saved):
            if t is None:
                result.append(None)
                continue
            if box[0] != version:
                raise InplaceError(
                    f"{self._fn_name}: saved tensor {k} (shape {t.shape}, dtype {t.dtype}) was "
                    f"modified by an in-place operation after {self._fn_name}.forward saved it "
                    f"(version {version} -> {box[0]}); clone it before modifying"
                )
            if out_index >= 0 and is_grad_enabled():
                t = self._connected_output(out_index, t)
            result.append(t)
        return tuple(result)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs of ``forward`` that have no gradient (indices, masks ...)."""
        self._non_diff.update(id(o) for o in outputs)

    def _connected_output(self, index: int, plain: Tensor) -> Tensor:
        node = self._node() if self._node is not None else None
        if node is None:
            return plain
        if self._layout is None:
            t = _make(plain.data)
            t._grad_fn = node
            t._rg = True
            t._vbox = plain._vbox
            return t
        packed = _make(self._layout.pack([o.data for o in self._outputs]))
        packed._grad_fn = node
        packed._rg = True
        return self._layout.split(packed)[index]


class _FunctionNode(Op):
    """The graph node of one ``Function.apply`` call (one subclass per Function class)."""

    fn_cls: type = None  # type: ignore[assignment]

    def backward(self, grad):
        ctx = self.ctx
        create_graph = is_grad_enabled()
        parts = iter([grad] if ctx._layout is None else ctx._layout.split(grad))
        grads_out = []
        for shape, dtype, diff in ctx._out_specs:
            if diff:
                g = next(parts)
                grads_out.append(g if isinstance(g, Tensor) else _make(np.asarray(g)))
            else:  # a non-differentiable output: its gradient is zero
                grads_out.append(_make(np.zeros(shape, dtype)))
        with no_grad() if not create_graph else _nullcontext():
            res = self.fn_cls.backward(ctx, *grads_out)
        return self._check_grads(res, create_graph)

    def _check_grads(self, res, create_graph):
        name = self.fn_cls.__name__
        n = len(self.parents)
        if not isinstance(res, (tuple, list)):
            res = (res,)
        if len(res) > n and all(g is None for g in res[n:]):
            res = res[:n]
        if len(res) != n:
            raise GraphError(
                f"{name}.backward returned {len(res)} gradient{'s' if len(res) != 1 else ''}, but "
                f"{name}.forward received {n} input{'s' if n != 1 else ''}; return one gradient "
                "(or None) per input"
            )
        out = []
        for i, g in enumerate(res):
            if g is None or not self.needs_grad[i]:
                out.append(None)
                continue
            shape = self.ctx._input_shapes[i]
            g_shape = np.shape(g.data if isinstance(g, Tensor) else g)
            if tuple(g_shape) != tuple(shape):
                raise ShapeError(
                    f"{name}.backward returned a gradient of shape {tuple(g_shape)} for input {i}, "
                    f"which has shape {tuple(shape)}"
                )
            if create_graph:
                out.append(g if isinstance(g, Tensor) else _make(np.asarray(g)))
            else:
                out.append(g.data if isinstance(g, Tensor) else np.asarray(g))
        return out[0] if n == 1 else tuple(out)

    def _user_jvp(self, tangents):
        ctx = self.ctx
        ts = (tangents,) if len(self.parents) == 1 else tangents
        full = []
        for t, shape, dtype in zip(ts, ctx._input_shapes, ctx._input_dtypes):
            if t is None:
                t = np.zeros(shape, dtype if dtype is not None else np.float64)
            full.append(t if isinstance(t, Tensor) else _make(np.asarray(t)))
        res = self.fn_cls.jvp(ctx, *full)
        if not isinstance(res, (tuple, list)):
            res = (res,)
        diff = [t for t, (_, _, d) in zip(res, ctx._out_specs) if d]
        if ctx._layout is None:
            return diff[0]
        values = [
            np.zeros(shape, dtype) if t is None else t
            for t, (_, _, shape, dtype) in zip(diff, ctx._layout.parts)
        ]
        return ctx._layout.join(values)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Function:
    """Base class for operations with a hand-written derivative.

    Subclass it with static methods ``forward(ctx, *args)`` (computes the outputs
    from Tensors, without recording) and ``backward(ctx, *grads)`` (one incoming
    gradient per output; returns one gradient or ``None`` per positional argument).
    Optionally ``jvp(ctx, *tangents)`` returns the output tangent(s) for forward mode.
    Call it as ``MyFunction.apply(*args)``.

    ``ctx`` offers ``save_for_backward``, ``saved_tensors`` (version-checked),
    ``needs_input_grad`` and ``mark_non_differentiable``. A ``backward`` written with
    library operations supports ``create_graph=True`` (double backward): saved inputs
    and outputs are then graph-connected tensors. A gradient of the wrong shape or the
    wrong number of gradients raises, naming the Function and the input index.
    """

    _node_cls: type = _FunctionNode

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        attrs: dict[str, Any] = {"name": cls.__name__, "fn_cls": cls}
        if getattr(cls, "jvp", None) is not None:
            attrs["jvp"] = _FunctionNode._user_jvp
        cls._node_cls = type(f"{cls.__name__}Node", (_FunctionNode,), attrs)

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError("Function subclasses must implement forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError("Function subclasses must implement backward(ctx, *grads)")

    jvp = None  # optional: @staticmethod jvp(ctx, *tangents)

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` and, when an input requires grad, record one graph node."""
        name = cls.__name__
        ctx = FunctionCtx(name)
        grad_on = is_grad_enabled()
        needs = tuple(bool(grad_on and isinstance(a, Tensor) and a._rg) for a in args)
        ctx.needs_input_grad = needs
        with no_grad():
            raw = cls.forward(ctx, *args)
        ctx._forward_done = True
        is_seq = isinstance(raw, (tuple, list))
        outs = list(raw) if is_seq else [raw]
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                if isinstance(o, np.ndarray) or np.isscalar(o):
                    outs[k] = _make(np.asarray(o))
                else:
                    raise TypeError(
                        f"{name}.forward must return Tensors (or a tuple of them), got "
                        f"{type(o).__name__} at output {k}"
                    )
        if not any(needs):
            ctx._saved = []
            return tuple(outs) if is_seq else outs[0]
        diff_idx = [k for k, o in enumerate(outs) if o.data.dtype.kind == "f" and id(o) not in ctx._non_diff]
        if not diff_idx:
            return tuple(outs) if is_seq else outs[0]
        node = cls._node_cls.__new__(cls._node_cls)
        node.ctx = ctx
        ctx._input_shapes = tuple(np.shape(a.data if isinstance(a, Tensor) else a) for a in args)
        ctx._input_dtypes = tuple(
            (a.data.dtype if isinstance(a, Tensor) else getattr(a, "dtype", None)) for a in args
        )
        ctx._out_specs = [(o.data.shape, o.data.dtype, k in diff_idx) for k, o in enumerate(outs)]
        diff_outs = [outs[k] for k in diff_idx]
        connected, layout = record_outputs(node, list(args), diff_outs)
        ctx._layout = layout
        ctx._node = weakref.ref(node)
        # saved outputs: note which output each is, so a create_graph backward can reconnect it
        out_pos = {id(o): j for j, o in enumerate(diff_outs)}
        for entry in ctx._saved:
            if entry[0] is not None and id(entry[0]) in out_pos:
                entry[3] = out_pos[id(entry[0])]
        if layout is not None and any(e[3] >= 0 for e in ctx._saved):
            ctx._outputs = diff_outs  # needed to rebuild the packed buffer
        result = list(outs)
        for j, k in enumerate(diff_idx):
            result[k] = connected[j]
        return tuple(result) if is_seq else result[0]
