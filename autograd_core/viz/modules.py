"""Which module made which node: the data behind ``draw(..., collapse=model)``.

Graph nodes do not remember the module whose ``forward`` created them (the engine
stays free of ``nn``), so there are two ways to find out:

* **Recorded (exact).** Inside ``with ac.viz.record_modules(model):`` every
  submodule's ``forward`` is wrapped for the duration of the block. When a call
  returns, the nodes between its inputs and its outputs (found with
  :func:`autograd_core.graph.walk`, stopping at the inputs) are credited to that
  module, unless an inner module already claimed them. The record lives in a weak
  table and disappears with the graph.
* **Inferred (no set-up).** Without a record, an operation belongs to the module
  that owns a parameter it consumes directly (``fc1.weight`` -> ``fc1``), and a
  parameter-less operation sandwiched between operations of one module (every
  consumer and at least one input inside it, like the ``matmul`` between
  ``transpose(weight)`` and ``+ bias``) joins that module. Layers with parameters
  are found this way; parameter-free ones (``ReLU`` modules, functional calls)
  stay as ordinary operation nodes.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

from ..graph import is_op, walk
from ..tensor import Tensor

# Op -> (weakref to the root module given to record_modules, qualified name of the module)
_RECORDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def named_modules(model: Any) -> list[tuple[str, Any]]:
    """``[(qualified_name, module), ...]`` for ``model`` and its submodules, root first ('')."""
    if hasattr(model, "named_modules"):
        return list(model.named_modules())
    if not hasattr(model, "named_parameters"):
        raise TypeError(
            f"expected an nn.Module (with named_modules() or named_parameters()), got {type(model).__name__}"
        )
    out: list[tuple[str, Any]] = []
    stack = [("", model)]
    seen: set[int] = set()
    while stack:
        name, m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        out.append((name, m))
        kids = list(m.named_children()) if hasattr(m, "named_children") else []
        for child_name, child in reversed(kids):
            stack.append((f"{name}.{child_name}" if name else child_name, child))
    return out


def _tensors_in(obj: Any) -> list[Tensor]:
    """Tensors inside nested tuples / lists / dicts (what a forward may take or return)."""
    found: list[Tensor] = []
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            found.append(x)
        elif isinstance(x, (tuple, list)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return found


def _wrap(forward: Any, root_ref: weakref.ref, qualname: str) -> Any:
    def recorded_forward(*args: Any, **kwargs: Any) -> Any:
        out = forward(*args, **kwargs)
        outs = [t for t in _tensors_in(out) if t.grad_fn is not None]
        if outs:
            stop = [t for t in _tensors_in((args, kwargs)) if t.requires_grad]
            for node, _ in walk(*outs, stop=stop):
                if is_op(node) and node not in _RECORDS:
                    _RECORDS[node] = (root_ref, qualname)
        return out

    recorded_forward.__wrapped__ = forward  # type: ignore[attr-defined]
    return recorded_forward


@contextlib.contextmanager
def record_modules(model: Any) -> Iterator[Any]:
    """Remember which submodule of ``model`` creates each graph node.

    Use it around a forward pass whose graph you will draw with
    ``ac.viz.draw(..., collapse=model)``; without it ``draw`` infers the modules
    from the parameters each operation consumes, which cannot place
    parameter-free layers.

    Parameters
    ----------
    model : nn.Module
        The model; each of its modules' ``forward`` is wrapped while the block runs
        (an instance attribute shadowing the method) and restored afterwards.

    Examples
    --------
    >>> with ac.viz.record_modules(model):          # doctest: +SKIP
    ...     loss = F.cross_entropy(model(x), y)
    >>> ac.viz.draw(loss, collapse=model)           # doctest: +SKIP
    """
    root_ref = weakref.ref(model)
    patched: list[tuple[Any, bool, Any]] = []
    seen: set[int] = set()
    try:
        for qualname, module in named_modules(model):
            if id(module) in seen:
                continue
            seen.add(id(module))
            own = vars(module).get("forward", _MISSING)
            object.__setattr__(module, "forward", _wrap(module.forward, root_ref, qualname))
            patched.append((module, own is not _MISSING, own))
        yield model
    finally:
        for module, had_own, own in reversed(patched):
            if had_own:
                object.__setattr__(module, "forward", own)
            else:
                object.__delattr__(module, "forward")


_MISSING = object()


def recorded_module(node: Any) -> tuple[Any, str] | None:
    """``(root_model, qualified_name)`` recorded for ``node``, or None."""
    rec = _RECORDS.get(node) if is_op(node) else None
    if rec is None:
        return None
    root = rec[0]()
    return None if root is None else (root, rec[1])


def infer_modules(order: list[tuple[Any, tuple]], model: Any) -> dict[int, str]:
    """Map op positions in ``order`` to module names by the parameters they consume."""
    owner: dict[int, str] = {}
    for qualname, p in model.named_parameters():
        owner.setdefault(id(p), qualname.rpartition(".")[0])
    index = {id(n): k for k, (n, _) in enumerate(order)}
    consumers: list[list[int]] = [[] for _ in order]
    assigned: dict[int, str] = {}
    for k, (_, parents) in enumerate(order):
        for p in parents:
            if p is None:
                continue
            consumers[index[id(p)]].append(k)
            if k not in assigned and not is_op(p) and id(p) in owner:
                assigned[k] = owner[id(p)]
    if not assigned:
        return assigned
    changed = True
    while changed:
        changed = False
        for k in range(len(order) - 1, -1, -1):
            node, parents = order[k]
            if k in assigned or not is_op(node) or not consumers[k]:
                continue
            m = assigned.get(consumers[k][0])
            if m is None or any(assigned.get(c) != m for c in consumers[k]):
                continue
            if any(p is not None and assigned.get(index[id(p)]) == m for p in parents):
                assigned[k] = m
                changed = True
    return assigned
