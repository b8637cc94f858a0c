"""Spans of call-free recordings that are not noise after all (``--not-noise``).

Recordings of insects, frogs and rain often hold a bird: a distant call under a cricket, a
songbird chipping through a storm. Cut into negative windows, such a span teaches a model
that a real call is noise, the opposite of what it needs. A listener who finds one lists it
in a CSV, one row per span::

    file,start_s,end_s,what
    night-noise-blanket/storm.ogg,7.4,8.0,high chips (tseep-like) at 7.5-8 kHz

``file`` is ``<folder name>/<path in it>``, the names checkpoints use for the ``--negatives``
recordings; ``what`` is optional. :class:`~birdscan.realsounds.noise.NoiseBank` never cuts a
window that overlaps a span, and ``benchmarks/quality.py`` counts an event inside one as a bird
found, not a false alarm.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..errors import ParameterError

Spans = Mapping[Path, Sequence[tuple[float, float]]]  # absolute recording path -> (start_s, end_s), sorted


def read_spans(path: str | Path, folders: Iterable[str | Path]) -> dict[Path, list[tuple[float, float]]]:
    """The spans of a ``--not-noise`` CSV that fall in ``folders``.

    Parameters
    ----------
    path : CSV with columns ``file,start_s,end_s`` (more columns are kept for the reader only)
    folders : the ``--negatives`` folders (their names must differ); rows naming another
        folder are skipped (one list can serve runs that use a few of its folders), but a list
        that names none of them is refused

    Returns
    -------
    dict of absolute recording path to its spans ``(start_s, end_s)``, sorted by start

    Raises
    ------
    ParameterError
        naming the CSV and the line: a missing column, a number that is not one, an end not
        after its start, or a file missing from a folder it names; or a list that names none
        of ``folders``, or two folders of one name

    Example
    -------
    >>> read_spans("models/not_noise.csv", ["noise/night-noise-blanket"])   # doctest: +SKIP
    {PosixPath('/data/noise/night-noise-blanket/storm.ogg'): [(7.3, 8.1), (14.3, 16.7), ...]}
    """
    import pandas as pd

    path = Path(path)
    where = f"--not-noise {path}"
    try:  # blank lines kept, so that line numbers are the file's
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (OSError, ValueError) as e:
        raise ParameterError(f"{where}: cannot read it as CSV ({e})") from e
    missing = [c for c in ("file", "start_s", "end_s") if c not in table.columns]
    if missing:
        raise ParameterError(f"{where}: no column {missing}; the header must start file,start_s,end_s")
    roots: dict[str, Path] = {}
    for f in folders:
        root = Path(f).resolve()
        if roots.setdefault(root.name, root) != root:
            raise ParameterError(f"{where}: the negatives folders {roots[root.name]} and {root} share the name "
                                 f"{root.name!r}, which its rows cannot tell apart; rename one")
    out: dict[Path, list[tuple[float, float]]] = {}
    named = set()
    for line, row in enumerate(table.itertuples(index=False), start=2):
        if not row.file.strip():
            continue
        folder, _, rel = row.file.partition("/")
        named.add(folder)
        if folder not in roots:
            continue
        try:
            start, end = float(row.start_s), float(row.end_s)
        except ValueError:
            raise ParameterError(f"{where}, line {line}: start_s={row.start_s!r}, end_s={row.end_s!r} must be "
                                 "seconds") from None
        if not (np.isfinite([start, end]).all() and 0.0 <= start < end):
            raise ParameterError(f"{where}, line {line}: needs 0 <= start_s < end_s, got {start:g} and {end:g}")
        rec = (roots[folder] / rel).resolve()  # the key NoiseBank looks a recording up by
        if not rel or not rec.is_file():
            raise ParameterError(f"{where}, line {line}: {row.file!r} is not a recording in {roots[folder]}; "
                                 "name it <folder name>/<path in the folder>")
        out.setdefault(rec, []).append((start, end))
    if named and not named & set(roots):
        raise ParameterError(f"{where} names the folders {sorted(named)}, none of the negatives folders "
                             f"{sorted(roots)}; name rows <folder name>/<path in it>")
    return {rec: sorted(s) for rec, s in out.items()}


def needs_negatives(not_noise: str | Path) -> str:
    """The message refusing a ``not_noise`` list given without ``negatives`` folders.

    Parameters
    ----------
    not_noise : the CSV given

    Returns
    -------
    str, naming it and the fix
    """
    return (f"not_noise={str(not_noise)!r} lists spans of negatives recordings; give the negatives folders too "
            "(--negatives)")


def spans_of(not_noise: str | Path | None, negatives: Sequence[str | Path]) -> dict[Path, list[tuple[float, float]]]:
    """The ``not_noise`` option read for the ``negatives`` folders.

    Parameters
    ----------
    not_noise : CSV of spans (:func:`read_spans`), or None
    negatives : the noise folders it lists spans of

    Returns
    -------
    dict of absolute recording path to its spans, as :func:`read_spans`; {} when ``not_noise``
    is None. A :class:`ParameterError` (:func:`needs_negatives`) when there are no folders.
    """
    if not_noise is None:
        return {}
    if not negatives:
        raise ParameterError(needs_negatives(not_noise))
    return read_spans(not_noise, negatives)


def pieces(size: int, sr: int, spans: Sequence[tuple[float, float]], offset: int = 0) -> list[tuple[int, int]]:
    """The ``[start, stop)`` sample ranges of an array left when ``spans`` are taken out.

    Parameters
    ----------
    size : int, samples in the array
    sr : int, Hz
    spans : (start_s, end_s) in seconds of the whole recording
    offset : int, the sample of the whole recording where the array starts (a part of it)

    Returns
    -------
    list of (start, stop) sample indices into the array, in order, none empty

    Example
    -------
    >>> pieces(100, 10, [(2.0, 3.0)])
    [(0, 20), (30, 100)]
    """
    out, at = [], 0
    for start_s, end_s in sorted(spans):
        a = min(max(int(np.floor(start_s * sr)) - offset, 0), size)
        b = min(max(int(np.ceil(end_s * sr)) - offset, 0), size)
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < size:
        out.append((at, size))
    return out
