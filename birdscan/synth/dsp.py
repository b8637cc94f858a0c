"""Small numpy signal helpers shared by the sound generators: argument checks, coloured noise,
envelopes, tones and harmonics, band RMS and placing a sound into a longer one.

Used by :mod:`birdscan.synth.calls`, :mod:`birdscan.synth.noises`, :mod:`birdscan.synth.negatives`,
:mod:`birdscan.synth.ambience` and :mod:`birdscan.synth.compose`.
Sample rates are integers in Hz, lengths integer samples; numpy only.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ParameterError

MIN_SR, MAX_SR = 16_000, 384_000


# ---------------------------------------------------------------- checks and small helpers
def check_rng(rng: Any) -> None:
    """Refuse anything but a ``numpy.random.Generator``.

    Parameters
    ----------
    rng : any, the random generator an option was given

    Raises
    ------
    ParameterError
        unless ``rng`` is a ``numpy.random.Generator``
    """
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng={rng!r} must be a numpy.random.Generator, e.g. np.random.default_rng(0)")


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    """An integer option, checked.

    Parameters
    ----------
    name : str, the option's name in the message
    value : any; must be an int or numpy integer (not a bool)
    lo : int, the inclusive lower bound
    hi : int or None, the inclusive upper bound; None: no upper bound

    Returns
    -------
    int, ``value``

    Raises
    ------
    ParameterError
        naming ``name`` when ``value`` is not an integer in ``[lo, hi]``
    """
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ParameterError(f"{name}={value!r} must be an integer {bound}")
    return int(value)


def check_number(name: str, value: Any, lo: float, hi: float, what: str) -> float:
    """``value`` as a float, or a ParameterError naming ``name`` when it is not a number in [lo, hi] (``what``).

    Parameters
    ----------
    name : str, the option's name in the message
    value : any; must be an int or float (not a bool; numpy floats pass, numpy integers do not)
    lo, hi : float, the inclusive bounds
    what : str, the rule in words, for the message ``"<name>=<value!r> must be <what>"``

    Returns
    -------
    float, ``value``
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ParameterError(f"{name}={value!r} must be {what}")
    return float(value)


def check_sr(sr: Any) -> int:
    """A sample rate within the range the generators support.

    Parameters
    ----------
    sr : any, the sample rate given, Hz

    Returns
    -------
    int, ``sr``

    Raises
    ------
    ParameterError
        unless ``sr`` is an integer in ``[MIN_SR, MAX_SR]`` (16,000 to 384,000 Hz)
    """
    return check_int("sr", sr, MIN_SR, MAX_SR)


def rms(x: np.ndarray) -> float:
    """Root mean square of ``x``.

    Parameters
    ----------
    x : np.ndarray, any shape (all elements count)

    Returns
    -------
    float > 0, the RMS plus 1e-12, so it can divide (NaN for an empty array)
    """
    return float(np.sqrt(np.mean(np.square(x)))) + 1e-12


def loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A number drawn log-uniformly from ``[lo, hi]`` (both > 0).

    Parameters
    ----------
    rng : np.random.Generator
    lo, hi : float > 0, the range, ``lo <= hi``

    Returns
    -------
    float
    """
    return float(np.exp(rng.uniform(math.log(lo), math.log(hi))))


@functools.cache
def _smooth_sizes() -> np.ndarray:
    sizes = {2**a * 3**b * 5**c for a in range(36) for b in range(23) for c in range(16)}
    return np.array(sorted(s for s in sizes if s <= 2**35), dtype=np.int64)


def fast_len(n: int) -> int:
    """Smallest 5-smooth length >= n, so FFTs of odd-sized bursts stay fast.

    Parameters
    ----------
    n : int, samples (values below 1 count as 1), at most 2**35

    Returns
    -------
    int, the smallest ``2**a * 3**b * 5**c >= max(n, 1)``

    Examples
    --------
    >>> fast_len(7), fast_len(1001)
    (8, 1024)
    """
    sizes = _smooth_sizes()
    return int(sizes[np.searchsorted(sizes, max(n, 1))])


def _ramp_band(f: np.ndarray, lo: float, hi: float, edge: float | None = None) -> np.ndarray:
    """Amplitude mask 1 in [lo, hi] with linear skirts of width ``edge`` Hz."""
    edge = edge if edge is not None else max(60.0, 0.15 * (hi - lo))
    return np.clip((f - lo + edge) / edge, 0, 1) * np.clip((hi + edge - f) / edge, 0, 1)


def noise(rng: np.random.Generator, n: int, sr: int, amp: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Gaussian noise [shape=(n,)] with amplitude spectrum ``amp(f_hz)``, unit RMS.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz
    amp : callable, np.ndarray of frequencies [Hz, shape=(k,)] -> amplitudes [shape=(k,)]; called
        once on the ``rfftfreq`` grid of :func:`fast_len` ``(n)`` samples

    Returns
    -------
    np.ndarray [shape=(n,), float64], scaled to unit RMS after cutting to ``n`` samples
    """
    m = fast_len(n)
    f = np.fft.rfftfreq(m, 1 / sr)
    spec = rng.standard_normal(2 * f.size).view(np.complex128)
    x = np.fft.irfft(spec * amp(f), m)[:n]
    return x / rms(x)


