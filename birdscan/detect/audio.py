"""One recording -> a stream of mono float32 blocks at the model rate (soundfile + soxr).

Nothing here reads a whole file: blocks of ``block`` input frames are decoded,
mixed to mono (or one channel picked) and resampled with a streaming soxr
resampler, so memory stays flat in recording length. What decoding met goes in a
:class:`DecodeReport`: a file that breaks part way is salvaged up to the break; a WAV file
holding more audio than its header declares, and a file shorter than its header claims, are
noted. The header and the libsndfile calls are :mod:`birdscan.detect.audiofile`'s.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ..birdvox70k import SAMPLE_RATE
from ..errors import AudioError, ParameterError
from ..tables import SAMPLE_BYTES
from .audiofile import AudioInfo, check_channel, error_reason, info, open_sound, read_frames, to_mono
# where they lived before detect.audiofile was split off: still importable from here
from .audiofile import RATE_RANGE, read_segment, read_segments, seconds_to_samples
from .decoder_output import decoder_note

__all__ = ["DEFAULT_BLOCK", "ESTIMATED_LENGTH", "DecodeReport", "stream", "RATE_RANGE", "read_segment",
           "read_segments", "seconds_to_samples", "AudioInfo", "info"]

DEFAULT_BLOCK = 1 << 18  # input frames per decoded block
_BLOCK_SAMPLES = 8 * DEFAULT_BLOCK  # samples (frames x channels) decoded at most at a time
_SALVAGE_BLOCK = 1024  # frames read at a time past a decoding error, to keep all that decodes

ESTIMATED_LENGTH = ("MP3", "MPEG", "OGG")
"""Formats (``soundfile`` names) whose length in the header is an estimate: a healthy file may
decode a little short of it (a variable-bitrate MP3), so only a clear shortfall marks the file
partial; what the decoder said is kept as a warning either way."""


@dataclass
class DecodeReport:
    """What decoding one recording met, filled in by :func:`stream` (``report=``).

    Attributes
    ----------
    frames : int, input frames decoded
    partial : str or None, why decoding stopped before the end the header claims
        (what decoded up to there was kept)
    nonfinite : int, samples that were NaN or infinite (scanned as 0)
    peak : float, the largest absolute sample value decoded
    warnings : list of str, other things worth knowing (a header that leaves out data)
    """

    frames: int = 0
    partial: str | None = None
    nonfinite: int = 0
    peak: float = 0.0
    warnings: list[str] = field(default_factory=list)


def stream(
    path: str | os.PathLike[str],
    sample_rate: int = SAMPLE_RATE,
    channel: int | None = None,
    block: int = DEFAULT_BLOCK,
    quality: str = "HQ",
    report: DecodeReport | None = None,
) -> Iterator[np.ndarray]:
    """Decode a recording as mono float32 blocks at ``sample_rate``.

    Parameters
    ----------
    path : audio file readable by libsndfile (WAV, FLAC, OGG, MP3, AIFF, ...)
    sample_rate : int > 0, output rate in Hz (the model's; default BirdVox-70k's, the default model's)
    channel : int >= 0 or None. None mixes all channels to mono (mean).
    block : int > 0, input frames decoded at a time
    quality : soxr quality ("HQ", "VHQ", ...)
    report : a :class:`DecodeReport` to fill in. With one, a recording that breaks part way
        (a truncated FLAC) is salvaged: everything that decodes is yielded, the stream ends
        there and ``report.partial`` says why. Without one, that raises :class:`AudioError`.

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
    return _stream(Path(path), sample_rate, channel, block, quality, report)


def _stream(path: Path, sample_rate: int, channel: int | None, block: int, quality: str,
            report: DecodeReport | None) -> Iterator[np.ndarray]:
    import soxr

    meta = info(path)
    rep = report if report is not None else DecodeReport()
    excess = _wav_excess(path, meta)
    if excess:
        rep.warnings.append(excess)
    check_channel(path, channel, meta.channels)
    resampler = None
    if meta.sample_rate != sample_rate:
        resampler = soxr.ResampleStream(meta.sample_rate, sample_rate, 1, dtype="float32", quality=quality)
    block = max(1, min(block, _BLOCK_SAMPLES // meta.channels))  # memory flat in channel count too

    def convert(x: np.ndarray, last: bool) -> np.ndarray:
        y = to_mono(x, channel, path)
        bad = ~np.isfinite(y)
        if bad.any():
            rep.nonfinite += int(bad.sum())
            y = np.where(bad, np.float32(0), y)
        if len(y):
            rep.peak = max(rep.peak, float(np.abs(y).max()))
        if resampler is not None:
            y = resampler.resample_chunk(y, last=last)
        return np.ascontiguousarray(y, dtype=np.float32)

    said: list[str] = []  # what the decoder printed, for a warning naming the file
    try:
        yield from _decode(path, rep, meta, block, convert, said, salvage=report is not None)
    finally:
        note = decoder_note(path, said)
        if note:
            rep.warnings.append(note)
    if rep.partial is None and rep.frames < meta.frames and (
            meta.format not in ESTIMATED_LENGTH or meta.frames - rep.frames > _estimate_slack(meta)):
        rep.partial = f"the file ends after {rep.frames / meta.sample_rate:.1f} s of the {meta.duration_s:.1f} s its header claims"


def _estimate_slack(meta: AudioInfo) -> int:
    """Frames a compressed file may fall short of its estimated length: 1 s or 2 %, the larger."""
    return max(meta.sample_rate, int(0.02 * meta.frames))


def _decode(path: Path, rep: DecodeReport, meta: AudioInfo, block: int, convert, said: list[str],
            salvage: bool) -> Iterator[np.ndarray]:
    import soundfile as sf

    try:
        with open_sound(path, said) as f:
            while True:
                try:
                    x = read_frames(f, block, said)
                except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
                    if not salvage:
                        raise
                    yield from _salvage(path, rep, meta, convert, e, said)
                    if rep.frames == 0:
                        raise
                    return
                rep.frames += len(x)
                last = len(x) < block
                y = convert(x, last)
                if len(y):
                    yield y
                if last:
                    break
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        where = f"after {rep.frames / meta.sample_rate:.1f} s of {meta.duration_s:.1f} s"
        raise AudioError(f"{path}: decoding failed {where} ({error_reason(e)})") from e


def _salvage(path: Path, rep: DecodeReport, meta: AudioInfo, convert, error: BaseException,
             said: list[str]) -> Iterator[np.ndarray]:
    """After a decoding error at ``rep.frames`` (block granularity), reopen the file and read on
    in small blocks up to the frame where it breaks: all that decodes is kept."""
    import soundfile as sf

    try:
        with open_sound(path, said) as f:
            f.seek(rep.frames)
            while rep.frames < meta.frames:
                x = read_frames(f, _SALVAGE_BLOCK, said)
                if not len(x):
                    break
                rep.frames += len(x)
                y = convert(x, False)
                if len(y):
                    yield y
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError):
        pass
    tail = convert(np.zeros((0, meta.channels), np.float32), True)
    if len(tail):
        yield tail
    rep.partial = (f"decoding failed after {rep.frames / meta.sample_rate:.1f} s of {meta.duration_s:.1f} s "
                   f"({error_reason(error)}); the {rep.frames / meta.sample_rate:.1f} s before were scanned")


def _wav_excess(path: Path, meta: AudioInfo) -> str | None:
    """A warning when a RIFF/WAVE file holds more audio after its ``data`` chunk than the
    header declares (libsndfile reads only what the header says), else None."""
    if meta.format != "WAV":
        return None
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(12)
            if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            pos = 12
            while pos + 8 <= size:
                f.seek(pos)
                cid, n = struct.unpack("<4sI", f.read(8))
                end = pos + 8 + n + (n & 1)
                if cid == b"data":
                    if end > size + 1:
                        return (f"{path}: the file ends after {size - pos - 8:,} of the {n:,} bytes of audio its WAV header "
                                "declares (a truncated recording?); what is there was scanned")
                    return _after_data(f, end, size, n, path, meta)
                pos = end
    except (OSError, struct.error):
        return None
    return None


def _after_data(f, end: int, size: int, declared: int, path: Path, meta: AudioInfo) -> str | None:
    pos = end
    while pos + 8 <= size:  # what follows should be well-formed chunks (LIST, id3, ...)
        f.seek(pos)
        cid, n = struct.unpack("<4sI", f.read(8))
        if not all(32 <= c < 127 for c in cid) or pos + 8 + n > size:
            break
        pos += 8 + n + (n & 1)
    else:
        return None
    extra = size - end
    width = SAMPLE_BYTES.get(meta.subtype)
    if width is None:
        return f"{path}: {extra:,} bytes follow the {declared:,} bytes of audio the WAV header declares; only those were scanned"
    seconds = extra / (width * meta.channels * meta.sample_rate)
    return (f"{path}: the WAV header declares {meta.duration_s:.1f} s of audio, but about {seconds:.1f} s more follow it; "
            "only the declared part was scanned (rewrite the header, e.g. with sox, to scan it all)")
