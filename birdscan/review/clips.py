"""Audio clips of detections, for listening and checking by ear.

One WAV per detection, ``[start_s - pad, end_s + pad]`` cut to the recording, at the
recording's sample rate and channels (and its sample format when WAV has it, else float).
Names sort by file then time and carry the score, and the call type when the model gives one::

    unit03__night1__0000120250ms__p0.973.wav         # unit03/night1.flac, detection at 120.250 s
    unit03__night1__0000120250ms__p0.973_tseep.wav   # the same from a model with a frequency head
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from ..tables import is_audio_name
from .runs import audio_locator, read_detections, require_file
from ..calltypes import CALL_TYPES
from ..errors import AudioError, OutputError, ParameterError
from ..files import atomic_open, inside, short_name

SAMPLES = ("top", "random", "stratified")
_WAV_SUBTYPES = {"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}
COLUMNS = ["file", "start_s", "end_s", "peak_s", "max_prob", "call_type", "clip", "clip_start_s", "clip_end_s",
           "sample_rate", "channels", "status", "error"]


def export_clips(
    detections: str | Path | pd.DataFrame,
    out_dir: str | Path,
    audio_root: str | Path | None = None,
    pad: float = 0.25,
    max_clips: int | None = None,
    sample: str = "top",
    seed: int = 0,
    manifest: str | Path | None = None,
    call_type: str | None = None,
    per_type: bool = False,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Write one WAV clip per detection (or per sampled detection).

    Parameters
    ----------
    detections : detections CSV of ``birdscan run`` (or its DataFrame)
    out_dir : folder for the clips (created if missing; clips of the same name are replaced)
    audio_root : folder that ``file`` is relative to; default: each file's ``path`` in the
        ``run.json`` (``manifest``, default the one next to ``detections``)
    pad : float >= 0, seconds added before and after each detection
    max_clips : int >= 1 or None (all detections)
    sample : which detections when there are more than ``max_clips``: ``"top"`` (highest
        ``max_prob``), ``"random"``, or ``"stratified"`` (the same number, at random, from
        each decile of ``max_prob``)
    seed : int, for ``"random"`` and ``"stratified"``
    call_type : ``"thrush"`` or ``"tseep"``: only detections of that type (needs a
        ``call_type`` column, written by models with a frequency head); None: all
    per_type : ``max_clips`` and ``sample`` apply to each call type on its own (thrush,
        tseep, and detections of no type), so both streams of a night are heard
    overwrite : needed when ``out_dir`` exists and is not empty

    Returns
    -------
    pd.DataFrame, one row per chosen detection sorted by file and time: ``file, start_s,
    end_s, peak_s, max_prob, clip`` (name in ``out_dir``), ``clip_start_s, clip_end_s,
    sample_rate, channels, status`` (``ok``/``error``), ``error`` (reason, e.g. missing audio).

    Examples
    --------
    >>> export_clips("out/detections.csv", "clips", max_clips=200, sample="stratified")  # doctest: +SKIP
    """
    _validate(detections, out_dir, audio_root, pad, max_clips, sample, seed, manifest, call_type, overwrite)
    locate = audio_locator(detections, audio_root, manifest)
    det = read_detections(detections)
    types = det["call_type"].fillna("").astype(str).str.strip() if "call_type" in det.columns else pd.Series("", index=det.index)
    det = det.assign(call_type=types)
    if call_type is not None:
        det = det[det["call_type"] == call_type]
    groups = [g for _, g in det.groupby("call_type", sort=True)] if per_type else [det]
    chosen = pd.concat([_select(g, max_clips, sample, seed) for g in groups]) if groups else det
    chosen = chosen.sort_values(["file", "start_s"], kind="stable")
    chosen = chosen.assign(clip=[clip_name(r.file, r.start_s, r.max_prob, r.call_type) for r in chosen.itertuples()])
    twice = chosen["clip"][chosen["clip"].duplicated()]
    if len(twice):
        raise OutputError(f"two detections would write the same clip {twice.iloc[0]!r} in {out_dir}")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    rows = []
    for file, group in chosen.groupby("file", sort=False):
        rows += _write_file_clips(locate(file), group, Path(out_dir), pad)
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["file", "start_s"], kind="stable").reset_index(drop=True)


def clip_name(file: str, start_s: float, max_prob: float, call_type: str = "") -> str:
    """The name of a detection's clip: derived from its recording, start and probability.

    Parameters
    ----------
    file : the detection's ``file`` (path inside the run, ``/``-separated)
    start_s : float >= 0, the detection's start, seconds from the recording's start (to the ms)
    max_prob : float in [0, 1], its highest window probability (three decimals)
    call_type : ``""``, ``"thrush"`` or ``"tseep"``, appended when given

    Returns
    -------
    str, a flat ``.wav`` file name

    Examples
    --------
    >>> clip_name("unit03/night1.wav", 120.25, 0.9731)
    'unit03__night1__0000120250ms__p0.973.wav'
    >>> clip_name("unit03/night1.wav", 120.25, 0.9731, "tseep")
    'unit03__night1__0000120250ms__p0.973_tseep.wav'
    """
    p = PurePosixPath(file)
    stem = str(p.with_suffix("")) if is_audio_name(p) else file
    kind = f"_{call_type}" if call_type else ""
    return short_name(stem.replace("/", "__"), f"__{round(start_s * 1000):010d}ms__p{max_prob:.3f}{kind}.wav")


