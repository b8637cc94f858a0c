"""The journal of finished recordings that lets an interrupted run resume.

A run that writes ``out/detections.csv`` keeps ``out/.detections.csv.journal/``: one
``<key hash>.npz`` per finished recording, written under a temporary name and renamed,
so an entry that exists is whole whenever the run is killed. An entry holds the
recording's window probabilities (float32), its events and its manifest fields, and is
found by a key made of

- the recording: its path as given, its name in the outputs, size and modification time;
- the run: the model's sha256, the birdscan version, the device type and the options
  that change results (hop, event rule, channel).

A resumed run takes the entries that match and scans the rest; an entry whose
recording or options changed simply does not match. The final outputs are assembled
from all recordings in discovery order either way, so a resumed run writes the same
files as one that was never interrupted. The journal is removed once the outputs are in
place, and cleared at the start of a run that does not resume.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OutputError
from ..files import atomic_path, cannot_write

FORMAT = 1
_HEADER = "journal.json"


def journal_dir(out: str | os.PathLike[str]) -> Path:
    """``out/detections.csv`` -> ``out/.detections.csv.journal``.

    Parameters
    ----------
    out : str or PathLike, the run's detections CSV

    Returns
    -------
    Path, the journal folder next to it (hidden)
    """
    out = Path(out)
    return out.with_name(f".{out.name}.journal")


class Journal:
    """Finished recordings of one run's outputs.

    Parameters
    ----------
    folder : the journal folder (:func:`journal_dir` of the detections CSV)
    run_key : dict of plain types, everything about the run that changes results
    resume : keep the entries of an earlier, interrupted run (else they are cleared)
    """

    def __init__(self, folder: Path, run_key: dict[str, Any], resume: bool) -> None:
        self.folder, self.run_key = Path(folder), run_key
        header = {"format": FORMAT}
        try:
            if self.folder.is_dir() and (not resume or self._header() != header):
                shutil.rmtree(self.folder)
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / _HEADER).write_text(json.dumps(header))
        except OSError as e:
            raise cannot_write(self.folder, e) from e

    def _header(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.folder / _HEADER).read_text())
        except (OSError, ValueError):
            return None

    def key(self, path: Path, rel: str) -> dict[str, Any] | None:
        """The entry key of a recording.

        Parameters
        ----------
        path : Path, the recording as given
        rel : str, its name in the outputs

        Returns
        -------
        dict of plain types (the run key, ``path``, ``rel``, ``size`` in bytes, ``mtime_ns``), or
        None when the file cannot be stat'ed (it is never journaled)
        """
        try:
            st = os.stat(path)
        except OSError:
            return None
        return {"run": self.run_key, "path": str(path), "rel": rel, "size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def _entry(self, key: dict[str, Any]) -> Path:
        text = json.dumps(key, sort_keys=True)  # ASCII: undecodable names are \udcXX escapes
        return self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:40]}.npz"

    def load(self, key: dict[str, Any] | None) -> tuple[dict[str, Any], np.ndarray, Any] | None:
        """A finished recording's entry.

        Parameters
        ----------
        key : dict or None, from :meth:`key`

        Returns
        -------
        (record, probs, events) : the :meth:`birdscan.detect.results.FileResult.record` dict,
        float32 ``np.ndarray [shape=(n_windows,) or (n_windows, 2)]`` as saved and the events
        DataFrame; None when ``key`` is None or the entry is missing, unreadable or of another key
        """
        import pandas as pd

        if key is None:
            return None
        try:
            with np.load(self._entry(key), allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                if meta["key"] != json.loads(json.dumps(key)):
                    return None
                events = pd.DataFrame({c: z[f"event{i}"] for i, c in enumerate(meta["columns"])})
                return meta["record"], z["probs"], events
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None

    def save(self, key: dict[str, Any] | None, record: dict[str, Any], probs: np.ndarray, events: Any) -> None:
        """Journal a finished recording (atomically); nothing when ``key`` is None.

        Parameters
        ----------
        key : dict or None, from :meth:`key`
        record : dict of plain JSON types, :meth:`birdscan.detect.results.FileResult.record`
        probs : np.ndarray [shape=(n_windows,) or (n_windows, 2)], window probabilities (and
            frequencies in Hz); stored as float32
        events : pandas.DataFrame, the recording's events

        Raises
        ------
        OutputError
            when the entry cannot be written
        """
        if key is None:
            return
        meta = {"key": key, "record": record, "columns": [str(c) for c in events.columns]}
        # text columns (call_type) as fixed-width unicode: the journal never needs pickles
        arrays = {f"event{i}": _plain_array(events[c].to_numpy()) for i, c in enumerate(events.columns)}
        with atomic_path(self._entry(key)) as tmp, open(tmp, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), probs=np.asarray(probs, np.float32), **arrays)

    def remove(self) -> None:
        """Delete the journal (the outputs are complete)."""
        try:
            shutil.rmtree(self.folder)
        except FileNotFoundError:
            pass
        except OSError as e:
            raise OutputError(f"outputs written, but the journal {self.folder} could not be removed ({e.strerror}); delete it") from e


def _plain_array(a: np.ndarray) -> np.ndarray:
    """Text columns (``call_type``) as fixed-width unicode: the journal never holds pickles."""
    return a.astype(str) if a.dtype == object else a
