"""birdscan.review.matching: detections matched to calls one to one (a maximum matching), one peak per
run of windows above threshold, and the PR curve over thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birdscan.review.matching import match_events, pr_curve, run_peaks


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=12), st.lists(st.integers(0, 40), max_size=12), st.integers(0, 6))
def test_match_events_is_a_maximum_matching(ref, det, tol):
    ri, di = match_events(np.array(ref, float), np.array(det, float), float(tol))
    assert len(set(ri)) == len(ri) and len(set(di)) == len(di)
    assert all(abs(ref[i] - det[j]) <= tol for i, j in zip(ri, di))
    assert len(ri) == _brute_force_matching(ref, det, tol)


def _brute_force_matching(ref, det, tol) -> int:
    """Size of a maximum bipartite matching by augmenting paths."""
    owner: dict[int, int] = {}

    def augment(i, seen):
        for j, d in enumerate(det):
            if abs(ref[i] - d) <= tol and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(ref)))


def test_run_peaks_one_per_run():
    p = np.array([0.1, 0.6, 0.9, 0.9, 0.2, 0.7, 0.1, 0.8])
    assert run_peaks(p, 0.5).tolist() == [2, 5, 7]
    assert run_peaks(p, 0.95).tolist() == []


def test_pr_curve_by_hand():
    # windows of 0.5 s every 0.5 s (centres 0.25, 0.75, ..., 2.75); calls at 0.75 and 2.25 in a.wav,
    # and one in b.wav, which was scored but has no windows (a miss at every threshold)
    start = np.arange(6) * 0.5
    windows = pd.DataFrame({"file": "a.wav", "start_s": start, "end_s": start + 0.5,
                            "prob": [0.1, 0.9, 0.2, 0.6, 0.95, 0.3]})
    reference = {"a.wav": pd.DataFrame({"centre_s": [0.75, 2.25]}), "b.wav": pd.DataFrame({"centre_s": [1.0]})}
    pr = pr_curve(windows, reference, ["a.wav", "b.wav"], tolerance=0.1, thresholds=[0.5, 0.92])
    # 0.5: runs [0.9] and [0.6, 0.95] peak at 0.75 and 2.25, both calls of a.wav: tp 2, fp 0, fn 1
    # 0.92: one run, peak 2.25: tp 1, fp 0, fn 2
    assert pr.tp.tolist() == [2, 1] and pr.fp.tolist() == [0, 0] and pr.fn.tolist() == [1, 2]
    assert pr.precision.tolist() == [1.0, 1.0] and pr.recall.tolist() == pytest.approx([2 / 3, 1 / 3])
    assert pr.f1.tolist() == pytest.approx([0.8, 0.5])
    assert (pr.best_threshold, pr.best_f1) == (0.5, pytest.approx(0.8)) and pr.auprc == pytest.approx(2 / 3)
    assert list(pr.to_frame().columns) == ["threshold", "precision", "recall", "f1", "tp", "fp", "fn"]
    # a number of thresholds: a detection starts only where the threshold passes a local maximum
    assert pr_curve(windows, reference, ["a.wav"], tolerance=0.1).thresholds.tolist() == [0.9, 0.95]
