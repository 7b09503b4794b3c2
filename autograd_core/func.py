r"""Functional transforms: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``jacobian``
(``jacrev``), ``jacfwd``, ``hessian``, ``hvp`` and ``checkpoint``.

Every transform calls ``f`` on private copies of its inputs, so it never reads or
writes any tensor's ``.grad``, and composes with itself and the others to any order
(``grad(grad(f))``, ``jacfwd(jacrev(f))``, ``jvp(grad(f), ...)``).

Reverse mode
------------
All reverse transforms are thin layers over one vector-Jacobian product,
:func:`autograd_core.engine.execute` with ``inputs=`` (gradients returned, never
accumulated). When the computation belongs to an enclosing one (an input, or a
tensor ``f`` closes over, requires grad while grad mode is on, e.g. inside an outer
``grad``) the pass runs with ``create_graph=True`` so its result stays
differentiable; otherwise it runs at raw NumPy speed and results are detached.

Forward mode and the JVP rule contract
--------------------------------------
``jvp(f, primals, tangents)`` records ``f``'s graph once and then pushes tangents
through it from the inputs to the outputs, calling each node's own JVP rule (a
forward sweep over the tape: no hook on the hot path, and the same saved values the
backward uses). An op declares its rule next to its ``backward``::

    class Mul(Op):
        save_inputs = (0, 1)

        def backward(self, grad, a, b):
            return grad * b, grad * a

        def jvp(self, tangents, a, b):  # (ta, tb); None means a zero tangent
            ta, tb = tangents
            ...                          # ta * b + a * tb, skipping the None terms

The contract, mirroring ``backward``:

* ``jvp(self, tangents, *saved)`` gets the same ``saved`` values as ``backward``
  (``save_inputs`` then the output when ``save_output``) and ``self.ctx``.
* ``tangents`` is the input tangent itself for a single-input op (never ``None``:
  the rule is skipped when the input carries no tangent), and a tuple with one entry
  per input otherwise, ``None`` for inputs without a tangent (constants,
  non-differentiable arguments, zero tangents); at least one entry is not ``None``.
* It returns the output tangent, ``J·t``; it may be of a broadcastable shape or a
  wider dtype (the sweep broadcasts and casts it to the output's shape and dtype),
  or ``None`` for a zero tangent.
* Like ``backward`` it must be polymorphic (operators, NumPy functions, ``Op.fn``):
  tangents and saved values are arrays on an ordinary ``jvp`` and Tensors when the
  forward-mode result must itself be differentiable (``jvp`` inside ``grad``, or
  ``jvp`` of ``jvp``), where the rule records its own graph.

An op without a ``jvp`` method still works: its tangent is derived from its
``backward`` by the double-vjp trick, J·t = ∂⟨Jᵀv, t⟩/∂v, which holds because
``backward`` is linear in ``v`` and differentiable. ``testing.gradcheck(...,
check_forward_ad=True)`` checks rules against finite differences.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import dtypes
from .autograd_function import record_outputs
from .engine import execute
from .errors import AutogradError, DTypeError, GraphError, InplaceError, ShapeError
from .function import Op
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .random import get_rng_state, set_rng_state
from .tensor import Tensor, _last_write, _make

_ndarray = np.ndarray

__all__ = [
    "checkpoint",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]


class TransformError(AutogradError, ValueError):
    """A functional transform was called with arguments it cannot use."""


# ---- private graph nodes ------------------------------------------------------------------


class _Lift(Op):
    """Identity node: a transform's private handle on an input of an enclosing computation."""

    name = "lift"
    is_view = True

    def forward(self, x):
        return x.view()

    def backward(self, grad):
        return grad

    def jvp(self, t):
        return t


class _Stack(Op):
    """``np.stack`` along a new first axis (jacobian rows and columns)."""

    name = "stack"

    def forward(self, *xs):
        self.ctx = (len(xs), xs[0].shape, xs[0].dtype)
        return np.stack(xs)

    def backward(self, grad):
        from .autograd_function import _Part

        n, shape, dtype = self.ctx
        size = int(np.prod(shape))
        flat = grad.reshape(-1)
        parts = tuple(
            _Part.fn(flat, start=i * size, stop=(i + 1) * size, shape=shape, dtype=dtype) for i in range(n)
        )
        return parts[0] if n == 1 else parts

    def jvp(self, tangents):
        n, shape, dtype = self.ctx
        ts = (tangents,) if n == 1 else tangents
        return _Stack.fn(*[np.zeros(shape, dtype) if t is None else t for t in ts])


def _stack(values: list, connected: bool):
    return _Stack.apply(*values) if connected else np.stack(values)


