"""Outputs: detections CSV, windows CSV(.gz), Raven Pro selection tables, the run manifest.

Every file is written under a temporary name (``.<name>.<pid>.part``) in its final
folder and renamed when complete, so an output that exists is whole. A run stages all
its outputs in an :class:`OutputSet` and renames them together at the end, putting the
previous ones back if a rename fails. A failed write raises :class:`OutputError` naming
the file and the reason (e.g. no space left on device).
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence

import numpy as np

from .discover import printable
from ..errors import OutputError, ParameterError

DETECTION_COLUMNS = ["file", "start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz", "start_time"]
WINDOW_COLUMNS = ["file", "start_s", "end_s", "prob"]
RAVEN_COLUMNS = ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)"]
RAVEN_EXTRA = ["Peak Time (s)", "Max Prob", "Mean Prob"]
RAVEN_COMBINED = "birdscan_combined.selections.txt"
FLOAT_FORMAT = "%.4f"


def manifest_path(out: str | os.PathLike[str]) -> Path:
    """The run manifest sits next to the detections CSV: ``detections.csv`` -> ``run.json``
    (``<stem>.run.json`` when the CSV is not called detections.csv, so two runs in one
    folder do not clash)."""
    out = Path(out)
    return out.with_name("run.json" if out.stem == "detections" else f"{out.stem}.run.json")


def check_targets(paths: Sequence[Path | None], overwrite: bool) -> None:
    """Fail before any work when an output exists (and ``overwrite`` is off) or cannot be made."""
    for p in paths:
        if p is None:
            continue
        if p.exists() and not overwrite and not p.is_dir():
            raise OutputError(f"{p} exists; pass overwrite=True (--overwrite) to replace it")
        parent = p if p.suffix == "" and not p.exists() else p.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {p}: {parent} is not a folder")


def check_windows_path(path: Path | None) -> None:
    if path is not None and not (path.name.endswith(".csv") or path.name.endswith(".csv.gz")):
        raise ParameterError(f"windows={str(path)!r} must end in .csv or .csv.gz")


def cannot_write(path: Path, e: OSError) -> OutputError:
    """``OutputError("cannot write <path>: <reason>")`` for an OSError met while writing it."""
    reason = e.strerror or errno.errorcode.get(e.errno or 0) or str(e) or type(e).__name__
    return OutputError(f"cannot write {path}: {reason}")


def _tmp_name(path: Path, kind: str = "part") -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{kind}")


class OutputSet:
    """A run's finished outputs under temporary names, renamed to their names by :meth:`commit`.

    If a rename fails, the outputs renamed so far are put back to what was there before,
    so a failed run leaves the previous run's outputs as they were.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []

    def add(self, tmp: Path, path: Path) -> None:
        self.staged.append((tmp, path))

    def commit(self) -> None:
        done: list[tuple[Path, Path | None]] = []
        try:
            for tmp, path in self.staged:
                old = None
                try:
                    old = self._keep(path)
                    os.replace(tmp, path)
                except OSError as e:
                    self._rollback(done + ([(path, old)] if old is not None else []))
                    raise cannot_write(path, e) from e
                done.append((path, old))
            for _, old in done:
                if old is not None:
                    with suppress(OSError):
                        old.unlink()
        finally:
            self.abort()

    @staticmethod
    def _keep(path: Path) -> Path | None:
        """A second name for the previous output, so it can be put back."""
        if not path.is_file():
            return None
        old = _tmp_name(path, "old")
        old.unlink(missing_ok=True)
        try:
            os.link(path, old)  # the output stays in place until replaced
        except OSError:  # no hard links here (some network/FAT file systems)
            os.replace(path, old)
        return old

    @staticmethod
    def _rollback(done: list[tuple[Path, Path | None]]) -> None:
        for path, old in reversed(done):
            with suppress(OSError):
                if old is None:
                    path.unlink(missing_ok=True)
                elif path.exists() and os.path.samefile(path, old):
                    old.unlink()  # never replaced
                else:
                    os.replace(old, path)

    def abort(self) -> None:
        """Remove the temporary files not (or no longer) needed."""
        for tmp, _ in self.staged:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)
        self.staged = []


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", outputs: OutputSet | None = None) -> Iterator[IO[Any]]:
    """Open ``path`` for writing under a temporary name; rename on success, remove on error.

    A name ending in ``.gz`` is gzip-compressed. Text mode writes UTF-8 with ``\\n`` lines.
    With ``outputs``, the finished file is staged there and renamed by its ``commit()``.
    An OSError while writing (disk full, permissions) becomes :class:`OutputError`.
    """
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = open(tmp, "wb")
            try:
                stream: IO[Any] = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=3) if path.name.endswith(".gz") else raw
                f = io.TextIOWrapper(stream, encoding="utf-8", newline="") if "b" not in mode else stream
                yield f
                f.flush()
                if stream is not raw:
                    stream.close()
                raw.flush()
                os.fsync(raw.fileno())
            finally:
                raw.close()
            if outputs is None:
                os.replace(tmp, path)
        except OSError as e:
            raise cannot_write(path, e) from e
    except BaseException:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    if outputs is not None:
        outputs.add(tmp, path)


def remove_stale_temporaries(paths: Iterable[Path | None], trees: Iterable[Path | None] = ()) -> None:
    """Remove the temporary files (``.<name>.<pid>.part|old``) of runs that were killed.

    ``paths``: outputs whose folder is looked at; ``trees``: folders looked at recursively.
    Files of processes still alive are left alone.
    """
    def stale(name: str) -> bool:
        head, _, kind = name.rpartition(".")
        pid = head.rpartition(".")[2]
        if not (name.startswith(".") and kind in ("part", "old") and pid.isdigit()):
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:
            pass
        return False

    folders = {p.parent for p in paths if p is not None}
    for tree in trees:
        if tree is not None and tree.is_dir():
            folders.update(Path(d) for d, _, _ in os.walk(tree))
    for folder in folders:
        with suppress(OSError):
            for entry in os.scandir(folder):
                if entry.is_file(follow_symlinks=False) and stale(entry.name):
                    with suppress(OSError):
                        os.unlink(entry.path)


