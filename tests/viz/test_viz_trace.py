"""ac.viz.trace_backward: the order of the adjoint pass and the gradient on each edge."""

from __future__ import annotations

import numpy as np
import pytest
from minimal_nn import Linear, Sequential, Tanh, mse
from svg_helpers import picture
from test_viz_draw import neuron

import autograd_core as ac
from autograd_core.graph import is_op, walk


def test_neuron_steps_follow_the_adjoint_pass():
    v = neuron()
    trace = ac.viz.trace_backward(v["o"], names=v)
    names = [s.node.name for s in trace]
    assert names[0] == "tanh" and names[1] == "add"
    assert len(trace) == 5 and sorted(names) == ["add", "add", "mul", "mul", "tanh"]
    assert [s.number for s in trace] == [1, 2, 3, 4, 5]
    # every node is visited after all of its consumers (reverse topological order)
    step = {id(s.node): s.number for s in trace}
    for node, parents in walk(v["o"]):
        for p in parents:
            if p is not None and is_op(p):
                assert step[id(p)] > step[id(node)]
    # the gradients that arrived: do/do = 1, do/dn = 1 - tanh(n)^2 = 0.5
    assert trace[0].grad.values == (1.0,)
    assert trace[1].grad.values == pytest.approx((0.5,))
    # what tanh sent to n, and what the x1*w1 node sent to its inputs
    ((n_node, sent),) = trace[0].sends
    assert n_node is v["n"].grad_fn and sent.values == pytest.approx((0.5,))
    mul = next(s for s in trace if s.node is v["x1w1"].grad_fn)
    assert [x[0] for x in mul.sends] == [v["x1"], v["w1"]]
    assert [x[1].values[0] for x in mul.sends] == pytest.approx([-1.5, 1.0])  # w1*0.5, x1*0.5
    assert trace.leaf_grads[id(v["x1"])].values == pytest.approx((-1.5,))


def test_trace_changes_no_gradient_and_keeps_the_graph():
    v = neuron()
    v["n"].retain_grad()
    trace = ac.viz.trace_backward(v["o"])
    assert all(v[k].grad is None for k in ("x1", "x2", "w1", "w2", "b", "n"))
    for s in trace:  # the recording wrappers are gone
        assert "backward" not in vars(s.node)
    v["o"].backward()  # the graph was retained
    ref = neuron()
    ref["o"].backward()
    for k in ("x1", "x2", "w1", "w2", "b"):
        assert v[k].grad.item() == ref[k].grad.item()
    assert v["n"].grad.item() == pytest.approx(0.5)
    # and tracing again after a retained backward still works
    v2 = neuron()
    v2["o"].backward(retain_graph=True)
    assert len(ac.viz.trace_backward(v2["o"])) == 5
    assert v2["x1"].grad.item() == pytest.approx(-1.5)


def test_trace_after_the_graph_was_freed_says_retain_graph():
    v = neuron()
    v["o"].backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        ac.viz.trace_backward(v["o"])


def test_broadcast_gradients_are_reported_in_the_input_shape():
    x = ac.tensor(np.ones((3, 2)), requires_grad=True)
    b = ac.tensor(np.array([0.5, -0.5]), requires_grad=True)
    y = ac.tanh(x + b)
    trace = ac.viz.trace_backward(y, gradient=np.ones((3, 2)))
    add = trace[1]
    assert add.node.name == "add"
    (_, gx), (_, gb) = add.sends
    assert gx.shape == (3, 2) and gb.shape == (2,)
    expected = (1 - np.tanh(np.ones((3, 2)) + [0.5, -0.5]) ** 2).sum(axis=0)
    assert gb.values == pytest.approx(tuple(expected))


def test_non_scalar_output_needs_a_gradient():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient="):
        ac.viz.trace_backward(ac.exp(x))
    with pytest.raises(RuntimeError, match="shape"):
        ac.viz.trace_backward(ac.exp(x), gradient=np.ones(3))
    with pytest.raises(TypeError, match="expected a Tensor"):
        ac.viz.trace_backward(np.ones(2))
    with pytest.raises(TypeError, match="unexpected keyword"):
        ac.viz.trace_backward(ac.exp(x), retain=True)


def test_leaf_output_gives_an_empty_trace():
    x = ac.tensor([1.0], requires_grad=True)
    trace = ac.viz.trace_backward(x)
    assert len(trace) == 0 and "no operations" in trace.table()
    assert len(trace.frames()) == 0


