"""``trace_backward``: watch the adjoint pass visit the graph, one node at a time."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..broadcasting import sum_to_array
from ..engine import execute
from ..errors import GraphError, ShapeError
from ..graph import is_op, node_of, walk
from ..tensor import Tensor
from ._format import Summary, flow_text, num, shape_text, summarize
from .draw import DRAW_OPTIONS, Annotations, Options, Scene, _pairs, unknown_option

if TYPE_CHECKING:  # pragma: no cover
    import graphviz


@dataclass(frozen=True)
class Step:
    """One visit of the adjoint pass.

    Attributes
    ----------
    number : int
        1 for the first node visited (the output's), 2 for the next, ...
    node : Op
        The operation whose derivative rule ran.
    grad : Summary
        The gradient that arrived at the node (summed over its consumers).
    sends : tuple
        Per input of the node: ``(parent, Summary)`` for the gradient handed to
        that input, or ``None`` for an input that needs none.
    """

    number: int
    node: Any
    grad: Summary
    sends: tuple


def _seed(output: Tensor, gradient: Any) -> np.ndarray:
    if gradient is None:
        if output.data.size != 1:
            raise GraphError(
                f"trace_backward: the output has shape {output.shape}; pass gradient= an array of "
                "that shape (only one-element outputs get an implicit gradient of 1)"
            )
        return np.ones(output.data.shape, output.data.dtype)
    g = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient)
    if g.shape != output.data.shape:
        raise GraphError(
            f"trace_backward: gradient has shape {g.shape} but the output has shape {output.shape}"
        )
    return g.astype(output.data.dtype, copy=False)


def trace_backward(
    output: Tensor, gradient: Any = None, *, params: Any = None, names: Any = None, **unknown: Any
) -> BackwardTrace:
    """Record the order in which the adjoint pass visits the graph of ``output``.

    The backward pass runs once through the engine on the retained graph, asking
    for the gradients of the leaves instead of accumulating them: no ``.grad``
    changes, the graph stays usable, and ``output.backward()`` afterwards gives
    exactly what it would have given. (Gradient hooks run as in a normal pass.)

    Parameters
    ----------
    output : Tensor
        The tensor to differentiate, usually a scalar loss.
    gradient : array_like, optional
        Upstream gradient; needed when ``output`` has more than one element.
    params, names : mapping or iterable of (name, Tensor), optional
        Names used in the table and, by default, in the drawings (see
        :func:`autograd_core.viz.draw`).

    Returns
    -------
    BackwardTrace
        ``.steps`` in visiting order, ``.table()``, ``.draw()`` (a numbered
        graph with the gradient on every edge), ``.frames()`` (one picture per
        step) and ``.stepper()`` (an HTML slider over the frames).

    Raises
    ------
    GraphError
        When a backward pass already freed the graph (trace first, or call
        ``backward(retain_graph=True)``).
    """
    if unknown:
        raise unknown_option("trace_backward", unknown, ("gradient", "params", "names"))
    if not isinstance(output, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(output).__name__}")
    order = walk(output)
    trace = BackwardTrace(output, params, names)
    root = node_of(output)
    if not is_op(root):
        return trace
    for node, _ in order:
        if is_op(node) and node.released:
            raise GraphError(
                f"trace_backward: the graph was already freed by a backward pass (at '{node.name}'). "
                "Call trace_backward(loss) before loss.backward(), or use loss.backward(retain_graph=True)."
            )
    seed = _seed(output, gradient)
    leaves = [n for n, _ in order if not is_op(n) and n.requires_grad]
    visits: list[tuple[Any, Summary, tuple]] = []
    patched: list[tuple[Any, Any, Any]] = []
    try:
        for node, _ in order:
            if not is_op(node):
                continue
            patched.append((node, node.retained, vars(node).get("backward")))
            node.retained = None  # a traced pass must not fill retained .grad
            node.backward = _recording(node, node.backward, visits)
        results = execute([root], [seed], retain_graph=True, create_graph=False, inputs=leaves)
    finally:
        for node, retained, own_backward in patched:
            if own_backward is None:
                vars(node).pop("backward", None)
            else:
                node.backward = own_backward
            if retained is None:
                vars(node).pop("retained", None)
            else:
                node.retained = retained
    trace._fill(visits, leaves, results)
    return trace


def _recording(node: Any, backward: Any, visits: list) -> Any:
    def recorded_backward(grad: Any, *saved: Any) -> Any:
        result = backward(grad, *saved)
        grads = (result,) if len(node.parents) == 1 else tuple(result)
        sends = []
        for p, g in zip(node.parents, grads):
            if p is None or g is None:
                sends.append(None)
                continue
            arr = np.asarray(g.data if isinstance(g, Tensor) else g)
            shape = tuple(p.out_shape) if is_op(p) else tuple(p.shape)
            if arr.shape != shape:
                try:
                    arr = sum_to_array(arr, shape)
                except ShapeError:
                    pass  # the engine will report the bad rule
            sends.append((p, summarize(arr)))
        visits.append((node, summarize(grad), tuple(sends)))
        return result

    return recorded_backward


class BackwardTrace:
    """What :func:`trace_backward` saw: the steps of one adjoint pass."""

    def __init__(self, output: Tensor, params: Any, names: Any) -> None:
        self.output = output
        self.steps: list[Step] = []
        self.leaf_grads: dict[int, Summary] = {}
        self._params = params
        self._names = names
        self._labels: dict[int, str] = {}
        for name, t in _pairs(names, "names") + _pairs(params, "params"):
            self._labels.setdefault(id(node_of(t)), name)

    def _fill(self, visits: list, leaves: list[Tensor], results: list | None) -> None:
        self.steps = [Step(i + 1, n, g, s) for i, (n, g, s) in enumerate(visits)]
        for leaf, g in zip(leaves, results or ()):
            if g is not None:
                self.leaf_grads[id(leaf)] = summarize(g)

    # ---- sequence of steps ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    # ---- text ------------------------------------------------------------------------------

    def _label(self, node: Any, step_of: dict[int, int]) -> str:
        name = self._labels.get(id(node))
        if is_op(node):
            base = f"{name} = {node.name}" if name else node.name
            k = step_of.get(id(node))
            return f"{base} #{k}" if k is not None else base
        return name or f"leaf {shape_text(tuple(node.shape))}"

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        step_of = {id(s.node): s.number for s in self.steps}
        rows = []
        for s in self.steps:
            sends = "; ".join(
                f"{self._label(p, step_of)} ← {flow_text(g)}"
                for p, g in (x for x in s.sends if x is not None)
            )
            rows.append(
                (
                    str(s.number),
                    self._label(s.node, {}),
                    shape_text(s.grad.shape),
                    num(s.grad.norm) if s.grad.size != 1 else num(s.grad.values[0]),
                    sends,
                )
            )
        return rows

    _HEAD = ("step", "node", "gradient in", "value / ‖norm‖", "sends back to")

    def table(self) -> str:
        """The steps as a text table: what arrived at each node and what it sent on."""
        if not self.steps:
            return "(no operations: the output is a leaf, so backward only seeds its gradient)"
        rows = [self._HEAD, *self._rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = []
        for r in rows:
            cells = [r[0].rjust(widths[0])] + [r[c].ljust(widths[c]) for c in (1, 2, 3)] + [r[4]]
            lines.append("  ".join(cells).rstrip())
        lines.insert(1, "-" * max(len(line) for line in lines))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {len(self.steps)} steps>\n{self.table()}"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._HEAD)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in self._rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    # ---- pictures ---------------------------------------------------------------------------

    def _options(self, options: dict[str, Any]) -> Options:
        bad = {k: v for k, v in options.items() if k not in DRAW_OPTIONS}
        if bad:
            raise unknown_option("draw", bad, DRAW_OPTIONS)
        merged: dict[str, Any] = {"params": self._params, "names": self._names, "show_grads": True}
        merged.update(options)
        return Options(**merged)

    def _annotations(self, upto: int | None) -> Annotations:
        steps = self.steps if upto is None else self.steps[: upto + 1]
        notes = Annotations()
        for s in steps:
            notes.steps[id(s.node)] = s.number
            notes.grads[id(s.node)] = s.grad
            for i, x in enumerate(s.sends):
                if x is not None:
                    notes.edges[(id(x[0]), id(s.node), i)] = flow_text(x[1])
        if upto is None:
            notes.grads.update(self.leaf_grads)
            return notes
        # a leaf shows its gradient once its last consumer has run
        last: dict[int, int] = {}
        for j, s in enumerate(self.steps):
            for x in s.sends:
                if x is not None and not is_op(x[0]):
                    last[id(x[0])] = j
        for leaf_id, j in last.items():
            if j <= upto and leaf_id in self.leaf_grads:
                notes.grads[leaf_id] = self.leaf_grads[leaf_id]
        notes.current = id(self.steps[upto].node)
        notes.done = {id(s.node) for s in steps[:-1]}
        return notes

    def draw(self, **options: Any) -> graphviz.Digraph:
        """The graph with each node numbered by its backward step and each edge
        labelled with the gradient it carried (options as for :func:`draw`)."""
        return Scene((self.output,), self._options(options), self._annotations(None)).digraph()

    def frames(self, **options: Any) -> list[graphviz.Digraph]:
        """One picture per step: step k highlighted, earlier steps marked done."""
        opts = self._options(options)
        return [Scene((self.output,), opts, self._annotations(k)).digraph() for k in range(len(self.steps))]

    def stepper(self, **options: Any) -> Stepper:
        """An HTML slider over :meth:`frames` for notebooks (renders with Graphviz ``dot``)."""
        from .save import render

        svgs = [render(f.source, "svg").decode("utf-8") for f in self.frames(**options)]
        return Stepper(svgs)


class Stepper:
    """Pre-rendered SVG frames with a slider; displays in Jupyter via ``_repr_html_``."""

    def __init__(self, svgs: list[str]) -> None:
        self.svgs = svgs

    def _repr_html_(self) -> str:
        uid = "acviz" + uuid.uuid4().hex[:8]
        frames = "".join(
            f'<div class="{uid}-f" style="display:{"block" if i == 0 else "none"}">'
            f"{svg[svg.find('<svg') :]}</div>"
            for i, svg in enumerate(self.svgs)
        )
        n = len(self.svgs)
        script = (
            f"var fs=document.getElementsByClassName('{uid}-f');"
            "for(var i=0;i<fs.length;i++){fs[i].style.display=(i==this.value?'block':'none');}"
            f"document.getElementById('{uid}-n').textContent='step '+(+this.value+1)+' / {n}';"
        )
        return (
            f'<div><input type="range" min="0" max="{max(n - 1, 0)}" value="0" oninput="{script}"> '
            f'<span id="{uid}-n">step 1 / {n}</span>{frames}</div>'
        )
