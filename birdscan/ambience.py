"""Night ambience without flight calls, hard negatives and real background excerpts.

:func:`synth_background` makes night ambience with the hard negatives a detector
meets (clicks, rain, wind, insect choruses, traffic, aircraft, handling noise,
non-call tonal sounds), drawn from a per-unit :class:`UnitProfile`;
:func:`hard_negative` makes one such event for a clip;
:class:`RealBackgrounds` serves excerpts of real recordings to mix under them.
:mod:`birdscan.synth` composes these with :mod:`birdscan.calls` into BirdVox-70k
clips and long recordings. Sample rates are integers in Hz, lengths integer samples; numpy only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .dsp import (
    band_noise,
    band_rms,
    check_int,
    check_rng,
    check_sr,
    envelope,
    fast_len,
    harmonics,
    loguniform,
    lowpass_noise,
    noise,
    place,
    rms,
    smooth,
    tone,
)
from .errors import AudioError, ParameterError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


# ---------------------------------------------------------------- per-unit profile
@dataclass(frozen=True)
class Insect:
    """One singing insect species: a carrier (tonal, or a noise band) gated by pulse trains.

    ``pulse_rate_hz`` pulses per second, each ``duty`` of its period long; with
    ``chirp_rate_hz`` > 0 the pulses come in chirps of ``chirp_duty`` of the
    chirp period, otherwise as a continuous trill. ``presence`` is the chance
    it sings in a given stretch, ``snr_db`` its level over the bed in its band.
    """

    freq_hz: float
    bandwidth_hz: float
    pulse_rate_hz: float
    duty: float
    chirp_rate_hz: float
    chirp_duty: float
    presence: float
    snr_db: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Insect:
        """A random cricket (tonal, 2.5-8 kHz), katydid (noisy band, 5-11 kHz) or steady chorus."""
        kind = rng.choice(["cricket", "katydid", "steady"], p=[0.5, 0.3, 0.2])
        # (carrier Hz, noise bandwidth Hz, pulses per second, duty): ranges per kind
        ranges = {
            "cricket": ((2500, 8000), (0, 0), (12, 60), (0.3, 0.7)),
            "katydid": ((5000, 11000), (800, 4000), (3, 30), (0.1, 0.5)),
            "steady": ((3000, 8000), (0, 300), (60, 150), (0.6, 0.9)),
        }[kind]
        f, bw, rate, duty = (rng.uniform(lo, hi) for lo, hi in ranges)
        chirped = kind != "steady" and rng.random() < 0.5
        return cls(
            freq_hz=float(f),
            bandwidth_hz=float(bw),
            pulse_rate_hz=float(rate),
            duty=float(duty),
            chirp_rate_hz=float(rng.uniform(0.5, 4)) if chirped else 0.0,
            chirp_duty=float(rng.uniform(0.1, 0.5)),
            presence=float(rng.uniform(0.15, 0.9)),
            snr_db=float(rng.uniform(-3, 20)),
        )


@dataclass(frozen=True)
class UnitProfile:
    """What the night sounds like at one recording unit; :meth:`draw` makes a random one.

    Bed noise: ``noise_slope_db`` (dB per octave above 1 kHz), ``rumble_db`` of
    extra level below ``rumble_hz``, ``bandlimit_hz`` (None, or a cutoff as in
    a 22.05 kHz recording resampled to 24 kHz). Tonal lines: mains ``hum_hz``
    harmonics with probability ``hum_prob``, steady ``tone_lines_hz``.
    ``insects``: the species singing here. Events: clicks at ``click_hz`` at
    ``click_rate`` per second (periodic if ``click_periodic``), rain and wind
    with probabilities per stretch, ``rain_rate`` drops per second, traffic and
    aircraft probabilities, and rates per second of handling noise,
    broadband 1.5-10 kHz transients and non-call tonal sounds.
    """

    noise_slope_db: float = -2.0
    rumble_db: float = 20.0
    rumble_hz: float = 300.0
    bandlimit_hz: float | None = None
    hum_hz: float = 60.0
    hum_prob: float = 0.2
    tone_lines_hz: tuple[float, ...] = ()
    insects: tuple[Insect, ...] = ()
    click_hz: float = 4500.0
    click_rate: float = 0.5
    click_periodic: bool = False
    rain_prob: float = 0.1
    rain_rate: float = 30.0
    wind_prob: float = 0.2
    traffic_prob: float = 0.2
    airplane_prob: float = 0.05
    handling_rate: float = 0.02
    transient_rate: float = 0.3
    tonal_rate: float = 0.05

    @classmethod
    def draw(cls, rng: np.random.Generator | int) -> UnitProfile:
        """A random unit profile from a generator or an integer seed.

        Examples
        --------
        >>> UnitProfile.draw(3) == UnitProfile.draw(3)
        True
        """
        if not isinstance(rng, np.random.Generator):
            check_int("rng", rng, 0)
            rng = np.random.default_rng(int(rng))
        n_lines = int(rng.choice([0, 0, 1, 2]))
        return cls(
            noise_slope_db=float(rng.uniform(-4.5, 0.5)),
            rumble_db=float(rng.uniform(5, 40)),
            rumble_hz=loguniform(rng, 80, 800),
            bandlimit_hz=float(rng.uniform(10000, 11500)) if rng.random() < 0.3 else None,
            hum_hz=float(rng.choice([50.0, 60.0])),
            hum_prob=float(rng.uniform(0, 0.6)) if rng.random() < 0.5 else 0.0,
            tone_lines_hz=tuple(float(rng.uniform(800, 9000)) for _ in range(n_lines)),
            insects=tuple(Insect.draw(rng) for _ in range(int(rng.choice([0, 1, 1, 2, 2, 3])))),
            click_hz=float(rng.uniform(3800, 5200)),
            click_rate=loguniform(rng, 0.05, 6),
            click_periodic=bool(rng.random() < 0.4),
            rain_prob=float(rng.uniform(0, 0.35)),
            rain_rate=loguniform(rng, 5, 200),
            wind_prob=float(rng.uniform(0, 0.5)),
            traffic_prob=float(rng.uniform(0, 0.6)),
            airplane_prob=float(rng.uniform(0, 0.15)),
            handling_rate=loguniform(rng, 0.002, 0.1),
            transient_rate=loguniform(rng, 0.05, 1.5),
            tonal_rate=loguniform(rng, 0.01, 0.2),
        )


# ---------------------------------------------------------------- hard-negative events
# Each returns (wave, lo_hz, hi_hz): a sound and the band its level is set in.
Event = tuple[np.ndarray, float, float]


def _click_kernel(rng: np.random.Generator, sr: int, fc: float) -> np.ndarray:
    """A click: a few-ms decaying resonance at ``fc`` plus a broadband tick."""
    n = int(rng.uniform(0.003, 0.015) * sr)
    t = np.arange(n) / sr
    ring = np.sin(2 * np.pi * fc * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / rng.uniform(3e-4, 2.5e-3))
    tick = rng.standard_normal(n) * np.exp(-t / 2e-4) * rng.uniform(0, 1)
    return ring + tick


def _impulse_train(
    rng: np.random.Generator, n: int, times: np.ndarray, kernel: np.ndarray, spread_db: float
) -> np.ndarray:
    """Copies of ``kernel`` at sample ``times`` (may start before 0) with random gains, [shape=(n,)]."""
    out = np.zeros(n + kernel.size)
    k = kernel.size
    idx = np.asarray(times, dtype=np.int64) + k
    idx = idx[(idx >= 0) & (idx < out.size)]
    gains = 10 ** (rng.uniform(-spread_db, 0, idx.size) / 20)
    if idx.size <= 20:  # a few copies: placing them beats an FFT convolution
        y = np.zeros(n)
        for i, g in zip(idx, gains):
            place(y, g * kernel, int(i) - k)
        return y
    np.add.at(out, idx, gains)
    m = fast_len(out.size + k)
    y = np.fft.irfft(np.fft.rfft(out, m) * np.fft.rfft(kernel, m), m)
    return y[k : k + n]


def _event_times(rng: np.random.Generator, n: int, sr: int, rate: float, periodic: bool, lead: int) -> np.ndarray:
    if periodic:
        period = sr / rate
        first = rng.uniform(-lead - period, -lead)
        times = first + period * np.arange(int((n + lead) / period) + 2)
        return times + rng.normal(0, 0.03 * period, times.size)
    return rng.uniform(-lead, n, rng.poisson(rate * (n + lead) / sr))


def _clicks(rng: np.random.Generator, n: int, sr: int, fc: float, rate: float, periodic: bool) -> Event:
    kernel = _click_kernel(rng, sr, fc)
    times = _event_times(rng, n, sr, rate, periodic, kernel.size)
    return _impulse_train(rng, n, times, kernel, 6), fc - 1500, fc + 1500


def _drop_kernel(rng: np.random.Generator, sr: int) -> np.ndarray:
    n = int(rng.uniform(0.004, 0.02) * sr)
    t = np.arange(n) / sr
    return band_noise(rng, n, sr, 800, 11000) * np.exp(-t / rng.uniform(5e-4, 4e-3))


def _plink(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A raindrop bubble: a short rising resonance (Minnaert chirp)."""
    n = int(rng.uniform(0.004, 0.02) * sr)
    f0 = rng.uniform(1200, min(6000, 0.3 * sr))
    f = f0 * (1 + rng.uniform(0.05, 0.4) * np.arange(n) / n)
    return tone(f, sr) * np.exp(-np.arange(n) / (n / 4))


