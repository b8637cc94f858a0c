"""Figures: calls over the night, a probability trace over a spectrogram, a PR curve.

Figures are drawn with matplotlib's Agg canvas (no GUI, no pyplot state) and saved
atomically; the format follows ``out``'s suffix (``.png``, ``.pdf`` or ``.svg``).
matplotlib is imported inside the functions so ``import birdscan`` stays fast. The counts
behind the activity plot come from :mod:`birdscan.review.activity`.
"""

from __future__ import annotations

import math
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .activity import ALL_RECORDINGS, check_activity_options, count_activity
from .runs import manifest_next_to, pick_recording, read_detections, read_manifest_json, read_windows, require_file
from ..calltypes import CALL_TYPES
from ..errors import FormatError, ParameterError
from ..detect.events import power_frames
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
    """Calls per interval through the night, one panel per recording unit, per call type when known.

    Times are clock times (recording start + ``peak_s``, in the recording's own local time)
    when every detection's recording start is known, else hours from the recording's start.
    The recording start is run.json's ``recording_start``, else the ``start_time`` column
    (read as each event's start when one file's rows carry different values, as
    ``birdscan run`` writes it; else as the recording's start).

    With the run's ``run.json``, only the intervals some recording of the unit covers are
    drawn (a gap between recordings is a gap, not a stretch of zeros) and each panel counts
    the recordings with no detection. With a ``call_type`` column (models with a frequency
    head), thrush and tseep calls are drawn stacked, one colour each.

    Parameters
    ----------
    detections : detections CSV of ``birdscan run`` (or its DataFrame)
    out : image file to write (.png, .pdf, .svg)
    interval : bin width: seconds > 0, or a pandas duration such as ``"10min"``, ``"1h"``
    by : ``"folder"`` (a unit is the first folder of ``file``; recordings at the top of the
        run's folder, such as one recorder's flat folder, are one unit, ``"all recordings"``)
        or ``"file"``
    manifest : the run's ``run.json``; default: the one next to ``detections``, if any

    Returns
    -------
    pd.DataFrame with columns ``unit, bin_start, calls`` and, with call types, ``thrush,
    tseep`` (``bin_start`` a timestamp for clock time, else seconds from the recording's
    start), one row per recorded bin (empty ones included, gaps left out).

    Examples
    --------
    >>> plot_activity("out/detections.csv", "activity.png", interval="15min")  # doctest: +SKIP
    """
    check_activity_options(interval, by)  # errors in argument order: options, output name, then files
    out = _check_out(out)
    activity = count_activity(detections, interval, by, manifest)
    counts = activity.counts
    _draw_activity(counts, activity.recordings, out, activity.seconds, activity.step, activity.clock)
    return counts


def plot_trace(
    windows: str | Path | pd.DataFrame,
    audio_path: str | Path,
    out: str | Path,
    file: str | None = None,
    start: float = 120.0,
    end: float = 180.0,
    detections: str | Path | pd.DataFrame | None = None,
    threshold: float | None = None,
) -> Path:
    """Spectrogram of ``[start, end]`` s of a recording, its window probabilities and detections.

    Parameters
    ----------
    windows : windows CSV (``.csv``/``.csv.gz``) of ``birdscan run`` (or its DataFrame)
    audio_path : the recording
    out : image file to write (.png, .pdf, .svg)
    file : the recording's ``file`` in the windows table; may be left out when it holds one file
    start, end : seconds, 0 <= start < end
    detections : detections CSV (or DataFrame) whose events in the segment are outlined over
        their frequency band (the band around ``freq_hz`` when the model estimates it)
    threshold : the event threshold drawn over the trace; default: the run's, from the
        ``run.json`` next to ``detections``, if any

    Returns
    -------
    Path of the written image.

    Examples
    --------
    >>> plot_trace("out/windows.csv.gz", "night/unit03.wav", "trace.png", start=600, end=660)  # doctest: +SKIP
    """
    from ..detect.audiofile import info, read_segment

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
    file = pick_recording(win, file)
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
    if threshold is None and detections is not None:
        threshold = _run_threshold(detections)
    _draw_trace(samples.mean(axis=1), sr, start, end, trace, events, out, title=file, threshold=threshold)
    return out


