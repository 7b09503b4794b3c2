"""ac.viz.draw: rendered with the real `dot`, checked on the SVG text."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from minimal_nn import MLP, Linear, Sequential, Tanh, mse
from svg_helpers import picture

import autograd_core as ac
from autograd_core.viz import DEFAULT_MAX_NODES


def neuron():
    """micrograd's 2-input neuron: o = tanh(x1*w1 + x2*w2 + b)."""
    x1 = ac.tensor(2.0, requires_grad=True, dtype=np.float64)
    x2 = ac.tensor(0.0, requires_grad=True, dtype=np.float64)
    w1 = ac.tensor(-3.0, requires_grad=True, dtype=np.float64)
    w2 = ac.tensor(1.0, requires_grad=True, dtype=np.float64)
    b = ac.tensor(6.8813735870195432, requires_grad=True, dtype=np.float64)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    n = x1w1 + x2w2 + b
    o = ac.tanh(n)
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, n=n, o=o)


def small_mlp(seed=0):
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(64, 32, rng), Tanh(), Linear(32, 10, rng))
    x = ac.tensor(rng.normal(size=(16, 64)))
    y = np.eye(10)[rng.integers(0, 10, 16)]
    return model, x, y


# ---- labels, names, shapes, values -------------------------------------------------------


def test_neuron_nodes_edges_and_labels():
    v = neuron()
    params = {k: v[k] for k in ("w1", "w2", "b")}
    names = {k: v[k] for k in ("x1", "x2", "n")}
    pic = picture(ac.viz.draw(v["o"], params=params, names=names))
    # 5 leaves + mul, mul, add, add, tanh
    assert len(pic.graph_nodes()) == 10
    for name in ("x1", "x2", "w1", "w2", "b"):
        pic.one(rf"^{name} \| scalar$")
    assert len(pic.find(r"^mul")) == 2
    assert pic.find(r"^n \| = add")  # the named intermediate: "n = add"
    tanh = pic.one(r"^tanh")
    # data-flow direction: leaves point to the ops that use them, tanh is last
    pairs = pic.edge_pairs()
    assert len(pairs) == 9
    assert (pic.one(r"^n \| = add"), tanh) in pairs
    for leaf in ("x1", "w1"):
        assert (pic.one(rf"^{leaf} \|"), pic.find(r"^mul")[0]) in pairs or (
            pic.one(rf"^{leaf} \|"),
            pic.find(r"^mul")[1],
        ) in pairs
    assert not any(b in {pic.one(rf"^{n} \|") for n in ("x1", "x2", "w1", "w2", "b")} for _, b in pairs)


def test_kinds_have_their_colours_and_the_output_is_highlighted():
    v = neuron()
    pic = picture(ac.viz.draw(v["o"], params={"w1": v["w1"]}, names={"x1": v["x1"]}))
    fills = pic.fills
    assert "#d5edcf" in fills[pic.one(r"^w1 \|")]  # parameter
    assert "#d6e6f7" in fills[pic.one(r"^x1 \|")]  # input leaf
    assert "#fff2c2" in fills[pic.find(r"^mul")[0]]  # operation
    assert "#f7c9c4" in fills[pic.one(r"^tanh")]  # output
    assert "#b03a2e" in pic.svg  # the output's emphasised border
    legend = " ".join(pic.nodes["legend"])
    for word in ("legend", "parameter", "input / leaf tensor", "operation", "output", "data flow"):
        assert word in legend


