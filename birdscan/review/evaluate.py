"""Score detections against reference annotations: one-to-one matching, precision, recall, PR curve.

A detection (its ``peak_s``) matches a reference call (its centre) when they are at most
``tolerance`` seconds apart; each call and each detection is used at most once, and the
number of matches is the largest possible.

Which recordings are scored: every recording a reference file annotates, also when the
file lists no calls (a table with its header and no rows says "annotated, no calls": every
detection there is a false alarm). A reference whose recording is not in the run (not in
the detections, the ``run.json`` or the windows) is reported as ``reference_only`` and its
calls count as misses; a recording with no reference is reported as ``detections_only``
and left out of the totals (nobody said what it holds). Both, and two reference files
tied to one recording, are listed in ``warnings`` (errors with ``strict=True``). See
:func:`birdscan.review.references.match_reference_files` for how reference files are tied
to recordings, and :mod:`birdscan.review.matching` for the matching and the PR curve.

Frequency (:mod:`birdscan.review.frequency`): when both a matched call and its detection have a frequency (the reference's
``Freq (Hz)`` or the centre of its Low/High Freq band; the detection's ``freq_hz`` from a
model with a frequency head), the error in semitones (``12 * |log2(detected / reference)|``)
and the call type (``thrush`` below ``type_boundary`` Hz, ``tseep`` above) are scored: the
median error and the type accuracy, per file and overall.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .pairing import STATUSES, recording_table
from .references import load_references
from .runs import manifest_next_to, read_detections, read_manifest, read_windows, require_file
from .frequency import detection_freq_and_type, frequency_scores, reference_freq
from .matching import PRCurve, match_events, pr_curve, run_peaks
from ..calltypes import TYPE_BOUNDARY_HZ, call_type, semitones
from ..errors import ParameterError, ReferenceMismatch
from ..files import atomic_open

__all__ = ["evaluate", "EvaluationResult", "ReferenceMismatch", "PRCurve", "match_events", "run_peaks", "pr_curve",
           "call_type", "semitones", "TYPE_BOUNDARY_HZ"]


@dataclass
class EvaluationResult:
    """What :func:`evaluate` found.

    per_file : one row per recording or unmatched reference: ``file, reference, status, scored,
        n_reference, n_detections, tp, fp, fn, precision, recall, f1, duration_s,
        false_alarms_per_hour`` (status one of ``ok, reference_only, detections_only, run_error``)
    overall : totals over the scored rows (``tp, fp, fn, precision, recall, f1,
        false_alarms_per_hour, ...``; ``auprc, best_threshold, best_f1`` with windows;
        ``n_freq, freq_error_st, type_accuracy`` over all matched calls with both frequencies)
    matches : one row per outcome: ``file, outcome (tp|fp|fn), peak_s, centre_s, max_prob,
        reference_freq_hz, detection_freq_hz, reference_type, detection_type``
    pr : the PR curve when windows were given
    warnings : what did not pair up: references matching no recording, recordings with no
        reference, two references for one recording
    """

    per_file: pd.DataFrame
    overall: dict[str, float | int]
    matches: pd.DataFrame
    pr: PRCurve | None = None
    tolerance: float = 0.25
    warnings: list[str] | None = None

    def to_json(self, path: str | Path | None = None) -> str:
        """The result as JSON.

        Parameters
        ----------
        path : str, Path or None, also write it there (atomically, with a final line break)

        Returns
        -------
        str, indented JSON of ``birdscan_version``, ``overall``, ``warnings``, ``per_file`` and
        ``pr_curve`` (columns of :meth:`PRCurve.to_frame`, or null); NaN as null
        """
        from .._version import __version__

        doc = {
            "birdscan_version": __version__,
            "overall": self.overall,
            "warnings": list(self.warnings or []),
            "per_file": self.per_file.astype(object).to_dict("records"),
            "pr_curve": None if self.pr is None else self.pr.to_frame().to_dict("list"),
        }
        text = json.dumps(_nan_to_none(doc), indent=2, allow_nan=False)
        if path is not None:
            with atomic_open(path) as f:
                f.write(text + "\n")
        return text


def evaluate(
    detections: str | Path | pd.DataFrame,
    reference: str | Path | Sequence[str | Path],
    windows: str | Path | pd.DataFrame | None = None,
    tolerance: float = 0.25,
    manifest: str | Path | None = None,
    file_map: Mapping[str, str] | None = None,
    thresholds: int | Sequence[float] = 200,
    type_boundary: float = TYPE_BOUNDARY_HZ,
    strict: bool = False,
) -> EvaluationResult:
    """Score a detections table against reference annotations.

    Parameters
    ----------
    detections : detections CSV of ``birdscan run`` (or its DataFrame)
    reference : annotation files or folders of them (Raven, BirdVox-full-night CSV,
        Audacity labels, plain CSV; see :mod:`birdscan.review.references`)
    windows : windows CSV (``.csv``/``.csv.gz``) of the same run, for the PR curve and durations
    tolerance : float > 0, seconds between a detection's peak and a call's centre
    manifest : the run's ``run.json``; default: the one next to ``detections``, if any.
        Gives durations (false alarms per hour) and the recordings with no detections.
    file_map : {reference key: detections file} for names the matching rules get wrong
    thresholds : int >= 2 (about that many thresholds: half at quantiles of the local maxima
        of the window probabilities, half evenly spaced between them) or the thresholds, in [0, 1]
    type_boundary : float > 0, Hz: thrush-type calls below, tseep calls above
    strict : raise :class:`ReferenceMismatch` instead of warning when a reference matches no
        recording, a recording has no reference or two references name one recording

    Returns
    -------
    EvaluationResult

    Raises
    ------
    ReferenceMismatch
        with ``strict``, when references and recordings do not pair up

    Examples
    --------
    >>> r = evaluate("out/detections.csv", ["BirdVox-full-night_csv-annotations_unit03.csv"])  # doctest: +SKIP
    >>> r.overall["f1"]  # doctest: +SKIP
    """
    refs, thresholds = _validate(detections, reference, windows, tolerance, manifest, file_map, thresholds, type_boundary)
    det = read_detections(detections)
    manifest = manifest or manifest_next_to(detections)
    man = read_manifest(manifest) if manifest else None
    win = read_windows(windows) if windows is not None else None
    loaded = load_references(refs)
    ref = loaded.calls

    table, keymap = recording_table(det, ref, man, win, file_map, keys=loaded.keys)
    warnings = _mismatches(table, loaded.sources, keymap)
    if strict and warnings:
        raise ReferenceMismatch("; ".join(warnings) + " (strict)")
    ref = ref.assign(file=ref["file"].map(keymap))
    scored = table.loc[table["scored"], "file"].tolist()
    det_by, ref_by = _split(det, scored), _split(ref, scored)

    rows, matches = [], []
    for f in scored:
        d, r = det_by[f], ref_by[f]
        ri, di = match_events(r["centre_s"].to_numpy(), d["peak_s"].to_numpy(), tolerance)
        rows.append((f, len(ri), len(d) - len(ri), len(r) - len(ri)))
        matches.append(_outcomes(f, d, r, ri, di, type_boundary))
    counts = pd.DataFrame(rows, columns=["file", "tp", "fp", "fn"])
    match_table = pd.concat(matches, ignore_index=True) if matches else _outcomes("", det.iloc[:0], ref.iloc[:0], [], [], type_boundary)
    per_file = _per_file(table, det, ref, counts, match_table)
    overall = _overall(per_file, tolerance, match_table)
    pr = None
    if win is not None:
        pr = pr_curve(win, ref_by, scored, tolerance, thresholds)
        overall.update(auprc=pr.auprc, best_threshold=pr.best_threshold, best_f1=pr.best_f1)
    return EvaluationResult(per_file, overall, match_table, pr, tolerance, warnings)


def _split(df: pd.DataFrame, files: Sequence[str]) -> dict[str, pd.DataFrame]:
    groups = dict(tuple(df.groupby("file", sort=False)))
    return {f: groups.get(f, df.iloc[:0]) for f in files}


def _outcomes(f: str, d: pd.DataFrame, r: pd.DataFrame, ri, di, boundary: float) -> pd.DataFrame:
    """One row per matched pair (tp), unmatched detection (fp) and missed call (fn)."""
    ri, di = np.asarray(ri, dtype=int), np.asarray(di, dtype=int)
    fp, fn = np.setdiff1d(np.arange(len(d)), di), np.setdiff1d(np.arange(len(r)), ri)
    ref_freq = reference_freq(r)
    det_freq, det_type = detection_freq_and_type(d, boundary)
    det_cols = {"peak_s": d["peak_s"].to_numpy(dtype=float), "max_prob": d["max_prob"].to_numpy(dtype=float),
                "detection_freq_hz": det_freq, "detection_type": det_type}
    ref_cols = {"centre_s": r["centre_s"].to_numpy(dtype=float), "reference_freq_hz": ref_freq,
                "reference_type": call_type(ref_freq, boundary)}
    blank = {"peak_s": np.nan, "max_prob": np.nan, "detection_freq_hz": np.nan, "detection_type": "",
             "centre_s": np.nan, "reference_freq_hz": np.nan, "reference_type": ""}
    parts = []
    for outcome, det, ref in (("tp", di, ri), ("fp", fp, None), ("fn", None, fn)):
        n = len(det if det is not None else ref)
        cols = {c: np.full(n, v, dtype=object if v == "" else float) for c, v in blank.items()}
        cols.update({c: v[det] for c, v in det_cols.items()} if det is not None else {})
        cols.update({c: v[ref] for c, v in ref_cols.items()} if ref is not None else {})
        parts.append(pd.DataFrame({"file": f, "outcome": outcome, **cols}))
    columns = ["file", "outcome", "peak_s", "centre_s", "max_prob", "reference_freq_hz", "detection_freq_hz",
               "reference_type", "detection_type"]
    return pd.concat(parts, ignore_index=True)[columns]


def _mismatches(table: pd.DataFrame, sources: list[tuple[str, list[str]]], keymap: Mapping[str, str]) -> list[str]:
    """What did not pair up between reference files and the run's recordings, as sentences."""
    def some(names: list[str]) -> str:
        return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    out = []
    unmatched = table.loc[table["status"] == "reference_only", "file"].tolist()
    if unmatched:
        out.append(f"{len(unmatched)} reference(s) match no recording of the run, their calls count as misses: {some(unmatched)}")
    bare = table.loc[table["status"] == "detections_only", "file"].tolist()
    if bare:
        out.append(f"{len(bare)} recording(s) have no reference and are not scored: {some(bare)}")
    by_recording: dict[str, list[str]] = {}
    for src, keys in sources:
        for rec in dict.fromkeys(keymap.get(k, k) for k in keys):
            by_recording.setdefault(rec, []).append(src)
    twice = {rec: srcs for rec, srcs in by_recording.items() if len(srcs) > 1}
    if len(twice) == 1:
        ((rec, srcs),) = twice.items()
        out.append(f"{rec} is annotated by {len(srcs)} reference files ({some(srcs)}); their calls are pooled")
    elif twice:
        rec, srcs = next(iter(twice.items()))
        out.append(f"{len(twice)} recordings are annotated by more than one reference file, their calls pooled "
                   f"(e.g. {rec}: {some(srcs)}); give each recording's calls once (e.g. the per-recording "
                   "tables or a combined table, not both)")
    return out


