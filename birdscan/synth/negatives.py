"""Hard negatives: sounds a flight-call detector meets that are not calls.

Clicks, rain drops and plinks, insect pulse trains, band transients, whistles,
harmonic stacks, sweeps, handling noise, thunder and wind (long stretches, made in
:mod:`birdscan.synth.noises`), and the animals of :mod:`birdscan.synth.creatures` (insects,
frogs, owls, song), each an :data:`Event`; :func:`hard_negative` draws one such event for a clip.
:mod:`birdscan.synth.ambience` lays them over a bed. Sample rates are integers in Hz; numpy only.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .creatures import Event, chorus, coqui, frog, insect_pulses, owl, song
from .noises import thunder, wind
from .noises import airplane, traffic  # lived here before synth.noises (see __all__)
from .profile import Insect, UnitProfile
from .dsp import (
    band_noise,
    envelope,
    fast_len,
    harmonics,
    loguniform,
    lowpass_noise,
    place,
    smooth,
    tone,
)

__all__ = ["click_kernel", "impulse_train", "event_times", "drop_kernel", "plink", "steady", "band_transient",
           "handling", "tonal", "HARD_NEGATIVES", "hard_negative", "draw_snr_db", "airplane", "traffic",
           "thunder", "wind"]


# ---------------------------------------------------------------- hard-negative events
# Each returns an Event (wave, lo_hz, hi_hz): a sound and the band its level is set in.


def click_kernel(rng: np.random.Generator, sr: int, fc: float) -> np.ndarray:
    """A click: a few-ms decaying resonance at ``fc`` plus a broadband tick.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz
    fc : float, Hz, the resonance

    Returns
    -------
    np.ndarray [shape=(n,), float64], 3-15 ms, not normalised
    """
    n = int(rng.uniform(0.003, 0.015) * sr)
    t = np.arange(n) / sr
    ring = np.sin(2 * np.pi * fc * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / rng.uniform(3e-4, 2.5e-3))
    tick = rng.standard_normal(n) * np.exp(-t / 2e-4) * rng.uniform(0, 1)
    return ring + tick


def impulse_train(
    rng: np.random.Generator, n: int, times: np.ndarray, kernel: np.ndarray, spread_db: float
) -> np.ndarray:
    """Copies of ``kernel`` at sample ``times`` (may start before 0) with random gains, [shape=(n,)].

    Parameters
    ----------
    rng : np.random.Generator, draws the gains
    n : int > 0, samples
    times : np.ndarray [shape=(k,)], samples (truncated to integers), where each copy starts;
        copies starting more than ``len(kernel)`` samples before 0, or at ``n`` or later, are dropped
    kernel : np.ndarray [shape=(m,)], the sound repeated
    spread_db : float >= 0, dB; each copy's gain is drawn uniformly in [-spread_db, 0] dB

    Returns
    -------
    np.ndarray [shape=(n,), float64], the sum of the copies
    """
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


def event_times(rng: np.random.Generator, n: int, sr: int, rate: float, periodic: bool, lead: int) -> np.ndarray:
    """Sample times of repeated events at ``rate`` per second (jittered-periodic or Poisson),
    starting up to ``lead`` samples before 0.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples the events must cover
    sr : int, Hz
    rate : float > 0, events per second
    periodic : bool; True: one every ``sr / rate`` samples from a random phase, each moved by a
        Gaussian jitter of 3 % of the period (they run from before ``-lead`` to past ``n``);
        False: a Poisson number of times, uniform in ``[-lead, n)``
    lead : int >= 0, samples before 0 the events may start (so sounds already under way at 0
        are heard)

    Returns
    -------
    np.ndarray [shape=(k,), float64], samples (not integers); the Poisson times are not sorted
    """
    if periodic:
        period = sr / rate
        first = rng.uniform(-lead - period, -lead)
        times = first + period * np.arange(int((n + lead) / period) + 2)
        return times + rng.normal(0, 0.03 * period, times.size)
    return rng.uniform(-lead, n, rng.poisson(rate * (n + lead) / sr))


def _clicks(rng: np.random.Generator, n: int, sr: int, fc: float, rate: float, periodic: bool) -> Event:
    kernel = click_kernel(rng, sr, fc)
    times = event_times(rng, n, sr, rate, periodic, kernel.size)
    return impulse_train(rng, n, times, kernel, 6), fc - 1500, fc + 1500


def drop_kernel(rng: np.random.Generator, sr: int) -> np.ndarray:
    """One raindrop's sound: a 4-20 ms decaying burst of 0.8-11 kHz noise.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    np.ndarray [shape=(n,), float64], the burst (n = 4-20 ms of samples), not normalised
    """
    n = int(rng.uniform(0.004, 0.02) * sr)
    t = np.arange(n) / sr
    return band_noise(rng, n, sr, 800, 11000) * np.exp(-t / rng.uniform(5e-4, 4e-3))


def plink(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A raindrop bubble: a short rising resonance (Minnaert chirp).

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    np.ndarray [shape=(n,), float64], 4-20 ms: a tone from 1.2-6 kHz (at most 0.3 * ``sr``)
    rising by 5-40 %, decaying from amplitude 1
    """
    n = int(rng.uniform(0.004, 0.02) * sr)
    f0 = rng.uniform(1200, min(6000, 0.3 * sr))
    f = f0 * (1 + rng.uniform(0.05, 0.4) * np.arange(n) / n)
    return tone(f, sr) * np.exp(-np.arange(n) / (n / 4))


