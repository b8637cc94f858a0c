"""Pairing reference annotations with the run's recordings.

:func:`match_reference_files` ties each reference key (see :mod:`birdscan.review.references`)
to one recording of a detections table; :func:`recording_table` then lists every recording
on either side with its status.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .csvio import posix
from ..errors import ParameterError
from ..tables import is_audio_name

STATUSES = ("ok", "reference_only", "detections_only", "run_error")


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

    Parameters
    ----------
    keys : reference keys (the ``file`` values of :func:`birdscan.review.references.read_reference`)
    files : the ``file`` values of the run (detections, windows, run.json)
    file_map : {reference key: detections file}, tried first

    Returns
    -------
    dict {key: file or None}, in the order of ``keys``

    Raises
    ------
    ParameterError
        when a rule gives more than one candidate for a key

    Examples
    --------
    >>> match_reference_files(["unit03"], ["BirdVox-full-night_flac-audio_unit03.flac", "unit05.flac"])
    {'unit03': 'BirdVox-full-night_flac-audio_unit03.flac'}
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
            out[key] = posix(file_map[key])
            continue
        k = posix(key)
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


def _drop_ext(path: str) -> str:
    p = PurePosixPath(path)
    return str(p.with_suffix("")) if is_audio_name(p) else path


def _stem(path: str) -> str:
    return _drop_ext(PurePosixPath(posix(path)).name).lower()