def plot_pr(result: EvaluationResult, out: str | Path) -> Path:
    """Precision against recall of an :func:`birdscan.review.evaluate.evaluate` run with windows.

    The best-F1 threshold is marked; the title gives the AUPRC.

    Parameters
    ----------
    result : EvaluationResult with a PR curve (``evaluate(..., windows=...)``)
    out : image file to write (.png, .pdf, .svg)

    Returns
    -------
    Path of the written image.
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
    mag = np.sqrt(power_frames(x, n_fft, hop))
    return 20 * np.log10(mag.T + 1e-10), hop / sr


def _draw_activity(counts: pd.DataFrame, files: pd.DataFrame, out: Path, seconds: float, step, clock: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    units = list(dict.fromkeys(counts["unit"])) or [ALL_RECORDINGS]
    typed = all(t in counts.columns for t in CALL_TYPES)
    fig, axes = _figure(10, 1.2 + 1.5 * len(units), rows=len(units))
    axes = np.atleast_1d(axes)
    for ax, unit in zip(axes, units):
        c = counts[counts["unit"] == unit]
        layers = [(t, c[t].to_numpy(), colour) for t, colour in zip(CALL_TYPES, ("C0", "C1"))] if typed else []
        other = c["calls"].to_numpy() - sum((layer[1] for layer in layers), np.zeros(len(c), dtype=int))
        if other.any() or not typed:
            layers.append(("calls" if not typed else "no type", other, "C0" if not typed else "0.6"))
        for x, ys in _runs(c["bin_start"], [layer[1] for layer in layers], step):
            x = x if clock else np.asarray(x, dtype=float) / 3600
            base = np.zeros(len(x))
            for (label, _, colour), y in zip(layers, ys):
                ax.fill_between(x, base, base + y, step="post", color=colour, alpha=0.5, lw=0, label=label)
                ax.step(x, base + y, where="post", color=colour, lw=1.0)
                base = base + y
        mine = files[files["unit"] == unit]
        quiet = int((mine["n_detections"] == 0).sum())
        what = f"{len(mine)} recording(s), {quiet} without detections, " if len(mine) else ""
        ax.set_title(f"{unit}: {what}{int(c['calls'].sum())} calls", loc="left", fontsize=9)
        ax.set_ylabel("calls")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if typed:
            handles, labels = ax.get_legend_handles_labels()
            keep = dict(zip(labels, handles))
            ax.legend(keep.values(), keep.keys(), loc="upper right", fontsize=8)
    if counts.empty:
        axes[0].text(0.5, 0.5, "no detections", ha="center", va="center", transform=axes[0].transAxes)
    per = f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
    gaps = "; gaps: not recorded" if files["duration_s"].notna().any() else ""
    axes[-1].set_xlabel(("clock time" if clock else "hours from recording start") + f"; calls per {per}{gaps}")
    _save(fig, out)


def _runs(bins: pd.Series, values: list[np.ndarray], step):
    """Contiguous stretches of bins, each closed by one more edge: ``(x [k+1], [y [k+1] per layer])``."""
    bins = list(bins)
    if not bins:
        return
    cut = [0] + [i for i in range(1, len(bins)) if bins[i] - bins[i - 1] != step] + [len(bins)]
    for a, b in zip(cut[:-1], cut[1:]):
        x = bins[a:b] + [bins[b - 1] + step]
        yield x, [np.r_[v[a:b], v[b - 1]] for v in values]


def _draw_trace(x, sr, start, end, trace, events, out, title, threshold=None) -> None:
    from matplotlib.patches import Rectangle

    from ..detect.selections import event_bands

    fig, ax = _figure(12, 4.5)
    if len(x):
        s_db, _ = spectrogram(x, sr)
        top = float(s_db.max())
        ax.imshow(s_db, origin="lower", aspect="auto", cmap="magma", extent=(start, end, 0, sr / 2),
                  vmin=top - 80, vmax=top)
    ax.set(xlim=(start, end), xlabel="seconds from recording start", ylabel="frequency (Hz)", title=title)
    twin = ax.twinx()
    twin.plot(trace["t"], trace["prob"], color="cyan", lw=1.2, label="call probability")
    if threshold is not None:
        twin.axhline(threshold, color="white", lw=0.9, ls=":", label=f"threshold {threshold:g}")
    twin.set(ylim=(0, 1.05), ylabel="probability")
    if events is not None and len(events):
        low, high = event_bands(events, sr / 2, (0.0, sr / 2))
        for e, lo, hi in zip(events.itertuples(), low, high):
            a, b = max(e.start_s, start), min(e.end_s, end)
            ax.add_patch(Rectangle((a, lo), b - a, hi - lo, fill=False, edgecolor="lime", lw=1.2))
            twin.axvline(e.peak_s, color="lime", lw=0.8, ls="--")
        ax.plot([], [], color="lime", lw=1.2, label="detection (its band; dashed: peak)")
    handles = [h for a in (ax, twin) for h in a.get_legend_handles_labels()[0]]
    labels = [lab for a in (ax, twin) for lab in a.get_legend_handles_labels()[1]]
    twin.legend(handles, labels, loc="upper right", fontsize=8, framealpha=0.6)
    _save(fig, out)


def _run_threshold(detections) -> float | None:
    """The event threshold of the run that wrote ``detections`` (its run.json), or None."""
    path = manifest_next_to(detections)
    if path is None:
        return None
    try:
        value = read_manifest_json(path).get("options", {}).get("threshold")
    except (FormatError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


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
