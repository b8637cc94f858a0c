"""A run's output set, written as recordings finish and renamed together at the end.

Each finished recording (in run order) adds its rows to the windows table and writes its
review tables (Raven, Audacity); :meth:`RunOutputs.finish` then writes the detections
table, the combined Raven table and the manifest, and renames everything into place with
the manifest last (its presence marks a complete run). Until then nothing is visible under
the outputs' names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..files import OutputSet
from ..tables import manifest_path
from . import selections, writers
from .results import SCANNED, FileResult


class RunOutputs:
    """The outputs of one run.

    Parameters
    ----------
    out : detections CSV (the manifest goes next to it), or None
    windows : windows CSV(.gz), or None
    raven, audacity : folders for Raven selection tables and Audacity label tracks, or None
    sample_rate, window, hop : the model's rate (Hz) and its window and hop in samples
    band : (fmin, fmax) Hz, the model's band (events without a measured band get it)
    channel : the channel scanned (from 1), None for the mix (Raven's Channel 1)
    windows_freq : add each window's frequency estimate to the windows table
    """

    def __init__(self, out: Path | None, windows: Path | None, raven: Path | None, audacity: Path | None,
                 sample_rate: int, window: int, hop: int, band: tuple[float, float], channel: int | None,
                 windows_freq: bool = False) -> None:
        self.out, self.raven, self.audacity = out, raven, audacity
        self.sr, self.window, self.hop, self.band, self.channel = sample_rate, window, hop, band, channel or 1
        self.files = OutputSet()
        self._windows = writers.WindowsWriter(windows, self.files, windows_freq) if windows else None

    def add(self, res: FileResult) -> None:
        """A finished recording's rows of the windows table and its review tables (staged).

        Parameters
        ----------
        res : FileResult, a scanned recording (``probs``, ``events``, ``duration_s`` set)
        """
        if self._windows is not None:
            starts = np.arange(len(res.probs)) * (self.hop / self.sr)
            ends = np.minimum(starts + self.window / self.sr, res.duration_s)
            self._windows.add(res.rec.rel, starts, ends, res.probs, res.freq)
        nyquist = self._nyquist(res)
        if self.raven is not None:
            selections.write_raven(selections.raven_path(self.raven, res.rec.rel), res.events, nyquist=nyquist,
                                   band=self.band, channel=self.channel, begin_path=str(res.rec.path), outputs=self.files)
        if self.audacity is not None:
            selections.write_audacity(selections.audacity_path(self.audacity, res.rec.rel), res.events, nyquist=nyquist,
                                      band=self.band, outputs=self.files)

    def finish(self, results: Sequence[FileResult], detections: Any, manifest: dict[str, Any]) -> None:
        """Write the run-wide tables and the manifest, then rename every output into place.

        Parameters
        ----------
        results : sequence of FileResult, the run's, in run order (the scanned ones go in the combined Raven table)
        detections : pandas.DataFrame, the detections table (:func:`birdscan.detect.results.detections_table`)
        manifest : dict, the run manifest, written next to ``out`` and renamed into place last
        """
        if self._windows is not None:
            self._windows.close(ok=True)
            self._windows = None
        if self.raven is not None:
            parts = [(str(r.rec.path), r.duration_s, self._nyquist(r), r.events) for r in results if r.status in SCANNED]
            selections.write_raven_combined(self.raven / selections.RAVEN_COMBINED, parts, band=self.band,
                                            channel=self.channel, outputs=self.files)
        if self.out is not None:
            writers.write_detections(self.out, detections, self.files)
            writers.write_manifest(manifest_path(self.out), manifest, self.files)
        # the manifest last: it is the mark of a complete run, and the old one goes first
        self.files.commit(mark=manifest_path(self.out) if self.out is not None else None)

    def abort(self) -> None:
        """Remove everything staged (the run failed): the previous outputs stay as they were."""
        if self._windows is not None:
            self._windows.close(ok=False)
            self._windows = None
        self.files.abort()

    def _nyquist(self, res: FileResult) -> float:
        return (res.sample_rate or self.sr) / 2
