"""The adjoint pass: one iterative sweep in reverse recording order.

Every node carries its creation number (``Op._seq``); a node's consumers were all
recorded after it. ``execute`` keeps the nodes that have received some gradient in a
max-heap by that number, so the node popped next has heard from every consumer that
can reach it: its gradient is complete, its rule runs once, and each input gets its
share (summed to the input's shape and dtype in ``_fit``). No recursion and no
dependency-counting pre-pass: a chain of a million operations is one loop, where each
node hands its gradient straight to its parent without touching the heap.

Each adjoint is dropped as soon as its node has run, and each node's saved values
are freed after its rule unless ``retain_graph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from . import grad_mode
from .broadcasting import sum_to, sum_to_array
from .errors import AnomalyError, GraphError, ShapeError
from .function import _FIRST, _ONE, _SECOND, anomaly_state
from .grad_mode import _grad_enabled
from .tensor import Tensor, _last_write, _make, node_hooks_used

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
        _finish_leaves({root: seed}, {id(seed)}, create_graph)
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
    token = _grad_enabled.set(False)  # (no_grad(), without the context-manager calls)
    try:
        return _execute(roots, seeds, retain_graph, False, inputs)
    finally:
        _grad_enabled.reset(token)


def _count_error(node, gs) -> GraphError:
    n = len(gs) if isinstance(gs, (tuple, list)) else 1
    return GraphError(
        f"'{node.name}': backward returned {n} gradients for {len(node.parents)} inputs; it must "
        "return one per input (a bare value only for single-input ops)"
    )


def _reachable(roots) -> list:
    """Every node reachable from ``roots`` (an explicit stack: no recursion)."""
    seen = set(roots)
    stack = list(seen)
    order = []
    while stack:
        n = stack.pop()
        order.append(n)
        for p in n.parents:
            if p is not None and p._is_node and p not in seen:
                seen.add(p)
                stack.append(p)
    return order


def _execute(roots, seeds, retain_graph, create_graph, inputs):
    # Nodes run from the most recently recorded down (``_seq``, like PyTorch). A node's
    # consumers were all recorded after it, so when a node comes off the max-heap every
    # consumer that can reach it has already sent its share and its gradient is
    # complete: no dependency-counting pre-pass over the graph is needed. In a chain the
    # heap stays empty and each node hands its gradient straight to its parent.
    select = inputs is not None  # functional mode: return grads of `inputs`, prune the walk
    wanted_nodes: dict = {}
    wanted_leaves: dict = {}
    captured: dict = {}
    reach = None
    if select:
        for i, t in enumerate(inputs):
            if t._grad_fn is not None:
                wanted_nodes.setdefault(t._grad_fn, []).append(i)
            else:
                wanted_leaves.setdefault(t, []).append(i)
        reach = _reaching(_reachable(roots), wanted_nodes, wanted_leaves)

    grads: dict = {}  # pending node -> gradient summed so far
    heap: list = []  # pending nodes as (-seq, node): the most recently recorded pops first
    for r, s in zip(roots, seeds):
        if r in grads:
            grads[r] = grads[r] + s
        else:
            grads[r] = s
            heappush(heap, (-r._seq, r))
    handed = {id(s) for s in seeds}  # caller-owned arrays: a leaf's .grad gets a copy
    leaf_grads: dict = {}  # leaf Tensor -> gradient summed so far
    # Pending sums that only this pass holds (id -> array), so further gradients are
    # added into them in place; an array leaves it when it is handed to a rule.
    owned: dict = {}
    anomaly = anomaly_state["enabled"]
    last_write = _last_write
    # Everything but a plain backward() (Tensor gradients, pruning, NaN checks) goes
    # through `special`, so the common case tests one flag per node.
    general = create_graph or select or anomaly

    def special(node, g):
        """Run ``node`` in the general modes; None: nothing to pass on."""
        if select:
            if node in wanted_nodes:
                captured[node] = g
            if node not in reach:  # no wanted input below: prune (and keep: it did not run,
                return None  # and may belong to a graph the caller still needs)
        gs = node.run_backward(g, create_graph)
        if not retain_graph:
            node.release()
        if anomaly and gs is not None:
            if len(node.parents) == 1:
                _check_finite(node, (gs,), node.parents)
            elif len(gs) == len(node.parents):
                _check_finite(node, gs, node.parents)
        return gs

    # The adjoint pass. This loop runs once per node, so it is written for speed: the
    # ordinary (array) backward is inlined, a gradient that already has its input's
    # shape and dtype skips `_fit`, and the next node, when it can run right away, is
    # processed without a trip through `heap` and `grads`.
    while heap:
        node = heappop(heap)[1]
        g = grads.pop(node)
        if owned:
            owned.pop(id(g), None)
        while node is not None:
            # -- run the node's rule on its (complete) gradient g
            if node_hooks_used[0] and node.pre_hooks is not None:
                g = _pre_hooks_and_retain(node, g, create_graph, retain=not select)
            if general:
                gs = special(node, g)
            else:
                saved = node.saved
                if saved is None:
                    raise node.released_error()
                if last_write[0] > node._seq and saved:
                    node.check_versions()  # something was written in place since recording
                # (unrolled: `backward(g, *saved)` would allocate a list and a tuple)
                if not saved:
                    if (
                        node.grad_region is not None  # (a view: it saves nothing)
                        and (grads or leaf_grads)
                        and _added_to_region(node, g, grads, leaf_grads, owned)
                    ):
                        if not retain_graph:
                            node.saved = node.ctx = None
                        break  # (the rule would only have built zeros around g to add them)
                    gs = node.backward(g)
                elif len(saved) == 1:
                    gs = node.backward(g, saved[0])
                elif len(saved) == 2:
                    gs = node.backward(g, saved[0], saved[1])
                else:
                    gs = node.backward(g, *saved)
                if not retain_graph:
                    # Free the saved arrays (a second backward then raises) and the context;
                    # `saved_inputs` (constant Tensors kept for drawings, rare) stays until
                    # the graph is dropped, sparing every node a lookup here.
                    node.saved = None
                    if node.ctx is not None:
                        node.ctx = None
            if gs is None:
                break

            # -- one input needing a gradient (most nodes of a chain: unary ops, and binary
            # ops with a constant): hand the gradient over and go on with that input
            needs = node.needs_grad  # one of the shared tuples for one- and two-input ops
            if needs is _ONE:
                p = node._p
                i = 0
            elif needs is _FIRST or needs is _SECOND:
                if gs.__class__ is _ndarray or len(gs) != 2:
                    raise _count_error(node, gs)
                p = node._p
                i = 0 if needs is _FIRST else 1
                gs = gs[i]
            else:
                parents = node._ps
                if len(gs) != len(parents):
                    raise _count_error(node, gs)
                p = None
            if p is not None:
                if gs is None:
                    break
                if isinstance(p, Tensor):  # a leaf
                    _accumulate_leaf(leaf_grads, p, gs, node, create_graph, i, owned)
                    break
                if gs.__class__ is not _ndarray or gs.dtype is not p.out_dtype or gs.shape != p.out_shape:
                    gs = _fit(gs, p.out_shape, p.out_dtype, node, i, create_graph)
                if grads:  # (empty all along a chain)
                    prev = grads.get(p)
                    if prev is not None:  # already pending: add to it
                        grads[p] = _add(prev, gs, node.grad_region, owned, create_graph)
                        break
                if heap and -heap[0][0] > p._seq:
                    # a pending node recorded later may still send p gradient: queue p
                    grads[p] = gs
                    if node.grad_region is not None and not create_graph:
                        owned[id(gs)] = gs  # (a fresh array, zero outside the region)
                    heappush(heap, (-p._seq, p))
                    break
                node, g = p, gs
                continue

            # -- several inputs: the first parent not pending yet may run next
            nxt = nxt_g = None
            for i, p in enumerate(parents):
                if p is None:
                    continue
                gi = gs[i]
                if gi is None:
                    continue
                if isinstance(p, Tensor):  # a leaf
                    data = p.data
                    if (
                        gi.__class__ is _ndarray
                        and gi.dtype is data.dtype
                        and gi.shape == data.shape
                        and not create_graph
                        and p not in leaf_grads
                    ):
                        leaf_grads[p] = gi  # (the common case of _accumulate_leaf, inline)
                    else:
                        _accumulate_leaf(leaf_grads, p, gi, node, create_graph, i, owned)
                    continue
                if gi.__class__ is not _ndarray or gi.dtype is not p.out_dtype or gi.shape != p.out_shape:
                    gi = _fit(gi, p.out_shape, p.out_dtype, node, i, create_graph)
                if p is nxt:
                    nxt_g = _add(nxt_g, gi, None, owned, create_graph)
                    continue
                prev = grads.get(p)
                if prev is not None:
                    grads[p] = _add(prev, gi, None, owned, create_graph)
                elif nxt is None:
                    nxt, nxt_g = p, gi
                else:
                    grads[p] = gi
                    heappush(heap, (-p._seq, p))
            if nxt is not None and heap and -heap[0][0] > nxt._seq:
                grads[nxt] = nxt_g
                heappush(heap, (-nxt._seq, nxt))
                nxt = None
            elif owned and nxt is not None:
                owned.pop(id(nxt_g), None)  # handed to nxt's rule next
            node, g = nxt, nxt_g

    if not select:
        _finish_leaves(leaf_grads, handed, create_graph)
        return None
    result: list = [None] * len(inputs)
    for node, idxs in wanted_nodes.items():
        if node in captured:
            for i in idxs:
                result[i] = captured[node]
    for leaf, g in leaf_grads.items():
        if leaf._hooks:
            g = _apply_hooks(leaf._hooks, g, create_graph)
        for i in wanted_leaves.get(leaf, ()):
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
            elif p in wanted_leaves:
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


def _accumulate_leaf(
    leaf_grads: dict, leaf: Tensor, gi, node, create_graph: bool, index: int = 0, owned: dict | None = None
) -> None:
    data = leaf.data
    if create_graph or gi.__class__ is not _ndarray or gi.dtype is not data.dtype or gi.shape != data.shape:
        gi = _fit(gi, data.shape, data.dtype, node, index, create_graph)
    prev = leaf_grads.get(leaf)
    if prev is None:
        leaf_grads[leaf] = gi
        if owned is not None and node.grad_region is not None and not create_graph:
            owned[id(gi)] = gi
    elif owned is None:
        leaf_grads[leaf] = prev + gi
    else:
        leaf_grads[leaf] = _add(prev, gi, node.grad_region, owned, create_graph)


def _added_to_region(node, g, grads: dict, leaf_grads: dict, owned: dict) -> bool:
    """For a basic-index view whose input already has a pending gradient this pass owns:
    add the view's gradient ``g`` straight into that gradient's region and report True.

    The view's rule would return a fresh input-sized array, zero outside the region,
    which ``_add`` then adds region by region; building it costs the input's size,
    L times for L slices of one tensor (quadratic whenever the allocator has to clear
    the memory), so the engine skips it.
    """
    p = node._p
    prev = leaf_grads.get(p) if isinstance(p, Tensor) else grads.get(p)
    if prev is None or owned.get(id(prev)) is not prev or g.__class__ is not _ndarray:
        return False
    prev[node.grad_region] += g
    return True


def _add(prev, g, region, owned: dict, create_graph: bool):
    """``prev + g`` for a gradient sum, in place when the pass owns ``prev``.

    ``region`` (an op's ``grad_region``) says that ``g`` is a fresh array that is zero
    outside ``g[region]`` (the gradient of a basic-index view): then only that region is
    added, so summing the gradients of a tensor's L slices costs the size of the tensor,
    not L times it. Under ``create_graph`` the sum is a recorded op, never in place.
    """
    if create_graph:
        return prev + g
    if owned.get(id(prev)) is prev:
        if region is None:
            prev += g
        else:
            prev[region] += g[region]
        return prev
    if region is not None:  # g is ours: add prev into it
        g += prev
        owned[id(g)] = g
        return g
    total = prev + g
    owned[id(total)] = total
    return total


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


def _pre_hooks_and_retain(node, g, create_graph, retain=True):
    """A non-leaf's hooks (which may replace its gradient), then ``retain_grad``.

    Functional passes (``inputs=`` given) never write ``.grad``, so they skip retaining.
    """
    if node.pre_hooks:  # an empty list when only retain_grad() was called
        g = _apply_hooks(node.pre_hooks, g, create_graph)
    if retain and node.retained is not None:
        _retain(node, g, create_graph)
    return g


def _retain(node, g, create_graph) -> None:
    t = node.retained()
    if t is None or t._grad_fn is not node:
        return
    if not create_graph:
        g = _make(np.array(g, copy=True))
    t.grad = g if t.grad is None else t.grad + g


def _finish_leaves(leaf_grads: dict, handed: set, create_graph: bool) -> None:
    """Add each leaf's gradient into its ``.grad`` (after the leaf's hooks).

    ``handed`` holds ids of arrays the leaf must not own: the caller's seeds and arrays
    already stored as another leaf's ``.grad``.
    """
    for leaf, g in leaf_grads.items():
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


def _check_finite(node, in_grads, parents, first_index: int = 0) -> None:
    for i, (gi, p) in enumerate(zip(in_grads, parents), first_index):
        if gi is None or p is None:  # inputs without grad: whatever the rule returned is unused
            continue
        arr = gi.data if isinstance(gi, Tensor) else np.asarray(gi)
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            where = (
                "".join(node.forward_stack)
                if node.forward_stack
                else ("(unknown: the operation was recorded outside detect_anomaly)\n")
            )
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
