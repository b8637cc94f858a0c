"""Outputs: detections CSV, windows CSV(.gz), the run manifest (review tables: :mod:`.selections`).

Every file is written atomically through :mod:`birdscan.files`; a run stages all its
outputs in one :class:`~birdscan.files.OutputSet` and renames them together at the end.

Outputs are safe to open anywhere:

- every output named after a recording resolves inside its output folder
  (:func:`birdscan.files.inside`); a name that would leave it is refused, and a file name
  too long for the file system is cut and given a hash of the whole;
- the ``file`` cells of the CSV outputs are neutralised against spreadsheet formula
  injection as OWASP recommends (:func:`birdscan.tables.csv_cell`); run.json keeps the
  exact names.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import OutputError, ParameterError
from ..files import OutputSet, atomic_open, cannot_write
from ..tables import DETECTION_COLUMNS, WINDOW_COLUMNS, WINDOW_FREQ_COLUMN, csv_cell

FLOAT_FORMAT = "%.4f"
ROWS_PER_WRITE = 10_000  # windows formatted and written at a time


def check_targets(paths: Sequence[Path | None], overwrite: bool) -> None:
    """Fail before any work when an output exists (and ``overwrite`` is off) or cannot be made.

    Only checks; creates nothing. A path without a suffix that does not exist yet is taken as
    a folder to be made, any other path as a file in its parent folder.

    Parameters
    ----------
    paths : sequence of Path or None, the outputs the run would write; None (an output not
        asked for) is skipped
    overwrite : bool, existing files may be replaced

    Raises
    ------
    OutputError
        when ``overwrite`` is false and a path exists as something other than a folder
        (``"<path> exists; pass overwrite=True (--overwrite) to replace it"``), or when the
        folder a path would go in exists as something else
        (``"cannot write <path>: <parent> is not a folder"``)
    """
    for p in paths:
        if p is None:
            continue
        if p.exists() and not overwrite and not p.is_dir():
            raise OutputError(f"{p} exists; pass overwrite=True (--overwrite) to replace it")
        parent = p if p.suffix == "" and not p.exists() else p.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"cannot write {p}: {parent} is not a folder")


def check_windows_path(path: Path | None) -> None:
    """Refuse a windows table name that does not end in ``.csv`` or ``.csv.gz``.

    Parameters
    ----------
    path : Path or None, the windows table (None passes)

    Raises
    ------
    ParameterError
        naming ``path``
    """
    if path is not None and not (path.name.endswith(".csv") or path.name.endswith(".csv.gz")):
        raise ParameterError(f"windows={str(path)!r} must end in .csv or .csv.gz")


def write_detections(path: str | os.PathLike[str], table, outputs: OutputSet | None = None) -> Path:
    """Write the detections table (``DETECTION_COLUMNS``) as CSV, atomically.

    Parameters
    ----------
    path : str or path-like, the CSV to write
    table : pandas.DataFrame, one row per event with a ``file`` column; reindexed to
        ``DETECTION_COLUMNS`` (missing columns written empty, others dropped) and its ``file``
        cells neutralised (:func:`birdscan.tables.csv_cell`) in a copy, ``table`` is not changed.
        Floats are written with 4 decimals (``FLOAT_FORMAT``), lines end in ``\\n``.
    outputs : OutputSet or None, stage the file there for the run's joint rename instead of
        renaming it at once

    Returns
    -------
    Path, ``path``
    """
    table = table.reindex(columns=DETECTION_COLUMNS)
    table["file"] = table["file"].map(csv_cell)
    with atomic_open(path, outputs=outputs) as f:
        table.to_csv(f, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return Path(path)


def csv_rows(cell: str, columns: Sequence[np.ndarray]) -> str:
    """CSV rows ``cell,v1,v2,...``, one per value of the columns: the bytes of pandas'
    ``to_csv(header=False, index=False, float_format=FLOAT_FORMAT, lineterminator="\\n")``, two
    to three times faster (an hour's 72,000 rows: 0.20 s against 0.41-0.60 s).

    Parameters
    ----------
    cell : str, the first cell of every row, quoted as the csv module quotes it (as pandas does)
    columns : sequence of np.ndarray [shape=(n,)], numbers; each written with ``FLOAT_FORMAT``
        from its exact float64 value, NaN as an empty cell

    Returns
    -------
    str, n lines, each ending in ``\\n``
    """
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([cell, ""])
    first = buf.getvalue()[:-2]  # the quoted cell, without the empty cell's comma and the line end
    cells = []
    for values in columns:
        x = np.asarray(values, dtype=np.float64)
        text = [FLOAT_FORMAT % v for v in x.tolist()]
        for i in np.flatnonzero(np.isnan(x)).tolist():
            text[i] = ""
        cells.append(text)
    return "".join(first + "," + ",".join(row) + "\n" for row in zip(*cells))


class WindowsWriter:
    """Appends one recording's windows at a time to ``file,start_s,end_s,prob`` CSV(.gz).

    The header is written at once, to a temporary file (:func:`birdscan.files.atomic_open`);
    :meth:`close` completes or drops it.

    Parameters
    ----------
    path : str or path-like, the table (``.csv``, or ``.csv.gz`` for gzip)
    outputs : OutputSet or None, stage the finished table there instead of renaming it on close
    freq : bool, add the column ``freq_hz``, each window's frequency estimate (Hz)
    """

    def __init__(self, path: str | os.PathLike[str], outputs: OutputSet | None = None, freq: bool = False) -> None:
        self.path = Path(path)
        self.freq = freq
        self._ctx = atomic_open(self.path, outputs=outputs)
        self._f = self._ctx.__enter__()
        self._write(lambda f: f.write(",".join(WINDOW_COLUMNS + ([WINDOW_FREQ_COLUMN] if self.freq else [])) + "\n"))

    def add(self, rel: str, start_s: np.ndarray, end_s: np.ndarray, prob: np.ndarray,
            freq_hz: np.ndarray | None = None) -> None:
        """Append one recording's windows.

        Parameters
        ----------
        rel : str, the recording's name (the ``file`` column, neutralised by :func:`birdscan.tables.csv_cell`)
        start_s, end_s : np.ndarray [shape=(n,)], seconds, each window's start and end
        prob : np.ndarray [shape=(n,)], each window's probability
        freq_hz : np.ndarray [shape=(n,)] or None, the frequency head's estimate per window (Hz,
            rounded to one decimal, written when the table was opened with ``freq=True``; empty without a head)

        Raises
        ------
        OutputError
            ``cannot write <path>: <reason>`` for an OSError (disk full, ``ulimit -f``), like every other output
        """
        columns = [start_s, end_s, prob]
        if self.freq:
            columns.append(np.round(freq_hz, 1) if freq_hz is not None else np.full(len(prob), np.nan))
        cell = csv_cell(rel)
        for a in range(0, len(prob), ROWS_PER_WRITE):  # a ten-hour recording's 720,000 rows in pieces: flat memory
            text = csv_rows(cell, [c[a:a + ROWS_PER_WRITE] for c in columns])
            self._write(lambda f: f.write(text))

    def _write(self, write) -> None:
        try:
            write(self._f)
        except OSError as e:
            raise cannot_write(self.path, e) from e

    def close(self, ok: bool = True) -> None:
        """Finish the table.

        Parameters
        ----------
        ok : bool, True: complete it (renamed, or staged in ``outputs``); False: drop the temporary file
        """
        if ok:
            self._ctx.__exit__(None, None, None)
        else:
            try:
                self._ctx.__exit__(OutputError, OutputError("run failed"), None)
            except OutputError:
                pass


def write_manifest(path: str | os.PathLike[str], manifest: dict[str, Any], outputs: OutputSet | None = None) -> Path:
    """The run manifest as indented JSON.

    Parameters
    ----------
    path : str or path-like, the file to write (``run.json``, :func:`birdscan.tables.manifest_path`)
    manifest : dict, from :func:`birdscan.tables.run_manifest`; written with a 2-space indent and a
        final line break, values JSON cannot hold as ``str(value)``
    outputs : OutputSet or None, stage the file there for the run's joint rename instead of
        renaming it at once

    Returns
    -------
    Path, ``path``
    """
    with atomic_open(path, outputs=outputs) as f:
        json.dump(manifest, f, indent=2, default=str)
        f.write("\n")
    return Path(path)
