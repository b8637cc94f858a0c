"""Shared fixtures: tests make their own data.

Every helper a test file needs from elsewhere is a fixture here (or in the conftest.py of its
folder: ``tests/detect``, ``tests/cli``, ``tests/synth``, ``tests/realsounds``); test files never
import from each other.

- audio: ``make_audio``, ``write_tone_file``
- BirdVox-70k layout: ``write_toy_units``, ``write_raw_unit``
- strict readers of the tables a run writes: ``read_raven_strict``, ``read_audacity_strict``,
  ``read_detections_strict``, ``read_windows_strict``
- tables to evaluate (review and cli tests): ``write_detections``, ``write_run_manifest``, ``night``
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from birdscan import birdvox70k as data
from birdscan.detect.selections import RAVEN_TABLE_COLUMNS
from birdscan.tables import DETECTION_COLUMNS, WINDOW_COLUMNS


# ----------------------------------------------------------------------------- audio


def chirp(sr: int, dur: float, f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * dur))
    return (np.sin(phase) * np.hanning(len(t))).astype(np.float32)


def _tone_file(path: Path, sr: int, dur: float, calls: list[float] = (), channels: int = 1,
                    subtype: str | None = None, seed: int = 0) -> Path:
    """Noise with 150 ms 3.2->2.6 kHz chirps centred at ``calls`` seconds."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(int(dur * sr)) * 0.01).astype(np.float32)
    c = chirp(sr, 0.15, 3200, 2600) * 0.5
    for t in calls:
        a = int(t * sr) - len(c) // 2
        x[a : a + len(c)] += c
    data = np.repeat(x[:, None], channels, axis=1) if channels > 1 else x
    sf.write(str(path), data, sr, subtype=subtype)
    return path


@pytest.fixture
def make_audio(tmp_path):
    def _make(name: str, sr: int = 24000, dur: float = 3.0, calls=(), **kw) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return _tone_file(p, sr, dur, list(calls), **kw)

    return _make


@pytest.fixture(scope="session")
def write_tone_file():
    """``write_tone_file(path, sr, dur, calls=(), channels=1, subtype=None, seed=0)``: noise with
    150 ms chirps centred at ``calls`` seconds, written with soundfile."""
    return _tone_file


# ----------------------------------------------------------------------------- BirdVox-70k layout


def _toy_clip(rng: np.random.Generator, label: int) -> np.ndarray:
    """Positives: a 100 ms 2.5-3.5 kHz up-chirp near the centre of noise; negatives: noise,
    half of them with a click somewhere."""
    x = 0.02 * rng.standard_normal(data.CLIP_SAMPLES)
    if label:
        m = data.SAMPLE_RATE // 10
        t = np.arange(m) / data.SAMPLE_RATE
        f0 = rng.uniform(2500, 3000)
        call = np.sin(2 * np.pi * (f0 * t + 500 / (2 * t[-1]) * t**2)) * np.hanning(m)
        start = data.CLIP_SAMPLES // 2 - m // 2 + int(rng.integers(-200, 200))
        x[start:start + m] += rng.uniform(0.05, 0.2) * call
    elif rng.random() < 0.5:
        x[rng.integers(100, data.CLIP_SAMPLES - 100)] += rng.uniform(0.2, 0.5)
    return x.astype(np.float32)


