"""birdscan.synth.negatives: steady sounds and every kind of hard negative drawn."""

from __future__ import annotations

import numpy as np

from birdscan import birdvox70k as data
from birdscan.synth import negatives
from birdscan.synth.profile import UnitProfile


SR = data.SAMPLE_RATE


def test_steady_sounds_outlast_a_window_and_often_sit_in_the_thrush_band() -> None:
    rng = np.random.default_rng(8)
    events = [negatives.steady(rng, SR) for _ in range(200)]
    assert all(x.size >= 0.7 * SR for x, _, _ in events)
    tones = [(lo + hi) / 2 for x, lo, hi in events if hi - lo == 300]  # pure tones: band f0 +- 150 Hz
    in_thrush = np.mean([2000 <= f <= 4200 for f in tones])
    assert len(tones) > 80 and in_thrush > 0.5


def test_every_hard_negative_kind_is_drawn() -> None:
    rng = np.random.default_rng(7)
    kinds = {negatives.hard_negative(rng, SR, UnitProfile.draw(1))[0] for _ in range(600)}
    assert kinds == set(negatives.HARD_NEGATIVES)
    assert abs(sum(negatives.HARD_NEGATIVES.values()) - 1) < 1e-9