def _insect(rng: np.random.Generator, n: int, sr: int, ins: Insect, pulses: int | None = None) -> Event:
    """An insect song [shape=(n,)]: a whole stretch, or a single chirp of ``pulses`` pulses from sample 0."""
    t = np.arange(n) / sr
    rate = ins.pulse_rate_hz * rng.uniform(0.9, 1.1)
    if pulses is None:  # the pulse rate wanders by about 2 %
        ph = (t * rate + rng.uniform(0, 1) + 0.02 * rate * np.cumsum(smooth(rng, n, sr, 0.3)) / sr) % 1
    else:
        ph = (t * rate) % 1
    gate = np.where(ph < ins.duty, np.sin(np.pi * ph / ins.duty) ** 2, 0.0)
    if pulses is not None:
        gate *= t * rate < pulses
    elif ins.chirp_rate_hz > 0:
        cp = (t * ins.chirp_rate_hz + rng.uniform(0, 1)) % 1
        gate *= np.clip(np.minimum(cp, ins.chirp_duty - cp) * ins.chirp_rate_hz * 200, 0, 1)
    gate *= 1 + 0.25 * smooth(rng, n, sr, 0.05)
    f = min(ins.freq_hz, 0.42 * sr)
    if ins.bandwidth_hz > 150:
        carrier = band_noise(rng, n, sr, f - ins.bandwidth_hz / 2, f + ins.bandwidth_hz / 2)
    else:
        glide = rng.uniform(0, 150) * (ph < ins.duty) * ph / ins.duty  # slight fall within a pulse
        carrier = tone(f - glide + 8 * smooth(rng, n, sr, 0.2), sr, rng.uniform(0, 2 * np.pi))
    half = max(ins.bandwidth_hz / 2, 150)
    return gate * carrier, f - half, f + half