def test_micrograd_records_after_backward():
    v = neuron()
    for k in ("x1w1", "x2w2", "n", "o"):
        v[k].retain_grad()
    v["o"].backward()
    pic = picture(ac.viz.draw(v["o"], names=v, show_values=True, show_grads=True, rankdir="LR"))
    # values of micrograd's example: o = tanh(0.8814) = 0.7071, do/dn = 1 - o^2 = 0.5
    assert pic.text(pic.one(r"^o \|")) == "o | = tanh | data 0.7071 | grad 1"
    assert pic.text(pic.one(r"^n \|")) == "n | = add | data 0.8814 | grad 0.5"
    assert pic.text(pic.one(r"^x1 \|")) == "x1 | data 2 | grad -1.5"
    assert pic.text(pic.one(r"^w1 \|")) == "w1 | data -3 | grad 1"
    assert pic.text(pic.one(r"^w2 \|")) == "w2 | data 1 | grad 0"
    assert pic.text(pic.one(r"^x1w1 \|")) == "x1w1 | = mul | data -6 | grad 0.5"
    # the legend explains norms only when some label shows one
    assert "norm of a large gradient" not in " ".join(pic.nodes["legend"])
    # with dtypes on, 0-d tensors keep their shape row
    pic = picture(ac.viz.draw(v["o"], names=v, show_values=True, show_dtypes=True))
    assert pic.text(pic.one(r"^o \|")) == "o | = tanh | scalar float64 | data 0.7071"
    assert "rankdir=LR" in ac.viz.draw(v["o"], rankdir="LR").source


def test_values_of_unnamed_ops_come_from_saved_outputs_only():
    x = ac.tensor([0.5, -1.0], requires_grad=True, dtype=np.float64)
    y = ac.tanh(x * 2.0)  # tanh saves its output, mul does not
    z = ac.exp(y)
    pic = picture(ac.viz.draw(z, show_values=True))
    tanh_text = pic.text(pic.one(r"^tanh"))
    expected = np.tanh(np.array([0.5, -1.0]) * 2.0)
    assert f"data [{expected[0]:.4g}, {expected[1]:.4g}]" in tanh_text
    assert "data" not in pic.text(pic.one(r"^mul"))


def test_large_tensors_show_range_and_gradient_norm():
    model, x, y = small_mlp()
    loss = mse(model(x), y)
    loss.backward()
    w = model.named_parameters()[0][1]
    pic = picture(ac.viz.draw(loss, params=model.named_parameters(), show_values=True, show_grads=True))
    text = pic.text(pic.one(r"^0\.weight"))
    assert "(32, 64)" in text
    assert f"‖grad‖ {np.linalg.norm(w.grad.data):.4g}" in text
    assert f"data ∈ [{w.data.min():.4g}, {w.data.max():.4g}]" in text
    assert "norm of a large gradient" in " ".join(pic.nodes["legend"])


def test_param_names_shapes_and_dtypes():
    model, x, y = small_mlp()
    loss = mse(model(x), y)
    pic = picture(ac.viz.draw(loss, params=model.named_parameters(), show_dtypes=True))
    for name, shape in [
        ("0.weight", "(32, 64)"),
        ("0.bias", "(32,)"),
        ("2.weight", "(10, 32)"),
        ("2.bias", "(10,)"),
    ]:
        assert pic.text(pic.one(rf"^{name} \|")) == f"{name} | {shape} float64"
    assert pic.text(pic.one(r"^tanh")) == "tanh | (16, 32) float64"
    # a model (anything with named_parameters) is accepted for params= too
    pic2 = picture(ac.viz.draw(loss, params=model))
    assert pic2.find(r"^2\.bias")
    # shapes can be turned off
    pic3 = picture(ac.viz.draw(loss, show_shapes=False))
    assert pic3.text(pic3.one(r"^tanh")) == "tanh"


def test_named_constant_inputs_are_drawn_where_an_op_saved_them():
    model, x, y = small_mlp()
    loss = mse(model(x), y)
    pic = picture(ac.viz.draw(loss, names={"x": x}))
    xs = pic.one(r"^x \| \(16, 64\)")
    assert "#eeeeee" in pic.fills[xs]
    (head,) = [b for a, b in pic.edge_pairs() if a == xs]
    assert pic.text(head).startswith("matmul")
    assert "input without grad" in " ".join(pic.nodes["legend"])


def test_show_saved_before_and_after_backward():
    x = ac.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    w = ac.tensor([3.0, 4.0], requires_grad=True, dtype=np.float64)
    y = ac.tanh(x * w)
    text = " ".join(t for ts in picture(ac.viz.draw(y, show_saved=True)).nodes.values() for t in ts)
    assert "saved input 0: (2,) float64" in text
    assert "saved input 1: (2,) float64" in text
    assert "saved output: (2,) float64" in text
    y.backward(np.ones(2))
    pic = picture(ac.viz.draw(y, show_saved=True))
    assert "saved: freed by backward()" in pic.text(pic.one(r"^tanh"))
    assert "saved: freed by backward()" in pic.text(pic.one(r"^mul"))


