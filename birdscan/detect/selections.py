"""Review tables: Raven Pro selection tables and Audacity label tracks of a run's events.

Raven (tab-separated, one row per event)::

    Selection View Channel Begin Time (s) End Time (s) Low Freq (Hz) High Freq (Hz) Call Type
    Call Freq (Hz) Peak Time (s) Max Prob Mean Prob Begin Path File Offset (s)

Every time column of a table is on one base: a recording's own table counts from the
start of that recording; the combined table (``birdscan_combined.selections.txt``)
counts Begin, End and Peak Time over the recordings concatenated in run order, as Raven
does when it opens them together. ``File Offset (s)`` is the event's begin in its own
recording (BirdNET-Analyzer's name), ``Begin Path`` the recording, so a folder of
per-recording tables opens in Raven like the combined one. ``Channel`` is the channel
scanned (1 for a mono mix), written as an integer.

Audacity (one label track per recording, ``<file>.txt``)::

    1.1500<TAB>1.4500<TAB>thrush 0.973
    \\<TAB>2378.4<TAB>3780.0

The band (Low/High Freq, the Audacity frequency line) is a band of
:data:`BAND_SEMITONES` semitones each side of the event's estimated call frequency
(``freq_hz``) when the model has a frequency head, else the band measured from the
event's spectrogram (``low_freq_hz, high_freq_hz``); either way within the model band
and below the recording's Nyquist frequency. ``Call Type`` is ``thrush`` / ``tseep``, or
empty for a model without a frequency head.

Names are written with control characters (tab, line break) as ``\\t``-style escapes,
so a table stays valid, and parses as the same table, whatever the file names hold.
``Begin Path`` is safe to open in a spreadsheet without breaking Raven's use of it: a
relative path that starts like a formula (``=``, ``+``, ``-``, ``@``) is written as
``./<path>``, the same file, rather than with the leading ``'`` of the CSV outputs
(:func:`birdscan.tables.path_cell`). No other column of a Raven table or an Audacity label
track holds a file name.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ParameterError
from ..files import inside
from ..tables import RAVEN_COLUMNS, RAVEN_EXTRA, path_cell

RAVEN_COMBINED = "birdscan_combined.selections.txt"
RAVEN_TABLE_COLUMNS = RAVEN_COLUMNS + RAVEN_EXTRA
"""Every column of a Raven table birdscan writes (the first seven are Raven's own)."""
BAND_SEMITONES = 4.0
"""Half-width, in semitones, of the band written around an event's estimated call frequency."""
_FLOAT = "%.4f"
_HZ = "%.1f"


def raven_path(raven_dir: str | os.PathLike[str], rel: str) -> Path:
    """A recording's Raven table.

    Parameters
    ----------
    raven_dir : str or path-like, the folder of the Raven tables
    rel : str, the recording's POSIX relative name

    Returns
    -------
    Path, ``<raven_dir>/<rel>.selections.txt`` (the recording's extension is kept, so ``a.wav``
    and ``a.flac`` get different tables); always inside ``raven_dir``, over-long names
    shortened (:func:`birdscan.files.inside`, which raises :class:`OutputError` for odd names)
    """
    return inside(raven_dir, rel, ".selections.txt")


def audacity_path(audacity_dir: str | os.PathLike[str], rel: str) -> Path:
    """A recording's Audacity label track.

    Parameters
    ----------
    audacity_dir : str or path-like, the folder of the label tracks
    rel : str, the recording's POSIX relative name

    Returns
    -------
    Path, ``<audacity_dir>/<rel>.txt``; always inside ``audacity_dir`` (:func:`birdscan.files.inside`)
    """
    return inside(audacity_dir, rel, ".txt")


def raven_tables(raven_dir: str | os.PathLike[str], rels: Sequence[str]) -> list[Path]:
    """The per-recording tables of ``rels``; raises :class:`ParameterError` when one of them
    would be the combined table (a recording named like it, without extension).

    Parameters
    ----------
    raven_dir : str or path-like, the folder of the Raven tables
    rels : sequence of str, the recordings' paths relative to the scanned folder

    Returns
    -------
    list of Path [len(rels)], :func:`raven_path` of each of ``rels``, in order

    Raises
    ------
    ParameterError
        naming the recording whose table would be the combined one,
        ``<raven_dir>/birdscan_combined.selections.txt`` (:data:`RAVEN_COMBINED`)
    """
    combined = Path(raven_dir) / RAVEN_COMBINED
    paths = [raven_path(raven_dir, rel) for rel in rels]
    for rel, p in zip(rels, paths):
        if p == combined:
            raise ParameterError(f"recording {rel!r} would write its Raven table over {combined}; rename it or scan it without raven=")
    return paths


def escape_name(name: str) -> str:
    """``name`` with control characters as escapes (``"a\\tb"`` -> ``"a\\\\tb"``) and bytes that are
    not UTF-8 as ``\\xNN``: one line, one field, in any tab-separated table.

    Parameters
    ----------
    name : str, a file name or path (undecodable bytes as surrogates)

    Returns
    -------
    str, printable on one line, without tabs
    """
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if not any(ord(c) < 32 or ord(c) == 127 for c in text):
        return text
    return "".join(repr(c)[1:-1] if ord(c) < 32 or ord(c) == 127 else c for c in text)


def event_bands(events: Any, nyquist: float, band: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Low and high frequency (Hz) of each event for a review table.

    Parameters
    ----------
    events : DataFrame with ``low_freq_hz, high_freq_hz`` and optionally ``freq_hz``
        (estimated call frequency, NaN when unknown)
    nyquist : float > 0, Hz, half the recording's sample rate
    band : (fmin, fmax), Hz, the model band

    Returns
    -------
    (low, high) : np.ndarray [shape=(n,)] each: ``freq_hz`` times ``2**(-+BAND_SEMITONES/12)``
    where ``freq_hz`` is known, else the measured band; all within ``[fmin, min(fmax, nyquist)]``.

    >>> import pandas as pd
    >>> event_bands(pd.DataFrame({"low_freq_hz": [1000.], "high_freq_hz": [9000.], "freq_hz": [3000.]}), 12000, (1000, 11000))[0].round()
    array([2381.])
    """
    n = len(events)
    lo_cap = min(band[0], nyquist)
    hi_cap = min(band[1], nyquist)
    low = _floats(events, "low_freq_hz", n)
    high = _floats(events, "high_freq_hz", n)
    freq = _floats(events, "freq_hz", n)
    known = np.isfinite(freq) & (freq > 0)
    width = 2.0 ** (BAND_SEMITONES / 12)
    low = np.where(known, freq / width, low)
    high = np.where(known, freq * width, high)
    low = np.clip(low, lo_cap, hi_cap)
    high = np.clip(high, low, hi_cap)
    return low, high


def raven_rows(events: Any, *, nyquist: float, band: tuple[float, float], channel: int = 1,
               begin_path: str = "", offset: float = 0.0, first: int = 1) -> list[list[Any]]:
    """One recording's rows of a Raven table (:data:`RAVEN_TABLE_COLUMNS`), times plus ``offset``.

    Parameters
    ----------
    events : DataFrame ``start_s, end_s, peak_s, max_prob, mean_prob, low_freq_hz,
        high_freq_hz`` [, ``freq_hz, call_type``], seconds from the recording start
    nyquist, band : see :func:`event_bands`
    channel : int >= 1, the channel scanned (1 for a mono mix)
    begin_path : the recording's path
    offset : float >= 0, seconds added to Begin, End and Peak Time (the recording's start in
        a combined table)
    first : number of the first selection

    Returns
    -------
    list of rows, one per event in order, each a list of cell values in the order of
    :data:`RAVEN_TABLE_COLUMNS` (frequencies as ``_Hz``, written with one decimal)
    """
    low, high = event_bands(events, nyquist, band)
    n = len(events)
    start, end, peak = (_floats(events, c, n) for c in ("start_s", "end_s", "peak_s"))
    max_p, mean_p, freq = (_floats(events, c, n) for c in ("max_prob", "mean_prob", "freq_hz"))
    kind = _strings(events, "call_type", n)
    path = escape_name(path_cell(begin_path))
    return [
        [first + i, "Spectrogram 1", int(channel), start[i] + offset, end[i] + offset, _Hz(low[i]), _Hz(high[i]),
         kind[i], _Hz(freq[i]), peak[i] + offset, max_p[i], mean_p[i], path, start[i]]
        for i in range(n)
    ]


def write_raven(path: str | os.PathLike[str], events: Any, *, nyquist: float, band: tuple[float, float],
                channel: int = 1, begin_path: str = "", outputs=None) -> Path:
    """One recording's Raven Pro selection table, times from the recording's start.

    A header of :data:`RAVEN_TABLE_COLUMNS`, then one row per event (:func:`raven_rows`,
    selections numbered from 1): tab-separated, times and probabilities with 4 decimals,
    frequencies with 1; written atomically (:func:`birdscan.files.atomic_open`).

    Parameters
    ----------
    path : str or path-like, the table to write (``<rel>.selections.txt``, :func:`raven_path`)
    events : pandas.DataFrame, the recording's events, as for :func:`raven_rows`
    nyquist : float > 0, Hz, half the recording's sample rate
    band : (fmin, fmax), Hz, the model band (:func:`event_bands`)
    channel : int >= 1, the channel scanned (1 for a mono mix)
    begin_path : str, the recording's path, for the ``Begin Path`` column
    outputs : OutputSet or None, stage the file there for the run's joint rename instead of
        renaming it at once

    Returns
    -------
    Path, ``path``
    """
    rows = raven_rows(events, nyquist=nyquist, band=band, channel=channel, begin_path=begin_path)
    return _write_tsv(path, RAVEN_TABLE_COLUMNS, rows, outputs)


def write_raven_combined(path: str | os.PathLike[str], parts: Sequence[tuple[str, float, float, Any]], *,
                         band: tuple[float, float], channel: int = 1, outputs=None) -> Path:
    """A Raven table over the concatenated recordings, in run order.

    ``parts``: ``(begin_path, duration_s, nyquist, events)`` for every recording scanned,
    with or without events; Begin, End and Peak Time count from the start of the first
    recording, ``File Offset (s)`` from the start of each. Event times and bands are taken
    as the detections CSV holds them (:func:`as_written`), so merged shards give the same table.

    Parameters
    ----------
    path : str or path-like, the table to write (``<raven_dir>/`` :data:`RAVEN_COMBINED`)
    parts : sequence of ``(begin_path, duration_s, nyquist, events)``: str, float seconds (None
        counts as 0), float Hz and the events DataFrame (as for :func:`raven_rows`)
    band : (fmin, fmax), Hz, the model band
    channel : int >= 1, the channel scanned (1 for a mono mix)
    outputs : OutputSet or None, stage the file there for the run's joint rename instead of
        renaming it at once

    Returns
    -------
    Path, ``path``
    """
    rows: list[list[Any]] = []
    offset = 0.0
    for begin_path, duration, nyquist, events in parts:
        rows += raven_rows(_as_written_events(events), nyquist=nyquist, band=band, channel=channel,
                           begin_path=begin_path, offset=offset, first=len(rows) + 1)
        offset += float(duration or 0.0)
    return _write_tsv(path, RAVEN_TABLE_COLUMNS, rows, outputs)


def write_audacity(path: str | os.PathLike[str], events: Any, *, nyquist: float, band: tuple[float, float],
                   outputs=None) -> Path:
    """One recording's Audacity label track: ``start, end, "<call type> <max prob>"`` and the
    frequency line ``\\, low, high`` under each label (Audacity's spectral selection).

    No header; times in seconds from the recording's start with 4 decimals, the maximum
    probability with 3, the band (:func:`event_bands`) in Hz with 1; an event without a call
    type is labelled ``call``. Written atomically (:func:`birdscan.files.atomic_open`).

    Parameters
    ----------
    path : str or path-like, the label track to write (``<rel>.txt``, :func:`audacity_path`)
    events : pandas.DataFrame ``start_s, end_s, max_prob`` [, ``call_type``] and the band columns
        :func:`event_bands` reads, seconds from the recording start
    nyquist : float > 0, Hz, half the recording's sample rate
    band : (fmin, fmax), Hz, the model band
    outputs : OutputSet or None, stage the file there for the run's joint rename instead of
        renaming it at once

    Returns
    -------
    Path, ``path``
    """
    low, high = event_bands(events, nyquist, band)
    n = len(events)
    start, end, max_p = (_floats(events, c, n) for c in ("start_s", "end_s", "max_prob"))
    kind = _strings(events, "call_type", n)
    rows: list[list[Any]] = []
    for i in range(n):
        rows.append([start[i], end[i], f"{kind[i] or 'call'} {max_p[i]:.3f}"])
        rows.append(["\\", _Hz(low[i]), _Hz(high[i])])
    return _write_tsv(path, None, rows, outputs)


def as_written(values) -> np.ndarray:
    """Float values as they read back from a CSV written here (``%.4f``): the combined
    Raven table is computed from these, so merging shards' CSVs gives the same table.

    Parameters
    ----------
    values : array-like of float

    Returns
    -------
    np.ndarray [shape=(n,), float64], each value rounded to 4 decimals through its text

    Examples
    --------
    >>> as_written([0.12346, 2.0]).tolist()
    [0.1235, 2.0]
    """
    return np.array([float(_FLOAT % v) for v in np.asarray(values, dtype=np.float64)], dtype=np.float64)


class _Hz(float):
    """A frequency: written with one decimal."""


def _as_written_events(events: Any) -> Any:
    events = events.copy()
    for c in ("start_s", "end_s", "peak_s", "max_prob", "mean_prob", "low_freq_hz", "high_freq_hz", "freq_hz"):
        if c in events.columns:
            events[c] = as_written(events[c])
    return events


def _floats(events: Any, column: str, n: int) -> np.ndarray:
    if column not in getattr(events, "columns", ()):
        return np.full(n, np.nan)
    import pandas as pd

    return pd.to_numeric(events[column], errors="coerce").to_numpy(dtype=np.float64)


def _strings(events: Any, column: str, n: int) -> list[str]:
    if column not in getattr(events, "columns", ()):
        return [""] * n
    return ["" if not isinstance(v, str) else v.strip() for v in events[column].tolist()]


def _cell(v: Any) -> str:
    if isinstance(v, _Hz):
        return "" if not math.isfinite(v) else _HZ % v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return "" if not math.isfinite(v) else _FLOAT % v
    return str(v)


def _write_tsv(path, header: list[str] | None, rows: list[list[Any]], outputs) -> Path:
    from ..files import atomic_open

    with atomic_open(path, outputs=outputs) as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, quotechar=None)
        if header is not None:
            w.writerow(header)
        w.writerows([_cell(v) for v in row] for row in rows)
    return Path(path)