# ---- argument handling ----------------------------------------------------------------------


def _argnums_tuple(argnums: int | Sequence[int], where: str) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool):
        return (int(argnums),), True
    if (
        isinstance(argnums, (tuple, list))
        and argnums
        and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in argnums)
    ):
        return tuple(int(a) for a in argnums), False
    raise TransformError(f"{where}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")


def _resolve_argnums(argnums: tuple[int, ...], nargs: int, where: str) -> tuple[int, ...]:
    out = []
    for a in argnums:
        if not -nargs <= a < nargs:
            raise TransformError(
                f"{where}: argnums {a} is out of range for a function called with {nargs} "
                f"positional argument{'s' if nargs != 1 else ''} (valid: {-nargs}..{nargs - 1})"
            )
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise TransformError(f"{where}: argnums {argnums} repeats an argument")
    return tuple(out)


def _lift(value: Any, where: str, index: int, outer: bool) -> tuple[Tensor, bool]:
    """A private tensor standing for ``value``: a fresh leaf, or an alias node when
    ``value`` belongs to an enclosing computation. Returns (tensor, aliased)."""
    if isinstance(value, Tensor):
        data = value.data
        if outer and value._rg:
            if data.dtype.kind != "f":  # pragma: no cover - requires_grad implies float
                raise DTypeError(f"{where}: argument {index} has dtype {data.dtype}")
            return _Lift.apply(value), True
    elif isinstance(value, _ndarray):
        data = value
    elif isinstance(value, (bool, np.bool_)):
        raise DTypeError(f"{where}: argument {index} is a bool; can only differentiate float inputs")
    elif isinstance(value, np.generic):  # before float: np.float64 subclasses float
        data = np.asarray(value)
    elif isinstance(value, (int, float)):
        data = np.asarray(value, dtype=dtypes.get_default_dtype())
    else:
        data = np.asarray(value)
        if data.dtype == object:
            raise TypeError(f"{where}: cannot use {type(value).__name__} (argument {index}) as an input")
        if data.dtype == np.float64 or data.dtype.kind in "iub":
            data = data.astype(dtypes.get_default_dtype())
    if data.dtype.kind != "f":
        raise DTypeError(
            f"{where}: argument {index} has dtype {data.dtype}; can only differentiate with respect "
            "to floating-point inputs (cast it, or leave it out of argnums)"
        )
    t = _make(data)
    t._rg = True
    return t, False


def _lift_args(args: tuple, idx: Sequence[int], where: str, outer: bool):
    call = list(args)
    lifted = []
    aliased = False
    for i in idx:
        t, a = _lift(args[i], where, i, outer)
        call[i] = t
        lifted.append(t)
        aliased = aliased or a
    return call, lifted, aliased


def _depends_on_outer(outs: Sequence[Any], lifted: Sequence[Tensor]) -> bool:
    """Whether ``outs`` reach a requires-grad tensor other than the fresh leaves in
    ``lifted`` (an aliased input, or a tensor ``f`` closed over)."""
    own_leaves = {id(t) for t in lifted if t._grad_fn is None}
    own_nodes = {t._grad_fn for t in lifted if t._grad_fn is not None}
    stack = []
    seen = set()
    for o in outs:
        if isinstance(o, Tensor) and o._rg:
            if o._grad_fn is None:
                if id(o) not in own_leaves:
                    return True
            elif o._grad_fn not in seen:
                seen.add(o._grad_fn)
                stack.append(o._grad_fn)
    while stack:
        n = stack.pop()
        if n in own_nodes:
            return True
        for p in n.parents:
            if p is None:
                continue
            if p._is_node:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
            elif id(p) not in own_leaves:
                return True
    return False


# ---- pytrees of tensors (tuples and lists) ---------------------------------------------------


def _flatten(obj: Any) -> tuple[list, Any]:
    if isinstance(obj, (tuple, list)):
        leaves: list = []
        defs = []
        for o in obj:
            sub, d = _flatten(o)
            leaves.extend(sub)
            defs.append((len(sub), d))
        return leaves, (type(obj), defs)
    return [obj], None


def _unflatten(tree: Any, leaves: list) -> Any:
    if tree is None:
        return leaves[0]
    kind, defs = tree
    out = []
    pos = 0
    for n, d in defs:
        out.append(_unflatten(d, leaves[pos : pos + n]))
        pos += n
    return kind(out) if kind is tuple else list(out)


