"""When a recording started: from the metadata recorders write, else from the file name.

Sources, in the order they win when they disagree (the recorder's own record first: file
names are often changed by copying and renaming tools, metadata rarely):

1. GUANO ``Timestamp`` (Wildlife Acoustics Song Meter, Pettersson, Titley and others),
   ISO 8601, with its UTC offset when it has one;
2. AudioMoth's WAV comment, ``Recorded at 21:30:00 01/05/2024 (UTC+1) by AudioMoth ...``,
   with its offset;
3. the Broadcast WAV ``bext`` chunk's origination date and time (local time, no zone);
4. a stamp in the file name (:func:`birdscan.tables.start_time_from_name`).

Only WAV files carry 1-3 (the chunks are read from the RIFF header, not the audio).
Times with a zone are returned time-zone aware; the others naive (the recorder's clock).
"""

from __future__ import annotations

import os
import re
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..tables import start_time_from_name

SOURCES = ("guano", "audiomoth", "bext", "name")
_MAX_CHUNK = 1 << 20  # metadata chunks are small; a larger one is not read
_AUDIOMOTH = re.compile(
    r"Recorded at (\d{2}):(\d{2}):(\d{2}) (\d{2})/(\d{2})/(\d{4}) \(UTC(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\)")


def recording_start(path: str | os.PathLike[str]) -> tuple[datetime | None, str | None]:
    """The recording's start and where it came from.

    Parameters
    ----------
    path : str or PathLike, the recording (a file that cannot be read falls back to its name)

    Returns
    -------
    (start, source) : datetime (aware when the source gives a UTC offset, else naive) and one of
    :data:`SOURCES`; ``(None, None)`` when no source says

    Examples
    --------
    >>> recording_start("S4A03895_20190522_001500.flac")
    (datetime.datetime(2019, 5, 22, 0, 15), 'name')
    """
    chunks = _riff_chunks(Path(path))
    for source, read in (("guano", _guano), ("audiomoth", _audiomoth), ("bext", _bext)):
        when = read(chunks)
        if when is not None:
            return when, source
    when = start_time_from_name(path)
    return (when, "name") if when is not None else (None, None)


def _riff_chunks(path: Path) -> dict[str, bytes]:
    """The small chunks of a RIFF/WAVE file (``guan``, ``bext``, ``LIST`` ...) by id; {} if not WAV."""
    chunks: dict[str, bytes] = {}
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return chunks
            while True:
                top = f.read(8)
                if len(top) < 8:
                    break
                cid, size = top[:4].decode("latin-1"), struct.unpack("<I", top[4:])[0]
                if cid in ("guan", "bext", "LIST") and size <= _MAX_CHUNK:
                    chunks[cid] = chunks.get(cid, b"") + f.read(size)
                    f.seek(size & 1, os.SEEK_CUR)
                else:
                    f.seek(size + (size & 1), os.SEEK_CUR)
    except OSError:
        pass
    return chunks


def _guano(chunks: dict[str, bytes]) -> datetime | None:
    text = chunks.get("guan", b"").decode("utf-8", "replace")
    m = re.search(r"^Timestamp:\s*(\S+)\s*$", text, re.MULTILINE)
    if not m:
        return None
    stamp = m.group(1).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _audiomoth(chunks: dict[str, bytes]) -> datetime | None:
    m = _AUDIOMOTH.search(chunks.get("LIST", b"").decode("latin-1"))
    if not m:
        return None
    hh, mi, ss, dd, mo, yyyy, sign, oh, om = m.groups()
    try:
        when = datetime(int(yyyy), int(mo), int(dd), int(hh), int(mi), int(ss))
    except ValueError:
        return None
    offset = timedelta(hours=int(oh or 0), minutes=int(om or 0)) * (-1 if sign == "-" else 1)
    return when.replace(tzinfo=timezone(offset))


def _bext(chunks: dict[str, bytes]) -> datetime | None:
    data = chunks.get("bext", b"")
    if len(data) < 338:
        return None
    date, time = data[320:330].decode("latin-1"), data[330:338].decode("latin-1")
    m = re.fullmatch(r"(\d{4})\D(\d{2})\D(\d{2})", date)
    t = re.fullmatch(r"(\d{2})\D(\d{2})\D(\d{2})", time)
    if not (m and t):
        return None
    try:
        return datetime(*(int(g) for g in m.groups() + t.groups()))
    except ValueError:
        return None
