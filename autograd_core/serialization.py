"""``ac.save`` / ``ac.load``: state dicts in NumPy ``.npz`` files, never pickle.

A file holds one array per tensor or NumPy array, plus a JSON manifest (stored as
a ``uint8`` array) describing how the arrays sit in the saved object: nested
dicts (keys may be strings, ints, floats, bools or None — optimizer state dicts
use int keys), lists, tuples, tensors, arrays, numbers, strings, booleans and
None.

Loading uses ``np.load(..., allow_pickle=False)`` and accepts only numeric,
boolean and string arrays, so a crafted file cannot execute code: an object
array, an unknown manifest entry or a dangling reference raises
:class:`UnsafeFileError` (a ``ValueError``). A plain ``.npz`` written by
``np.savez`` (no manifest) loads as a dict of tensors.
"""

from __future__ import annotations

import io
import json
import os
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from .errors import AutogradError
from .tensor import Tensor, _make

__all__ = ["UnsafeFileError", "load", "save"]

_MANIFEST = "__autograd_core_manifest__"
_FORMAT = "autograd_core.save"
_VERSION = 1
_TENSOR_KINDS = "biuf"
_ARRAY_KINDS = "biufcUS"


class UnsafeFileError(AutogradError, ValueError):
    """``ac.load`` refused a file: it is not a safe ``.npz`` of plain data."""


def _path_str(path: list) -> str:
    return "".join(f"[{p!r}]" for p in path) or "the object"