def _detach_tree(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return _make(obj.data)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_detach_tree(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _detach_tree(v) for k, v in obj.items()}
    return obj


def _as_output(value: Any, connected: bool) -> Any:
    if isinstance(value, Tensor):
        return value if connected else _make(value.data)
    return value


def _result(g: Any, handed: set) -> Tensor:
    """Wrap a gradient for the user: Tensors stay; arrays get their own writable memory."""
    if isinstance(g, Tensor):
        return g
    if not (g.flags.writeable and g.flags.owndata) or id(g) in handed:
        g = np.array(g, copy=True)
    handed.add(id(g))
    return _make(g)


# ---- the one vector-Jacobian product ----------------------------------------------------------


def _pullback(
    outs: Sequence[Any], cots: Sequence[Any], inputs: Sequence[Tensor], create_graph: bool, retain_graph: bool
) -> list:
    """Gradients of Σ_k ⟨cots_k, outs_k⟩ w.r.t. ``inputs`` (zeros where independent).

    ``cots`` must already have each output's shape; they are cast to its dtype.
    Returns arrays, or Tensors when ``create_graph``.
    """
    roots, seeds = [], []
    direct: dict[int, Any] = {}
    for o, c in zip(outs, cots):
        if not isinstance(o, Tensor) or not o._rg or c is None:
            continue
        if create_graph:
            c = c if isinstance(c, Tensor) else _make(np.asarray(c))
        elif isinstance(c, Tensor):
            c = c.data
        if c.dtype != o.data.dtype:
            c = c.astype(o.data.dtype)
        if o._grad_fn is None:
            direct[id(o)] = c if id(o) not in direct else direct[id(o)] + c
        else:
            roots.append(o._grad_fn)
            seeds.append(c)
    grads: list = [None] * len(inputs)
    if roots:
        grads = execute(roots, seeds, retain_graph, create_graph, inputs=list(inputs))
    result = []
    for x, g in zip(inputs, grads):
        extra = direct.get(id(x))
        if extra is not None:
            g = extra if g is None else g + extra
        if g is None:
            z = np.zeros(x.data.shape, x.data.dtype)
            g = _make(z) if create_graph else z
        elif create_graph and not isinstance(g, Tensor):
            g = _make(np.asarray(g))
        result.append(g)
    return result


def _cotangent(c: Any, out: Tensor, where: str, k: int) -> Any:
    if isinstance(c, Tensor):
        shape = c.data.shape
    else:
        c = np.asarray(c)
        shape = c.shape
    if tuple(shape) != tuple(out.data.shape):
        raise ShapeError(
            f"{where}: cotangent {k} has shape {tuple(shape)} but output {k} has shape {out.data.shape}"
        )
    return c


def _check_scalar(out: Any, where: str) -> Tensor:
    if not isinstance(out, Tensor):
        if isinstance(out, (tuple, list, dict)):
            raise TransformError(
                f"{where}: f must return a one-element tensor, got a {type(out).__name__} (use "
                "has_aux=True to return (value, aux), or jacobian for several outputs)"
            )
        out = _make(np.asarray(out))
    if out.data.size != 1:
        raise ShapeError(
            f"{where}: f must return a one-element (scalar) tensor, but its output has shape "
            f"{out.data.shape}; reduce it (e.g. .sum()) or use ac.jacobian / ac.vjp for non-scalar outputs"
        )
    if out.data.dtype.kind != "f":
        raise DTypeError(f"{where}: f returned dtype {out.data.dtype}; a floating-point scalar is needed")
    return out


def _split_aux(res: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return res, None
    if not (isinstance(res, (tuple, list)) and len(res) == 2):
        raise TransformError(f"{where}: with has_aux=True, f must return a pair (output, aux)")
    return res[0], res[1]


# ---- grad / value_and_grad / vjp ----------------------------------------------------------------


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False):
    r"""Return a function computing ``(f(*args), ∇f(*args))`` with one reverse pass.

    Parameters
    ----------
    f : callable
        Returns a one-element tensor (or ``(value, aux)`` when ``has_aux``).
    argnums : int or tuple of int
        Which positional arguments to differentiate; a tuple gives a tuple of gradients.
    has_aux : bool
        ``f`` returns ``(value, aux)``; the result is then ``((value, aux), grad)``.

    Inputs may be Tensors, arrays or Python floats (gradients of Python floats have
    the default dtype). No tensor's ``.grad`` is read or written. Nested calls stay
    differentiable: ``grad(grad(f))`` is the second derivative.

    >>> import autograd_core as ac
    >>> v, g = ac.value_and_grad(lambda x: (x * x).sum())(ac.tensor([1.0, 2.0]))
    >>> v.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """
    nums, single = _argnums_tuple(argnums, "value_and_grad")

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any):
        idx = _resolve_argnums(nums, len(args), "grad")
        outer = is_grad_enabled()
        call, lifted, aliased = _lift_args(args, idx, "grad", outer)
        with enable_grad():
            res = f(*call, **kwargs)
        out, aux = _split_aux(res, has_aux, "grad")
        out = _check_scalar(out, "grad")
        # A graph reaching tensors of an enclosing computation must be kept (and, with grad
        # mode on, the pass recorded); one made only of our private leaves can be freed.
        shared = aliased or _depends_on_outer([out], lifted)
        nested = outer and shared
        seed = np.ones(out.data.shape, out.data.dtype)
        grads = _pullback([out], [seed], lifted, create_graph=nested, retain_graph=shared)
        handed: set = set()
        grads = tuple(_result(g, handed) for g in grads)
        value = _as_output(out, nested)
        if has_aux:
            value = (value, aux if nested else _detach_tree(aux))
        return value, (grads[0] if single else grads)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False):
    r"""Return a function computing the gradient of scalar-valued ``f``.

    ``grad(f)(x)`` is ∂f/∂x, a Tensor of ``x``'s shape and dtype (a tuple of them for
    tuple ``argnums``; ``(grad, aux)`` with ``has_aux``). Composable to any order:

    >>> import autograd_core as ac
    >>> d3 = ac.grad(ac.grad(ac.grad(ac.sin)))  # -cos
    >>> round(d3(0.5).item(), 5)
    -0.87758

    Raises ``ShapeError`` (naming the shape) when ``f``'s output has more than one
    element and ``TransformError`` when ``argnums`` is out of range.
    """
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False):
    r"""Evaluate ``f(*primals)`` and return ``(out, vjp_fn)``.

    ``vjp_fn(cotangent)`` returns ``cotangentᵀ·J`` for every primal, always as a tuple.
    ``cotangent`` has the structure of ``out`` (a tensor, or a tuple for tuple
    outputs). ``vjp_fn`` may be called any number of times; it is differentiable with
    respect to the cotangent and, inside an enclosing transform, the primals.
    With ``has_aux`` ``f`` returns ``(out, aux)`` and the result is ``(out, vjp_fn, aux)``.
    """
    outer = is_grad_enabled()
    call, lifted, aliased = _lift_args(primals, range(len(primals)), "vjp", outer)
    with enable_grad():
        res = f(*call)
    res, aux = _split_aux(res, has_aux, "vjp")
    outs, tree = _flatten(res)
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            outs[k] = _make(np.asarray(o))
    nested = outer and (aliased or _depends_on_outer(outs, lifted))

    def vjp_fn(*cotangents: Any) -> tuple:
        cots = cotangents[0] if len(cotangents) == 1 else cotangents
        flat, _ = _flatten(cots)
        if len(flat) != len(outs):
            raise TransformError(
                f"vjp_fn: expected {len(outs)} cotangent(s) (one per output), got {len(flat)}"
            )
        flat = [_cotangent(c, o, "vjp_fn", k) for k, (c, o) in enumerate(zip(flat, outs))]
        cg = nested or (is_grad_enabled() and any(isinstance(c, Tensor) and c._rg for c in flat))
        grads = _pullback(outs, flat, lifted, create_graph=cg, retain_graph=True)
        handed: set = set()
        return tuple(_result(g, handed) for g in grads)

    out = _unflatten(tree, [_as_output(o, nested) for o in outs])
    if has_aux:
        return out, vjp_fn, (aux if nested else _detach_tree(aux))
    return out, vjp_fn


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0):
    r"""Return a function computing the Jacobian of ``f`` by reverse mode (one vjp per output element).

    For an output of shape ``S`` and an input of shape ``T`` the Jacobian has shape
    ``S + T``: ``J[i..., j...] = ∂out[i...]/∂x[j...]``. Tuple ``argnums`` gives a tuple
    over inputs; a tuple of outputs gives a tuple over outputs (of tuples over inputs).
    """
    nums, single = _argnums_tuple(argnums, "jacobian")

    @functools.wraps(f)
    def jacobian_f(*args: Any, **kwargs: Any):
        idx = _resolve_argnums(nums, len(args), "jacobian")
        outer = is_grad_enabled()
        call, lifted, aliased = _lift_args(args, idx, "jacobian", outer)
        with enable_grad():
            res = f(*call, **kwargs)
        outs, tree = _flatten(res)
        outs = [o if isinstance(o, Tensor) else _make(np.asarray(o)) for o in outs]
        nested = outer and (aliased or _depends_on_outer(outs, lifted))
        per_out = []
        for o in outs:
            m = o.data.size
            rows: list[list] = [[] for _ in lifted]
            for i in range(m):
                seed = np.zeros(m, o.data.dtype)
                seed[i] = 1
                gs = _pullback([o], [seed.reshape(o.data.shape)], lifted, nested, retain_graph=True)
                for k, g in enumerate(gs):
                    rows[k].append(g)
            jacs = []
            for x, r in zip(lifted, rows):
                shape = o.data.shape + x.data.shape
                if m == 0:
                    j = np.zeros(shape, x.data.dtype)
                    jacs.append(_make(j))
                    continue
                j = _stack(r, nested).reshape(shape)
                jacs.append(j if isinstance(j, Tensor) else _make(j))
            per_out.append(jacs[0] if single else tuple(jacs))
        return _unflatten(tree, per_out)

    return jacobian_f


