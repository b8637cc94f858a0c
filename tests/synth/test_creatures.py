"""birdscan.synth.creatures: owls (as the hard negatives draw them, and hoots with free harmonic weights) and coquis."""

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



def _harmonic_levels(x: np.ndarray, f0: float, count: int) -> np.ndarray:
    """Magnitude at harmonics 1..count of ``f0`` (the strongest bin within 4 % of each)."""
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / SR)
    return np.array([spec[(freqs > 0.96 * k * f0) & (freqs < 1.04 * k * f0)].max() for k in range(1, count + 1)])


def test_hoots_cover_high_fundamentals_and_odd_harmonic_stacks() -> None:
    rng = np.random.default_rng(7)
    f0s, odd_series = [], 0
    for _ in range(60):
        x, lo, hi = creatures.hoots(rng, SR)
        assert np.isfinite(x).all() and x.size >= 0.2 * SR and lo == 200.0 and 2500 <= hi <= 6000
        spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
        f0 = np.fft.rfftfreq(x.size, 1 / SR)[np.argmax(spec)]  # the fundamental is the strongest
        assert 230 <= f0 <= 1300, f0
        f0s.append(f0)
        if 3 * f0 < hi:
            h = _harmonic_levels(x, f0, 3)
            odd_series += h[1] < 0.2 * h[2]  # the 2nd far below the 3rd: a tawny-owl-like stack
    assert sum(f > 1000 for f in f0s) >= 5 and min(f0s) < 500  # over the frontend's 1 kHz floor and well under it
    assert odd_series >= 10  # about half of the series



def test_hoots_rise_into_their_pitch() -> None:
    # a single hoot's first 20 ms sit below its pitch 100 ms later (the rise is 0-20 %, so most are lower)
    def pitch(x: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(x * np.hanning(x.size), 8 * x.size))
        return float(np.fft.rfftfreq(8 * x.size, 1 / SR)[np.argmax(spec)])

    ratios = []
    for seed in range(40):
        x, _, _ = creatures.hoots(np.random.default_rng(seed), SR)
        on = np.flatnonzero(np.abs(x) > 0.02 * np.abs(x).max())[0]
        ratios.append(pitch(x[on : on + int(0.02 * SR)]) / pitch(x[on + int(0.1 * SR) : on + int(0.14 * SR)]))
    assert np.median(ratios) < 0.97 and max(ratios) < 1.06, ratios

def test_the_hard_negatives_owls_do_not_make_odd_harmonic_stacks() -> None:
    # owl() weights harmonics by a falling curve: the 2nd is never far below the 3rd (why hoots() exists)
    rng = np.random.default_rng(8)
    for _ in range(40):
        x, _, hi = creatures.owl(rng, SR)
        spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
        f0 = np.fft.rfftfreq(x.size, 1 / SR)[np.argmax(spec)]
        if 3 * f0 < hi and f0 < 950:  # a hoot series (a trill's fundamental is 700-1470 Hz)
            h = _harmonic_levels(x, f0, 3)
            assert h[1] > 0.2 * h[2]

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
