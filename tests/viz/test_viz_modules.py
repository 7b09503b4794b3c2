"""ac.viz.record_modules and the inferred module map behind collapse=."""

from __future__ import annotations

import numpy as np
import pytest
from minimal_nn import MLP, Linear, Sequential, Tanh

import autograd_core as ac
from autograd_core.graph import is_op, walk
from autograd_core.viz.modules import infer_modules, named_modules, recorded_module


def test_record_modules_credits_the_innermost_module():
    rng = np.random.default_rng(0)
    net = Sequential(MLP([4, 3, 3, 2], rng), Tanh())
    x = ac.tensor(rng.normal(size=(2, 4)))
    with ac.viz.record_modules(net) as m:
        assert m is net
        out = net(x)
    where = {}
    for node, _ in walk(out):
        if is_op(node):
            root, qual = recorded_module(node)
            assert root is net
            where.setdefault(qual, []).append(node.name)
    assert {q: sorted(names) for q, names in where.items()} == {
        "0.fc1": ["add", "matmul", "transpose"],
        "0": ["relu", "relu"],
        "0.fc2": ["add", "matmul", "transpose"],
        "0.out": ["add", "matmul", "transpose"],
        "1": ["tanh"],
    }
    assert sorted(where["0.fc2"]) == ["add", "matmul", "transpose"]


def test_record_modules_restores_forward_even_after_an_error():
    rng = np.random.default_rng(0)
    net = Sequential(Linear(2, 2, rng), Tanh())
    with pytest.raises(ZeroDivisionError), ac.viz.record_modules(net):
        raise ZeroDivisionError
    for _, m in named_modules(net):
        assert "forward" not in vars(m)
    # a module with its own instance-level forward gets it back
    special = Tanh()
    special.forward = lambda x: ac.sin(x)
    own = special.forward
    with ac.viz.record_modules(special):
        out = special(ac.tensor([1.0], requires_grad=True))
    assert special.forward is own
    assert recorded_module(out.grad_fn)[1] == ""


def test_outside_the_block_nothing_is_recorded():
    rng = np.random.default_rng(0)
    net = Sequential(Linear(2, 2, rng))
    with ac.viz.record_modules(net):
        pass
    out = net(ac.tensor(np.ones((1, 2))))
    assert recorded_module(out.grad_fn) is None


def test_infer_modules_by_parameters_and_sandwich():
    rng = np.random.default_rng(0)
    net = Sequential(Linear(4, 3, rng), Tanh(), Linear(3, 2, rng))
    out = net(ac.tensor(rng.normal(size=(2, 4))))
    order = walk(out)
    assigned = infer_modules(order, net)
    got = {}
    for k, q in assigned.items():
        got.setdefault(q, []).append(order[k][0].name)
    assert {q: sorted(v) for q, v in got.items()} == {
        "0": ["add", "matmul", "transpose"],
        "2": ["add", "matmul", "transpose"],
    }
    # nothing to infer without parameters in the graph
    x = ac.tensor([1.0], requires_grad=True)
    assert infer_modules(walk(ac.exp(x)), net) == {}


def test_named_modules_fallback_uses_named_children():
    class Leaf:
        def named_parameters(self):
            return []

        def named_children(self):
            return []

    class Root(Leaf):
        def __init__(self):
            self.a, self.b = Leaf(), Leaf()

        def named_children(self):
            return [("a", self.a), ("b", self.b)]

    root = Root()
    assert [q for q, _ in named_modules(root)] == ["", "a", "b"]
    with pytest.raises(TypeError, match="nn.Module"):
        named_modules(object())
