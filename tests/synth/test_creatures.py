"""birdscan.synth.creatures: owls and coquis (as the hard negatives draw them)."""

from __future__ import annotations

import numpy as np

from birdscan import birdvox70k as data
from birdscan.synth import creatures


SR = data.SAMPLE_RATE


def test_owl_hoots_are_low_with_harmonics_reaching_the_thrush_band(band_energy) -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        x, lo, hi = creatures.owl(rng, SR)
        assert np.isfinite(x).all() and 0.15 * SR <= x.size
        spec = np.abs(np.fft.rfft(x))
        assert np.fft.rfftfreq(x.size, 1 / SR)[np.argmax(spec)] < 1600  # the fundamental (250-1470 Hz) is low
        assert band_energy(x, SR, 1900, 4200) > 0 and lo < 1900 < hi


def test_coqui_is_a_low_steady_note_then_an_upsweep() -> None:
    rng = np.random.default_rng(6)
    for _ in range(20):
        x, lo, hi = creatures.coqui(rng, SR)
        env = np.abs(x) > 0.05 * np.abs(x).max()
        on = np.flatnonzero(env)
        first = x[on[0] : on[0] + int(0.05 * SR)]
        last = x[on[-1] - int(0.04 * SR) : on[-1]]
        f_first = np.fft.rfftfreq(first.size, 1 / SR)[np.argmax(np.abs(np.fft.rfft(first)))]
        f_last = np.fft.rfftfreq(last.size, 1 / SR)[np.argmax(np.abs(np.fft.rfft(last)))]
        assert 900 <= f_first <= 1800 and f_last > f_first + 300 and 2000 <= f_last <= 3600
