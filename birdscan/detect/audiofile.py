"""A recording file read by seeking: its header, the seconds-to-samples rule and short spans.

:func:`info` reads and checks a recording's header (:class:`AudioInfo`); :func:`read_segment`
and :func:`read_segments` read spans of it (events' bands, clips, plots) without reading the
rest. The libsndfile calls (:func:`open_sound`, :func:`read_frames`) run through
:data:`birdscan.detect.decoder_output.DECODER`; :mod:`birdscan.detect.audio` streams whole
recordings through them too.
"""

from __future__ import annotations

import os
import stat
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..errors import AudioError
from .decoder_output import CHATTY, DECODER

RATE_RANGE = (1_000, 2_000_000)  # Hz a header may claim (8 kHz phones .. 768 kHz bat detectors, with room)


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
        """Length in seconds (``frames / sample_rate``), as the header says."""
        return self.frames / self.sample_rate


def seconds_to_samples(seconds: float, sr: int) -> int:
    """The one rounding rule from seconds to samples: nearest integer.

    Parameters
    ----------
    seconds : float, a time or duration in seconds
    sr : int, sample rate in Hz

    Returns
    -------
    int, ``round(seconds * sr)`` samples (Python's rounding: halves to even)
    """
    return int(round(float(seconds) * sr))


def _sf_path(path: Path) -> str | bytes:
    # libsndfile takes bytes on POSIX: names that are not valid UTF-8 then open too.
    return str(path) if os.name == "nt" else os.fsencode(path)


