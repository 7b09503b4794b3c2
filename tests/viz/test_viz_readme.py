"""The README's "Seeing the graph" examples run (the first two; the third needs a model)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_viz_examples_run(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    section = text.split("## Seeing the graph", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    for image in re.findall(r"\((docs/images/[^)]+\.png)\)", section):
        assert (ROOT / image).exists(), image
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec("import numpy as np\nimport autograd_core as ac\n" + blocks[0] + blocks[1], ns)
    assert "<svg" in (tmp_path / "neuron.svg").read_text()
    assert "#5" in (tmp_path / "backward.svg").read_text()
    assert abs(ns["x1"].grad.item() + 1.5) < 1e-5
