"""What a run found: per-recording results, the detections table and the manifest summary.

Shared by :mod:`birdscan.detect.run` (one run), :mod:`birdscan.detect.pipeline` (a finished run),
:mod:`birdscan.detect.retry` and :mod:`birdscan.detect.merge` (shards combined),
so they all build the same tables the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..tables import DETECTION_COLUMNS
from .discover import Recording

RESULT_OPTIONS = ("hop_s", "threshold", "threshold_off", "min_gap_s", "min_duration_s", "split_dip", "channel",
                  "type_boundary_hz")
"""Keys of the manifest's ``options`` that change the numbers in the outputs."""

SCANNED = ("ok", "partial")
"""Statuses of recordings that have results: ``partial`` ones are damaged files of which
the part that decoded was scanned (``error`` says why it stopped, ``scanned_s`` how far)."""


@dataclass
class FileResult:
    """What happened to one recording (one entry of the manifest's ``files``).

    ``status`` is ``ok``, ``partial`` (a damaged file: what decoded was scanned, ``error``
    says why it stopped) or ``error`` (nothing scanned, ``error`` says why). ``warnings``
    lists what is worth knowing about a scanned file (silence, NaN samples, a low sample
    rate, a header that leaves audio out). ``index`` is the recording's position in the
    full discovered list, so shards of a run can be merged back into discovery order;
    ``resumed`` marks results taken from the journal of an interrupted run (identical to
    scanning again, so not in the manifest).
    """

    rec: Recording
    index: int = 0
    status: str = "ok"
    error: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    duration_s: float | None = None
    n_windows: int = 0
    n_events: int = 0
    scanned_s: float | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    recording_start: datetime | None = None
    resumed: bool = False
    probs: np.ndarray | None = field(default=None, repr=False)
    events: Any = field(default=None, repr=False)
    freq: np.ndarray | None = field(default=None, repr=False)

    def manifest(self) -> dict[str, Any]:
        """This recording's entry in the run manifest's ``files``.

        Returns
        -------
        dict of plain JSON types: the scalar fields, ``file`` (``rec.rel``), ``path`` and
        ``recording_start`` as ISO 8601 text (None when unknown)
        """
        return {
            "file": self.rec.rel,
            "index": self.index,
            "path": str(self.rec.path),
            "status": self.status,
            "error": self.error,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "duration_s": self.duration_s,
            "n_windows": self.n_windows,
            "n_events": self.n_events,
            "scanned_s": self.scanned_s,
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 4),
            "recording_start": self.recording_start.isoformat() if self.recording_start else None,
        }

    @classmethod
    def from_manifest(cls, entry: dict[str, Any]) -> FileResult:
        """A recording's result as a finished run's manifest lists it.

        Parameters
        ----------
        entry : dict, one entry of the manifest's ``files`` (as :meth:`manifest` writes it)

        Returns
        -------
        FileResult, without probabilities or events (those are in the run's tables); ``resumed`` is False
        """
        path = Path(entry["path"])
        res = cls(Recording(path, entry["file"], path), index=entry["index"])
        res.restore({**entry, "seconds": entry.get("seconds") or 0.0, "recording_start": entry.get("recording_start")},
                    None, None)
        res.resumed = False
        return res

    def record(self) -> dict[str, Any]:
        """The scalar fields of a finished recording, for the journal.

        Returns
        -------
        dict of plain JSON types, the keys :meth:`restore` reads
        """
        m = self.manifest()
        keys = ("status", "error", "sample_rate", "channels", "duration_s", "n_windows", "n_events", "scanned_s", "warnings",
                "seconds", "recording_start")
        return {k: m[k] for k in keys}

    def restore(self, record: dict[str, Any], probs: np.ndarray, events: Any) -> None:
        """Take back a finished recording's :meth:`record`, probabilities and events; sets ``resumed``.

        Parameters
        ----------
        record : dict, as :meth:`record` returns it
        probs : np.ndarray [shape=(n_windows,) or (n_windows, 2)] or None, window probabilities;
            a second column holds the frequency head's estimates (Hz), which go to ``freq``
        events : DataFrame or None, the recording's events
        """
        if probs is not None and probs.ndim == 2:
            probs, self.freq = probs[:, 0], probs[:, 1]
        self.status, self.error, self.resumed = record.get("status", "ok"), record.get("error"), True
        self.scanned_s, self.warnings = record.get("scanned_s"), list(record.get("warnings") or [])
        self.sample_rate, self.channels = record["sample_rate"], record["channels"]
        self.duration_s, self.n_windows, self.n_events = record["duration_s"], record["n_windows"], record["n_events"]
        self.seconds = record["seconds"]
        start = record["recording_start"]
        self.recording_start = datetime.fromisoformat(start) if start else None
        self.probs, self.events = probs, events


