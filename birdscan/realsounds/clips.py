"""Clips a listener reviewed (``--extra``): ``call/`` and ``not_call/`` folders or a label CSV,
cut into training windows."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from ..errors import AudioError, DataError
from .noise import audio_files, load_mono

POSITIVE_DIRS = ("call", "1")
NEGATIVE_DIRS = ("not_call", "0")
_LABELS = {"1": 1, "call": 1, "true": 1, "yes": 1, "0": 0, "not_call": 0, "false": 0, "no": 0}


@dataclass
class LabelledClips:
    """Windows cut from reviewed clips: ``waves`` (n, window) float32, ``labels`` (n,) 0/1,
    ``freq_hz`` (n,) call centre frequency (0 when unknown), ``sources`` (n,) the clip file."""

    waves: np.ndarray
    labels: np.ndarray
    freq_hz: np.ndarray
    sources: list[str]


def _label(value: str, where: str) -> int:
    key = str(value).strip().lower()
    if key not in _LABELS:
        raise DataError(f"{where}: label {value!r} is not one of call/not_call/1/0")
    return _LABELS[key]


def _listed(folder: Path) -> list[tuple[Path, int, float]]:
    """Clips and labels from ``call/``+``not_call/`` (or ``1/``+``0/``) subfolders and CSVs."""
    items: list[tuple[Path, int, float]] = []
    for names, label in ((POSITIVE_DIRS, 1), (NEGATIVE_DIRS, 0)):
        for name in names:
            sub = folder / name
            if sub.is_dir():
                items += [(p, label, 0.0) for p in audio_files(sub)]
    for table in sorted(folder.glob("*.csv")):
        with open(table, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            cols = [c.strip().lower() for c in (reader.fieldnames or [])]
            if "file" not in cols or "label" not in cols:
                raise DataError(f"{table}: a label table needs the columns file,label (optional freq_hz); found {cols}")
            for line, row in enumerate(reader, 2):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                where = f"{table}, line {line}"
                path = (folder / row["file"]).resolve()
                if not path.is_file():
                    raise DataError(f"{where}: clip {row['file']!r} does not exist (paths are relative to {folder})")
                freq = row.get("freq_hz") or "0"
                try:
                    freq_hz = float(freq)
                except ValueError as e:
                    raise DataError(f"{where}: freq_hz {freq!r} is not a number of Hz") from e
                items.append((path, _label(row["label"], where), freq_hz))
    return items


def read_labelled(folder: str | Path, sr: int = SAMPLE_RATE, window: int = CLIP_SAMPLES) -> LabelledClips:
    """Read reviewed clips into training windows.

    Layout: ``folder/call/`` and ``folder/not_call/`` (also ``1/`` and ``0/``) of audio clips
    of any format, rate, channel count and length, and/or CSV tables in ``folder`` with
    columns ``file,label[,freq_hz]`` (paths relative to ``folder``; labels call/not_call/1/0).

    A ``call`` clip gives its centre window (clip export centres the call); a ``not_call``
    clip gives every whole window and its padded tail; a clip shorter than a window is
    centred and zero-padded.

    Parameters
    ----------
    folder : str or Path, the folder of reviewed clips
    sr : int, Hz, the model rate the clips are resampled to
    window : int, samples per window

    Returns
    -------
    LabelledClips, windows in the order listed (positive folders, negative folders, then the CSVs);
    a ``not_call`` clip's tail is kept when it holds at least a fifth of a window

    Raises
    ------
    DataError naming the file for an empty or malformed folder, an undecodable clip or a
    bad label.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder of reviewed clips (expected call/ and not_call/ in it)")
    items = _listed(folder)
    if not items:
        stray = [p.name for p in folder.iterdir()][:5]
        raise DataError(f"{folder}: no clips found; put them in call/ and not_call/ (or 1/ and 0/), "
                        f"or list them in a CSV file,label (found {stray})")
    waves, labels, freqs, sources = [], [], [], []
    for path, label, freq in items:
        try:
            x = load_mono(path, sr)
        except AudioError as e:
            raise DataError(f"{path}: not a readable audio clip ({e})") from e
        if x.size == 0:
            raise DataError(f"{path}: clip holds no samples")
        for w in (_centre(x, window) if label else _tiles(x, window)):
            waves.append(w)
            labels.append(label)
            freqs.append(freq if label else 0.0)
            sources.append(str(path))
    return LabelledClips(np.stack(waves).astype(np.float32), np.asarray(labels, np.float32),
                         np.asarray(freqs, np.float32), sources)


def _centre(x: np.ndarray, n: int) -> list[np.ndarray]:
    if x.size >= n:
        s = (x.size - n) // 2
        return [x[s: s + n]]
    left = (n - x.size) // 2
    return [np.pad(x, (left, n - x.size - left))]


def _tiles(x: np.ndarray, n: int) -> list[np.ndarray]:
    if x.size <= n:
        return _centre(x, n)
    out = [x[s: s + n] for s in range(0, x.size - n + 1, n)]
    tail = x.size % n
    if tail >= n // 5:
        out.append(np.pad(x[-tail:], (0, n - tail)))
    return out
