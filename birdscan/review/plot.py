"""Figures: calls over the night, a probability trace over a spectrogram, a PR curve.

Figures are drawn with matplotlib's Agg canvas (no GUI, no pyplot state) and saved
atomically; the format follows ``out``'s suffix (``.png``, ``.pdf`` or ``.svg``).
matplotlib is imported inside the functions so ``import birdscan`` stays fast.
"""

from __future__ import annotations

import math
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .references import manifest_next_to, read_detections, read_manifest, read_windows, require_file
from ..errors import FormatError, ParameterError
from ..files import atomic_open

if TYPE_CHECKING:
    from .evaluate import EvaluationResult

FORMATS = (".png", ".pdf", ".svg")


def plot_activity(
    detections: str | Path | pd.DataFrame,
    out: str | Path,
    interval: str | float = "10min",
    by: str = "folder",
    manifest: str | Path | None = None,
) -> pd.DataFrame:
    """Calls per interval through the night, one panel per recording unit.

    Times are clock times (recording start + ``peak_s``, in the recording's own local time)
    when every detection's recording start is known, else hours from the recording's start.
    The recording start is run.json's ``recording_start``, else the ``start_time`` column
    (read as each event's start when one file's rows carry different values, as
    ``birdscan run`` writes it; else as the recording's start).

    Parameters
    ----------
    detections : detections CSV of ``birdscan run`` (or its DataFrame)
    out : image file to write (.png, .pdf, .svg)
    interval : bin width: seconds > 0, or a pandas duration such as ``"10min"``, ``"1h"``
    by : ``"folder"`` (a unit is the first folder of ``file``; files at the top are their own
        unit) or ``"file"``
    manifest : the run's ``run.json``; default: the one next to ``detections``, if any

    Returns
    -------
    pd.DataFrame with columns ``unit, bin_start, calls`` (``bin_start`` a timestamp for clock
    time, else seconds from the recording's start), empty bins included.

    Examples
    --------
    >>> plot_activity("out/detections.csv", "activity.png", interval="15min")  # doctest: +SKIP
    """
    seconds = _interval_seconds(interval)
    if by not in ("folder", "file"):
        raise ParameterError(f"by={by!r} must be 'folder' or 'file'")
    out = _check_out(out)
    if not isinstance(detections, pd.DataFrame):
        require_file("detections", detections)
    if manifest is not None:
        require_file("manifest", manifest)
    det = read_detections(detections)
    manifest = manifest or manifest_next_to(detections)
    unit = det["file"] if by == "file" else det["file"].str.split("/").str[0]
    starts = _recording_starts(det, read_manifest(manifest) if manifest else None)
    clock = starts is not None
    if clock:
        when = (starts + pd.to_timedelta(det["peak_s"], unit="s")).dt.floor(pd.Timedelta(seconds=seconds))
    else:
        when = np.floor(det["peak_s"] / seconds) * seconds
    counts = _counts(pd.DataFrame({"unit": unit, "bin_start": when}), seconds, clock)
    _draw_activity(counts, out, seconds, clock)
    return counts


def plot_trace(
    windows: str | Path | pd.DataFrame,
    audio_path: str | Path,
    out: str | Path,
    file: str | None = None,
    start: float = 120.0,
    end: float = 180.0,
    detections: str | Path | pd.DataFrame | None = None,
) -> Path:
    """Spectrogram of ``[start, end]`` s of a recording, its window probabilities and detections.

    Parameters
    ----------
    windows : windows CSV (``.csv``/``.csv.gz``) of ``birdscan run`` (or its DataFrame)
    audio_path : the recording
    out : image file to write (.png, .pdf, .svg)
    file : the recording's ``file`` in the windows table; may be left out when it holds one file
    start, end : seconds, 0 <= start < end
    detections : detections CSV (or DataFrame) whose events in the segment are shaded

    Returns
    -------
    Path of the written image.

    Examples
    --------
    >>> plot_trace("out/windows.csv.gz", "night/unit03.wav", "trace.png", start=600, end=660)  # doctest: +SKIP
    """
    from ..detect.audio import info, read_segment

    for name, v in (("start", start), ("end", end)):
        if not isinstance(v, Real) or not math.isfinite(v):
            raise ParameterError(f"{name}={v!r} must be a number of seconds")
    if not 0 <= start < end:
        raise ParameterError(f"start={start}, end={end}: need 0 <= start < end (seconds)")
    out = _check_out(out)
    require_file("audio_path", audio_path)
    for name, v in (("windows", windows), ("detections", detections)):
        if v is not None and not isinstance(v, pd.DataFrame):
            require_file(name, v)
    win = read_windows(windows)
    file = _pick_file(win, file)
    duration = info(audio_path).duration_s
    if start >= duration:
        raise ParameterError(f"start={start} is past the end of {audio_path} ({duration:.1f} s)")
    samples, sr = read_segment(audio_path, start, end)
    end = min(end, duration)
    w = win[win["file"] == file]
    centre = (w["start_s"] + w["end_s"]) / 2
    trace = pd.DataFrame({"t": centre, "prob": w["prob"]})[(centre >= start) & (centre <= end)]
    events = None
    if detections is not None:
        d = read_detections(detections)
        events = d[(d["file"] == file) & (d["end_s"] > start) & (d["start_s"] < end)]
    _draw_trace(samples.mean(axis=1), sr, start, end, trace, events, out, title=file)
    return out


