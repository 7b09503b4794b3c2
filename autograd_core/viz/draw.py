"""``draw``: a computation graph as a Graphviz picture.

The drawing is built in three steps, none of them recursive:

1. :func:`autograd_core.graph.walk` lists the nodes in data-flow order;
2. nodes are mapped to *display nodes*: themselves, or the box of the module that
   made them (``collapse``); edges between display nodes are collected;
3. when there are more display nodes than ``max_nodes``, the ones closest to the
   outputs are kept (breadth-first against the arrows) and the rest become one
   summary node that counts them by kind. Labels are made only for what is kept,
   so a 100,000-op chain draws in well under a second.
"""

from __future__ import annotations

import difflib
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..graph import is_op, node_of, walk
from ..tensor import Tensor
from . import modules as _modules
from ._format import Summary, data_text, esc, grad_text, num, shape_text, summarize

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

#: ``max_nodes=None`` draws at most this many nodes (more is unreadable anyway)
DEFAULT_MAX_NODES = 500

FONT = "Helvetica"
COLORS = {
    "op": "#FFF2C2",
    "param": "#D5EDCF",
    "leaf": "#D6E6F7",
    "const": "#EEEEEE",
    "output": "#F7C9C4",
    "module": "#E4D7F0",
    "summary": "#E6E6E6",
    "current": "#FF8A7A",
    "done": "#C8E6C9",
}
LEGEND_TEXT = {
    "param": "parameter (named leaf)",
    "leaf": "input / leaf tensor",
    "const": "input without grad",
    "op": "operation (its output)",
    "output": "output",
    "module": "module (collapsed)",
    "summary": "summarised nodes",
    "done": "backward step done",
    "current": "backward step now",
}

DRAW_OPTIONS = (
    "params",
    "names",
    "show_shapes",
    "show_dtypes",
    "show_values",
    "show_grads",
    "show_saved",
    "collapse",
    "max_nodes",
    "rankdir",
    "legend",
)


def unknown_option(func: str, unknown: Mapping[str, Any], valid: Iterable[str]) -> TypeError:
    """The TypeError for misspelt keyword options, with a suggestion."""
    valid = list(valid)
    name = next(iter(unknown))
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return TypeError(
        f"{func}() got an unexpected keyword argument {name!r}{hint} (options: {', '.join(valid)})"
    )


