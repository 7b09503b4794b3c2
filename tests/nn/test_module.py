"""Module, Parameter and the containers: registration, walks, modes, state dicts, repr."""

import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.scale = nn.Parameter(ac.ones(4))
        self.register_buffer("count", ac.zeros(1))
        self.register_buffer("scratch", ac.zeros(2), persistent=False)

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(4, 2), nn.ReLU())

    def forward(self, x):
        return self.head(self.block(x))


# ---- Parameter ----------------------------------------------------------------------------


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(ac.zeros(3))
    assert isinstance(p, ac.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.dtype == np.float32
    assert repr(p) == "Parameter containing:\ntensor([0., 0., 0.], dtype=float32, requires_grad=True)"


def test_parameter_wraps_tensor_data_without_copy_and_takes_default_dtype():
    t = ac.zeros(2, dtype=np.float64)
    p = nn.Parameter(t)
    assert p.data is t.data and p.dtype == np.float64
    assert nn.Parameter([1, 2]).dtype == ac.get_default_dtype()
    assert nn.Parameter(requires_grad=False).requires_grad is False
    assert nn.Parameter().shape == (0,)


def test_parameter_rejects_integer_arrays():
    with pytest.raises(TypeError, match="int64"):
        nn.Parameter(np.arange(3))


def test_parameter_gets_gradients():
    p = nn.Parameter(ac.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.data, [2.0, 4.0])


# ---- registration ---------------------------------------------------------------------------


def test_attribute_registration():
    b = Block()
    assert list(b._parameters) == ["scale"]
    assert list(b._modules) == ["fc", "act"]
    assert list(b._buffers) == ["count", "scratch"]
    assert isinstance(b.fc, nn.Linear) and b.count.shape == (1,)
    assert "fc" in dir(b) and "scale" in dir(b)


def test_reassigning_moves_between_registries_and_none_placeholders():
    m = nn.Module()
    m.x = nn.Linear(1, 1)
    m.x = nn.Parameter(ac.zeros(1))  # module -> parameter
    assert "x" in m._parameters and "x" not in m._modules
    with pytest.raises(TypeError, match="as parameter 'x'"):  # like PyTorch
        m.x = nn.Linear(1, 1)
    del m.x
    m.x = nn.Linear(1, 1)
    m.x = None
    assert m._modules["x"] is None and m.x is None
    m.register_parameter("p", None)
    assert m.p is None and list(m.parameters()) == []
    m.plain = 3
    assert m.plain == 3 and "plain" not in m._parameters


def test_assigning_wrong_types_to_registered_names_raises():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = ac.zeros((2, 2))
    c = nn.Sequential(nn.ReLU())
    c.register_buffer("buf", ac.zeros(1))
    with pytest.raises(TypeError, match="buffer 'buf'"):
        c.buf = 3
    c.buf = ac.ones(1)
    assert c.buf.data[0] == 1
    with pytest.raises(TypeError, match="child module '0'"):
        setattr(c, "0", 5)


def test_registration_name_checks():
    m = nn.Module()
    with pytest.raises(KeyError, match="cannot contain"):
        m.register_buffer("a.b", ac.zeros(1))
    with pytest.raises(KeyError, match="empty"):
        m.add_module("", nn.ReLU())
    with pytest.raises(TypeError, match="string"):
        m.register_parameter(1, None)
    m.other = 1
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("other", ac.zeros(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("w", ac.zeros(1))
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", [1, 2])


def test_register_buffer_accepts_arrays_and_register_module_alias():
    m = nn.Module()
    m.register_buffer("b", np.arange(3.0))
    assert isinstance(m.b, ac.Tensor)
    m.register_module("child", nn.ReLU())
    assert isinstance(m.child, nn.ReLU)


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


def test_delattr_and_missing_attribute():
    b = Block()
    del b.scale
    del b.count
    del b.fc
    assert "scale" not in b._parameters and "count" not in b._buffers and "fc" not in b._modules
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'fc'"):
        b.fc
    b.x = 1
    del b.x
    assert not hasattr(b, "x")


# ---- walks ----------------------------------------------------------------------------------


def test_named_parameters_and_modules_in_pytorch_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "block.scale",
        "block.fc.weight",
        "block.fc.bias",
        "head.0.weight",
        "head.0.bias",
    ]
    assert [n for n, _ in net.named_modules()] == [
        "",
        "block",
        "block.fc",
        "block.act",
        "head",
        "head.0",
        "head.1",
    ]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net",
        "Block",
        "Linear",
        "Tanh",
        "Sequential",
        "Linear",
        "ReLU",
    ]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Sequential"]
    assert len(list(net.parameters())) == 5
    assert [n for n, _ in net.named_parameters(prefix="model", recurse=False)] == []
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.scratch"]
    assert len(list(net.buffers())) == 2
    assert list(net.block.buffers(recurse=False))[0] is net.block.count


def test_shared_modules_and_parameters_are_yielded_once():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_modules(remove_duplicate=False))) == 4
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tied = nn.Module()
    tied.a = nn.Linear(2, 2)
    tied.b = nn.Linear(2, 2)
    tied.b.weight = tied.a.weight
    assert [n for n, _ in tied.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    assert len(list(tied.named_parameters(remove_duplicate=False))) == 4


def test_walks_are_iterative_on_very_deep_trees():
    root = nn.Sequential()
    m = root
    depth = 2000  # deeper than Python's default recursion limit
    for _ in range(depth):
        child = nn.Sequential()
        m.append(child)
        m = child
    m.append(nn.Linear(1, 1))
    assert len(list(root.modules())) == depth + 2
    assert len(root.state_dict()) == 2
    root.eval()
    assert not m[0].training
    assert repr(root).count("Sequential(") == depth + 1
    root.apply(lambda mod: None)


def test_cycle_detection_without_deduplication():
    a = nn.Sequential()
    b = nn.Sequential()
    a.append(b)
    b.append(a)
    assert len(list(a.modules())) == 2
    with pytest.raises(RuntimeError, match="cycle"):
        a.state_dict()
    assert "<cycle: Sequential>" in repr(a)


def test_apply_visits_children_before_parents():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Tanh", "Block", "Linear", "ReLU", "Sequential", "Net"]


# ---- modes, grads, dtype ----------------------------------------------------------------------


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.block.fc.training
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net.head[1].training
    with pytest.raises(TypeError, match="bool"):
        net.train("yes")


def test_zero_grad_sets_none_by_default():
    net = Net()
    net(ac.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    out = net(ac.randn(2, 3))
    assert not out.requires_grad


def test_to_double_and_float():
    net = Net()
    net(ac.randn(2, 3)).sum().backward()
    assert net.double() is net
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(p.grad.dtype == np.float64 for p in net.parameters())
    assert net.block.count.dtype == np.float64
    assert net(ac.randn(2, 3, dtype=np.float64)).dtype == np.float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.to("cpu") is net
    with pytest.raises(TypeError, match="floating"):
        net.to(np.int32)


def test_call_runs_forward_and_hooks():
    net = Net()
    calls = []
    h1 = net.head.register_forward_pre_hook(lambda m, args: calls.append(("pre", args[0].shape)))
    h2 = net.head.register_forward_hook(lambda m, args, out: out * 0)
    out = net(ac.randn(3, 3))
    assert calls == [("pre", (3, 4))]
    assert np.all(out.data == 0)
    h1.remove()
    h2.remove()
    net(ac.randn(3, 3))
    assert len(calls) == 1
    replaced = nn.Identity()
    replaced.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
    assert replaced(ac.zeros(1)).item() == 1


def test_module_without_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)
    with pytest.raises(NotImplementedError, match="forward"):
        nn.ModuleList([nn.ReLU()])(ac.zeros(1))


def test_deepcopy_gives_independent_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.block.scale, nn.Parameter)
    clone.block.scale.data[...] = 5
    assert np.all(net.block.scale.data == 1)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]


