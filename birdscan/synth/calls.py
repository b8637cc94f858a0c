"""Synthetic nocturnal flight calls: drawing a call's parameters, its contour, rendering it.

:func:`synth_call` makes one nocturnal flight call as a far-away bird sounds;
:mod:`birdscan.synth.compose` composes calls with :mod:`birdscan.synth.ambience` into clips
and long recordings. Sample rates are integers in Hz, lengths integer samples; numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dsp import band_rms, check_rng, check_sr, envelope, fast_len, loguniform, rms, smooth
from ..birdvox70k import SAMPLE_RATE
from ..errors import ParameterError

HIGH_CALL_FRACTION = 1 / 8
HIGH_CALL_SHAPES = (0.5, 0.1, 0.15, 0.25)  # down, up, arch, flat
POSITIVE_MIN_SNR_DB = 3.0  # a positive clip's call is at least this far above the noise in its band
_THRUSH_BAND = (1900.0, 4200.0)


# ---------------------------------------------------------------- flight calls
@dataclass(frozen=True)
class CallParams:
    """The drawn parameters of one call (:func:`draw_call`); :func:`render_call` makes the sound.

    Attributes
    ----------
    kind : "thrush" or "high"; shape : "down", "arch", "up", "dip" or "flat"
    dur : float, seconds (without the echo tail)
    lo, hi : float, Hz, the stroke's frequency range; band : (lo, hi) Hz the kind lives in
    bend, peak, ends : curvature of strokes, where an arch or dip turns (0-1), start and end
        levels of an arch (0-1)
    vib, vib_hz, vib_depth : vibrato on/off, rate (Hz), depth (Hz)
    buzz, buzz_hz, buzz_depth : fast FM on/off, rate (Hz), depth (Hz)
    h2, h3 : relative levels of the 2nd and 3rd harmonics
    env : (attack, release) shape exponents of the amplitude envelope
    echo : (delay s, gain) of a ground reflection, or None
    absorb_db : extra air absorption at 8 kHz, dB
    reverb : (decay s, level dB) of a reverberation tail, or None
    flutter : (depth, correlation time s) of turbulence flutter
    seed : int, seeds the noise of the rendering
    """

    kind: str
    dur: float
    shape: str
    vib: bool
    h2: float
    h3: float
    buzz: bool
    lo: float
    hi: float
    band: tuple[float, float]
    bend: float
    peak: float
    ends: tuple[float, float]
    vib_hz: float
    vib_depth: float
    buzz_hz: float
    buzz_depth: float
    env: tuple[float, float]
    echo: tuple[float, float] | None
    absorb_db: float
    reverb: tuple[float, float] | None
    flutter: tuple[float, float]
    seed: int


def draw_call(rng: np.random.Generator, sr: int, kind: str | None,
              high_fraction: float = HIGH_CALL_FRACTION) -> CallParams:
    """Draw the parameters of one call; :func:`render_call` turns them into sound.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, Hz; the call's band stays below 0.45 * ``sr``
    kind : ``"thrush"`` (2-4 kHz, 40-320 ms), ``"high"`` (5-10.5 kHz, 20-100 ms; steep sweeps
        or, one in four, near-steady notes) or None to
        draw it: "high" with probability ``high_fraction``, else "thrush"
    high_fraction : float in [0, 1], used when ``kind`` is None

    Returns
    -------
    CallParams, with its own ``seed`` for the rendering's random draws
    """
    if kind is None:
        kind = "high" if rng.random() < high_fraction else "thrush"
    p: dict[str, Any] = {"kind": kind}
    if kind == "thrush":
        p["dur"] = float(np.clip(0.18 * math.exp(0.45 * rng.standard_normal()), 0.04, 0.32))
        centre = float(np.clip(rng.normal(2800, 330), 2000, 3950))
        p["shape"] = str(rng.choice(["down", "arch", "up", "dip", "flat"], p=[0.3, 0.3, 0.25, 0.05, 0.1]))
        span = loguniform(rng, 60, 250) if p["shape"] == "flat" else loguniform(rng, 150, 1300)
        band = _THRUSH_BAND
        p["vib"] = rng.random() < (0.8 if p["shape"] == "flat" else 0.2)
        p["h2"] = rng.uniform(0.02, 0.35) if rng.random() < 0.6 else 0.0
        p["h3"] = rng.uniform(0.01, 0.12) if rng.random() < 0.2 else 0.0
        p["buzz"] = rng.random() < 0.05
    else:
        p["dur"] = float(np.clip(0.05 * math.exp(0.4 * rng.standard_normal()), 0.02, 0.1))
        centre = rng.uniform(6000, 8800)
        # a quarter are near-steady notes that wander over `span` (real tseeps at 7 kHz that
        # move 0.3-0.6 kHz), the rest steep sweeps
        p["shape"] = str(rng.choice(["down", "up", "arch", "flat"], p=HIGH_CALL_SHAPES))
        steady = p["shape"] == "flat"
        span = loguniform(rng, 150, 700) if steady else rng.uniform(800, 3500)
        band = (5000.0, 10500.0)
        p["vib"] = rng.random() < (0.6 if steady else 0.1)
        p["h2"] = rng.uniform(0.02, 0.15) if rng.random() < 0.15 else 0.0
        p["h3"] = 0.0
        p["buzz"] = rng.random() < 0.45
    top = min(band[1], 0.45 * sr)
    lo = max(band[0], min(centre - span / 2, top - span))
    p["lo"], p["hi"] = lo, max(min(lo + span, top), lo + 50.0)
    p["band"] = (band[0], top)
    p["bend"] = rng.uniform(0.6, 2.5)  # curvature of up/down strokes
    p["peak"] = rng.uniform(0.2, 0.6)  # where an arch or dip turns
    p["ends"] = (rng.uniform(0, 0.7), rng.uniform(0, 0.5))
    p["vib_hz"], p["vib_depth"] = rng.uniform(8, 30), rng.uniform(30, 150)
    if kind == "high" and steady:
        p["vib_depth"] = span / 2
    # buzzy notes (warbler "zeep"): fast FM that smears the stroke into a band
    p["buzz_hz"] = rng.uniform(150, 400)
    p["buzz_depth"] = rng.uniform(300, 1200) if kind == "high" else rng.uniform(80, 300)
    p["env"] = (rng.uniform(0.25, 1.5), rng.uniform(0.25, 1.5))
    # far field: ground reflection, air absorption, reverberation tail, turbulence flutter
    p["echo"] = (rng.uniform(0.3e-3, 10e-3), rng.uniform(0.2, 0.8)) if rng.random() < 0.6 else None
    p["absorb_db"] = rng.uniform(0, 15)  # extra loss at 8 kHz; grows with f**2
    p["reverb"] = (loguniform(rng, 0.05, 0.5), rng.uniform(-24, -8)) if rng.random() < 0.8 else None
    p["flutter"] = (rng.uniform(0, 0.4), rng.uniform(0.005, 0.04))
    p["seed"] = int(rng.integers(2**63))
    return CallParams(**p)


def _contour(p: CallParams, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Fundamental frequency [Hz] and amplitude envelope of a call, both [shape=(n,)]."""
    n = max(int(round(p.dur * sr)), 16)
    u = (np.arange(n) + 0.5) / n
    s0, e0 = p.ends
    pk = p.peak
    rise = np.sin(0.5 * np.pi * np.minimum(u / pk, 1))
    fall = np.cos(0.5 * np.pi * np.clip((u - pk) / (1 - pk), 0, 1))
    arch = np.where(u < pk, s0 + (1 - s0) * rise, e0 + (1 - e0) * fall)
    g = {
        "down": (1 - u) ** p.bend,
        "up": 1 - (1 - u) ** p.bend,
        "arch": arch,
        "dip": 1 - arch,
        "flat": 0.5 + 0 * u,
    }[p.shape]
    f = p.lo + (p.hi - p.lo) * g
    rng = np.random.default_rng(p.seed)
    if p.vib:
        f = f + p.vib_depth * np.sin(2 * np.pi * p.vib_hz * u * p.dur + rng.uniform(0, 2 * np.pi))
    if p.buzz:
        f = f + p.buzz_depth * np.sin(2 * np.pi * p.buzz_hz * u * p.dur + rng.uniform(0, 2 * np.pi))
    f = np.clip(f + 12 * smooth(rng, n, sr, 0.01), *p.band)
    env = envelope(n, *p.env, taper=int(0.002 * sr))
    return f, env


