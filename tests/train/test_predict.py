"""birdscan.train.predict (beyond tests/test_train.py): the frequency head's unit and loss, frequency
metrics, the real-noise threshold and the recommended threshold, and predictions in dataset order."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from birdscan.model import Detector, ModelConfig
from birdscan.train.dataset import ClipBatches, ClipDataset
from birdscan import birdvox70k as bdata
from birdscan.errors import DataError, ParameterError
from birdscan.train import predict as predict_module
from birdscan.train.predict import (NOISE_FALSE_ALARMS_PER_MIN, NOISE_WINDOW_RATE, Predictions, freq_loss, freq_metrics,
                                    noise_threshold, noise_window_rate, octaves, predict, recommended_threshold,
                                    steady_noise_windows)

def test_octaves_above_1_khz():
    torch.testing.assert_close(octaves(torch.tensor([1000.0, 2000.0, 500.0, 0.0])),
                               torch.tensor([0.0, 1.0, -1.0, math.log2(1 / 1000)]))  # below 1 Hz: clamped


def test_freq_loss_on_clips_with_a_known_frequency():
    pred = torch.tensor([1.0, 0.0, 5.0], requires_grad=True)
    loss = freq_loss(pred, torch.tensor([2000.0, 2000.0, 0.0]))  # the third is unknown: left out
    assert float(loss.detach()) == pytest.approx(((0.0) + (1 - 1 / 24)) / 2)  # smooth L1, quadratic within 1/12 octave
    none = freq_loss(pred, torch.zeros(3))
    assert float(none.detach()) == 0.0 and none.requires_grad  # still on the graph


def test_freq_metrics_on_positives_with_a_known_frequency():
    pred, true, labels = np.array([3000 * 2 ** (1 / 12), 6000.0, 4000.0, 9000.0]), np.array([3000.0, 4000.0, 0.0, 9000.0]), \
        np.array([1, 1, 1, 0])
    m = freq_metrics(pred, true, labels)
    assert m == {"freq_median_semitones": pytest.approx((1 + 12 * math.log2(1.5)) / 2), "type_accuracy": 0.5, "freq_clips": 2}
    assert freq_metrics(None, true, labels) == {} and freq_metrics(pred, np.zeros(4), labels) == {}


def test_noise_threshold_lets_at_most_the_rate_of_windows_reach_it():
    m = noise_threshold(np.array([0.0, 2.0, -1.0, 1.0]), rate=0.5)  # 2 of 4 may reach it: the third loudest sets it
    assert m == {"threshold_noise": pytest.approx(0.5 + 1e-6), "noise_windows": 4, "noise_above_0.5": 0.75, "noise_above_0.9": 0.0}
    assert noise_threshold(np.full(10, 10.0))["threshold_noise"] == 0.99  # capped
    assert NOISE_WINDOW_RATE == pytest.approx(0.25 * 1 / 1200)


def test_recommended_threshold_from_validation_metrics():
    assert recommended_threshold({"threshold_p90": None}) is None
    assert recommended_threshold({"threshold_p90": 0.812345}) == {"threshold": 0.8123,
                                                                  "note": "reaches 90% precision on the validation units"}
    noisy = recommended_threshold({"threshold_p90": 0.8, "threshold_noise": 0.93456, "noise_windows": 4800, "recall_noise": 0.8125})
    assert noisy == {"threshold": 0.9346, "note": "at most 0.02% of real-noise validation windows (4800) reach it (recall on "
                                                  "validation calls 0.812); 90% precision on the validation clips needs less"}
    assert recommended_threshold({"threshold_p90": 0.8, "threshold_noise": 0.7, "noise_windows": 400})["threshold"] == 0.8
    capped = recommended_threshold({"threshold_p90": 0.3, "threshold_noise": 0.99, "noise_windows": 16000, "recall_noise": 0.644})
    assert capped == {"threshold": 0.99, "note": "the cap, 0.99: more than 0.02% of the real-noise validation windows "
                                                 "(16000) reach it (recall on validation calls 0.644); 90% precision on "
                                                 "the validation clips needs less"}


def test_recommended_threshold_says_when_the_loudest_noise_window_sets_it():
    assert steady_noise_windows() == 9600 and steady_noise_windows(0.01) == 200  # floor(rate * n) == 2
    few = recommended_threshold({"threshold_p90": 0.8, "threshold_noise": 0.95, "noise_windows": 3000, "recall_noise": 0.7})
    assert few["note"].endswith("; with so few windows the loudest one sets it: 9600 validation windows "
                                "(--negative-windows 19200) give a steadier estimate")
    enough = recommended_threshold({"threshold_p90": 0.8, "threshold_noise": 0.95, "noise_windows": 4800, "recall_noise": 0.7})
    assert "loudest" not in enough["note"]  # 4,800 windows: the second loudest sets it


def test_metrics_with_real_noise_windows_among_the_clips():
    units = ["unit01"] * 4 + ["noise"] * 4
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0], dtype=np.float32)
    logits = np.array([3.0, -3.0, 2.0, -2.0, -1.0, 0.5, -4.0, -2.0], dtype=np.float32)
    m = Predictions(labels, logits, units, None, np.zeros(8)).metrics()
    assert m["clips"] == 8 and m["noise_windows"] == 4
    assert m["threshold_noise"] == pytest.approx(1 / (1 + math.exp(-0.5)) + 1e-6)  # the loudest of 4 (rate * 4 < 1)
    assert m["recall_noise"] == 1.0 and m["auprc_clips"] == 1.0 and "freq_median_semitones" not in m


@pytest.mark.parametrize("freq_head", [False, True])
def test_predict_gives_every_clip_in_dataset_order(freq_head):
    rng = np.random.default_rng(0)
    waves = rng.standard_normal((10, 12000)).astype(np.float32) * 0.1
    ds = ClipDataset.from_arrays(waves, np.array([0, 1] * 5), "extra-x", [f"c{i}" for i in range(10)],
                                 freq_hz=np.array([0.0, 3000.0] * 5))
    torch.manual_seed(0)
    model = Detector(ModelConfig(channels=(4, 8, 8), freq_head=freq_head))
    pred = predict(model, ClipBatches(ds, 4), None)  # 4 + 4 + 2: the last partial batch is kept
    assert not model.training
    assert pred.labels.tolist() == [0, 1] * 5 and pred.units == ["extra-x"] * 10 and pred.freq_true.tolist() == [0.0, 3000.0] * 5
    with torch.no_grad():
        expected = model.forward_all(torch.from_numpy(waves))
    np.testing.assert_allclose(pred.logits, expected[0].numpy(), rtol=1e-4, atol=1e-5)
    if freq_head:
        np.testing.assert_allclose(pred.freq_pred, 1000 * 2 ** expected[1].numpy(), rtol=1e-4)
    else:
        assert pred.freq_pred is None


def test_the_default_hop_allows_one_window_per_false_alarm():
    # 0.25 false alarms a minute at 1,200 windows a minute (50 ms hop), a false alarm one window
    # long at the recommended threshold (measured on real noise; two windows let twice as many through)
    assert NOISE_WINDOW_RATE == 0.25 * 1 / 1200  # exactly: the rule the shipped model's threshold came from
    assert noise_window_rate(ModelConfig()) == NOISE_WINDOW_RATE
    assert ModelConfig().hop / ModelConfig().sample_rate == 0.05


def test_the_rate_follows_the_hop_so_false_alarms_a_minute_stay_fixed():
    def per_minute(config):
        hop_s = config.hop / config.sample_rate
        windows_per_event = max(1.0, predict_module.NOISE_EVENT_S / hop_s)
        return noise_window_rate(config) * (60 / hop_s) / windows_per_event

    # 50 ms, 100 ms and 200 ms hops (multiples of the trunk stride), and another rate
    for config in (ModelConfig(), ModelConfig(hop=2400), ModelConfig(hop=4800), ModelConfig(sample_rate=48000, hop=2400)):
        assert per_minute(config) == pytest.approx(NOISE_FALSE_ALARMS_PER_MIN)
    # a false alarm fills one window at a 200 ms hop: 300 windows a minute
    assert noise_window_rate(ModelConfig(hop=4800)) == pytest.approx(NOISE_FALSE_ALARMS_PER_MIN / 300)


def test_threshold_rule_by_hand_for_the_default_hop():
    """The rule written out (hand-written sigmoid, 1,200 windows a minute, one per false alarm)."""
    rng = np.random.default_rng(3)
    for n in (1, 2399, 2400, 2401, 9000):
        z = (rng.standard_normal(n) * 4 + 2).astype(np.float32)
        p = 1 / (1 + np.exp(-z.astype(np.float64)))
        k = int(np.floor(0.25 * 1 / 1200 * p.size))
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

    monkeypatch.setattr(predict_module, "load_model", refuse)


def test_evaluate_clips_checks_the_data_before_loading_the_model(tmp_path, no_model):
    with pytest.raises(DataError, match="does not exist"):
        predict_module.evaluate_clips(tmp_path / "none", "unit01", tmp_path / "model.pt", device="cpu")
    (tmp_path / bdata.unit_file_name("unit01")).write_bytes(b"")
    with pytest.raises(ParameterError, match=r"units \['unit07'\] are not in the data"):
        predict_module.evaluate_clips(tmp_path, "unit07", tmp_path / "model.pt", device="cpu")
    with pytest.raises(ParameterError, match="units"):
        predict_module.evaluate_clips(tmp_path, "unit07", Detector(ModelConfig(channels=(4, 8, 8))), device="cpu")
