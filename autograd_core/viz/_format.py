"""Short text for arrays in pictures and tables: values when small, norms when large."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

#: tensors with at most this many elements show their values; larger ones a summary
SMALL = 4


@dataclass(frozen=True)
class Summary:
    """What a picture needs to know about an array (kept instead of the array itself)."""

    shape: tuple[int, ...]
    dtype: str
    values: tuple[float, ...] | None  # flattened values when size <= SMALL
    norm: float
    lo: float
    hi: float

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


def summarize(x: Any) -> Summary:
    """Summarise an array, a Tensor or a Python number."""
    arr = np.asarray(getattr(x, "data", x))
    flat = arr.astype(np.float64, copy=False).ravel()
    if flat.size == 0:
        return Summary(arr.shape, str(arr.dtype), (), 0.0, 0.0, 0.0)
    values = tuple(float(v) for v in flat) if flat.size <= SMALL else None
    with np.errstate(all="ignore"):
        norm = float(np.sqrt(np.sum(flat * flat)))
    return Summary(arr.shape, str(arr.dtype), values, norm, float(np.min(flat)), float(np.max(flat)))


def num(v: float) -> str:
    """A number in 4 significant digits."""
    return f"{v:.4g}"


def values_text(s: Summary) -> str:
    vals = s.values or ()
    if s.shape == () and vals:
        return num(vals[0])
    return "[" + ", ".join(num(v) for v in vals) + "]"


def data_text(s: Summary) -> str:
    """``data 0.7071`` / ``data [1, 2]`` / ``data ∈ [-1.2, 3.4]``."""
    if s.values is not None:
        return f"data {values_text(s)}"
    return f"data ∈ [{num(s.lo)}, {num(s.hi)}]"


def grad_text(s: Summary) -> str:
    """``grad 0.5`` / ``grad [0.1, 0.2]`` / ``‖grad‖ 0.123``."""
    if s.values is not None:
        return f"grad {values_text(s)}"
    return f"‖grad‖ {num(s.norm)}"


def flow_text(s: Summary) -> str:
    """A gradient travelling along an edge: its value when scalar, else shape and norm."""
    if s.size == 1:
        return f"∇ {num(s.values[0])}" if s.values else "∇"
    return f"∇ {shape_text(s.shape)} ‖{num(s.norm)}‖"


def shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 0:
        return "scalar"
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return html.escape(str(text), quote=True)
