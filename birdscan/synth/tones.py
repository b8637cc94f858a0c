"""Steady tones and owl hoots in half-second windows, as labelled clips for ``birdscan train --extra``.

A steady tone or harmonic stack in the call bands (a tree cricket's carrier, a tonal frog,
machinery) has no start or end inside a window: only its length tells it from a flat call.
An owl's hoot is a flat harmonic stack that starts and stops; over a fundamental below 1 kHz
its 3rd harmonic sits in the thrush band. :func:`write_tone_clips` writes such windows
(:data:`WINDOWS`) as ``not_call`` clips and, for a share of them, the same with a call over
the sound as ``call`` clips (so that a call on a tone is still a call), each at a recording
level drawn in :data:`birdscan.realsounds.LEVEL_DB`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from ..errors import OutputError, ParameterError
from ..files import atomic_open
from ..realsounds import LEVEL_DB
from .ambience import synth_background
from .calls import POSITIVE_MIN_SNR_DB, draw_call, scaled_call
from .creatures import hoots
from .dsp import band_rms, check_int, check_number, place
from .negatives import draw_snr_db, steady

TONE_SNR_DB = (0.0, 40.0)  # the tone over the background in its band: faint to a cricket by the recorder
LABELS_FILE = "labels.csv"


def _window_samples(sr: int) -> int:
    return int(round(CLIP_SAMPLES * sr / SAMPLE_RATE))  # half a second


def tone_window(rng: np.random.Generator, sr: int = SAMPLE_RATE, n: int | None = None) -> tuple[np.ndarray, float, float]:
    """A generated night background with a steady tone or harmonic stack (:func:`~birdscan.synth.negatives.steady`)
    over all of its ``n`` samples, at a band SNR drawn in :data:`TONE_SNR_DB`.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int >= 8000, Hz
    n : int > 0 or None, samples, at most 0.5 s (None: 0.5 s, a window)

    Returns
    -------
    (x [shape=(n,), float64], lo_hz, hi_hz): the window and the tone's band

    Examples
    --------
    >>> x, lo, hi = tone_window(np.random.default_rng(0))
    >>> x.shape, lo < hi
    ((12000,), True)
    """
    check_int("sr", sr, 8000)
    n = _window_samples(sr) if n is None else check_int("n", n, 1, _window_samples(sr))
    bed = synth_background(rng, n, sr)
    wave, lo, hi = steady(rng, sr)
    edge = max(int(0.1 * wave.size), int(0.03 * sr))  # past the fade-in and before the fade-out
    a = int(rng.integers(edge, max(edge + 1, wave.size - n - edge)))
    tone = wave[a : a + n]
    if tone.size < n:
        tone = np.pad(tone, (0, n - tone.size), mode="reflect")
    hi = min(hi, 0.45 * sr)
    gain = band_rms(bed, sr, lo, hi) * 10 ** (rng.uniform(*TONE_SNR_DB) / 20) / max(band_rms(tone, sr, lo, hi), 1e-12)
    return bed + gain * tone, lo, hi



def hoot_window(rng: np.random.Generator, sr: int = SAMPLE_RATE, n: int | None = None) -> tuple[np.ndarray, float, float]:
    """A generated night background with part of a series of owl hoots
    (:func:`~birdscan.synth.creatures.hoots`) in it, anywhere from just inside its start to just
    inside its end (so onsets, steady middles and ends all fall near the centre; a window that
    falls wholly in a gap between two hoots holds the series' first ``n`` samples instead), at a
    band SNR drawn in :data:`TONE_SNR_DB`.

    Parameters
    ----------
    rng : np.random.Generator
    sr : int >= 8000, Hz
    n : int > 0 or None, samples, at most 0.5 s (None: 0.5 s, a window)

    Returns
    -------
    (x [shape=(n,), float64], lo_hz, hi_hz): the window and the hoots' band

    Examples
    --------
    >>> x, lo, hi = hoot_window(np.random.default_rng(0))
    >>> x.shape, lo < 1900 < hi
    ((12000,), True)
    """
    check_int("sr", sr, 8000)
    n = _window_samples(sr) if n is None else check_int("n", n, 1, _window_samples(sr))
    bed = synth_background(rng, n, sr)
    wave, lo, hi = hoots(rng, sr)
    edge = max(1, n // 10)
    at = int(rng.integers(edge - wave.size, n - edge))  # the series' first sample, in the window's samples
    part = np.zeros(n)
    a, b = max(at, 0), min(at + wave.size, n)
    part[a:b] = wave[a - at : b - at]
    if not part.any():
        part = wave[: n] if wave.size >= n else np.pad(wave, (0, n - wave.size))
    gain = band_rms(bed, sr, lo, hi) * 10 ** (rng.uniform(*TONE_SNR_DB) / 20) / max(band_rms(wave, sr, lo, hi), 1e-12)
    return bed + gain * part, lo, hi


WINDOWS = {"tone": tone_window, "hoot": hoot_window}
"""What :func:`write_tone_clips` can fill its windows with: steady tones, or owl hoots."""

def write_tone_clips(folder: str | Path, n: int, seed: int = 0, call_fraction: float = 1 / 3,
                     sr: int = SAMPLE_RATE, overwrite: bool = False, kind: str = "tone") -> Path:
    """Write ``n`` half-second clips of :func:`tone_window` (or :func:`hoot_window`), a share ``call_fraction`` of them
    with a generated call at the centre (band SNR as for labelled calls), as float WAV in
    ``folder/clips/`` listed in ``folder/labels.csv`` (``file,label,freq_hz``), the layout
    ``birdscan train --extra`` reads.

    Parameters
    ----------
    folder : str or Path, created
    n : int > 0, clips
    seed : int, the random draws
    call_fraction : float in [0, 1], share of clips with a call over the tone
    sr : int >= 8000, Hz; every clip is half a second (a window) at this rate
    overwrite : bool, replace an existing ``labels.csv``
    kind : str, a key of :data:`WINDOWS`: ``"tone"`` (clips ``tone_00000.wav``, ...) or ``"hoot"``

    Returns
    -------
    Path, ``folder``

    Raises
    ------
    OutputError when ``folder/labels.csv`` exists and ``overwrite`` is False, or cannot be written
    ParameterError naming ``n``, ``call_fraction``, ``sr`` or ``kind`` when out of range

    Examples
    --------
    >>> write_tone_clips("tones", 4000)       # doctest: +SKIP
    >>> write_tone_clips("hoots", 3000, kind="hoot")  # doctest: +SKIP
    >>> # birdscan train --data BirdVox-70k/ --extra tones --extra hoots ...
    """
    import soundfile as sf

    check_int("n", n, 1)
    check_number("call_fraction", call_fraction, 0, 1, "a number in [0, 1]")
    check_int("sr", sr, 8000)
    if kind not in WINDOWS:
        raise ParameterError(f"kind={kind!r} must be one of {', '.join(WINDOWS)}")
    window = WINDOWS[kind]
    folder = Path(folder)
    table = folder / LABELS_FILE
    if table.exists() and not overwrite:
        raise OutputError(f"{table} exists; pass overwrite=True (or choose another folder) to replace it")
    table.unlink(missing_ok=True)  # a run that stops leaves no table listing clips of another run
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        x, _, _ = window(rng, sr)
        label, freq = "not_call", 0.0
        if rng.random() < call_fraction:
            p = draw_call(rng, sr, None)
            start = x.size // 2 - int(p.dur * sr) // 2
            call, info = scaled_call(x, sr, p, start, draw_snr_db(rng, POSITIVE_MIN_SNR_DB))
            place(x, call, start)
            label, freq = "call", round(float(info["centre_freq_hz"]), 1)
        x = x * 10 ** (rng.uniform(*LEVEL_DB) / 20) / max(float(np.sqrt(np.mean(x**2))), 1e-12)
        name = f"clips/{kind}_{i:05d}.wav"
        sf.write(folder / name, x.astype(np.float32), sr, subtype="FLOAT")
        rows.append((name, label, freq))
    with atomic_open(table) as f:  # the table last, whole or not at all
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "label", "freq_hz"])
        w.writerows(rows)
    return folder