def band_noise(rng: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    """Unit-RMS noise [shape=(n,)] in the band ``[lo, hi]`` Hz (``hi`` capped at 0.47 ``sr``).

    The band edges fall off linearly over ``max(60, 0.15 * (hi - lo))`` Hz outside it.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz
    lo, hi : float, Hz, ``lo < hi``

    Returns
    -------
    np.ndarray [shape=(n,), float64]
    """
    hi = min(hi, 0.47 * sr)
    return noise(rng, n, sr, lambda f: _ramp_band(f, lo, hi))


def lowpass_noise(rng: np.random.Generator, n: int, sr: int, corner: float, order: float = 2.0) -> np.ndarray:
    """Unit-RMS noise [shape=(n,)] rolling off above ``corner`` Hz with slope ``order`` (and no DC).

    The amplitude spectrum is ``1 / (1 + (f / corner) ** order)`` above 15 Hz and 0 at and below it.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz
    corner : float > 0, Hz
    order : float > 0, the roll-off exponent

    Returns
    -------
    np.ndarray [shape=(n,), float64]
    """
    return noise(rng, n, sr, lambda f: (f > 15) / (1 + (f / corner) ** order))


def smooth(rng: np.random.Generator, n: int, sr: int, corr_s: float) -> np.ndarray:
    """Slowly varying Gaussian process [shape=(n,)], about unit RMS, correlation time about ``corr_s``.

    Made at a coarse rate (8 points per correlation time) and interpolated, which is cheap.

    Parameters
    ----------
    rng : np.random.Generator
    n : int > 0, samples
    sr : int, Hz
    corr_s : float > 0, seconds (below 8 / ``sr`` the coarse step is one sample)

    Returns
    -------
    np.ndarray [shape=(n,), float64], linearly interpolated between the coarse points
    """
    step = max(1, int(corr_s * sr / 8))
    coarse = noise(rng, n // step + 2, 8, lambda f: np.exp(-(f**2)))
    return np.interp(np.arange(n) / step, np.arange(coarse.size), coarse)


def envelope(n: int, a: float, b: float, taper: int = 0) -> np.ndarray:
    """Attack/decay envelope u**a (1-u)**b with peak 1 and optional raised-cosine end tapers.

    ``u`` runs over the sample centres, ``(i + 0.5) / n``; the peak is scaled to 1 before the
    tapers are applied.

    Parameters
    ----------
    n : int > 0, samples
    a, b : float >= 0, the attack and decay exponents (larger: a slower rise, a faster fall)
    taper : int >= 0, samples of ``sin**2`` fade-in and fade-out at the ends, at most ``n // 2``

    Returns
    -------
    np.ndarray [shape=(n,), float64], values in [0, 1]
    """
    u = (np.arange(n) + 0.5) / n
    env = u**a * (1 - u) ** b
    env /= env.max()
    taper = min(taper, n // 2)
    if taper > 0:
        ramp = np.sin(0.5 * np.pi * (np.arange(taper) + 0.5) / taper) ** 2
        env[:taper] *= ramp
        env[n - taper :] *= ramp[::-1]
    return env


def tone(freq: np.ndarray, sr: int, phase0: float = 0.0) -> np.ndarray:
    """A sine [shape=(n,)] following the instantaneous frequency ``freq`` (Hz per sample).

    Parameters
    ----------
    freq : np.ndarray [shape=(n,)], Hz, one value per sample
    sr : int, Hz
    phase0 : float, radians, added to the running phase ``2 * pi * cumsum(freq) / sr``

    Returns
    -------
    np.ndarray [shape=(n,), float64], amplitude 1
    """
    return np.sin(phase0 + 2 * np.pi * np.cumsum(freq) / sr)


def harmonics(rng: np.random.Generator, f0: np.ndarray, sr: int, amps: Sequence[float]) -> np.ndarray:
    """Harmonic series on fundamental ``f0`` [Hz, shape=(n,)] with amplitudes ``amps`` and random phases.

    Parameters
    ----------
    rng : np.random.Generator, draws one phase per harmonic
    f0 : np.ndarray [shape=(n,)], Hz, the fundamental per sample
    sr : int, Hz
    amps : sequence of float, the amplitude of harmonic ``k`` is ``amps[k - 1]`` (``amps[0]`` the
        fundamental); harmonics above ``sr / 2`` are not removed, so the caller keeps
        ``len(amps) * max(f0)`` below it

    Returns
    -------
    np.ndarray [shape=(n,), float64]
    """
    z = np.exp(2j * np.pi * np.cumsum(f0) / sr)
    zk = np.ones_like(z)
    acc = np.zeros_like(z)
    for a in amps:
        zk *= z
        acc += a * np.exp(2j * np.pi * rng.random()) * zk
    return acc.imag


def place(out: np.ndarray, wave: np.ndarray, start: int) -> None:
    """Add ``wave`` into ``out`` at sample ``start`` (may be negative or past the end).

    Parameters
    ----------
    out : np.ndarray [shape=(m,)], changed in place
    wave : np.ndarray [shape=(k,)]; the part falling outside ``out`` is dropped
    start : int, samples, where ``wave[0]`` goes in ``out``
    """
    a, b = max(start, 0), min(start + wave.size, out.size)
    if a < b:
        out[a:b] += wave[a - start : b - start]


def band_rms(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    """RMS of ``x`` [shape=(n,)] restricted to the band ``lo``..``hi`` Hz (rectangular FFT band).

    From the one-sided power spectrum of ``x`` (no window), bins with ``lo <= f <= hi``, DC
    excluded.

    Parameters
    ----------
    x : np.ndarray [shape=(n,)]
    sr : int, Hz
    lo, hi : float, Hz

    Returns
    -------
    float > 0, plus 1e-12 so it can divide; :func:`rms` of ``x`` for fewer than 2 samples
    """
    if x.size < 2:
        return rms(x)
    p = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1 / sr)
    sel = (f >= lo) & (f <= hi) & (f > 0)
    return float(np.sqrt(2 * p[sel].sum()) / x.size) + 1e-12


def equal_power_fade(n: int) -> np.ndarray:
    """Fade-in gains of an equal-power crossfade.

    Parameters
    ----------
    n : int > 0, samples

    Returns
    -------
    np.ndarray [shape=(n,), float64], ``sin`` from ~0 to ~1 at the sample centres; the fade-out
    is the same curve reversed, so the powers sum to 1
    """
    return np.sin(0.5 * np.pi * (np.arange(n) + 0.5) / n)


def crossfade(tail: np.ndarray, head: np.ndarray, fade: np.ndarray) -> np.ndarray:
    """``tail`` fading out while ``head`` fades in, over ``m = len(tail)`` samples.

    Parameters
    ----------
    tail : np.ndarray [shape=(m, ...)], the end of the sound that stops
    head : np.ndarray [shape=(>= m, ...)], the sound that starts (its first ``m`` samples are used)
    fade : np.ndarray [shape=(>= m,)], from :func:`equal_power_fade`; a shorter ``tail`` uses
        the first ``m`` gains of the fade-out and of the fade-in

    Returns
    -------
    np.ndarray [shape=(m, ...)], the crossfaded samples
    """
    m = len(tail)
    return tail * fade[::-1][:m] + head[:m] * fade[:m]
