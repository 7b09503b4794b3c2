"""The README's Quick start and .ci/run must not drift apart."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quickstart_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_quickstart_has_exactly_two_commands():
    assert len(_quickstart_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim():
    test_cmd = _quickstart_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_cmd in [line.strip() for line in ci]


def test_testing_namespace_is_loaded_with_the_package():
    import autograd_core as ac

    assert callable(ac.testing.gradcheck) and callable(ac.testing.gradgradcheck)


def test_self_contained_readme_examples_run(tmp_path, monkeypatch, capsys):
    """Every README code block that starts with its own imports runs as written."""
    text = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if b.startswith("import")]
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # examples may write files
    for i, block in enumerate(blocks):
        exec(compile(block, f"README block {i}", "exec"), {})
    out = capsys.readouterr().out
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", out).group(1))
    assert accuracy > 90.0