def write_detections(path: str | os.PathLike[str], table, outputs: OutputSet | None = None) -> Path:
    """Write the detections table (``DETECTION_COLUMNS``) as CSV, atomically."""
    with atomic_open(path, outputs=outputs) as f:
        table.reindex(columns=DETECTION_COLUMNS).to_csv(f, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


class WindowsWriter:
    """Appends one recording's windows at a time to ``file,start_s,end_s,prob`` CSV(.gz)."""

    def __init__(self, path: str | os.PathLike[str], outputs: OutputSet | None = None) -> None:
        self.path = Path(path)
        self._ctx = atomic_open(self.path, outputs=outputs)
        self._f = self._ctx.__enter__()
        self._f.write(",".join(WINDOW_COLUMNS) + "\n")

    def add(self, rel: str, start_s: np.ndarray, end_s: np.ndarray, prob: np.ndarray) -> None:
        import pandas as pd

        df = pd.DataFrame({"file": rel, "start_s": start_s, "end_s": end_s, "prob": prob})
        df.to_csv(self._f, header=False, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")

    def close(self, ok: bool = True) -> None:
        if ok:
            self._ctx.__exit__(None, None, None)
        else:
            try:
                self._ctx.__exit__(OutputError, OutputError("run failed"), None)
            except OutputError:
                pass


def _raven_rows(events, nyquist: float) -> "Any":
    import pandas as pd

    n = len(events)
    return pd.DataFrame({
        "Selection": np.arange(1, n + 1),
        "View": ["Spectrogram 1"] * n,
        "Channel": [1] * n,
        "Begin Time (s)": events["start_s"].to_numpy(),
        "End Time (s)": events["end_s"].to_numpy(),
        "Low Freq (Hz)": np.minimum(events["low_freq_hz"].to_numpy(), nyquist),
        "High Freq (Hz)": np.minimum(events["high_freq_hz"].to_numpy(), nyquist),
        "Peak Time (s)": events["peak_s"].to_numpy(),
        "Max Prob": events["max_prob"].to_numpy(),
        "Mean Prob": events["mean_prob"].to_numpy(),
    })


def raven_path(raven_dir: str | os.PathLike[str], rel: str) -> Path:
    """``<raven_dir>/<rel>.selections.txt`` (the recording's extension is kept, so
    ``a.wav`` and ``a.flac`` get different tables)."""
    return Path(raven_dir) / f"{rel}.selections.txt"


def raven_tables(raven_dir: str | os.PathLike[str], rels: Sequence[str]) -> list[Path]:
    """The per-recording tables of ``rels``; raises :class:`ParameterError` when one of them
    would be the combined table (a recording named like it, without extension)."""
    combined = Path(raven_dir) / RAVEN_COMBINED
    paths = [raven_path(raven_dir, rel) for rel in rels]
    for rel, p in zip(rels, paths):
        if p == combined:
            raise ParameterError(f"recording {rel!r} would write its Raven table over {combined}; rename it or scan it without raven=")
    return paths


def write_raven(path: str | os.PathLike[str], events, nyquist: float, outputs: OutputSet | None = None) -> Path:
    """One recording's Raven Pro selection table (tab-separated), High Freq capped at ``nyquist``."""
    with atomic_open(path, outputs=outputs) as f:
        _raven_rows(events, nyquist).to_csv(f, sep="\t", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


def as_written(values) -> np.ndarray:
    """Float values as they read back from a CSV written here (``%.4f``): the combined
    Raven table is computed from these, so merging shards' CSVs gives the same table."""
    return np.array([float(FLOAT_FORMAT % v) for v in np.asarray(values, dtype=np.float64)], dtype=np.float64)


def write_raven_combined(path: str | os.PathLike[str], parts: Sequence[tuple[str, float, float, Any]],
                         outputs: OutputSet | None = None) -> Path:
    """A Raven table over the concatenated recordings, in run order.

    ``parts``: ``(begin_path, duration_s, nyquist, events)`` for every recording scanned,
    with or without events; Begin/End Time count from the start of the first recording,
    ``File Offset (s)`` from the start of each. Event times and bands are taken as the
    detections CSV holds them (:func:`as_written`).
    """
    import pandas as pd

    tables, offset = [], 0.0
    for begin_path, duration, nyquist, events in parts:
        events = events.copy()
        for c in ("start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz"):
            events[c] = as_written(events[c])
        t = _raven_rows(events, nyquist)
        t["Begin Path"] = printable(begin_path)
        t["File Offset (s)"] = t["Begin Time (s)"]
        t["Begin Time (s)"] += offset
        t["End Time (s)"] += offset
        tables.append(t)
        offset += duration
    columns = RAVEN_COLUMNS + RAVEN_EXTRA + ["Begin Path", "File Offset (s)"]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    table["Selection"] = np.arange(1, len(table) + 1)
    with atomic_open(path, outputs=outputs) as f:
        table.to_csv(f, sep="\t", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


def write_manifest(path: str | os.PathLike[str], manifest: dict[str, Any], outputs: OutputSet | None = None) -> Path:
    """The run manifest as indented JSON."""
    with atomic_open(path, outputs=outputs) as f:
        json.dump(manifest, f, indent=2, default=str)
        f.write("\n")
    return Path(path)