jacrev = jacobian


# ---- forward mode ----------------------------------------------------------------------------


def _saved(node: Op, mode: str) -> list:
    """The values ``node``'s rules receive: arrays (``"array"``), unconnected Tensors
    (``"const"``) or graph-connected Tensors (``"graph"``); version-checked like backward."""
    if node.released:
        raise GraphError(
            f"forward-mode pass through '{node.name}': its saved values were freed by a backward "
            "pass; run the backward with retain_graph=True"
        )
    if mode == "array" and _last_write[0] <= node._seq:
        return list(node.saved)  # nothing was written in place since recording (like backward)
    saved = []
    saved_for, needs = node.saved_for, node.needs_grad
    for k, (x, version) in enumerate(zip(node.saved_values, node.saved_versions)):
        if version >= 0:
            used = saved_for is None or any(needs[j] for j in saved_for[k])
            if used and x._vbox[0] != version:
                raise InplaceError(
                    f"one of the tensors needed by '{node.name}' for its derivative (shape {x.shape}, "
                    f"dtype {x.dtype}) was modified by an in-place operation after '{node.name}' "
                    "saved it; avoid the in-place change or clone the tensor first"
                )
            saved.append(x if mode == "graph" else (x.data if mode == "array" else _make(x.data)))
        else:
            saved.append(x)
    if node.save_output:
        if node.out_vbox[0] != node.out_version:
            raise InplaceError(
                f"the output of '{node.name}' (shape {node.out_shape}) was modified by an in-place "
                f"operation after '{node.name}' saved it for its derivative; clone it before modifying"
            )
        out = node.out_data
        if mode == "graph":
            t = _make(out)
            t._grad_fn = node
            t._rg = True
            t._vbox = node.out_vbox
            out = t
        elif mode == "const":
            out = _make(out)
        saved.append(out)
    return saved


