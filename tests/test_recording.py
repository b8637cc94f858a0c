"""birdscan.synth.recording: the truth table's columns are the reference columns, from tables."""

from __future__ import annotations

import pandas as pd

from birdscan import tables
from birdscan.review.references import read_reference
from birdscan.synth import recording


def test_truth_columns_come_from_tables(tmp_path):
    assert recording.TRUTH_COLUMNS is tables.TRUTH_COLUMNS
    assert tables.TRUTH_COLUMNS == ["file", "start_s", "end_s", "centre_s", "low_freq_hz", "high_freq_hz", "kind", "snr_db"]
    assert tables.TRUTH_COLUMNS[:len(tables.REFERENCE_COLUMNS)] == tables.REFERENCE_COLUMNS
    truth = recording.write_recording(tmp_path / "night.wav", 20, seed=2)
    assert list(truth.columns) == tables.TRUTH_COLUMNS
    written = tmp_path / "night.truth.csv"
    assert list(pd.read_csv(written).columns) == tables.TRUTH_COLUMNS
    refs = read_reference(written)  # a truth table reads back as a reference table
    assert list(refs.columns) == tables.REFERENCE_COLUMNS and len(refs) == len(truth)
