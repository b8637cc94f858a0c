"""Names shared by the outputs and their readers: column lists, where the run manifest
goes and what it holds, and the naming conventions of recordings on disk.

Writers (:mod:`birdscan.detect.writers`, :mod:`birdscan.detect.merge`) and readers
(:mod:`birdscan.review.references`) take their columns from here, so the two cannot drift.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------- columns of the outputs
DETECTION_COLUMNS = ["file", "start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz",
                     "freq_hz", "call_type", "start_time"]
"""Detections CSV: one row per event; times in seconds from the recording start, ``start_time``
the event's wall-clock time when the file name holds one (:func:`start_time_from_name`).
``freq_hz`` and ``call_type`` (``thrush``/``tseep``) come from a model's frequency head
(empty for models without one)."""
WINDOW_COLUMNS = ["file", "start_s", "end_s", "prob"]
"""Windows CSV(.gz): one row per window with its probability."""
WINDOW_FREQ_COLUMN = "freq_hz"
"""With ``--windows-freq``, the windows table's last column: the frequency estimate (Hz)."""
RAVEN_COLUMNS = ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)"]
"""The columns Raven Pro needs in a selection table, in its order."""
RAVEN_EXTRA = ["Call Type", "Call Freq (Hz)", "Peak Time (s)", "Max Prob", "Mean Prob", "Begin Path", "File Offset (s)"]
"""birdscan's own columns after :data:`RAVEN_COLUMNS` (see :mod:`birdscan.detect.selections`)."""
REFERENCE_COLUMNS = ["file", "start_s", "end_s", "centre_s", "low_freq_hz", "high_freq_hz"]
"""Reference annotations as every reader returns them (seconds, Hz; NaN when unknown)."""
TRUTH_COLUMNS = REFERENCE_COLUMNS + ["kind", "snr_db"]
"""The truth CSV of a generated recording (:func:`birdscan.synth.recording.write_recording`): a
reference table (read back as one) with each call's ``kind`` (``thrush``/``high``) and ``snr_db``."""