def _fit_tangent(t: Any, node: Op, connected: bool) -> Any:
    shape, dtype = node.out_shape, node.out_dtype
    if connected:
        if not isinstance(t, Tensor):
            t = _make(np.asarray(t))
    elif isinstance(t, Tensor):
        t = t.data
    elif t.__class__ is not _ndarray:
        t = np.asarray(t)
    if t.shape != shape:
        try:
            target = np.broadcast_shapes(t.shape, shape)
        except ValueError:
            target = None
        if target != tuple(shape):
            raise ShapeError(
                f"'{node.name}': jvp returned a tangent of shape {tuple(t.shape)} for an output of "
                f"shape {tuple(shape)}"
            )
        t = np.broadcast_to(t, shape)
    if t.dtype != dtype:
        t = t.astype(dtype)
    return t


def _jvp_by_double_vjp(node: Op, tangents: list, connected: bool) -> Any:
    """J·t for a node without a jvp rule: ∂⟨backward(v), t⟩/∂v (backward is linear in v)."""
    v = _make(np.zeros(node.out_shape, node.out_dtype))
    v._rg = True
    saved = _saved(node, "graph" if connected else "const")
    with enable_grad():
        gs = node.backward(v, *saved)
    if len(node.parents) == 1 and not (isinstance(gs, (tuple, list)) and len(gs) == 1):
        gs = (gs,)
    outs, cots = [], []
    for p, g, t in zip(node.parents, gs, tangents):
        if t is None or g is None or not isinstance(g, Tensor):
            continue  # a gradient that is not a Tensor does not depend on v: zero contribution
        in_shape = p.out_shape if p._is_node else p.data.shape
        if g.data.shape != tuple(in_shape):
            t = np.broadcast_to(t, g.data.shape)  # ⟨sum_to(g), t⟩ = ⟨g, broadcast(t)⟩
        outs.append(g)
        cots.append(t)
    if not outs:
        return None
    # retain: saved outputs of user Functions connect this small graph to the forward graph
    (jt,) = _pullback(outs, cots, [v], create_graph=connected, retain_graph=True)
    return jt


