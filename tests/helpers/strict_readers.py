"""Strict readers of the review tables birdscan writes (csv module, exact dialect).

Shared by the writer tests and the end-to-end tests: every cell must parse as its type
(``Channel`` and ``Selection`` as integers, times and frequencies as numbers), every row
must have every column, and the time columns of one table must be on one base.
"""

from __future__ import annotations

import csv
from pathlib import Path

from birdscan.detect.selections import RAVEN_TABLE_COLUMNS

INT = ("Selection", "Channel")
FLOAT = ("Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)", "Peak Time (s)", "Max Prob", "Mean Prob",
         "File Offset (s)")


def read_raven_strict(path: Path) -> list[dict]:
    """Rows of a Raven table as typed dicts; fails on any deviation from the format."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert "\r" not in text and text.endswith("\n"), f"{path}: lines must end in \\n only"
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == RAVEN_TABLE_COLUMNS, rows[0]
    out = []
    for n, row in enumerate(rows[1:], 2):
        assert len(row) == len(RAVEN_TABLE_COLUMNS), f"{path}: line {n} has {len(row)} fields"
        d = dict(zip(RAVEN_TABLE_COLUMNS, row))
        for c in INT:
            d[c] = int(d[c])  # "1.0000" fails here
        for c in FLOAT:
            d[c] = float(d[c])
        d["Call Freq (Hz)"] = float(d["Call Freq (Hz)"]) if d["Call Freq (Hz)"] else None
        assert d["Call Type"] in ("", "thrush", "tseep")
        assert d["View"] == "Spectrogram 1"
        assert d["Begin Time (s)"] <= d["Peak Time (s)"] <= d["End Time (s)"], f"{path}: line {n}: peak outside its selection"
        assert 0 < d["Low Freq (Hz)"] <= d["High Freq (Hz)"]
        assert d["Selection"] == n - 1
        out.append(d)
    return out


def read_audacity_strict(path: Path) -> list[dict]:
    """Labels of an Audacity label track with their frequency lines."""
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


def read_detections_strict(path: Path) -> list[dict]:
    """Rows of a detections CSV (comma, ``\\n`` lines, RFC 4180 quoting) as typed dicts: times in
    seconds from the recording start with start <= peak <= end, probabilities in [0, 1]."""
    from datetime import datetime

    from birdscan.tables import DETECTION_COLUMNS

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


def read_windows_strict(lines) -> list[tuple[str, float, float, float]]:
    """Rows of a windows CSV (given as text lines): ``file, start_s < end_s, prob in [0, 1]``."""
    from birdscan.tables import WINDOW_COLUMNS

    rows = list(csv.reader(lines, strict=True))
    assert rows[0] == WINDOW_COLUMNS, rows[0]
    out = []
    for file, a, b, p in rows[1:]:
        a, b, p = float(a), float(b), float(p)
        assert 0 <= a < b and 0 <= p <= 1
        out.append((file, a, b, p))
    return out
