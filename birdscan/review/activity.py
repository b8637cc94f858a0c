"""Calls per interval through the night: the table behind :func:`birdscan.review.plot.plot_activity`.

Detections are counted per recording unit (a folder, or a file) and time bin. Times are
clock times (recording start + ``peak_s``, in the recording's own local time) when every
detection's recording start is known, else seconds from the recording's start. With the
run's ``run.json``, the bins no recording of a unit covers are left out (a gap between
recordings is a gap, not a stretch of zeros).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .runs import manifest_next_to, read_detections, read_manifest, require_file
from ..calltypes import CALL_TYPES
from ..errors import FormatError, ParameterError

ALL_RECORDINGS = "all recordings"
"""The unit of recordings at the top of the run's folder (by="folder")."""


@dataclass
class Activity:
    """What :func:`count_activity` found.

    counts : pd.DataFrame ``unit, bin_start, calls`` and, with call types, ``thrush, tseep``;
        one row per recorded bin (empty ones included, gaps left out)
    recordings : pd.DataFrame, each recording of the run: ``file, duration_s`` (seconds, NaN
        when unknown), ``start`` (wall time, or 0), ``n_detections, unit``
    seconds : float > 0, the bin width in seconds
    clock : bool, whether ``bin_start`` is a wall-clock timestamp (else seconds from the
        recording's start)
    """

    counts: pd.DataFrame
    recordings: pd.DataFrame
    seconds: float
    clock: bool

    @property
    def step(self) -> pd.Timedelta | float:
        """The bin width in the unit of ``bin_start``."""
        return pd.Timedelta(seconds=self.seconds) if self.clock else self.seconds


def check_activity_options(interval: str | float, by: str) -> float:
    """Check the options of :func:`count_activity`.

    Parameters
    ----------
    interval : float or str, seconds > 0 (also as text, ``"600"``) or a pandas duration such as ``"10min"``
    by : str, ``"folder"`` or ``"file"``

    Returns
    -------
    float > 0, the bin width in seconds

    Raises
    ------
    ParameterError
        for a bad ``interval`` or ``by``
    """
    seconds = _interval_seconds(interval)
    if by not in ("folder", "file"):
        raise ParameterError(f"by={by!r} must be 'folder' or 'file'")
    return seconds


def count_activity(
    detections: str | Path | pd.DataFrame,
    interval: str | float = "10min",
    by: str = "folder",
    manifest: str | Path | None = None,
) -> Activity:
    """Calls per unit and interval, per call type when known.

    The recording start is run.json's ``recording_start``, else the ``start_time`` column
    (read as each event's start when one file's rows carry different values, as
    ``birdscan run`` writes it; else as the recording's start).

    Parameters
    ----------
    detections : detections CSV of ``birdscan run`` (or its DataFrame)
    interval : bin width: seconds > 0, or a pandas duration such as ``"10min"``, ``"1h"``
    by : ``"folder"`` (a unit is the first folder of ``file``; recordings at the top of the
        run's folder are one unit, ``"all recordings"``) or ``"file"``
    manifest : the run's ``run.json``; default: the one next to ``detections``, if any

    Returns
    -------
    Activity

    Examples
    --------
    >>> count_activity("out/detections.csv", interval="1h").counts  # doctest: +SKIP
    """
    seconds = check_activity_options(interval, by)
    if not isinstance(detections, pd.DataFrame):
        require_file("detections", detections)
    if manifest is not None:
        require_file("manifest", manifest)
    det = read_detections(detections)
    manifest = manifest or manifest_next_to(detections)
    man = read_manifest(manifest) if manifest else None
    starts = _recording_starts(det, man)
    clock = starts is not None
    files = _recordings(det, man, starts)
    unit_of = (lambda f: f) if by == "file" else (lambda f: f.split("/")[0] if "/" in f else ALL_RECORDINGS)
    types = _types(det)
    step = pd.Timedelta(seconds=seconds) if clock else seconds
    when = (starts + pd.to_timedelta(det["peak_s"], unit="s")) if clock else det["peak_s"]
    events = pd.DataFrame({"unit": det["file"].map(unit_of), "bin_start": _floor(when, seconds, clock), "type": types})
    counts = _counts(events, _recorded_bins(files, unit_of, seconds, clock), bool(types.ne("").any()), step)
    files = files.assign(unit=files["file"].map(unit_of))
    return Activity(counts, files, seconds, clock)


