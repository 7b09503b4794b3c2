"""Execute the notebooks top to bottom; fail on the first error.

Usage::

    python notebooks/run_notebooks.py                 # every notebooks/*.ipynb
    python notebooks/run_notebooks.py 03_rumelhart_1986.ipynb
    python notebooks/run_notebooks.py --write         # also save the outputs into the files

Each notebook runs in a fresh ``python3`` kernel (ipykernel) of the interpreter running
this script, with the repository root first on ``PYTHONPATH`` and the ``notebooks/``
folder as working directory, so it uses this checkout's ``autograd_core`` whether or
not the package is installed. An error in
a cell (a failed ``assert`` included) ends the run with exit status 1 and names the
notebook and the cell.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run(path: Path, write: bool, timeout: int, kernel: str) -> float:
    """Execute one notebook; return the seconds it took. Raises SystemExit(1) on error."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        where = _failing_cell(nb)
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # drop the traceback's colours
        print(f"FAILED {path.name}: {where}\n{message}", file=sys.stderr)
        raise SystemExit(1) from None
    took = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    return took


def _failing_cell(nb) -> str:
    """The first code cell whose outputs hold an error (nbclient stores it there)."""
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code":
            continue
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            lines = cell.source.strip().splitlines()
            first = lines[0] if lines else ""
            return f"cell {i} (execution count {cell.get('execution_count')}): {first[:80]!r}"
    # a timeout leaves no error output: name the last cell that started running
    started = [i for i, c in enumerate(nb.cells, 1) if c.cell_type == "code" and c.get("execution_count")]
    return f"cell {started[-1]} (timed out)" if started else "before the first cell"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--write", action="store_true", help="save the executed notebooks with outputs")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell (default 300)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    args = parser.parse_args(argv)

    paths = [Path(p) if Path(p).exists() else HERE / p for p in args.notebooks]
    paths = [p.resolve() for p in paths] or sorted(HERE.glob("*.ipynb"))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1

    # the kernel inherits this environment: import the checkout's autograd_core, draw
    # matplotlib figures without a display, and keep BLAS to one thread per kernel
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

    total = 0.0
    with tempfile.TemporaryDirectory() as specs:
        if args.kernel == "python3":
            _this_python_kernel(Path(specs))
        for path in paths:
            took = run(path, args.write, args.timeout, args.kernel)
            total += took
            print(f"ok {path.name:<32} {took:6.1f} s{'  (written)' if args.write else ''}", flush=True)
    print(f"{len(paths)} notebook(s) in {total:.1f} s")
    return 0


def _this_python_kernel(folder: Path) -> None:
    """Make kernel 'python3' this interpreter (the one that has autograd_core's dependencies),
    whatever other 'python3' kernel specs the machine has: a spec in a folder put first on JUPYTER_PATH."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(folder)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )


if __name__ == "__main__":
    sys.exit(main())
