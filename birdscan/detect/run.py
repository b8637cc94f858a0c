"""One run of the chain over the chosen recordings: decode ahead -> windows -> model ->
events -> outputs.

:class:`Run` scans the recordings (blocks of several recordings share model batches),
finishes each one in discovery order as soon as its last window is scored (events, bands,
call types, warnings; journaled at once) and writes the outputs at the end.
:func:`birdscan.detect.pipeline.scan` checks the options and outputs and decides what a
call does (a new run, a resumed one, a retry of the failures, or nothing); this module
holds what every run does.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .._version import __version__
from ..birdvox70k import SAMPLE_RATE
from ..calltypes import TYPE_BOUNDARY_HZ
from ..errors import AudioError, BirdscanError, ModelError, ParameterError
from ..tables import run_manifest
from . import audio, audiofile
from .events import EventRule, add_call_types, find_events, measure_bands
from .journal import Journal, journal_dir
from .metadata import recording_start
from .outputs import RunOutputs
from .prefetch import prefetch
from .results import RESULT_OPTIONS, SCANNED, FileResult, RunResult, detections_table, summarize
from .shard import share
from .windows import ScanBlock, count_windows, scan_blocks

__all__ = ["Run", "ScanOptions", "NullProgress", "PER_BLOCK"]

PER_BLOCK = 512  # windows per full scan block (25.6 s of audio at 50 ms hop)
TYPE_BOUNDARY_LIMIT_HZ = float(SAMPLE_RATE)
"""``type_boundary`` must lie below this: BirdVox-70k's rate, the default model's (24 kHz). A loose
check that the number is a frequency in Hz at all, made before the model is read; no model hears
above half its rate."""


class NullProgress:
    """Progress hooks a run calls (``progress=`` of :func:`birdscan.scan`); this one ignores them,
    the CLI passes a rich display."""

    def start(self, n_files: int, total_audio_s: float) -> None:
        """Before scanning.

        Parameters
        ----------
        n_files : int, recordings this run scans (a shard's share, resumed ones included)
        total_audio_s : float, seconds of audio they hold (as their headers say)
        """

    def advance(self, audio_s: float) -> None:
        """More audio scanned.

        Parameters
        ----------
        audio_s : float, seconds of audio scanned (or taken from the journal) since the last call
        """

    def file_done(self, result: FileResult) -> None:
        """A recording is finished, in discovery order.

        Parameters
        ----------
        result : FileResult, its result (``status`` is ``"ok"``, ``"partial"`` or ``"error"``)
        """


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
        if not (isinstance(self.type_boundary, (int, float)) and 0 < self.type_boundary < TYPE_BOUNDARY_LIMIT_HZ):
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
        """The options that change the numbers in the outputs (the journal's key).

        Returns
        -------
        dict, the :data:`birdscan.detect.results.RESULT_OPTIONS` entries of :meth:`to_dict`
        """
        d = self.to_dict()
        return {k: d[k] for k in RESULT_OPTIONS}

    def to_dict(self) -> dict[str, Any]:
        """The options as the run manifest records them.

        Returns
        -------
        dict of plain JSON types: seconds as ``*_s``, ``type_boundary_hz``, ``threshold_off`` resolved
        (:attr:`EventRule.off`), ``channel`` ``"mix"`` for None
        """
        return {
            "hop_s": self.hop, "threshold": self.rule.threshold, "threshold_off": self.rule.off,
            "min_gap_s": self.rule.min_gap, "min_duration_s": self.rule.min_duration,
            "split_dip": self.rule.split_dip, "channel": self.channel or "mix",
            "type_boundary_hz": float(self.type_boundary),
            "device": self.device, "batch_size": self.batch_size, "workers": self.workers,
        }


class Run:
    """One run's state: scanning, per-file finishing in order, writing.

    Built with the recordings discovered, the validated options, the model (path and read
    checkpoint), the torch device, the outputs (``out``, ``win``, ``review`` = ``(raven,
    audacity)``; None where not written), the progress hooks and the inputs as given;
    :meth:`go` scans and returns the :class:`RunResult`.

    Parameters
    ----------
    recs : list of Recording, every recording discovered (:func:`birdscan.detect.discover.discover`)
    opts : ScanOptions
    model_path : Path, the checkpoint file (named and hashed in the manifest)
    ckpt : dict, the checkpoint read from it (:func:`birdscan.model.read_checkpoint`)
    device : torch.device
    out, win : Path or None, the detections CSV and the windows CSV(.gz)
    review : (raven, audacity) pair of Path or None, folders of the review tables
    progress : the hooks of :class:`NullProgress`
    inputs : list of str or Path, the inputs as given (recorded in the manifest)
    windows_freq : bool, write each window's frequency estimate in the windows table

    Raises
    ------
    ParameterError
        when ``opts.hop`` is shorter than one sample at the model's rate
    """

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
        self.hop = audiofile.seconds_to_samples(opts.hop, self.sr)
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
            meta = audiofile.info(res.rec.path)
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
        """Scan, then write the outputs (all or nothing: on an error, what was staged is removed).

        Parameters
        ----------
        part : (K, N) int pair, scan shard K of N (:func:`birdscan.detect.shard.share`); None: all
        resume : bool, take the recordings finished in the journal of an interrupted run from it
        only : set of int, or None; scan just the recordings at these positions of the discovered list

        Returns
        -------
        RunResult, per-file results, the detections table and the manifest; the journal is
        removed once the outputs are written
        """
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
        n_samples = audiofile.seconds_to_samples(res.duration_s or 0.0, self.sr)
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
        band_warning = measure_bands(events, res.rec.path, channel, *self._band,
                                     readable_s=res.scanned_s if res.status == "partial" else None,
                                     sample_rate=res.sample_rate)
        if band_warning:
            res.warnings.append(band_warning)
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
        return audiofile.info(path).duration_s
    except AudioError:
        return 0.0


def _describe(e: BaseException, path: Path) -> str:
    text = str(e)
    return text if str(path) in text else f"{path}: {type(e).__name__}: {text}"
