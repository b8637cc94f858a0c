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

:func:`recording_table` then lists every recording on either side with its status.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import FormatError, ParameterError
from ..tables import DETECTION_COLUMNS, REFERENCE_COLUMNS, WINDOW_COLUMNS, from_csv_cell, is_audio_name, manifest_path
STATUSES = ("ok", "reference_only", "detections_only", "run_error")
_TABLE_SUFFIX = re.compile(r"(\.Table\.\d+)?\.selections\.txt$|\.(txt|csv|tsv)$", re.IGNORECASE)


def require_file(option: str, path: str | Path) -> Path:
    """Return ``Path(path)``; raise :class:`ParameterError` naming ``option`` when it is no file."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{option}={str(path)!r}: no such file")
    return path


def read_detections(detections: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read a detections CSV of ``birdscan run`` (a header-only file gives zero rows)."""
    df = _read_table(detections, DETECTION_COLUMNS[:5], "detections")
    if "start_time" not in df.columns:
        df["start_time"] = None
    return df


def read_windows(windows: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read a windows CSV (``.csv`` or ``.csv.gz``: ``file,start_s,end_s,prob``), sorted by file and time."""
    df = _read_table(windows, WINDOW_COLUMNS, "windows")
    return df.sort_values(["file", "start_s"], kind="stable").reset_index(drop=True)


def read_manifest(path: str | Path) -> pd.DataFrame:
    """The ``files`` of a ``run.json``: columns ``file, path, status, duration_s, recording_start``."""
    keys = ("file", "path", "status", "duration_s", "recording_start")
    try:
        files = json.loads(Path(path).read_text(encoding="utf-8"))["files"]
        rows = [(f["file"], *(f.get(k) for k in keys[1:])) for f in files]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise FormatError(f"{path}: not a birdscan run.json ({type(e).__name__}: {e})") from e
    df = pd.DataFrame(rows, columns=list(keys))
    df["status"] = df["status"].fillna("ok")
    df["duration_s"] = pd.to_numeric(df["duration_s"], errors="coerce")
    return df


def manifest_next_to(detections: str | Path | pd.DataFrame) -> Path | None:
    """The run manifest ``birdscan run`` wrote next to a detections file, or None."""
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
    key = _TABLE_SUFFIX.sub("", _posix(name or path.name))
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
    """Read reference files into one table; a folder gives every ``.txt``/``.csv``/``.tsv`` in its tree,
    keyed by their path inside it (see :func:`read_reference`)."""
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
    """Like :func:`read_references`, keeping which file annotates which recordings."""
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


def match_reference_files(
    keys: Iterable[str], files: Iterable[str], file_map: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """Map each reference key to one detections ``file`` (or None when nothing matches).

    Rules, tried in order; the first that gives any candidate decides, and more than one
    candidate is an error (resolve it with ``file_map``):

    1. ``file_map[key]``, when given;
    2. same path (``\\`` read as ``/``);
    3. same path, ignoring case and audio extensions (``unit03/a`` ~ ``unit03/a.wav``);
    4. one path ends with the other, on whole components (``D:/night/unit03/a.wav`` ~ ``unit03/a.wav``),
       ignoring case and audio extensions;
    5. same name, ignoring case and audio extension (``a`` ~ ``unit03/a.wav``);
    6. the key's name is a word of the file's path (``unit03`` ~ ``BirdVox-full-night_flac-audio_unit03.flac``
       or ``unit03/night1.wav``), ignoring case; words are bounded by anything but letters and digits.
    """
    file_map = dict(file_map or {})
    files = sorted(set(files))
    bare = {f: _drop_ext(f).lower() for f in files}
    by_path: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    for f in files:
        by_path.setdefault(bare[f], []).append(f)
        by_stem.setdefault(_stem(f), []).append(f)
    out: dict[str, str | None] = {}
    for key in keys:
        if key in file_map:
            out[key] = _posix(file_map[key])
            continue
        k = _posix(key)
        kk = _drop_ext(k).lower()
        word = re.compile(rf"(?<![a-z0-9]){re.escape(_stem(k))}(?![a-z0-9])")
        rules = (
            lambda: [k] if k in bare else [],
            lambda: by_path.get(kk, []),
            lambda: [f for f in files if bare[f].endswith("/" + kk) or kk.endswith("/" + bare[f])],
            lambda: by_stem.get(_stem(k), []),
            lambda: [f for f in files if word.search(bare[f])],
        )
        out[key] = None
        for rule in rules:
            hits = rule()
            if len(hits) > 1:
                raise ParameterError(
                    f"reference {key!r} matches {len(hits)} recordings ({', '.join(hits[:5])}); "
                    "pass file_map={reference: file} to choose one"
                )
            if hits:
                out[key] = hits[0]
                break
    return out


def recording_table(det, ref, man, win, file_map=None, keys=None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every recording on either side, and how reference keys map to them.

    Parameters
    ----------
    det, ref, man, win : detections, references (keys in ``file``), run.json files (or None),
        windows (or None), as read by this module's readers
    file_map : see :func:`match_reference_files`
    keys : every reference key, also of tables without calls (default: those in ``ref``)

    Returns
    -------
    (table, keymap): ``table`` has columns ``file, reference`` (its keys, ``"; "``-joined),
    ``status, scored, duration_s`` (from run.json, else the last window's end, else NaN);
    status is ``ok``, ``reference_only`` (reference key matching no recording of the run),
    ``detections_only`` (recording with no reference) or ``run_error`` (failed in the run);
    the rows with a reference are ``scored``. ``keymap`` maps each key to its recording
    (an unmatched key to itself).
    """
    run_files = set(det["file"])
    durations: dict[str, float] = {}
    errors: set[str] = set()
    if win is not None:
        run_files |= set(win["file"])
        durations.update(win.groupby("file")["end_s"].max().to_dict())
    if man is not None:
        run_files |= set(man["file"])
        durations.update({f: d for f, d in zip(man["file"], man["duration_s"]) if np.isfinite(d)})
        errors = set(man.loc[~man["status"].isin(["ok", "partial"]), "file"])
    matched = match_reference_files(list(dict.fromkeys([*(keys or []), *ref["file"]])), run_files, file_map)
    keymap = {k: v or k for k, v in matched.items()}  # an unmatched reference keeps its own name
    keys_of: dict[str, list[str]] = {}
    for k, f in sorted(keymap.items()):
        keys_of.setdefault(f, []).append(k)
    rows = []
    for f in sorted(run_files | set(keymap.values())):
        keys = keys_of.get(f, [])
        if f not in run_files:
            status = "reference_only"
        else:
            status = "run_error" if f in errors else "ok" if keys else "detections_only"
        rows.append((f, "; ".join(keys), status, bool(keys), durations.get(f, math.nan)))
    return pd.DataFrame(rows, columns=["file", "reference", "status", "scored", "duration_s"]), keymap


def _read_raven(path: Path, key: str) -> pd.DataFrame:
    df = _read_csv(path, sep="\t")
    _require(df, ["Begin Time (s)", "End Time (s)"], path)
    if "Selection" in df.columns:  # Raven repeats each selection once per view
        spectro_first = df.get("View", pd.Series("", index=df.index)).astype(str).str.startswith("Spectrogram")
        df = df.assign(_s=~spectro_first).sort_values("_s", kind="stable").drop_duplicates("Selection")
        df = df.sort_index()
    begin, end = _numeric(df, "Begin Time (s)", path), _numeric(df, "End Time (s)", path)
    file_col = next((c for c in ("Begin Path", "Begin File") if c in df.columns and len(df) and df[c].notna().all()
                     and (df[c].astype(str).str.strip() != "").all()), None)
    if file_col is None:
        keys: list[str] | str = key
    else:
        keys = [_posix(str(k)) for k in df[file_col]]
        if "File Offset (s)" in df.columns:
            offset = _numeric(df, "File Offset (s)", path)
            begin, end = offset, offset + (end - begin)
        elif len(set(keys)) > 1:
            raise FormatError(f"{path}: selections from several files ({file_col}) but no 'File Offset (s)' column")
    low = _numeric(df, "Low Freq (Hz)", path) if "Low Freq (Hz)" in df.columns else None
    high = _numeric(df, "High Freq (Hz)", path) if "High Freq (Hz)" in df.columns else None
    return _frame(path, keys, begin, end, low, high)


def _read_birdvox(path: Path, key: str) -> pd.DataFrame:
    df = _read_csv(path)
    t = _numeric(df, "Time (s)", path)
    freq = _numeric(df, "Freq (Hz)", path) if "Freq (Hz)" in df.columns else None
    unit = re.search(r"unit\d+", path.name, re.IGNORECASE)
    return _frame(path, unit.group(0).lower() if unit else key, t, t, freq, freq)


def _read_plain(path: Path) -> pd.DataFrame:
    df = _read_csv(path)
    cols = [_numeric(df, c, path) if c in df.columns else None for c in ("start_s", "end_s", "low_freq_hz", "high_freq_hz")]
    return _frame(path, [_posix(str(f)) for f in df["file"]], *cols)


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


def _read_table(source: str | Path | pd.DataFrame, required: list[str], what: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        df, path = source.copy(), f"<{what} DataFrame>"
    else:
        path = source
        df = _read_csv(Path(source), dtype={"file": str, "start_time": str, "call_type": str})
        if "file" in df.columns:  # the cells birdscan neutralised against formula injection
            df["file"] = df["file"].astype(str).map(from_csv_cell)
    _require(df, required, path)
    for c in required[1:]:
        df[c] = _numeric(df, c, path)
    df["file"] = df["file"].astype(str).str.replace("\\", "/", regex=False).str.strip()
    return df


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise FormatError(f"{path}: empty file, expected a header line") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise FormatError(f"{path}: cannot parse as a table ({e})") from e


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")


def _require(df: pd.DataFrame, columns: list[str], path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise FormatError(f"{path}: missing column(s) {missing}; found {list(df.columns)}")


def _numeric(df: pd.DataFrame, column: str, path) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & df[column].notna().to_numpy()
    if bad.any():
        raise FormatError(f"{path}: column {column!r} has a non-number {df[column][bad].iloc[0]!r}")
    return values


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _posix(path: str) -> str:
    return path.replace("\\", "/").strip()


def _drop_ext(path: str) -> str:
    p = PurePosixPath(path)
    return str(p.with_suffix("")) if is_audio_name(p) else path


def _stem(path: str) -> str:
    return _drop_ext(PurePosixPath(_posix(path)).name).lower()
