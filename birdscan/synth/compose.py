"""Synthetic training and test data: BirdVox-70k-layout clips and long recordings with ground truth.

The sounds come from :mod:`birdscan.synth.calls` (flight calls) and
:mod:`birdscan.synth.ambience` (night ambience), :mod:`birdscan.synth.negatives` (hard negatives) and
:mod:`birdscan.synth.backgrounds` (real excerpts);
this module composes them into labelled 0.5 s clips (:func:`make_clip`,
:func:`write_birdvox70k`); :mod:`birdscan.synth.recording` composes long recordings with a
truth table (:func:`write_recording`, importable from here too). Everything is
deterministic given a seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import birdvox70k as data
from ..realsounds import NoiseBank, Spans, noise_recordings
from ..realsounds.spans import spans_of
from ..errors import OutputError, ParameterError
from .ambience import Mix, UnitProfile, background_mix, synth_background
from .backgrounds import RealBackgrounds, check_backgrounds, check_real, load_backgrounds
from .calls import HIGH_CALL_FRACTION, POSITIVE_MIN_SNR_DB, CallParams, draw_call, scaled_call, synth_call
from .dsp import check_int, check_number, check_rng, loguniform, place
from .negatives import draw_snr_db, hard_negative
from .recording import write_recording

__all__ = [
    "RealBackgrounds",
    "UnitProfile",
    "make_clip",
    "synth_background",
    "synth_call",
    "write_birdvox70k",
    "write_recording",
]

JITTER = 480  # a positive's call centre is within +-20 ms of the clip centre
NIGHT_SAMPLES = 10 * 3600 * data.SAMPLE_RATE
HARD_FRACTION = 0.7  # negatives with a hard negative near the centre
EDGE_CALL_SHARE = 0.12  # of those, a call whose centre lies outside the clip
POSITIVE_DISTRACTOR = 0.35  # positives with a hard negative anywhere
SECOND_CALL = 0.1  # positives with another call anywhere in the clip
REAL_NEGATIVE = 0.35  # with real noise recordings: negatives that are mostly a varied real-noise window
REAL_BED = 0.3  # ... and positives whose call sits on one
PEAK_RANGE = (0.003, 0.5)  # clip peak level, log-uniform


# ---------------------------------------------------------------- clips
def _add_call(mix: Mix, p: CallParams, start: int, snr_db: float) -> dict[str, Any]:
    wave, info = scaled_call(mix.x, mix.sr, p, start, snr_db)
    place(mix.x, wave, start)
    return info


def _finish(rng: np.random.Generator, x: np.ndarray, profile: UnitProfile) -> np.ndarray:
    """Recorder chain: band limit, DC removal, random peak level, 16-bit grid, sometimes a DC offset."""
    sr = data.SAMPLE_RATE
    if profile.bandlimit_hz is not None:
        f = np.fft.rfftfreq(x.size, 1 / sr)
        x = np.fft.irfft(np.fft.rfft(x) * np.clip((profile.bandlimit_hz + 300 - f) / 300, 0, 1), x.size)
    x = x - x.mean()
    x *= loguniform(rng, *PEAK_RANGE) / (np.abs(x).max() + 1e-12)
    if rng.random() < 0.5:
        x = np.round(x * 32767) / 32767
    if rng.random() < 0.1:
        x += rng.uniform(-0.03, 0.03)
    return np.clip(x, -1, 1).astype(np.float32)


def _clip(
    rng: np.random.Generator, label: int, profile: UnitProfile, real: RealBackgrounds | None,
    noise: NoiseBank | None = None, high: float = HIGH_CALL_FRACTION,
) -> tuple[np.ndarray, int]:
    n, sr = data.CLIP_SAMPLES, data.SAMPLE_RATE
    mix = background_mix(rng, n, sr, profile, real)
    if noise is not None and rng.random() < (REAL_BED if label else REAL_NEGATIVE):
        # before the call: a call's SNR is measured against everything under it
        window = noise.windows(1, rng, n)[0].astype(np.float64)
        mix.add((window, 1000.0, 11000.0), 0, rng.uniform(-5, 10) if label else rng.uniform(0, 25))
    centre = n // 2
    freq = 0
    if label:
        p = draw_call(rng, sr, None, high)
        half = int(round(p.dur * sr)) // 2
        info = _add_call(mix, p, centre + int(rng.integers(-JITTER, JITTER + 1)) - half, draw_snr_db(rng, POSITIVE_MIN_SNR_DB))
        freq = int(round(info["centre_freq_hz"]))
        if rng.random() < POSITIVE_DISTRACTOR:
            _, event, snr = hard_negative(rng, sr, profile)
            mix.add(event, int(rng.integers(-event[0].size // 2, n - event[0].size // 2)), snr)
        if rng.random() < SECOND_CALL:
            q = draw_call(rng, sr, None, high)
            half = int(round(q.dur * sr)) // 2
            _add_call(mix, q, int(rng.integers(-half, n - half)), draw_snr_db(rng))
    elif rng.random() < HARD_FRACTION:
        if rng.random() < EDGE_CALL_SHARE:
            q = draw_call(rng, sr, None, high)
            half = int(round(q.dur * sr)) // 2
            offset = int(rng.integers(centre, centre + max(int(0.9 * half), 1) + 1)) * int(rng.choice([-1, 1]))
            _add_call(mix, q, centre + offset - half, draw_snr_db(rng))
        else:
            _, event, snr = hard_negative(rng, sr, profile)
            size = event[0].size
            # a sound longer than the clip: any part of it at the centre, its start or end too
            at = int(rng.integers(0, size)) if size > n else size // 2 + int(rng.integers(-1200, 1201))
            mix.add(event, centre - at, snr)
    return _finish(rng, mix.x, profile), freq


def make_clip(
    rng: np.random.Generator, label: int, profile: UnitProfile, real: RealBackgrounds | None = None
) -> tuple[np.ndarray, int]:
    """One labelled 0.5 s clip at 24 kHz, as in BirdVox-70k.

    A positive holds a flight call (:func:`synth_call`) centred within +-20 ms
    of the clip centre at a band SNR uniform in -3..25 dB (call RMS over the
    mixture's RMS in the call's band +-200 Hz, where the call is), over
    :func:`synth_background`; 35 % also hold a hard negative somewhere and
    10 % a second call anywhere. A negative is background; 70 % hold a hard
    negative near the centre (+-50 ms): insect chirps, 1.5-10 kHz noise
    transients, clicks, rain drops, non-call tonal sounds, a songbird phrase,
    handling noise or wind (shares in :data:`birdscan.synth.negatives.HARD_NEGATIVES`),
    or (12 % of them) a call whose centre lies outside the clip so that at
    most half of it shows at an edge. Hard negatives share the calls' SNR
    range, so level says nothing about the label. The clip is then
    band-limited as the unit's recorder, freed of DC and scaled to a peak
    log-uniform in 0.003-0.5 (night recordings such as the Jura ones peak
    near 0.005); half are rounded to a 16-bit grid and 10 % get a DC offset
    up to 0.03.

    Parameters
    ----------
    rng : np.random.Generator
    label : {0, 1}
    profile : UnitProfile
        The recording unit's night sounds.
    real : RealBackgrounds or None
        Real excerpts at 24 kHz to use as beds.

    Returns
    -------
    clip : np.ndarray [shape=(12000,), float32]
    freq_hz : int
        The call's centre frequency in Hz for a positive, 0 for a negative.

    Examples
    --------
    >>> clip, f = make_clip(np.random.default_rng(0), 1, UnitProfile.draw(0))
    >>> clip.shape, f > 0
    ((12000,), True)
    """
    check_rng(rng)
    if label not in (0, 1) or isinstance(label, float):
        raise ParameterError(f"label={label!r} must be 0 or 1")
    if not isinstance(profile, UnitProfile):
        raise ParameterError(f"profile={profile!r} must be a UnitProfile, e.g. UnitProfile.draw(0)")
    check_real(real, data.SAMPLE_RATE)
    return _clip(rng, int(label), profile, real)


def _check_fraction(name: str, value: Any) -> float:
    return check_number(name, value, 0, 1, "a number in [0, 1]")


def _unit_clips(
    unit: str, n: int, seed: int, real: RealBackgrounds | None, positive_fraction: float,
    noise: NoiseBank | None = None, high: float = HIGH_CALL_FRACTION,
) -> dict[str, np.ndarray]:
    num = int(unit[4:])
    urng = np.random.default_rng([seed, 11, num])
    profile = UnitProfile.draw(urng)
    labels = np.zeros(n, dtype=np.int64)
    labels[: int(round(positive_fraction * n))] = 1
    urng.shuffle(labels)
    span = NIGHT_SAMPLES - 2 * data.CLIP_SAMPLES
    centres = np.sort(urng.choice(span, size=n, replace=False)) + data.CLIP_SAMPLES
    clips = {}
    for i, (label, centre) in enumerate(zip(labels, centres)):
        wave, freq = _clip(np.random.default_rng([seed, 12, num, i]), int(label), profile, real, noise, high)
        clips[data.clip_name(unit, int(centre), freq, int(label))] = wave
    return clips


def write_birdvox70k(
    out_dir: str | Path,
    clips_per_unit: int = 1000,
    units: Sequence[str] = data.UNITS,
    seed: int = 0,
    backgrounds: str | Path | RealBackgrounds | None = None,
    positive_fraction: float = 0.5,
    workers: int = 1,
    overwrite: bool = False,
    negatives: Sequence[str | Path] = (),
    tseep_fraction: float = HIGH_CALL_FRACTION,
    not_noise: str | Path | None = None,
) -> list[Path]:
    """Write a synthetic data set in the BirdVox-70k layout, one HDF5 file per unit.

    Each unit gets its own :class:`UnitProfile` (drawn from ``seed`` and the
    unit number) and ``clips_per_unit`` clips from :func:`make_clip`, exactly
    ``round(positive_fraction * clips_per_unit)`` of them positive, named
    ``unitNN_SSSSSSSSS_FFFFF_L`` with distinct increasing centre samples in a
    10 h night at 24 kHz and ``FFFFF`` the call's centre frequency (00000 for
    negatives). The clip data depend only on ``seed`` and the unit name.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; gets ``BirdVox-70k_unitNN.hdf5`` files.
    clips_per_unit : int >= 1
    units : sequence of str
        Distinct names ``unitNN``.
    seed : int >= 0
    backgrounds : folder, RealBackgrounds or None
        Real recordings to mix under the clips (a folder is loaded whole with
        :class:`RealBackgrounds`; pass one built with ``night=`` to keep only
        night-time files). Keep recordings you evaluate on out of it.
    positive_fraction : float in [0, 1]
    workers : int >= 1
        Processes writing units in parallel (the data do not depend on it).
    overwrite : bool
        Needed when ``out_dir`` exists and is not empty (as for ``birdscan run``'s outputs).
    negatives : folders of real call-free recordings (insects, frogs, rain). Their training
        part (:func:`birdscan.realsounds.noise_recordings`: a fixed quarter of each folder is
        held out and never used, another 15% is kept for validating a model) gives varied windows (pitch shifts of up to an octave, time
        stretch, choruses, distance) that make 35 % of the negatives and lie under 30 % of
        the positives.
    tseep_fraction : float in [0, 1]
        Share of the calls that are short high (tseep) calls; 1/8 as in real nights. A
        larger share trains a model that finds these rarer calls better.
    not_noise : CSV of spans of the ``negatives`` recordings that hold a bird
        (:func:`birdscan.realsounds.read_spans`); no window is cut across them.

    Returns
    -------
    list of Path
        The unit files, in the order of ``units``.

    Examples
    --------
    >>> write_birdvox70k("synth70k", clips_per_unit=200, seed=1)  # doctest: +SKIP
    """
    n = check_int("clips_per_unit", clips_per_unit, 1, 1_000_000)
    if isinstance(units, str) or not isinstance(units, Sequence) or not units:
        raise ParameterError(f"units={units!r} must be a non-empty sequence of names like 'unit01'")
    for unit in units:
        if not (isinstance(unit, str) and len(unit) == 6 and unit.startswith("unit") and unit[4:].isdigit()):
            raise ParameterError(f"units: {unit!r} is not a unit name like 'unit01'")
    if len(set(units)) != len(units):
        raise ParameterError(f"units={list(units)!r} names a unit twice")
    seed = check_int("seed", seed, 0)
    positive_fraction = _check_fraction("positive_fraction", positive_fraction)
    tseep_fraction = _check_fraction("tseep_fraction", tseep_fraction)
    check_backgrounds(backgrounds, data.SAMPLE_RATE)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError(f"out_dir={str(out_dir)!r} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise OutputError(f"{out_dir} is not empty; pass overwrite=True (--overwrite) to write into it")
    workers = check_int("workers", workers, 1, 256)
    real = load_backgrounds(backgrounds, data.SAMPLE_RATE)
    exclude = spans_of(not_noise, negatives)
    noise_paths = tuple(noise_recordings(negatives)["train"]) if negatives else ()
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(out_dir, unit, n, seed, real, positive_fraction, noise_paths, tseep_fraction, exclude) for unit in units]
    if workers == 1 or len(units) == 1:
        return [_write_unit(*job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(workers, len(units))) as pool:
        return list(pool.map(_write_unit, *zip(*jobs)))


def _write_unit(
    out_dir: Path, unit: str, n: int, seed: int, real: RealBackgrounds | None, positive_fraction: float,
    noise_paths: Sequence[Path] = (), high: float = HIGH_CALL_FRACTION, exclude: Spans | None = None,
) -> Path:
    noise = NoiseBank(noise_paths, data.SAMPLE_RATE, exclude=exclude or {}) if noise_paths else None
    clips = _unit_clips(unit, n, seed, real, positive_fraction, noise, high)
    return data.write_unit(out_dir / data.unit_file_name(unit), clips)