def _band_transient(rng: np.random.Generator, sr: int) -> Event:
    """What an energy detector fires on: a noise burst somewhere in 1.5-10 kHz, 10-250 ms."""
    n = int(loguniform(rng, 0.01, 0.25) * sr)
    lo = rng.uniform(1500, min(8000, 0.38 * sr))
    hi = min(lo + rng.uniform(600, 4000), 0.45 * sr)
    env = envelope(n, rng.uniform(0.2, 2), rng.uniform(0.3, 3), int(0.001 * sr))
    return band_noise(rng, n, sr, lo, hi) * env, lo, hi


def _whistle(rng: np.random.Generator, sr: int) -> Event:
    """A long steady whistle (0.6-3 s): tonal but not call-shaped."""
    n = int(rng.uniform(0.6, 3.0) * sr)
    f0 = rng.uniform(1500, min(9000, 0.4 * sr))
    t = np.arange(n) / sr
    f = f0 + rng.uniform(-150, 150) * t / t[-1] + rng.uniform(0, 40) * np.sin(2 * np.pi * rng.uniform(3, 8) * t)
    x = tone(f, sr) + rng.uniform(0, 0.2) * tone(2 * f, sr) * (2 * f0 < 0.42 * sr)
    return x * envelope(n, 0.05, 0.05, int(0.05 * sr)), f0 - 200, f0 + 200


