"""Call-free recordings cut into varied negative windows (``--negatives``): loading, a
fixed held-out part of every folder, and :class:`NoiseBank`."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from ..errors import AudioError, DataError, ParameterError
from ..tables import AUDIO_EXTENSIONS, is_audio_name
from .spans import Spans, pieces


# The RMS level of every negative window, dBFS, drawn uniformly in dB: about the levels of the
# generated clips (peaks of 0.003-0.5, RMS about -62 to -21 dBFS) and of real night recordings.
# Noise windows louder than the clips teach a model that loud means noise: it then fires more
# often on the same noise recorded quieter (MODEL_CARD.md, "Recording level").
LEVEL_DB = (-65.0, -20.0)


def load_mono(path: str | Path, sr: int) -> np.ndarray:
    """A whole recording as mono float32 at ``sr`` Hz (channels averaged, DC removed, soxr).

    Parameters
    ----------
    path : str or Path, an audio file soundfile reads
    sr : int, Hz, the rate to resample to

    Returns
    -------
    np.ndarray [shape=(n,), float32], C-contiguous

    Raises
    ------
    AudioError
        naming the file when it cannot be decoded or holds non-finite samples
    """
    import soundfile as sf
    import soxr

    try:
        x, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError, TypeError) as e:
        raise AudioError(f"{path}: cannot read audio ({e})") from e
    x = x.mean(axis=1)
    if not np.isfinite(x).all():
        raise AudioError(f"{path}: holds non-finite samples")
    x = x - (x.mean() if x.size else 0.0)
    if file_sr != sr and x.size:
        x = soxr.resample(x, file_sr, sr)
    return np.ascontiguousarray(x, dtype=np.float32)


def audio_files(folder: str | Path) -> list[Path]:
    """Audio files under ``folder`` (recursive, hidden files and folders skipped).

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    list of Path, sorted, with an extension of :data:`birdscan.tables.AUDIO_EXTENSIONS`

    Raises
    ------
    ParameterError
        when ``folder`` is not a folder
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"{folder} is not a folder of recordings")
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and is_audio_name(p)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


VALIDATION_FRACTION = 0.15
"""Default share of each noise folder kept for validation (:func:`noise_recordings`)."""


def _stable_fraction(name: str) -> float:
    return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 16**8


def split_recordings(paths: Sequence[Path], root: str | Path, heldout: float = 0.25,
                     at_least_one: bool = True) -> tuple[list[Path], list[Path]]:
    """Split recordings into (train, held out), a fixed part of each folder held out.

    Within each folder (the file's parent), files are ordered by a hash of their path
    relative to ``root`` and the first ``round(heldout * n)`` (at least one when the folder
    holds two or more, unless ``at_least_one`` is false) are held out. The split depends only
    on names, never on order or machine, so a model's held-out files can be listed again later.

    Parameters
    ----------
    paths : sequence of Path, the recordings, each inside ``root``
    root : str or Path, the folder the hashed names are relative to
    heldout : float in [0, 1), the fraction of each folder held out (0: none)
    at_least_one : bool, hold out at least one file of every folder of two or more files
        (when ``heldout > 0``)

    Returns
    -------
    (train, held) : two sorted lists of Path that together hold ``paths``

    Raises
    ------
    ParameterError
        when ``heldout`` is outside [0, 1)
    """
    if not 0.0 <= heldout < 1.0:
        raise ParameterError(f"heldout={heldout} must be in [0, 1)")
    root = Path(root)
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(p.parent, []).append(p)
    train, held = [], []
    for files in groups.values():
        ranked = sorted(files, key=lambda p: _stable_fraction(p.relative_to(root).as_posix()))
        k = round(heldout * len(ranked))
        if at_least_one and heldout > 0 and len(ranked) >= 2:
            k = max(k, 1)
        held += ranked[:k]
        train += ranked[k:]
    return sorted(train), sorted(held)


