"""Long noise stretches: thunder, wind, traffic, aircraft.

Each fills ``n`` samples and returns an :data:`Event` ``(wave, lo_hz, hi_hz)``: a sound and
the band its level is set in. :mod:`birdscan.synth.ambience` lays wind, traffic and aircraft
over its beds; :mod:`birdscan.synth.negatives` draws short stretches of thunder and wind as hard
negatives.
Sample rates are integers in Hz; numpy only.
"""

from __future__ import annotations

import numpy as np

from .creatures import Event
from .dsp import band_noise, envelope, harmonics, lowpass_noise, place, smooth


def thunder(rng: np.random.Generator, n: int, sr: int) -> Event:
    """Thunder: a crack (a broadband burst, 20-200 ms) then a rolling low rumble that decays
    over the rest of the stretch.

    The crack starts at sample 0; the rumble (noise below 150-800 Hz, decaying with a time
    constant of 0.5-3 s, its level slowly wandering) fills the stretch.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, 100.0, 6000.0)``: wave [shape=(n,), float64], not normalised
    """
    t = np.arange(n) / sr
    rumble = lowpass_noise(rng, n, sr, rng.uniform(150, 800), 2) * np.exp(-t / rng.uniform(0.5, 3))
    rumble *= np.exp(0.7 * smooth(rng, n, sr, rng.uniform(0.05, 0.3)))
    m = int(rng.uniform(0.02, 0.2) * sr)
    crack = np.zeros(n)
    place(crack, lowpass_noise(rng, m, sr, rng.uniform(2000, 9000), 1.5) * envelope(m, 0.05, 2.0), 0)
    return rumble + rng.uniform(0.1, 1.0) * crack, 100.0, 6000.0


def wind(rng: np.random.Generator, n: int, sr: int) -> Event:
    """Wind gusts: strong low noise and leaf rustle, slowly swelling.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, 20.0, 1000.0)``: wave [shape=(n,), float64], not normalised
    """
    gust = np.exp(rng.uniform(0.5, 1.5) * smooth(rng, n, sr, rng.uniform(0.2, 1.5)))
    low = lowpass_noise(rng, n, sr, rng.uniform(100, 600), 3)
    rustle = band_noise(rng, n, sr, 800, 9000) * np.exp(0.8 * smooth(rng, n, sr, 0.02))
    return gust * (low + 10 ** (rng.uniform(-30, -10) / 20) * rustle), 20.0, 1000.0


def traffic(rng: np.random.Generator, n: int, sr: int) -> Event:
    """Distant traffic: low swelling noise with tyre hiss and engine harmonics.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, 30.0, 2000.0)``: wave [shape=(n,), float64], not normalised
    """
    t = np.arange(n) / sr
    swell = 1 / (1 + ((t - rng.uniform(-5, n / sr + 5)) / rng.uniform(2, 10)) ** 2) + 0.3
    rumble = lowpass_noise(rng, n, sr, rng.uniform(300, 1500), 2)
    x = rumble + 0.2 * lowpass_noise(rng, n, sr, rng.uniform(1000, 3000), 3)  # tyre hiss
    f0 = rng.uniform(25, 70) * (1 + 0.03 * smooth(rng, n, sr, 2.0))
    x += harmonics(rng, f0, sr, 0.5 / np.arange(1, 9))
    return x * swell, 30.0, 2000.0


def airplane(rng: np.random.Generator, n: int, sr: int) -> Event:
    """An aircraft drone: a slowly Doppler-shifting harmonic series over jet roar.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz

    Returns
    -------
    Event
        ``(wave, 50.0, 3000.0)``: wave [shape=(n,), float64], harmonics of 60-200 Hz up to
        3 kHz, not normalised
    """
    t = np.arange(n) / sr
    f0 = rng.uniform(60, 200) * (1 - rng.uniform(0, 0.002) * t + 0.003 * smooth(rng, n, sr, 1.0))
    k = np.arange(1, int(3000 / f0.max()) + 1)
    x = harmonics(rng, f0, sr, rng.uniform(0.2, 1, k.size) / k)
    return x + lowpass_noise(rng, n, sr, rng.uniform(500, 2500), 2) * rng.uniform(0.3, 2), 50.0, 3000.0