def steady(rng: np.random.Generator, sr: int) -> Event:
    """A steady sound longer than a window (0.7-3 s) inside the call bands: a pure tone at
    1.5-9 kHz (half of them in the thrush band, 2-4.2 kHz; a third with the vibrato of a flat
    call, 30-150 Hz deep at 8-30 Hz) or a harmonic stack on 0.5-3 kHz (machinery, a whining
    insect, a tonal frog, a whistled owl note). What tells it from a flat call is its length.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,), float64], n set by the draw; the band
        is the tone +- 150 Hz, or from 150 Hz below the fundamental to the top harmonic
    """
    n = int(rng.uniform(0.7, 3.0) * sr)
    t = np.arange(n) / sr
    if rng.random() < 0.6:
        f0 = rng.uniform(2000, 4200) if rng.random() < 0.5 else rng.uniform(1500, min(9000, 0.4 * sr))
        if rng.random() < 1 / 3:
            f = f0 + rng.uniform(30, 150) * np.sin(2 * np.pi * rng.uniform(8, 30) * t + rng.uniform(0, 2 * np.pi))
        else:
            f = f0 + rng.uniform(0, 15) * np.sin(2 * np.pi * rng.uniform(2, 8) * t)
        return tone(f, sr, rng.uniform(0, 2 * np.pi)) * envelope(n, 0.05, 0.05, int(0.03 * sr)), f0 - 150, f0 + 150
    f0 = rng.uniform(500, 3000)
    k = np.arange(1, max(2, int(min(9000, 0.42 * sr) / f0)) + 1)
    x = harmonics(rng, np.full(n, f0), sr, rng.uniform(0.2, 1, k.size) / np.sqrt(k))
    return x * envelope(n, 0.05, 0.05, int(0.03 * sr)), f0 - 150, float(k[-1] * f0)


def band_transient(rng: np.random.Generator, sr: int) -> Event:
    """What an energy detector fires on: a noise burst somewhere in 1.5-10 kHz, 10-250 ms.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)``: wave [shape=(n,), float64], the burst's band noise under an
        attack/decay envelope; the band is the noise band (at most 0.45 * ``sr``)
    """
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


def handling(rng: np.random.Generator, sr: int) -> Event:
    """Microphone handling: a low thump and a broadband scrape.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, 100.0, 8000.0)``: wave [shape=(n,), float64], 30-500 ms, not normalised
    """
    n = int(loguniform(rng, 0.03, 0.5) * sr)
    thump = lowpass_noise(rng, n, sr, rng.uniform(200, 1500), 4) * envelope(n, 0.1, 3)
    scrape = band_noise(rng, n, sr, 100, 10000) * np.abs(smooth(rng, n, sr, 0.01)) * envelope(n, 0.5, 1)
    return thump + rng.uniform(0.1, 1.5) * scrape, 100.0, 8000.0


def _one_of(
    rng: np.random.Generator, makers: dict[str, Callable[[], Event]], weights: dict[str, float]
) -> tuple[str, Event]:
    names = list(weights)
    name = str(rng.choice(names, p=np.array([weights[k] for k in names]) / sum(weights.values())))
    return name, makers[name]()


def tonal(rng: np.random.Generator, sr: int) -> Event:
    """A tonal sound that is not a call: long whistle, off-band steady tone, harmonic stack or sweep.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, lo_hz, hi_hz)`` of the kind drawn (shares 35, 25, 25 and 15 %): wave
        [shape=(n,), float64], n set by the draw (5 ms to 3 s)
    """
    makers = {
        "whistle": lambda: _whistle(rng, sr),
        "fragment": lambda: _tone_fragment(rng, sr),
        "stack": lambda: _harmonic_stack(rng, sr),
        "sweep": lambda: _sweep(rng, sr),
    }
    return _one_of(rng, makers, {"whistle": 0.35, "fragment": 0.25, "stack": 0.25, "sweep": 0.15})[1]


