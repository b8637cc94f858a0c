"""Excerpts of real recordings to mix under generated night ambience.

:class:`RealBackgrounds` loads a folder of recordings (optionally only those
whose file name holds a night-time clock, see :func:`clock_seconds`) and
serves random excerpts; :func:`check_real` validates one passed as ``real``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from .dsp import check_int, check_rng, check_sr, crossfade, equal_power_fade
from ..birdvox70k import SAMPLE_RATE
from ..realsounds import audio_files, load_mono
from ..errors import ParameterError
from ..tables import AUDIO_EXTENSIONS, start_time_from_name

def check_real(real: Any, sr: int) -> None:
    """Refuse a ``real`` argument that is not None or a :class:`RealBackgrounds` at ``sr`` Hz.

    Parameters
    ----------
    real : any, the argument given
    sr : int, Hz, the rate being generated at

    Raises
    ------
    ParameterError
        for another type, or a RealBackgrounds loaded at another rate
    """
    if real is not None and not isinstance(real, RealBackgrounds):
        raise ParameterError(f"real={real!r} must be a RealBackgrounds or None")
    if real is not None and real.sr != sr:
        raise ParameterError(
            f"real has sr={real.sr} Hz but sr={sr}; load it with RealBackgrounds(folder, sr={sr})"
        )


# ---------------------------------------------------------------- real recordings
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def clock_seconds(name: str) -> int | None:
    """Time of day from the date-time stamp in a file name (:func:`birdscan.tables.start_time_from_name`).

    Parameters
    ----------
    name : str, a file name or path

    Returns
    -------
    int or None, seconds after midnight, e.g. ``S4A03895_20190522_213000.wav`` -> 77400
    (21:30:00); None when the name holds no stamp

    Examples
    --------
    >>> clock_seconds("S4A03895_20190522_213000.wav")
    77400
    """
    start = start_time_from_name(name)
    if start is None:
        return None
    return 3600 * start.hour + 60 * start.minute + start.second


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


class RealBackgrounds:
    """Excerpts of real recordings to use as backgrounds, held in memory at ``sr``.

    Loads every audio file under ``folder`` (:func:`birdscan.realsounds.audio_files`:
    recursively, sorted, hidden files and folders skipped), mixes channels to mono,
    removes DC and resamples to ``sr`` with soxr. Files shorter than 0.2 s are skipped.

    Parameters
    ----------
    folder : str or Path
        A directory of recordings (night ambience without flight calls).
    sr : int, 16000 <= sr <= 384000
    night : (str, str) or None
        Keep only files whose name holds a clock time (see
        :func:`clock_seconds`: the time of the name's date-time stamp)
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
        sr: int = SAMPLE_RATE,
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
        paths = audio_files(folder)
        if window is not None:
            paths = [p for p in paths if _in_window(clock_seconds(p.name), window)]
        self.sr, self.gain_db, self.mix_probability = sr, (float(lo), float(hi)), float(mix_probability)
        self.paths: list[Path] = []
        self._audio: list[np.ndarray] = []
        for p in paths:
            x = load_mono(p, sr)
            if x.size >= 0.2 * sr:
                self.paths.append(p)
                self._audio.append(x)
        if not self._audio:
            which = f"night-time ({night[0]}-{night[1]}) " if night else ""
            kinds = ", ".join(AUDIO_EXTENSIONS)
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
        """A random excerpt with a random gain from ``gain_db``.

        Files are picked in proportion to their length; an excerpt longer
        than a file joins pieces with 50 ms equal-power crossfades.

        Parameters
        ----------
        rng : np.random.Generator
        n_samples : int >= 1, samples at ``sr``

        Returns
        -------
        np.ndarray [shape=(n_samples,), float32]

        Raises
        ------
        ParameterError
            for an ``rng`` that is not a Generator or a bad ``n_samples``
        """
        check_rng(rng)
        n = check_int("n_samples", n_samples, 1)
        xf = int(0.05 * self.sr)
        fade = equal_power_fade(xf)
        out = np.zeros(n)
        pos = 0
        while pos < n:
            a = self._audio[int(rng.choice(len(self._audio), p=self._weights))]
            at = pos - xf if pos else 0
            take = min(a.size, n - at)
            s = int(rng.integers(0, a.size - take + 1))
            piece = a[s : s + take].astype(np.float64)
            if pos:
                out[at:pos] = crossfade(out[at:pos], piece, fade)
                out[pos : at + take] += piece[xf:]
            else:
                out[at : at + take] += piece
            pos = at + take
        return (out * 10 ** (rng.uniform(*self.gain_db) / 20)).astype(np.float32)


def check_backgrounds(backgrounds: Any, sr: int) -> None:
    """Refuse a ``backgrounds`` argument that is not None, a folder or a :class:`RealBackgrounds` at ``sr``.

    Parameters
    ----------
    backgrounds : any, the argument given (a folder as str or Path)
    sr : int, Hz, the rate being generated at

    Raises
    ------
    ParameterError
        for another type, a path that is not a folder, or a RealBackgrounds at another rate
    """
    if backgrounds is None:
        return
    if isinstance(backgrounds, RealBackgrounds):
        check_real(backgrounds, sr)
    elif not isinstance(backgrounds, (str, Path)):
        raise ParameterError(f"backgrounds={backgrounds!r} must be a folder, a RealBackgrounds or None")
    elif not Path(backgrounds).is_dir():
        raise ParameterError(f"backgrounds={str(backgrounds)!r} is not a directory")


def load_backgrounds(backgrounds: Any, sr: int) -> RealBackgrounds | None:
    """A checked ``backgrounds`` argument (:func:`check_backgrounds`) as a :class:`RealBackgrounds`.

    Parameters
    ----------
    backgrounds : None, a folder (str or Path) or a RealBackgrounds
    sr : int, Hz, the rate a folder is loaded at

    Returns
    -------
    RealBackgrounds or None, ``backgrounds`` itself unless it is a folder
    """
    if backgrounds is None or isinstance(backgrounds, RealBackgrounds):
        return backgrounds
    return RealBackgrounds(backgrounds, sr)