def _node_jvp(node: Op, tangents: list, connected: bool) -> Any:
    rule = getattr(node, "jvp", None)
    if rule is None:
        t = _jvp_by_double_vjp(node, tangents, connected)
    else:
        saved = _saved(node, "graph" if connected else "array")
        t = rule(tangents[0], *saved) if len(node.parents) == 1 else rule(tuple(tangents), *saved)
    return None if t is None else _fit_tangent(t, node, connected)


def _parents_first(roots: list, sources: dict) -> list:
    """Nodes reachable from ``roots`` in an order where every node follows its parents;
    the walk does not go past ``sources``."""
    order: list = []
    seen: set = set()
    stack = [(r, False) for r in roots]
    while stack:
        n, expanded = stack.pop()
        if expanded:
            order.append(n)
            continue
        if n in seen:
            continue
        seen.add(n)
        stack.append((n, True))
        if n in sources:
            continue
        for p in n.parents:
            if p is not None and p._is_node and p not in seen:
                stack.append((p, False))
    return order


def _push_forward(outs: list, inputs: list, tangents: list, connected: bool) -> list:
    """Output tangents of ``outs`` for input tangents (``None`` = zero), by each node's jvp rule."""
    leaf_t: dict[int, Any] = {}
    sources: dict = {}
    for x, t in zip(inputs, tangents):
        if x._grad_fn is None:
            leaf_t[id(x)] = t
        else:
            sources[x._grad_fn] = t
    roots = []
    for o in outs:
        if isinstance(o, Tensor) and o._grad_fn is not None:
            roots.append(o._grad_fn)
    order = _parents_first(roots, sources)
    # consumers still to run, so each tangent is dropped once used
    remaining: dict = {}
    for n in order:
        if n in sources:
            continue
        for p in n.parents:
            if p is not None and p._is_node:
                remaining[p] = remaining.get(p, 0) + 1
    keep = set(roots)
    tan: dict = {}
    with enable_grad() if connected else no_grad():
        for n in order:
            if n in sources:
                if sources[n] is not None:
                    tan[n] = sources[n]
                continue
            tins = []
            some = False
            for p in n.parents:
                if p is None:
                    t = None
                elif p._is_node:
                    t = tan.get(p)
                    c = remaining[p] - 1
                    remaining[p] = c
                    if c == 0 and p not in keep:
                        tan.pop(p, None)
                else:
                    t = leaf_t.get(id(p))
                tins.append(t)
                some = some or t is not None
            if some:
                t = _node_jvp(n, tins, connected)
                if t is not None:
                    tan[n] = t
    result = []
    for o in outs:
        t = None
        if isinstance(o, Tensor) and o._rg:
            t = leaf_t.get(id(o)) if o._grad_fn is None else tan.get(o._grad_fn)
        if t is None:
            z = np.zeros(np.shape(o.data if isinstance(o, Tensor) else o), _float_dtype(o))
            t = _make(z) if connected else z
        elif connected and not isinstance(t, Tensor):
            t = _make(np.asarray(t))
        result.append(t)
    return result


def _float_dtype(o: Any) -> np.dtype:
    dt = np.asarray(o.data if isinstance(o, Tensor) else o).dtype
    return dt if dt.kind == "f" else dtypes.get_default_dtype()


def _tangent(t: Any, x: Tensor, where: str, k: int, connected: bool) -> Any:
    if t is None:
        return None
    if isinstance(t, Tensor):
        arr = t.data
    else:
        arr = np.asarray(t, dtype=x.data.dtype if isinstance(t, (int, float)) else None)
        t = arr
    if arr.shape != x.data.shape:
        raise ShapeError(
            f"{where}: tangent {k} has shape {arr.shape} but primal {k} has shape {x.data.shape}"
        )
    if arr.dtype != x.data.dtype:
        t = t.astype(x.data.dtype)
    if connected:
        return t if isinstance(t, Tensor) else _make(t)
    return t.data if isinstance(t, Tensor) else t


class _Linearized:
    """``f`` evaluated once with its graph; ``push`` maps input tangents to output tangents."""

    def __init__(self, f: Callable, args: tuple, idx: Sequence[int], where: str, extra_rg: bool = False):
        outer = is_grad_enabled()
        call, self.lifted, aliased = _lift_args(args, idx, where, outer)
        with enable_grad():
            res = f(*call)
        outs, self.tree = _flatten(res)
        self.outs = [o if isinstance(o, Tensor) else _make(np.asarray(o)) for o in outs]
        self.connected = outer and (aliased or extra_rg or _depends_on_outer(self.outs, self.lifted))

    def push(self, tangents: list) -> list:
        return _push_forward(self.outs, self.lifted, tangents, self.connected)


