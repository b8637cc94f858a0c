"""birdscan.review.activity: calls per unit and time bin, on clock time when the recordings' starts
are known, with the bins no recording covers left out."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from birdscan.errors import FormatError, ParameterError
from birdscan.review.activity import ALL_RECORDINGS, check_activity_options, count_activity


def detections(files, peaks, start_time="", call_type=None) -> pd.DataFrame:
    df = pd.DataFrame({"file": files, "start_s": [p - 0.1 for p in peaks], "end_s": [p + 0.1 for p in peaks],
                       "peak_s": peaks, "max_prob": 0.9, "start_time": start_time})
    return df if call_type is None else df.assign(call_type=call_type)


def test_interval_and_unit_options():
    assert check_activity_options("10min", "folder") == 600.0
    assert check_activity_options(90, "file") == 90.0
    assert check_activity_options("600", "file") == 600.0  # a number as text is seconds, not nanoseconds
    for bad in ("soon", 0, -5, True):
        with pytest.raises(ParameterError, match=rf"interval={bad!r} must be seconds > 0 or a duration such as '10min'"):
            check_activity_options(bad, "folder")
    with pytest.raises(ParameterError, match=r"by='site' must be 'folder' or 'file'"):
        check_activity_options(60, "site")


def test_counts_in_seconds_from_the_start_by_folder_and_by_file():
    det = detections(["u1/a.wav", "u1/a.wav", "u1/b.wav", "top.wav"], [10.0, 130.0, 70.0, 5.0])
    act = count_activity(det, interval=60)
    assert not act.clock and act.seconds == 60.0 and act.step == 60.0
    # without run.json a unit spans its first to its last call, empty bins included
    assert act.counts.values.tolist() == [[ALL_RECORDINGS, 0.0, 1], ["u1", 0.0, 1], ["u1", 60.0, 1], ["u1", 120.0, 1]]
    assert act.recordings[["file", "n_detections", "unit"]].values.tolist() == [
        ["top.wav", 1, ALL_RECORDINGS], ["u1/a.wav", 2, "u1"], ["u1/b.wav", 1, "u1"]]
    by_file = count_activity(det, interval=60, by="file")
    assert sorted(set(by_file.counts["unit"])) == ["top.wav", "u1/a.wav", "u1/b.wav"]
    assert by_file.counts.loc[by_file.counts["unit"] == "u1/a.wav", "calls"].tolist() == [1, 0, 1]


def test_clock_time_per_call_type_and_recorded_bins_from_run_json(tmp_path):
    det = detections(["u1/a.wav"] * 3, [100.0, 700.0, 1300.0], call_type=["thrush", "tseep", "owl"])
    det.to_csv(tmp_path / "detections.csv", index=False)
    (tmp_path / "run.json").write_text(json.dumps({"files": [
        {"file": "u1/a.wav", "status": "ok", "duration_s": 3600.0, "recording_start": "2024-05-01T21:00:00+02:00"},
        {"file": "u1/quiet.wav", "status": "ok", "duration_s": 600.0, "recording_start": "2024-05-02T03:00:00+02:00"}]}))
    act = count_activity(tmp_path / "detections.csv", interval="10min")
    assert act.clock and act.step == pd.Timedelta(minutes=10)
    c = act.counts
    assert list(c.columns) == ["unit", "bin_start", "calls", "thrush", "tseep"]
    assert len(c) == 6 + 1  # 21:00-22:00 and 03:00-03:10, local wall time; the night between is a gap
    assert c["bin_start"].min() == pd.Timestamp("2024-05-01 21:00") and c["bin_start"].max() == pd.Timestamp("2024-05-02 03:00")
    assert c["calls"].tolist()[:3] == [1, 1, 1] and c["calls"].sum() == 3
    assert (c["thrush"].sum(), c["tseep"].sum()) == (1, 1)  # an unknown type counts as a call only
    assert act.recordings.set_index("file")["n_detections"].to_dict() == {"u1/a.wav": 3, "u1/quiet.wav": 0}


def test_no_detections_and_bad_start_times(tmp_path):
    empty = count_activity(detections([], []), interval=60)
    assert empty.counts.empty and list(empty.counts.columns) == ["unit", "bin_start", "calls"]
    with pytest.raises(FormatError, match="a start time is not ISO 8601"):
        count_activity(detections(["a.wav"], [1.0], start_time="yesterday evening"), interval=60)
    with pytest.raises(ParameterError, match="detections='.*none.csv': no such file"):
        count_activity(tmp_path / "none.csv")
