"""birdscan.synth.dsp: argument checks with their messages, and the small signal helpers the
generators share (coloured noise, envelopes, tones, harmonics, placing, band RMS, crossfades)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from birdscan.errors import ParameterError
from birdscan.synth import dsp

SR = 24_000


def test_checks_name_the_argument():
    assert dsp.check_int("n", np.int64(5), 1) == 5 and dsp.check_number("p", np.float64(0.5), 0, 1, "a probability") == 0.5
    assert dsp.check_sr(22050) == 22050
    dsp.check_rng(np.random.default_rng(0))
    cases = [
        (lambda: dsp.check_int("n", 0, 1), "n=0 must be an integer >= 1"),
        (lambda: dsp.check_int("n", 11, 1, 10), "n=11 must be an integer between 1 and 10"),
        (lambda: dsp.check_int("n", True, 0), "n=True must be an integer >= 0"),
        (lambda: dsp.check_int("n", 2.0, 0), "n=2.0 must be an integer >= 0"),
        (lambda: dsp.check_number("p", True, 0, 1, "a probability"), "p=True must be a probability"),
        (lambda: dsp.check_number("p", 1.5, 0, 1, "a probability"), "p=1.5 must be a probability"),
        (lambda: dsp.check_sr(8000), "sr=8000 must be an integer between 16000 and 384000"),
        (lambda: dsp.check_rng(0), "rng=0 must be a numpy.random.Generator, e.g. np.random.default_rng(0)"),
    ]
    for call, message in cases:
        with pytest.raises(ParameterError) as e:
            call()
        assert str(e.value) == message
    with pytest.raises(ParameterError, match=r"^p=np\.int64\(1\) must be"):  # numpy integers are not numbers here
        dsp.check_number("p", np.int64(1), 0, 2, "within [0, 2]")


def test_rms_loguniform_and_fast_lengths():
    assert dsp.rms(np.array([3.0, -3.0, 3.0, -3.0])) == pytest.approx(3.0) and dsp.rms(np.zeros(4)) > 0
    draws = [dsp.loguniform(np.random.default_rng(i), 10.0, 1000.0) for i in range(400)]
    assert 10 <= min(draws) and max(draws) <= 1000 and 60 < float(np.median(draws)) < 160  # about sqrt(10 * 1000)
    assert [dsp.fast_len(n) for n in (0, 1, 7, 97, 1000, 1001, 12001)] == [1, 1, 8, 100, 1000, 1024, 12150]


def test_coloured_noise_has_unit_rms_and_its_spectrum():
    rng = np.random.default_rng(0)
    x = dsp.band_noise(rng, 24_000, SR, 3000.0, 4000.0)
    assert x.shape == (24_000,) and dsp.rms(x) == pytest.approx(1.0)
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / SR)
    assert power[(f >= 2850) & (f <= 4150)].sum() / power.sum() > 0.999  # the band and its 150 Hz skirts
    capped = dsp.band_noise(rng, 24_000, SR, 10_000.0, 20_000.0)  # the top is capped at 0.47 sr
    pc = np.abs(np.fft.rfft(capped)) ** 2
    assert pc[f > 0.47 * SR + 250].sum() / pc.sum() < 1e-6
    low = dsp.lowpass_noise(rng, 48_000, SR, 500.0)
    pl = np.abs(np.fft.rfft(low)) ** 2
    fl = np.fft.rfftfreq(low.size, 1 / SR)
    assert dsp.rms(low) == pytest.approx(1.0) and pl[fl > 5000].sum() / pl.sum() < 0.01
    assert abs(low.mean()) < 0.01  # no DC
    slow = dsp.smooth(rng, 24_000, SR, 0.5)
    assert slow.shape == (24_000,) and np.abs(np.diff(slow)).max() < 0.05  # slowly varying


def test_envelope_tone_and_harmonics():
    env = dsp.envelope(1000, 2.0, 2.0, taper=50)
    assert env.shape == (1000,) and env.max() == pytest.approx(1.0, abs=1e-3) and env.min() >= 0
    np.testing.assert_allclose(env, env[::-1], atol=1e-12)  # a = b: symmetric
    assert env[0] < 1e-6
    ramp = np.sin(0.5 * np.pi * np.array([0.5, 1.5]) / 2) ** 2
    flat = dsp.envelope(5, 0.0, 0.0, taper=100)  # the tapers are capped at n // 2 samples
    assert flat.tolist() == pytest.approx([ramp[0], ramp[1], 1.0, ramp[1], ramp[0]])
    k = np.arange(1, 101)
    np.testing.assert_allclose(dsp.tone(np.full(100, 1000.0), SR), np.sin(2 * np.pi * 1000 * k / SR), atol=1e-9)
    h = dsp.harmonics(np.random.default_rng(1), np.full(SR, 1000.0), SR, [1.0, 0.5])
    spec = np.abs(np.fft.rfft(h)) / (SR / 2)
    assert spec[1000] == pytest.approx(1.0, abs=1e-3) and spec[2000] == pytest.approx(0.5, abs=1e-3)
    assert np.delete(spec, [1000, 2000]).max() < 1e-3


def test_place_band_rms_and_crossfade():
    out = np.zeros(5)
    dsp.place(out, np.array([1.0, 2.0, 3.0]), -1)
    dsp.place(out, np.array([10.0, 20.0, 30.0]), 4)
    dsp.place(out, np.array([7.0]), 9)  # wholly outside: nothing
    assert out.tolist() == [2.0, 3.0, 0.0, 0.0, 10.0]
    t = np.arange(SR) / SR
    x = 0.5 * np.sin(2 * np.pi * 3000 * t) + 0.2 * np.sin(2 * np.pi * 7000 * t)
    assert dsp.band_rms(x, SR, 2000, 4000) == pytest.approx(0.5 / math.sqrt(2), rel=1e-6)
    assert dsp.band_rms(x, SR, 6000, 8000) == pytest.approx(0.2 / math.sqrt(2), rel=1e-6)
    assert dsp.band_rms(np.array([2.0]), SR, 0, 1000) == pytest.approx(2.0)  # too short for a spectrum: its RMS
    fade = dsp.equal_power_fade(8)
    np.testing.assert_allclose(fade**2 + fade[::-1] ** 2, 1.0)
    assert 0 < fade[0] < fade[-1] < 1
    tail, head = np.ones(3), np.full(8, 2.0)
    np.testing.assert_allclose(dsp.crossfade(tail, head, fade), fade[::-1][:3] + 2 * fade[:3])