def _per_file(table, det, ref, counts, matches) -> pd.DataFrame:
    t = table.copy()
    t["n_reference"] = t["file"].map(ref["file"].value_counts()).fillna(0).astype(int)
    t["n_detections"] = t["file"].map(det["file"].value_counts()).fillna(0).astype(int)
    t = t.merge(counts, on="file", how="left").astype({"tp": "Int64", "fp": "Int64", "fn": "Int64"})
    tp, fp, fn = (t[c].astype(float) for c in ("tp", "fp", "fn"))
    with np.errstate(invalid="ignore", divide="ignore"):
        t["precision"], t["recall"] = tp / (tp + fp), tp / (tp + fn)
        t["f1"] = 2 * tp / (2 * tp + fp + fn)
        t["false_alarms_per_hour"] = fp / (t["duration_s"] / 3600)
    freq = {f: frequency_scores(g) for f, g in matches.groupby("file", sort=False)}
    for c in ("n_freq", "freq_error_st", "n_type", "type_accuracy"):
        t[c] = [freq[f][c] if f in freq else (0 if c.startswith("n_") else math.nan) for f in t["file"]]
    cols = ["file", "reference", "status", "scored", "n_reference", "n_detections", "tp", "fp", "fn",
            "precision", "recall", "f1", "duration_s", "false_alarms_per_hour", "n_freq", "freq_error_st", "n_type", "type_accuracy"]
    return t[cols]