def _toy_units(folder: Path, units=("unit01", "unit02", "unit03"), clips: int = 40, seed: int = 0) -> dict[str, Path]:
    """One BirdVox-70k-layout file per unit, ``clips`` clips each, labels alternating 0, 1."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for u, unit in enumerate(units):
        rng = np.random.default_rng([seed, u])
        labels = [i % 2 for i in range(clips)]
        waves = {data.clip_name(unit, 50_000 + 20_000 * i, 2750 * lab, lab): _toy_clip(rng, lab) for i, lab in enumerate(labels)}
        out[unit] = data.write_unit(folder / data.unit_file_name(unit), waves)
    return out


@pytest.fixture(scope="session")
def write_toy_units():
    """``write_toy_units(folder, units=(...), clips=40, seed=0) -> {unit: path}``: BirdVox-70k-layout
    unit files with alternating labels (positives hold a chirp)."""
    return _toy_units


def _raw_unit(path: Path, clips: dict[str, np.ndarray], group: str = data.GROUP, sample_rate=None) -> Path:
    with h5py.File(path, "w") as f:
        g = f.create_group(group)
        for name, wave in clips.items():
            g.create_dataset(name, data=wave)
        if sample_rate is not None:
            f.create_dataset("sample_rate", data=sample_rate)
    return path


@pytest.fixture(scope="session")
def write_raw_unit():
    """``write_raw_unit(path, {clip name: wave}, group="waveforms", sample_rate=None)``: an HDF5 file
    written with h5py as given, unchecked (``birdvox70k.write_unit`` refuses malformed clips)."""
    return _raw_unit


# ----------------------------------------------------------------------------- strict readers
# Strict readers of the review tables birdscan writes (csv module, exact dialect), for the
# writer tests and the end-to-end tests: every cell must parse as its type (``Channel`` and
# ``Selection`` as integers, times and frequencies as numbers), every row must have every
# column, and the time columns of one table must be on one base.

_INT = ("Selection", "Channel")
_FLOAT = ("Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)", "Peak Time (s)", "Max Prob", "Mean Prob",
          "File Offset (s)")


def _read_raven_strict(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert "\r" not in text and text.endswith("\n"), f"{path}: lines must end in \\n only"
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == RAVEN_TABLE_COLUMNS, rows[0]
    out = []
    for n, row in enumerate(rows[1:], 2):
        assert len(row) == len(RAVEN_TABLE_COLUMNS), f"{path}: line {n} has {len(row)} fields"
        d = dict(zip(RAVEN_TABLE_COLUMNS, row))
        for c in _INT:
            d[c] = int(d[c])  # "1.0000" fails here
        for c in _FLOAT:
            d[c] = float(d[c])
        d["Call Freq (Hz)"] = float(d["Call Freq (Hz)"]) if d["Call Freq (Hz)"] else None
        assert d["Call Type"] in ("", "thrush", "tseep")
        assert d["View"] == "Spectrogram 1"
        assert d["Begin Time (s)"] <= d["Peak Time (s)"] <= d["End Time (s)"], f"{path}: line {n}: peak outside its selection"
        assert 0 < d["Low Freq (Hz)"] <= d["High Freq (Hz)"]
        assert d["Selection"] == n - 1
        out.append(d)
    return out


def _read_audacity_strict(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()
    assert len(lines) % 2 == 0, f"{path}: every label needs its frequency line"
    out = []
    for label, band in zip(lines[::2], lines[1::2]):
        start, end, text = label.split("\t")
        slash, low, high = band.split("\t")
        assert slash == "\\"
        kind, prob = text.split(" ")
        assert kind in ("call", "thrush", "tseep") and 0 <= float(prob) <= 1
        assert float(start) <= float(end) and 0 < float(low) <= float(high)
        out.append({"start": float(start), "end": float(end), "kind": kind, "low": float(low), "high": float(high)})
    return out


def _read_detections_strict(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert "\r" not in text, f"{path}: lines must end in \\n only"
    rows = list(csv.reader(text.splitlines(keepends=True), strict=True))
    assert rows[0][: len(DETECTION_COLUMNS)] == DETECTION_COLUMNS, rows[0]
    out = []
    for row in rows[1:]:
        d = dict(zip(rows[0], row))
        assert len(row) == len(rows[0])
        for c in ("start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz"):
            d[c] = float(d[c])
        assert 0 <= d["start_s"] <= d["peak_s"] <= d["end_s"] and 0 <= d["mean_prob"] <= d["max_prob"] <= 1
        if d["start_time"]:
            d["start_time"] = datetime.fromisoformat(d["start_time"])
        if d.get("freq_hz"):
            d["freq_hz"] = float(d["freq_hz"])
        assert d.get("call_type", "") in ("", "thrush", "tseep")
        out.append(d)
    return out


def _read_windows_strict(lines) -> list[tuple[str, float, float, float]]:
    rows = list(csv.reader(lines, strict=True))
    assert rows[0] == WINDOW_COLUMNS, rows[0]
    out = []
    for file, a, b, p in rows[1:]:
        a, b, p = float(a), float(b), float(p)
        assert 0 <= a < b and 0 <= p <= 1
        out.append((file, a, b, p))
    return out


@pytest.fixture(scope="session")
def read_raven_strict():
    """``read_raven_strict(path) -> [row dict]``: rows of a Raven table as typed dicts; fails on
    any deviation from the format (line ends, columns, integer ``Channel`` and ``Selection``,
    peaks inside their selections)."""
    return _read_raven_strict


@pytest.fixture(scope="session")
def read_audacity_strict():
    """``read_audacity_strict(path) -> [label dict]``: labels of an Audacity label track with their
    frequency lines (``start, end, kind, low, high``)."""
    return _read_audacity_strict


@pytest.fixture(scope="session")
def read_detections_strict():
    """``read_detections_strict(path) -> [row dict]``: rows of a detections CSV (comma, ``\\n`` lines,
    RFC 4180 quoting) as typed dicts: times in seconds from the recording start with
    start <= peak <= end, probabilities in [0, 1]."""
    return _read_detections_strict


@pytest.fixture(scope="session")
def read_windows_strict():
    """``read_windows_strict(lines) -> [(file, start_s, end_s, prob)]``: rows of a windows CSV given as
    text lines: ``start_s < end_s``, ``prob`` in [0, 1]."""
    return _read_windows_strict


# ----------------------------------------------------------------------------- tables to evaluate

REVIEW_FILE = "siteA/unit03.wav"
REVIEW_BAND = (4000.0, 7000.0)


def _write_detections(path, rows: dict | None = None, file: str | list[str] = REVIEW_FILE):
    rows = dict(rows or {})
    peaks = np.asarray(rows.pop("peak_s", []), dtype=float)
    df = pd.DataFrame({
        "file": file if isinstance(file, list) else [file] * len(peaks),
        "start_s": peaks - 0.1, "end_s": peaks + 0.1, "peak_s": peaks,
        "max_prob": np.linspace(0.99, 0.6, len(peaks)), "mean_prob": 0.5,
        "low_freq_hz": REVIEW_BAND[0], "high_freq_hz": REVIEW_BAND[1], "start_time": "",
    })
    for column, values in rows.items():  # columns of a model with a frequency head: freq_hz, call_type
        df[column] = values
    df.to_csv(path, index=False)
    return path


def _write_run_manifest(path, files: dict[str, float]):
    doc = {"inputs": ["/data"], "files": [
        {"file": f, "path": f"/data/{f}", "status": "ok", "duration_s": d} for f, d in files.items()]}
    path.write_text(json.dumps(doc))
    return path


def _raven_line(*fields) -> str:
    return "\t".join(str(f) for f in fields) + "\n"


@pytest.fixture(scope="session")
def write_detections():
    """``write_detections(path, rows=None, file="siteA/unit03.wav") -> path``: a detections CSV like
    ``birdscan run`` writes, an event of +-0.1 s around each ``rows["peak_s"]`` (4-7 kHz,
    ``max_prob`` falling from 0.99 to 0.6, ``mean_prob`` 0.5, no start time); ``file`` names one
    recording for all rows or one per row. Other keys of ``rows`` (``freq_hz``, ``call_type``)
    are added as columns, as a model with a frequency head writes them."""
    return _write_detections


@pytest.fixture(scope="session")
def write_run_manifest():
    """``write_run_manifest(path, {file: duration_s}) -> path``: a run.json listing those recordings
    (under ``/data``) as scanned."""
    return _write_run_manifest


@pytest.fixture
def night(tmp_path):
    """A run of four recordings and a reference folder, counted by hand:

    a.wav  calls 10, 20, 30 (Raven) + 40 (a second file, plain CSV); detections 10.1, 20.1, 50, 60
           -> tp 2 (10, 20), fp 2 (50, 60), fn 2 (30, 40); two references for one recording
    b.wav  a Raven table with its header and no rows; detections 5, 6, 7 -> fp 3
    c.wav  no reference; detections 1, 2 -> not scored
    d.wav  in the references (Audacity, calls 3 and 4) but not in the run -> fn 2

    Returns (detections CSV, reference folder); the run's run.json is next to the detections.
    """
    half, (low, high) = 0.06, REVIEW_BAND
    header = _raven_line("Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)")
    (tmp_path / "out").mkdir()
    det = _write_detections(tmp_path / "out" / "detections.csv",
                            {"peak_s": [10.1, 20.1, 50.0, 60.0, 5.0, 6.0, 7.0, 1.0, 2.0]},
                            file=["a.wav"] * 4 + ["b.wav"] * 3 + ["c.wav"] * 2)
    _write_run_manifest(tmp_path / "out" / "run.json", {"a.wav": 1800.0, "b.wav": 1800.0, "c.wav": 1800.0})
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.wav.selections.txt").write_text(header + "".join(
        _raven_line(i, "Spectrogram 1", 1, c - half, c + half, low, high) for i, c in enumerate([10, 20, 30], 1)))
    (refs / "b.wav.selections.txt").write_text(header)
    (refs / "d.txt").write_text("3.0\t3.1\tcall\n4.0\t4.1\tcall\n")
    pd.DataFrame({"file": ["a.wav"], "start_s": [39.95], "end_s": [40.05]}).to_csv(refs / "extra.csv", index=False)
    return det, refs
