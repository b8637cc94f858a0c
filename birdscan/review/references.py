"""Tables of events: reference annotations and the outputs of ``birdscan run``.

Reference readers recognise the format from the file's content and all return a
DataFrame with columns ``file, start_s, end_s, centre_s, low_freq_hz,
high_freq_hz`` (seconds from the start of the recording, Hz; NaN when unknown).
``file`` is the reference's *key* for its recording; :func:`match_reference_files`
maps keys to the ``file`` values of a detections table:

========================  ===========================================================
format                    key
========================  ===========================================================
Raven, one recording      the table's name (path inside a reference folder) minus
                          ``.selections.txt``, ``.Table.1.selections.txt``, ...; or its ``Begin File``
Raven, combined           each row's ``Begin Path`` (times from ``File Offset (s)``)
BirdVox-full-night CSV    the ``unitNN`` in the CSV's name (points: start = end = centre)
Audacity label track      the label file's name (path inside a reference folder) minus ``.txt``
plain CSV                 the ``file`` column (``file,start_s,end_s[,low_freq_hz,high_freq_hz]``)
========================  ===========================================================

:func:`birdscan.review.pairing.recording_table` then lists every recording on either side
with its status. The readers of the run's own outputs (:mod:`birdscan.review.runs`) and the
pairing (:mod:`birdscan.review.pairing`) are importable from here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .csvio import numeric_column, posix, read_csv, require_columns
from .pairing import STATUSES, match_reference_files, recording_table
from .runs import audio_locator, manifest_next_to, read_detections, read_manifest, read_windows, require_file
from ..errors import FormatError
from ..tables import REFERENCE_COLUMNS

__all__ = ["read_reference", "read_references", "load_references", "References", "STATUSES", "match_reference_files",
           "recording_table", "audio_locator", "manifest_next_to", "read_detections", "read_manifest", "read_windows",
           "require_file"]
_TABLE_SUFFIX = re.compile(r"(\.Table\.\d+)?\.selections\.txt$|\.(txt|csv|tsv)$", re.IGNORECASE)


def read_reference(path: str | Path, name: str | None = None) -> pd.DataFrame:
    """Read one reference annotation file, recognising its format from the content.

    Parameters
    ----------
    path : a Raven selection table, BirdVox-full-night CSV, Audacity label track or plain CSV
    name : the file's name for the key of a one-recording table (default ``path.name``);
        :func:`read_references` passes the path inside a reference folder, e.g.
        ``unit03/night1.wav.selections.txt`` -> key ``unit03/night1.wav``

    Returns
    -------
    pd.DataFrame with columns ``file, start_s, end_s, centre_s, low_freq_hz, high_freq_hz``,
    ``file`` being the key described in the module docstring.

    Examples
    --------
    >>> read_reference("unit03.Table.1.selections.txt")  # doctest: +SKIP
    """
    path = Path(path)
    key = _TABLE_SUFFIX.sub("", posix(name or path.name))
    text = _read_text(path)
    if "\x00" in text[:4096] or text.startswith(("RIFF", "fLaC", "OggS", "ID3", "FORM")):
        raise FormatError(f"{path}: is a binary (audio?) file, not a reference table; expected a Raven selection "
                          "table, a BirdVox-full-night CSV, an Audacity label track or a CSV with file,start_s,end_s")
    first = next((line for line in text.splitlines() if line.strip()), "")
    tab_fields = [f.strip() for f in first.split("\t")]
    comma_fields = [f.strip() for f in first.split(",")]
    if not first and path.suffix.lower() == ".txt":  # Audacity exports a track without labels so
        df = _frame(path, key, [], [])
    elif not first:
        raise FormatError(f"{path}: empty file; a table of no calls needs its header line")
    elif "Begin Time (s)" in tab_fields:
        df = _read_raven(path, key)
    elif "Time (s)" in comma_fields:
        df = _read_birdvox(path, key)
    elif {"file", "start_s", "end_s"} <= set(comma_fields):
        df = _read_plain(path)
    elif len(tab_fields) >= 2 and _is_number(tab_fields[0]) and _is_number(tab_fields[1]):
        df = _read_audacity(path, text, key)
    else:
        raise FormatError(
            f"{path}: unknown reference format (first line {first[:80]!r}); expected a Raven selection "
            "table, a BirdVox-full-night CSV, an Audacity label track or a CSV with file,start_s,end_s"
        )
    return df


def read_references(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read reference files into one table.

    Parameters
    ----------
    paths : annotation files, or folders: a folder gives every ``.txt``/``.csv``/``.tsv`` in its
        tree (hidden files left out), keyed by their path inside it (see :func:`read_reference`)

    Returns
    -------
    pd.DataFrame with columns ``file, start_s, end_s, centre_s, low_freq_hz, high_freq_hz``
    (seconds, Hz; NaN when unknown), the files' calls in order
    """
    return load_references(paths).calls