def _floor(when: pd.Series, seconds: float, clock: bool) -> pd.Series:
    if clock:
        return when.dt.floor(pd.Timedelta(seconds=seconds))
    return np.floor(when / seconds) * seconds


def _types(det: pd.DataFrame) -> pd.Series:
    if "call_type" not in det.columns:
        return pd.Series("", index=det.index, dtype=object)
    return det["call_type"].where(det["call_type"].isin(CALL_TYPES), "").astype(object)


def _recordings(det: pd.DataFrame, man: pd.DataFrame | None, starts: pd.Series | None) -> pd.DataFrame:
    """Each recording of the run: ``file, start`` (wall time, or 0), ``duration_s`` (NaN when
    unknown), ``n_detections``; from run.json when there is one, else from the detections."""
    n = det["file"].value_counts()
    start_of = {} if starts is None else starts.groupby(det["file"]).first().to_dict()
    if man is None:
        files = pd.DataFrame({"file": sorted(set(det["file"]))})
        files["duration_s"] = math.nan
    else:
        files = man.loc[man["status"] == "ok", ["file", "duration_s", "recording_start"]].copy()
        if starts is not None:
            known = files["recording_start"].notna() & (files["recording_start"].astype(str).str.strip() != "")
            start_of = {**dict(zip(files["file"][known], _wall_times(files["recording_start"][known]))), **start_of}
    files["start"] = [start_of.get(f, pd.NaT) if starts is not None else 0.0 for f in files["file"]]
    files["n_detections"] = files["file"].map(n).fillna(0).astype(int)
    return files.reset_index(drop=True)


def _recorded_bins(files: pd.DataFrame, unit_of, seconds: float, clock: bool) -> dict[str, set]:
    """The bins each unit's recordings cover (units whose durations are unknown are left out)."""
    bins: dict[str, set] = {}
    step = pd.Timedelta(seconds=seconds) if clock else seconds
    for f, start, duration in zip(files["file"], files["start"], files["duration_s"]):
        if not np.isfinite(duration) or (clock and pd.isna(start)):
            continue
        end = start + (pd.Timedelta(seconds=duration) if clock else duration)
        first = start.floor(step) if clock else math.floor(start / seconds) * seconds
        edges = pd.date_range(first, end, freq=step, inclusive="left") if clock else np.arange(first, end, seconds)
        bins.setdefault(unit_of(f), set()).update(edges)
    return bins


def _counts(events: pd.DataFrame, recorded: dict[str, set], typed: bool, step) -> pd.DataFrame:
    """Calls per unit and bin: every recorded bin, and bins with calls; per type when ``typed``.
    A unit whose recordings' durations are unknown spans its first to its last call."""
    keys = []
    for u in sorted(set(events["unit"]) | set(recorded)):
        seen = set(events.loc[events["unit"] == u, "bin_start"]) | recorded.get(u, set())
        if u not in recorded and seen:
            lo, hi = min(seen), max(seen)
            seen |= set(pd.date_range(lo, hi, freq=step) if isinstance(step, pd.Timedelta) else np.arange(lo, hi + step / 2, step))
        keys += [(u, b) for b in sorted(seen)]
    if not keys:
        empty = {"unit": pd.Series(dtype=str), "bin_start": pd.Series(dtype=float), "calls": pd.Series(dtype=int)}
        return pd.DataFrame({**empty, **({t: pd.Series(dtype=int) for t in CALL_TYPES} if typed else {})})
    index = pd.MultiIndex.from_tuples(keys, names=["unit", "bin_start"])
    table = pd.DataFrame({"calls": events.groupby(["unit", "bin_start"]).size()}).reindex(index, fill_value=0)
    if typed:
        for t in CALL_TYPES:
            table[t] = events[events["type"] == t].groupby(["unit", "bin_start"]).size().reindex(index, fill_value=0)
    return table.astype(int).reset_index()


def _interval_seconds(interval: str | float) -> float:
    try:  # a number, also as text ("600" from the command line), is seconds: pandas reads "600" as ns
        seconds = float(interval)
    except (TypeError, ValueError):
        try:
            seconds = pd.Timedelta(str(interval)).total_seconds()
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