def _overall(per_file: pd.DataFrame, tolerance: float, matches: pd.DataFrame) -> dict[str, float | int]:
    s = per_file[per_file["scored"]]
    tp, fp, fn = (int(s[c].sum()) for c in ("tp", "fp", "fn"))
    ok = s[s["status"] == "ok"]
    hours = float(ok["duration_s"].sum() / 3600) if ok["duration_s"].notna().all() else math.nan
    n_status = per_file["status"].value_counts()
    return {
        "tolerance_s": float(tolerance),
        **{f"files_{k}": int(n_status.get(k, 0)) for k in STATUSES},
        "n_reference": tp + fn, "n_detections": tp + fp, "tp": tp, "fp": fp, "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else math.nan,
        "recall": tp / (tp + fn) if tp + fn else math.nan,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan,
        "hours": hours,
        "false_alarms_per_hour": fp / hours if hours > 0 else math.nan,
        **frequency_scores(matches),
    }


def _validate(detections, reference, windows, tolerance, manifest, file_map, thresholds, type_boundary):
    if not isinstance(tolerance, Real) or not math.isfinite(tolerance) or tolerance <= 0:
        raise ParameterError(f"tolerance={tolerance!r} must be a positive number of seconds")
    if not isinstance(type_boundary, Real) or not math.isfinite(type_boundary) or type_boundary <= 0:
        raise ParameterError(f"type_boundary={type_boundary!r} must be a positive frequency in Hz (e.g. 5000)")
    if isinstance(thresholds, Integral) and not isinstance(thresholds, bool):
        thresholds = int(thresholds)
    if isinstance(thresholds, bool) or (isinstance(thresholds, int) and thresholds < 2):
        raise ParameterError(f"thresholds={thresholds!r} must be an int >= 2 or a list of thresholds in [0, 1]")
    if not isinstance(thresholds, int):
        values = np.unique(np.asarray(thresholds, dtype=float))
        if values.size == 0 or not np.all((values >= 0) & (values <= 1)):
            raise ParameterError(f"thresholds={thresholds!r} must be an int >= 2 or a list of thresholds in [0, 1]")
        thresholds = values
    if file_map is not None and not isinstance(file_map, Mapping):
        raise ParameterError(f"file_map={file_map!r} must map reference names to detections files")
    refs = [reference] if isinstance(reference, (str, Path)) else list(reference)
    if not refs:
        raise ParameterError("reference=[]: give at least one annotation file or folder")
    for p in refs:
        if not Path(p).exists():
            raise ParameterError(f"reference={str(p)!r}: no such file or folder")
    for name, value in (("detections", detections), ("windows", windows), ("manifest", manifest)):
        if value is not None and not isinstance(value, pd.DataFrame):
            require_file(name, value)
    return refs, thresholds


def _nan_to_none(x):
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    if isinstance(x, (np.integer, np.bool_)):
        return x.item()
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(x) else float(x)
    return None if x is pd.NA else x
