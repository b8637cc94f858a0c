"""Rescan only the recordings that failed or were partial in a finished run (``birdscan run --retry-failed``).

A partial recording is rescanned too: its salvage may succeed in full now (a file transfer
that has completed since). Its new results replace the old ones, unless the new scan fails
outright: then the partial results are kept and the new error becomes one of its warnings.

These recordings are scanned as a run of their own into a hidden folder next to the
outputs (``.<out name>.retry/``), with the same options, model and positions in the
discovered list. The two runs are then joined the way :mod:`birdscan.detect.merge` joins
shards: every recording's rows are copied verbatim, in discovery order, from the run that
has them; the Raven tables of the new results are added and the combined table and the
manifest rebuilt. The outputs are switched as one set (manifest last, the old one moved
aside first), and the hidden folder is removed. The recordings that were fine are not scanned again.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..files import OutputSet
from ..tables import manifest_path
from . import writers
from . import selections
from .merge import Shard, copy_rows, copy_tables, merge_raven
from .results import SCANNED, FileResult, RunResult, read_detections_csv, summarize


def retry_folder(out: Path) -> Path:
    """``out/detections.csv`` -> ``out/.detections.csv.retry`` (the failed recordings' own run).

    Parameters
    ----------
    out : Path, the run's detections CSV

    Returns
    -------
    Path, the hidden folder next to it
    """
    return out.with_name(f".{out.name}.retry")


def retry_failed(man: dict[str, Any], out: Path, others: tuple[Path | None, Path | None, Path | None],
                 scan_failed: Callable[..., RunResult]) -> RunResult:
    """Rescan the recordings whose status in ``man`` (the finished run's manifest) is not ``ok``.

    Parameters
    ----------
    man : dict, the finished run's manifest
    out : Path, its detections CSV
    others : (windows, raven, audacity), the run's other outputs: Path or None where not written
    scan_failed : callable ``scan_failed(indices, out, windows, raven, audacity)`` that scans the
        recordings at those positions of the discovered list into the given outputs (a run of
        its own, in :func:`retry_folder`) and returns its RunResult

    Returns
    -------
    RunResult, the joined result; the hidden folder is removed, whatever happens
    """
    t0 = time.perf_counter()
    failed = [f["index"] for f in man["files"] if f["status"] != "ok"]
    win, raven, aud = others
    tmp = retry_folder(out)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        new = scan_failed(failed, tmp / out.name, tmp / win.name if win else None, tmp / "raven" if raven else None,
                          tmp / "audacity" if aud else None)
        return _join(man, new, out, others, time.perf_counter() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _join(man: dict[str, Any], new: RunResult, out: Path, others, wall: float) -> RunResult:
    win, raven, aud = others
    new_out = Path(new.manifest["outputs"]["detections"])
    shards = [Shard(out, manifest_path(out), man), Shard(new_out, manifest_path(new_out), new.manifest)]
    old_files = sorted(man["files"], key=lambda f: f["index"])
    redone = _redone(old_files, new.manifest["files"])
    files = [(1, redone[f["index"]]) if f["index"] in redone else (0, _kept(f, new)) for f in old_files]
    replaced = [(0, f) for f in old_files if f["index"] in redone and f["status"] in SCANNED]  # partial ones rescanned
    outputs = OutputSet()
    try:
        events = copy_rows(shards, files, out, "detections", outputs, dropped=replaced)
        if win is not None:
            copy_rows(shards, files, win, "windows", outputs, dropped=replaced)
        if raven is not None:
            merge_raven(shards, files, events, raven, True, outputs)
        if aud is not None:
            copy_tables(shards, files, "audacity", aud, selections.audacity_path, True, outputs)
        entries = [f for _, f in files]
        manifest = dict(man)
        manifest.update(
            created=datetime.now().astimezone().isoformat(timespec="seconds"),
            summary=summarize(entries, sum(len(e) for e in events.values()), ((man.get("summary") or {}).get("wall_s") or 0) + wall),
            files=entries,
            retried={"files": [f["file"] for f in new.manifest["files"]], "created": new.manifest.get("created")},
        )
        writers.write_manifest(manifest_path(out), manifest, outputs)
        outputs.commit(mark=manifest_path(out))
    except BaseException:
        outputs.abort()
        raise
    return RunResult(_results(entries, new, set(redone)), read_detections_csv(out), manifest)


def _redone(old_files: list[dict[str, Any]], new_files: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The new entries that replace old ones, by index: all but a partial recording's that failed now."""
    was = {f["index"]: f["status"] for f in old_files}
    return {f["index"]: f for f in new_files if f["status"] in SCANNED or was[f["index"]] not in SCANNED}


def _kept(entry: dict[str, Any], new: RunResult) -> dict[str, Any]:
    """An old entry kept; a partial one whose rescan failed says so in its warnings."""
    failed = next((f for f in new.manifest["files"] if f["index"] == entry["index"]), None)
    if failed is None:
        return entry
    note = f"{failed['error']} (on --retry-failed; the results of the earlier, partial scan are kept)"
    return {**entry, "warnings": [*entry.get("warnings", []), note]}


def _results(entries: list[dict[str, Any]], new: RunResult, redone: set[int]) -> list[FileResult]:
    fresh = {r.index: r for r in new.files if r.index in redone}
    return [fresh.get(f["index"]) or FileResult.from_manifest(f) for f in entries]
