"""birdscan.train.log: the epoch table's cells, the plain-line reporter, and which reporter a
``progress=`` value gives."""

from __future__ import annotations

import io

from birdscan.train.log import COLUMNS, LEGEND, LineReporter, Reporter, cells, reporter, start_lines

INFO = dict(device="cpu", clips={"train": 192, "val": 96}, first=1, epochs=3, steps=12)


def test_cells_format_each_column_and_mark_missing_values():
    row = {"epoch": 3, "train_loss": 0.12345, "val_auprc": 0.98765, "val_threshold_p90": None,
           "train_clips_per_s": 1234.4, "epoch_s": 12.34}
    assert len(COLUMNS) == 14
    assert cells(row) == ["3", "0.123", "-", "-", "-", "-", "0.988", "-", "-", "-", "-", "-", "1234", "12.3"]


def test_start_lines():
    assert start_lines(INFO) == ["training on cpu: 192 clips (12 steps) per epoch, epochs 1..3; validating on 96 clips", LEGEND]


def test_line_reporter_prints_a_header_then_one_line_per_epoch():
    out = io.StringIO()
    rep = LineReporter(out)
    rep.note("batch_size=1000 is more than the 192 training clips")
    rep.start(**INFO)
    rep.batch(1, 12)  # nothing per step
    rep.epoch({"epoch": 1, "val_auprc": 0.5})
    rep.epoch({"epoch": 2, "val_auprc": 0.75, "best": True})
    rep.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "note: batch_size=1000 is more than the 192 training clips"
    assert lines[1:3] == start_lines(INFO)
    assert lines[3] == " ".join(f"{title:>6}" for _, title, _ in COLUMNS) and "f err" in lines[3]
    assert lines[4].split()[0] == "1" and lines[4].split()[6] == "0.500" and not lines[4].endswith("*")
    assert lines[5].endswith(" *") and lines[5].split()[6] == "0.750" and len(lines) == 6


def test_reporter_for_each_kind_of_progress_value(capsys):
    class Custom(Reporter):
        pass

    custom = Custom()
    assert reporter(custom) is custom
    rows = []
    callback = reporter(rows.append)
    callback.start(**INFO)
    callback.epoch({"epoch": 1})
    callback.close()
    assert rows == [{"epoch": 1}]
    assert isinstance(reporter(True), LineReporter)
    for off in (False, None):
        quiet = reporter(off)
        assert type(quiet) is Reporter
        quiet.start(**INFO)
        quiet.epoch({"epoch": 1})
    reporter(True).epoch({"epoch": 7})  # plain lines go to stderr by default
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.split()[0] == "7"