def _write_file_clips(path: Path | None, group: pd.DataFrame, out_dir: Path, pad: float) -> list[tuple]:
    import soundfile as sf

    from ..detect.audiofile import info, read_segment, seconds_to_samples

    def row(r, status="ok", error="", a=math.nan, b=math.nan, sr=0, ch=0):
        return (r.file, r.start_s, r.end_s, r.peak_s, r.max_prob, r.call_type, r.clip if status == "ok" else "",
                a, b, sr, ch, status, error)

    if path is None:
        return [row(r, "error", "not in run.json; pass audio_root") for r in group.itertuples()]
    try:
        meta = info(path)
    except AudioError as e:
        reason = f"no such audio file {path}" if not path.is_file() else str(e)
        return [row(r, "error", reason) for r in group.itertuples()]
    subtype = meta.subtype if meta.subtype in _WAV_SUBTYPES else "FLOAT"
    rows = []
    for r in group.itertuples():
        sr = meta.sample_rate
        a = min(max(seconds_to_samples(r.start_s - pad, sr), 0), meta.frames)
        b = min(max(seconds_to_samples(r.end_s + pad, sr), 0), meta.frames)
        if b <= a:
            rows.append(row(r, "error", f"{r.start_s}-{r.end_s} s is outside {path} ({meta.duration_s:.2f} s)"))
            continue
        try:
            samples, _ = read_segment(path, a / sr, b / sr)
            with atomic_open(inside(out_dir, r.clip), "wb") as f:
                sf.write(f, samples, sr, subtype=subtype, format="WAV")
        except (AudioError, OutputError, OSError, RuntimeError) as e:
            rows.append(row(r, "error", str(e)))
            continue
        rows.append(row(r, a=a / sr, b=b / sr, sr=sr, ch=meta.channels))
    return rows


def _select(det: pd.DataFrame, max_clips: int | None, sample: str, seed: int) -> pd.DataFrame:
    n = len(det)
    if max_clips is None or max_clips >= n:
        return det
    rng = np.random.default_rng(seed)
    if sample == "top":
        return det.sort_values(["max_prob", "file", "start_s"], ascending=[False, True, True]).iloc[:max_clips]
    if sample == "random":
        return det.iloc[np.sort(rng.choice(n, max_clips, replace=False))]
    rank = np.empty(n, dtype=int)
    rank[np.argsort(det["max_prob"].to_numpy(), kind="stable")] = np.arange(n)
    decile = rank * 10 // n
    quota = np.full(10, max_clips // 10) + (np.arange(10) >= 10 - max_clips % 10)  # remainder to the top
    picked: list[int] = []
    for d in range(10):
        members = np.flatnonzero(decile == d)
        picked += rng.choice(members, min(quota[d], len(members)), replace=False).tolist()
    rest = np.setdiff1d(np.arange(n), picked)
    picked += rng.choice(rest, max_clips - len(picked), replace=False).tolist()
    return det.iloc[np.sort(picked)]


def _validate(detections, out_dir, audio_root, pad, max_clips, sample, seed, manifest, call_type, overwrite) -> None:
    if not isinstance(pad, Real) or not math.isfinite(pad) or pad < 0:
        raise ParameterError(f"pad={pad!r} must be a number of seconds >= 0")
    if max_clips is not None and (not isinstance(max_clips, Integral) or isinstance(max_clips, bool) or max_clips < 1):
        raise ParameterError(f"max_clips={max_clips!r} must be an integer >= 1 (or None for all)")
    if sample not in SAMPLES:
        raise ParameterError(f"sample={sample!r} must be one of {', '.join(SAMPLES)}")
    if not isinstance(seed, Integral) or isinstance(seed, bool):
        raise ParameterError(f"seed={seed!r} must be an integer")
    if call_type is not None and call_type not in CALL_TYPES:
        raise ParameterError(f"call_type={call_type!r} must be one of {', '.join(CALL_TYPES)} (or None for all)")
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise ParameterError(f"out_dir={str(out_dir)!r} exists and is not a folder")
    if Path(out_dir).is_dir() and any(Path(out_dir).iterdir()) and not overwrite:
        raise OutputError(f"{out_dir} is not empty; pass overwrite=True (--overwrite) to write clips into it")
    if audio_root is not None and not Path(audio_root).is_dir():
        raise ParameterError(f"audio_root={str(audio_root)!r}: no such folder")
    if not isinstance(detections, pd.DataFrame):
        require_file("detections", detections)
    if manifest is not None:
        require_file("manifest", manifest)
