"""autograd_core.graph.walk: the one public graph walk."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.graph import is_op, node_of, walk


def _check_topological(order):
    pos = {id(n): i for i, (n, _) in enumerate(order)}
    assert len(pos) == len(order)  # each node once
    for i, (n, parents) in enumerate(order):
        assert parents == (n.parents if is_op(n) else ())
        for p in parents:
            if p is not None:
                assert pos[id(p)] < i


def test_walk_returns_each_node_once_in_data_flow_order():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    w = ac.tensor([3.0, 4.0], requires_grad=True)
    h = x * w
    y = ac.tanh(h) + ac.exp(h) * 2.0  # diamond: h used twice; 2.0 is a constant
    order = walk(y)
    _check_topological(order)
    names = [n.name if is_op(n) else "leaf" for n, _ in order]
    assert sorted(names) == ["add", "exp", "leaf", "leaf", "mul", "mul", "tanh"]
    assert order[-1][0] is y.grad_fn
    assert {id(n) for n, _ in order if not is_op(n)} == {id(x), id(w)}
    mul2 = next(n for n, _ in order if is_op(n) and n.name == "mul" and n is not h.grad_fn)
    assert mul2.parents[1] is None  # the constant is no node


def test_walk_several_roots_and_shared_parts():
    x = ac.tensor([1.0], requires_grad=True)
    h = ac.exp(x)
    a, b = ac.sin(h), ac.cos(h)
    order = walk(a, b, h)
    _check_topological(order)
    assert len(order) == 4


def test_walk_a_leaf_and_a_tensor_without_graph():
    x = ac.tensor([1.0], requires_grad=True)
    assert walk(x) == [(x, ())]
    c = ac.tensor([1.0])
    assert walk(c) == [(c, ())]
    assert node_of(x) is x and node_of(ac.exp(x)).name == "exp"


def test_walk_stop_cuts_the_graph():
    x = ac.tensor([1.0], requires_grad=True)
    h = ac.exp(x)
    y = ac.sin(h * 2.0)
    order = walk(y, stop=[h])
    assert [n.name for n, _ in order] == ["mul", "sin"]
    assert walk(y, stop=[y]) == []


def test_walk_a_million_node_chain_without_recursion():
    x = ac.tensor(np.array([0.1]), requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = -y
    order = walk(y)
    assert len(order) == 1_000_001
    assert order[0][0] is x and order[-1][0] is y.grad_fn


def test_walk_rejects_other_objects():
    with pytest.raises(TypeError, match="expected Tensors"):
        walk(np.ones(2))
