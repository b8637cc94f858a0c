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