def info(path: str | os.PathLike[str]) -> AudioInfo:
    """Read a recording's header.

    Only regular files are opened (a named pipe or device would block or never end), and
    the header must claim a sample rate within ``RATE_RANGE`` and at least one sample.

    Parameters
    ----------
    path : str or PathLike, the audio file

    Returns
    -------
    AudioInfo, what the header says

    Raises
    ------
    AudioError
        naming the file and the reason, when it cannot be read or the header fails the checks above
    """
    import soundfile as sf

    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise AudioError(f"{path}: not a regular file")
        with open(path, "rb"):  # libsndfile would only say "System error"
            pass
        with DECODER.call():  # what mpg123 says probing a file that is not MPEG: the error below names it
            i = sf.info(_sf_path(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        if isinstance(e, sf.LibsndfileError) and _undecodable(e):
            raise AudioError(f"{path}: not decodable audio (no format birdscan reads: WAV, FLAC, OGG, MP3, AIFF, ...)") from e
        raise AudioError(f"{path}: cannot read audio ({error_reason(e)})") from e
    if i.channels <= 0:
        raise AudioError(f"{path}: header says {i.channels} channels")
    if not RATE_RANGE[0] <= i.samplerate <= RATE_RANGE[1]:
        raise AudioError(f"{path}: header says {i.samplerate} Hz; birdscan reads {RATE_RANGE[0]:,}-{RATE_RANGE[1]:,} Hz")
    if i.frames <= 0:
        raise AudioError(f"{path}: no audio (0 samples)")
    return AudioInfo(path, int(i.samplerate), int(i.channels), int(i.frames), i.format, i.subtype)


def _undecodable(e: BaseException) -> bool:
    # The file is a regular, readable file here: libsndfile's "System error", "does not
    # exist or is not a regular file" or an empty reason (its MP3 probe) mean it found no format.
    text = (getattr(e, "error_string", "") or "").strip()
    return not text or "not a regular file" in text or text == "System error."


def error_reason(e: BaseException) -> str:
    """The cause of a failed read, for a message that names the file itself.

    Parameters
    ----------
    e : BaseException, what libsndfile, the OS or soundfile raised

    Returns
    -------
    str, one line: libsndfile's message or the OS's ``strerror`` (else ``str(e)``, else the
    exception's type name), its last line when it has several
    """
    # The file is named by the caller: keep only the cause (libsndfile's message, strerror).
    text = e.strerror if isinstance(e, OSError) and e.strerror else getattr(e, "error_string", None)
    text = (text or str(e)).strip() or type(e).__name__
    return text.splitlines()[-1]


def check_channel(path: Path, channel: int | None, channels: int) -> None:
    """Raise unless ``channel`` is None (the mix) or one of the file's ``channels``.

    Parameters
    ----------
    path : Path, the file, for the message
    channel : int >= 0 or None, the channel asked for, counting from 0
    channels : int, the file's channel count

    Raises
    ------
    AudioError
        saying it the way the user asks for it (``--channel`` / ``channel=`` count from 1)
    """
    if channel is not None and not 0 <= channel < channels:
        raise AudioError(f"{path}: channel {channel + 1} asked for (counting from 1), but the file has {channels} channel(s)")


def to_mono(x: np.ndarray, channel: int | None, path: Path) -> np.ndarray:
    """One channel of a block, or the mean of all of them.

    Parameters
    ----------
    x : np.ndarray [shape=(n, channels), float32], decoded frames
    channel : int >= 0 or None; None mixes the channels (mean)
    path : Path, the file, for the message when it has no such channel

    Returns
    -------
    np.ndarray [shape=(n,), float32], the channel (a view of ``x``) or the channels' mean

    Raises
    ------
    AudioError
        when the file has no channel ``channel`` (:func:`check_channel`)
    """
    if channel is None:
        return x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0]
    check_channel(path, channel, x.shape[1])
    return x[:, channel]


def open_sound(path: Path, said: list[str] | None = None):
    """Open a recording with libsndfile, what its decoder prints kept off the terminal.

    Parameters
    ----------
    path : Path, the audio file
    said : list of str or None; what the decoder printed while opening is appended to it
        (None discards it)

    Returns
    -------
    soundfile.SoundFile, open for reading (a context manager)
    """
    import soundfile as sf

    with DECODER.call(said):
        return sf.SoundFile(_sf_path(path))


def read_frames(f, frames: int, said: list[str] | None = None) -> np.ndarray:
    """``frames`` more frames of ``f``, guarded when the decoder may print (:data:`CHATTY` formats).

    Parameters
    ----------
    f : soundfile.SoundFile, from :func:`open_sound`
    frames : int >= 0, frames to read (fewer come back at the end of the file)
    said : list of str or None, as for :func:`open_sound`

    Returns
    -------
    np.ndarray [shape=(n, channels), float32]
    """
    with DECODER.call(said) if f.format in CHATTY else nullcontext():
        return f.read(frames, dtype="float32", always_2d=True)


def read_segment(
    path: str | os.PathLike[str],
    start_s: float,
    end_s: float,
    sample_rate: int | None = None,
    channel: int | None = None,
) -> tuple[np.ndarray, int]:
    """Read ``[start_s, end_s)`` of a recording without reading the rest.

    Parameters
    ----------
    path : str or PathLike, the audio file
    start_s, end_s : float, seconds from the start; clipped to the file (an empty span reads 0 samples)
    sample_rate : int or None, Hz; None keeps the file's rate and all its channels
    channel : int >= 0 or None, the channel (from 0) when resampling; None mixes to mono (mean).
        Ignored when ``sample_rate`` is None

    Returns
    -------
    (samples, sr) : float32 ``np.ndarray [shape=(n, channels)]`` at the file's rate ``sr`` when
    ``sample_rate`` is None, else mono ``[shape=(n,)]`` resampled to ``sr = sample_rate``;
    non-finite samples become 0

    Raises
    ------
    AudioError
        naming the file, when it cannot be read or has no such channel
    """
    return next(read_segments(path, [(start_s, end_s)], sample_rate, channel))


def read_segments(
    path: str | os.PathLike[str],
    spans: Iterable[tuple[float, float]],
    sample_rate: int | None = None,
    channel: int | None = None,
) -> Iterator[tuple[np.ndarray, int]]:
    """:func:`read_segment` for many spans, opening the file once.

    Parameters
    ----------
    path : str or PathLike, the audio file
    spans : iterable of (start_s, end_s) float pairs, seconds, in any order
    sample_rate, channel : as for :func:`read_segment`

    Yields
    ------
    (samples, sr) for each span in turn, as :func:`read_segment` returns them

    Raises
    ------
    AudioError
        naming the file, when it cannot be read or has no such channel
    """
    import soundfile as sf
    import soxr

    meta = info(path)
    try:
        with open_sound(Path(path)) as f:  # the scan already reported what the decoder says about this file
            for start_s, end_s in spans:
                a = min(max(seconds_to_samples(start_s, meta.sample_rate), 0), meta.frames)
                b = min(max(seconds_to_samples(end_s, meta.sample_rate), a), meta.frames)
                f.seek(a)
                x = np.nan_to_num(read_frames(f, b - a), nan=0.0, posinf=0.0, neginf=0.0)
                if sample_rate is None:
                    yield x, meta.sample_rate
                    continue
                y = to_mono(x, channel, Path(path))
                if meta.sample_rate != sample_rate and len(y):
                    y = soxr.resample(y, meta.sample_rate, sample_rate).astype(np.float32)
                yield y, sample_rate
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as e:
        raise AudioError(f"{path}: cannot read a segment ({error_reason(e)})") from e
