"""The adjoint pass: iterative, dependency-counted reverse topological order.

``execute`` walks the graph twice, both times with an explicit stack (never
recursion, so million-node chains are fine):

1. count, for every node reachable from the roots, how many consumers it has;
2. start from the roots, call each node's rule once all its consumers have sent
   their gradient, sum gradients per node, and hand each input its share.

Each adjoint is dropped as soon as its node has run, and each node's saved values
are freed after its rule unless ``retain_graph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import grad_mode
from .broadcasting import sum_to, sum_to_array
from .errors import AnomalyError, GraphError, ShapeError
from .function import anomaly_state
from .tensor import Tensor, _make

_ndarray = np.ndarray


def _seed(root: Tensor, gradient: Any, create_graph: bool):
    if gradient is None:
        if root.data.size != 1:
            raise GraphError(
                f"backward: grad can be implicitly created only for one-element outputs, "
                f"but the output has shape {root.shape}; pass gradient= an array of shape "
                f"{root.shape}"
            )
        seed = np.ones(root.data.shape, root.data.dtype)
        return _make(seed) if create_graph else seed
    g = gradient
    if isinstance(g, Tensor):
        g_shape = g.data.shape
    else:
        g = np.asarray(g)
        g_shape = g.shape
    if g_shape != root.data.shape:
        raise GraphError(
            f"backward: gradient has shape {tuple(g_shape)} but the output has shape "
            f"{root.shape}; they must match"
        )
    if create_graph:
        if not isinstance(g, Tensor):
            g = _make(g)
        return g.astype(root.dtype) if g.dtype != root.dtype else g
    if isinstance(g, Tensor):
        g = g.data
    return g.astype(root.dtype) if g.dtype != root.dtype else g


def run_backward(root: Tensor, gradient: Any, retain_graph: bool | None, create_graph: bool) -> None:
    """``Tensor.backward``: accumulate gradients into leaves."""
    if not root._rg:
        raise GraphError(
            "backward: the tensor does not require grad and has no grad_fn; set "
            "requires_grad=True on the inputs you want gradients for"
        )
    if retain_graph is None:
        retain_graph = create_graph
    seed = _seed(root, gradient, create_graph)
    if root._grad_fn is None:
        leaf_grads = {id(root): [root, seed]}
        _finish_leaves(leaf_grads, None, create_graph)
        return
    execute([root._grad_fn], [seed], retain_graph, create_graph)


def execute(
    roots: Sequence[Any],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list | None:
    """Run one adjoint pass from ``roots`` (nodes) with upstream ``seeds``.

    Without ``inputs`` the gradients accumulate into leaves' ``.grad``. With
    ``inputs`` (tensors, leaves or not) nothing is written anywhere: the pass is
    pruned to the nodes that reach an input and their gradients are returned
    (``None`` for an input the outputs do not depend on).
    """
    if create_graph:
        with grad_mode.enable_grad():
            return _execute(roots, seeds, retain_graph, True, inputs)
    with grad_mode.no_grad():
        return _execute(roots, seeds, retain_graph, False, inputs)


def _execute(roots, seeds, retain_graph, create_graph, inputs):
    # 1. dependency counts (and, for pruning, a parents-before-children order)
    deps: dict = {}
    for r in roots:
        deps[r] = 0
    stack = list(deps)
    order = [] if inputs is not None else None
    while stack:
        n = stack.pop()
        if order is not None:
            order.append(n)
        for p in n.parents:
            if p is not None and p._is_node:
                c = deps.get(p)
                if c is None:
                    deps[p] = 1
                    stack.append(p)
                else:
                    deps[p] = c + 1

    wanted_nodes = None
    captured: dict = {}
    if inputs is not None:
        wanted_nodes = {}
        wanted_leaves = {}
        for i, t in enumerate(inputs):
            if t._grad_fn is not None:
                wanted_nodes.setdefault(t._grad_fn, []).append(i)
            else:
                wanted_leaves.setdefault(id(t), []).append(i)
        reach = _reaching(order, wanted_nodes, wanted_leaves)
    else:
        reach = None

    grads: dict = {}
    for r, s in zip(roots, seeds):
        grads[r] = grads[r] + s if r in grads else s
    ready = [r for r in deps if deps[r] == 0]
    leaf_grads: dict = {}
    handed: set = set()  # ids of arrays given to leaves: a second leaf gets a copy
    anomaly = anomaly_state["enabled"]
    while ready:
        n = ready.pop()
        g = grads.pop(n, None)
        in_grads = None
        if g is not None:
            if n.pre_hooks:
                g = _apply_hooks(n.pre_hooks, g, create_graph)
            if n.retained is not None:
                _retain(n, g, create_graph)
            if wanted_nodes is not None and n in wanted_nodes:
                captured[n] = g
            if reach is None or n in reach:
                in_grads = n.run_backward(g, create_graph)
                if len(n.parents) == 1:
                    in_grads = (in_grads,)
                elif len(in_grads) != len(n.parents):
                    raise GraphError(
                        f"'{n.name}': backward returned {len(in_grads)} gradients for {len(n.parents)} inputs"
                    )
                if anomaly:
                    _check_finite(n, in_grads)
            if not retain_graph:
                n.release()
        for i, p in enumerate(n.parents):
            if p is None:
                continue
            gi = None if in_grads is None else in_grads[i]
            if p._is_node:
                if gi is not None:
                    gi = _fit(gi, p.out_shape, p.out_dtype, n, i, create_graph)
                    prev = grads.get(p)
                    grads[p] = gi if prev is None else prev + gi
                c = deps[p] - 1
                deps[p] = c
                if c == 0:
                    ready.append(p)
            elif gi is not None:
                gi = _fit(gi, p.data.shape, p.data.dtype, n, i, create_graph)
                entry = leaf_grads.get(id(p))
                if entry is None:
                    leaf_grads[id(p)] = [p, gi]
                else:
                    entry[1] = entry[1] + gi
    if inputs is None:
        _finish_leaves(leaf_grads, handed, create_graph)
        return None
    result: list = [None] * len(inputs)
    for node, idxs in wanted_nodes.items():
        if node in captured:
            for i in idxs:
                result[i] = captured[node]
    for _, (leaf, g) in leaf_grads.items():
        if leaf._hooks:
            g = _apply_hooks(leaf._hooks, g, create_graph)
        for i in wanted_leaves.get(id(leaf), ()):
            result[i] = g
    return result


def _reaching(nodes, wanted_nodes, wanted_leaves) -> set:
    """Nodes from which some wanted input can be reached, found by walking consumer links."""
    consumers: dict = {}
    frontier = []
    for n in nodes:
        hit = n in wanted_nodes
        for p in n.parents:
            if p is None:
                continue
            if p._is_node:
                consumers.setdefault(p, []).append(n)
            elif id(p) in wanted_leaves:
                hit = True
        if hit:
            frontier.append(n)
    reach = set(frontier)
    while frontier:
        n = frontier.pop()
        for c in consumers.get(n, ()):
            if c not in reach:
                reach.add(c)
                frontier.append(c)
    return reach


def _fit(gi, shape, dtype, node, index, create_graph):
    """Bring a rule's gradient to its input's shape and dtype (the one unbroadcast)."""
    if create_graph:
        if not isinstance(gi, Tensor):
            gi = _make(np.asarray(gi))
        if gi.data.shape != shape:
            gi = _checked_sum_to(gi, shape, node, index)
        if gi.data.dtype != dtype:
            gi = gi.astype(dtype)
        return gi
    if gi.__class__ is not _ndarray:
        gi = gi.data if isinstance(gi, Tensor) else np.asarray(gi)
    if gi.shape != shape:
        gi = _checked_sum_to(gi, shape, node, index)
    if gi.dtype != dtype:
        gi = gi.astype(dtype)
    return gi


def _checked_sum_to(gi, shape, node, index):
    try:
        return sum_to(gi, shape) if isinstance(gi, Tensor) else sum_to_array(gi, shape)
    except ShapeError:
        raise ShapeError(
            f"'{node.name}': backward returned a gradient of shape {tuple(gi.shape)} for "
            f"input {index}, which has shape {tuple(shape)}"
        ) from None


def _apply_hooks(hooks, g, create_graph):
    for fn in list(hooks):
        as_tensor = g if isinstance(g, Tensor) else _make(g)
        out = fn(as_tensor)
        if out is not None:
            if create_graph:
                g = out if isinstance(out, Tensor) else _make(np.asarray(out))
            else:
                g = out.data if isinstance(out, Tensor) else np.asarray(out)
    return g


def _retain(node, g, create_graph) -> None:
    t = node.retained()
    if t is None or t._grad_fn is not node:
        return
    if not create_graph:
        g = _make(np.array(g, copy=True))
    t.grad = g if t.grad is None else t.grad + g


def _finish_leaves(leaf_grads: dict, handed: set | None, create_graph: bool) -> None:
    handed = set() if handed is None else handed
    for leaf, g in leaf_grads.values():
        if leaf._hooks:
            g = _apply_hooks(leaf._hooks, g, create_graph)
        if create_graph:
            gt = g if isinstance(g, Tensor) else _make(g)
            leaf.grad = gt if leaf.grad is None else leaf.grad + gt
            continue
        if leaf.grad is not None:
            leaf.grad = _make(leaf.grad.data + g)
            continue
        # The stored gradient must be an array the leaf owns: optimizers and
        # clip_grad_norm_ update .grad in place.
        if not (g.flags.owndata and g.flags.writeable) or id(g) in handed:
            g = g.copy()
        handed.add(id(g))
        leaf.grad = _make(g)


def _check_finite(node, in_grads) -> None:
    for i, gi in enumerate(in_grads):
        if gi is None:
            continue
        arr = gi.data if isinstance(gi, Tensor) else np.asarray(gi)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            where = "".join(node.forward_stack[-4:]) if node.forward_stack else "(unknown)"
            bad = "nan" if np.isnan(arr).any() else "inf"
            raise AnomalyError(
                f"detect_anomaly: '{node.name}' returned a gradient containing {bad} for "
                f"input {i} (shape {arr.shape}). The forward operation was created at:\n{where}"
            )


class detect_anomaly:
    """Context manager: check every gradient for NaN/inf during backward.

    Operations created inside record the Python stack of their forward call, and
    the first node whose backward produces a NaN or infinity raises
    :class:`~autograd_core.errors.AnomalyError` naming the operation and that stack.
    Slows things down; for debugging only.
    """

    def __enter__(self) -> detect_anomaly:
        anomaly_state["enabled"] += 1
        return self

    def __exit__(self, *exc: object) -> None:
        anomaly_state["enabled"] -= 1
