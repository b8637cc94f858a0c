"""Night ambience without flight calls, drawn from a per-unit profile.

:func:`synth_background` makes night ambience with the hard negatives a detector
meets (clicks, rain, insect choruses, handling noise, non-call tonal sounds, made in
:mod:`birdscan.synth.negatives`; wind, traffic, aircraft, made in
:mod:`birdscan.synth.noises`), drawn from a per-unit
:class:`UnitProfile`, optionally over real excerpts from
:class:`birdscan.synth.backgrounds.RealBackgrounds`.
:mod:`birdscan.synth.compose` composes these with :mod:`birdscan.synth.calls` into BirdVox-70k
clips and long recordings. Sample rates are integers in Hz, lengths integer samples; numpy only.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import negatives as neg
from . import noises
from .backgrounds import RealBackgrounds, check_real
from .dsp import (
    band_noise,
    band_rms,
    check_int,
    check_rng,
    check_sr,
    harmonics,
    noise,
    place,
    rms,
    smooth,
    tone,
)
from ..birdvox70k import SAMPLE_RATE
from ..errors import ParameterError
from .negatives import Event
from .profile import UnitProfile

CHORUS_BED = 0.15  # stretches with an insect chorus in the bed
FROG_BED = 0.1  # stretches with calling frogs in the bed


# ---------------------------------------------------------------- backgrounds
class Mix:
    """A background being built: a bed of known band levels plus events set to band SNRs over it.

    ``x`` [shape=(n,), float64] is the running mixture; :meth:`bed_rms` is the
    bed's RMS in a band, measured once before any event is added.

    Parameters
    ----------
    bed : np.ndarray [shape=(n,), float64], the bed noise; it becomes ``x`` (not copied: events
        are added to it in place)
    sr : int, Hz
    """

    def __init__(self, bed: np.ndarray, sr: int) -> None:
        self.x = bed
        self.sr = sr
        p = np.abs(np.fft.rfft(bed)) ** 2
        p[0] = 0.0
        self._cum = np.concatenate([[0.0], np.cumsum(p)])
        self._df = sr / bed.size

    def bed_rms(self, lo: float, hi: float) -> float:
        """RMS of the bed (before any event) in a band, from its power spectrum (DC excluded).

        Parameters
        ----------
        lo, hi : float, Hz, the band (clipped to the spectrum)

        Returns
        -------
        float > 0, plus 1e-12 so it can divide
        """
        i0 = int(np.clip(math.ceil(lo / self._df), 0, self._cum.size - 1))
        i1 = int(np.clip(math.floor(hi / self._df) + 1, i0, self._cum.size - 1))
        return math.sqrt(2 * (self._cum[i1] - self._cum[i0])) / self.x.size + 1e-12

    def add(self, event: Event, start: int, snr_db: float, ref_rms: float | None = None) -> None:
        """Add an event to ``x`` at a level set over the bed in the event's band.

        Parameters
        ----------
        event : Event ``(wave, lo_hz, hi_hz)``
        start : int, samples, where ``wave[0]`` goes (may be negative or past the end:
            what falls outside is dropped)
        snr_db : float, dB of the wave's RMS over :meth:`bed_rms` ``(lo_hz, hi_hz)``
        ref_rms : float or None, the RMS taken as the wave's level instead of its own (e.g.
            one kernel's, for a sparse train of them)
        """
        wave, lo, hi = event
        gain = self.bed_rms(lo, hi) * 10 ** (snr_db / 20) / (ref_rms or rms(wave))
        place(self.x, gain * wave, start)


def _bed(
    rng: np.random.Generator, n: int, sr: int, profile: UnitProfile, real: RealBackgrounds | None
) -> np.ndarray:
    """Stationary bed noise (self-noise, rumble, colour) or a real excerpt over it; unit RMS."""
    slope = profile.noise_slope_db + rng.normal(0, 0.5)
    rumble = profile.rumble_db + rng.normal(0, 4)

    def amp(f: np.ndarray) -> np.ndarray:
        db = slope * np.log2(np.maximum(f, 1000) / 1000) + rumble / (1 + (f / profile.rumble_hz) ** 2)
        if profile.bandlimit_hz is not None:
            db = db - 80 * np.clip((f - profile.bandlimit_hz) / 400, 0, 1)
        return 10 ** (db / 20) * (f > 12)

    x = noise(rng, n, sr, amp)
    if real is not None and rng.random() < real.mix_probability:
        r = real.excerpt(rng, n).astype(np.float64)
        ratio = band_rms(r, sr, 2000, 8000) / band_rms(x, sr, 2000, 8000)
        x = r + x * ratio * 10 ** (rng.uniform(-30, -3) / 20)
    return x / rms(x)


def _random_start(rng: np.random.Generator, n: int, length: int) -> int:
    return int(rng.integers(-length + 1, n)) if n > 0 else 0


def _add_ambient(rng: np.random.Generator, mix: Mix, profile: UnitProfile) -> None:
    """The unit's night sounds over a stretch: hum, tonal lines, insects, rain, wind, clicks, ..."""
    n, sr = mix.x.size, mix.sr
    secs = n / sr
    if rng.random() < profile.hum_prob:
        f0 = profile.hum_hz
        k = np.arange(1, 9)
        hum = harmonics(rng, np.full(n, f0), sr, rng.uniform(0, 1, k.size) / k)
        mix.add((hum, 40.0, 1000.0), 0, rng.uniform(0, 20))
    for f in profile.tone_lines_hz:
        if rng.random() < 0.6 and f < 0.45 * sr:
            mix.add((tone(f + 5 * smooth(rng, n, sr, 0.5), sr), f - 100, f + 100), 0, rng.uniform(-3, 15))
    for ins in profile.insects:
        if rng.random() < ins.presence:
            mix.add(neg.insect_pulses(rng, n, sr, ins), 0, ins.snr_db + rng.normal(0, 3))
    if rng.random() < CHORUS_BED:  # under positives as well as negatives
        mix.add(neg.chorus(rng, n, sr), 0, rng.uniform(-3, 15))
    if rng.random() < FROG_BED:
        mix.add(neg.frog(rng, sr, n), 0, rng.uniform(-3, 15))
    if rng.random() < profile.rain_prob:
        rate = profile.rain_rate * rng.uniform(0.5, 2)
        kernel = neg.drop_kernel(rng, sr)
        times = rng.uniform(-kernel.size, n, rng.poisson(rate * secs))
        mix.add((neg.impulse_train(rng, n, times, kernel, 20), 1000.0, 10000.0), 0, rng.uniform(0, 20), rms(kernel))
        mix.add((band_noise(rng, n, sr, 1000, 11000), 1000.0, 10000.0), 0, rng.uniform(-10, 3))
        for _ in range(min(rng.poisson(0.1 * rate * secs), int(20 * secs) + 1)):
            plink = neg.plink(rng, sr)
            mix.add((plink, 1000.0, 6000.0), _random_start(rng, n, plink.size), rng.uniform(-5, 15))
    if rng.random() < profile.wind_prob:
        mix.add(noises.wind(rng, n, sr), 0, rng.uniform(5, 30))
    if rng.random() < profile.traffic_prob:
        mix.add(noises.traffic(rng, n, sr), 0, rng.uniform(0, 25))
    if rng.random() < profile.airplane_prob:
        mix.add(noises.airplane(rng, n, sr), 0, rng.uniform(5, 30))
    kernel = neg.click_kernel(rng, sr, profile.click_hz)
    rate = profile.click_rate * rng.uniform(0.5, 1.5)
    times = neg.event_times(rng, n, sr, rate, profile.click_periodic, kernel.size)
    lo_hi = (profile.click_hz - 1500, profile.click_hz + 1500)
    mix.add((neg.impulse_train(rng, n, times, kernel, 6), *lo_hi), 0, rng.uniform(0, 20), rms(kernel))
    sporadic: list[tuple[float, Callable[[], Event], tuple[float, float]]] = [
        (profile.handling_rate, lambda: neg.handling(rng, sr), (5, 30)),
        (profile.transient_rate, lambda: neg.band_transient(rng, sr), (-5, 15)),
        (profile.tonal_rate, lambda: neg.tonal(rng, sr), (0, 20)),
    ]
    for rate, make, snr in sporadic:
        for _ in range(rng.poisson(rate * secs)):
            event = make()
            mix.add(event, _random_start(rng, n, event[0].size), rng.uniform(*snr))


