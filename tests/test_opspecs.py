"""Tests generated from the op-spec table (autograd_core/testing/specs)."""

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_core as ac
from autograd_core.ops import PUBLIC_OPS
from autograd_core.testing import gradcheck, gradgradcheck
from autograd_core.testing.opspec import all_specs

SPECS = all_specs()
DIFF = [s for s in SPECS if s.differentiable]
SECOND = [s for s in DIFF if s.second_order]


def _ids(specs):
    return [s.name for s in specs]


def _tensors(arrays, spec, dtype=np.float64):
    wrt = spec.grad_inputs if spec.grad_inputs is not None else range(len(arrays))
    return [
        ac.tensor(a.astype(dtype), requires_grad=(spec.differentiable and i in wrt))
        for i, a in enumerate(arrays)
    ]


def _run(spec, data):
    return data.draw(spec.inputs, label="inputs")


def test_every_op_has_a_spec():
    missing = sorted(set(PUBLIC_OPS) - {s.name for s in SPECS})
    assert not missing, f"public ops without an op-spec row: {missing}"


def test_spec_names_are_public_ops():
    unknown = sorted({s.name for s in SPECS} - set(PUBLIC_OPS))
    assert not unknown, f"spec rows for names that are not public ops: {unknown}"


@pytest.mark.parametrize("spec", [s for s in SPECS if s.ref is not None], ids=lambda s: s.name)
def test_value(spec):
    from hypothesis import strategies as st

    @settings(max_examples=spec.max_examples)
    @given(st.data())
    def check(data):
        arrays, kw = _run(spec, data)
        out = spec.fn(*[ac.tensor(a) for a in arrays], **kw)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        refs = spec.ref(*arrays, **kw)
        refs = refs if isinstance(refs, (tuple, list)) else (refs,)
        assert len(outs) == len(refs)
        for o, r in zip(outs, refs):
            assert isinstance(o, ac.Tensor)
            assert o.shape == np.shape(r)
            np.testing.assert_allclose(o.data, r, rtol=1e-7, atol=1e-9)

    check()


@pytest.mark.parametrize("spec", DIFF, ids=lambda s: s.name)
def test_gradient(spec):
    from hypothesis import strategies as st

    @settings(max_examples=spec.max_examples)
    @given(st.data())
    def check(data):
        arrays, kw = _run(spec, data)
        ts = _tensors(arrays, spec)
        gradcheck(lambda *xs: spec.fn(*xs, **kw), ts, atol=spec.atol, rtol=spec.rtol)

    check()


@pytest.mark.parametrize("spec", SECOND, ids=lambda s: s.name)
def test_second_order(spec):
    from hypothesis import strategies as st

    @settings(max_examples=max(3, spec.max_examples // 2))
    @given(st.data())
    def check(data):
        arrays, kw = _run(spec, data)
        ts = _tensors(arrays, spec)
        gradgradcheck(lambda *xs: spec.fn(*xs, **kw), ts, atol=spec.atol, rtol=spec.rtol)

    check()


@pytest.mark.parametrize("spec", DIFF, ids=lambda s: s.name)
def test_float32_in_float32_grads_out(spec):
    from hypothesis import strategies as st

    @settings(max_examples=3)
    @given(st.data())
    def check(data):
        arrays, kw = _run(spec, data)
        ts = _tensors(arrays, spec, dtype=np.float32)
        out = spec.fn(*ts, **kw)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            if o.requires_grad:
                assert o.dtype == np.float32, f"{spec.name} produced {o.dtype} from float32 inputs"
                o.backward(np.ones(o.shape, np.float32))
        for t in ts:
            if t.requires_grad and t.grad is not None:
                assert t.grad.dtype == np.float32
                assert t.grad.shape == t.shape

    check()
