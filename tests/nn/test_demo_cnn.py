"""``python -m autograd_core train --dataset digits --model cnn``: the demo's CNN entry."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

import autograd_core as ac
from autograd_core import __main__ as cli

ROOT = Path(__file__).resolve().parents[2]


def test_cnn_is_registered_and_fits_any_image_size():
    assert "cnn" in cli.MODELS
    net = cli.MODELS["cnn"]((3, 12, 16), 5)
    assert net(ac.zeros((2, 3, 12, 16))).shape == (2, 5)


def test_demo_trains_the_cnn_from_the_command_line(tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "autograd_core", "train", "--dataset", "digits", "--model", "cnn"]
    proc = subprocess.run(
        [*cmd, "--epochs", "4", "--out", str(tmp_path), "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    acc = float(re.search(r"test accuracy: ([\d.]+)%", proc.stdout).group(1))
    assert acc >= 95.0, proc.stdout  # 4 epochs; the default 80 reach 99.3%
    model = cli.MODELS["cnn"]((1, 8, 8), 10)
    model.load_state_dict(ac.load(tmp_path / "model.npz"))
    assert {"0.weight", "1.running_mean", "1.num_batches_tracked", "10.weight"} <= set(model.state_dict())
    assert np.isfinite(model.state_dict()["4.weight"].numpy()).all()