@pytest.mark.parametrize("constant_tensor", [False, True])
def test_show_saved_says_when_an_input_is_not_kept(constant_tensor):
    x = ac.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    c = np.array([3.0, 4.0])
    pic = picture(ac.viz.draw(x * (ac.tensor(c) if constant_tensor else c), show_saved=True))
    text = pic.text(pic.one(r"^mul"))
    assert "saved input 0: not kept (no needed gradient reads it)" in text
    assert "saved input 1: (2,) float64" in text


def test_repeated_input_draws_two_arrows():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    pic = picture(ac.viz.draw(x * x))
    assert pic.edge_pairs().count((pic.one(r"^leaf"), pic.one(r"^mul"))) == 2


def test_several_outputs_share_one_graph():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    h = ac.exp(x)
    a, b = ac.sin(h), ac.cos(h)
    pic = picture(ac.viz.draw(a, b))
    assert len(pic.find(r"^exp")) == 1
    assert "#f7c9c4" in pic.fills[pic.one(r"^sin")] and "#f7c9c4" in pic.fills[pic.one(r"^cos")]


def test_draw_leaves_the_graph_and_gradients_alone():
    v = neuron()
    ac.viz.draw(v["o"], names=v, show_values=True, show_grads=True, show_saved=True)
    v["o"].backward()
    assert v["x1"].grad.item() == pytest.approx(-1.5)
    assert v["w1"].grad.item() == pytest.approx(1.0)


# ---- collapse=model ---------------------------------------------------------------------


def test_collapse_recorded_gives_one_box_per_layer():
    model, x, y = small_mlp()
    with ac.viz.record_modules(model):
        loss = mse(model(x), y)
    loss.backward()
    pic = picture(ac.viz.draw(loss, collapse=model, show_grads=True))
    boxes = pic.find(r"· (Linear|Tanh)")
    assert [" ".join(pic.nodes[b][:2]) for b in boxes] == ["0 · Linear", "1 · Tanh", "2 · Linear"]
    first = pic.text(pic.one(r"^0 \|"))
    assert "transpose, matmul, add" in first and "weight (32, 64)" in first and "bias (32,)" in first
    w = model.named_parameters()[0][1]
    assert f"‖grad‖ {np.linalg.norm(w.grad.data):.4g}" in first
    assert "→ (16, 32)" in first
    # the layers' operations and parameters are inside the boxes, not drawn on their own
    assert not pic.find(r"^(transpose|tanh)") and not pic.find(r"weight \|")
    # the chain of boxes: 0 -> 1 -> 2 -> loss ops
    assert (pic.one(r"^0 \|"), pic.one(r"^1 \|")) in pic.edge_pairs()
    assert (pic.one(r"^1 \|"), pic.one(r"^2 \|")) in pic.edge_pairs()
    assert "module (collapsed)" in " ".join(pic.nodes["legend"])


def test_collapse_inferred_from_parameters():
    model, x, y = small_mlp()
    loss = mse(model(x), y)  # no record: modules come from the parameters the ops consume
    pic = picture(ac.viz.draw(loss, collapse=model))
    boxes = pic.find(r"· Linear")
    assert len(boxes) == 2
    assert all("transpose, matmul, add" in pic.text(b) for b in boxes)
    # the parameter-free Tanh module cannot be inferred: it stays an operation node
    tanh = pic.one(r"^tanh")
    assert (pic.one(r"^0 \|"), tanh) in pic.edge_pairs()
    assert (tanh, pic.one(r"^2 \|")) in pic.edge_pairs()


