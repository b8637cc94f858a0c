"""Shared names: output columns, the manifest's place and keys, recording-name conventions."""

from __future__ import annotations

import json
from datetime import datetime

from birdscan import tables


def test_manifest_path(tmp_path):
    assert tables.manifest_path(tmp_path / "detections.csv") == tmp_path / "run.json"
    assert tables.manifest_path(tmp_path / "night2.csv") == tmp_path / "night2.run.json"


def test_run_manifest_keys_and_outputs(tmp_path):
    common = dict(version="0", host={}, model={}, options={}, inputs=[], shard=None, summary={}, files=[])
    man = tables.run_manifest(outputs=(tmp_path / "d.csv", None, None), **common)
    assert list(man) == ["birdscan_version", "created", "command", "host", "model", "options", "inputs", "shard",
                         "outputs", "summary", "files"]
    assert man["outputs"] == {"detections": str(tmp_path / "d.csv"), "windows": None, "raven": None, "audacity": None}
    merged = tables.run_manifest(outputs=(None, None, None), merged_from=[{"shard": "1/2"}], **common)
    assert list(merged).index("merged_from") == list(merged).index("shard") + 1
    json.dumps(man)


def test_start_time_from_name():
    assert tables.start_time_from_name("S4A03895_20190522_001500.wav") == datetime(2019, 5, 22, 0, 15)
    assert tables.start_time_from_name("AM1/20230401T213000.WAV") == datetime(2023, 4, 1, 21, 30)
    assert tables.start_time_from_name("2021-09-03_02-10-05.flac") == datetime(2021, 9, 3, 2, 10, 5)
    assert tables.start_time_from_name("unit03.flac") is None
    assert tables.start_time_from_name("20191399_999999.wav") is None


def test_audio_names():
    assert tables.is_audio_name("a/B.FLAC") and tables.is_audio_name("x.rf64")
    assert not tables.is_audio_name("notes.txt") and not tables.is_audio_name("flac")


def test_detection_and_raven_columns():
    assert tables.DETECTION_COLUMNS[:5] == ["file", "start_s", "end_s", "peak_s", "max_prob"]
    assert tables.RAVEN_COLUMNS[3:5] == ["Begin Time (s)", "End Time (s)"]
