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


@st.composite
def _dot_inputs(d):
    k = d(st.integers(1, 4))
    kind = d(st.sampled_from(["scalar", "vv", "mm", "mv", "vm", "nd"]))
    if kind == "scalar":
        shapes = d(st.sampled_from([((), d(S.shapes())), (d(S.shapes()), ())]))
    elif kind == "vv":
        shapes = (k,), (k,)
    elif kind == "mm":
        shapes = (d(st.integers(1, 3)), k), (k, d(st.integers(1, 3)))
    elif kind == "mv":
        shapes = d(S.shapes(min_dims=1, max_dims=2)) + (k,), (k,)
    elif kind == "vm":
        shapes = (k,), d(S.shapes(min_dims=0, max_dims=1)) + (k, d(st.integers(1, 3)))
    else:  # N-D against M-D: last axis of a with second-to-last of b
        shapes = d(S.shapes(min_dims=1, max_dims=2)) + (k,), d(S.shapes(min_dims=1, max_dims=1)) + (k, 2)
    return [d(S.arrays(s)) for s in shapes], {}


@st.composite
def _outer_inputs(d):
    return [d(S.arrays(d(S.shapes()))) for _ in range(2)], {}


# (subscripts, letter -> operand shapes); '*' stands for a broadcastable batch shape
_EINSUM_CASES = [
    "ij,jk->ik",  # matmul
    "ij,jk",  # implicit output
    "bij,bjk->bik",  # batched matmul
    "ii->",  # trace
    "ii",  # implicit trace
    "bii->b",  # batched trace
    "ii->i",  # diagonal
    "iij->j",  # diagonal of the first two axes, summed
    "iii->i",  # triple diagonal
    "i,j->ij",  # outer
    "i,i",  # inner product
    "ij->ji",  # transpose
    "ij->",  # sum
    "ijk->j",  # partial sum
    "ij,ij->i",  # row-wise dot
    "ij,jk,kl->il",  # chain of three
    "...ij,...jk->...ik",  # ellipsis with broadcast batch dims
    "...i,...i->...",  # ellipsis, batched inner product
    "i...->...",  # ellipsis at the end
    "...i->i",  # sum over the axes an ellipsis covers
    ",ij->ij",  # scalar times matrix
]


@st.composite
def _einsum_inputs(d):
    subscripts = d(st.sampled_from(_EINSUM_CASES))
    terms = subscripts.split("->")[0].split(",")
    sizes = {c: d(st.integers(1, 3)) for c in sorted(set(subscripts) - set(".,->"))}
    n_ell = sum("..." in t for t in terms)
    batch = list(d(S.broadcastable_shapes(n_ell, max_dims=2, max_side=3))) if n_ell else []
    shapes = []
    for t in terms:
        named = t.replace("...", "")
        shape = tuple(sizes[c] for c in named)
        if "..." in t:
            head = t.index("...")
            shape = shape[:head] + batch.pop(0) + shape[head:]
        shapes.append(shape)
    return [d(S.arrays(s)) for s in shapes], {"subscripts": subscripts}


@st.composite
def _einsum_size_one(d):
    """Named axes of size 1 broadcast against the other operand, as NumPy allows."""
    n, m = d(st.integers(2, 3)), d(st.integers(1, 3))
    shapes = d(st.sampled_from([((n, 1), (n, m)), ((1, m), (n, m)), ((n, m), (1, 1))]))
    return [d(S.arrays(s)) for s in shapes], {"subscripts": "ij,ij->ij"}


@st.composite
def _tensordot_inputs(d):
    kind = d(st.sampled_from(["int", "lists"]))
    if kind == "int":
        n = d(st.integers(0, 2))
        common = d(S.shapes(min_dims=n, max_dims=n))
        a = d(S.shapes(max_dims=2)) + common
        b = common + d(S.shapes(max_dims=2))
        axes = n
    else:
        a = d(S.shapes(min_dims=2, max_dims=3))
        i = d(st.integers(-len(a), len(a) - 1))
        b = list(d(S.shapes(min_dims=1, max_dims=2)))
        j = d(st.integers(0, len(b)))
        b.insert(j, a[i])
        b = tuple(b)
        axes = ([i], [j])
    return [d(S.arrays(a)), d(S.arrays(b))], {"axes": axes}


def _einsum(*xs, subscripts):
    return ac.einsum(subscripts, *xs)


def _np_einsum(*xs, subscripts):
    return np.einsum(subscripts, *xs)


SPECS += [
    custom("dot", ac.dot, _dot_inputs(), np.dot, max_examples=20),
    custom("outer", ac.outer, _outer_inputs(), np.outer),
    custom("einsum", _einsum, st.one_of(_einsum_inputs(), _einsum_size_one()), _np_einsum, max_examples=40),
    custom("tensordot", ac.tensordot, _tensordot_inputs(), np.tensordot, max_examples=20),
]
