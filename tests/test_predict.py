"""birdscan.train.predict: the real-noise threshold rule, its sigmoid, and evaluate_clips' checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from birdscan import birdvox70k as bdata
from birdscan.errors import DataError, ParameterError
from birdscan.model import Detector, ModelConfig
from birdscan.train import predict
from birdscan.train.predict import (NOISE_FALSE_ALARMS_PER_MIN, NOISE_WINDOW_RATE, Predictions, noise_threshold,
                                    noise_window_rate, recommended_threshold)


def test_the_default_hop_keeps_the_rate_it_always_had():
    # 0.25 false alarms a minute at 1,200 windows a minute (50 ms hop), a false alarm 2 windows long
    assert NOISE_WINDOW_RATE == 0.25 * 2 / 1200  # exactly: the shipped model's threshold rule is unchanged
    assert noise_window_rate(ModelConfig()) == NOISE_WINDOW_RATE
    assert ModelConfig().hop / ModelConfig().sample_rate == 0.05


def test_the_rate_follows_the_hop_so_false_alarms_a_minute_stay_fixed():
    def per_minute(config):
        hop_s = config.hop / config.sample_rate
        windows_per_event = max(1.0, predict.NOISE_EVENT_S / hop_s)
        return noise_window_rate(config) * (60 / hop_s) / windows_per_event

    # 50 ms, 100 ms and 200 ms hops (multiples of the trunk stride), and another rate
    for config in (ModelConfig(), ModelConfig(hop=2400), ModelConfig(hop=4800), ModelConfig(sample_rate=48000, hop=2400)):
        assert per_minute(config) == pytest.approx(NOISE_FALSE_ALARMS_PER_MIN)
    # a false alarm fills one window at a 200 ms hop: 300 windows a minute
    assert noise_window_rate(ModelConfig(hop=4800)) == pytest.approx(NOISE_FALSE_ALARMS_PER_MIN / 300)


def test_threshold_rule_is_unchanged_for_the_default_hop():
    """The rule as it was written before the rate was derived (hand-written sigmoid, 1,200 windows a minute)."""
    rng = np.random.default_rng(3)
    for n in (1, 2399, 2400, 2401, 9000):
        z = (rng.standard_normal(n) * 4 + 2).astype(np.float32)
        p = 1 / (1 + np.exp(-z.astype(np.float64)))
        k = int(np.floor(0.25 * 2 / 1200 * p.size))
        want = float(min(0.99, np.sort(p)[::-1][k] + 1e-6)) if p.size else 0.5
        got = noise_threshold(z)
        assert got["threshold_noise"] == pytest.approx(want, abs=1e-15) and got["noise_windows"] == n


def test_predictions_use_the_models_rate():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal(6000).astype(np.float32)
    labels = (np.arange(6000) % 2).astype(np.float32)
    units = ["noise-a"] * 3000 + ["unit01"] * 3000
    coarse = noise_window_rate(ModelConfig(hop=4800))
    for rate in (NOISE_WINDOW_RATE, coarse):
        m = Predictions(labels, logits, units, None, np.zeros(6000), rate).metrics()
        assert m["threshold_noise"] == noise_threshold(logits[:3000], rate)["threshold_noise"]
    assert Predictions(labels, logits, units, None, np.zeros(6000)).noise_rate == NOISE_WINDOW_RATE
    note = recommended_threshold({"threshold_p90": 0.1, "threshold_noise": 0.9, "noise_windows": 3000}, coarse)["note"]
    assert note.startswith(f"at most {coarse:.2%} of real-noise")


def test_the_sigmoid_is_the_overflow_free_one():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # exp(1000) overflowed in the hand-written one
        got = noise_threshold(np.array([-1000.0, -800.0, 1000.0]))
        m = Predictions(np.array([1.0, 0.0]), np.array([-1000.0, 5.0]), ["noise-a", "noise-a"], None, np.zeros(2)).metrics()
    assert got["noise_above_0.5"] == pytest.approx(1 / 3) and m["recall_noise"] == 0.0


@pytest.fixture
def no_model(monkeypatch):
    def refuse(*a, **kw):
        raise AssertionError("the model was loaded before the data was checked")

    monkeypatch.setattr(predict, "load_model", refuse)


def test_evaluate_clips_checks_the_data_before_loading_the_model(tmp_path, no_model):
    with pytest.raises(DataError, match="does not exist"):
        predict.evaluate_clips(tmp_path / "none", "unit01", tmp_path / "model.pt", device="cpu")
    (tmp_path / bdata.unit_file_name("unit01")).write_bytes(b"")
    with pytest.raises(ParameterError, match=r"units \['unit07'\] are not in the data"):
        predict.evaluate_clips(tmp_path, "unit07", tmp_path / "model.pt", device="cpu")
    with pytest.raises(ParameterError, match="units"):
        predict.evaluate_clips(tmp_path, "unit07", Detector(ModelConfig(channels=(4, 8, 8))), device="cpu")