def test_collapse_containers_become_clusters():
    rng = np.random.default_rng(1)
    net = Sequential(MLP([8, 6, 5, 3], rng), Tanh())
    x = ac.tensor(rng.normal(size=(4, 8)))
    with ac.viz.record_modules(net):
        out = net(x)
    pic = picture(ac.viz.draw(out, collapse=net))
    assert [t for ts in pic.clusters.values() for t in ts] == ["0 · MLP"]
    for q in ("0.fc1", "0.fc2", "0.out"):
        assert pic.find(rf"^{q} \| · Linear")
    assert pic.find(r"^1 \| · Tanh")
    # the container's own relu calls are drawn inside its cluster
    assert len(pic.find(r"^relu")) == 2
    source = ac.viz.draw(out, collapse=net).source
    cluster = source.split("subgraph cluster_0 {", 1)[1].split("}", 1)[0]
    assert cluster.count("relu") == 2 and cluster.count("· Linear") == 3


def test_collapse_by_class():
    rng = np.random.default_rng(2)
    net = Sequential(MLP([8, 6, 5, 3], rng), Tanh())
    x = ac.tensor(rng.normal(size=(4, 8)))
    with ac.viz.record_modules(net):
        out = net(x)
    pic = picture(ac.viz.draw(out, collapse=Linear))
    assert len(pic.find(r"· Linear")) == 3
    assert pic.find(r"^tanh") and not pic.clusters
    pic = picture(ac.viz.draw(out, collapse=(MLP,)))
    (box,) = pic.find(r"· MLP")
    assert "matmul ×3" in pic.text(box) and "relu ×2" in pic.text(box)
    # without a record, classes alone are not enough; a model with them is
    out2 = net(x)
    with pytest.raises(ValueError, match="record_modules"):
        ac.viz.draw(out2, collapse=Linear)
    pic = picture(ac.viz.draw(out2, collapse=(net, Linear)))
    assert len(pic.find(r"· Linear")) == 3


def test_collapse_rejects_non_modules():
    x = ac.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="collapse"):
        ac.viz.draw(x * 2.0, collapse=42)


def test_shared_parameter_stays_outside_the_boxes():
    rng = np.random.default_rng(3)
    a, b = Linear(3, 3, rng), Linear(3, 3, rng)
    b.weight = a.weight  # tied weights
    net = Sequential(a, b)
    with ac.viz.record_modules(net):
        out = net(ac.tensor(rng.normal(size=(2, 3))))
    pic = picture(ac.viz.draw(out, collapse=net))
    shared = pic.one(r"^0\.weight \|")
    heads = {h for t, h in pic.edge_pairs() if t == shared}
    assert heads == {pic.one(r"^0 \|"), pic.one(r"^1 \|")}


# ---- big graphs ------------------------------------------------------------------------


