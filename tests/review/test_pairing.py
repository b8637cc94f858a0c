"""birdscan.review.pairing: reference keys tied to the run's recordings, and every recording on either
side listed with its status."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from birdscan.errors import ParameterError
from birdscan.review.pairing import match_reference_files, recording_table


def test_match_reference_files_rules():
    files = ["siteA/unit03.wav", "siteA/BirdVox-full-night_flac-audio_unit10.flac", "siteB/night10.wav"]
    got = match_reference_files(["siteA/unit03.wav", r"E:\x\siteA\unit03.wav", "UNIT03", "unit10", "night1"], files)
    assert got == {"siteA/unit03.wav": "siteA/unit03.wav", r"E:\x\siteA\unit03.wav": "siteA/unit03.wav",
                   "UNIT03": "siteA/unit03.wav", "unit10": "siteA/BirdVox-full-night_flac-audio_unit10.flac",
                   "night1": None}


def test_a_name_matching_several_recordings_needs_the_file_map():
    files = ["unit03/night1.wav", "unit05/night1.wav"]
    with pytest.raises(ParameterError, match=r"reference 'night1' matches 2 recordings \(unit03/night1.wav, unit05/night1.wav\); "
                                             r"pass file_map=\{reference: file\} to choose one"):
        match_reference_files(["night1"], files)
    assert match_reference_files(["night1"], files, file_map={"night1": "unit05\\night1.wav"}) == {"night1": "unit05/night1.wav"}


def test_recording_table_lists_both_sides_with_status_and_duration():
    det = pd.DataFrame({"file": ["u1/a.wav", "u1/b.wav"]})
    ref = pd.DataFrame({"file": ["a", "zzz"]})
    man = pd.DataFrame({"file": ["u1/a.wav", "u1/b.wav", "u1/c.wav"], "status": ["ok", "ok", "error"],
                        "duration_s": [60.0, math.nan, 30.0]})
    win = pd.DataFrame({"file": ["u1/b.wav", "u1/b.wav"], "end_s": [41.5, 42.0]})
    table, keymap = recording_table(det, ref, man, win, keys=["c"])  # "c": a reference table without calls
    assert keymap == {"c": "u1/c.wav", "a": "u1/a.wav", "zzz": "zzz"}  # an unmatched key keeps its own name
    assert table.drop(columns="duration_s").values.tolist() == [
        ["u1/a.wav", "a", "ok", True], ["u1/b.wav", "", "detections_only", False],
        ["u1/c.wav", "c", "run_error", True], ["zzz", "zzz", "reference_only", True]]
    assert table["duration_s"].tolist()[:3] == [60.0, 42.0, 30.0] and math.isnan(table["duration_s"].iloc[3])