def _tone_fragment(rng: np.random.Generator, sr: int) -> Event:
    """A steady tone 0.1-0.8 s long outside the call bands (0.4-1.8 or 4.4-5.2 kHz), e.g. a distant whine."""
    n = int(rng.uniform(0.1, 0.8) * sr)
    f0 = rng.uniform(400, 1800) if rng.random() < 0.75 else rng.uniform(4400, 5200)
    f = f0 + rng.uniform(-20, 20) * np.arange(n) / n + 3 * smooth(rng, n, sr, 0.05)
    return tone(f, sr, rng.uniform(0, 2 * np.pi)) * envelope(n, 0.05, 0.05, int(0.02 * sr)), f0 - 150, f0 + 150


def _harmonic_stack(rng: np.random.Generator, sr: int) -> Event:
    """A very broadband harmonic sound (bark, squeak, frog): f0 250-1200 Hz, harmonics to 5-10 kHz."""
    n = int(loguniform(rng, 0.04, 0.5) * sr)
    u = np.arange(n) / n
    f0 = rng.uniform(250, 1200) * (1 + rng.uniform(-0.15, 0.15) * np.sin(np.pi * u))
    top = min(rng.uniform(5000, 10000), 0.45 * sr)
    k = np.arange(1, int(top / f0.max()) + 1)
    x = harmonics(rng, f0, sr, rng.uniform(0.3, 1, k.size) / np.sqrt(k))
    x *= envelope(n, rng.uniform(0.2, 1), rng.uniform(0.3, 2), int(0.003 * sr))
    return x, 300.0, top


def _sweep(rng: np.random.Generator, sr: int) -> Event:
    """A fast sweep across more than 4 kHz in 5-40 ms (electronic or mechanical, not a bird)."""
    n = int(rng.uniform(0.005, 0.04) * sr)
    a, b = sorted(rng.uniform(1000, min(11000, 0.45 * sr), 2))
    b = max(b, min(a + 4000, 0.45 * sr))
    f = np.linspace(a, b, n)[:: rng.choice([1, -1])]
    return tone(f, sr) * envelope(n, 0.5, 0.5, int(0.001 * sr)), a, b


def _song(rng: np.random.Generator, sr: int) -> Event:
    """A songbird phrase (dusk or dawn song): varied notes 15-120 ms long, 6-12 per second, 2-8 kHz."""
    n = int(rng.uniform(0.6, 2.5) * sr)
    x = np.zeros(n)
    t = rng.uniform(0, 0.05)
    while t < n / sr:
        m = int(rng.uniform(0.015, 0.12) * sr)
        f0, f1 = rng.uniform(2000, min(8000, 0.42 * sr), 2)
        u = np.arange(m) / m
        f = f0 + (f1 - f0) * u + rng.uniform(-800, 800) * np.sin(np.pi * u)
        env = envelope(m, rng.uniform(0.3, 1.5), rng.uniform(0.3, 1.5), int(0.001 * sr))
        place(x, rng.uniform(0.3, 1) * env * tone(f, sr, rng.uniform(0, 2 * np.pi)), int(t * sr))
        t += m / sr + rng.uniform(0.01, 0.08)
    return x, 2000.0, 8000.0


def _handling(rng: np.random.Generator, sr: int) -> Event:
    """Microphone handling: a low thump and a broadband scrape."""
    n = int(loguniform(rng, 0.03, 0.5) * sr)
    thump = lowpass_noise(rng, n, sr, rng.uniform(200, 1500), 4) * envelope(n, 0.1, 3)
    scrape = band_noise(rng, n, sr, 100, 10000) * np.abs(smooth(rng, n, sr, 0.01)) * envelope(n, 0.5, 1)
    return thump + rng.uniform(0.1, 1.5) * scrape, 100.0, 8000.0


