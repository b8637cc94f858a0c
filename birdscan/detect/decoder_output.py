"""What C decoders print on stderr, kept out of the terminal and given to the file it is about.

:mod:`birdscan.detect.audiofile` runs the libsndfile calls (its own and those of
:mod:`birdscan.detect.audio`) through :data:`DECODER`; nothing else in birdscan touches file
descriptor 2.
"""

from __future__ import annotations

import atexit
import io
import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, TextIO


class DecoderOutput:
    """The one place birdscan touches file descriptor 2, where C decoders write.

    libmpg123 (inside libsndfile) prints notes on a damaged MP3 ("Illegal Audio-MPEG-Header",
    "Giving up resync") straight to fd 2, naming no file, and libsndfile probes every file it
    cannot place with it. Around such a decoder call (:meth:`call`) fd 2 points to a temporary
    file; Python's ``sys.stderr``, when it wrote to fd 2, writes to the real stderr meanwhile, so
    birdscan's messages and progress still reach the terminal from any thread. Calls run one
    at a time, so what reaches the file during a call is that call's (given to the caller, who
    names the file). Thread-safe; with no fd 2 to protect it does nothing.

    Only opens and the reads of :data:`CHATTY` formats are guarded, so other formats still
    decode in parallel threads; fd 2 is the real stderr again between calls, so a crash
    report from C code is not lost.
    """

    def __init__(self) -> None:
        self._calls = threading.Lock()  # one guarded decoder call at a time
        self._saved: int | None = None  # the real stderr (a copy of fd 2) while redirected
        self._sink: IO[bytes] | None = None
        self._python: TextIO | None = None  # sys.stderr as it was, while replaced
        # Python's stand-in stderr on a copy of the real one. Not closed after a call: a thread
        # that took it during a call may write to it afterwards, and it still reaches the real
        # stderr. Both files close when the interpreter exits (close()).
        self._stand_in: TextIO | None = None
        atexit.register(self.close)

    def close(self) -> None:
        """Close the temporary file and the stand-in stderr, unless a call is running (then the
        process is ending mid-call, and they are left to the operating system)."""
        if not self._calls.acquire(blocking=False):
            return
        try:
            for f in (self._sink, self._stand_in):
                if f is not None and f is not sys.stderr:
                    f.close()
            self._sink = self._stand_in = None
        finally:
            self._calls.release()

    @contextmanager
    def call(self, said: list[str] | None = None) -> Iterator[None]:
        """Run the ``with`` body with fd 2 captured (one call at a time).

        Parameters
        ----------
        said : list of str or None; what was written to fd 2 during the call is appended to it
            (nothing when nothing was written). None discards it

        Yields
        ------
        None, once: the body runs with fd 2 redirected (unredirected when there is no fd 2)
        """
        with self._calls:
            if not self._redirect():
                yield
                return
            try:
                yield
            finally:
                text = self._restore()
                if said is not None and text:
                    said.append(text)

    def _redirect(self) -> bool:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr to protect
            return False
        if self._sink is None:
            self._sink = tempfile.TemporaryFile()
        _flush(sys.stderr)
        os.dup2(self._sink.fileno(), 2)
        self._saved = saved
        if _fileno(sys.stderr) == 2:
            self._python, sys.stderr = sys.stderr, self._stand_in_for(saved, sys.stderr)
        return True

    def _stand_in_for(self, real: int, python: TextIO) -> TextIO:
        """A text stream on the real stderr ``real``, made once per destination."""
        if self._stand_in is None or not os.path.samestat(os.fstat(self._stand_in.fileno()), os.fstat(real)):
            self._stand_in = io.TextIOWrapper(io.FileIO(os.dup(real), "w"), encoding=getattr(python, "encoding", None),
                                              errors=getattr(python, "errors", None), line_buffering=True,
                                              write_through=True)
        return self._stand_in

    def _restore(self) -> str:
        assert self._sink is not None and self._saved is not None
        if self._python is not None:
            if sys.stderr is self._stand_in:  # (unless someone replaced it meanwhile)
                sys.stderr = self._python
            self._python = None
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._saved = None
        self._sink.seek(0)  # (the decoder wrote through fd 2, past this file object's buffer)
        data = self._sink.read()
        self._sink.seek(0)
        self._sink.truncate(0)
        return data.decode("utf-8", "replace")


def _fileno(stream: object) -> int | None:
    try:
        return stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None


def _flush(stream: object) -> None:
    try:
        stream.flush()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        pass


DECODER = DecoderOutput()
CHATTY = ("MP3",)  # formats (soundfile names) whose decoder may print while reading, not only opening
_SAID_LINES = 6  # decoder lines kept in a recording's warning


def decoder_note(path: Path, said: list[str]) -> str | None:
    """What the decoder printed while reading ``path``, as one warning naming the file.

    Each line loses its source-location prefix (``[src/libmpg123/parse.c:wetwork():1349] ``);
    blank and repeated lines are dropped, the first ``_SAID_LINES`` (6) kept, in order.

    Parameters
    ----------
    path : Path, the recording (only used in the message)
    said : list of str, what reached fd 2 during the decoder calls (:meth:`DecoderOutput.call`)

    Returns
    -------
    str ``"<path>: the decoder said: <line> / <line> ..."``, ending ``" (and N more)"`` when
    more than 6 distinct lines were printed; None when it printed only blank lines or nothing
    """
    lines: list[str] = []
    for line in "".join(said).splitlines():
        line = re.sub(r"^\[[^\]]*\]\s*", "", line.strip())  # "[src/libmpg123/parse.c:wetwork():1349] "
        if line and line not in lines:
            lines.append(line)
    if not lines:
        return None
    more = f" (and {len(lines) - _SAID_LINES} more)" if len(lines) > _SAID_LINES else ""
    return f"{path}: the decoder said: " + " / ".join(lines[:_SAID_LINES]) + more