@dataclass
class References:
    """Reference calls and the files they came from.

    calls : DataFrame ``file, start_s, end_s, centre_s, low_freq_hz, high_freq_hz`` (``file`` the key)
    sources : ``(reference file, keys)`` per file read: the recordings it annotates, also when it
        lists no calls (a table with a header and no rows says "annotated, no calls")
    """

    calls: pd.DataFrame
    sources: list[tuple[str, list[str]]]

    @property
    def keys(self) -> list[str]:
        """Every recording key annotated, in order of first appearance."""
        return list(dict.fromkeys(k for _, keys in self.sources for k in keys))


def load_references(paths: Iterable[str | Path]) -> References:
    """Like :func:`read_references`, keeping which file annotates which recordings.

    Parameters
    ----------
    paths : annotation files or folders of them

    Returns
    -------
    References: the calls, and the recording keys of each file read (also of tables with no calls)
    """
    frames, sources = [], []
    for p in map(Path, paths):
        if p.is_dir():
            tables = sorted(q for q in p.rglob("*") if q.suffix.lower() in {".txt", ".csv", ".tsv"}
                            and q.is_file() and not q.name.startswith("."))
            found = [(q, read_reference(q, q.relative_to(p).as_posix())) for q in tables]
        else:
            found = [(p, read_reference(p))]
        for q, df in found:
            frames.append(df)
            sources.append((str(q), list(df.attrs.get("keys", dict.fromkeys(df["file"])))))
    calls = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REFERENCE_COLUMNS)
    calls.attrs = {}
    return References(calls, sources)


def _read_raven(path: Path, key: str) -> pd.DataFrame:
    df = read_csv(path, sep="\t")
    require_columns(df, ["Begin Time (s)", "End Time (s)"], path)
    if "Selection" in df.columns:  # Raven repeats each selection once per view
        spectro_first = df.get("View", pd.Series("", index=df.index)).astype(str).str.startswith("Spectrogram")
        df = df.assign(_s=~spectro_first).sort_values("_s", kind="stable").drop_duplicates("Selection")
        df = df.sort_index()
    begin, end = numeric_column(df, "Begin Time (s)", path), numeric_column(df, "End Time (s)", path)
    file_col = next((c for c in ("Begin Path", "Begin File") if c in df.columns and len(df) and df[c].notna().all()
                     and (df[c].astype(str).str.strip() != "").all()), None)
    if file_col is None:
        keys: list[str] | str = key
    else:
        keys = [posix(str(k)) for k in df[file_col]]
        if "File Offset (s)" in df.columns:
            offset = numeric_column(df, "File Offset (s)", path)
            begin, end = offset, offset + (end - begin)
        elif len(set(keys)) > 1:
            raise FormatError(f"{path}: selections from several files ({file_col}) but no 'File Offset (s)' column")
    low = numeric_column(df, "Low Freq (Hz)", path) if "Low Freq (Hz)" in df.columns else None
    high = numeric_column(df, "High Freq (Hz)", path) if "High Freq (Hz)" in df.columns else None
    return _frame(path, keys, begin, end, low, high)


def _read_birdvox(path: Path, key: str) -> pd.DataFrame:
    df = read_csv(path)
    t = numeric_column(df, "Time (s)", path)
    freq = numeric_column(df, "Freq (Hz)", path) if "Freq (Hz)" in df.columns else None
    unit = re.search(r"unit\d+", path.name, re.IGNORECASE)
    return _frame(path, unit.group(0).lower() if unit else key, t, t, freq, freq)


def _read_plain(path: Path) -> pd.DataFrame:
    df = read_csv(path)
    cols = [numeric_column(df, c, path) if c in df.columns else None for c in ("start_s", "end_s", "low_freq_hz", "high_freq_hz")]
    return _frame(path, [posix(str(f)) for f in df["file"]], *cols)


def _read_audacity(path: Path, text: str, key: str) -> pd.DataFrame:
    rows: list[list[float]] = []
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split("\t")
        try:
            if fields[0].strip() == "\\" and rows:  # spectral selection of the label above
                rows[-1][2:] = [float(v) if float(v) >= 0 else np.nan for v in fields[1:3]]
            elif line.strip():
                rows.append([float(fields[0]), float(fields[1]), np.nan, np.nan])
        except (ValueError, IndexError):
            raise FormatError(f"{path}: line {n} {line[:60]!r} is not 'start<TAB>end<TAB>label' (Audacity labels)") from None
    a = np.array(rows, dtype=float).reshape(-1, 4)
    return _frame(path, key, a[:, 0], a[:, 1], a[:, 2], a[:, 3])


def _frame(path: Path, keys, start, end, low=None, high=None) -> pd.DataFrame:
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    if np.any(end < start) or not np.all(np.isfinite(start)):
        raise FormatError(f"{path}: an event ends before it starts or has no start time")
    nan = np.full(len(start), np.nan)
    df = pd.DataFrame({
        "file": keys if not isinstance(keys, str) else [keys] * len(start),
        "start_s": start, "end_s": end, "centre_s": (start + end) / 2,
        "low_freq_hz": nan if low is None else np.asarray(low, dtype=float),
        "high_freq_hz": nan if high is None else np.asarray(high, dtype=float),
    }, columns=REFERENCE_COLUMNS)
    df.attrs["keys"] = [keys] if isinstance(keys, str) else list(dict.fromkeys(keys))
    return df


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


