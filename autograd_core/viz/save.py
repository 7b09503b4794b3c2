"""Writing pictures to files: DOT text always, SVG/PNG/PDF through Graphviz's ``dot``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..errors import AutogradError

RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
TEXT = {".dot", ".gv"}

INSTALL_HINT = (
    "Install Graphviz and make sure `dot` is on PATH: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install graphviz`. Saving to a .dot file works "
    "without it."
)


class ExecutableNotFound(AutogradError, RuntimeError):
    """Graphviz's ``dot`` program is needed to render a picture but is not installed."""


def _source(graph: Any) -> str:
    if hasattr(graph, "source"):
        return graph.source
    if hasattr(graph, "draw"):  # a BackwardTrace
        return graph.draw().source
    raise TypeError(
        f"save: expected a graphviz graph (from ac.viz.draw) or a trace, got {type(graph).__name__}"
    )


def save(graph: Any, path: str | os.PathLike, dpi: int | None = None) -> Path:
    """Write a drawing to ``path``; the file's suffix picks the format.

    Parameters
    ----------
    graph : graphviz.Digraph or BackwardTrace
        What :func:`draw` (or ``trace.draw()``) returned; a trace is drawn first.
    path : str or PathLike
        ``.dot``/``.gv`` writes the DOT text (no Graphviz needed); ``.svg``,
        ``.png`` and ``.pdf`` run Graphviz's ``dot`` program.
    dpi : int, optional
        Resolution of a ``.png`` (Graphviz's default is 96).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ExecutableNotFound
        (a ``RuntimeError``) when rendering needs ``dot`` and it is not installed;
        the message says how to install it.
    ValueError
        For an unsupported suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    source = _source(graph)
    if suffix in TEXT:
        path.write_text(source, encoding="utf-8")
        return path
    if suffix not in RENDERED:
        raise ValueError(
            f"save: cannot tell the format from {path.name!r}; use a .dot, .gv, .svg, .png or .pdf suffix"
        )
    fmt = RENDERED[suffix]
    path.write_bytes(render(source, fmt, dpi=dpi))
    return path


def render(source: str, fmt: str = "svg", dpi: int | None = None) -> bytes:
    """Run ``dot -T<fmt>`` on DOT ``source`` and return the output bytes."""
    exe = shutil.which("dot")
    if exe is None:
        raise ExecutableNotFound(
            f"cannot render {fmt.upper()}: Graphviz's `dot` program was not found. {INSTALL_HINT}"
        )
    cmd = [exe, f"-T{fmt}"]
    if dpi is not None:
        cmd.append(f"-Gdpi={int(dpi)}")
    proc = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"Graphviz `dot` failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}"
        )
    return proc.stdout
