"""The benchmark suite runs end to end (``--quick``) and prints its one table.

Smoke tests only: timings are reported by the suite, never asserted here. The peers
(PyTorch, HIPS autograd, MyGrad) are optional; their columns simply go away.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402

from autograd_core.backends import mkl  # noqa: E402

MKL = mkl.is_enabled()  # the suite's subprocesses see the same environment (AUTOGRAD_CORE_MKL)

ROWS = [
    "| per-op chain:",
    "| deep chain:",
    "| MLP step 784-512-512-10, batch",
    *(["| MLP step 784-512-512-10, batch 32, autograd_core on NumPy's BLAS"] if MKL else []),
    "| MLP step peak memory (tracemalloc)",
    "| CNN step, batch",
    "| LSTM step, seq",
    "| gradient of f: R^10 → R",
    "| gradient of f: R^100 → R",
]


def _table(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("|")]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    png = tmp_path_factory.mktemp("bench") / "batch.png"
    proc = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--plot", str(png)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, png


def test_quick_suite_prints_one_table_with_every_workload(quick_run):
    out, _ = quick_run
    lines = _table(out)
    assert lines[0].startswith("| workload | autograd_core | vs NumPy floor")
    assert lines[1].startswith("|---|")
    body = lines[2:]
    assert len(body) == len(ROWS)
    for row, prefix in zip(body, ROWS):
        assert row.startswith(prefix), (row, prefix)
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == len(lines[0].strip("|").split("|"))
        assert cells[1].endswith(("s", "MiB")) and cells[2].endswith("x")
    assert "Python" in out and "NumPy" in out and "cores" in out  # the machine line


def test_quick_suite_writes_the_batch_size_plot(quick_run):
    _, png = quick_run
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_suite_without_peers_keeps_the_numpy_floor_column():
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--quick",
            "--without",
            "torch,autograd,mygrad",
            "--only",
            "MLP",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = _table(proc.stdout)
    assert lines[0] == "| workload | autograd_core | vs NumPy floor |"
    assert [line.split("|")[1].strip()[:8] for line in lines[2:]] == ["MLP step"] * (3 if MKL else 2)
    assert "peers: none" in proc.stdout


def test_table_drops_absent_peers_and_marks_missing_cells():
    a = harness.Workload("a", {}, medians={harness.OURS: 2e-3, harness.FLOOR: 1e-3, "mygrad": 4e-3})
    b = harness.Workload("b", {}, medians={harness.OURS: 3.0, "mygrad": 1.5})
    m = harness.PeakMemory("m", {}, medians={harness.OURS: 3 * 2**20, harness.FLOOR: 2 * 2**20})
    lines = harness.table([a, b, m]).splitlines()
    assert lines[0] == "| workload | autograd_core | vs NumPy floor | vs MyGrad |"
    assert lines[2] == "| a | 2.00 ms | 2.00x | 0.50x |"
    assert lines[3] == "| b | 3.00 s | — | 2.00x |"
    assert lines[4] == "| m | 3.00 MiB | 1.50x | — |"


def test_workload_rejects_an_implementation_that_disagrees():
    w = harness.Workload("w", {harness.OURS: lambda: 1.0, "mygrad": lambda: 1.5}, repeats=1, rtol=1e-6)
    with pytest.raises(AssertionError, match="mygrad disagrees"):
        w.run()


@pytest.mark.parametrize("without", ["", "torch"])
def test_gemm_table_lists_the_five_products_of_the_mlp_step(without):
    proc = subprocess.run(
        [sys.executable, "benchmarks/bench_gemm.py", "--repeats", "1", "--batch", "8"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BENCH_WITHOUT": without},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = _table(proc.stdout)
    mkl_columns = " autograd_core + MKL | NumPy / MKL |" if mkl.is_available() else ""
    assert lines[0] == "| product | NumPy matmul | PyTorch matmul | NumPy / PyTorch |" + mkl_columns
    names = [line.split("|")[1].strip() for line in lines[2:]]
    assert names[:5] == [
        "forward 1: x @ W1ᵀ",
        "forward 2: a1 @ W2ᵀ",
        "backward: dh2ᵀ @ a1 (∂W2)",
        "backward: dh2 @ W2 (∂a1)",
        "backward: dh1ᵀ @ x (∂W1)",
    ]
    if without:
        pytorch_cells = [line.split("|")[3:5] for line in lines[2:7]]
        assert all([a.strip(), b.strip()] == ["—", "—"] for a, b in pytorch_cells)
        assert len(names) == (6 if mkl_columns else 5)
        assert "PyTorch not installed" in proc.stdout
    elif "PyTorch not installed" not in proc.stdout:  # torch is an optional peer
        assert names[5] == "all five" and lines[-1].endswith("x |")


def test_products_name_and_numpy_blas_wrapper(monkeypatch):
    from autograd_core import backends

    monkeypatch.setattr(backends, "matmul", backends.numpy_matmul)
    assert harness.products_name() == "NumPy's BLAS"
    seen = []
    wrapped = harness.on_numpy_blas(lambda: seen.append(mkl.is_enabled()) or 7)
    monkeypatch.setattr(mkl, "_lib", object())  # as if MKL had loaded
    monkeypatch.setattr(mkl, "_path", "/somewhere/libmkl_rt.so.3")
    mkl.set_enabled(True)
    assert harness.products_name() == "MKL (libmkl_rt.so.3)"
    assert wrapped() == 7 and seen == [False]  # off during the call
    assert mkl.is_enabled()  # and back on after it


def test_mkl_flag_adds_the_numpy_blas_row_or_says_why_not():
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--quick",
            "--mkl",
            "--only",
            "MLP step",
            "--without",
            "torch,autograd,mygrad",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if not mkl.is_available():
        assert proc.returncode == 2 and "--mkl: mkl.set_enabled(True): MKL is not installed" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = [line.split("|")[1].strip() for line in _table(proc.stdout)[2:]]
    assert names == [
        "MLP step 784-512-512-10, batch 32",
        "MLP step 784-512-512-10, batch 32, autograd_core on NumPy's BLAS",
    ]
    assert "autograd_core's matrix products: MKL" in proc.stdout