def _wind(rng: np.random.Generator, n: int, sr: int) -> Event:
    """Wind gusts: strong low noise and leaf rustle, slowly swelling."""
    gust = np.exp(rng.uniform(0.5, 1.5) * smooth(rng, n, sr, rng.uniform(0.2, 1.5)))
    low = lowpass_noise(rng, n, sr, rng.uniform(100, 600), 3)
    rustle = band_noise(rng, n, sr, 800, 9000) * np.exp(0.8 * smooth(rng, n, sr, 0.02))
    return gust * (low + 10 ** (rng.uniform(-30, -10) / 20) * rustle), 20.0, 1000.0


def _traffic(rng: np.random.Generator, n: int, sr: int) -> Event:
    """Distant traffic: low swelling noise with tyre hiss and engine harmonics."""
    t = np.arange(n) / sr
    swell = 1 / (1 + ((t - rng.uniform(-5, n / sr + 5)) / rng.uniform(2, 10)) ** 2) + 0.3
    rumble = lowpass_noise(rng, n, sr, rng.uniform(300, 1500), 2)
    x = rumble + 0.2 * lowpass_noise(rng, n, sr, rng.uniform(1000, 3000), 3)  # tyre hiss
    f0 = rng.uniform(25, 70) * (1 + 0.03 * smooth(rng, n, sr, 2.0))
    x += harmonics(rng, f0, sr, 0.5 / np.arange(1, 9))
    return x * swell, 30.0, 2000.0


def _airplane(rng: np.random.Generator, n: int, sr: int) -> Event:
    """An aircraft drone: a slowly Doppler-shifting harmonic series over jet roar."""
    t = np.arange(n) / sr
    f0 = rng.uniform(60, 200) * (1 - rng.uniform(0, 0.002) * t + 0.003 * smooth(rng, n, sr, 1.0))
    k = np.arange(1, int(3000 / f0.max()) + 1)
    x = harmonics(rng, f0, sr, rng.uniform(0.2, 1, k.size) / k)
    return x + lowpass_noise(rng, n, sr, rng.uniform(500, 2500), 2) * rng.uniform(0.3, 2), 50.0, 3000.0


def _one_of(
    rng: np.random.Generator, makers: dict[str, Callable[[], Event]], weights: dict[str, float]
) -> tuple[str, Event]:
    names = list(weights)
    name = str(rng.choice(names, p=np.array([weights[k] for k in names]) / sum(weights.values())))
    return name, makers[name]()


def _tonal(rng: np.random.Generator, sr: int) -> Event:
    """A tonal sound that is not a call: long whistle, off-band steady tone, harmonic stack or sweep."""
    makers = {
        "whistle": lambda: _whistle(rng, sr),
        "fragment": lambda: _tone_fragment(rng, sr),
        "stack": lambda: _harmonic_stack(rng, sr),
        "sweep": lambda: _sweep(rng, sr),
    }
    return _one_of(rng, makers, {"whistle": 0.35, "fragment": 0.25, "stack": 0.25, "sweep": 0.15})[1]


HARD_NEGATIVES = {
    "insect": 0.23,  # a chirp of a few narrowband pulses, 2.5-11 kHz
    "transient": 0.18,  # a 1.5-10 kHz noise burst, 10-250 ms
    "clicks": 0.13,  # a few clicks ringing at the unit's 4-5 kHz
    "rain": 0.1,  # drops and a bubble plink
    "tonal": 0.15,  # long whistle, steady tone outside the call bands, harmonic stack or fast sweep
    "song": 0.08,  # a songbird phrase of many varied notes
    "handling": 0.07,
    "wind": 0.06,
}
"""Kinds of hard negative put near a negative clip's centre, with their shares."""