def test_table_and_html():
    v = neuron()
    trace = ac.viz.trace_backward(v["o"], names=v)
    table = trace.table()
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["step", "node"]
    assert lines[2].split()[:4] == ["1", "o", "=", "tanh"]
    assert "n = add #2 ← ∇ 0.5" in lines[2]
    assert "x1 ← ∇ -1.5" in table and "w1 ← ∇ 1" in table
    assert table in repr(trace)
    html = trace._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 6


def test_numbered_drawing_shows_steps_and_edge_gradients():
    v = neuron()
    trace = ac.viz.trace_backward(v["o"], names=v)
    pic = picture(trace.draw(rankdir="LR"))
    tanh = pic.one(r"^#1 \| o \| = tanh")
    n = pic.one(r"^#2 \| n \| = add")
    assert pic.text(tanh).endswith("grad 1")
    assert "grad 0.5" in pic.text(n)
    labels = {(a, b): lab for a, b, lab in pic.edges}
    assert labels[(n, tanh)] == ["∇ 0.5"]
    x1 = pic.one(r"^x1 \|")
    assert "grad -1.5" in pic.text(x1)  # the leaf shows the gradient the trace computed
    assert [lab for (a, _), lab in labels.items() if a == x1] == [["∇ -1.5"]]
    numbers = sorted(int(pic.nodes[i][0][1:]) for i in pic.find(r"^#\d"))
    assert numbers == [1, 2, 3, 4, 5]
    legend = " ".join(pic.nodes["legend"])
    assert "backward pass visits" in legend and "gradient sent back" in legend
    with pytest.raises(TypeError, match="did you mean 'show_grads'"):
        trace.draw(show_grad=True)


def test_frames_highlight_one_step_each():
    v = neuron()
    trace = ac.viz.trace_backward(v["o"], names=v)
    frames = trace.frames()
    assert len(frames) == len(trace) == 5
    for k, frame in enumerate(frames):
        pic = picture(frame)
        current = [i for i, f in pic.fills.items() if "#ff8a7a" in f and i != "legend"]
        assert len(current) == 1
        assert pic.nodes[current[0]][0] == f"#{k + 1}"
        done = [i for i, f in pic.fills.items() if "#c8e6c9" in f and i != "legend"]
        assert sorted(pic.nodes[i][0] for i in done) == sorted(f"#{j + 1}" for j in range(k))
        assert len(pic.find(r"^#\d")) == k + 1
    # leaves get their gradient once their last consumer has run
    first, last = picture(frames[0]), picture(frames[-1])
    assert "grad" not in first.text(first.one(r"^x1 \|"))
    assert "grad -1.5" in last.text(last.one(r"^x1 \|"))


def test_stepper_embeds_one_svg_per_frame():
    v = neuron()
    html = ac.viz.trace_backward(v["o"]).stepper()._repr_html_()
    assert html.count("<svg") == 5 and 'type="range"' in html and "step 1 / 5" in html


def test_collapsed_trace_numbers_the_boxes():
    rng = np.random.default_rng(0)
    model = Sequential(Linear(4, 3, rng), Tanh(), Linear(3, 2, rng))
    x = ac.tensor(rng.normal(size=(5, 4)))
    with ac.viz.record_modules(model):
        loss = mse(model(x), np.zeros((5, 2)))
    trace = ac.viz.trace_backward(loss)
    pic = picture(trace.draw(collapse=model))
    first, last = pic.one(r"· Linear.*\(5, 3\)"), pic.one(r"· Linear.*\(5, 2\)")
    n = len(trace)
    assert pic.nodes[first][0] == f"#{n - 2}–{n}"  # transpose, matmul, add of layer 0 run last
    assert pic.nodes[last][0].startswith("#")
    assert pic.nodes[pic.one(r"· Tanh")][0] == f"#{n - 3}"


def test_hooks_run_like_in_a_normal_pass():
    x = ac.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    h = x * 3.0
    h.register_hook(lambda g: g * 10)
    y = ac.exp(h)
    trace = ac.viz.trace_backward(y, gradient=np.ones(2))
    mul = trace[1]
    assert mul.grad.values == pytest.approx(tuple(10 * np.exp([3.0, 6.0])))
    assert trace.leaf_grads[id(x)].values == pytest.approx(tuple(30 * np.exp([3.0, 6.0])))