@dataclass
class RunResult:
    """Returned by :func:`birdscan.scan`: per-file results, the detections table and the manifest."""

    files: list[FileResult]
    detections: Any
    manifest: dict[str, Any]
    nothing_to_do: bool = False
    """True when ``resume`` found the run asked for finished already (its outputs are as they were)."""

    @property
    def n_errors(self) -> int:
        """Recordings that failed (nothing scanned)."""
        return sum(f.status not in SCANNED for f in self.files)

    @property
    def n_partial(self) -> int:
        """Damaged recordings of which only the part that decoded was scanned."""
        return sum(f.status == "partial" for f in self.files)

    @property
    def n_resumed(self) -> int:
        """Recordings taken from the journal of an interrupted run instead of scanned again."""
        return sum(f.resumed for f in self.files)


def detections_table(results: Sequence[FileResult]):
    """All events of the recordings scanned, in run order.

    Parameters
    ----------
    results : sequence of FileResult; those not scanned, or without events, add no rows

    Returns
    -------
    pandas.DataFrame with the columns ``tables.DETECTION_COLUMNS`` (``file`` is the recording's
    ``rel``; ``start_time``, ISO 8601 to the millisecond, where the recording's start is known)
    """
    import pandas as pd

    tables = []
    for res in results:
        if res.status not in SCANNED or res.events is None or not len(res.events):
            continue
        t = res.events.copy()
        t.insert(0, "file", res.rec.rel)
        if res.recording_start is not None:
            t["start_time"] = [(res.recording_start + timedelta(seconds=s)).isoformat(timespec="milliseconds") for s in t["start_s"]]
        tables.append(t)
    cols = DETECTION_COLUMNS
    return pd.concat(tables, ignore_index=True).reindex(columns=cols) if tables else pd.DataFrame(columns=cols)


def summarize(files: Sequence[dict[str, Any]], n_events: int, wall_s: float) -> dict[str, Any]:
    """The manifest's ``summary`` from its ``files`` entries.

    Parameters
    ----------
    files : sequence of dict, the manifest's ``files`` entries (:meth:`FileResult.manifest`)
    n_events : int, rows of the detections table
    wall_s : float, seconds the run took

    Returns
    -------
    dict: ``files``, ``errors``, ``partial``, ``warnings`` (counts of recordings), ``audio_s``
    (seconds scanned), ``events``, ``wall_s`` and ``x_realtime`` (None when ``wall_s`` is 0)
    """
    audio_s = sum(f["duration_s"] or 0.0 for f in files if f["status"] in SCANNED)
    return {
        "files": len(files), "errors": sum(f["status"] not in SCANNED for f in files),
        "partial": sum(f["status"] == "partial" for f in files),
        "warnings": sum(bool(f.get("warnings")) for f in files),
        "audio_s": round(audio_s, 3), "events": int(n_events), "wall_s": round(wall_s, 3),
        "x_realtime": round(audio_s / wall_s, 1) if wall_s > 0 else None,
    }


def read_detections_csv(path):
    """A detections CSV written by birdscan, back as the table :func:`detections_table` made.

    Parameters
    ----------
    path : str or Path, the CSV

    Returns
    -------
    pandas.DataFrame; ``file`` and ``start_time`` read as text, ``file`` cells un-neutralised
    (see :func:`birdscan.tables.csv_cell`)
    """
    import pandas as pd

    from ..tables import from_csv_cell

    table = pd.read_csv(path, dtype={"file": str, "start_time": str})
    table["file"] = table["file"].map(from_csv_cell)
    return table
