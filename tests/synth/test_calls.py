"""birdscan.synth.calls: generated calls and what their info says about them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birdscan.errors import ParameterError
from birdscan.synth.calls import call_info, draw_call, synth_call


@settings(max_examples=60, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([16000, 22050, 24000, 48000]))
def test_synth_call_info_is_consistent(seed: int, sr: int) -> None:
    wave, info = synth_call(np.random.default_rng(seed), sr=sr)
    assert wave.dtype == np.float32 and np.isclose(np.abs(wave).max(), 1.0)
    assert wave.size >= round(info["duration_s"] * sr)
    assert info["low_freq_hz"] <= info["centre_freq_hz"] <= info["high_freq_hz"] < 0.46 * sr
    if info["kind"] == "thrush":
        assert 0.039 <= info["duration_s"] <= 0.321
        assert 1900 <= info["low_freq_hz"] and info["high_freq_hz"] <= 4200
    else:
        assert info["kind"] == "high"
        assert 0.019 <= info["duration_s"] <= 0.101
        assert 5000 <= info["low_freq_hz"]


def test_synth_call_kinds() -> None:
    rng = np.random.default_rng(2)
    kinds = [synth_call(rng)[1]["kind"] for _ in range(400)]
    assert 0.06 < kinds.count("high") / 400 < 0.2
    assert synth_call(rng, kind="high")[1]["kind"] == "high"


def test_high_calls_are_steep_sweeps_or_near_steady_notes() -> None:
    rng = np.random.default_rng(3)
    calls = [draw_call(rng, 24000, "high") for _ in range(400)]
    steady = [p for p in calls if p.shape == "flat"]
    assert 0.18 < len(steady) / 400 < 0.32
    for p in steady:  # they wander by vibrato over at most 0.7 kHz
        assert 150 <= p.hi - p.lo <= 700 and p.vib_depth == pytest.approx((p.hi - p.lo) / 2)
    assert 0.4 < np.mean([p.vib for p in steady]) < 0.8
    assert all(p.hi - p.lo >= 800 for p in calls if p.shape != "flat")
    for p in [p for p in steady if not p.buzz][:10]:  # as rendered (unbuzzed): within the span
        info = call_info(p, 24000)
        assert info["high_freq_hz"] - info["low_freq_hz"] <= p.hi - p.lo + 100
        assert abs(info["centre_freq_hz"] - (p.lo + p.hi) / 2) < 150


def test_synth_call_bad_arguments() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match=r"kind='owl'"):
        synth_call(rng, kind="owl")
    with pytest.raises(ParameterError, match=r"rng=0 must be a numpy.random.Generator"):
        synth_call(0)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"sr=8000"):
        synth_call(rng, sr=8000)