@dataclass(frozen=True)
class Variants:
    """How :meth:`NoiseBank.windows` varies each negative window.

    Attributes
    ----------
    octaves : float >= 0. Play at a speed ``2 ** u``, ``u`` uniform in ``[-octaves, octaves]``
        (pitch and tempo change together).
    stretch_prob, stretch : time-stretch by ``2 ** u``, ``u`` in ``[-stretch, stretch]``,
        keeping the pitch (granular overlap-add), with this probability.
    chorus_prob, chorus_max : sum 2..``chorus_max`` independent variants, out of step, with
        this probability (a chorus of many individuals).
    distance_prob, distance_hz : low-pass as air absorption over distance, amplitude
        ``exp(-(f / fc) ** 2)`` with ``fc`` in ``distance_hz``, with this probability.
    """

    octaves: float = 1.0
    stretch_prob: float = 0.4
    stretch: float = 0.5
    chorus_prob: float = 0.3
    chorus_max: int = 4
    distance_prob: float = 0.4
    distance_hz: tuple[float, float] = (2500.0, 10000.0)

    def __post_init__(self) -> None:
        for name in ("stretch_prob", "chorus_prob", "distance_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ParameterError(f"{name}={getattr(self, name)} must be a probability")
        if not 0.0 <= self.octaves <= 2.0 or not 0.0 <= self.stretch <= 1.0 or self.chorus_max < 2:
            raise ParameterError(f"bad variants: octaves={self.octaves} (0-2), stretch={self.stretch} (0-1), "
                                 f"chorus_max={self.chorus_max} (>= 2)")


@dataclass
class NoiseBank:
    """Call-free recordings held in memory at ``sr``, cut into varied negative windows.

    Parameters
    ----------
    paths : recordings (any format soundfile reads, any rate and channel count)
    sr : model rate, Hz
    part : ``(start, end)`` fractions of each recording to use, e.g. ``(0, 0.8)`` for
        training and ``(0.8, 1)`` for validation windows of the same files
    min_seconds : float, seconds; recordings (their part) shorter than this, or silent, are left out
    exclude : absolute recording path -> spans ``(start_s, end_s)`` that are not noise (a bird
        heard in a cricket recording; :func:`~birdscan.realsounds.spans.read_spans`): the
        recording is cut into the pieces around them, and no window crosses a span; pieces
        shorter than a window (0.5 s) are left out rather than looped

    Example
    -------
    >>> bank = NoiseBank(audio_files("site_noise/"))                       # doctest: +SKIP
    >>> x = bank.windows(1000, np.random.default_rng(0))                     # doctest: +SKIP
    >>> x.shape, x.dtype                                                     # doctest: +SKIP
    ((1000, 12000), dtype('float32'))
    """

    paths: Sequence[Path]
    sr: int = SAMPLE_RATE
    part: tuple[float, float] = (0.0, 1.0)
    min_seconds: float = 0.3
    exclude: Spans = field(default_factory=dict)
    audio: list[np.ndarray] = field(init=False, repr=False)
    used: list[Path] = field(init=False)

    def __post_init__(self) -> None:
        lo, hi = self.part
        if not 0.0 <= lo < hi <= 1.0:
            raise ParameterError(f"part={self.part} must be (start, end) fractions with 0 <= start < end <= 1")
        self.audio, self.used = [], []
        share = []  # (piece, recording part) sizes: a recording's pieces weigh as the whole would, times the share kept
        for p in self.paths:
            x = load_mono(p, self.sr)
            first = int(lo * x.size)
            x = x[first: int(hi * x.size)]
            spans = self.exclude.get(Path(p).resolve())
            # a piece between two spans must hold a whole window: a shorter one would be looped
            shortest = max(self.min_seconds, CLIP_SAMPLES / SAMPLE_RATE if spans else 0.0) * self.sr
            for a, b in pieces(x.size, self.sr, spans, first) if spans else [(0, x.size)]:
                if b - a >= shortest and float(np.abs(x[a:b]).max()) > 0:
                    self.audio.append(x[a:b])
                    self.used.append(Path(p))
                    share.append((b - a, x.size))
        if not self.audio:
            raise DataError(f"no usable noise recordings (at least {self.min_seconds} s of non-silent audio) in "
                            f"{[str(p) for p in self.paths][:3]}{'...' if len(self.paths) > 3 else ''}")
        # every folder gets an equal share, files within it by the square root of their length,
        # so one long folder does not crowd out the rest
        folders: dict[Path, list[int]] = {}
        for i, p in enumerate(self.used):
            folders.setdefault(p.parent, []).append(i)
        w = np.zeros(len(self.audio))
        for members in folders.values():
            s = np.array([np.sqrt(share[i][1]) * (share[i][0] / share[i][1]) for i in members])
            w[members] = s / s.sum() / len(folders)
        self.weights = w / w.sum()

    @property
    def seconds(self) -> float:
        """Audio held, in seconds."""
        return sum(a.size for a in self.audio) / self.sr

    def windows(self, n: int, rng: np.random.Generator, size: int = CLIP_SAMPLES,
                variants: Variants | None = Variants(), level_db: tuple[float, float] = LEVEL_DB) -> np.ndarray:
        """Negative windows cut at random offsets, each a random variant.

        Parameters
        ----------
        n : int, windows to cut
        rng : np.random.Generator, the only source of randomness
        size : int, samples per window
        variants : Variants or None, how windows are varied; None cuts plain windows (for
            validation: the sounds as recorded)
        level_db : (low, high), dBFS: each window's RMS level, drawn uniformly in dB (the
            default, :data:`LEVEL_DB`, spans the levels of generated clips and real nights, so
            that loudness tells nothing about the label)

        Returns
        -------
        np.ndarray [shape=(n, size), float32], each window at its drawn RMS level
        """
        lo, hi = level_db
        if not -120.0 <= lo <= hi <= 0.0:
            raise ParameterError(f"level_db={level_db} must be (low, high) dBFS with -120 <= low <= high <= 0")
        out = np.empty((n, size), dtype=np.float32)
        for i in range(n):
            if variants is None:
                out[i] = self._excerpt(rng, size) * 10 ** (rng.uniform(lo, hi) / 20)
                continue
            x = self._variant(rng, size, variants)
            if rng.random() < variants.chorus_prob:
                for _ in range(int(rng.integers(1, variants.chorus_max))):
                    y = self._variant(rng, size, variants)
                    x = x + y * 10 ** (rng.uniform(-12, 0) / 20)
            if rng.random() < variants.distance_prob:
                x = _distance(x, self.sr, rng.uniform(*variants.distance_hz))
            out[i] = x * (10 ** (rng.uniform(lo, hi) / 20) / _rms(x))
        return out

    def _pick(self, rng: np.random.Generator) -> np.ndarray:
        return self.audio[int(rng.choice(len(self.audio), p=self.weights))]

    def _excerpt(self, rng: np.random.Generator, size: int, src: np.ndarray | None = None) -> np.ndarray:
        a = self._pick(rng) if src is None else src
        if a.size < size:  # short recordings loop with a random start
            reps = -(-size // a.size) + 1
            a = np.tile(a, reps)
        s = int(rng.integers(0, a.size - size + 1))
        x = a[s: s + size].astype(np.float64)
        return (x / _rms(x)).astype(np.float32)

    def _variant(self, rng: np.random.Generator, size: int, v: Variants) -> np.ndarray:
        import soxr

        speed = 2.0 ** rng.uniform(-v.octaves, v.octaves)
        stretch = 2.0 ** rng.uniform(-v.stretch, v.stretch) if rng.random() < v.stretch_prob else 1.0
        src = self._pick(rng)
        need = int(math.ceil(size * speed / stretch)) + 64
        x = self._excerpt(rng, need, src)
        if stretch != 1.0:
            x = _stretch(x, stretch)
        if speed != 1.0:
            x = soxr.resample(x, self.sr * speed, self.sr, quality="MQ")
        x = x[:size] if x.size >= size else np.pad(x, (0, size - x.size), mode="wrap")
        return (x / _rms(x)).astype(np.float32)


def _rms(x: np.ndarray) -> float:
    """RMS of ``x`` computed in float64; 1 for silence (so dividing by it leaves silence alone)."""
    return math.sqrt(float(np.mean(np.square(x, dtype=np.float64)))) or 1.0


def _stretch(x: np.ndarray, factor: float, grain: int = 480) -> np.ndarray:
    """Granular overlap-add time stretch by ``factor`` (> 1 longer), pitch unchanged.

    Good enough for the noisy textures of choruses and rain; not for tonal music.
    """
    hop_out = grain // 2
    hop_in = hop_out / factor
    n_out = int(x.size * factor)
    win = np.hanning(grain).astype(np.float32)
    out = np.zeros(n_out + grain, dtype=np.float32)
    norm = np.zeros(n_out + grain, dtype=np.float32)
    for k in range(max(1, n_out // hop_out)):
        s = int(k * hop_in)
        if s + grain > x.size:
            break
        o = k * hop_out
        out[o: o + grain] += x[s: s + grain] * win
        norm[o: o + grain] += win
    return out[:n_out] / np.maximum(norm[:n_out], 1e-3)


def _distance(x: np.ndarray, sr: int, fc: float) -> np.ndarray:
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(x.size, 1.0 / sr)
    return np.fft.irfft(spec * np.exp(-((f / fc) ** 2)), n=x.size).astype(np.float32)



def recording_name(path: Path, folders: Iterable[str | Path]) -> str:
    """A noise recording's name as checkpoints and ``--not-noise`` lists give it.

    Parameters
    ----------
    path : absolute path of the recording
    folders : the ``negatives`` folders

    Returns
    -------
    str, ``<folder name>/<path in it>`` for the first folder holding it, else its file name

    Example
    -------
    >>> recording_name(Path("/data/noise/rain/a.ogg"), ["/data/noise"])
    'noise/rain/a.ogg'
    """
    for folder in folders:
        root = Path(folder).resolve()
        if root in path.parents:
            return f"{root.name}/{path.relative_to(root).as_posix()}"
    return path.name


def noise_recordings(folders: Iterable[str | Path], heldout: float = 0.25,
                     validation: float = VALIDATION_FRACTION) -> dict[str, list[Path]]:
    """The recordings of some noise folders, split three ways by :func:`split_recordings`.

    Parameters
    ----------
    folders : folders of call-free recordings
    heldout : fraction of each folder never used (the test part)
    validation : fraction of each folder kept for validation only: whole recordings that
        training never hears, on which the recommended threshold is chosen. Taken from what
        is left after the held-out part, in the same hash order, so the held-out files do
        not depend on it.

    Returns
    -------
    dict ``{"train": [...], "validation": [...], "heldout": [...]}`` of absolute paths
    """
    if not 0.0 <= validation < 1.0 - heldout:
        raise ParameterError(f"validation={validation} must be in [0, {1.0 - heldout:g}) with heldout={heldout}")
    train: list[Path] = []
    val: list[Path] = []
    held: list[Path] = []
    for folder in folders:
        root = Path(folder).resolve()
        files = [p.resolve() for p in audio_files(folder)]
        if not files:
            raise DataError(f"{folder}: holds no audio files ({', '.join(AUDIO_EXTENSIONS)})")
        rest, h = split_recordings(files, root, heldout)
        t, v = split_recordings(rest, root, validation / (1.0 - heldout), at_least_one=False) if validation > 0 else (rest, [])
        train += t
        val += v
        held += h
    return {"train": train, "validation": val, "heldout": held}