def draw(
    *tensors: Tensor,
    params: Any = None,
    names: Any = None,
    show_shapes: bool = True,
    show_dtypes: bool = False,
    show_values: bool = False,
    show_grads: bool = False,
    show_saved: bool = False,
    collapse: Any = None,
    max_nodes: int | None = None,
    rankdir: str = "TB",
    legend: bool = True,
    **unknown: Any,
) -> graphviz.Digraph:
    """Draw the computation graph behind ``tensors``.

    Arrows follow the data (inputs at the top with the default ``rankdir='TB'``);
    the backward pass runs against them. In Jupyter the result displays inline;
    :func:`autograd_core.viz.save` writes it to ``.dot``/``.svg``/``.png``/``.pdf``.

    Parameters
    ----------
    *tensors : Tensor
        The outputs to draw (highlighted); everything they depend on is included.
    params : mapping or iterable of (name, Tensor), optional
        Names of parameters, e.g. ``model.named_parameters()`` or
        ``{"w1": w1}``. Named leaves are drawn as parameters.
    names : mapping or iterable of (name, Tensor), optional
        Labels for any other tensors, inputs or intermediate results
        (``{"x1": x1, "n": n}``); a named intermediate also lends its value and,
        after ``retain_grad()`` and backward, its gradient to the picture. Inputs
        that need no gradient are not graph nodes; a named one is drawn where an
        operation saved it for backward (so before backward, or with
        ``retain_graph=True``).
    show_shapes, show_dtypes : bool
        Put each tensor's shape / dtype on its node.
    show_values : bool
        Show data: the values of tensors with at most 4 elements, else their range.
        Known for leaves, the outputs, tensors given in ``names`` or retained with
        ``retain_grad()``, and operations that save their output.
    show_grads : bool
        Show gradients (after backward): values for small tensors, the norm
        ``‖grad‖`` for large ones. Together with ``show_values`` this gives
        micrograd-style ``data | grad`` records.
    show_saved : bool
        List what each operation saved for its backward (inputs, output, context),
        or that backward already freed it.
    collapse : nn.Module, module class(es), or a tuple mixing them, optional
        Fold the operations each module made into one box per layer (modules
        without submodules, or instances of the given classes); container
        modules become dashed clusters. Run the forward inside
        ``ac.viz.record_modules(model)`` for exact attribution; otherwise the
        modules are inferred from the parameters each operation consumes.
    max_nodes : int, optional
        Draw at most this many nodes (default 500): those nearest the outputs
        are kept, the rest become one summary node counting them by kind.
    rankdir : {'TB', 'LR', 'BT', 'RL'}
        Layout direction.
    legend : bool
        Add a small legend of the colours used.

    Returns
    -------
    graphviz.Digraph

    Raises
    ------
    TypeError
        For an unknown keyword option or a non-Tensor argument.

    Examples
    --------
    >>> import autograd_core as ac
    >>> w = ac.tensor([0.5, -1.0], requires_grad=True)
    >>> y = ac.tanh(w * 2.0)
    >>> g = ac.viz.draw(y, params={"w": w})
    >>> "tanh" in g.source and "w" in g.source
    True
    """
    if unknown:
        raise unknown_option("draw", unknown, DRAW_OPTIONS)
    opts = Options(
        params=params,
        names=names,
        show_shapes=bool(show_shapes),
        show_dtypes=bool(show_dtypes),
        show_values=bool(show_values),
        show_grads=bool(show_grads),
        show_saved=bool(show_saved),
        collapse=collapse,
        max_nodes=max_nodes,
        rankdir=rankdir,
        legend=bool(legend),
    )
    return Scene(tensors, opts).digraph()


@dataclass
class Options:
    params: Any = None
    names: Any = None
    show_shapes: bool = True
    show_dtypes: bool = False
    show_values: bool = False
    show_grads: bool = False
    show_saved: bool = False
    collapse: Any = None
    max_nodes: int | None = None
    rankdir: str = "TB"
    legend: bool = True


@dataclass
class Annotations:
    """Extra marks from a backward trace: step numbers, gradients, highlights."""

    steps: dict[int, int] = field(default_factory=dict)  # id(node) -> step number
    grads: dict[int, Summary] = field(default_factory=dict)  # id(node) -> its gradient
    edges: dict[tuple[int, int, int], str] = field(default_factory=dict)  # (id(parent), id(child), i)
    current: int | None = None  # id(node) drawn as "this step"
    done: set[int] = field(default_factory=set)  # ids drawn as "already done"


@dataclass
class _Box:
    key: str
    qualname: str
    module: Any
    members: list[int] = field(default_factory=list)
    params: list[int] = field(default_factory=list)
    out_shapes: dict[tuple, None] = field(default_factory=dict)


def _pairs(spec: Any, what: str) -> list[tuple[str, Tensor]]:
    if spec is None:
        return []
    if hasattr(spec, "named_parameters") and not isinstance(spec, Mapping):
        spec = spec.named_parameters()
    items = spec.items() if isinstance(spec, Mapping) else spec
    out = []
    for item in items:
        try:
            name, t = item
        except (TypeError, ValueError):
            raise TypeError(
                f"draw: {what} must be a dict or an iterable of (name, tensor) pairs, got an item {item!r}"
            ) from None
        if not isinstance(t, Tensor):
            raise TypeError(f"draw: {what}[{name!r}] is a {type(t).__name__}, not a Tensor")
        out.append((str(name), t))
    return out


def _is_class(x: Any) -> bool:
    return isinstance(x, type)


def _parse_collapse(collapse: Any) -> tuple[Any, tuple[type, ...]]:
    items = collapse if isinstance(collapse, (tuple, list)) else (collapse,)
    models = [c for c in items if not _is_class(c)]
    classes = tuple(c for c in items if _is_class(c))
    for m in models:
        if not hasattr(m, "named_parameters"):
            raise TypeError(
                f"draw: collapse= takes an nn.Module, module classes or a tuple of them, got {type(m).__name__}"
            )
    if len(models) > 1:
        raise ValueError("draw: collapse= takes one model (plus any number of module classes)")
    return (models[0] if models else None), classes


