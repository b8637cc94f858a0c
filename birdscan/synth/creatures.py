"""Animal sounds that are not flight calls: insect songs and choruses, frogs, owls, song.

Each returns an :data:`Event` ``(wave, lo_hz, hi_hz)``: a sound
and the band its level is set in. :mod:`birdscan.synth.negatives` draws them as hard
negatives; :mod:`birdscan.synth.ambience` lays choruses and frogs in the beds, under
calls as well. Sample rates are integers in Hz; numpy only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .dsp import band_noise, envelope, harmonics, place, smooth, tone
from .profile import Insect

Event = tuple[np.ndarray, float, float]
"""A sound [shape=(n,)] and the band (Hz) its level is set in."""


def insect_pulses(rng: np.random.Generator, n: int, sr: int, ins: Insect, pulses: int | None = None) -> Event:
    """An insect song [shape=(n,)]: a whole stretch, or a single chirp of ``pulses`` pulses from sample 0.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz
    ins : Insect, the species (its pulse rate is varied by +-10 %; ``presence`` and ``snr_db`` are not used here)
    pulses : int or None; None: the whole stretch sings (in chirps when ``ins.chirp_rate_hz > 0``,
        its pulse rate wandering a little); an int: that many pulses from sample 0, then silence

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,), float64], not normalised; the band is the
        carrier (capped at 0.42 * ``sr``) +- half its bandwidth, at least 150 Hz
    """
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


def chorus(rng: np.random.Generator, n: int, sr: int) -> Event:
    """An unsynchronised chorus [shape=(n,)]: 3-12 individuals of one insect species, each
    at its own pitch (+-7 %), pulse rate (+-10 %) and phase, summed at random levels.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,), float64], not normalised (levels 0 to
        -12 dB each); the band is the species' pitch +- (half its bandwidth, at least 150 Hz,
        plus 7 % of the pitch)
    """
    base = Insect.draw(rng)
    x = np.zeros(n)
    for _ in range(int(rng.integers(3, 13))):
        ind = Insect(base.freq_hz * rng.uniform(0.93, 1.07), base.bandwidth_hz, base.pulse_rate_hz * rng.uniform(0.9, 1.1),
                     base.duty, base.chirp_rate_hz * rng.uniform(0.8, 1.2), base.chirp_duty, 1.0, 0.0)
        x += insect_pulses(rng, n, sr, ind)[0] * 10 ** (rng.uniform(-12, 0) / 20)
    half = max(base.bandwidth_hz / 2, 150) + 0.07 * base.freq_hz
    return x, base.freq_hz - half, base.freq_hz + half


def frog(rng: np.random.Generator, sr: int, n: int | None = None) -> Event:
    """A frog: a trill (harmonic pulses, dominant 0.5-3 kHz, 8-60 per second, 0.3-2 s) or a
    croak (0.08-0.4 s, fundamental 150-600 Hz with harmonics to about 3 kHz). With ``n``, a
    chorus of several such frogs (three in ten times of :func:`coqui` frogs) over ``n`` samples.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz
    n : int > 0 or None, samples of a chorus of 2-7 frogs, each calling at random times; None
        for one frog's call

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,) for a chorus, else its own length, float64],
        not normalised; the band is 400-3500 Hz for a chorus, 300-3000 Hz for a croak, and for
        a trill 200 Hz below its dominant frequency to twice the top of it
    """
    if n is not None:
        x = np.zeros(n)
        coquis = rng.random() < 0.3
        for _ in range(int(rng.integers(2, 8))):
            wave, _, _ = coqui(rng, sr) if coquis else frog(rng, sr)
            for start in rng.uniform(-wave.size, n, rng.poisson(max(n / sr / 2, 1))).astype(int):
                place(x, wave * 10 ** (rng.uniform(-12, 0) / 20), int(start))
        return x, 400.0, 3500.0
    if rng.random() < 0.6:  # trill
        m = int(rng.uniform(0.3, 2.0) * sr)
        t = np.arange(m) / sr
        f0 = rng.uniform(500, 3000) * (1 + rng.uniform(-0.05, 0.05) * t / t[-1])
        rate, duty = rng.uniform(8, 60), rng.uniform(0.2, 0.6)
        ph = (t * rate) % 1
        gate = np.where(ph < duty, np.sin(np.pi * ph / duty) ** 2, 0.0)
        k = np.arange(1, 4)
        x = harmonics(rng, f0, sr, rng.uniform(0.2, 1, k.size) / k * (f0.max() * k < 0.45 * sr))
        return x * gate * envelope(m, 0.3, 0.3, int(0.01 * sr)), float(f0.min()) - 200, float(f0.max()) * 2
    m = int(rng.uniform(0.08, 0.4) * sr)
    u = np.arange(m) / m
    f0 = rng.uniform(150, 600) * (1 + rng.uniform(-0.2, 0.2) * u)
    k = np.arange(1, int(3000 / f0.max()) + 1)
    formant = rng.uniform(600, 2500)
    amps = np.exp(-((k * f0.mean() - formant) / 800) ** 2) + 0.05
    am = 1 + 0.5 * np.sin(2 * np.pi * rng.uniform(20, 80) * u * m / sr)
    return harmonics(rng, f0, sr, amps) * am * envelope(m, 0.5, 1.0, int(0.003 * sr)), 300.0, 3000.0


def coqui(rng: np.random.Generator, sr: int) -> Event:
    """A two-note tree-frog call ("co-qui"): a steady note at 1-1.7 kHz, 60-150 ms, then after
    10-80 ms an upsweep from 1.5-2 kHz to 2.2-3.4 kHz, 80-200 ms, with weak harmonics. The second note
    alone looks like an upswept thrush call; the first note and the repetition (see
    :func:`frog` choruses) tell them apart.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,), float64], the two notes and the gap
        (0.15-0.43 s), not normalised; the band runs from 200 Hz below the first note to 200 Hz
        above the top of the upsweep
    """
    a = int(rng.uniform(0.06, 0.15) * sr)
    gap = int(rng.uniform(0.01, 0.08) * sr)
    b = int(rng.uniform(0.08, 0.2) * sr)
    f1 = rng.uniform(1000, 1700)
    u = np.arange(b) / b
    f2 = rng.uniform(1500, 2000)
    f2 = f2 + (rng.uniform(2200, 3400) - f2) * u ** rng.uniform(0.4, 1.0)
    notes = np.zeros(a + gap + b)
    amps = [1.0, rng.uniform(0, 0.2), rng.uniform(0, 0.08)]
    place(notes, harmonics(rng, np.full(a, f1), sr, amps) * envelope(a, 0.3, 0.6, int(0.004 * sr)), 0)
    level = rng.uniform(0.6, 1.4)
    place(notes, level * harmonics(rng, f2, sr, amps) * envelope(b, 0.4, 0.8, int(0.004 * sr)), a + gap)
    return notes, f1 - 200, float(f2.max()) + 200


def owl(rng: np.random.Generator, sr: int) -> Event:
    """An owl: a series of 1-5 hoots (0.15-1.2 s each, fundamental 250-900 Hz gliding a little,
    harmonics up to 2.5-6 kHz, soft onsets) or a tremolo trill (screech-owl like, 700-1400 Hz).
    Their harmonics and onsets reach into the thrush band.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz; harmonics stay below 0.45 * sr

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,), float64], n set by the draw (a trill 0.6-2.5 s;
        hoots 0.1-0.7 s apart); the band is 200 Hz (500 Hz for a trill) up to the harmonic limit
    """
    top = min(rng.uniform(2500, 6000), 0.45 * sr)
    if rng.random() < 0.25:  # tremolo trill
        n = int(rng.uniform(0.6, 2.5) * sr)
        t = np.arange(n) / sr
        f0 = rng.uniform(700, 1400) * (1 + rng.uniform(-0.1, 0.05) * t / t[-1])
        k = np.arange(1, int(top / f0.max()) + 1)
        gate = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(10, 40) * t)
        x = harmonics(rng, f0, sr, np.concatenate([[1.0], rng.uniform(0.2, 1, k.size - 1)]) / k)
        return x * gate * envelope(n, 0.4, 0.8, int(0.02 * sr)), 500.0, float(top)
    hoots = int(rng.integers(1, 6))
    f_base = rng.uniform(250, 900)

    def amps(k: np.ndarray) -> np.ndarray:
        return np.concatenate([[1.0], rng.uniform(0.3, 0.9, k.size - 1)]) * np.exp(-(k - 1) / rng.uniform(1.5, 5))

    return _hoot_series(rng, sr, hoots, f_base, top, (0.15, 1.2), (-0.08, 0.12), amps), 200.0, float(top)


def hoots(rng: np.random.Generator, sr: int) -> Event:
    """Owl hoots with free harmonic weights: 1-4 hoots (0.2-1.2 s, fundamental 250-1200 Hz,
    nearly flat after rising into it, some quavering), harmonics up to 2.5-6 kHz each weighted
    0.1-1 and fading in a little after the fundamental; in half of the series the even
    harmonics are weak, as in a tawny owl's hoot, so that the 3rd and 5th stand alone in the
    thrush and tseep bands over a fundamental that may lie below the frontend's 1 kHz.
    :func:`owl` (the hard negatives' owls) weights the harmonics by a falling curve, and its
    hoots do not cover these.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz; harmonics stay below 0.45 * sr

    Returns
    -------
    Event
        ``(wave, 200.0, hi_hz)``: wave [shape=(n,), float64], hoots 0.1-0.7 s apart, not
        normalised; ``hi_hz`` the harmonic limit

    Examples
    --------
    >>> x, lo, hi = hoots(np.random.default_rng(0), 24000)
    >>> x.size >= 0.2 * 24000, lo < 1900 < hi
    (True, True)
    """
    top = min(rng.uniform(2500, 6000), 0.45 * sr)
    count = int(rng.integers(1, 5))
    f_base = rng.uniform(250, 1200)
    odd = rng.random() < 0.5
    tilt = rng.uniform(2, 8)

    def amps(k: np.ndarray) -> np.ndarray:
        a = rng.uniform(0.1, 1.0, k.size) * np.exp(-(k - 1) / tilt)
        a[0] = 1.0
        if odd:
            a[1::2] *= rng.uniform(0, 0.15, a[1::2].size)
        return a

    return _hoot_series(rng, sr, count, f_base, top, (0.2, 1.2), (-0.05, 0.05), amps, lively=True), 200.0, float(top)


def _hoot_series(rng: np.random.Generator, sr: int, count: int, f_base: float, top: float,
                 length_s: tuple[float, float], glide: tuple[float, float],
                 amps: Callable[[np.ndarray], np.ndarray], lively: bool = False) -> np.ndarray:
    """``count`` hoots on ``f_base`` Hz (each 0.95-1.05 of it, gliding by ``glide`` over its
    length), harmonics up to ``top`` Hz weighted ``amps(k)``, soft onsets, 0.1-0.7 s apart.
    ``lively``: each hoot also rises into its pitch from 80-100% of it over 10-50 ms, in 4 of 10
    quavers from some point on (4-15 Hz, 1-4 %), and its upper harmonics fade in over 0-60 ms
    (draws made only then, so that :func:`owl` draws as it always did)."""
    parts = []
    for _ in range(count):
        m = int(rng.uniform(*length_s) * sr)
        u = np.arange(m) / m
        f0 = f_base * rng.uniform(0.95, 1.05) * (1 + rng.uniform(*glide) * np.sin(np.pi * u))
        if lively:
            t = np.arange(m) / sr
            f0 = f0 * (1 - rng.uniform(0, 0.2) * np.exp(-t / rng.uniform(0.01, 0.05)))
            if rng.random() < 0.4:
                start = rng.uniform(0, 0.7) * t[-1]
                depth, rate = rng.uniform(0.01, 0.04), rng.uniform(4, 15)
                f0 = f0 * (1 + depth * np.sin(2 * np.pi * rate * (t - start)) * (t > start))
        k = np.arange(1, int(top / f0.max()) + 1)
        weights = amps(k)
        if lively:
            lag = max(1, int(rng.uniform(0, 0.06) * sr))
            upper = np.concatenate([[0.0], weights[1:]])
            wave = harmonics(rng, f0, sr, weights[:1]) + harmonics(rng, f0, sr, upper) * np.minimum(np.arange(m) / lag, 1)
        else:
            wave = harmonics(rng, f0, sr, weights)
        parts.append(wave * envelope(m, rng.uniform(0.2, 0.8), rng.uniform(0.3, 1.2), int(0.01 * sr)))
        parts.append(np.zeros(int(rng.uniform(0.1, 0.7) * sr)))
    return np.concatenate(parts[:-1])


def song(rng: np.random.Generator, sr: int) -> Event:
    """A songbird phrase (dusk or dawn song): varied notes 15-120 ms long, 6-12 per second, 2-8 kHz.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz; notes stay below 0.42 * ``sr``

    Returns
    -------
    Event
        ``(wave, 2000.0, 8000.0)``: wave [shape=(n,), float64], 0.6-2.5 s, not normalised
    """
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
