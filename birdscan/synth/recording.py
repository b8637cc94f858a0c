"""Long synthetic night recordings with flight calls at known times, and their truth tables.

:func:`write_recording` lays calls from :mod:`birdscan.synth.calls` over night ambience from
:mod:`birdscan.synth.ambience` (or real beds, :class:`RealBackgrounds`), stretch by stretch so
memory stays flat for hours of audio, and writes the audio and a truth CSV together.
Everything is deterministic given a seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..birdvox70k import SAMPLE_RATE
from ..errors import OutputError, ParameterError
from ..files import OutputSet, atomic_open, atomic_path
from ..tables import SAMPLE_BYTES, TRUTH_COLUMNS
from .ambience import UnitProfile, background_mix
from .backgrounds import RealBackgrounds, check_backgrounds, load_backgrounds
from .calls import POSITIVE_MIN_SNR_DB, CallParams, call_info, draw_call, scaled_call
from .dsp import check_int, check_number, check_sr, crossfade, equal_power_fade, place, rms
from .negatives import draw_snr_db

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TRUTH_COLUMNS", "write_recording"]

SEGMENT_S = 30.0  # a recording is synthesised in independent stretches ...
XFADE_S = 0.25  # ... joined by equal-power crossfades
_FORMATS = {".wav": "WAV", ".flac": "FLAC"}


@dataclass(frozen=True)
class _PlannedCall:
    start: int  # first sample of the call
    n: int  # length without the tail
    params: CallParams
    info: dict[str, Any]
    snr_db: float


def _plan_calls(rng: np.random.Generator, n: int, sr: int, per_minute: float) -> list[_PlannedCall]:
    """Call times: clusters (flocks) in busy and quiet minutes, some overlapping; none cut by the ends."""
    margin = int(0.05 * sr)
    if per_minute == 0 or n < 2 * margin + int(0.33 * sr):
        return []
    minutes = math.ceil(n / sr / 60)
    activity = rng.gamma(0.7, size=minutes)
    mean_cluster = 0.7 + 0.3 * 2.5
    n_clusters = rng.poisson(per_minute * n / sr / 60 / mean_cluster)
    which = rng.choice(minutes, size=n_clusters, p=activity / activity.sum())
    first = which * 60 * sr + rng.random(n_clusters) * np.minimum(60 * sr, n - which * 60 * sr)
    calls = []
    for t0 in np.sort(first):
        size = 1 if rng.random() < 0.7 else 2 + int(rng.poisson(0.5))
        t = float(t0)
        for _ in range(size):
            p = draw_call(rng, sr, None)
            info = call_info(p, sr)
            n_call = int(round(info["duration_s"] * sr))
            start = int(t)
            if margin <= start and start + n_call <= n - margin:
                calls.append(_PlannedCall(start, n_call, p, info, draw_snr_db(rng, POSITIVE_MIN_SNR_DB)))
            t += rng.exponential(0.3) * sr
    return sorted(calls, key=lambda c: c.start)


def _check_recording_args(
    path: Path, duration_s: Any, sr: Any, calls_per_minute: Any, seed: Any, channels: Any, subtype: Any
) -> tuple[str, int]:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ParameterError(f"path={str(path)!r} must end in .wav or .flac")
    check_number("duration_s", duration_s, 0, 7 * 86400, "a number of seconds > 0 (at most a week)")
    sr = check_sr(sr)
    n = int(round(duration_s * sr))
    if n < 1:
        raise ParameterError(f"duration_s={duration_s!r} must be a number of seconds > 0 (at most a week)")
    check_number("calls_per_minute", calls_per_minute, 0, 600, "a number in [0, 600]")
    check_int("seed", seed, 0)
    check_int("channels", channels, 1, 8)
    if subtype is not None:
        import soundfile as sf

        if not isinstance(subtype, str) or not sf.check_format(fmt, subtype.upper()):
            raise ParameterError(
                f"subtype={subtype!r} is not a {fmt} subtype; see soundfile.available_subtypes({fmt!r})"
            )
    size = n * channels * SAMPLE_BYTES.get((subtype or "PCM_16").upper(), 4)
    if fmt == "WAV" and size > 2**32 - 2**20:
        raise ParameterError(
            f"duration_s={duration_s!r}: {size / 2**30:.1f} GiB of audio is too much for a WAV file; use .flac"
        )
    if path.parent.exists() and not path.parent.is_dir():
        raise ParameterError(f"path={str(path)!r}: {str(path.parent)!r} is not a folder")
    return fmt, n


def _render_recording(
    f: Any, seed: int, n: int, sr: int, channels: int, plan: list[_PlannedCall], real: RealBackgrounds | None
) -> None:
    """Synthesise the recording stretch by stretch and write it to the open SoundFile ``f``."""
    profile = UnitProfile.draw(np.random.default_rng([seed, 21]))
    crng = np.random.default_rng([seed, 23])
    level = 10 ** (crng.uniform(-62, -38) / 20)  # RMS of the bed in dBFS
    ch_gain = crng.uniform(0.6, 1.0, channels)
    ch_gain[0] = 1.0
    seg, xf = int(SEGMENT_S * sr), int(XFADE_S * sr)
    fade = equal_power_fade(xf)
    carry: np.ndarray | None = None
    active: list[tuple[int, np.ndarray]] = []  # (start sample, scaled call) still sounding
    i = 0
    for k, a in enumerate(range(0, n, seg)):
        size = min(seg, n - a)
        srng = np.random.default_rng([seed, 24, k])
        x = background_mix(srng, size + xf, sr, profile, real).x
        block = x[:size].copy()
        if carry is not None:
            m = min(xf, size)
            block[:m] = crossfade(carry[:m], block, fade)
        carry = x[size:]
        while i < len(plan) and plan[i].start < a + size:
            wave, _ = scaled_call(block, sr, plan[i].params, plan[i].start - a, plan[i].snr_db)
            active.append((plan[i].start, wave))
            i += 1
        bed = rms(block)
        for start, wave in active:
            place(block, wave, start - a)
        active = [(s, w) for s, w in active if s + w.size > a + size]
        out = block[:, None] * (level * ch_gain)
        if channels > 1:  # a second microphone: same scene, its own self-noise
            out[:, 1:] += srng.standard_normal((size, channels - 1)) * (0.1 * level * bed)
        f.write(np.clip(out, -1, 1).astype(np.float32))


def write_recording(
    path: str | Path,
    duration_s: float,
    sr: int = SAMPLE_RATE,
    calls_per_minute: float = 20,
    seed: int = 0,
    backgrounds: str | Path | RealBackgrounds | None = None,
    channels: int = 1,
    subtype: str | None = None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Write a long synthetic night recording with flight calls at known times, and its truth table.

    The recording is synthesised directly at ``sr`` in 30 s stretches of night
    ambience from one :class:`UnitProfile` (joined by 0.25 s equal-power
    crossfades) and written block by block, so memory stays flat for hours of
    audio. Calls come in clusters (30 % of clusters are flocks of 2+ calls
    0.3 s apart on average, often overlapping) whose rate varies from minute
    to minute around ``calls_per_minute``; each has a band SNR uniform in
    -3..25 dB over the background where it sits, and none is cut by the
    file's ends (50 ms margin). The bed sits at -62..-38 dBFS RMS. A truth
    CSV is written next to the audio as ``path.with_suffix(".truth.csv")``.
    Both files are written under temporary names and renamed when complete.

    Parameters
    ----------
    path : str or Path
        ``.wav`` or ``.flac``; its folder must exist.
    duration_s : float > 0
        Length in seconds; the file has exactly ``round(duration_s * sr)`` frames.
    sr : int, 16000 <= sr <= 384000
    calls_per_minute : float in [0, 600]
    seed : int >= 0
    backgrounds : folder, RealBackgrounds (at ``sr``) or None
        Real recordings to use as beds (see :class:`RealBackgrounds`).
    channels : int in [1, 8]
        Extra channels carry the same scene with their own gain and self-noise.
    subtype : str or None
        A soundfile subtype (e.g. ``"PCM_24"``, ``"FLOAT"``); None: ``PCM_16``.
    overwrite : bool
        Needed to replace an existing recording or truth file.

    Returns
    -------
    pandas.DataFrame
        One row per call, sorted by start: ``file`` (the audio file's name),
        ``start_s``, ``end_s``, ``centre_s`` (midpoint), ``low_freq_hz``,
        ``high_freq_hz``, ``kind`` ("thrush"/"high") and ``snr_db``. Times
        are seconds from the file start; the call's echo tail is not counted.

    Examples
    --------
    >>> truth = write_recording("night.flac", 600, sr=44100, seed=3)  # doctest: +SKIP
    """
    import pandas as pd
    import soundfile as sf

    path = Path(path)
    fmt, n = _check_recording_args(path, duration_s, sr, calls_per_minute, seed, channels, subtype)
    check_backgrounds(backgrounds, sr)
    for target in (path, path.with_suffix(".truth.csv")):
        if target.exists() and not overwrite:
            raise OutputError(f"{target} exists; pass overwrite=True (--overwrite) to replace it")
    real = load_backgrounds(backgrounds, sr)
    plan = _plan_calls(np.random.default_rng([seed, 22]), n, sr, float(calls_per_minute))
    subtype = (subtype or "PCM_16").upper()
    truth = pd.DataFrame(
        [
            (path.name, c.start / sr, (c.start + c.n) / sr, (c.start + c.n / 2) / sr,
             c.info["low_freq_hz"], c.info["high_freq_hz"], c.info["kind"], c.snr_db)
            for c in plan
        ],
        columns=TRUTH_COLUMNS,
    )
    truth = truth.round(6)
    with OutputSet() as outputs:  # the recording and its truth appear together
        with atomic_path(path, outputs) as tmp:
            with sf.SoundFile(tmp, "w", samplerate=sr, channels=channels, subtype=subtype, format=fmt) as f:
                _render_recording(f, seed, n, sr, channels, plan, real)
        with atomic_open(path.with_suffix(".truth.csv"), outputs=outputs) as f:
            truth.to_csv(f, index=False, lineterminator="\n")
    return truth