def _chain(qualname: str) -> list[str]:
    """``'a.b.c'`` -> ``['', 'a', 'a.b', 'a.b.c']``."""
    if not qualname:
        return [""]
    parts = qualname.split(".")
    return [""] + [".".join(parts[: i + 1]) for i in range(len(parts))]


class Scene:
    """A graph, mapped to display nodes, ready to become a Digraph."""

    def __init__(self, tensors: tuple, opts: Options, notes: Annotations | None = None) -> None:
        if not tensors:
            raise ValueError("draw: pass at least one tensor to draw")
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"draw: expected Tensors to draw, got {type(t).__name__}")
        if opts.rankdir not in ("TB", "LR", "BT", "RL"):
            raise ValueError(f"draw: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {opts.rankdir!r}")
        limit = DEFAULT_MAX_NODES if opts.max_nodes is None else opts.max_nodes
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 2:
            raise ValueError(f"draw: max_nodes must be an integer >= 2, got {opts.max_nodes!r}")
        self.opts = opts
        self.notes = notes or Annotations()
        self.used_norm = False  # whether some label shows a gradient norm (for the legend)
        self.limit = limit
        self.order = walk(*tensors)
        self.index = {id(n): k for k, (n, _) in enumerate(self.order)}
        roots: dict[int, None] = {}
        self.tensor_at: dict[int, Tensor] = {}
        for t in tensors:
            k = self.index[id(node_of(t))]
            roots[k] = None
            self.tensor_at[k] = t
        self.root_keys = list(roots)
        self.no_graph = all(not is_op(self.order[k][0]) for k in self.root_keys)

        model, self.classes = (None, ())
        if opts.collapse is not None:
            model, self.classes = _parse_collapse(opts.collapse)
        params = opts.params if opts.params is not None else model
        self.name_at: dict[int, str] = {}
        self.param_keys: set[int] = set()
        for name, t in _pairs(params, "params"):
            k = self.index.get(id(node_of(t)))
            if k is not None:
                self.name_at.setdefault(k, name)
                if t.grad_fn is None:
                    self.param_keys.add(k)
        constants: dict[int, tuple[str, Tensor]] = {}
        for name, t in _pairs(opts.names, "names"):
            k = self.index.get(id(node_of(t)))
            if k is not None:
                self.name_at[k] = name
                self.tensor_at.setdefault(k, t)
            elif not t.requires_grad:
                constants[id(t)] = (name, t)
        self.extra_parents: dict[int, list[tuple[int, int]]] = {}
        if constants:
            self._add_constants(constants)

        self.disp: list[Any] = list(range(len(self.order)))
        self.boxes: dict[str, _Box] = {}
        self.cluster_of: dict[Any, tuple[str, ...]] = {}
        self.cluster_label: dict[str, str] = {}
        if opts.collapse is not None:
            self._collapse(model)
        self._cut()
        self._edges()

    def _add_constants(self, constants: dict[int, tuple[str, Tensor]]) -> None:
        """Named inputs that need no gradient are not graph nodes (their ``parents``
        entry is None); draw them where an operation saved them for its backward."""
        added: dict[int, int] = {}
        for k in range(len(self.order)):
            node, parents = self.order[k]
            if not is_op(node) or not node.saved_values:
                continue
            for i, value in zip(node.save_inputs, node.saved_values):
                if parents[i] is not None or id(value) not in constants:
                    continue
                ck = added.get(id(value))
                if ck is None:
                    name, t = constants[id(value)]
                    ck = added[id(value)] = len(self.order)
                    self.order.append((t, ()))
                    self.index[id(t)] = ck
                    self.name_at[ck] = name
                self.extra_parents.setdefault(k, []).append((ck, i))

    # ---- collapse ------------------------------------------------------------------

    def _collapse(self, model: Any) -> None:
        order = self.order
        assign: dict[int, tuple[Any, str]] = {}
        if model is not None:
            for k, (n, _) in enumerate(order):
                rec = _modules.recorded_module(n)
                if rec is not None and rec[0] is model:
                    assign[k] = rec
            if not assign:
                assign = {k: (model, q) for k, q in _modules.infer_modules(order, model).items()}
        else:
            for k, (n, _) in enumerate(order):
                rec = _modules.recorded_module(n)
                if rec is not None:
                    assign[k] = rec
            if not assign:
                raise ValueError(
                    "draw: collapse= with module classes alone needs the forward pass to run inside "
                    "`with ac.viz.record_modules(model):`; or pass collapse=(model, SomeClass)"
                )
        tables: dict[int, dict[str, Any]] = {}
        leaves: dict[int, set[str]] = {}
        for root, _ in assign.values():
            if id(root) not in tables:
                table = dict(_modules.named_modules(root))
                tables[id(root)] = table
                containers = {q.rpartition(".")[0] for q in table if q}
                leaves[id(root)] = {q for q in table if q not in containers}

        for k, (root, qual) in assign.items():
            table = tables[id(root)]
            chain = [q for q in _chain(qual) if q in table]
            if not chain:
                continue
            target = None
            clusters: list[str] = []
            if self.classes:
                target = next((q for q in chain if isinstance(table[q], self.classes)), None)
            elif chain[-1] in leaves[id(root)]:
                target = chain[-1]
                clusters = chain[1:-1]
            else:
                clusters = chain[1:]
            for q in clusters:
                self.cluster_label.setdefault(q, self._module_title(q, table[q]))
            if target is None:
                if clusters:
                    self.cluster_of[k] = tuple(clusters)
                continue
            key = f"m{id(root)}:{target}"
            box = self.boxes.get(key)
            if box is None:
                box = self.boxes[key] = _Box(key, target, table[target])
                self.cluster_of[key] = tuple(clusters)
            box.members.append(k)
            self.disp[k] = key

        if not self.boxes:
            return
        # a parameter consumed only inside one box is drawn inside it
        consumer_box: dict[int, Any] = {}
        for k, (_, parents) in enumerate(order):
            for p in parents:
                if p is not None and not is_op(p):
                    pk = self.index[id(p)]
                    prev = consumer_box.get(pk, _UNSET)
                    consumer_box[pk] = self.disp[k] if prev is _UNSET or prev == self.disp[k] else None
        for pk, key in consumer_box.items():
            if pk in self.param_keys and isinstance(key, str) and pk not in self.root_keys:
                self.disp[pk] = key
                self.boxes[key].params.append(pk)

    @staticmethod
    def _module_title(qual: str, module: Any) -> str:
        cls = type(module).__name__
        return f"{qual} · {cls}" if qual else cls

    # ---- edges and the cut ------------------------------------------------------------

    def _parents_of(self, d: Any) -> list:
        """Display nodes feeding display node ``d`` (for the breadth-first cut)."""
        members = self.boxes[d].members if isinstance(d, str) else (d,)
        out = []
        for k in members:
            out.extend(self.disp[self.index[id(p)]] for p in self.order[k][1] if p is not None)
            out.extend(self.disp[pk] for pk, _ in self.extra_parents.get(k, ()))
        return [a for a in out if a != d]

    def _cut(self) -> None:
        """Keep the ``limit - 1`` display nodes nearest the outputs; count the rest."""
        keys = list(dict.fromkeys(self.disp)) if self.boxes else self.disp
        self.hidden_count: Counter = Counter()
        if len(keys) <= self.limit:
            self.kept = None  # everything
            self.display_keys = keys
            return
        budget = self.limit - 1  # one node goes to the summary
        kept: dict[Any, None] = {}
        queue = deque(self.disp[k] for k in self.root_keys)
        while queue and len(kept) < budget:
            d = queue.popleft()
            if d in kept:
                continue
            kept[d] = None
            queue.extend(self._parents_of(d))
        self.kept = set(kept)
        self.display_keys = [d for d in keys if d in self.kept]
        kept_set = self.kept
        self.hidden_count.update(self._kind_name(d) for d in keys if d not in kept_set)

    def _edges(self) -> None:
        """Edges between drawn display nodes, and which ones touch the summary."""
        disp = self.disp
        index = self.index
        kept = self.kept
        edges: dict[tuple, list[tuple[int, int, int]]] = {}
        self.from_summary: dict[Any, None] = {}  # drawn nodes fed by hidden ones
        self.to_summary: dict[Any, None] = {}  # drawn nodes feeding hidden ones
        outflow: list[tuple[Any, int]] = []  # (box, parent position) leaving a box

        def link(a: Any, b: Any, pk: int, k: int, i: int) -> None:
            if kept is None or (a in kept and b in kept):
                lst = edges.get((a, b))
                if lst is None:
                    edges[(a, b)] = [(pk, k, i)]
                else:
                    lst.append((pk, k, i))
            elif b in kept:
                self.from_summary[b] = None
                return
            elif a in kept:
                self.to_summary[a] = None
            else:
                return
            if isinstance(a, str):
                outflow.append((a, pk))

        for k, (_, parents) in enumerate(self.order):
            b = disp[k]
            i = -1
            for p in parents:
                i += 1
                if p is not None:
                    pk = index[id(p)]
                    a = disp[pk]
                    if a != b and (kept is None or a in kept or b in kept):
                        link(a, b, pk, k, i)
        for k, extra in self.extra_parents.items():
            for pk, i in extra:
                if disp[pk] != disp[k]:
                    link(disp[pk], disp[k], pk, k, i)
        self.edges = edges
        for k in self.root_keys:
            if isinstance(disp[k], str):
                self.boxes[disp[k]].out_shapes[self._shape(k)] = None
        for a, pk in outflow:
            self.boxes[a].out_shapes[self._shape(pk)] = None

    def _kind_name(self, d: Any) -> str:
        if isinstance(d, str):
            return type(self.boxes[d].module).__name__
        node = self.order[d][0]
        if is_op(node):
            return node.name
        return "parameter" if d in self.param_keys else "leaf"

    # ---- facts about nodes ------------------------------------------------------------

    def _shape(self, k: int) -> tuple:
        node = self.order[k][0]
        return tuple(node.out_shape) if is_op(node) else tuple(node.shape)

    def _dtype(self, k: int) -> str:
        node = self.order[k][0]
        return str(node.out_dtype if is_op(node) else node.dtype)

    def _tensor(self, k: int) -> Tensor | None:
        t = self.tensor_at.get(k)
        if t is not None:
            return t
        node = self.order[k][0]
        if not is_op(node):
            return node
        ref = node.retained
        t = ref() if ref is not None else None
        return t if t is not None and t.grad_fn is node else None

    def _data(self, k: int) -> Summary | None:
        t = self._tensor(k)
        if t is not None:
            return summarize(t.data)
        node = self.order[k][0]
        if is_op(node) and node.out_data is not None:
            return summarize(node.out_data)
        return None

    def _grad(self, k: int) -> Summary | None:
        node = self.order[k][0]
        g = self.notes.grads.get(id(node))
        if g is not None:
            return g
        t = self._tensor(k)
        if t is not None and t.grad is not None:
            return summarize(t.grad.data)
        return None

    def _kind(self, k: int) -> str:
        node = self.order[k][0]
        if is_op(node):
            return "op"
        if k in self.param_keys:
            return "param"
        return "leaf" if node.requires_grad else "const"

    # ---- labels ---------------------------------------------------------------------

    def _shape_row(self, shape: tuple, dtype: str) -> list[str]:
        o = self.opts
        if o.show_shapes and o.show_dtypes:
            return [esc(f"{shape_text(shape)} {dtype}")]
        if o.show_shapes:
            return [esc(shape_text(shape))]
        if o.show_dtypes:
            return [esc(dtype)]
        return []

    def _grad_text(self, s: Summary) -> str:
        if s.values is None:
            self.used_norm = True
        return grad_text(s)

    def _value_row(self, k: int) -> list[str]:
        cells = []
        if self.opts.show_values:
            s = self._data(k)
            if s is not None:
                cells.append(esc(data_text(s)))
        if self.opts.show_grads:
            s = self._grad(k)
            if s is not None:
                cells.append(esc(self._grad_text(s)))
        return cells

    def _saved_rows(self, node: Any) -> list[list[str]]:
        if node.released:
            return [["<I>saved: freed by backward()</I>"]]
        rows = []
        for i, v in zip(node.save_inputs, node.saved_values):
            what = "not kept (no needed gradient reads it)" if v is None else _describe(v)
            rows.append([esc(f"saved input {i}: {what}")])
        if node.save_output and node.out_data is not None:
            rows.append([esc(f"saved output: {_describe(node.out_data)}")])
        ctx = node.ctx
        if ctx is not None:
            what = ", ".join(map(str, ctx)) if isinstance(ctx, dict) else type(ctx).__name__
            rows.append([esc(f"saved context: {what}")])
        return rows or [["<I>saves nothing</I>"]]

    def _header(self, title: str, node: Any) -> list[str]:
        step = self.notes.steps.get(id(node)) if node is not None else None
        return [f"<B>#{step}</B>", title] if step is not None else [title]

    def _fill(self, kind: str, node: Any, is_output: bool) -> str:
        if node is not None and id(node) == self.notes.current:
            return COLORS["current"]
        if node is not None and id(node) in self.notes.done:
            return COLORS["done"]
        return COLORS["output"] if is_output else COLORS[kind]

    def node_label(self, k: int) -> str:
        node, _ = self.order[k]
        kind = self._kind(k)
        name = self.name_at.get(k)
        if kind == "op":
            title = f"<B>{esc(name)}</B> = {esc(node.name)}" if name else f"<B>{esc(node.name)}</B>"
        else:
            default = {"param": "parameter", "leaf": "leaf", "const": "tensor"}[kind]
            title = f"<B>{esc(name or default)}</B>"
        rows = [self._header(title, node)]
        shape = self._shape(k)
        shape_row = self._shape_row(shape, self._dtype(k))
        value_row = self._value_row(k)
        shows_value = bool(value_row) and value_row[0].startswith("data")
        if shape_row and not (shape == () and shows_value and not self.opts.show_dtypes):
            rows.append(shape_row)  # (a 0-d tensor whose value is shown needs no "scalar" row)
        if value_row:
            rows.append(value_row)
        if kind == "op" and self.opts.show_saved:
            rows.extend(self._saved_rows(node))
        is_output = k in self.root_keys
        return _table(rows, self._fill(kind, node, is_output), is_output)

    def box_label(self, box: _Box) -> str:
        rows: list[list[str]] = [[f"<B>{esc(box.qualname or type(box.module).__name__)}</B>"]]
        if box.qualname:
            rows[0][0] += esc(f" · {type(box.module).__name__}")
        steps = [
            self.notes.steps[id(self.order[k][0])]
            for k in box.members
            if id(self.order[k][0]) in self.notes.steps
        ]
        if steps:
            rows[0].insert(0, "<B>" + esc(_ranges(sorted(steps))) + "</B>")
        ops = Counter(self.order[k][0].name for k in sorted(box.members))
        rows.append([esc(_counted(ops, 4))])
        prefix = box.qualname + "." if box.qualname else ""
        for pk in box.params:
            name = self.name_at.get(pk, "parameter")
            short = name[len(prefix) :] if name.startswith(prefix) else name
            cells = [esc(f"{short} {shape_text(self._shape(pk))}")]
            if self.opts.show_grads:
                g = self._grad(pk)
                if g is not None:
                    cells.append(esc(self._grad_text(g)))
            rows.append(cells)
        if self.opts.show_shapes and box.out_shapes:
            rows.append([esc("→ " + ", ".join(shape_text(s) for s in box.out_shapes))])
        member_ids = {id(self.order[k][0]) for k in box.members}
        if self.notes.current in member_ids:
            fill = COLORS["current"]
        elif self.notes.done and member_ids <= self.notes.done:
            fill = COLORS["done"]
        elif any(k in self.root_keys for k in box.members):
            fill = COLORS["output"]
        else:
            fill = COLORS["module"]
        return _table(rows, fill, False)

    def summary_label(self) -> str:
        total = sum(self.hidden_count.values())
        noun = "node" if total == 1 else "nodes"
        rows = [[f"<B>… {total:,} more {noun}</B>"]]
        rows += [[esc(f"{name} ×{n:,}")] for name, n in self.hidden_count.most_common(6)]
        rest = self.hidden_count.most_common()[6:]
        if rest:
            rows.append([esc(f"… {len(rest)} other kinds ×{sum(n for _, n in rest):,}")])
        return _table(rows, COLORS["summary"], False)

    def legend_label(self, kinds: list[str]) -> str:
        rows = ['<TR><TD COLSPAN="2"><B>legend</B></TD></TR>']
        for kind in kinds:
            rows.append(
                f'<TR><TD BGCOLOR="{COLORS[kind]}" WIDTH="16"> </TD>'
                f'<TD ALIGN="LEFT">{esc(LEGEND_TEXT[kind])}</TD></TR>'
            )
        rows.append('<TR><TD>→</TD><TD ALIGN="LEFT">data flow; backward runs against the arrows</TD></TR>')
        if self.notes.steps:
            rows.append('<TR><TD>#k</TD><TD ALIGN="LEFT">k-th node the backward pass visits</TD></TR>')
            rows.append('<TR><TD>∇</TD><TD ALIGN="LEFT">gradient sent back along the arrow</TD></TR>')
        if self.used_norm:
            rows.append('<TR><TD>‖g‖</TD><TD ALIGN="LEFT">norm of a large gradient</TD></TR>')
        return (
            '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="white">'
            + "".join(rows)
            + "</TABLE>>"
        )

    # ---- the Digraph --------------------------------------------------------------------

    def digraph(self) -> graphviz.Digraph:
        graphviz = _import_graphviz()
        o = self.opts
        dot = graphviz.Digraph(
            "autograd_graph",
            graph_attr={"rankdir": o.rankdir, "fontname": FONT, "nodesep": "0.3", "ranksep": "0.35"},
            node_attr={"shape": "none", "margin": "0", "fontname": FONT, "fontsize": "11"},
            edge_attr={"fontname": FONT, "fontsize": "9", "color": "#555555", "arrowsize": "0.7"},
        )
        ids: dict[Any, str] = {}
        box_ids: dict[str, str] = {}
        for j, key in enumerate(self.boxes):
            box_ids[key] = f"m{j}"
        kinds: dict[str, None] = {}
        stmts: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for d in self.display_keys:
            if isinstance(d, str):
                ident, label = box_ids[d], self.box_label(self.boxes[d])
                kinds["module"] = None
            else:
                ident, label = f"n{d}", self.node_label(d)
                kind = self._kind(d)
                kinds["output" if d in self.root_keys else kind] = None
            ids[d] = ident
            stmts.setdefault(self.cluster_of.get(d, ()), []).append((ident, label))
        # clusters, deepest first so that each is complete before its parent takes it
        subgraphs: dict[tuple[str, ...], Any] = {(): dot}
        paths = sorted({p[:i] for p in stmts for i in range(1, len(p) + 1)}, key=len, reverse=True)
        for j, path in enumerate(sorted(paths, key=lambda p: (len(p), p))):
            sub = graphviz.Digraph(name=f"cluster_{j}")
            sub.attr(
                label=self.cluster_label[path[-1]],
                style="dashed,rounded",
                color="#8E6BB0",
                fontname=FONT,
                fontsize="11",
                fontcolor="#5B3D7A",
            )
            subgraphs[path] = sub
        for path, items in stmts.items():
            for ident, label in items:
                subgraphs[path].node(ident, label)
        for path in paths:
            subgraphs[path[:-1]].subgraph(subgraphs[path])

        if self.hidden_count:
            dot.node("summary", self.summary_label(), style="dashed")
            kinds["summary"] = None
        self._emit_edges(dot, ids)
        if self.no_graph:
            t = self.tensor_at[self.root_keys[0]]
            if t.requires_grad:
                note = "a leaf tensor: no operation has used it yet, so there is no graph to draw"
            else:
                note = (
                    "no graph: this tensor does not require grad. Create the inputs with "
                    "requires_grad=True (outside ac.no_grad()) to record operations"
                )
            dot.attr(label=note, labelloc="b", fontsize="11")
        elif o.legend:
            if self.notes.done:
                kinds["done"] = None
            if self.notes.current is not None:
                kinds["current"] = None
            order = ["param", "leaf", "const", "op", "module", "output", "summary", "done", "current"]
            dot.node(
                "legend",
                self.legend_label([k for k in order if k in kinds and k in LEGEND_TEXT]),
                fontsize="9",
            )
        return dot

    def _emit_edges(self, dot: Any, ids: dict[Any, str]) -> None:
        notes = self.notes.edges
        show_shapes = self.opts.show_shapes
        for (a, b), lst in self.edges.items():
            if isinstance(a, str) or isinstance(b, str):
                attrs = {}
                labels = [notes.get(self._edge_id(e)) for e in lst]
                if len(lst) == 1 and labels[0]:
                    attrs = {"label": labels[0], "fontcolor": "#B03A2E"}
                elif isinstance(a, str) and show_shapes:
                    shapes = {self._shape(pk) for pk, _, _ in lst}
                    if len(shapes) == 1:
                        attrs = {"label": shape_text(shapes.pop())}
                dot.edge(ids[a], ids[b], **attrs)
                continue
            for e in lst:
                label = notes.get(self._edge_id(e))
                if label:
                    dot.edge(ids[a], ids[b], label=label, fontcolor="#B03A2E")
                else:
                    dot.edge(ids[a], ids[b])
        for d in self.from_summary:
            dot.edge("summary", ids[d], style="dashed")
        for d in self.to_summary:
            dot.edge(ids[d], "summary", style="dashed")

    def _edge_id(self, e: tuple[int, int, int]) -> tuple[int, int, int]:
        pk, k, i = e
        return (id(self.order[pk][0]), id(self.order[k][0]), i)


