"""Pictures of computation graphs and of the backward pass (``ac.viz``).

* :func:`draw` — the graph behind some tensors as a ``graphviz.Digraph``: named
  parameters, shapes, micrograd-style ``data | grad`` records, module boxes
  (``collapse=model``) and a summary node for huge graphs (``max_nodes``).
* :func:`trace_backward` — the order in which the adjoint pass visits the nodes
  and the gradient on every edge, as a numbered graph, a table or frames.
* :func:`save` — ``.dot`` always; ``.svg``/``.png``/``.pdf`` with Graphviz's ``dot``.
* :func:`record_modules` — exact module attribution for ``collapse=``.

The ``graphviz`` Python package is imported only when a picture is made, so
``import autograd_core`` never needs it.
"""

from __future__ import annotations

from .draw import DEFAULT_MAX_NODES, draw
from .modules import record_modules
from .save import ExecutableNotFound, render, save
from .trace import BackwardTrace, Step, Stepper, trace_backward

__all__ = [
    "DEFAULT_MAX_NODES",
    "BackwardTrace",
    "ExecutableNotFound",
    "Step",
    "Stepper",
    "draw",
    "record_modules",
    "render",
    "save",
    "trace_backward",
]
