"""The one place that composes the chain: discover -> decode -> windows -> model -> events -> writers."""

from __future__ import annotations

import os
import platform
import time
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .._version import __version__
from ..errors import AudioError, BirdscanError, ModelError, OutputError, ParameterError
from ..files import OutputLock, remove_stale_temporaries
from ..tables import manifest_path, run_manifest
from . import audio, selections, writers
from .discover import discover
from .metadata import recording_start
from .events import TYPE_BOUNDARY_HZ, EventRule, add_call_types, find_events, measure_bands
from .journal import Journal, journal_dir
from .outputs import RunOutputs
from .prefetch import prefetch
from .results import RESULT_OPTIONS, SCANNED, FileResult, RunResult, detections_table, read_detections_csv, summarize
from .shard import check_shards, listing_digest, parse_shard, share
from .windows import ScanBlock, count_windows, scan_blocks

__all__ = ["scan", "FileResult", "RunResult", "ScanOptions", "NullProgress"]

PER_BLOCK = 512  # windows per full scan block (25.6 s of audio at 50 ms hop)


class NullProgress:
    """Progress hooks :func:`scan` calls; this one ignores them, the CLI passes a rich display."""

    def start(self, n_files: int, total_audio_s: float) -> None:
        """Before scanning: ``n_files`` recordings holding ``total_audio_s`` seconds of audio."""

    def advance(self, audio_s: float) -> None:
        """``audio_s`` more seconds of audio scanned (or taken from the journal)."""

    def file_done(self, result: FileResult) -> None:
        """A recording is finished (``result.status`` is ``"ok"`` or ``"error"``)."""


@dataclass(frozen=True)
class ScanOptions:
    """Validated options of a run (everything that changes results is here)."""

    hop: float
    rule: EventRule = EventRule()
    channel: int | None = None
    device: str = "auto"
    batch_size: int | None = None
    workers: int = 1
    type_boundary: float = TYPE_BOUNDARY_HZ

    def __post_init__(self) -> None:
        if not (isinstance(self.type_boundary, (int, float)) and 0 < self.type_boundary < 24_000):
            raise ParameterError(f"type_boundary={self.type_boundary} must be a frequency in Hz (thrush-type calls "
                                 "below it, tseep calls above; 5000 is usual)")
        if not (isinstance(self.hop, (int, float)) and self.hop > 0):
            raise ParameterError(f"hop={self.hop} must be a positive number of seconds")
        if self.channel is not None and self.channel < 1:
            raise ParameterError(f"channel={self.channel} must be >= 1 (1 is the first channel)")
        if self.batch_size is not None and self.batch_size < 1:
            raise ParameterError(f"batch_size={self.batch_size} must be a positive number of windows")
        if self.workers < 0:
            raise ParameterError(f"workers={self.workers} must be >= 0 (0 decodes in the main thread)")

    def result_key(self) -> dict[str, Any]:
        """The options that change the numbers in the outputs (the journal's key)."""
        d = self.to_dict()
        return {k: d[k] for k in RESULT_OPTIONS}

    def to_dict(self) -> dict[str, Any]:
        """The options as the run manifest records them (seconds as ``*_s``, ``channel`` ``"mix"`` for None)."""
        return {
            "hop_s": self.hop, "threshold": self.rule.threshold, "threshold_off": self.rule.off,
            "min_gap_s": self.rule.min_gap, "min_duration_s": self.rule.min_duration,
            "split_dip": self.rule.split_dip, "channel": self.channel or "mix",
            "type_boundary_hz": float(self.type_boundary),
            "device": self.device, "batch_size": self.batch_size, "workers": self.workers,
        }


