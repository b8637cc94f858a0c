"""birdscan.synth.recording: long recordings with a truth table of their calls: where the calls are,
rates, channels and formats, determinism, bad arguments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from birdscan import birdvox70k as data
from birdscan.errors import ParameterError
from birdscan.synth.recording import write_recording
from birdscan import tables
from birdscan.review.references import read_reference
from birdscan.synth import recording

SR = data.SAMPLE_RATE


def test_write_recording_truth_and_energy(tmp_path: Path, band_energy) -> None:
    path = tmp_path / "night.wav"
    truth = write_recording(path, 65.3, calls_per_minute=40, seed=1)
    info = sf.info(path)
    assert info.samplerate == SR and info.channels == 1 and info.frames == round(65.3 * SR)
    columns = ["file", "start_s", "end_s", "centre_s", "low_freq_hz", "high_freq_hz", "kind", "snr_db"]
    assert list(truth.columns) == columns
    assert len(truth) > 10
    assert (truth["file"] == "night.wav").all()
    assert (truth["start_s"] >= 0.05 - 1e-6).all() and (truth["end_s"] <= 65.3 - 0.05 + 1e-6).all()
    assert (truth["start_s"] < truth["centre_s"]).all() and (truth["centre_s"] < truth["end_s"]).all()
    assert truth["start_s"].is_monotonic_increasing
    read = pd.read_csv(path.with_suffix(".truth.csv"))
    pd.testing.assert_frame_equal(read, truth, check_exact=False, atol=1e-9)

    audio, _ = sf.read(path)
    win = int(0.1 * SR)
    above = []
    for row in truth[truth["snr_db"] >= 3].itertuples():
        lo, hi = row.low_freq_hz - 100, row.high_freq_hz + 100
        c = int(row.centre_s * SR)
        at_call = band_energy(audio[c - win // 2 : c + win // 2], SR, lo, hi)
        starts = range(0, audio.size - win, win)
        background = np.median([band_energy(audio[s : s + win], SR, lo, hi) for s in starts])
        above.append(at_call > background)
    assert len(above) > 5 and np.mean(above) >= 0.9


def test_write_recording_resampled_stereo_flac(tmp_path: Path) -> None:
    path = tmp_path / "night.flac"
    truth = write_recording(path, 31.5, sr=44100, calls_per_minute=30, seed=2, channels=2)
    audio, sr = sf.read(path)
    assert sr == 44100 and audio.shape == (round(31.5 * 44100), 2)
    assert (truth["end_s"] <= 31.5).all()
    assert np.abs(audio).max() > 0 and not np.array_equal(audio[:, 0], audio[:, 1])
    path24 = tmp_path / "low.wav"
    write_recording(path24, 2.0, sr=22050, seed=2, subtype="PCM_24")
    info = sf.info(path24)
    assert (info.frames, info.samplerate, info.subtype) == (44100, 22050, "PCM_24")


def test_write_recording_deterministic(tmp_path: Path) -> None:
    a = write_recording(tmp_path / "a.wav", 12.0, seed=7)
    b = write_recording(tmp_path / "b.wav", 12.0, seed=7)
    assert a.drop(columns="file").equals(b.drop(columns="file"))
    assert np.array_equal(sf.read(tmp_path / "a.wav")[0], sf.read(tmp_path / "b.wav")[0])
    assert write_recording(tmp_path / "quiet.wav", 5.0, calls_per_minute=0).empty


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("a.mp3", {}, r"path=.*a\.mp3.* \.wav or \.flac"),
        ("a.wav", {"duration_s": 0}, r"duration_s=0"),
        ("a.wav", {"sr": 8000}, r"sr=8000"),
        ("a.wav", {"calls_per_minute": -1}, r"calls_per_minute=-1"),
        ("a.wav", {"seed": 1.5}, r"seed=1.5"),
        ("a.wav", {"channels": 0}, r"channels=0"),
        ("a.flac", {"subtype": "FLOAT"}, r"subtype='FLOAT'"),
        ("a.wav", {"backgrounds": 3}, r"backgrounds=3"),
    ],
)
def test_write_recording_bad_arguments(tmp_path: Path, name: str, kwargs: dict, match: str) -> None:
    kwargs = {"duration_s": 2.0, **kwargs}
    with pytest.raises(ParameterError, match=match):
        write_recording(tmp_path / name, **kwargs)
    assert list(tmp_path.iterdir()) == []


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