def _tuple_arg(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]):
    r"""Forward mode: return ``(f(*primals), J·tangents)``.

    ``primals`` and ``tangents`` are tuples of the same length (a single value is
    taken as a 1-tuple); each tangent has its primal's shape. The output tangent has
    the structure of ``f``'s output. Tangents travel through each operation's own JVP
    rule (see the module docstring); the cost is one evaluation of ``f`` plus one
    forward sweep, independent of the output size.

    >>> import autograd_core as ac
    >>> out, t = ac.jvp(ac.sin, (ac.tensor(0.0),), (ac.tensor(2.0),))
    >>> t.item()
    2.0
    """
    primals, tangents = _tuple_arg(primals), _tuple_arg(tangents)
    if len(primals) != len(tangents):
        raise TransformError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    tangent_rg = is_grad_enabled() and any(isinstance(t, Tensor) and t._rg for t in tangents)
    lin = _Linearized(f, primals, range(len(primals)), "jvp", extra_rg=tangent_rg)
    ts = [_tangent(t, x, "jvp", k, lin.connected) for k, (t, x) in enumerate(zip(tangents, lin.lifted))]
    out_t = lin.push(ts)
    out = _unflatten(lin.tree, [_as_output(o, lin.connected) for o in lin.outs])
    handed: set = set()
    return out, _unflatten(lin.tree, [_result(t, handed) for t in out_t])


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0):
    r"""Return a function computing the Jacobian of ``f`` by forward mode.

    ``f`` is evaluated once; then one forward sweep per input element gives one
    column. Same layout as :func:`jacobian` (output shape + input shape); cheaper than
    reverse mode when inputs are fewer than outputs.
    """
    nums, single = _argnums_tuple(argnums, "jacfwd")

    @functools.wraps(f)
    def jacfwd_f(*args: Any):
        idx = _resolve_argnums(nums, len(args), "jacfwd")
        lin = _Linearized(f, args, idx, "jacfwd")
        cols: list[list[list]] = [[[] for _ in lin.outs] for _ in lin.lifted]
        for k, x in enumerate(lin.lifted):
            n = x.data.size
            for j in range(n):
                e = np.zeros(n, x.data.dtype)
                e[j] = 1
                e = e.reshape(x.data.shape)
                ts = [None] * len(lin.lifted)
                ts[k] = _make(e) if lin.connected else e
                for o_i, t in enumerate(lin.push(ts)):
                    cols[k][o_i].append(t)
        per_out = []
        for o_i, o in enumerate(lin.outs):
            jacs = []
            for k, x in enumerate(lin.lifted):
                shape = o.data.shape + x.data.shape
                c = cols[k][o_i]
                if not c:
                    jacs.append(_make(np.zeros(shape, _float_dtype(o))))
                    continue
                j = _stack(c, lin.connected)  # (n, *out_shape)
                j = np.moveaxis(j.reshape((len(c), -1)), 0, -1).reshape(shape)
                jacs.append(j if isinstance(j, Tensor) else _make(np.ascontiguousarray(j)))
            per_out.append(jacs[0] if single else tuple(jacs))
        return _unflatten(lin.tree, per_out)

    return jacfwd_f


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0):
    r"""Return a function computing the Hessian of scalar ``f``: ``jacfwd(jacrev(f))``.

    For an input of shape ``T`` the result has shape ``T + T`` (for a one-element
    output of shape ``S``, ``S + T + T``); tuple ``argnums`` give a nested tuple
    ``H[i][j] = ∂²f/∂x_i∂x_j``.
    """
    return jacfwd(jacobian(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Any, tangents: Any):
    r"""Hessian-vector product of scalar ``f``: return ``(f(primals), H·tangents)``.

    Like ``torch.autograd.functional.hvp``: ``primals`` is a tensor or a tuple of
    them, and the product has the same structure. Computed forward-over-reverse,
    ``jvp(grad(f), primals, tangents)``, at about the cost of two gradients, without
    forming the Hessian.
    """
    is_tuple = isinstance(primals, (tuple, list))
    ps, ts = _tuple_arg(primals), _tuple_arg(tangents)
    if len(ps) != len(ts):
        raise TransformError(f"hvp: got {len(ps)} primals but {len(ts)} tangents")
    vg = value_and_grad(f, argnums=tuple(range(len(ps))))
    (value, _), (_, hv) = jvp(vg, ps, ts)
    return value, (tuple(hv) if is_tuple else hv[0])


# ---- checkpoint ----------------------------------------------------------------------------


class _Checkpoint(Op):
    """A segment whose intermediates are not stored: its backward re-runs the forward."""

    name = "checkpoint"

    def backward(self, grad, *saved):
        ctx = self.ctx
        create_graph = is_grad_enabled()
        n_args = ctx["n_args"]
        for t, box, version in ctx["closure"]:
            if box[0] != version:
                raise InplaceError(
                    f"checkpoint: a tensor used by {ctx['fn_name']} (shape {t.shape}, dtype {t.dtype}) "
                    "was modified in place between the forward and the backward, so re-running the "
                    "forward would give different gradients"
                )
        call = list(ctx["args"])
        wanted = []
        for pos, value in zip(self.save_inputs, saved):
            if create_graph:  # differentiable in the inputs (and in grad, for forward mode)
                t, _ = _lift(value, "checkpoint", pos, outer=True)
            else:
                t = _make(value.data if isinstance(value, Tensor) else value)
                t._rg = self.needs_grad[pos]
            call[pos] = t
            wanted.append(t)
        wanted.extend(t for t, _, _ in ctx["closure"])
        current = get_rng_state() if ctx["rng"] is not None else None
        try:
            if current is not None:
                set_rng_state(ctx["rng"])
            with enable_grad():
                outs, _ = _flatten(ctx["fn"](*call))
        finally:
            if current is not None:
                set_rng_state(current)
        outs = [outs[k] for k in ctx["diff_idx"]]
        layout = ctx["layout"]
        cots = [grad] if layout is None else layout.split(grad)
        grads = _pullback(outs, cots, wanted, create_graph, retain_graph=True)
        it = iter(grads)
        result = []
        for i in range(n_args + len(ctx["closure"])):
            result.append(next(it) if i in self.save_inputs or i >= n_args else None)
        return result[0] if len(result) == 1 else tuple(result)


def checkpoint(fn: Callable[..., Any], *args: Any, preserve_rng_state: bool = True) -> Any:
    r"""Run ``fn(*args)`` without keeping its intermediates; recompute them during backward.

    Gradients equal those of ``fn(*args)``, while the memory held between forward and
    backward drops to the segment's inputs and outputs: checkpointing each block of a
    deep model trades about one extra forward pass for memory proportional to one
    block instead of the whole model. The random state is saved and restored for the
    recomputation (``preserve_rng_state``), so dropout masks match.

    Tensors ``fn`` closes over (module parameters) get their gradients too; a tensor
    that requires grad and was *computed* outside ``fn`` should be passed as an
    argument. ``fn`` may return a tensor or a tuple of tensors.
    """
    if not is_grad_enabled():
        return fn(*args)
    rng = get_rng_state() if preserve_rng_state else None
    call = list(args)
    lifted = []
    positions = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a._rg:
            t = _make(a.data)
            t._rg = True
            call[i] = t
            lifted.append(t)
            positions.append(i)
    with enable_grad():
        raw = fn(*call)
    outs, tree = _flatten(raw)
    closure = _closure_leaves(outs, lifted)
    if not positions and not closure:
        return raw
    diff_idx = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o._rg and o.data.dtype.kind == "f"]
    if not diff_idx:
        return raw
    plain = [_make(outs[k].data) for k in diff_idx]
    node = _Checkpoint.__new__(_Checkpoint)
    node.save_inputs = tuple(positions)
    template = [None if i in positions else a for i, a in enumerate(args)]
    closure_info = []
    for t in closure:
        box = t._vbox
        if box is None:
            box = t._vbox = [0]
        closure_info.append((t, box, box[0]))
    node.ctx = {
        "fn": fn,
        "fn_name": getattr(fn, "__name__", type(fn).__name__),
        "args": template,
        "n_args": len(args),
        "closure": closure_info,
        "rng": rng,
        "diff_idx": diff_idx,
        "layout": None,
    }
    del raw, call, lifted  # drop the discovery graph: the intermediates go with it
    connected, layout = record_outputs(node, list(args) + closure, plain)
    node.ctx["layout"] = layout
    result = [_make(o.data) if isinstance(o, Tensor) else o for o in outs]
    for j, k in enumerate(diff_idx):
        result[k] = connected[j]
    return _unflatten(tree, result)


def _closure_leaves(outs: list, lifted: list) -> list:
    """Leaves requiring grad that ``outs`` reach, other than the ``lifted`` inputs."""
    own = {id(t) for t in lifted}
    found: dict[int, Tensor] = {}
    seen: set = set()
    stack = []
    for o in outs:
        if isinstance(o, Tensor) and o._rg:
            if o._grad_fn is None:
                if id(o) not in own:
                    found[id(o)] = o
            else:
                stack.append(o._grad_fn)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        for p in n.parents:
            if p is None:
                continue
            if p._is_node:
                if p not in seen:
                    stack.append(p)
            elif id(p) not in own:
                found[id(p)] = p
    return list(found.values())
