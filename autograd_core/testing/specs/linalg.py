"""Spec rows for ops/linalg.py."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ac

from .. import strategies as S
from ..opspec import custom


@st.composite
def _matmul_inputs(d):
    n, k, m = (d(st.integers(1, 4)) for _ in range(3))
    kind = d(st.sampled_from(["mm", "vv", "vm", "mv", "batched"]))
    if kind == "vv":
        shapes = (k,), (k,)
    elif kind == "vm":
        shapes = (k,), d(st.sampled_from([(k, m), (2, k, m)]))
    elif kind == "mv":
        shapes = d(st.sampled_from([(n, k), (2, n, k)])), (k,)
    elif kind == "mm":
        shapes = (n, k), (k, m)
    else:
        ba, bb = d(S.broadcastable_shapes(2, min_dims=1, max_dims=2, max_side=3))
        shapes = ba + (n, k), bb + (k, m)
    return [d(S.arrays(s)) for s in shapes], {}


SPECS = [
    custom("matmul", ac.matmul, _matmul_inputs(), np.matmul),
]