# ---- state dicts ------------------------------------------------------------------------------


def test_state_dict_keys_values_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "block.scale",
        "block.count",
        "block.fc.weight",
        "block.fc.bias",
        "head.0.weight",
        "head.0.bias",
    ]
    w = sd["block.fc.weight"]
    assert w.shape == (4, 3) and not w.requires_grad and w.data is net.block.fc.weight.data
    assert net.state_dict(keep_vars=True)["block.fc.weight"] is net.block.fc.weight
    assert list(net.block.state_dict(prefix="b."))[0] == "b.scale"


def test_load_state_dict_round_trip():
    a, b = Net(), Net()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert isinstance(result, nn.IncompatibleKeys)
    x = ac.randn(4, 3)
    np.testing.assert_array_equal(a(x).data, b(x).data)
    # values are copied, not aliased
    b.block.fc.weight.data[...] = 0
    assert not np.all(a.block.fc.weight.data == 0)


def test_load_state_dict_accepts_arrays_and_casts_dtype():
    lin = nn.Linear(2, 3)
    w = np.arange(6, dtype=np.float64).reshape(3, 2)
    lin.load_state_dict({"weight": w, "bias": [1.0, 2.0, 3.0]} | {"bias": np.ones(3)})
    assert lin.weight.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.data, w)


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    net = Net()
    before = {k: v.data.copy() for k, v in net.state_dict().items()}
    sd = Net().state_dict()
    del sd["block.scale"]
    del sd["head.0.bias"]
    sd["extra.weight"] = ac.zeros(1)
    sd["block.fc.weight"] = ac.zeros((3, 4))
    sd["head.0.weight"] = ac.zeros((2, 5))
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "Error(s) in loading state_dict for Net" in msg
    for key in ['"block.scale"', '"head.0.bias"', '"extra.weight"']:
        assert key in msg
    assert "size mismatch for block.fc.weight" in msg and "(3, 4)" in msg and "(4, 3)" in msg
    assert "size mismatch for head.0.weight" in msg and "(2, 5)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k])