def chain(n_ops):
    x = ac.tensor([0.5, 0.2], requires_grad=True)
    y = x
    for _ in range(n_ops // 2):
        y = ac.tanh(y * 1.01)
    return x, y


def test_100k_chain_with_max_nodes_is_fast_and_small():
    x, y = chain(100_000)
    t0 = time.process_time()  # CPU time: other load on the machine does not count
    g = ac.viz.draw(y, max_nodes=200, params={"x": x})
    elapsed = time.process_time() - t0
    assert elapsed < 5.0
    pic = picture(g)
    assert len(pic.graph_nodes()) <= 200
    summary = pic.text("summary")
    # 100,001 nodes, 199 drawn, the rest counted by kind
    hidden = 100_001 - 199
    assert f"… {hidden:,} more nodes" in summary
    assert "tanh ×" in summary and "mul ×" in summary and "parameter ×1" in summary
    counts = dict(
        (name, int(n.replace(",", ""))) for name, n in (row.split(" ×") for row in pic.nodes["summary"][1:])
    )
    assert sum(counts.values()) == hidden
    # the summary feeds the earliest drawn node (the 199th from the output, a tanh)
    (fed,) = [b for a, b in pic.edge_pairs() if a == "summary"]
    assert pic.text(fed).startswith("tanh")
    assert not [a for a, b in pic.edge_pairs() if b == "summary"]
    assert "summarised nodes" in " ".join(pic.nodes["legend"])


def test_default_limit_and_unlimited_draw_without_recursion():
    x, y = chain(100_000)
    g = ac.viz.draw(y)
    assert g.source.count("[label=") == DEFAULT_MAX_NODES + 1  # + legend
    g = ac.viz.draw(y, max_nodes=200_000)  # everything: DOT text only, no RecursionError
    assert g.source.count("[label=") == 100_001 + 1


def test_summary_keeps_the_nodes_nearest_the_output():
    x, y = chain(20)
    pic = picture(ac.viz.draw(y, max_nodes=4))
    assert len(pic.graph_nodes()) == 4
    assert sorted(pic.text(i).split(" | ")[0] for i in pic.graph_nodes() if i != "summary") == [
        "mul",
        "tanh",
        "tanh",
    ]
    assert "… 18 more nodes" in pic.text("summary")


def test_max_nodes_with_collapse_counts_modules():
    rng = np.random.default_rng(4)
    net = Sequential(*[Linear(3, 3, rng) for _ in range(30)])
    with ac.viz.record_modules(net):
        out = net(ac.tensor(rng.normal(size=(2, 3))))
    pic = picture(ac.viz.draw(out, collapse=net, max_nodes=6))
    assert len(pic.find(r"· Linear")) == 5
    assert "Linear ×25" in pic.text("summary")


# ---- bad input -------------------------------------------------------------------------


def test_tensor_without_graph_is_one_node_with_a_note():
    t = ac.tensor([1.0, 2.0])
    pic = picture(ac.viz.draw(t))
    assert list(pic.nodes) == ["n0"]
    assert "no graph" in pic.svg and "requires_grad=True" in pic.svg
    with ac.no_grad():
        y = ac.tensor([1.0], requires_grad=True) * 2.0
    assert list(picture(ac.viz.draw(y)).nodes) == ["n0"]
    leaf = ac.tensor([1.0], requires_grad=True)
    pic = picture(ac.viz.draw(leaf))
    assert list(pic.nodes) == ["n0"] and "no operation has used it yet" in pic.svg


def test_unknown_options_raise_type_error():
    x = ac.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="show_grad.*did you mean 'show_grads'"):
        ac.viz.draw(x * 2.0, show_grad=True)
    with pytest.raises(TypeError, match="colour"):
        ac.viz.draw(x * 2.0, colour="red")


def test_bad_arguments():
    x = ac.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="expected Tensors"):
        ac.viz.draw(np.ones(3))
    with pytest.raises(ValueError, match="at least one"):
        ac.viz.draw()
    with pytest.raises(ValueError, match="rankdir"):
        ac.viz.draw(x * 2.0, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        ac.viz.draw(x * 2.0, max_nodes=1)
    with pytest.raises(TypeError, match="params"):
        ac.viz.draw(x * 2.0, params={"w": np.ones(1)})
    with pytest.raises(TypeError, match="pairs"):
        ac.viz.draw(x * 2.0, params=[x])


def test_importing_the_library_does_not_import_graphviz():
    code = "import sys, autograd_core; assert 'graphviz' not in sys.modules; print(autograd_core.viz.draw)"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_jupyter_display_is_svg():
    x = ac.tensor([1.0], requires_grad=True)
    g = ac.viz.draw(ac.exp(x))
    bundle = g._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_collapse_with_the_real_nn_package():
    nn = ac.nn
    ac.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    x = ac.tensor(np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32))
    y = np.arange(8) % 10
    with ac.viz.record_modules(model):
        logits = model(x)
    for _, m in model.named_modules():
        assert "forward" not in vars(m)
    loss = -ac.log_softmax(logits, axis=1)[np.arange(8), y].mean()
    loss.backward()
    for g in (ac.viz.draw(loss, collapse=model, show_grads=True), ac.viz.draw(loss, collapse=model)):
        pic = picture(g)
        assert len(pic.find(r"· Linear")) == 2
        assert "weight (32, 64)" in pic.text(pic.one(r"^0 \| · Linear"))
    pic = picture(ac.viz.draw(loss, collapse=model))
    assert pic.find(r"^1 \| · ReLU")  # recorded: the parameter-free layer has its box too
    pic = picture(ac.viz.draw(loss, params=model.named_parameters()))
    assert pic.find(r"^0\.weight \| \(32, 64\)")