HARD_NEGATIVES = {
    "insect": 0.14,  # a chirp of a few narrowband pulses, 1.5-11 kHz
    "chorus": 0.08,  # an unsynchronised chorus of one insect species
    "frog": 0.08,  # frog trills and croaks, 0.5-3 kHz
    "steady": 0.10,  # a steady tone or harmonic stack in the call bands, longer than a window
    "transient": 0.10,  # a 1.5-10 kHz noise burst, 10-250 ms
    "clicks": 0.08,  # a few clicks ringing at the unit's 4-5 kHz
    "rain": 0.08,  # drops and a bubble plink
    "tonal": 0.09,  # long whistle, steady tone outside the call bands, harmonic stack or fast sweep
    "song": 0.05,  # a songbird phrase of many varied notes
    "handling": 0.05,
    "wind": 0.04,
    "owl": 0.05,  # owl hoots or a tremolo trill: harmonics and onsets in the thrush band
    "coqui": 0.04,  # a two-note tree-frog call whose second note is an upsweep at 2-3.4 kHz
    "thunder": 0.02,  # a crack and a rolling rumble
}
"""Kinds of hard negative put near a negative clip's centre, with their shares."""


def hard_negative(rng: np.random.Generator, sr: int, profile: UnitProfile) -> tuple[str, Event, float]:
    """One hard-negative event for a clip.

    The wave's centre is where a detector would fire; kinds and shares are in :data:`HARD_NEGATIVES`.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz
    profile : UnitProfile, the unit's insects (7 in 10 insect events are one of them, when it
        has any) and click frequency

    Returns
    -------
    (kind, event, snr_db) : str, a key of :data:`HARD_NEGATIVES`; Event ``(wave, lo_hz, hi_hz)``;
    float, the band SNR in dB to mix it at (5-30 dB for handling, wind and thunder, else
    :func:`draw_snr_db`)
    """

    def insect() -> Event:
        known = profile.insects and rng.random() < 0.7
        ins = profile.insects[rng.integers(len(profile.insects))] if known else Insect.draw(rng)
        # 3+ pulses, fast trills longer than a window: a lone tonal burst would look like a flat call
        slow = ins.pulse_rate_hz < 40
        pulses = int(rng.integers(3, 8)) if slow else int(ins.pulse_rate_hz * rng.uniform(0.6, 2.0)) + 1
        n = int(pulses / ins.pulse_rate_hz * sr) + 1
        return insect_pulses(rng, n, sr, ins, pulses=pulses)

    def clicks() -> Event:
        n = int(rng.uniform(0.02, 0.4) * sr)
        fc, rate = profile.click_hz + rng.normal(0, 200), rng.uniform(3, 30)
        return _clicks(rng, n, sr, fc, rate, periodic=bool(rng.random() < 0.5))

    def rain() -> Event:
        n = int(rng.uniform(0.02, 0.3) * sr)
        x = impulse_train(rng, n, rng.uniform(0, n, rng.integers(1, 6)), drop_kernel(rng, sr), 10)
        place(x, plink(rng, sr), int(rng.integers(0, n)))
        return x, 1000.0, 10000.0

    makers: dict[str, Callable[[], Event]] = {
        "insect": insect,
        "transient": lambda: band_transient(rng, sr),
        "clicks": clicks,
        "rain": rain,
        "tonal": lambda: tonal(rng, sr),
        "chorus": lambda: chorus(rng, int(rng.uniform(0.6, 1.5) * sr), sr),
        "frog": lambda: frog(rng, sr),
        "steady": lambda: steady(rng, sr),
        "song": lambda: song(rng, sr),
        "handling": lambda: handling(rng, sr),
        "wind": lambda: wind(rng, int(rng.uniform(0.3, 1.0) * sr), sr),
        "owl": lambda: owl(rng, sr),
        "coqui": lambda: coqui(rng, sr),
        "thunder": lambda: thunder(rng, int(rng.uniform(0.5, 2.0) * sr), sr),
    }
    name, event = _one_of(rng, makers, HARD_NEGATIVES)
    snr = rng.uniform(5, 30) if name in ("handling", "wind", "thunder") else draw_snr_db(rng)
    return name, event, float(snr)


def draw_snr_db(rng: np.random.Generator, low: float = -3.0) -> float:
    """Band SNR in dB: uniform in ``low``..25 dB.

    Measured so, real calls are 5-25 dB; below about -6 dB they vanish. Labelled calls
    use ``low=POSITIVE_MIN_SNR_DB``: calls barely above the noise taught models to fire
    on noise blips in quiet real nights; hard negatives and extra calls keep -3 dB.

    Parameters
    ----------
    rng : np.random.Generator
    low : float, dB, the lower bound (below 25)

    Returns
    -------
    float, dB
    """
    return float(rng.uniform(low, 25))
