"""Matching detections to reference calls, and precision/recall over detection thresholds.

A detection (its peak time) matches a reference call (its centre) when they are at most
``tolerance`` seconds apart; each call and each detection is used at most once, and the
number of matches is the largest possible (a maximum bipartite matching).
:func:`pr_curve` scores "peak of each run of windows above threshold" detectors on the
window probabilities of a run, one threshold at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd


@dataclass
class PRCurve:
    """Precision and recall over detection thresholds on the window probabilities.

    ``thresholds`` ascending, shape (k,); the other arrays have the same shape.
    ``auprc`` is the all-point interpolated average precision (precision at recall r taken
    as the best precision at any recall >= r); ``best_threshold`` maximises F1.
    """

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    auprc: float
    best_threshold: float
    best_f1: float

    def to_frame(self) -> pd.DataFrame:
        """The curve as a table.

        Returns
        -------
        pd.DataFrame, one row per threshold: ``threshold, precision, recall, f1, tp, fp, fn``
        """
        return pd.DataFrame({"threshold": self.thresholds, "precision": self.precision, "recall": self.recall,
                             "f1": self.f1, "tp": self.tp, "fp": self.fp, "fn": self.fn})


def match_events(reference_s, detection_s, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Largest one-to-one matching of detections to reference times within ``tolerance``:
    a maximum bipartite matching (``mir_eval.util.match_events``, the usual choice for event
    scoring), pairs where ``|reference - detection| <= tolerance``.

    Parameters
    ----------
    reference_s : np.ndarray [shape=(n,)], seconds
    detection_s : np.ndarray [shape=(m,)], seconds
    tolerance : float >= 0, seconds

    Returns
    -------
    (ref_idx, det_idx) : np.ndarray [shape=(k,)] each, indices of the matched pairs, by reference
    """
    from mir_eval.util import match_events as maximum_matching

    ref, det = np.asarray(reference_s, dtype=float), np.asarray(detection_s, dtype=float)
    if ref.size == 0 or det.size == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    pairs = maximum_matching(ref, det, tolerance)
    return (np.array([i for i, _ in pairs], dtype=int), np.array([j for _, j in pairs], dtype=int))


def run_peaks(prob: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of the maximum of each run of consecutive ``prob >= threshold`` (first on ties).

    Parameters
    ----------
    prob : np.ndarray [shape=(n,)], window probabilities in time order
    threshold : float in [0, 1]

    Returns
    -------
    np.ndarray [shape=(k,), dtype=int], ascending indices into ``prob``, one per run

    Examples
    --------
    >>> run_peaks(np.array([0.1, 0.6, 0.9, 0.7, 0.2, 0.8]), 0.5).tolist()
    [2, 5]
    """
    idx = np.flatnonzero(prob >= threshold)
    if idx.size == 0:
        return idx
    new_run = np.diff(idx, prepend=-2) > 1
    run_id = np.cumsum(new_run) - 1
    values = prob[idx]
    run_max = np.maximum.reduceat(values, np.flatnonzero(new_run))
    at_max = np.flatnonzero(values == run_max[run_id])
    _, first = np.unique(run_id[at_max], return_index=True)
    return idx[at_max[first]]


def pr_curve(
    windows: pd.DataFrame,
    reference: Mapping[str, pd.DataFrame],
    files: Sequence[str],
    tolerance: float,
    thresholds: int | Sequence[float] = 200,
) -> PRCurve:
    """Precision/recall of "peak of each run of windows above threshold" detectors.

    Parameters
    ----------
    windows : DataFrame ``file, start_s, end_s, prob`` sorted by file and time
    reference : {file: DataFrame with ``centre_s``}; the calls of each scored file
    files : the scored files (a file with no windows misses all its calls)
    tolerance : float > 0, seconds between a detection's peak (its window's centre) and a call's centre
    thresholds : int >= 2 (about that many, half at quantiles of the local maxima of the
        probabilities, half evenly spaced between them) or the thresholds, in [0, 1]

    Returns
    -------
    PRCurve, one entry per threshold (ascending)
    """
    wanted = set(files)
    by_file = {f: g for f, g in windows.groupby("file", sort=False) if f in wanted}
    centres = {f: ((g["start_s"] + g["end_s"]) / 2).to_numpy() for f, g in by_file.items()}
    probs = {f: g["prob"].to_numpy(dtype=float) for f, g in by_file.items()}
    if isinstance(thresholds, int):
        thresholds = _candidate_thresholds(list(probs.values()), thresholds)
    thresholds = np.asarray(thresholds, dtype=float)
    n_ref = sum(len(reference[f]) for f in files)
    tp, n_det = np.zeros(len(thresholds), dtype=int), np.zeros(len(thresholds), dtype=int)
    for f in by_file:
        ref_s = reference[f]["centre_s"].to_numpy()
        for k, t in enumerate(thresholds):
            peaks = run_peaks(probs[f], t)
            tp[k] += len(match_events(ref_s, centres[f][peaks], tolerance)[0])
            n_det[k] += len(peaks)
    fp, fn = n_det - tp, n_ref - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / n_det
        recall = tp / n_ref if n_ref else np.full(len(tp), np.nan)
        f1 = 2 * tp / (2 * tp + fp + fn)
    best = len(f1) - 1 - int(np.nanargmax(f1[::-1])) if np.isfinite(f1).any() else 0
    return PRCurve(thresholds, precision, recall, f1, tp, fp, fn, _average_precision(precision, recall),
                   float(thresholds[best]) if len(thresholds) else math.nan, float(np.nan_to_num(f1[best])))


def _candidate_thresholds(probs: list[np.ndarray], n: int) -> np.ndarray:
    # a run (hence a detection) starts only where the threshold passes a local maximum; half
    # the thresholds follow their distribution, half are evenly spaced for the rare high ones
    maxima = []
    for p in probs:
        left, right = np.r_[-np.inf, p[:-1]], np.r_[p[1:], -np.inf]
        maxima.append(p[(p >= left) & (p >= right)])
    values = np.unique(np.concatenate(maxima)) if maxima else np.array([])
    if len(values) > n:
        even = np.linspace(values[0], values[-1], n - n // 2)
        values = np.unique(np.r_[np.quantile(values, np.linspace(0, 1, n // 2)), even])
    return values if len(values) else np.array([0.5])


def _average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    ok = np.isfinite(precision) & np.isfinite(recall)
    order = np.argsort(recall[ok], kind="stable")
    r, p = recall[ok][order], precision[ok][order]
    if r.size == 0:
        return math.nan if not np.isfinite(recall).any() else 0.0
    best_after = np.maximum.accumulate(p[::-1])[::-1]
    return float(np.sum(np.diff(r, prepend=0.0) * best_after))

