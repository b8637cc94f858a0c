"""birdscan.review.runs: picking the recording of a windows table and reading run.json, shared by
the plots and the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from birdscan.cli import main
from birdscan.errors import FormatError, ParameterError
from birdscan.review import plot, runs
from birdscan.review.runs import pick_recording, read_manifest, read_manifest_json

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