def hard_negative(rng: np.random.Generator, sr: int, profile: UnitProfile) -> tuple[str, Event, float]:
    """One hard-negative event for a clip: its kind, (wave, band lo, band hi) and a band SNR in dB.

    The wave's centre is where a detector would fire; kinds and shares are in :data:`HARD_NEGATIVES`.
    """

    def insect() -> Event:
        known = profile.insects and rng.random() < 0.7
        ins = profile.insects[rng.integers(len(profile.insects))] if known else Insect.draw(rng)
        # 3+ pulses, fast trills longer than a window: a lone tonal burst would look like a flat call
        slow = ins.pulse_rate_hz < 40
        pulses = int(rng.integers(3, 8)) if slow else int(ins.pulse_rate_hz * rng.uniform(0.6, 2.0)) + 1
        n = int(pulses / ins.pulse_rate_hz * sr) + 1
        return _insect(rng, n, sr, ins, pulses=pulses)

    def clicks() -> Event:
        n = int(rng.uniform(0.02, 0.4) * sr)
        fc, rate = profile.click_hz + rng.normal(0, 200), rng.uniform(3, 30)
        return _clicks(rng, n, sr, fc, rate, periodic=bool(rng.random() < 0.5))

    def rain() -> Event:
        n = int(rng.uniform(0.02, 0.3) * sr)
        x = _impulse_train(rng, n, rng.uniform(0, n, rng.integers(1, 6)), _drop_kernel(rng, sr), 10)
        place(x, _plink(rng, sr), int(rng.integers(0, n)))
        return x, 1000.0, 10000.0

    makers: dict[str, Callable[[], Event]] = {
        "insect": insect,
        "transient": lambda: _band_transient(rng, sr),
        "clicks": clicks,
        "rain": rain,
        "tonal": lambda: _tonal(rng, sr),
        "song": lambda: _song(rng, sr),
        "handling": lambda: _handling(rng, sr),
        "wind": lambda: _wind(rng, int(rng.uniform(0.3, 1.0) * sr), sr),
    }
    name, event = _one_of(rng, makers, HARD_NEGATIVES)
    snr = rng.uniform(5, 30) if name in ("handling", "wind") else draw_snr_db(rng)
    return name, event, float(snr)


def draw_snr_db(rng: np.random.Generator, low: float = -3.0) -> float:
    """Band SNR in dB: uniform in ``low``..25 dB.

    Measured so, real calls are 5-25 dB; below about -6 dB they vanish. Labelled calls
    use ``low=POSITIVE_MIN_SNR_DB``: calls barely above the noise taught models to fire
    on noise blips in quiet real nights; hard negatives and extra calls keep -3 dB.
    """
    return float(rng.uniform(low, 25))


# ---------------------------------------------------------------- backgrounds
class Mix:
    """A background being built: a bed of known band levels plus events set to band SNRs over it.

    ``x`` [shape=(n,), float64] is the running mixture; :meth:`bed_rms` is the
    bed's RMS in a band, measured once before any event is added.
    """

    def __init__(self, bed: np.ndarray, sr: int) -> None:
        self.x = bed
        self.sr = sr
        p = np.abs(np.fft.rfft(bed)) ** 2
        p[0] = 0.0
        self._cum = np.concatenate([[0.0], np.cumsum(p)])
        self._df = sr / bed.size

    def bed_rms(self, lo: float, hi: float) -> float:
        i0 = int(np.clip(math.ceil(lo / self._df), 0, self._cum.size - 1))
        i1 = int(np.clip(math.floor(hi / self._df) + 1, i0, self._cum.size - 1))
        return math.sqrt(2 * (self._cum[i1] - self._cum[i0])) / self.x.size + 1e-12

    def add(self, event: Event, start: int, snr_db: float, ref_rms: float | None = None) -> None:
        """Add ``event`` at sample ``start`` with its RMS (or ``ref_rms``) ``snr_db`` above the bed in its band."""
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
            mix.add(_insect(rng, n, sr, ins), 0, ins.snr_db + rng.normal(0, 3))
    if rng.random() < profile.rain_prob:
        rate = profile.rain_rate * rng.uniform(0.5, 2)
        kernel = _drop_kernel(rng, sr)
        times = rng.uniform(-kernel.size, n, rng.poisson(rate * secs))
        mix.add((_impulse_train(rng, n, times, kernel, 20), 1000.0, 10000.0), 0, rng.uniform(0, 20), rms(kernel))
        mix.add((band_noise(rng, n, sr, 1000, 11000), 1000.0, 10000.0), 0, rng.uniform(-10, 3))
        for _ in range(min(rng.poisson(0.1 * rate * secs), int(20 * secs) + 1)):
            plink = _plink(rng, sr)
            mix.add((plink, 1000.0, 6000.0), _random_start(rng, n, plink.size), rng.uniform(-5, 15))
    if rng.random() < profile.wind_prob:
        mix.add(_wind(rng, n, sr), 0, rng.uniform(5, 30))
    if rng.random() < profile.traffic_prob:
        mix.add(_traffic(rng, n, sr), 0, rng.uniform(0, 25))
    if rng.random() < profile.airplane_prob:
        mix.add(_airplane(rng, n, sr), 0, rng.uniform(5, 30))
    kernel = _click_kernel(rng, sr, profile.click_hz)
    rate = profile.click_rate * rng.uniform(0.5, 1.5)
    times = _event_times(rng, n, sr, rate, profile.click_periodic, kernel.size)
    lo_hi = (profile.click_hz - 1500, profile.click_hz + 1500)
    mix.add((_impulse_train(rng, n, times, kernel, 6), *lo_hi), 0, rng.uniform(0, 20), rms(kernel))
    sporadic: list[tuple[float, Callable[[], Event], tuple[float, float]]] = [
        (profile.handling_rate, lambda: _handling(rng, sr), (5, 30)),
        (profile.transient_rate, lambda: _band_transient(rng, sr), (-5, 15)),
        (profile.tonal_rate, lambda: _tonal(rng, sr), (0, 20)),
    ]
    for rate, make, snr in sporadic:
        for _ in range(rng.poisson(rate * secs)):
            event = make()
            mix.add(event, _random_start(rng, n, event[0].size), rng.uniform(*snr))