_UNSET = object()


def _table(rows: list[list[str]], header_fill: str, emphasise: bool) -> str:
    ncols = max(len(r) for r in rows)
    border = ' BORDER="2" COLOR="#B03A2E"' if emphasise else ' BORDER="0"'
    out = [f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="white">']
    for ri, row in enumerate(rows):
        out.append("<TR>")
        for ci, cell in enumerate(row):
            attrs = ""
            span = ncols - len(row) + 1 if ci == len(row) - 1 else 1
            if span > 1:
                attrs += f' COLSPAN="{span}"'
            if ri == 0:
                attrs += f' BGCOLOR="{header_fill}"'
            out.append(f"<TD{attrs}>{cell}</TD>")
        out.append("</TR>")
    out.append("</TABLE>>")
    return "".join(out)


def _describe(v: Any) -> str:
    if isinstance(v, (int, float, bool)):
        return num(v) if isinstance(v, float) else str(v)
    shape = getattr(v, "shape", None)
    if shape is None:
        return type(v).__name__
    return f"{shape_text(tuple(shape))} {getattr(v, 'dtype', '')}".strip()


def _counted(counts: Counter, limit: int) -> str:
    parts = [f"{name} ×{n}" if n > 1 else name for name, n in counts.most_common(limit)]
    rest = sum(n for _, n in counts.most_common()[limit:])
    if rest:
        parts.append(f"+{rest} more")
    return ", ".join(parts)


def _ranges(steps: list[int]) -> str:
    if len(steps) == 1:
        return f"#{steps[0]}"
    if steps[-1] - steps[0] == len(steps) - 1:
        return f"#{steps[0]}–{steps[-1]}"
    return "#" + ", ".join(map(str, steps))


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:  # pragma: no cover - graphviz is a dependency
        raise ImportError(
            "ac.viz needs the 'graphviz' Python package: python -m pip install graphviz "
            "(and the Graphviz programs for SVG/PNG: apt-get install graphviz, "
            "brew install graphviz or conda install graphviz)"
        ) from None
    return graphviz
