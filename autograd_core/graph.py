"""The one public walk over a computation graph.

A graph is made of *nodes*: the :class:`~autograd_core.function.Op` that produced
each non-leaf tensor, and the leaf tensors themselves. ``Op.parents`` holds, per
input, the parent node, the leaf tensor, or ``None`` for an input that needs no
gradient. :func:`walk` visits everything reachable from some tensors with an
explicit stack (never recursion), so a million-node chain is no problem; drawing
(:mod:`autograd_core.viz`), module recording and debugging tools all use it. The
engine keeps its own, tighter loop for the adjoint pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .function import Op
from .tensor import Tensor

__all__ = ["walk", "node_of", "is_op"]


def is_op(node: Any) -> bool:
    """True for graph nodes that are operations (as opposed to leaf tensors)."""
    return isinstance(node, Op)


def node_of(x: Tensor | Op) -> Tensor | Op:
    """The graph node standing for ``x``: its ``grad_fn``, or the tensor itself for a leaf."""
    if isinstance(x, Tensor):
        return x.grad_fn if x.grad_fn is not None else x
    if isinstance(x, Op):
        return x
    raise TypeError(f"walk: expected Tensors or graph nodes, got {type(x).__name__}")


def walk(*tensors: Tensor | Op, stop: Iterable[Tensor | Op] = ()) -> list[tuple[Any, tuple]]:
    """All nodes that ``tensors`` depend on, in topological (data-flow) order.

    Parameters
    ----------
    *tensors : Tensor or Op
        Where to start: a tensor stands for its ``grad_fn`` (or itself, for a leaf).
    stop : iterable of Tensor or Op, optional
        Nodes at which the walk ends: they are neither returned nor entered. Used
        to cut out the part of a graph that one function call created.

    Returns
    -------
    list of (node, parents)
        Every reachable node exactly once, each after all of its parents, so the
        inputs come first and ``tensors`` last. ``node`` is an ``Op`` or a leaf
        ``Tensor``; ``parents`` is ``node.parents`` for an op (entries may be
        ``None``: inputs that need no gradient) and ``()`` for a leaf.

    Examples
    --------
    >>> import autograd_core as ac
    >>> from autograd_core.graph import walk
    >>> x = ac.tensor([1.0, 2.0], requires_grad=True)
    >>> y = ac.tanh(x * 2.0)
    >>> [getattr(n, "name", "leaf") for n, _ in walk(y)]
    ['leaf', 'mul', 'tanh']
    """
    seen: set[int] = {id(node_of(s)) for s in stop}
    order: list[tuple[Any, tuple]] = []
    for start in tensors:
        root = node_of(start)
        if id(root) in seen:
            continue
        seen.add(id(root))
        parents = root.parents if isinstance(root, Op) else ()
        stack = [(root, parents, 0)]
        while stack:
            node, parents, i = stack[-1]
            n = len(parents)
            while i < n:
                p = parents[i]
                i += 1
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    stack[-1] = (node, parents, i)
                    stack.append((p, p.parents if isinstance(p, Op) else (), 0))
                    break
            else:
                stack.pop()
                order.append((node, parents))
    return order