def background_mix(
    rng: np.random.Generator, n: int, sr: int, profile: UnitProfile, real: RealBackgrounds | None
) -> Mix:
    """Unchecked core of :func:`synth_background`, returning the :class:`Mix` to add more to."""
    mix = Mix(_bed(rng, n, sr, profile, real), sr)
    _add_ambient(rng, mix, profile)
    return mix


def synth_background(
    rng: np.random.Generator,
    n_samples: int,
    sr: int = 24000,
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


def check_real(real: Any, sr: int) -> None:
    if real is not None and not isinstance(real, RealBackgrounds):
        raise ParameterError(f"real={real!r} must be a RealBackgrounds or None")
    if real is not None and real.sr != sr:
        raise ParameterError(
            f"real has sr={real.sr} Hz but sr={sr}; load it with RealBackgrounds(folder, sr={sr})"
        )


# ---------------------------------------------------------------- real recordings
_CLOCK = re.compile(r"(?<!\d)([01]\d|2[0-3])([0-5]\d)([0-5]\d)(?!\d)")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def clock_seconds(name: str) -> int | None:
    """Time of day (seconds after midnight) from the last stand-alone ``HHMMSS`` in a file name.

    The group must be exactly six digits with no digit on either side, e.g.
    ``S4A03895_20190522_213000.wav`` -> 77400 (21:30:00). None when there is none.
    """
    found = list(_CLOCK.finditer(Path(name).stem))
    if not found:
        return None
    h, m, s = (int(g) for g in found[-1].groups())
    return 3600 * h + 60 * m + s


def _parse_night(night: Any) -> tuple[int, int] | None:
    if night is None:
        return None
    pair = isinstance(night, (tuple, list)) and len(night) == 2
    if not (pair and all(isinstance(v, str) and _HHMM.match(v) for v in night)):
        raise ParameterError(f"night={night!r} must be None or a pair of 'HH:MM' times, e.g. ('21:30', '04:30')")
    start, end = ((int(v.split(":")[0]) * 60 + int(v.split(":")[1])) * 60 for v in night)
    return start, end


def _in_window(t: int | None, window: tuple[int, int]) -> bool:
    if t is None:
        return False
    start, end = window
    return start <= t <= end if start <= end else (t >= start or t <= end)


def _load_mono(path: Path, sr: int) -> np.ndarray:
    import soundfile as sf
    import soxr

    try:
        x, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError) as e:
        raise AudioError(f"{path}: cannot read audio ({e})") from e
    x = x.mean(axis=1)
    x = x - x.mean()
    if file_sr != sr:
        x = soxr.resample(x, file_sr, sr)
    return np.ascontiguousarray(x, dtype=np.float32)


