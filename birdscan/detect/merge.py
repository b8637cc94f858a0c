"""Shards of a run (``birdscan run --shard K/N``) -> the outputs one whole run would write.

Each shard's ``run.json`` lists its recordings with their index in the full discovered
list and the shard spec. The merge checks that the shards are all there and agree
(model, options, listing), then copies every recording's rows of the detections and
windows tables, verbatim and in discovery order, copies the per-recording Raven tables
and rebuilds the combined Raven table and the manifest. The result is byte for byte
what an unsharded run writes (the manifest apart from timing and provenance).

:mod:`birdscan.detect.retry` joins a run and its rescan of the failed recordings with the same
pieces: :class:`Shard` (one run's outputs and manifest), :func:`copy_rows`, :func:`copy_tables`
and :func:`merge_raven`.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Sequence

import numpy as np

from . import selections, writers
from ..files import OutputLock, OutputSet, atomic_open
from ..tables import DETECTION_COLUMNS, WINDOW_COLUMNS, csv_cell, manifest_path, run_manifest
from ..errors import ParameterError
from .results import RESULT_OPTIONS, SCANNED, summarize



@dataclass
class Shard:
    """One run's outputs as a merge reads them: a shard of a sharded run, or a whole run.

    Attributes
    ----------
    detections : Path, the run's detections CSV
    manifest_path : Path, its ``run.json``
    man : dict, the manifest read from it (``outputs`` and ``files`` with each recording's
        ``index`` in the full discovered list)
    """

    detections: Path
    manifest_path: Path
    man: dict[str, Any]

    @classmethod
    def read(cls, detections: str | os.PathLike[str]) -> Shard:
        """The shard whose detections CSV is ``detections``, its ``run.json`` read from next to it.

        Parameters
        ----------
        detections : str or PathLike, the shard's detections CSV

        Returns
        -------
        Shard

        Raises
        ------
        ParameterError
            the manifest is missing or unreadable, or the detections CSV is not there
        """
        det = Path(detections)
        mp = manifest_path(det)
        try:
            man = json.loads(mp.read_text(encoding="utf-8"))
            man["outputs"], [f["index"] for f in man["files"]]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ParameterError(f"{det}: cannot read the run manifest {mp} next to it ({e}); merge needs each shard's run.json") from e
        if not det.is_file():
            raise ParameterError(f"{det} does not exist (its run.json does: was that shard's run interrupted?)")
        return cls(det, mp, man)

    @property
    def spec(self) -> dict[str, Any]:
        """The manifest's ``shard`` entry (``k``, ``n``, ``recordings``, ``listing_sha256``); a run
        that was not sharded is shard 1/1."""
        return self.man.get("shard") or {"k": 1, "n": 1, "recordings": len(self.man["files"]), "listing_sha256": None}

    @property
    def name(self) -> str:
        """How messages name the shard: ``shard K/N (<its run.json>)``."""
        return f"shard {self.spec['k']}/{self.spec['n']} ({self.manifest_path})"

    def output(self, kind: str) -> Path:
        """The shard's windows or raven output, found where the run wrote it, or at the same
        place relative to its detections CSV when the shard's folder was moved.

        Parameters
        ----------
        kind : str, ``"windows"`` or ``"raven"`` (a key of the manifest's ``outputs``)

        Returns
        -------
        Path, an existing file or folder

        Raises
        ------
        ParameterError
            when the shard wrote no such output, or it is not where the manifest says
        """
        given = self.man["outputs"].get(kind)
        if not given:
            raise ParameterError(f"{self.name} wrote no {kind} output: run every shard with --{kind}, or merge without it")
        path = Path(given)
        if not (path.is_absolute() or path.exists()):
            recorded = Path(self.man["outputs"]["detections"] or self.detections)
            path = self.detections.parent / os.path.relpath(path, recorded.parent)
        if not path.exists():
            raise ParameterError(f"{self.name}: its {kind} output {given} is not there")
        return path


def merge(
    detections: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    windows: str | os.PathLike[str] | None = None,
    raven: str | os.PathLike[str] | None = None,
    audacity: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Combine the outputs of the N shards of a run into those of one run.

    Parameters
    ----------
    detections : the shards' detections CSVs, any order, each with its ``run.json`` next to it
    out : merged detections CSV; the merged ``run.json`` is written next to it
    windows : merged windows ``.csv`` / ``.csv.gz`` (every shard must have written windows)
    raven : folder for the per-recording and combined Raven tables (every shard must have them)
    audacity : folder for the per-recording Audacity label tracks (every shard must have them)
    overwrite : replace existing outputs

    Returns
    -------
    dict, the merged manifest.

    Raises
    ------
    ParameterError when a shard is missing or given twice, or shards disagree (model,
    options, recordings); OutputError when an output exists or cannot be written.

    Examples
    --------
    >>> merge(["out/shard1/detections.csv", "out/shard2/detections.csv"], out="all/detections.csv")  # doctest: +SKIP
    """
    if not detections:
        raise ParameterError("no shard outputs given: name each shard's detections CSV")
    out_p, win_p, raven_p, aud_p = (Path(p) if p is not None else None for p in (out, windows, raven, audacity))
    writers.check_windows_path(win_p)
    targets = [out_p, manifest_path(out_p), win_p, raven_p / selections.RAVEN_COMBINED if raven_p else None]
    writers.check_targets(targets, overwrite)
    shards = [Shard.read(d) for d in detections]
    files = _check(shards)
    with OutputLock(out_p):
        return _merge(shards, files, out_p, win_p, raven_p, aud_p, overwrite)


def _merge(shards, files, out_p: Path, win_p: Path | None, raven_p: Path | None, aud_p: Path | None,
           overwrite: bool) -> dict[str, Any]:
    outputs = OutputSet()
    try:
        events = copy_rows(shards, files, out_p, "detections", outputs)
        if win_p is not None:
            copy_rows(shards, files, win_p, "windows", outputs)
        if raven_p is not None:
            merge_raven(shards, files, events, raven_p, overwrite, outputs)
        if aud_p is not None:
            copy_tables(shards, files, "audacity", aud_p, selections.audacity_path, overwrite, outputs)
        manifest = _manifest(shards, [f for _, f in files], sum(len(e) for e in events.values()), out_p, win_p, raven_p, aud_p)
        writers.write_manifest(manifest_path(out_p), manifest, outputs)
        outputs.commit(mark=manifest_path(out_p))
    except BaseException:
        outputs.abort()
        raise
    return manifest


def _check(shards: list[Shard]) -> list[tuple[int, dict[str, Any]]]:
    """All shards there, once, agreeing; returns ``(shard position, file entry)`` in discovery order."""
    first = shards[0]
    n = first.spec["n"]
    seen: dict[int, Shard] = {}
    for s in shards:
        if s.spec["n"] != n:
            raise ParameterError(f"{s.name} is not one of {n} shards like {first.name}")
        if s.spec["k"] in seen:
            raise ParameterError(f"shard {s.spec['k']}/{n} given twice: {seen[s.spec['k']].manifest_path} and {s.manifest_path}")
        seen[s.spec["k"]] = s
        for what, get in (("recordings", lambda m: (m.get("shard") or {}).get("listing_sha256")),
                          ("model", lambda m: m["model"]["sha256"]),
                          ("options", lambda m: {k: m["options"].get(k) for k in RESULT_OPTIONS}),
                          ("birdscan version", lambda m: m["birdscan_version"])):
            if get(s.man) != get(first.man):
                raise ParameterError(f"{s.name} and {first.name} differ in {what}: they are not shards of one run")
    missing = [k for k in range(1, n + 1) if k not in seen]
    if missing:
        raise ParameterError(f"missing shard(s) {', '.join(f'{k}/{n}' for k in missing)}: merge needs all {n} shards")
    files = sorted(((i, f) for i, s in enumerate(shards) for f in s.man["files"]), key=lambda t: t[1]["index"])
    if [f["index"] for _, f in files] != list(range(first.spec["recordings"])):
        raise ParameterError(f"the shards' run.json files do not list each of the {first.spec['recordings']} recordings once")
    return files


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _records(f: IO[str]) -> Iterator[str]:
    """The raw text of each CSV record (a quoted field may hold line breaks)."""
    buf = ""
    for line in f:
        if not buf and '"' not in line:
            yield line
            continue
        buf += line
        if buf.count('"') % 2 == 0:
            yield buf
            buf = ""
    if buf:
        yield buf


def copy_rows(shards: list[Shard], files: Sequence[tuple[int, dict[str, Any]]], path: Path, kind: str,
              outputs: OutputSet, dropped: Sequence[tuple[int, dict[str, Any]]] = ()) -> dict[int, Any]:
    """Copy each recording's rows of the shards' ``kind`` tables, verbatim, in discovery order.

    Parameters
    ----------
    shards : list of Shard, the runs the rows come from
    files : sequence of ``(shard position, file entry)``, the recordings to copy, each from the
        shard at that position of ``shards`` (the entry as its run.json lists it)
    path : Path, the table written
    kind : ``"detections"`` or ``"windows"``
    outputs : OutputSet the table is written in (committed by the caller)
    dropped : ``(shard position, file entry)`` of recordings whose rows in that shard are
        read past, not copied (replaced by another shard's, see :mod:`birdscan.detect.retry`)

    Returns
    -------
    dict recording index -> its events (the table the writers take), when ``kind`` is
    ``"detections"``; empty for ``"windows"``

    Raises
    ------
    ParameterError
        a shard's table has another header, or holds other rows than its run.json lists
    """
    import pandas as pd

    columns = DETECTION_COLUMNS if kind == "detections" else WINDOW_COLUMNS
    count = "n_events" if kind == "detections" else "n_windows"
    sources = [s.detections if kind == "detections" else s.output("windows") for s in shards]
    events: dict[int, Any] = {}
    readers, handles = [], []
    try:
        for src in sources:
            handles.append(_open_text(src))
            readers.append(_records(handles[-1]))
            header = next(readers[-1], "")
            if header.rstrip("\r\n").split(",") != columns:
                raise ParameterError(f"{src} is not a birdscan {kind} table (header {header.strip()[:80]!r})")
        with atomic_open(path, outputs=outputs) as f:
            f.write(",".join(columns) + "\n")
            steps = sorted([(e["index"], True, pos, e) for pos, e in files] + [(e["index"], False, pos, e) for pos, e in dropped],
                           key=lambda t: t[:2])
            for _, keep, pos, entry in steps:
                rows = [next(readers[pos], None) for _ in range(entry[count] if entry["status"] in SCANNED else 0)]
                for text in rows[:1] + rows[-1:]:
                    if text is None or next(csv.reader([text]))[0] != csv_cell(entry["file"]):
                        raise ParameterError(f"{sources[pos]} does not hold the {entry[count]} rows of {entry['file']!r} its run.json lists")
                if not keep:
                    continue
                f.write("".join(rows))
                if kind == "detections" and entry["status"] in SCANNED:
                    table = pd.DataFrame(list(csv.reader(rows)), columns=columns, dtype=object)
                    events[entry["index"]] = _events(table)
        for src, reader in zip(sources, readers):
            if next(reader, None) is not None:
                raise ParameterError(f"{src} holds more rows than its run.json lists")
    finally:
        for h in handles:
            h.close()
    return events


def _events(table):
    """A recording's detection rows (text) as the event table the writers take."""
    import pandas as pd

    events = table.drop(columns=["file", "start_time"], errors="ignore")
    for c in events.columns:
        if c != "call_type":
            events[c] = pd.to_numeric(events[c].replace("", np.nan), errors="coerce").astype(float)
    return events


def copy_tables(shards: list[Shard], files: Sequence[tuple[int, dict[str, Any]]], kind: str, folder: Path,
                path_of: Callable[[Path, str], Path], overwrite: bool, outputs: OutputSet) -> None:
    """Copy each recording's review table from its shard, verbatim.

    Parameters
    ----------
    shards : list of Shard
    files : sequence of ``(shard position, file entry)``, as for :func:`copy_rows`; recordings
        that were not scanned have no table and are passed over
    kind : ``"raven"`` or ``"audacity"``, the shards' output folder the tables come from
    folder : Path, where the tables are written
    path_of : the table's path for a folder and a ``file`` value
        (:func:`birdscan.detect.selections.raven_path`, ``audacity_path``)
    overwrite : bool, replace existing tables
    outputs : OutputSet the tables are written in (committed by the caller)
    """
    ok = [(pos, f) for pos, f in files if f["status"] in SCANNED]
    # only shards with a recording to copy need the folder (a retry whose recordings all failed again has none)
    sources = {pos: shards[pos].output(kind) for pos in sorted({pos for pos, _ in ok})}
    if kind == "raven":
        selections.raven_tables(folder, [f["file"] for _, f in ok])
    for pos, f in ok:
        src, dst = path_of(sources[pos], f["file"]), path_of(folder, f["file"])
        if dst.exists() and src.exists() and os.path.samefile(src, dst):
            continue  # the shards wrote their tables into the merged folder
        writers.check_targets([dst], overwrite)
        try:
            data = src.read_bytes()
        except OSError as e:
            raise ParameterError(f"{shards[pos].name}: cannot read its {kind} table {src} ({e.strerror})") from e
        with atomic_open(dst, "wb", outputs=outputs) as g:
            g.write(data)


def merge_raven(shards: list[Shard], files: Sequence[tuple[int, dict[str, Any]]], events: dict[int, Any], raven: Path,
                overwrite: bool, outputs: OutputSet) -> None:
    """The Raven outputs of the joined run: each recording's table copied (:func:`copy_tables`)
    and the combined table rebuilt from ``events``.

    Parameters
    ----------
    shards, files : as for :func:`copy_rows` (the model and channel are the first shard's)
    events : dict recording index -> events, from :func:`copy_rows` of the detections
    raven : Path, the Raven folder written
    overwrite : bool, replace existing tables
    outputs : OutputSet the tables are written in (committed by the caller)
    """
    copy_tables(shards, files, "raven", raven, selections.raven_path, overwrite, outputs)
    man = shards[0].man
    cfg = man["model"]["config"]
    channel = man["options"].get("channel")
    parts = [(f["path"], f["duration_s"], (f["sample_rate"] or cfg["sample_rate"]) / 2, events[f["index"]])
             for _, f in files if f["status"] in SCANNED]
    selections.write_raven_combined(raven / selections.RAVEN_COMBINED, parts, band=(cfg["fmin"], cfg["fmax"]),
                                    channel=channel if isinstance(channel, int) else 1, outputs=outputs)


def _manifest(shards: list[Shard], files: list[dict[str, Any]], n_events: int, out, win, raven, audacity=None) -> dict[str, Any]:
    first = shards[0].man
    wall = sum((s.man.get("summary") or {}).get("wall_s") or 0.0 for s in shards)
    merged_from = [{"manifest": str(s.manifest_path), "shard": f"{s.spec['k']}/{s.spec['n']}", "created": s.man.get("created"),
                    "host": s.man.get("host"), "wall_s": (s.man.get("summary") or {}).get("wall_s")}
                   for s in sorted(shards, key=lambda s: s.spec["k"])]
    return run_manifest(
        version=first["birdscan_version"], host=first.get("host"), model=first["model"], options=first["options"],
        inputs=first.get("inputs"), shard=None, merged_from=merged_from, outputs=(out, win, raven, audacity),
        summary=summarize(files, n_events, wall), files=files,
    )
