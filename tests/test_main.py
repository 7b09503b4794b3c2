"""The command-line demo: ``python -m autograd_core`` trains on the digits and writes its outputs."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import __main__ as cli

ROOT = Path(__file__).resolve().parent.parent

# Tiny matrix products run fastest on one BLAS thread; on a busy shared machine a
# multi-threaded BLAS can make them many times slower, so the subprocesses use one.
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "autograd_core", *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_outputs(out: Path, stdout: str) -> None:
    weights = ac.load(out / "model.npz")
    model = cli.MODELS["mlp"]((1, 8, 8), 10)
    model.load_state_dict(weights)  # the saved state dict fits the model
    dot = (out / "graph.dot").read_text()
    assert dot.lstrip().startswith("digraph") and "->" in dot
    if shutil.which("dot"):
        assert (out / "graph.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    else:
        assert not (out / "graph.svg").exists() and "install" in stdout


def test_default_demo_reaches_the_accuracy_target(tmp_path):
    # The acceptance run: the default command, seeded stratified 25% test split.
    proc = run_cli("--out", str(tmp_path), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    acc = float(re.search(r"test accuracy: ([\d.]+)%", proc.stdout).group(1))
    assert acc >= 97.0, proc.stdout
    check_outputs(tmp_path, proc.stdout)


def test_train_subcommand_with_options(tmp_path):
    proc = run_cli(
        "train", "--dataset", "digits", "--model", "mlp", "--epochs", "2", "--lr", "0.01",
        "--batch-size", "64", "--seed", "3", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "test accuracy:" in proc.stdout
    assert "2/2" in proc.stderr  # the progress bar ran both epochs
    assert re.search(r"loss=[\d.]+", proc.stderr) and re.search(r"acc=[\d.]+", proc.stderr)
    check_outputs(tmp_path / "run", proc.stdout)


def test_bad_arguments_are_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["train", "--model", "nope"])
    assert exc.value.code == 2
    assert cli.main(["train", "--epochs", "0", "--out", "unused"]) == 2
    assert "--epochs" in capsys.readouterr().err


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "demo" in text and "train" in text


def test_model_registry_builds_logit_models():
    assert "mlp" in cli.MODELS and "digits" in cli.DATASETS
    X, y = cli.DATASETS["digits"]()
    assert X.shape == (1797, 1, 8, 8) and float(X.numpy().max()) == 1.0
    model = cli.MODELS["mlp"](tuple(X.shape[1:]), 10)
    assert isinstance(model, ac.nn.Module)
    assert model(ac.tensor(X.numpy()[:5])).shape == (5, 10)


def test_fallback_graph_dot_names_parameters_and_ops():
    w = ac.tensor(np.ones((3, 2)), requires_grad=True)
    b = ac.tensor(np.zeros(2), requires_grad=True)
    x = ac.tensor(np.ones((4, 3)))
    h = ac.relu(x @ w + b)
    loss = h.T @ h  # (2, 2)
    dot = cli.graph_dot(loss, {"layer.weight": w, "layer.bias": b})
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for label in ("layer.weight", "layer.bias", "matmul", "relu", "add"):
        assert label in dot
    assert "input" not in dot  # x does not require grad, so it is not part of the graph
    n_edges = dot.count("->")
    # w -> matmul -> add <- b; add -> relu; relu -> transpose -> matmul2 <- relu
    assert n_edges == 7


def _step_loss():
    ac.manual_seed(0)
    model = cli.MODELS["mlp"]((1, 8, 8), 10)
    X, y = cli.DATASETS["digits"]()
    loss = ac.nn.functional.cross_entropy(model(ac.tensor(X.numpy()[:4])), ac.tensor(y.numpy()[:4]))
    return loss, model


def test_without_graphviz_only_dot_text_is_written_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli.shutil, "which", lambda name: None)
    loss, model = _step_loss()
    files = cli.write_graph(loss, model, tmp_path / "g")
    assert files == [tmp_path / "g.dot"] and not (tmp_path / "g.svg").exists()
    hint = capsys.readouterr().out
    assert "apt-get install graphviz" in hint and len(hint.strip().splitlines()) == 1


def test_fallback_drawing_when_viz_is_missing(tmp_path, monkeypatch):
    monkeypatch.delattr(ac, "viz")
    loss, model = _step_loss()
    files = cli.write_graph(loss, model, tmp_path / "g")
    dot = (tmp_path / "g.dot").read_text()
    assert "1.weight" in dot and "3.bias" in dot and "linear" in dot and "relu" in dot
    if shutil.which("dot"):
        assert files[-1] == tmp_path / "g.svg" and "<svg" in files[-1].read_text()
