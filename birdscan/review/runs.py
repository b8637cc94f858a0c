"""The outputs of ``birdscan run`` as tables: detections, windows and the run manifest (``run.json``).

Each reader takes a path or a DataFrame already read, checks the columns it needs and
reads ``file`` values with ``/`` as the separator. :func:`audio_locator` finds the
recording behind each ``file`` value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .csvio import numeric_column, read_csv, require_columns
from ..errors import FormatError, ParameterError
from ..tables import DETECTION_COLUMNS, WINDOW_COLUMNS, from_csv_cell, manifest_path


def require_file(option: str, path: str | Path) -> Path:
    """Check that an option names a file.

    Parameters
    ----------
    option : str, the keyword the path was given as (named in the error)
    path : str or Path

    Returns
    -------
    Path, ``Path(path)``

    Raises
    ------
    ParameterError
        naming ``option`` when ``path`` is not a file
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{option}={str(path)!r}: no such file")
    return path


def read_detections(detections: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read a detections CSV of ``birdscan run`` (a header-only file gives zero rows).

    Parameters
    ----------
    detections : the CSV, or a DataFrame already read (copied, not changed)

    Returns
    -------
    pd.DataFrame with at least ``file, start_s, end_s, peak_s, max_prob`` (seconds from the
    recording's start; probabilities) and ``start_time`` (None where the table has none)
    """
    df = _read_table(detections, DETECTION_COLUMNS[:5], "detections")
    if "start_time" not in df.columns:
        df["start_time"] = None
    return df


def read_windows(windows: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read a windows CSV of ``birdscan run``, sorted by file and time.

    Parameters
    ----------
    windows : the ``.csv`` or ``.csv.gz`` file, or a DataFrame already read (copied, not changed)

    Returns
    -------
    pd.DataFrame with ``file, start_s, end_s`` (seconds) and ``prob`` (in [0, 1]), one row per window
    """
    df = _read_table(windows, WINDOW_COLUMNS, "windows")
    return df.sort_values(["file", "start_s"], kind="stable").reset_index(drop=True)


def pick_recording(windows: pd.DataFrame, file: str | None = None) -> str:
    """The one recording of a windows table that a trace is drawn for.

    Parameters
    ----------
    windows : pd.DataFrame from :func:`read_windows`
    file : the recording (a ``file`` value of the table); None when the table holds one only

    Returns
    -------
    str, ``file``, or the table's only recording when ``file`` is None

    Raises
    ------
    ParameterError
        ``file`` is None and the table holds no recording or several; or ``file`` is not in it
    """
    files = windows["file"].unique()
    if file is None:
        if len(files) != 1:
            raise ParameterError(f"the windows hold {len(files)} recordings: pick one with file= (e.g. {files[:3].tolist()})")
        return str(files[0])
    if file not in set(files):
        raise ParameterError(f"file={file!r} is not in the windows table (it has {files[:3].tolist()}...)")
    return file


def read_manifest_json(path: str | Path) -> Any:
    """A run manifest (``run.json``) as JSON, read as it is.

    Parameters
    ----------
    path : the run's ``run.json``

    Returns
    -------
    The parsed JSON: a dict for a birdscan manifest (see :func:`birdscan.tables.run_manifest`);
    callers check the keys they read

    Raises
    ------
    FormatError
        the file cannot be read or is not JSON
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise FormatError(_not_a_manifest(path, e)) from e


def read_manifest(path: str | Path) -> pd.DataFrame:
    """The recordings of a run manifest.

    Parameters
    ----------
    path : the run's ``run.json``

    Returns
    -------
    pd.DataFrame, one row per entry of its ``files``: ``file, path, status`` (``ok`` when not
    given), ``duration_s`` (seconds; NaN when unknown), ``recording_start`` (ISO 8601; None or
    NaN when unknown: test it with ``pd.isna``)
    """
    keys = ("file", "path", "status", "duration_s", "recording_start")
    manifest = read_manifest_json(path)
    try:
        rows = [(f["file"], *(f.get(k) for k in keys[1:])) for f in manifest["files"]]
    except (KeyError, TypeError) as e:
        raise FormatError(_not_a_manifest(path, e)) from e
    df = pd.DataFrame(rows, columns=list(keys))
    df["status"] = df["status"].fillna("ok")
    df["duration_s"] = pd.to_numeric(df["duration_s"], errors="coerce")
    return df


def _not_a_manifest(path: str | Path, e: Exception) -> str:
    return f"{path}: not a birdscan run.json ({type(e).__name__}: {e})"


def manifest_next_to(detections: str | Path | pd.DataFrame) -> Path | None:
    """The run manifest ``birdscan run`` wrote next to a detections file.

    Parameters
    ----------
    detections : the detections CSV (a DataFrame has no neighbours: None)

    Returns
    -------
    Path of its ``run.json``, or None when there is none
    """
    if isinstance(detections, pd.DataFrame):
        return None
    path = manifest_path(detections)
    return path if path.is_file() else None


def audio_locator(detections: str | Path | pd.DataFrame, audio_root: str | Path | None = None,
                  manifest: str | Path | None = None) -> Callable[[str], Path | None]:
    """Where the recording of each ``file`` value of a run's outputs is.

    Parameters
    ----------
    detections : the run's detections CSV (its ``run.json`` is looked for next to it)
    audio_root : folder the ``file`` values are relative to; None takes each recording's
        path from the run manifest
    manifest : the run's ``run.json`` when it is not next to ``detections``

    Returns
    -------
    A function ``file -> Path`` (None for a file the manifest does not list).
    """
    if audio_root is not None:
        root = Path(audio_root)
        return lambda file: root / file
    manifest = manifest or manifest_next_to(detections)
    if manifest is None:
        raise ParameterError("audio_root=None and no run.json next to the detections: give audio_root")
    files = read_manifest(manifest)
    paths = {f: Path(p) for f, p in zip(files["file"], files["path"]) if isinstance(p, str) and p}
    return paths.get


def _read_table(source: str | Path | pd.DataFrame, required: list[str], what: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        df, path = source.copy(), f"<{what} DataFrame>"
    else:
        path = source
        df = read_csv(Path(source), dtype={"file": str, "start_time": str, "call_type": str})
        if "file" in df.columns:  # the cells birdscan neutralised against formula injection
            df["file"] = df["file"].astype(str).map(from_csv_cell)
    require_columns(df, required, path)
    for c in required[1:]:
        df[c] = numeric_column(df, c, path)
    df["file"] = df["file"].astype(str).str.replace("\\", "/", regex=False).str.strip()
    return df

