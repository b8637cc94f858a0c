"""birdscan.synth.noises: thunder, wind, traffic and aircraft fill their stretch, low and seeded."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan import birdvox70k as data
from birdscan.synth import noises


SR = data.SAMPLE_RATE


def test_thunder_is_finite_and_mostly_low(band_energy) -> None:
    rng = np.random.default_rng(7)
    x, _, _ = noises.thunder(rng, SR, SR)
    assert np.isfinite(x).all() and band_energy(x, SR, 20, 1000) / band_energy(x, SR, 20, 0.5 * SR) > 0.5


@pytest.mark.parametrize("name", ["thunder", "wind", "traffic", "airplane"])
def test_each_noise_fills_its_stretch_with_its_band_and_is_seeded(band_energy, name) -> None:
    make = getattr(noises, name)
    n = int(1.5 * SR)
    x, lo, hi = make(np.random.default_rng(3), n, SR)
    assert x.shape == (n,) and x.dtype == np.float64 and np.isfinite(x).all() and 0 < lo < hi
    assert band_energy(x, SR, 0, 2 * hi) > 0.8 * band_energy(x, SR, 0, 0.5 * SR)  # low sounds, as their band says
    assert np.array_equal(make(np.random.default_rng(3), n, SR)[0], x)