def plot_pr(result: EvaluationResult, out: str | Path) -> Path:
    """Precision against recall of an :func:`birdscan.review.evaluate.evaluate` run with windows.

    The best-F1 threshold is marked; the title gives the AUPRC. Returns the written path.
    """
    if result.pr is None:
        raise ParameterError("result has no PR curve: pass windows= to evaluate()")
    out = _check_out(out)
    pr = result.pr
    fig, ax = _figure(5.5, 5)
    order = np.argsort(pr.recall, kind="stable")
    ax.plot(pr.recall[order], pr.precision[order], marker=".", ms=3)
    best = int(np.argmin(np.abs(pr.thresholds - pr.best_threshold)))
    ax.plot(pr.recall[best], pr.precision[best], "o", color="C3",
            label=f"best F1 {pr.best_f1:.3f} at threshold {pr.best_threshold:.3f}")
    ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="recall", ylabel="precision",
           title=f"AUPRC {pr.auprc:.3f} (tolerance {result.tolerance:g} s)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    _save(fig, out)
    return out


def spectrogram(x: np.ndarray, sr: int, max_frames: int = 4000) -> tuple[np.ndarray, float]:
    """Magnitude spectrogram in dB of a mono signal, with a ~20 ms Hann window.

    Parameters
    ----------
    x : np.ndarray [shape=(n,)]
    sr : int > 0, Hz
    max_frames : the hop grows so that at most this many frames are computed

    Returns
    -------
    (S_db [shape=(n_fft // 2 + 1, frames)], hop_s)
    """
    n_fft = 1 << max(int(math.ceil(math.log2(sr * 0.02))), 6)
    x = np.pad(np.asarray(x, dtype=np.float32), (0, max(0, n_fft - len(x))))
    hop = max(n_fft // 4, (len(x) - n_fft) // max_frames + 1)
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    mag = np.abs(np.fft.rfft(frames * np.hanning(n_fft).astype(np.float32), axis=1))
    return 20 * np.log10(mag.T + 1e-10), hop / sr


def _counts(df: pd.DataFrame, seconds: float, clock: bool) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame({"unit": pd.Series(dtype=str), "bin_start": pd.Series(dtype=float), "calls": pd.Series(dtype=int)})
    lo, hi = df["bin_start"].min(), df["bin_start"].max()
    step = pd.Timedelta(seconds=seconds) if clock else seconds
    bins = pd.date_range(lo, hi, freq=step) if clock else np.arange(lo, hi + step / 2, step)
    full = pd.MultiIndex.from_product([sorted(df["unit"].unique()), bins], names=["unit", "bin_start"])
    counts = df.groupby(["unit", "bin_start"]).size().reindex(full, fill_value=0)
    return counts.rename("calls").reset_index()


def _draw_activity(counts: pd.DataFrame, out: Path, seconds: float, clock: bool) -> None:
    units = list(dict.fromkeys(counts["unit"]))
    step = pd.Timedelta(seconds=seconds) if clock else seconds
    fig, axes = _figure(10, 1.0 + 1.4 * max(len(units), 1), rows=max(len(units), 1))
    axes = np.atleast_1d(axes)
    for ax, unit in zip(axes, units):
        c = counts[counts["unit"] == unit]
        edges = pd.concat([c["bin_start"], c["bin_start"].tail(1) + step], ignore_index=True)  # close the last bin
        x = edges if clock else edges / 3600
        y = np.r_[c["calls"].to_numpy(), c["calls"].to_numpy()[-1:]]
        ax.step(x, y, where="post", lw=1.2)
        ax.fill_between(x, y, step="post", alpha=0.3)
        ax.set_ylabel("calls")
        ax.set_title(unit, loc="left", fontsize=9)
        ax.grid(alpha=0.3)
    if not units:
        axes[0].text(0.5, 0.5, "no detections", ha="center", va="center", transform=axes[0].transAxes)
    per = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
    axes[-1].set_xlabel(("clock time" if clock else "hours from recording start") + f"; calls per {per}")
    _save(fig, out)


def _draw_trace(x, sr, start, end, trace, events, out, title) -> None:
    fig, ax = _figure(12, 4.5)
    if len(x):
        s_db, _ = spectrogram(x, sr)
        top = float(s_db.max())
        ax.imshow(s_db, origin="lower", aspect="auto", cmap="magma", extent=(start, end, 0, sr / 2),
                  vmin=top - 80, vmax=top)
    ax.set(xlim=(start, end), xlabel="seconds from recording start", ylabel="frequency (Hz)", title=title)
    twin = ax.twinx()
    twin.plot(trace["t"], trace["prob"], color="cyan", lw=1.2, label="probability")
    twin.set(ylim=(0, 1.05), ylabel="probability")
    for e in [] if events is None else events.itertuples():
        ax.axvspan(max(e.start_s, start), min(e.end_s, end), color="lime", alpha=0.25, lw=0)
        twin.axvline(e.peak_s, color="lime", lw=0.8, ls="--")
    _save(fig, out)


def _figure(width: float, height: float, rows: int = 1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1, squeeze=True)
    return fig, axes


def _save(fig, out: Path) -> None:
    with atomic_open(out, "wb") as f:
        fig.savefig(f, dpi=120, format=out.suffix[1:].lower())


def _check_out(out: str | Path) -> Path:
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise ParameterError(f"out={str(out)!r} must end with one of {', '.join(FORMATS)}")
    return out


def _interval_seconds(interval: str | float) -> float:
    try:
        seconds = float(interval) if isinstance(interval, Real) else pd.Timedelta(str(interval)).total_seconds()
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0 or isinstance(interval, bool):
        raise ParameterError(f"interval={interval!r} must be seconds > 0 or a duration such as '10min'")
    return seconds


def _recording_starts(det: pd.DataFrame, man: pd.DataFrame | None) -> pd.Series | None:
    """Each detection's recording start as wall-clock time, or None when one is unknown."""
    if det.empty:
        return None
    if man is not None:
        rec = det["file"].map(dict(zip(man["file"], man["recording_start"])))
        if rec.notna().all():
            return _wall_times(rec)
    stamp = det["start_time"]
    if stamp.isna().any() or (stamp.astype(str).str.strip() == "").any():
        return None
    stamp = _wall_times(stamp)
    if (stamp.groupby(det["file"]).nunique() > 1).any():  # per-event start times
        stamp = stamp - pd.to_timedelta(det["start_s"], unit="s")
    return stamp


def _wall_times(stamps: pd.Series) -> pd.Series:
    """ISO 8601 strings -> timestamps of the local wall clock (an offset, if any, is dropped)."""
    def wall(s: str) -> pd.Timestamp:
        t = pd.Timestamp(s)
        return t.tz_localize(None) if t.tzinfo is not None else t

    try:
        return pd.to_datetime(stamps.map({s: wall(s) for s in stamps.unique()}))
    except ValueError as e:
        raise FormatError(f"a start time is not ISO 8601 ({e})") from e


def _pick_file(win: pd.DataFrame, file: str | None) -> str:
    files = win["file"].unique()
    if file is None:
        if len(files) != 1:
            raise ParameterError(f"file=None: the windows hold {len(files)} files; name one (e.g. {files[:3].tolist()})")
        return str(files[0])
    if file not in set(files):
        raise ParameterError(f"file={file!r} is not in the windows table (it has {files[:3].tolist()}...)")
    return file