def _encode(obj: Any, arrays: dict, path: list) -> dict:
    def store(arr: np.ndarray) -> str:
        if arr.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(
                f"save: cannot store an array of dtype {arr.dtype} at {_path_str(path)}; only "
                "numeric, boolean and string arrays can be saved without pickle"
            )
        ref = f"a{len(arrays)}"
        arrays[ref] = arr
        return ref

    if isinstance(obj, Tensor):
        from .nn.parameter import Parameter

        if obj.data.dtype.kind not in _TENSOR_KINDS:
            raise TypeError(f"save: unsupported tensor dtype {obj.dtype} at {_path_str(path)}")
        return {
            "T": "parameter" if isinstance(obj, Parameter) else "tensor",
            "ref": store(np.asarray(obj.data, order="C")),  # (ascontiguousarray makes 0-d 1-d)
            "requires_grad": bool(obj.requires_grad),
        }
    if isinstance(obj, np.ndarray):
        return {"T": "ndarray", "ref": store(np.asarray(obj, order="C"))}
    if isinstance(obj, np.generic):
        return {"T": "npscalar", "ref": store(np.asarray(obj))}
    if obj is None:
        return {"T": "none"}
    if isinstance(obj, bool):
        return {"T": "bool", "v": obj}
    if isinstance(obj, int):
        return {"T": "int", "v": str(obj)}  # as text: JSON numbers lose big ints in some readers
    if isinstance(obj, float):
        return {"T": "float", "v": obj.hex()}  # exact, including inf and nan
    if isinstance(obj, str):
        return {"T": "str", "v": obj}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise TypeError(
                    f"save: dict keys must be str, int, float, bool or None, got {type(k).__name__} "
                    f"at {_path_str(path)}"
                )
            items.append([_encode(k, arrays, path), _encode(v, arrays, [*path, k])])
        return {"T": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        return {
            "T": "list" if isinstance(obj, list) else "tuple",
            "items": [_encode(v, arrays, [*path, i]) for i, v in enumerate(obj)],
        }
    raise TypeError(
        f"save: cannot store an object of type {type(obj).__name__} at {_path_str(path)}; ac.save "
        "handles (nested) dicts, lists and tuples of tensors, arrays, numbers, strings and None"
    )


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()`` or ``optimizer.state_dict()``) to ``f``.

    Parameters
    ----------
    obj : nested dicts / lists / tuples of Tensors, arrays, numbers, strings, None
    f : path or binary file object
        Written exactly at the given path (no ``.npz`` suffix is appended).

    Examples
    --------
    >>> import autograd_core as ac, io
    >>> buf = io.BytesIO()
    >>> ac.save({"w": ac.ones(2), "step": 3}, buf)
    >>> _ = buf.seek(0)
    >>> ac.load(buf)
    {'w': tensor([1., 1.], dtype=float32), 'step': 3}
    """
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, arrays, [])
    manifest = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
    arrays[_MANIFEST] = np.frombuffer(manifest.encode("utf-8"), dtype=np.uint8)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            np.savez(fh, **arrays)
    else:
        np.savez(f, **arrays)


def _bad(msg: str) -> UnsafeFileError:
    return UnsafeFileError(f"load: {msg}")


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays

    def array(self, node: dict, kinds: str) -> np.ndarray:
        ref = node.get("ref")
        if not isinstance(ref, str) or ref not in self.arrays:
            raise _bad(f"manifest refers to a missing array {ref!r}")
        arr = self.arrays[ref]
        if arr.dtype.kind not in kinds:
            raise _bad(f"array {ref!r} has dtype {arr.dtype}, which is not allowed here")
        return arr

    def decode(self, node: Any) -> Any:
        if not isinstance(node, dict) or not isinstance(node.get("T"), str):
            raise _bad(f"malformed manifest entry {str(node)[:80]!r}")
        kind = node["T"]
        if kind in ("tensor", "parameter"):
            data = self.array(node, _TENSOR_KINDS)
            rg = node.get("requires_grad", False) is True and data.dtype.kind == "f"
            if kind == "parameter":
                from .nn.parameter import Parameter

                return Parameter(data, requires_grad=rg)
            t = _make(data)
            t._rg = rg
            return t
        if kind == "ndarray":
            return self.array(node, _ARRAY_KINDS)
        if kind == "npscalar":
            return self.array(node, _ARRAY_KINDS)[()]
        if kind == "none":
            return None
        v = node.get("v")
        if kind == "bool" and isinstance(v, bool):
            return v
        if kind == "int" and isinstance(v, str):
            try:
                return int(v)
            except ValueError:
                raise _bad(f"bad integer {v[:40]!r}") from None
        if kind == "float" and isinstance(v, str):
            try:
                return float.fromhex(v)
            except ValueError:
                raise _bad(f"bad float {v[:40]!r}") from None
        if kind == "str" and isinstance(v, str):
            return v
        items = node.get("items")
        if kind in ("dict", "odict") and isinstance(items, list):
            out: dict = OrderedDict() if kind == "odict" else {}
            for pair in items:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise _bad("malformed dict entry in manifest")
                key = self.decode(pair[0])
                if not (key is None or isinstance(key, (str, int, float, bool))):
                    raise _bad(f"dict key of type {type(key).__name__} is not allowed")
                out[key] = self.decode(pair[1])
            return out
        if kind in ("list", "tuple") and isinstance(items, list):
            seq = [self.decode(x) for x in items]
            return seq if kind == "list" else tuple(seq)
        raise _bad(f"unknown or malformed manifest entry of kind {kind!r}")


def load(f: str | os.PathLike | BinaryIO) -> Any:
    """Load an object written by :func:`save` (tensors come back as Tensors).

    Never unpickles: arrays are read with ``allow_pickle=False``. A crafted file
    (object arrays, malformed manifest) raises :class:`UnsafeFileError`; a file
    that is not an ``.npz`` archive raises ``UnsafeFileError`` too.
    """
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load(io.BytesIO(fh.read()), str(f))
    return _load(f, "the file object")


def _load(fh: BinaryIO, where: str) -> Any:
    try:
        npz = np.load(fh, allow_pickle=False)
    except ValueError as exc:
        raise _bad(f"{where} is not a NumPy .npz archive of plain arrays ({exc})") from None
    except (OSError, EOFError) as exc:
        raise _bad(f"{where} could not be read as a .npz archive ({exc})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        npz = {"arr_0": npz}  # a bare .npy array
    arrays: dict[str, np.ndarray] = {}
    try:
        for name in npz.keys():
            try:
                arrays[name] = npz[name]
            except ValueError as exc:  # object arrays need pickle: refused
                raise _bad(
                    f"array {name!r} in {where} cannot be loaded safely: {exc}. ac.load never "
                    "unpickles, so files holding Python objects are refused"
                ) from None
    finally:
        if hasattr(npz, "close"):
            npz.close()
    manifest = arrays.pop(_MANIFEST, None)
    if manifest is None:
        for name, arr in arrays.items():
            if arr.dtype.kind not in _TENSOR_KINDS:
                raise _bad(f"array {name!r} has dtype {arr.dtype}, which cannot become a tensor")
        return {name: _make(arr) for name, arr in arrays.items()}
    if manifest.dtype != np.uint8 or manifest.ndim != 1:
        raise _bad("the manifest is malformed")
    try:
        meta = json.loads(manifest.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _bad(f"the manifest is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise _bad("the manifest does not describe an autograd_core file")
    if meta.get("version") != _VERSION:
        raise _bad(f"unsupported file version {meta.get('version')!r} (this library reads {_VERSION})")
    try:
        return _Decoder(arrays).decode(meta.get("root"))
    except RecursionError:
        raise _bad("the manifest is nested too deeply") from None
