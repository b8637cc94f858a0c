"""Outputs: detections CSV, windows CSV(.gz), Raven Pro selection tables, the run manifest.

Every file is written atomically through :mod:`birdscan.files`; a run stages all its
outputs in one :class:`~birdscan.files.OutputSet` and renames them together at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import OutputError, ParameterError
from ..files import OutputSet, atomic_open
from ..tables import DETECTION_COLUMNS, RAVEN_COLUMNS, RAVEN_EXTRA, WINDOW_COLUMNS
from .discover import printable

RAVEN_COMBINED = "birdscan_combined.selections.txt"
FLOAT_FORMAT = "%.4f"


def check_targets(paths: Sequence[Path | None], overwrite: bool) -> None:
    """Fail before any work when an output exists (and ``overwrite`` is off) or cannot be made."""
    for p in paths:
        if p is None:
            continue
        if p.exists() and not overwrite and not p.is_dir():
            raise OutputError(f"{p} exists; pass overwrite=True (--overwrite) to replace it")
        parent = p if p.suffix == "" and not p.exists() else p.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {p}: {parent} is not a folder")


def check_windows_path(path: Path | None) -> None:
    if path is not None and not (path.name.endswith(".csv") or path.name.endswith(".csv.gz")):
        raise ParameterError(f"windows={str(path)!r} must end in .csv or .csv.gz")


def write_detections(path: str | os.PathLike[str], table, outputs: OutputSet | None = None) -> Path:
    """Write the detections table (``DETECTION_COLUMNS``) as CSV, atomically."""
    with atomic_open(path, outputs=outputs) as f:
        table.reindex(columns=DETECTION_COLUMNS).to_csv(f, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


class WindowsWriter:
    """Appends one recording's windows at a time to ``file,start_s,end_s,prob`` CSV(.gz)."""

    def __init__(self, path: str | os.PathLike[str], outputs: OutputSet | None = None) -> None:
        self.path = Path(path)
        self._ctx = atomic_open(self.path, outputs=outputs)
        self._f = self._ctx.__enter__()
        self._f.write(",".join(WINDOW_COLUMNS) + "\n")

    def add(self, rel: str, start_s: np.ndarray, end_s: np.ndarray, prob: np.ndarray) -> None:
        import pandas as pd

        df = pd.DataFrame({"file": rel, "start_s": start_s, "end_s": end_s, "prob": prob})
        df.to_csv(self._f, header=False, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")

    def close(self, ok: bool = True) -> None:
        if ok:
            self._ctx.__exit__(None, None, None)
        else:
            try:
                self._ctx.__exit__(OutputError, OutputError("run failed"), None)
            except OutputError:
                pass


def _raven_rows(events, nyquist: float) -> "Any":
    import pandas as pd

    n = len(events)
    return pd.DataFrame({
        "Selection": np.arange(1, n + 1),
        "View": ["Spectrogram 1"] * n,
        "Channel": [1] * n,
        "Begin Time (s)": events["start_s"].to_numpy(),
        "End Time (s)": events["end_s"].to_numpy(),
        "Low Freq (Hz)": np.minimum(events["low_freq_hz"].to_numpy(), nyquist),
        "High Freq (Hz)": np.minimum(events["high_freq_hz"].to_numpy(), nyquist),
        "Peak Time (s)": events["peak_s"].to_numpy(),
        "Max Prob": events["max_prob"].to_numpy(),
        "Mean Prob": events["mean_prob"].to_numpy(),
    })


def raven_path(raven_dir: str | os.PathLike[str], rel: str) -> Path:
    """``<raven_dir>/<rel>.selections.txt`` (the recording's extension is kept, so
    ``a.wav`` and ``a.flac`` get different tables)."""
    return Path(raven_dir) / f"{rel}.selections.txt"


def raven_tables(raven_dir: str | os.PathLike[str], rels: Sequence[str]) -> list[Path]:
    """The per-recording tables of ``rels``; raises :class:`ParameterError` when one of them
    would be the combined table (a recording named like it, without extension)."""
    combined = Path(raven_dir) / RAVEN_COMBINED
    paths = [raven_path(raven_dir, rel) for rel in rels]
    for rel, p in zip(rels, paths):
        if p == combined:
            raise ParameterError(f"recording {rel!r} would write its Raven table over {combined}; rename it or scan it without raven=")
    return paths


def write_raven(path: str | os.PathLike[str], events, nyquist: float, outputs: OutputSet | None = None) -> Path:
    """One recording's Raven Pro selection table (tab-separated), High Freq capped at ``nyquist``."""
    with atomic_open(path, outputs=outputs) as f:
        _raven_rows(events, nyquist).to_csv(f, sep="\t", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


def as_written(values) -> np.ndarray:
    """Float values as they read back from a CSV written here (``%.4f``): the combined
    Raven table is computed from these, so merging shards' CSVs gives the same table."""
    return np.array([float(FLOAT_FORMAT % v) for v in np.asarray(values, dtype=np.float64)], dtype=np.float64)


def write_raven_combined(path: str | os.PathLike[str], parts: Sequence[tuple[str, float, float, Any]],
                         outputs: OutputSet | None = None) -> Path:
    """A Raven table over the concatenated recordings, in run order.

    ``parts``: ``(begin_path, duration_s, nyquist, events)`` for every recording scanned,
    with or without events; Begin/End Time count from the start of the first recording,
    ``File Offset (s)`` from the start of each. Event times and bands are taken as the
    detections CSV holds them (:func:`as_written`).
    """
    import pandas as pd

    tables, offset = [], 0.0
    for begin_path, duration, nyquist, events in parts:
        events = events.copy()
        for c in ("start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz"):
            events[c] = as_written(events[c])
        t = _raven_rows(events, nyquist)
        t["Begin Path"] = printable(begin_path)
        t["File Offset (s)"] = t["Begin Time (s)"]
        t["Begin Time (s)"] += offset
        t["End Time (s)"] += offset
        tables.append(t)
        offset += duration
    columns = RAVEN_COLUMNS + RAVEN_EXTRA + ["Begin Path", "File Offset (s)"]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    table["Selection"] = np.arange(1, len(table) + 1)
    with atomic_open(path, outputs=outputs) as f:
        table.to_csv(f, sep="\t", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


def write_manifest(path: str | os.PathLike[str], manifest: dict[str, Any], outputs: OutputSet | None = None) -> Path:
    """The run manifest as indented JSON."""
    with atomic_open(path, outputs=outputs) as f:
        json.dump(manifest, f, indent=2, default=str)
        f.write("\n")
    return Path(path)
