"""birdscan.train.metrics (beyond tests/test_train.py): the overflow-free sigmoid and loss, the
per-epoch JSON-lines log and the curves figure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from birdscan.train.metrics import append_jsonl, log_loss, plot_curves, read_jsonl, sigmoid, write_jsonl


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        assert sigmoid([-1000.0, 0.0, 1000.0]).tolist() == [0.0, 0.5, 1.0]
        assert sigmoid(2.0) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_log_loss_is_the_loss_training_minimises():
    assert log_loss([1, 0], [0.0, 0.0]) == pytest.approx(math.log(2))
    assert log_loss([1], [1000.0]) == 0.0 and log_loss([0], [1000.0]) == 1000.0  # no clipping of confident logits
    assert log_loss([1, 0, 1], [2.0, -1.0, -0.5]) == pytest.approx(
        np.mean([math.log1p(math.exp(-2.0)), math.log1p(math.exp(-1.0)), math.log1p(math.exp(0.5))]))


def test_json_lines_written_appended_and_read_back(tmp_path):
    path = tmp_path / "m.metrics.jsonl"
    write_jsonl(path, [{"epoch": 1, "val_auprc": 0.5}, {"epoch": 2, "val_auprc": None}])
    append_jsonl(path, {"epoch": 3, "best": True})
    assert path.read_text().splitlines()[2] == '{"epoch": 3, "best": true}'
    path.write_text(path.read_text() + "\n")  # a blank line is skipped
    assert read_jsonl(path) == [{"epoch": 1, "val_auprc": 0.5}, {"epoch": 2, "val_auprc": None}, {"epoch": 3, "best": True}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.metrics.jsonl"]  # no temporary file left


def test_curves_are_a_png_and_nothing_without_history(tmp_path):
    assert plot_curves([], tmp_path / "none.png") is None and not (tmp_path / "none.png").exists()
    history = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "val_auprc": 0.5 + 0.1 * e, "lr": 1e-3,
                "val_f1": None, "best": e == 2} for e in (1, 2, 3)]
    out = plot_curves(history, tmp_path / "m.curves.png")
    assert out == tmp_path / "m.curves.png" and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
