"""One recording -> a stream of mono float32 blocks at the model rate (soundfile + soxr).

Nothing here reads a whole file: blocks of ``block`` input frames are decoded,
mixed to mono (or one channel picked) and resampled with a streaming soxr
resampler, so memory stays flat in recording length.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..errors import AudioError, ParameterError

DEFAULT_BLOCK = 1 << 18  # input frames per decoded block
RATE_RANGE = (1_000, 2_000_000)  # Hz a header may claim (8 kHz phones .. 768 kHz bat detectors, with room)
_BLOCK_SAMPLES = 8 * DEFAULT_BLOCK  # samples (frames x channels) decoded at most at a time


@dataclass(frozen=True)
class AudioInfo:
    """What the file header says: ``sample_rate`` (Hz), ``channels``, ``frames`` (per channel),
    ``format`` and ``subtype`` (soundfile names)."""

    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


def seconds_to_samples(seconds: float, sr: int) -> int:
    """The one rounding rule from seconds to samples: nearest integer."""
    return int(round(float(seconds) * sr))


def _sf_path(path: Path) -> str | bytes:
    # libsndfile takes bytes on POSIX: names that are not valid UTF-8 then open too.
    return str(path) if os.name == "nt" else os.fsencode(path)


def info(path: str | os.PathLike[str]) -> AudioInfo:
    """Read a recording's header. Raises :class:`AudioError` naming the file and the reason.

    Only regular files are opened (a named pipe or device would block or never end), and
    the header must claim a sample rate within ``RATE_RANGE`` and at least one sample.
    """
    import soundfile as sf

    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise AudioError(f"{path}: not a regular file")
        with open(path, "rb"):  # libsndfile would only say "System error"
            pass
        i = sf.info(_sf_path(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        raise AudioError(f"{path}: cannot read audio ({_reason(e)})") from e
    if i.channels <= 0:
        raise AudioError(f"{path}: header says {i.channels} channels")
    if not RATE_RANGE[0] <= i.samplerate <= RATE_RANGE[1]:
        raise AudioError(f"{path}: header says {i.samplerate} Hz; birdscan reads {RATE_RANGE[0]:,}-{RATE_RANGE[1]:,} Hz")
    if i.frames <= 0:
        raise AudioError(f"{path}: no audio (0 samples)")
    return AudioInfo(path, int(i.samplerate), int(i.channels), int(i.frames), i.format, i.subtype)


def _reason(e: BaseException) -> str:
    # The file is named by the caller: keep only the cause (libsndfile's message, strerror).
    text = e.strerror if isinstance(e, OSError) and e.strerror else getattr(e, "error_string", None)
    text = (text or str(e)).strip() or type(e).__name__
    return text.splitlines()[-1]


def _to_mono(x: np.ndarray, channel: int | None, path: Path) -> np.ndarray:
    if channel is None:
        return x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0]
    if not 0 <= channel < x.shape[1]:
        raise AudioError(f"{path}: channel {channel + 1} asked for (counting from 1), but the file has {x.shape[1]} channel(s)")
    return x[:, channel]


def stream(
    path: str | os.PathLike[str],
    sample_rate: int = 24_000,
    channel: int | None = None,
    block: int = DEFAULT_BLOCK,
    quality: str = "HQ",
) -> Iterator[np.ndarray]:
    """Decode a recording as mono float32 blocks at ``sample_rate``.

    Parameters
    ----------
    path : audio file readable by libsndfile (WAV, FLAC, OGG, MP3, AIFF, ...)
    sample_rate : int > 0, output rate in Hz (the model's)
    channel : int >= 0 or None. None mixes all channels to mono (mean).
    block : int > 0, input frames decoded at a time
    quality : soxr quality ("HQ", "VHQ", ...)

    Yields
    ------
    np.ndarray [shape=(n,), float32], consecutive blocks; their concatenation equals
    resampling the whole file at once. Non-finite samples (NaN/Inf) become 0.

    Raises
    ------
    AudioError naming the file when it cannot be opened or breaks while decoding.

    Examples
    --------
    >>> total = sum(len(b) for b in stream("night.flac"))  # doctest: +SKIP
    """
    if sample_rate <= 0:
        raise ParameterError(f"sample_rate={sample_rate} must be a positive number of Hz")
    if block <= 0:
        raise ParameterError(f"block={block} must be a positive number of frames")
    if channel is not None and channel < 0:
        raise ParameterError(f"channel={channel} must be >= 0 (0 is the first channel)")
    return _stream(Path(path), sample_rate, channel, block, quality)


def _stream(path: Path, sample_rate: int, channel: int | None, block: int, quality: str) -> Iterator[np.ndarray]:
    import soundfile as sf
    import soxr

    meta = info(path)
    if channel is not None and channel >= meta.channels:
        raise AudioError(f"{path}: channel {channel + 1} asked for (counting from 1), but the file has {meta.channels} channel(s)")
    resampler = None
    if meta.sample_rate != sample_rate:
        resampler = soxr.ResampleStream(meta.sample_rate, sample_rate, 1, dtype="float32", quality=quality)
    block = max(1, min(block, _BLOCK_SAMPLES // meta.channels))  # memory flat in channel count too
    done = 0
    try:
        with sf.SoundFile(_sf_path(path)) as f:
            while True:
                x = f.read(block, dtype="float32", always_2d=True)
                done += len(x)
                last = len(x) < block
                y = _to_mono(x, channel, path)
                if not np.isfinite(y).all():
                    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
                if resampler is not None:
                    y = resampler.resample_chunk(y, last=last)
                if len(y):
                    yield np.ascontiguousarray(y, dtype=np.float32)
                if last:
                    break
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        where = f"after {done / meta.sample_rate:.1f} s of {meta.duration_s:.1f} s"
        raise AudioError(f"{path}: decoding failed {where} ({_reason(e)})") from e


def read_segment(
    path: str | os.PathLike[str],
    start_s: float,
    end_s: float,
    sample_rate: int | None = None,
    channel: int | None = None,
) -> tuple[np.ndarray, int]:
    """Read ``[start_s, end_s)`` of a recording without reading the rest.

    Returns ``(samples, sr)``: float32 ``[shape=(n, channels)]`` at the file's rate when
    ``sample_rate`` is None, else mono ``[shape=(n,)]`` resampled to ``sample_rate``.
    """
    return next(read_segments(path, [(start_s, end_s)], sample_rate, channel))


def read_segments(
    path: str | os.PathLike[str],
    spans: Iterable[tuple[float, float]],
    sample_rate: int | None = None,
    channel: int | None = None,
) -> Iterator[tuple[np.ndarray, int]]:
    """:func:`read_segment` for many ``(start_s, end_s)`` spans, opening the file once."""
    import soundfile as sf
    import soxr

    meta = info(path)
    try:
        with sf.SoundFile(_sf_path(Path(path))) as f:
            for start_s, end_s in spans:
                a = min(max(seconds_to_samples(start_s, meta.sample_rate), 0), meta.frames)
                b = min(max(seconds_to_samples(end_s, meta.sample_rate), a), meta.frames)
                f.seek(a)
                x = np.nan_to_num(f.read(b - a, dtype="float32", always_2d=True), nan=0.0, posinf=0.0, neginf=0.0)
                if sample_rate is None:
                    yield x, meta.sample_rate
                    continue
                y = _to_mono(x, channel, Path(path))
                if meta.sample_rate != sample_rate and len(y):
                    y = soxr.resample(y, meta.sample_rate, sample_rate).astype(np.float32)
                yield y, sample_rate
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        raise AudioError(f"{path}: cannot read a segment ({_reason(e)})") from e