def scan(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None = None,
    windows: str | os.PathLike[str] | None = None,
    raven: str | os.PathLike[str] | None = None,
    audacity: str | os.PathLike[str] | None = None,
    model: str | os.PathLike[str] | None = None,
    hop: float | None = None,
    threshold: float | None = None,
    threshold_off: float | None = None,
    min_gap: float = 0.1,
    min_duration: float = 0.0,
    split_dip: float = 0.3,
    channel: int | None = None,
    type_boundary: float = TYPE_BOUNDARY_HZ,
    windows_freq: bool = False,
    device: str = "auto",
    batch_size: int | None = None,
    workers: int | None = None,
    recursive: bool = True,
    ext: str | Sequence[str] | None = None,
    overwrite: bool = False,
    shard: str | tuple[int, int] | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: NullProgress | None = None,
) -> RunResult:
    """Scan recordings for flight calls and write the outputs.

    Parameters
    ----------
    inputs : files and/or folders (walked recursively unless ``recursive=False``)
    out : detections CSV (one row per event); ``run.json`` is written next to it
    windows : optional ``.csv`` / ``.csv.gz`` with one row per window
    raven : optional folder for Raven Pro selection tables (see :mod:`birdscan.detect.selections`)
    audacity : optional folder for Audacity label tracks, one ``<file>.txt`` per recording
    model : checkpoint path; None takes the shipped default model
    hop : float > 0, seconds between window starts, or None for the model's own hop
        (``config.hop``: 50 ms for the shipped model); multiples of the model's stride scan densely
    threshold : float in [0, 1] or None (the model's recommended threshold, 0.5 if it has none)
    threshold_off, min_gap, min_duration, split_dip : the rest of the event rule (see
        :mod:`birdscan.detect.events`); seconds for gaps and durations
    channel : int >= 1 or None (mix all channels to mono)
    type_boundary : float, Hz. With a model that estimates call frequency, detections get
        ``freq_hz`` (the estimate at the event's peak window) and ``call_type``: ``thrush``
        below this frequency, ``tseep`` at or above it. Models without a frequency head leave
        both empty.
    windows_freq : bool, add the frequency estimate of every window to the windows table
    device : "auto", "cpu", "cuda", "cuda:N"
    batch_size : windows per model batch (default by device)
    workers : int >= 0, recordings decoded ahead in background threads (0: none);
        None: half the CPU cores, 1 to 8 (decoding must keep up with a GPU)
    shard : ``(K, N)`` or ``"K/N"``, 1 <= K <= N: scan only the K-th of N shares of the
        recordings (see :mod:`birdscan.detect.shard`); :func:`birdscan.detect.merge.merge` joins the shares
    resume : take the recordings an interrupted run with the same outputs and options
        finished from its journal (see :mod:`birdscan.detect.journal`) and scan only the rest;
        needs ``out``. Without it, a journal left by an earlier run is cleared. On a run that
        finished, ``resume`` does nothing (``result.nothing_to_do``) when that run matches this
        one (recordings, options, model, outputs), and raises :class:`OutputError` saying
        what differs when it does not, so a requeued job that had completed succeeds.
    retry_failed : on a finished run of these recordings with these options and model, scan
        again only the recordings that failed or were partial in it and put their results in
        the outputs, replacing a partial recording's (kept if its rescan fails outright; see
        :mod:`birdscan.detect.retry`); otherwise the same as ``resume``. Needs ``out``.

    The outputs of ``out`` are locked while the run writes them: a second run on the same
    ``out`` is refused with :class:`OutputError` naming the process that holds them.

    Returns
    -------
    RunResult; ``result.n_errors`` counts recordings that failed and ``result.n_partial``
    damaged ones of which only the part that decoded was scanned (each named in the
    manifest with its reason; the others are scanned regardless).

    Examples
    --------
    >>> res = scan(["recordings/"], out="detections.csv")  # doctest: +SKIP
    >>> res.detections.head()  # doctest: +SKIP
    """
    from ..device import resolve_device, usable_cores
    from ..model import ModelConfig, default_threshold, read_checkpoint

    if workers is None:
        workers = min(8, max(1, usable_cores() // 2))

    def options(hop: float, threshold: float) -> ScanOptions:
        rule = EventRule(threshold, threshold_off, min_gap, min_duration, split_dip)
        return ScanOptions(hop, rule, channel, device, batch_size, workers, type_boundary)

    # Every option is checked before any file or the model is opened. The model's hop and
    # threshold stand in for those not given, so until it is read they are checked with
    # stand-ins: any positive hop, and 1 as the upper bound of threshold_off.
    options(1.0 if hop is None else hop, 1.0 if threshold is None else threshold)
    part = parse_shard(shard) if shard is not None else None
    if (resume or retry_failed) and out is None:
        what = "resume" if resume else "retry_failed"
        raise ParameterError(f"{what}=True needs out=: the journal and the finished run's manifest are kept next to it")
    resume = resume or retry_failed
    torch_device = resolve_device(device)
    model_path = _model_path(model)
    out_p, win_p, raven_p, aud_p = (Path(p) if p is not None else None for p in (out, windows, raven, audacity))
    writers.check_windows_path(win_p)
    with OutputLock(out_p) if out_p is not None else nullcontext():
        # A journal means the interrupted run passed these checks: its outputs may be replaced.
        journaled = resume and journal_dir(out_p).is_dir()
        finished = resume and not journaled and not overwrite and manifest_path(out_p).exists()
        replace = overwrite or journaled
        targets = [out_p, manifest_path(out_p) if out_p else None, win_p]
        if raven_p is not None:
            targets.append(raven_p / selections.RAVEN_COMBINED)
        if not finished:
            writers.check_targets(targets, replace)
        recs = discover(inputs, recursive=recursive, ext=ext)
        if part is not None:
            check_shards(part, len(recs))
        if raven_p is not None and not finished:
            writers.check_targets(selections.raven_tables(raven_p, [r.rel for r in recs if r.error is None]), replace)
        if aud_p is not None and not finished:
            writers.check_targets([selections.audacity_path(aud_p, r.rel) for r in recs if r.error is None], replace)
        ckpt = read_checkpoint(model_path)
        config = ModelConfig.from_dict(ckpt["config"])
        opts = options(config.hop / config.sample_rate if hop is None else hop,
                       default_threshold(ckpt) if threshold is None else threshold)

        def new_run(o: Path | None, w: Path | None, r: Path | None, a: Path | None) -> _Run:
            return _Run(recs, opts, model_path, ckpt, torch_device, o, w, (r, a), progress or NullProgress(), inputs,
                        windows_freq=bool(windows_freq))

        if finished:
            man = _finished_run(out_p, recs, opts, model_path, inputs, part, (win_p, raven_p, aud_p))
            if retry_failed and any(f["status"] != "ok" for f in man["files"]):
                from .retry import retry_failed as retry

                return retry(man, out_p, (win_p, raven_p, aud_p), lambda only, o, w, r, a: new_run(o, w, r, a).go(part, only=set(only)))
            return _nothing_to_do(man, out_p)
        remove_stale_temporaries(targets, [raven_p, aud_p])
        return new_run(out_p, win_p, raven_p, aud_p).go(part, resume)


_OTHER_OUTPUTS = ("windows", "raven", "audacity")


def _finished_run(out: Path, recs, opts: ScanOptions, model_path: Path, inputs, part,
                  others: tuple[Path | None, Path | None, Path | None]) -> dict[str, Any]:
    """The manifest of the finished run at ``out`` when it is the run asked for (same
    recordings, options, model and outputs), else an :class:`OutputError` saying what differs."""
    import json

    from ..model import file_sha256

    path = manifest_path(out)
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
        old = {
            "birdscan version": man["birdscan_version"], "model": man["model"]["sha256"],
            "options": {k: man["options"].get(k) for k in RESULT_OPTIONS}, "inputs": man["inputs"],
            "shard": (man["shard"]["k"], man["shard"]["n"]) if man.get("shard") else None,
            "recordings": [f["file"] for f in man["files"]] if not man.get("shard") else man["shard"]["listing_sha256"],
            **{f"{k} output": man["outputs"].get(k) for k in _OTHER_OUTPUTS},
        }
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OutputError(f"{path} cannot be read ({e}) and there is no journal to resume: pass overwrite=True / "
                          "--overwrite to scan again") from e
    names = [r.rel for r in recs]
    new = {
        "birdscan version": __version__, "model": file_sha256(model_path), "options": opts.result_key(),
        "inputs": [str(i) for i in inputs], "shard": part,
        "recordings": names if part is None else listing_digest(names),
        **{f"{k} output": str(p) if p else None for k, p in zip(_OTHER_OUTPUTS, others)},
    }
    differ = [f"{k} ({_difference(_plain(old[k]), _plain(new[k]))})" for k in new if _plain(old[k]) != _plain(new[k])]
    if differ:
        raise OutputError(f"{path} is a finished run that differs from this one in {'; '.join(differ)}: pass "
                          "overwrite=True / --overwrite to scan again, or write to another out=")
    return man


def _nothing_to_do(man: dict[str, Any], out: Path) -> RunResult:
    """The result of ``resume`` on a finished run that matches: its outputs, as they are."""
    files = [FileResult.from_manifest(f) for f in man["files"]]
    return RunResult(files, read_detections_csv(out), man, nothing_to_do=True)


def _plain(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def _difference(old: Any, new: Any) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        return "; ".join(f"{k}: {old.get(k)} then, {new.get(k)} now" for k in new if old.get(k) != new.get(k))
    if isinstance(old, list) and isinstance(new, list) and len(old) + len(new) > 8:
        gone, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
        return f"{len(old)} then, {len(new)} now" + (f"; new: {', '.join(added[:3])}" if added else "") + (
            f"; gone: {', '.join(gone[:3])}" if gone else "")
    return f"{old} then, {new} now"


def _model_path(model: str | os.PathLike[str] | None) -> Path:
    from ..model import default_model_path

    path = Path(model) if model is not None else default_model_path()
    if not path.is_file():
        what = "model" if model is not None else "the shipped default model"
        raise ModelError(f"{what} file {path} does not exist (give one with model=/--model)")
    return path


class _Run:
    """One run's state: scanning, per-file finishing in order, writing."""

    def __init__(self, recs, opts, model_path, ckpt, device, out, win, review, progress, inputs,
                 windows_freq: bool = False) -> None:
        from .infer import Scanner, default_batch_size
        from ..model import file_sha256, model_from_checkpoint

        self.recs, self.opts, self.out, self.win, self.progress = recs, opts, out, win, progress
        self.windows_freq = windows_freq  # write each window's frequency estimate in the windows table
        self.raven, self.audacity = review
        self.t0 = time.perf_counter()
        self.net = model_from_checkpoint(ckpt, model_path, device, inference=True)
        cfg = self.net.config
        self.sr, self.window = cfg.sample_rate, cfg.window
        self._band = (cfg.fmin, cfg.fmax)
        self.hop = audio.seconds_to_samples(opts.hop, self.sr)
        if self.hop < 1:
            raise ParameterError(f"hop={opts.hop} s is shorter than one sample at {self.sr} Hz")
        self.scanner = Scanner(self.net, device, self.hop, opts.batch_size or default_batch_size(device), PER_BLOCK)
        self.model_info = {
            "path": str(model_path), "name": model_path.name, "sha256": file_sha256(model_path),
            "birdscan_version": ckpt.get("birdscan_version"), "config": cfg.to_dict(),
        }
        self.inputs = [str(i) for i in inputs]
        self.device = device

    def _select(self, part: tuple[int, int] | None, only: set[int] | None = None) -> list[float]:
        """Choose this job's recordings (a shard's share, or all; ``only``: just these positions
        of the discovered list); their durations in seconds."""
        durations = [_duration(r.path) for r in self.recs]
        chosen, self.shard_info = share([r.rel for r in self.recs], durations, part)
        if only is not None:
            chosen = [i for i in chosen if i in only]
        self.results = [FileResult(self.recs[i], index=i) for i in chosen]
        return [durations[i] for i in chosen]

    def _resume(self, resume: bool) -> None:
        self.journal, self.keys = None, [None] * len(self.results)
        if self.out is None:
            return
        run_key = {"birdscan_version": __version__, "model_sha256": self.model_info["sha256"],
                   "device": self.device.type, "options": self.opts.result_key()}
        self.journal = Journal(journal_dir(self.out), run_key, resume)
        for i, res in enumerate(self.results):
            self.keys[i] = self.journal.key(res.rec.path, res.rec.rel)
            done = self.journal.load(self.keys[i]) if resume else None
            if done is not None:
                res.restore(*done)
                self._decoded.add(i)
                self.progress.advance(res.duration_s or 0.0)

    def _decode(self, i: int) -> Iterator[tuple[int, ScanBlock | BaseException | None]]:
        """(i, block) for every block of recording ``i``, then ``(i, None)``; or ``(i, error)``."""
        res = self.results[i]
        ch = None if self.opts.channel is None else self.opts.channel - 1
        t = time.perf_counter()
        report = self._reports[i] = audio.DecodeReport()
        if res.rec.error is not None:  # known while discovering (a folder that cannot be listed)
            yield i, AudioError(res.rec.error)
            return
        try:
            meta = audio.info(res.rec.path)
            res.sample_rate, res.channels, res.duration_s = meta.sample_rate, meta.channels, meta.duration_s
            blocks = audio.stream(res.rec.path, self.sr, channel=ch, report=report)
            for blk in scan_blocks(blocks, self.window, self.hop, PER_BLOCK):
                res.seconds += time.perf_counter() - t
                yield i, blk
                t = time.perf_counter()
            res.seconds += time.perf_counter() - t
            yield i, None
        except (BirdscanError, OSError, ValueError, RuntimeError, MemoryError) as e:
            yield i, e

    def _blocks(self) -> Iterator[tuple[int, ScanBlock | BaseException | None]]:
        makers = (partial(self._decode, i) for i in range(len(self.results)) if i not in self._decoded)
        return prefetch(makers, workers=self.opts.workers, depth=4)

    def go(self, part: tuple[int, int] | None = None, resume: bool = False, only: set[int] | None = None) -> RunResult:
        """Scan (``only``: just the recordings at these positions of the discovered list) and write."""
        from ..device import torch_settings

        self._parts: dict[int, list[tuple[int, np.ndarray]]] = {}
        self._pending: dict[int, int] = {}
        self._decoded: set[int] = set()
        self._reports: dict[int, audio.DecodeReport] = {}
        self._next = 0
        durations = self._select(part, only)
        self.progress.start(len(self.results), sum(durations))
        self._resume(resume)
        self._outputs = RunOutputs(self.out, self.win, self.raven, self.audacity, self.sr, self.window, self.hop,
                                   self._band, self.opts.channel, self.windows_freq)
        try:
            with torch_settings(self.device, all_cores=True):
                for i, item in self._blocks():
                    self._take(i, item)
                    self._finish_ready()
                self._collect(self.scanner.flush())
                self._finish_ready()
            result = self._write()
        except BaseException:
            self._outputs.abort()
            raise
        if self.journal is not None:
            self.journal.remove()
        return result

    def _take(self, i: int, item: ScanBlock | BaseException | None) -> None:
        if isinstance(item, ScanBlock):
            self._pending[i] = self._pending.get(i, 0) + 1
            self._collect(self.scanner.submit(i, item))
            return
        if item is not None:
            res = self.results[i]
            res.status, res.error = "error", _describe(item, res.rec.path)
            report = self._reports.get(i)
            res.warnings = list(report.warnings) if report is not None else []  # e.g. what the decoder said
        self._decoded.add(i)
        if self._pending.get(i):  # score its last windows now, so it is journaled at once
            self._collect(self.scanner.flush(i))

    def _collect(self, done: list[tuple[Any, ScanBlock, np.ndarray]]) -> None:
        for i, blk, probs in done:
            self._pending[i] -= 1
            if self.results[i].status == "ok":
                self._parts.setdefault(i, []).append((blk.first, probs))
                self.progress.advance(len(probs) * self.hop / self.sr)

    def _finish_ready(self) -> None:
        while self._next < len(self.results) and self._next in self._decoded and not self._pending.get(self._next):
            self._finish(self._next, self.results[self._next])
            self._next += 1

    def _finish(self, i: int, res: FileResult) -> None:
        if not res.resumed:
            parts = sorted(self._parts.pop(i, []), key=lambda p: p[0])
            t = time.perf_counter()
            report = self._reports.pop(i, None)
            if res.status == "ok":
                try:
                    self._finish_ok(res, parts, report or audio.DecodeReport())
                except (BirdscanError, OSError, ValueError) as e:
                    res.status, res.error = "error", _describe(e, res.rec.path)
            if res.status not in SCANNED:
                res.probs, res.events = None, None
            res.seconds += time.perf_counter() - t
            if res.status in SCANNED and self.journal is not None:
                probs = res.probs if res.freq is None else np.column_stack([res.probs, res.freq])
                self.journal.save(self.keys[i], res.record(), probs, res.events)
        if res.status in SCANNED:
            self._outputs.add(res)
        self.progress.file_done(res)

    def _finish_ok(self, res: FileResult, parts: list[tuple[int, np.ndarray]], report: audio.DecodeReport) -> None:
        probs = np.concatenate([p for _, p in parts]) if parts else np.zeros(0, np.float32)
        freq = None
        if probs.ndim == 2:  # a model with a frequency head: probability, frequency (Hz)
            probs, freq = np.ascontiguousarray(probs[:, 0]), np.ascontiguousarray(probs[:, 1])
        n_samples = audio.seconds_to_samples(res.duration_s or 0.0, self.sr)
        expected = count_windows(n_samples, self.window, self.hop)
        if len(probs) == 0:
            raise AudioError(f"{res.rec.path}: no audio could be decoded" + (f" ({report.partial})" if report.partial else ""))
        # A model that breaks on one recording (samples too large to compute with) fails that
        # recording only: the ModelError becomes its error entry and the run goes on.
        bad = int((~np.isfinite(probs) | (~np.isfinite(freq) if freq is not None else False)).sum())
        if bad:
            raise ModelError(f"{res.rec.path}: the model ({self.model_info['name']}) returned non-finite scores for {bad} of "
                             f"{len(probs)} windows; no results kept for this file (a damaged model, or samples too large to compute with)")
        res.scanned_s = round(report.frames / res.sample_rate, 3) if res.sample_rate else None
        res.warnings = self._warnings(res, report)
        if report.partial:
            res.status, res.error = "partial", f"{res.rec.path}: {report.partial}"
        if abs(len(probs) - expected) > 2:  # the header lied about the length (truncated file)
            res.duration_s = (len(probs) - 1) * self.hop / self.sr + self.window / self.sr
        events = find_events(probs, self.hop, self.window, self.sr, self.opts.rule, res.duration_s)
        channel = None if self.opts.channel is None else self.opts.channel - 1
        measure_bands(events, res.rec.path, channel, *self._band)
        if freq is not None:
            add_call_types(events, freq, self.hop, self.window, self.sr, self.opts.type_boundary)
        res.recording_start, _ = recording_start(res.rec.path)
        res.probs, res.events, res.freq = probs, events, freq
        res.n_windows, res.n_events = len(probs), len(events)

    def _warnings(self, res: FileResult, report: audio.DecodeReport) -> list[str]:
        """What is worth knowing about a recording that was scanned (kept in run.json)."""
        cfg, out = self.net.config, list(report.warnings)
        if report.frames and report.nonfinite >= report.frames:
            out.append(f"{res.rec.path}: every sample is NaN or infinite; scanned as silence")
        elif report.nonfinite:
            out.append(f"{res.rec.path}: {report.nonfinite:,} samples are NaN or infinite; scanned as 0")
        elif report.frames and report.peak == 0:
            out.append(f"{res.rec.path}: digital silence (every sample is 0)")
        if res.sample_rate and res.sample_rate / 2 < (cfg.fmin + cfg.fmax) / 2:
            out.append(f"{res.rec.path}: sampled at {res.sample_rate} Hz, so it holds nothing above {res.sample_rate / 2:.0f} Hz; "
                       f"the model listens to {cfg.fmin:.0f}-{cfg.fmax:.0f} Hz and calls above that cannot be found")
        return out

    def _write(self) -> RunResult:
        detections = detections_table(self.results)
        manifest = self._manifest(detections)
        self._outputs.finish(self.results, detections, manifest)
        return RunResult(self.results, detections, manifest)

    def _manifest(self, detections) -> dict[str, Any]:
        files = [r.manifest() for r in self.results]
        return run_manifest(
            version=__version__, model=self.model_info, options=self.opts.to_dict(), inputs=self.inputs,
            host={"platform": platform.platform(), "python": platform.python_version(), "device": str(self.device)},
            shard=self.shard_info, outputs=(self.out, self.win, self.raven, self.audacity),
            summary=summarize(files, len(detections), time.perf_counter() - self.t0), files=files,
        )


def _duration(path: Path) -> float:
    """Seconds of audio the header announces (0 when it cannot be read: the scan reports why)."""
    try:
        return audio.info(path).duration_s
    except AudioError:
        return 0.0


def _describe(e: BaseException, path: Path) -> str:
    text = str(e)
    return text if str(path) in text else f"{path}: {type(e).__name__}: {text}"
