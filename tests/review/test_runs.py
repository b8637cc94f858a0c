"""birdscan.review.runs: the detections, windows and run.json of ``birdscan run`` read back strictly,
and the recording behind each ``file`` value found."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from birdscan.errors import FormatError, ParameterError

from click.testing import CliRunner

from birdscan.cli import main
from birdscan.review import plot, runs
from birdscan.review.runs import (audio_locator, manifest_next_to, pick_recording, read_detections, read_manifest,
                                  read_manifest_json, read_windows, require_file)

def test_read_detections_gives_back_the_names_and_numbers(tmp_path):
    (tmp_path / "detections.csv").write_text("file,start_s,end_s,peak_s,max_prob\n"
                                             "'=HYPERLINK(1).wav,1,2,1.5,0.9\n"
                                             "sub\\b.wav ,3,4,3.5,0.8\n")
    det = read_detections(tmp_path / "detections.csv")
    assert det["file"].tolist() == ["=HYPERLINK(1).wav", "sub/b.wav"]  # the neutralised cell, the path on any system
    assert det["peak_s"].tolist() == [1.5, 3.5] and det["max_prob"].dtype == float
    assert det["start_time"].tolist() == [None, None]  # a table without start times
    (tmp_path / "header.csv").write_text("file,start_s,end_s,peak_s,max_prob,start_time\n")
    assert len(read_detections(tmp_path / "header.csv")) == 0


def test_read_detections_refuses_missing_columns_and_words(tmp_path):
    (tmp_path / "short.csv").write_text("file,start_s,end_s\na.wav,1,2\n")
    with pytest.raises(FormatError, match=r"short\.csv: missing column\(s\) \['peak_s', 'max_prob'\]"):
        read_detections(tmp_path / "short.csv")
    frame = pd.DataFrame({"file": ["a.wav"], "start_s": [1.0], "end_s": [2.0], "peak_s": [1.5], "max_prob": ["high"]})
    with pytest.raises(FormatError, match=r"<detections DataFrame>: column 'max_prob' has a non-number 'high'"):
        read_detections(frame)
    assert frame["max_prob"].tolist() == ["high"]  # a DataFrame given is not changed


def test_read_windows_sorts_by_file_and_time(tmp_path):
    pd.DataFrame({"file": ["b.wav", "a.wav", "a.wav"], "start_s": [0.0, 0.05, 0.0], "end_s": [0.5, 0.55, 0.5],
                  "prob": [0.1, 0.2, 0.3]}).to_csv(tmp_path / "windows.csv.gz", index=False)
    win = read_windows(tmp_path / "windows.csv.gz")
    assert win[["file", "start_s", "prob"]].values.tolist() == [["a.wav", 0.0, 0.3], ["a.wav", 0.05, 0.2], ["b.wav", 0.0, 0.1]]


def test_read_manifest_fills_what_older_runs_lack(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"files": [
        {"file": "a.wav", "path": "/rec/a.wav", "status": "error", "duration_s": None},
        {"file": "b.wav", "path": "/rec/b.wav", "duration_s": 60.0, "recording_start": "2024-05-01T21:30:00"}]}))
    man = read_manifest(tmp_path / "run.json")
    assert list(man.columns) == ["file", "path", "status", "duration_s", "recording_start"]
    assert man["status"].tolist() == ["error", "ok"] and math.isnan(man["duration_s"][0]) and man["duration_s"][1] == 60.0
    assert man["recording_start"].isna().tolist() == [True, False] and man["recording_start"][1] == "2024-05-01T21:30:00"
    (tmp_path / "bad.json").write_text(json.dumps({"recordings": []}))
    with pytest.raises(FormatError, match=r"bad\.json: not a birdscan run\.json \(KeyError: 'files'\)"):
        read_manifest(tmp_path / "bad.json")


def test_audio_locator_from_a_root_or_the_run_manifest(tmp_path):
    det = tmp_path / "out" / "detections.csv"
    det.parent.mkdir()
    det.write_text("file,start_s,end_s,peak_s,max_prob\n")
    assert audio_locator(det, audio_root=tmp_path / "rec")("u1/a.wav") == tmp_path / "rec" / "u1" / "a.wav"
    assert manifest_next_to(det) is None and manifest_next_to(pd.DataFrame()) is None
    with pytest.raises(ParameterError, match="audio_root=None and no run.json next to the detections: give audio_root"):
        audio_locator(det)
    (tmp_path / "out" / "run.json").write_text(json.dumps({"files": [{"file": "u1/a.wav", "path": "/data/u1/a.wav"}]}))
    assert manifest_next_to(det) == tmp_path / "out" / "run.json"
    where = audio_locator(det)
    assert where("u1/a.wav") == Path("/data/u1/a.wav") and where("u1/other.wav") is None


def test_require_file_names_the_option(tmp_path):
    (tmp_path / "d.csv").write_text("x\n")
    assert require_file("detections", str(tmp_path / "d.csv")) == tmp_path / "d.csv"
    with pytest.raises(ParameterError, match=r"^manifest='.*none\.json': no such file$"):
        require_file("manifest", tmp_path / "none.json")
    with pytest.raises(ParameterError, match="no such file"):
        require_file("detections", tmp_path)  # a folder is no file


WINDOWS = pd.DataFrame({"file": ["a.wav", "a.wav", "b.wav"], "start_s": [0.0, 0.05, 0.0], "end_s": [0.5, 0.55, 0.5],
                        "prob": [0.1, 0.2, 0.3]})


def test_pick_recording():
    one = WINDOWS[WINDOWS["file"] == "a.wav"]
    assert pick_recording(one) == "a.wav" and pick_recording(WINDOWS, "b.wav") == "b.wav"
    with pytest.raises(ParameterError, match=r"the windows hold 2 recordings: pick one with file= \(e.g. \['a.wav', 'b.wav'\]\)"):
        pick_recording(WINDOWS)
    with pytest.raises(ParameterError, match="the windows hold 0 recordings"):
        pick_recording(WINDOWS.iloc[:0])
    with pytest.raises(ParameterError, match=r"file='c.wav' is not in the windows table"):
        pick_recording(WINDOWS, "c.wav")


def test_plot_and_cli_pick_the_recording_the_same_way(tmp_path, monkeypatch):
    assert not hasattr(plot, "_pick_file") and plot.pick_recording is runs.pick_recording
    WINDOWS.to_csv(tmp_path / "windows.csv", index=False)
    (tmp_path / "detections.csv").write_text("file,start_s,end_s,peak_s,max_prob\n")
    (tmp_path / "a.wav").write_bytes(b"")
    with pytest.raises(ParameterError, match="pick one with file="):
        plot.plot_trace(tmp_path / "windows.csv", tmp_path / "a.wav", tmp_path / "t.png")
    r = CliRunner().invoke(main, ["plot", str(tmp_path / "detections.csv"), "--windows", str(tmp_path / "windows.csv"),
                                  "--out", str(tmp_path / "t.png")])
    assert r.exit_code == 2 and "the windows hold 2 recordings: pick one with --file" in r.output, r.output
    seen = []
    monkeypatch.setattr("birdscan.review.runs.pick_recording", lambda win, file=None: seen.append(file) or "a.wav")
    CliRunner().invoke(main, ["plot", str(tmp_path / "detections.csv"), "--windows", str(tmp_path / "windows.csv"),
                              "--out", str(tmp_path / "t.png"), "--audio-root", str(tmp_path)])
    assert seen == [None]


def test_run_json_is_read_in_one_place(tmp_path):
    det = tmp_path / "detections.csv"
    det.write_text("file,start_s,end_s,peak_s,max_prob\n")
    man = tmp_path / "run.json"
    assert plot._run_threshold(det) is None  # no run.json
    man.write_text(json.dumps({"options": {"threshold": 0.7}, "files": [{"file": "a.wav", "path": "/x/a.wav"}]}))
    assert read_manifest_json(man)["options"]["threshold"] == 0.7
    assert plot._run_threshold(det) == 0.7
    assert read_manifest(man)[["file", "path", "status"]].values.tolist() == [["a.wav", "/x/a.wav", "ok"]]
    for text, error in (("{", "JSONDecodeError"), ("[1, 2]", "TypeError"), ("{}", "KeyError")):
        man.write_text(text)
        assert plot._run_threshold(det) is None
        with pytest.raises(FormatError, match=f"not a birdscan run.json \\({error}"):
            read_manifest(man)
    with pytest.raises(FormatError, match="not a birdscan run.json"):
        read_manifest_json(tmp_path / "none.json")
