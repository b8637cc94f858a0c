"""birdscan.calltypes: one call-type boundary, one type rule and one semitone error for
detect, review, train and the command line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from birdscan import calltypes
from birdscan.calltypes import CALL_TYPES, TYPE_BOUNDARY_HZ, call_type, semitones


def test_the_rule():
    assert TYPE_BOUNDARY_HZ == 5000.0 and CALL_TYPES == ("thrush", "tseep")
    f = [1000.0, 4999.9, 5000.0, 9000.0, np.nan, 0.0, -3.0, np.inf]
    assert call_type(f).tolist() == ["thrush", "thrush", "tseep", "tseep", "", "", "", ""]
    assert call_type(f, 3000.0).tolist()[:4] == ["thrush", "tseep", "tseep", "tseep"]
    assert call_type([]).dtype == object and call_type([]).size == 0
    assert semitones([2000.0, 1000.0, 3000.0], [1000.0, 2000.0, 3000.0]).tolist() == [12.0, 12.0, 0.0]
    assert np.isnan(semitones([0.0, np.nan, 1000.0], [1000.0, 1000.0, -1.0])).all()


def test_detect_review_and_train_share_one_boundary_and_rule():
    from birdscan.detect import events, pipeline, run
    from birdscan.review import activity, clips, evaluate, frequency, plot
    from birdscan.train import predict

    for mod in (events, pipeline, run, evaluate, predict):
        assert mod.TYPE_BOUNDARY_HZ is calltypes.TYPE_BOUNDARY_HZ, mod.__name__
    for mod in (frequency, evaluate, predict):
        assert mod.call_type is calltypes.call_type, mod.__name__
    for mod in (frequency, evaluate, predict):
        assert mod.semitones is calltypes.semitones, mod.__name__
    for mod in (activity, clips, plot):
        assert mod.CALL_TYPES is calltypes.CALL_TYPES, mod.__name__
    assert run.ScanOptions(hop=0.05).type_boundary is TYPE_BOUNDARY_HZ
    assert events.add_call_types.__defaults__[-1] is TYPE_BOUNDARY_HZ


def test_the_command_line_defaults_are_the_constant():
    from birdscan.cli import evaluate, run

    for cmd in (run, evaluate):
        (opt,) = [p for p in cmd.params if p.name == "type_boundary"]
        assert opt.default is TYPE_BOUNDARY_HZ, cmd.name


def test_each_part_types_a_call_the_same_way():
    from birdscan.detect.events import add_call_types
    from birdscan.review.frequency import detection_freq_and_type
    from birdscan.train.predict import freq_metrics

    freq = np.array([2900.0, 4999.0, 5000.0, 8000.0])
    want = ["thrush", "thrush", "tseep", "tseep"]
    # detect: the estimate at each event's peak window (window 0.5 s, hop 0.05 s at 24 kHz)
    ev = pd.DataFrame({"peak_s": 0.25 + 0.05 * np.arange(4)})
    assert add_call_types(ev, freq, 1200, 12000, 24000)["call_type"].tolist() == want
    # review: the detections' frequencies
    assert detection_freq_and_type(pd.DataFrame({"freq_hz": freq}), TYPE_BOUNDARY_HZ)[1].tolist() == want
    # train: a prediction on the wrong side of the boundary is a wrong type, a semitone off is one semitone
    true = np.array([2900.0, 5001.0, 5000.0, 8000.0 * 2 ** (1 / 12)])
    m = freq_metrics(freq, true, np.ones(4), TYPE_BOUNDARY_HZ)
    assert m["type_accuracy"] == 0.75 and m["freq_clips"] == 4
    assert m["freq_median_semitones"] == pytest.approx(np.median(semitones(freq, true)))


def test_detections_keep_their_types(tmp_path):
    """A detections table's call types are the rule's, for the boundary the run used."""
    from birdscan.detect.events import add_call_types

    ev = add_call_types(pd.DataFrame({"peak_s": [0.25, 0.3]}), np.array([4200.4, 4200.6]), 1200, 12000, 24000, 4200.5)
    assert ev["freq_hz"].tolist() == [4200.0, 4201.0] and ev["call_type"].tolist() == ["thrush", "tseep"]
    empty = add_call_types(pd.DataFrame({"peak_s": []}), np.zeros(0), 1200, 12000, 24000)
    assert empty["call_type"].dtype == object and len(empty) == 0


def test_importing_it_stays_light():
    # the command line takes its --type-boundary default from here: no numpy for --help
    code = "import sys, birdscan.calltypes; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


NAN = float("nan")


def test_call_type_splits_at_the_boundary_and_leaves_unknowns_empty():
    assert TYPE_BOUNDARY_HZ == 5000.0
    assert call_type([3120.0, 4999.9, 5000.0, 7000.0, NAN, 0.0, -1.0]).tolist() == [
        "thrush", "thrush", "tseep", "tseep", "", "", ""]
    assert call_type([5500.0, 6000.0], boundary=6000.0).tolist() == ["thrush", "tseep"]


def test_semitones_is_the_absolute_log_ratio_and_nan_where_unknown():
    got = semitones([2000.0, 1000.0 * 2 ** (1 / 12), 500.0, NAN, 0.0], [1000.0] * 5)
    assert got[:3] == pytest.approx([12.0, 1.0, 12.0]) and np.isnan(got[3:]).all()
    assert np.isnan(semitones([1000.0], [-1.0])).all()
