"""ac.save / ac.load: npz round trips, and refusal of crafted files (no pickle, no code)."""

import io
import json
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import nn
from autograd_core.serialization import UnsafeFileError

EXECUTED = []


def _mark_executed():  # what a malicious pickle would run
    EXECUTED.append(True)
    return "pwned"


class Payload:
    def __reduce__(self):
        return (_mark_executed, ())


def _round_trip(obj):
    buf = io.BytesIO()
    ac.save(obj, buf)
    buf.seek(0)
    return ac.load(buf)


def test_state_dict_round_trip_through_a_file(tmp_path):
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    net.register_buffer("steps", ac.tensor(np.array([3], np.int64)))
    path = tmp_path / "model.pt"
    ac.save(net.state_dict(), path)
    assert path.exists() and not (tmp_path / "model.pt.npz").exists()  # no suffix appended
    sd = ac.load(str(path))
    assert isinstance(sd, OrderedDict) and list(sd) == list(net.state_dict())
    for k, v in net.state_dict().items():
        assert isinstance(sd[k], ac.Tensor) and sd[k].dtype == v.dtype
        np.testing.assert_array_equal(sd[k].data, v.data)
    other = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    other.register_buffer("steps", ac.zeros(1, dtype=np.int64))
    other.load_state_dict(sd)
    x = ac.randn(5, 3)
    np.testing.assert_array_equal(other(x).data, net(x).data)
    assert other.steps.item() == 3


def test_optimizer_like_state_round_trip():
    state = {
        "state": {
            0: {"step": 10, "exp_avg": ac.tensor([1.0, 2.0]), "exp_avg_sq": np.array([[0.5]])},
            1: {"momentum_buffer": None},
        },
        "param_groups": [
            {
                "lr": 1e-3,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "amsgrad": False,
                "params": [0, 1],
                "name": "body",
                "max": math.inf,
                "undefined": math.nan,
                "huge": 2**80,
            }
        ],
        "scalar": np.float32(0.25),
        1.5: "float key",
        True: "bool key",
        None: "none key",
    }
    out = _round_trip(state)
    assert list(out["state"]) == [0, 1] and all(isinstance(k, int) for k in out["state"])
    s0 = out["state"][0]
    assert s0["step"] == 10 and isinstance(s0["step"], int)
    assert isinstance(s0["exp_avg"], ac.Tensor) and s0["exp_avg"].dtype == np.float32
    np.testing.assert_array_equal(s0["exp_avg"].data, [1.0, 2.0])
    assert isinstance(s0["exp_avg_sq"], np.ndarray) and s0["exp_avg_sq"].shape == (1, 1)
    assert out["state"][1] == {"momentum_buffer": None}
    g = out["param_groups"][0]
    assert g["lr"] == 1e-3 and g["betas"] == (0.9, 0.999) and g["eps"] == 1e-8
    assert g["amsgrad"] is False and g["params"] == [0, 1] and g["name"] == "body"
    assert g["max"] == math.inf and math.isnan(g["undefined"]) and g["huge"] == 2**80
    assert out["scalar"] == np.float32(0.25) and isinstance(out["scalar"], np.float32)
    assert out[1.5] == "float key" and out[True] == "bool key" and out[None] == "none key"
    assert type(out) is dict


def test_parameters_and_requires_grad_survive():
    lin = nn.Linear(2, 2)
    out = _round_trip({"kept": lin.state_dict(keep_vars=True), "t": ac.ones(2, requires_grad=True)})
    assert isinstance(out["kept"]["weight"], nn.Parameter) and out["kept"]["weight"].requires_grad
    assert out["t"].requires_grad and not isinstance(out["t"], nn.Parameter)
    assert not _round_trip(lin.state_dict())["weight"].requires_grad


def test_scalars_and_containers():
    for obj in [None, 3, -2.5, "text", [1, [2, (3,)]], (), {}, ac.tensor(7), np.arange(4, dtype=np.int16)]:
        out = _round_trip(obj)
        if isinstance(obj, ac.Tensor):
            assert out.item() == 7 and out.dtype == np.int64
        elif isinstance(obj, np.ndarray):
            assert out.dtype == np.int16 and out.tolist() == [0, 1, 2, 3]
        else:
            assert out == obj and type(out) is type(obj)
    strings = np.array(["a", "bc"])
    np.testing.assert_array_equal(_round_trip(strings), strings)


