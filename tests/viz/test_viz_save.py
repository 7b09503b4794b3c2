"""ac.viz.save / render: DOT always, SVG/PNG/PDF through Graphviz `dot`, a clear error without it."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.errors import AutogradError


def graph():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    return ac.viz.draw(ac.tanh(x * 2.0), params={"x": x})


def test_save_dot_svg_png_pdf(tmp_path):
    g = graph()
    dot = ac.viz.save(g, tmp_path / "g.dot")
    assert dot.read_text() == g.source
    assert ac.viz.save(g, tmp_path / "g.gv").read_text() == g.source
    svg = ac.viz.save(g, str(tmp_path / "g.svg")).read_text()
    assert "<svg" in svg and "tanh" in svg and ">x<" in svg
    assert (tmp_path / "g.png").exists() is False
    png = ac.viz.save(g, tmp_path / "g.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    small = len(png)
    big = len(ac.viz.save(g, tmp_path / "g2.png", dpi=200).read_bytes())
    assert big > small
    assert ac.viz.save(g, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_save_a_trace(tmp_path):
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = ac.exp(x * 3.0)
    trace = ac.viz.trace_backward(y, gradient=np.ones(2))
    svg = ac.viz.save(trace, tmp_path / "t.svg").read_text()
    assert "#1" in svg and "#2" in svg


def test_bad_suffix_and_object(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg"):
        ac.viz.save(graph(), tmp_path / "g.jpeg")
    with pytest.raises(TypeError, match="graphviz graph"):
        ac.viz.save(42, tmp_path / "g.dot")


def test_missing_dot_gives_install_hint_but_dot_text_still_works(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    g = graph()
    with pytest.raises(ac.viz.ExecutableNotFound) as info:
        ac.viz.save(g, tmp_path / "g.svg")
    err = info.value
    assert isinstance(err, RuntimeError) and isinstance(err, AutogradError)
    msg = str(err)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz", ".dot"):
        assert hint in msg
    assert not (tmp_path / "g.svg").exists()
    with pytest.raises(ac.viz.ExecutableNotFound):
        ac.viz.render(g.source, "png")
    assert ac.viz.save(g, tmp_path / "g.dot").read_text() == g.source
    # drawing itself never needs the program
    assert "mul" in ac.viz.draw(ac.tensor([1.0], requires_grad=True) * 2.0).source


def test_render_reports_dot_failures():
    with pytest.raises(RuntimeError, match="dot"):
        ac.viz.render("digraph { a -> }", "svg")