# ---------------------------------------------------------------- recordings on disk
AUDIO_EXTENSIONS = ("wav", "flac", "ogg", "opus", "mp3", "aif", "aiff", "aifc", "w64", "rf64")
"""File extensions of the audio birdscan reads (libsndfile formats): scanned by default,
loaded as real backgrounds, and stripped from recording names where a key is made of one."""
SAMPLE_BYTES = {"PCM_U8": 1, "PCM_S8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8}
"""Bytes per sample of the uncompressed soundfile subtypes (what a WAV data chunk holds)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection)."""


def csv_cell(name: str) -> str:
    """A recording name as the ``file`` cell of a CSV output, neutralised as OWASP recommends:
    a name starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` (shown as
    text by spreadsheets), and so does one already starting with ``'``, so that
    :func:`from_csv_cell` gives back the exact name. run.json keeps the exact names.

    Parameters
    ----------
    name : str, a recording's name (``rel``)

    Returns
    -------
    str, the cell

    Examples
    --------
    >>> csv_cell("=1+2.wav"), csv_cell("'q.wav"), csv_cell("night.wav")
    ("'=1+2.wav", "''q.wav", 'night.wav')
    """
    return "'" + name if name.startswith(FORMULA_STARTS + ("'",)) else name


def from_csv_cell(cell: str) -> str:
    """The recording name a :func:`csv_cell` holds.

    Parameters
    ----------
    cell : str, a ``file`` cell as read from a CSV output

    Returns
    -------
    str, the cell without one leading ``'``
    """
    return cell[1:] if cell.startswith("'") else cell


def path_cell(path: str) -> str:
    """A recording's path as a cell of a table that programs open files by (Raven's ``Begin
    Path``), neutralised against formulas like :func:`csv_cell` but kept a path to the same
    file: a leading ``'`` would make Raven look for a file that does not exist, so a relative
    path starting with one of :data:`FORMULA_STARTS` gets ``./`` in front instead (absolute
    paths start with ``/`` or a drive and never need it).

    Parameters
    ----------
    path : str, the recording's path

    Returns
    -------
    str, the cell

    Examples
    --------
    >>> path_cell("=1+2.wav"), path_cell("/data/=1+2.wav"), path_cell("night/a.wav")
    ('./=1+2.wav', '/data/=1+2.wav', 'night/a.wav')
    """
    return os.curdir + os.sep + path if path.startswith(FORMULA_STARTS) else path


_STAMP = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[_T-](\d{2})[-:]?(\d{2})[-:]?(\d{2})(?!\d)")


def is_audio_name(name: str | os.PathLike[str]) -> bool:
    """Whether a file name ends in one of :data:`AUDIO_EXTENSIONS` (any case).

    Parameters
    ----------
    name : str or PathLike, a file name or path

    Returns
    -------
    bool
    """
    return Path(name).suffix.lower().lstrip(".") in AUDIO_EXTENSIONS


def start_time_from_name(path: str | os.PathLike[str]) -> datetime | None:
    """Recording start from a file name stamp: AudioMoth/Song Meter ``YYYYMMDD_HHMMSS``,
    also ``YYYY-MM-DD_HH-MM-SS`` and ``YYYYMMDDTHHMMSS``.

    Parameters
    ----------
    path : str or PathLike, the recording; only its file name is read

    Returns
    -------
    datetime or None, naive (the recorder's clock); None when the name holds no valid stamp

    Examples
    --------
    >>> start_time_from_name("S4A03895_20190522_001500.wav")
    datetime.datetime(2019, 5, 22, 0, 15)
    """
    m = _STAMP.search(Path(path).name)
    if not m:
        return None
    try:
        return datetime(*(int(g) for g in m.groups()))
    except ValueError:
        return None


# ---------------------------------------------------------------- the run manifest
def manifest_path(out: str | os.PathLike[str]) -> Path:
    """Where the run manifest of a detections CSV goes: next to it.

    Parameters
    ----------
    out : str or PathLike, the detections CSV

    Returns
    -------
    Path, ``run.json`` for ``detections.csv``; ``<stem>.run.json`` when the CSV is called
    otherwise, so two runs in one folder do not clash

    Examples
    --------
    >>> manifest_path("out/detections.csv").as_posix(), manifest_path("out/night1.csv").as_posix()
    ('out/run.json', 'out/night1.run.json')
    """
    out = Path(out)
    return out.with_name("run.json" if out.stem == "detections" else f"{out.stem}.run.json")


def run_manifest(
    *, version: str, host: Any, model: Any, options: Any, inputs: Any, shard: Any, outputs: tuple[Any, Any, Any],
    summary: dict[str, Any], files: list[dict[str, Any]], merged_from: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The run manifest (``run.json``) of a run or of merged shards, keys in their fixed order.

    ``outputs`` is ``(detections, windows, raven[, audacity])`` (paths or None); ``created`` and the
    ``command`` (when run from the ``birdscan`` command) are filled in here.

    Parameters
    ----------
    version : str, the birdscan version that made the outputs
    host : dict or None, where it ran (``platform``, ``python``, ``device``)
    model : dict, the model used (path, name, sha256, version, config)
    options : dict, the scan options
    inputs : list of str, the paths the run was given
    shard : dict or None, this run's share of a sharded run (None: not sharded)
    outputs : tuple of 3 or 4 paths or None, see above; stored as ``str`` (None kept)
    summary : dict, totals over ``files`` (:func:`birdscan.detect.results.summarize`)
    files : list of dict, one entry per recording
    merged_from : list of dict or None, the shards merged; the key is left out when None

    Returns
    -------
    dict, keys in this order: ``birdscan_version``, ``created`` (local time, ISO 8601 to the second),
    ``command`` (``sys.argv``; None when the program's name does not start with ``birdscan``),
    ``host``, ``model``, ``options``, ``inputs``, ``shard``, ``merged_from`` (only when given),
    ``outputs`` (``detections``, ``windows``, ``raven``, ``audacity``: str or None), ``summary``, ``files``
    """
    out, win, raven, audacity = (*outputs, None)[:4]
    manifest = {
        "birdscan_version": version,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": sys.argv if os.path.basename(sys.argv[0]).startswith("birdscan") else None,
        "host": host,
        "model": model,
        "options": options,
        "inputs": inputs,
        "shard": shard,
    }
    if merged_from is not None:
        manifest["merged_from"] = merged_from
    manifest["outputs"] = {"detections": str(out) if out else None, "windows": str(win) if win else None,
                           "raven": str(raven) if raven else None, "audacity": str(audacity) if audacity else None}
    manifest["summary"] = summary
    manifest["files"] = files
    return manifest