def test_save_rejects_what_it_cannot_store_without_pickle():
    with pytest.raises(TypeError, match=r"cannot store an object of type Payload at \['a'\]\[0\]"):
        ac.save({"a": [Payload()]}, io.BytesIO())
    with pytest.raises(TypeError, match="dtype object"):
        ac.save({"x": np.array([{}, 1], dtype=object)}, io.BytesIO())
    with pytest.raises(TypeError, match="dict keys"):
        ac.save({(1, 2): 3}, io.BytesIO())
    with pytest.raises(TypeError, match="Linear"):
        ac.save(nn.Linear(1, 1), io.BytesIO())


def test_crafted_object_array_is_refused_and_never_executed(tmp_path):
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload()
    np.savez(path, weight=np.ones(2), evil=evil)  # np.save pickles object arrays
    EXECUTED.clear()
    with pytest.raises(UnsafeFileError) as info:
        ac.load(path)
    assert "'evil'" in str(info.value) and "never" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert EXECUTED == []
    # the same payload inside an ac.save-style file with a manifest is refused too
    buf = io.BytesIO()
    manifest = {"format": "autograd_core.save", "version": 1, "root": {"T": "ndarray", "ref": "a0"}}
    np.savez(buf, a0=evil, __autograd_core_manifest__=np.frombuffer(json.dumps(manifest).encode(), np.uint8))
    buf.seek(0)
    with pytest.raises(UnsafeFileError):
        ac.load(buf)
    assert EXECUTED == []


def test_a_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"w": Payload()}))
    EXECUTED.clear()
    with pytest.raises(UnsafeFileError, match="not a NumPy .npz archive"):
        ac.load(path)
    assert EXECUTED == []
    garbage = tmp_path / "junk.npz"
    garbage.write_bytes(b"\x00" * 10)
    with pytest.raises(UnsafeFileError):
        ac.load(garbage)


def _with_manifest(manifest_bytes, **arrays):
    buf = io.BytesIO()
    np.savez(buf, __autograd_core_manifest__=np.frombuffer(manifest_bytes, np.uint8), **arrays)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(
    "root, arrays, message",
    [
        ({"T": "tensor", "ref": "a9"}, {}, "missing array"),
        ({"T": "tensor", "ref": "a0"}, {"a0": np.array(["x"])}, "not allowed"),
        ({"T": "eval", "v": "__import__('os')"}, {}, "unknown or malformed"),
        ({"T": "int", "v": "12x"}, {}, "bad integer"),
        ({"T": "float", "v": "zz"}, {}, "bad float"),
        ({"T": "int", "v": 3}, {}, "unknown or malformed"),
        ({"T": "dict", "items": [[{"T": "list", "items": []}, {"T": "none"}]]}, {}, "key of type list"),
        ({"T": "dict", "items": [[1]]}, {}, "malformed dict entry"),
        ([1, 2], {}, "malformed manifest entry"),
    ],
)
def test_malformed_manifests_are_refused(root, arrays, message):
    manifest = json.dumps({"format": "autograd_core.save", "version": 1, "root": root}).encode()
    with pytest.raises(UnsafeFileError, match=message):
        ac.load(_with_manifest(manifest, **arrays))


def test_bad_manifest_headers_are_refused():
    with pytest.raises(UnsafeFileError, match="not valid JSON"):
        ac.load(_with_manifest(b"{not json"))
    with pytest.raises(UnsafeFileError, match="does not describe"):
        ac.load(_with_manifest(json.dumps({"format": "other"}).encode()))
    with pytest.raises(UnsafeFileError, match="version"):
        ac.load(_with_manifest(json.dumps({"format": "autograd_core.save", "version": 99}).encode()))
    deep = '{"T": "list", "items": [' * 100_000 + "]}" * 100_000
    manifest = ('{"format": "autograd_core.save", "version": 1, "root": ' + deep + "}").encode()
    with pytest.raises(UnsafeFileError):
        ac.load(_with_manifest(manifest))


def test_plain_npz_loads_as_dict_of_tensors(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, weight=np.ones((2, 3), np.float32), bias=np.zeros(2))
    out = ac.load(path)
    assert set(out) == {"weight", "bias"} and isinstance(out["weight"], ac.Tensor)
    assert out["weight"].dtype == np.float32 and out["bias"].dtype == np.float64
    np.savez(path, names=np.array(["a"]))
    with pytest.raises(UnsafeFileError, match="cannot become a tensor"):
        ac.load(path)
    npy = tmp_path / "single.npy"
    np.save(npy, np.arange(3.0))
    assert ac.load(npy)["arr_0"].shape == (3,)