class RealBackgrounds:
    """Excerpts of real recordings to use as backgrounds, held in memory at ``sr``.

    Loads every ``.wav``/``.flac``/``.ogg``/``.mp3`` under ``folder``
    (recursively, sorted), mixes channels to mono, removes DC and resamples
    to ``sr`` with soxr. Files shorter than 0.2 s are skipped.

    Parameters
    ----------
    folder : str or Path
        A directory of recordings (night ambience without flight calls).
    sr : int, 16000 <= sr <= 384000
    night : (str, str) or None
        Keep only files whose name holds a clock time (see
        :func:`clock_seconds`: the last stand-alone six-digit ``HHMMSS``)
        inside this ``('HH:MM', 'HH:MM')`` window, ends included; a window
        whose start is later than its end wraps past midnight, e.g.
        ``('21:30', '04:30')``. Files without a time are then left out.
    gain_db : (float, float)
        Range of the random gain of each excerpt, uniform in dB.
    mix_probability : float in [0, 1]
        Chance that :func:`synth_background` uses a real excerpt as its bed.

    Examples
    --------
    >>> real = RealBackgrounds("jura/", night=("21:30", "04:30"))  # doctest: +SKIP
    >>> x = real.excerpt(np.random.default_rng(0), 12000)  # doctest: +SKIP
    """

    def __init__(
        self,
        folder: str | Path,
        sr: int = 24000,
        night: tuple[str, str] | None = None,
        gain_db: tuple[float, float] = (-6.0, 6.0),
        mix_probability: float = 0.5,
    ) -> None:
        folder = Path(folder)
        sr = check_sr(sr)
        window = _parse_night(night)
        lo, hi = (gain_db if isinstance(gain_db, (tuple, list)) and len(gain_db) == 2 else (math.nan, math.nan))
        if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and -120 <= lo <= hi <= 60):
            raise ParameterError(
                f"gain_db={gain_db!r} must be a pair (low, high) of dB with -120 <= low <= high <= 60"
            )
        if not (isinstance(mix_probability, (int, float)) and 0 <= mix_probability <= 1):
            raise ParameterError(f"mix_probability={mix_probability!r} must be a number in [0, 1]")
        if not folder.is_dir():
            raise ParameterError(f"folder={str(folder)!r} is not a directory")
        paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
        if window is not None:
            paths = [p for p in paths if _in_window(clock_seconds(p.name), window)]
        self.sr, self.gain_db, self.mix_probability = sr, (float(lo), float(hi)), float(mix_probability)
        self.paths: list[Path] = []
        self._audio: list[np.ndarray] = []
        for p in paths:
            x = _load_mono(p, sr)
            if x.size >= 0.2 * sr:
                self.paths.append(p)
                self._audio.append(x)
        if not self._audio:
            which = f"night-time ({night[0]}-{night[1]}) " if night else ""
            kinds = ", ".join(AUDIO_SUFFIXES)
            raise ParameterError(f"folder={str(folder)!r} holds no {which}audio files of 0.2 s or more ({kinds})")
        sizes = np.array([a.size for a in self._audio], dtype=np.float64)
        self._weights = sizes / sizes.sum()

    def __len__(self) -> int:
        return len(self._audio)

    @property
    def seconds(self) -> float:
        """Total duration held, in seconds."""
        return sum(a.size for a in self._audio) / self.sr

    def excerpt(self, rng: np.random.Generator, n_samples: int) -> np.ndarray:
        """A random excerpt [shape=(n_samples,), float32] with a random gain from ``gain_db``.

        Files are picked in proportion to their length; an excerpt longer
        than a file joins pieces with 50 ms equal-power crossfades.
        """
        check_rng(rng)
        n = check_int("n_samples", n_samples, 1)
        xf = int(0.05 * self.sr)
        fade_in = np.sin(0.5 * np.pi * (np.arange(xf) + 0.5) / xf)
        out = np.zeros(n)
        pos = 0
        while pos < n:
            a = self._audio[int(rng.choice(len(self._audio), p=self._weights))]
            at = pos - xf if pos else 0
            take = min(a.size, n - at)
            s = int(rng.integers(0, a.size - take + 1))
            piece = a[s : s + take].astype(np.float64)
            if pos:
                out[at:pos] *= fade_in[::-1]
                piece[:xf] *= fade_in
            out[at : at + take] += piece
            pos = at + take
        return (out * 10 ** (rng.uniform(*self.gain_db) / 20)).astype(np.float32)
