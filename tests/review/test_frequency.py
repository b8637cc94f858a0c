"""birdscan.review.frequency: call types from frequencies, errors in semitones, and the frequency
scores of matched calls."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from birdscan.review.frequency import detection_freq_and_type, frequency_scores, reference_freq

NAN = float("nan")


def test_reference_freq_is_the_log_centre_of_the_band():
    r = pd.DataFrame({"low_freq_hz": [2000.0, 3000.0, NAN, 0.0], "high_freq_hz": [8000.0, 3000.0, 5000.0, 4000.0]})
    got = reference_freq(r)
    assert got[:2].tolist() == [4000.0, 3000.0] and np.isnan(got[2:]).all()  # a point (low = high) is its own centre


def test_detection_type_follows_the_frequency_else_the_table():
    d = pd.DataFrame({"freq_hz": [3000.0, NAN, 7000.0, NAN], "call_type": ["", " tseep ", "thrush", None]})
    freq, kind = detection_freq_and_type(d, 5000.0)
    assert freq[0] == 3000.0 and freq[2] == 7000.0 and np.isnan(freq[[1, 3]]).all()
    assert kind.tolist() == ["thrush", "tseep", "tseep", ""]  # a frequency wins over the table's type
    freq, kind = detection_freq_and_type(pd.DataFrame({"peak_s": [1.0, 2.0]}), 5000.0)
    assert np.isnan(freq).all() and kind.tolist() == ["", ""]


def test_frequency_scores_count_matched_calls_only():
    m = pd.DataFrame({"outcome": ["tp", "tp", "tp", "fp", "fn"],
                      "reference_freq_hz": [1000.0, 3000.0, NAN, 1000.0, 1000.0],
                      "detection_freq_hz": [2000.0, 3000.0, 4000.0, 9000.0, NAN],
                      "reference_type": ["thrush", "thrush", "", "thrush", "thrush"],
                      "detection_type": ["thrush", "tseep", "thrush", "tseep", ""]})
    assert frequency_scores(m) == {"n_freq": 2, "freq_error_st": 6.0, "n_type": 2, "type_accuracy": 0.5}
    none = frequency_scores(m[m["outcome"] != "tp"])
    assert none["n_freq"] == none["n_type"] == 0 and math.isnan(none["freq_error_st"]) and math.isnan(none["type_accuracy"])