def test_load_state_dict_non_strict_returns_keys_but_still_rejects_shapes():
    lin = nn.Linear(2, 3)
    result = lin.load_state_dict({"weight": np.zeros((3, 2)), "junk": np.zeros(1)}, strict=False)
    assert result == (["bias"], ["junk"])
    assert np.all(lin.weight.data == 0)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        lin.load_state_dict({"weight": np.zeros((2, 2))}, strict=False)
    with pytest.raises(RuntimeError, match="expected a Tensor or array"):
        lin.load_state_dict({"weight": "nope", "bias": np.zeros(3)})
    with pytest.raises(TypeError, match="dict-like"):
        lin.load_state_dict([1, 2])


def test_load_state_dict_bumps_version_so_stale_graphs_fail():
    lin = nn.Linear(2, 2)
    out = (lin(ac.ones((1, 2), requires_grad=True)) * lin.weight.sum()).sum()
    lin.load_state_dict(nn.Linear(2, 2).state_dict())
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        out.backward()


def test_buffers_in_state_dict_and_non_persistent_excluded():
    b = Block()
    assert "count" in b.state_dict() and "scratch" not in b.state_dict()
    b.load_state_dict({**Block().state_dict(), "count": np.array([7.0])})
    assert b.count.item() == 7


# ---- repr ---------------------------------------------------------------------------------------


def test_repr_nested_like_pytorch():
    net = Net()
    net.add_module("extra", None)
    assert repr(net) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (act): Tanh()\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=2, bias=True)\n"
        "    (1): ReLU()\n"
        "  )\n"
        "  (extra): None\n"
        ")"
    )


def test_repr_with_multiline_extra_and_custom_child_repr():
    class Custom(nn.Module):
        def __repr__(self):
            return "Custom<>"

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = Custom()

        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Two()) == "Two(\n  a=1\n  b=2\n  (c): Custom<>\n)"


# ---- containers ---------------------------------------------------------------------------------


def test_sequential_indexing_slicing_and_mutation():
    l0, l1, l2 = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(l0, l1, l2)
    assert len(seq) == 3 and seq[0] is l0 and seq[-1] is l2
    assert list(seq) == [l0, l1, l2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["1", "2"]
    assert sub(ac.ones((1, 3))).shape == (1, 1)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[1]
    assert list(seq._modules) == ["0", "1"] and seq[1] is l2
    seq.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in seq] == ["Linear", "Sigmoid", "Linear"]
    seq.append(nn.Identity()).extend([nn.Identity()])
    assert len(seq) == 5
    assert isinstance(seq.pop(), nn.Identity) and len(seq) == 4
    del seq[2:]
    assert len(seq) == 2
    with pytest.raises(TypeError, match="not a Module"):
        seq.insert(0, 3)


def test_sequential_forward_and_ordered_dict_names():
    seq = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert list(seq.state_dict()) == ["hidden.weight", "hidden.bias"]
    x = ac.randn(4, 2)
    np.testing.assert_allclose(seq(x).data, np.tanh(seq.hidden(x).data), rtol=1e-6)
    seq[0] = nn.Linear(2, 3)
    assert list(seq._modules) == ["hidden", "act"]
    assert list(seq[:1]._modules) == ["hidden"]


def test_module_list():
    ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    ml.append(nn.Tanh())
    ml += [nn.Sigmoid()]
    assert len(ml) == 4 and isinstance(ml[-1], nn.Sigmoid)
    both = ml + nn.ModuleList([nn.Identity()])
    assert isinstance(both, nn.ModuleList) and len(both) == 5
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    ml[0] = nn.Linear(1, 2)
    assert ml[0].out_features == 2
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2"] and isinstance(ml[0], nn.ReLU)
    owner = nn.Module()
    owner.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert [n for n, _ in owner.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    assert nn.ModuleList().extend([]) is not None


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md) == ["a", "b", "c"] and len(md) == 3 and "b" in md
    assert md.keys() == ["a", "b", "c"]
    assert [type(m).__name__ for m in md.values()] == ["Linear", "ReLU", "Tanh"]
    assert md.items()[0][0] == "a"
    assert isinstance(md.pop("b"), nn.ReLU) and "b" not in md
    del md["c"]
    md.update([("d", nn.Sigmoid())])
    assert list(md) == ["a", "d"]
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    with pytest.raises(ValueError, match="pairs"):
        md.update([("x", nn.ReLU(), 1)])
    md.clear()
    assert len(md) == 0