def call_info(p: CallParams, sr: int, contour: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """What a drawn call is, from its contour.

    Parameters
    ----------
    p : CallParams, from :func:`draw_call`
    sr : int, Hz
    contour : (f, env) or None, the call's frequency [Hz] and envelope, both np.ndarray
        [shape=(n,)], when already computed; None computes them from ``p``

    Returns
    -------
    dict: ``kind``, ``shape``, ``duration_s`` (seconds, the contour's length), ``low_freq_hz`` and
    ``high_freq_hz`` (Hz, the frequency range where the envelope is at least 0.1) and
    ``centre_freq_hz`` (Hz, the frequency weighted by envelope power)
    """
    f, env = contour if contour is not None else _contour(p, sr)
    seen = f[env >= 0.1]
    return {
        "kind": p.kind,
        "shape": p.shape,
        "duration_s": f.size / sr,
        "low_freq_hz": float(seen.min()),
        "high_freq_hz": float(seen.max()),
        "centre_freq_hz": float(np.sum(env**2 * f) / np.sum(env**2)),
    }


def render_call(p: CallParams, sr: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The call's waveform (unit peak, tail included) and its info.

    Deterministic: every random draw of the rendering is seeded by ``p.seed``.

    Parameters
    ----------
    p : CallParams, from :func:`draw_call`
    sr : int, Hz, the sample rate ``p`` was drawn for (not checked here; :func:`synth_call` checks it)

    Returns
    -------
    wave : np.ndarray [shape=(n,), float32]
        max ``|wave|`` = 1. The call fills samples ``[0, round(info["duration_s"] * sr))``;
        the ground echo (``p.echo``) and the reverberation tail (``p.reverb``, at most 0.4 s)
        follow it.
    info : dict, :func:`call_info` of ``p``
    """
    f, env = _contour(p, sr)
    info = call_info(p, sr, (f, env))
    n = f.size
    rng = np.random.default_rng(p.seed + 1)
    sigma, corr = p.flutter
    env = env * np.exp(sigma * smooth(rng, n, sr, corr) - sigma**2)
    phase = 2 * np.pi * np.cumsum(f) / sr + rng.uniform(0, 2 * np.pi)
    x = np.sin(phase)
    for k, amp in ((2, p.h2), (3, p.h3)):
        if amp > 0 and k * f.max() < 0.45 * sr:
            x += amp * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    x *= env
    if p.echo is not None:
        delay = int(round(p.echo[0] * sr))
        x = np.concatenate([x, np.zeros(delay)])
        x[delay:] += p.echo[1] * x[: n]
    tail = int(min(p.reverb[0], 0.4) * sr) if p.reverb is not None else 0
    m = fast_len(x.size + tail)
    fr = np.fft.rfftfreq(m, 1 / sr)
    h = 10 ** (-p.absorb_db * (fr / 8000) ** 2 / 20)
    if p.reverb is not None:
        rt60, wet_db = p.reverb
        t = np.arange(tail) / sr
        ir = rng.standard_normal(tail) * np.exp(-6.9 * t / rt60)
        ir *= 10 ** (wet_db / 20) / np.sqrt(np.sum(ir**2) + 1e-12)
        h = h * (1 + np.fft.rfft(ir, m))
    y = np.fft.irfft(np.fft.rfft(x, m) * h, m)[: x.size + tail]
    return (y / np.abs(y).max()).astype(np.float32), info


def synth_call(rng: np.random.Generator, sr: int = SAMPLE_RATE, kind: str | None = None) -> tuple[np.ndarray, dict]:
    """One nocturnal flight call as heard from a bird flying over at a distance.

    Thrush-type calls ("thrush"): 40-320 ms (median 180 ms) frequency-modulated
    strokes at 1.9-4.2 kHz (mostly 2.3-3.3 kHz), falling, rising, up-down,
    down-up or flat with vibrato, often with a weak 2nd harmonic. High calls
    ("high", about one in eight when ``kind`` is None): 20-100 ms at 5-10 kHz
    (warbler/sparrow type), steep sweeps or, one in four, near-steady notes (most
    wandering over 150-700 Hz). The far field is simulated: ground
    reflection, air absorption (a lowpass), a reverberation tail and
    turbulence flutter.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int, 16000 <= sr <= 384000
        Sample rate in Hz; call frequencies stay below 0.45 * sr.
    kind : {"thrush", "high"} or None
        None draws the kind (1/8 "high").

    Returns
    -------
    wave : np.ndarray [shape=(n,), float32]
        Unit peak (max |wave| = 1). The call occupies samples
        ``[0, round(duration_s * sr))``; an echo/reverberation tail follows.
    info : dict
        ``kind``, ``shape``, ``duration_s`` (the call without its tail),
        ``low_freq_hz``/``high_freq_hz`` (fundamental where the envelope is
        above 10 % of its peak) and ``centre_freq_hz`` (energy-weighted mean
        fundamental, between low and high).

    Examples
    --------
    >>> wave, info = synth_call(np.random.default_rng(0))
    >>> info["kind"] in ("thrush", "high")
    True
    """
    check_rng(rng)
    sr = check_sr(sr)
    if kind not in (None, "thrush", "high"):
        raise ParameterError(f"kind={kind!r} must be 'thrush', 'high' or None")
    return render_call(draw_call(rng, sr, kind), sr)


def scaled_call(
    reference: np.ndarray, sr: int, p: CallParams, start: int, snr_db: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """Call ``p`` rendered to start at sample ``start`` of ``reference``, ``snr_db`` over it in the call's band.

    The noise is measured on ``reference`` where the call sits (at least 50 ms
    of it), in the call's band widened by 200 Hz on each side.

    Parameters
    ----------
    reference : np.ndarray [shape=(m,)], the sound the call will be laid over
    sr : int, Hz, the sample rate of ``reference`` and of the call
    p : CallParams, from :func:`draw_call`
    start : int, samples, where the call will start in ``reference``
    snr_db : float, dB, the RMS of the call (without its tail) over the band RMS of
        ``reference`` (:func:`band_rms`)

    Returns
    -------
    wave : np.ndarray [shape=(n,), float32], the scaled call with its tail; it is not added to
        ``reference`` (the caller places it, e.g. with :func:`birdscan.synth.dsp.place`)
    info : dict, :func:`call_info` of ``p``
    """
    wave, info = render_call(p, sr)
    n_call = int(round(info["duration_s"] * sr))
    a, b = max(start, 0), min(start + n_call, reference.size)
    short = int(0.05 * sr) - (b - a)
    if short > 0:
        a, b = max(a - short // 2 - 1, 0), min(b + short // 2 + 1, reference.size)
    if b <= a:
        a, b = 0, reference.size
    noise = band_rms(reference[a:b], sr, info["low_freq_hz"] - 200, info["high_freq_hz"] + 200)
    return wave * (noise * 10 ** (snr_db / 20) / rms(wave[:n_call])), info
