"""The MKL matrix-product path (autograd_core.backends.mkl).

CI has no MKL, so most tests put a NumPy emulation of ``cblas_?gemm`` in its place: it
rebuilds both operands from the raw pointers, transpose flags and leading dimensions
the library passes, exactly as GEMM reads them. A wrong layout, leading dimension or
operand order then gives a wrong product (or reads the wrong memory) and fails here.
The tests at the end run the real library when it is installed (``pip install
"autograd_core[mkl]"``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ac
from autograd_core import backends, nn
from autograd_core.backends import mkl
from autograd_core.nn import functional as F
from autograd_core.testing import gradcheck

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def _stored(ptr: int, dtype, trans: int, rows: int, cols: int, ld: int) -> np.ndarray:
    """The (rows, cols) operand GEMM sees at ``ptr``: row-major with leading dimension
    ``ld``, or the transpose of a row-major (cols, rows) matrix when ``trans``."""
    size = np.dtype(dtype).itemsize
    srows, scols = (cols, rows) if trans == TRANS else (rows, cols)
    assert ld >= max(1, scols), f"leading dimension {ld} < {scols}"
    count = (srows - 1) * ld + scols
    buffer = np.ctypeslib.as_array((np.ctypeslib.as_ctypes_type(dtype) * count).from_address(ptr))
    view = np.lib.stride_tricks.as_strided(buffer, (srows, scols), (ld * size, size))
    return view.T if trans == TRANS else view


def emulated_gemm(dtype, calls: list):
    def gemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        assert order == ROW_MAJOR and beta == 0.0 and alpha == 1.0
        calls.append((ta, tb, m, n, k, lda, ldb, ldc))
        result = _stored(c, dtype, NO_TRANS, m, n, ldc)
        np.matmul(_stored(a, dtype, ta, m, k, lda), _stored(b, dtype, tb, k, n, ldb), out=result)

    return gemm


@pytest.fixture
def emulated(monkeypatch):
    """MKL "enabled" with the NumPy emulation for both dtypes and no size threshold;
    yields the list of calls it received."""
    calls: list = []
    monkeypatch.setattr(
        mkl, "_GEMM", {np.dtype(t): emulated_gemm(t, calls) for t in (np.float32, np.float64)}
    )
    monkeypatch.setattr(mkl, "MIN_WORK", 0)
    monkeypatch.setattr(backends, "matmul", mkl.matmul)
    yield calls


def _operand(draw, rows: int, cols: int, dtype) -> np.ndarray:
    """A (rows, cols) array in one of the layouts GEMM can read in place."""
    values = np.arange(1, rows * cols + 1, dtype=dtype).reshape(rows, cols) % 7 - 3
    kind = draw(st.sampled_from(["C", "F", "row-slice", "col-slice", "row-step", "transposed-slice"]))
    if kind == "C":
        return values
    if kind == "F":
        return np.asfortranarray(values)
    if kind == "row-slice":  # a window of wider rows: leading dimension > cols
        wide = np.zeros((rows, cols + 3), dtype)
        wide[:, 1 : cols + 1] = values
        return wide[:, 1 : cols + 1]
    if kind == "col-slice":  # the transpose of such a window
        tall = np.zeros((rows + 2, cols), dtype, order="F")
        tall[2:] = values
        return tall[2:]
    if kind == "row-step":  # every other row
        spread = np.zeros((2 * rows, cols), dtype)
        spread[::2] = values
        return spread[::2]
    tall = np.zeros((cols, rows + 4), dtype)  # transposed view of a slice
    tall[:, :rows] = values.T
    return tall[:, :rows].T


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(1, 7),
    st.integers(1, 7),
    st.integers(1, 7),
    st.sampled_from([np.float32, np.float64]),
    st.data(),
)
def test_every_in_place_layout_goes_to_gemm_and_matches_numpy(emulated, m, n, k, dtype, data):
    emulated.clear()  # (one fixture for all examples)
    a = _operand(data.draw, m, k, dtype)
    b = _operand(data.draw, k, n, dtype)
    got = mkl.matmul(a, b)
    assert len(emulated) == 1, "this layout should have been read in place by GEMM"
    assert got.dtype == dtype and got.shape == (m, n) and got.flags.c_contiguous
    np.testing.assert_array_equal(got, np.matmul(np.array(a), np.array(b)))  # small integers: exact


def test_out_argument_is_written_and_returned(emulated):
    a, b = np.ones((3, 4), np.float32), np.full((4, 5), 2.0, np.float32)
    out = np.zeros((3, 5), np.float32)
    assert mkl.matmul(a, b, out=out) is out
    np.testing.assert_array_equal(out, np.full((3, 5), 8.0))
    assert len(emulated) == 1


@pytest.mark.parametrize(
    "a, b",
    [
        (np.ones((3, 4), np.int64), np.ones((4, 2), np.int64)),  # integers
        (np.ones((3, 4), np.float32), np.ones((4, 2), np.float64)),  # mixed dtypes
        (np.ones((2, 3, 4)), np.ones((4, 2))),  # a stack
        (np.ones(4), np.ones((4, 2))),  # a vector
        (np.ones((3, 8))[:, ::2], np.ones((4, 2))),  # no unit stride on either axis
        (np.ones((3, 4), np.complex128), np.ones((4, 2), np.complex128)),
        (np.ones((3, 4), ">f8"), np.ones((4, 2), ">f8")),  # non-native byte order
        (np.ones((0, 4)), np.ones((4, 2))),  # empty
    ],
)
def test_what_gemm_cannot_take_stays_with_numpy(a, b, emulated):
    np.testing.assert_array_equal(mkl.matmul(a, b), np.matmul(a, b))
    assert emulated == []


def test_overlapping_out_and_tensors_stay_with_numpy(emulated):
    a = np.arange(16.0).reshape(4, 4)
    expected = a @ a
    assert mkl.matmul(a, a, out=a) is a  # NumPy copies the operands first; GEMM would not
    np.testing.assert_array_equal(a, expected)
    assert emulated == []
    t = ac.tensor(np.eye(3), requires_grad=True)
    product = mkl.matmul(t, t)  # recorded by the library (whose Matmul node then calls GEMM)
    assert isinstance(product, ac.Tensor) and product.requires_grad
    np.testing.assert_array_equal(product.data, np.eye(3))


def test_mismatched_inner_dimensions_raise_numpys_error(emulated):
    with pytest.raises(ValueError, match="mismatch"):
        mkl.matmul(np.ones((3, 4)), np.ones((5, 2)))


def test_small_products_stay_with_numpy(monkeypatch, emulated):
    monkeypatch.setattr(mkl, "MIN_WORK", 1 << 22)
    small, big = np.ones((64, 64), np.float32), np.ones((256, 256), np.float32)
    mkl.matmul(small, small)
    assert emulated == []
    np.testing.assert_array_equal(mkl.matmul(big, big), np.full((256, 256), 256.0))
    assert len(emulated) == 1


def test_linear_and_matmul_gradients_through_gemm(emulated):
    rng = np.random.default_rng(0)
    x = ac.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    w = ac.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = ac.tensor(rng.standard_normal(3), requires_grad=True)
    stack = ac.tensor(rng.standard_normal((2, 5, 4)), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), (x, w, b))
    assert gradcheck(lambda s, w: F.linear(s, w), (stack, w))  # folded stack
    assert gradcheck(lambda x, w: ac.matmul(x, w.T), (x, w))
    # forward, input and weight gradients of both: every product went through GEMM
    assert {(m, n, k) for _, _, m, n, k, *_ in emulated} >= {(5, 3, 4), (5, 4, 3), (3, 4, 5)}


def test_training_step_matches_the_numpy_path(emulated):
    def step_losses() -> list[float]:
        ac.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
        opt = ac.optim.SGD(model.parameters(), lr=0.1)
        x = np.random.default_rng(1).standard_normal((16, 6)).astype(np.float32)
        y = np.arange(16) % 3
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = F.cross_entropy(model(ac.as_tensor(x)), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    with_gemm = step_losses()
    assert len(emulated) >= 3 * 5
    backends.matmul = backends.numpy_matmul  # (the fixture restores it)
    np.testing.assert_allclose(with_gemm, step_losses(), rtol=1e-6)


@pytest.mark.parametrize("layer", [nn.LSTM, nn.GRU, nn.RNN])
def test_recurrent_layer_gradients_through_gemm(emulated, layer):
    rng = np.random.default_rng(2)
    module = layer(3, 4, dtype=np.float64)
    x = ac.tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    assert gradcheck(lambda x: module(x)[0], (x,))
    # the input projection (10 rows) and the recurrent products (2 rows) both went to GEMM
    assert {m for _, _, m, *_ in emulated} >= {10, 2}


def test_set_enabled_switches_the_library_products(monkeypatch):
    monkeypatch.setattr(mkl, "_lib", object())  # pretend it loaded
    monkeypatch.setattr(backends, "matmul", backends.numpy_matmul)
    mkl.set_enabled(True)
    assert mkl.is_enabled() and backends.matmul is mkl.matmul
    mkl.set_enabled(False)
    assert not mkl.is_enabled() and backends.matmul is backends.numpy_matmul


def test_unavailable_mkl_raises_clear_errors_and_changes_nothing(monkeypatch):
    monkeypatch.setattr(mkl, "_lib", None)
    monkeypatch.setattr(mkl, "_why_unavailable", "MKL is not installed (test)")
    monkeypatch.setattr(backends, "matmul", backends.numpy_matmul)
    assert not mkl.is_available() and mkl.library_path() is None
    with pytest.raises(RuntimeError, match=r"set_enabled\(True\): MKL is not installed"):
        mkl.set_enabled(True)
    assert backends.matmul is backends.numpy_matmul
    with pytest.raises(RuntimeError, match="get_num_threads"):
        mkl.get_num_threads()
    with pytest.raises(RuntimeError, match="set_num_threads"):
        mkl.set_num_threads(2)
    mkl.set_enabled(False)  # always allowed


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_non_positive_integers(n):
    with pytest.raises(ValueError, match="set_num_threads"):
        mkl.set_num_threads(n)


def _import_report(env_value: str | None) -> tuple[list[str], str]:
    code = "from autograd_core.backends import mkl; print(mkl.is_enabled(), mkl.is_available(), mkl._why_unavailable)"
    env = dict(os.environ)
    env.pop("AUTOGRAD_CORE_MKL", None)
    if env_value is not None:
        env["AUTOGRAD_CORE_MKL"] = env_value
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split(maxsplit=2), done.stderr


def test_mkl_is_off_unless_asked_for():
    for value in (None, "0", "off"):
        (enabled, _, _), _ = _import_report(value)
        assert enabled == "False", value


def test_environment_turns_mkl_on_at_import_or_warns_why_not():
    (enabled, available, why), stderr = _import_report("1")
    assert enabled == available  # on exactly when it can load
    if available == "False":
        assert "RuntimeWarning: AUTOGRAD_CORE_MKL is set but MKL is not installed" in stderr


def test_environment_names_a_library_that_cannot_load(tmp_path):
    (enabled, available, why), stderr = _import_report(str(tmp_path / "libmkl_rt.so.3"))
    assert (enabled, available) == ("False", "False")
    assert "could not be loaded" in why and "libmkl_rt.so.3" in why
    assert "RuntimeWarning" in stderr and "using NumPy's BLAS" in stderr


def test_environment_names_a_library_that_is_not_mkl():
    libm = ctypes.util.find_library("m")  # loads, but has no cblas_sgemm
    (enabled, available, why), stderr = _import_report(libm)
    assert (enabled, available) == ("False", "False")
    assert "cblas_sgemm" in why and "RuntimeWarning" in stderr


class _FakeLib:
    def __init__(self):
        self.layers = []

    def MKL_Set_Threading_Layer(self, layer):  # noqa: N802 (MKL's name)
        self.layers.append(layer.value)


@pytest.mark.parametrize("openmp_loads, layer", [(True, 0), (False, 1)])
def test_threading_layer_is_intel_openmp_only_when_its_library_loads(monkeypatch, openmp_loads, layer):
    # MKL ends the process if the default layer's OpenMP runtime is missing
    def fake_cdll(name, mode=0):
        if "iomp" in name and not openmp_loads:
            raise OSError(f"{name}: cannot open shared object file")
        return object()

    monkeypatch.delenv("MKL_THREADING_LAYER", raising=False)
    monkeypatch.setattr(mkl.ctypes, "CDLL", fake_cdll)
    lib = _FakeLib()
    mkl._choose_threading(lib, "/some/lib/libmkl_rt.so.3")
    assert lib.layers == [layer]  # 0: MKL_THREADING_INTEL, 1: MKL_THREADING_SEQUENTIAL
    monkeypatch.setenv("MKL_THREADING_LAYER", "GNU")  # the user's choice stands
    mkl._choose_threading(lib, "/some/lib/libmkl_rt.so.3")
    assert lib.layers == [layer]


needs_mkl = pytest.mark.skipif(not mkl.is_available(), reason='MKL not installed (pip install ".[mkl]")')


@needs_mkl
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_real_mkl_products_match_numpy(dtype, monkeypatch):
    monkeypatch.setattr(mkl, "MIN_WORK", 0)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((130, 300)).astype(dtype)
    w = rng.standard_normal((200, 300)).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for a, b in [(x, w.T), (w, x.T), (x.T, x), (x[:, 10:290], w[:, 20:300].T), (x[::2], w.T)]:
        assert mkl._plan(a, b) is not None
        np.testing.assert_allclose(mkl.matmul(a, b), a @ b, rtol=tol, atol=tol * 30)
    assert mkl.get_num_threads() >= 1 and mkl.library_path()


@needs_mkl
def test_real_mkl_thread_count_round_trips():
    before = mkl.get_num_threads()
    try:
        mkl.set_num_threads(1)
        assert mkl.get_num_threads() == 1
    finally:
        mkl.set_num_threads(before)


def test_emulation_reads_memory_as_gemm_would():
    # the helper the emulation rests on, against a known matrix and its transpose
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    ptr = base.ctypes.data
    np.testing.assert_array_equal(_stored(ptr, np.float64, NO_TRANS, 3, 4, 4), base)
    np.testing.assert_array_equal(_stored(ptr, np.float64, TRANS, 4, 3, 4), base.T)
    np.testing.assert_array_equal(_stored(ptr, np.float64, NO_TRANS, 3, 2, 4), base[:, :2])
    assert ctypes.sizeof(ctypes.c_double) == 8