def background_mix(
    rng: np.random.Generator, n: int, sr: int, profile: UnitProfile, real: RealBackgrounds | None
) -> Mix:
    """Unchecked core of :func:`synth_background`, returning the :class:`Mix` to add more to.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz
    profile : UnitProfile, the unit's night sounds
    real : RealBackgrounds or None, real excerpts laid under the synthetic bed (with
        probability ``real.mix_probability``)

    Returns
    -------
    Mix, the bed (unit RMS) with the unit's ambient sounds added
    """
    mix = Mix(_bed(rng, n, sr, profile, real), sr)
    _add_ambient(rng, mix, profile)
    return mix


def synth_background(
    rng: np.random.Generator,
    n_samples: int,
    sr: int = SAMPLE_RATE,
    profile: UnitProfile | None = None,
    real: RealBackgrounds | None = None,
) -> np.ndarray:
    """Night ambience without flight calls, as at one recording unit.

    A stationary bed (coloured self-noise with low rumble, or a real excerpt
    from ``real`` over a little synthetic noise) with the unit's sounds over
    it: mains hum, steady tonal lines, insect choruses, rain (drops, hiss,
    bubble plinks), wind gusts, traffic, aircraft, recurring clicks, handling
    noise, broadband 1.5-10 kHz transients and non-call tonal sounds. Each
    event's level is a band SNR over the bed.

    Parameters
    ----------
    rng : np.random.Generator
    n_samples : int >= 1
    sr : int, 16000 <= sr <= 384000
    profile : UnitProfile or None
        None draws a random profile from ``rng``.
    real : RealBackgrounds or None
        Real excerpts used as the bed with probability ``real.mix_probability``;
        its ``sr`` must equal ``sr``.

    Returns
    -------
    np.ndarray [shape=(n_samples,), float32]
        Scaled so that the bed has RMS 1 (events add to it).

    Examples
    --------
    >>> x = synth_background(np.random.default_rng(0), 12000, profile=UnitProfile.draw(1))
    >>> x.shape, x.dtype
    ((12000,), dtype('float32'))
    """
    check_rng(rng)
    n = check_int("n_samples", n_samples, 1)
    sr = check_sr(sr)
    if profile is not None and not isinstance(profile, UnitProfile):
        raise ParameterError(f"profile={profile!r} must be a UnitProfile or None")
    check_real(real, sr)
    return background_mix(rng, n, sr, profile or UnitProfile.draw(rng), real).x.astype(np.float32)
