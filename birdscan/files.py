"""Atomic outputs: every file birdscan writes appears whole or not at all.

A file is written under a temporary name in its final folder, ``.<name>.<pid>.part``, flushed
to disk and renamed when complete. The process id in the name lets a later run tell the
leftovers of a killed process (:func:`remove_stale_temporaries`) from the files of one still
running. Several outputs that belong together are staged in an :class:`OutputSet` and renamed
by one :meth:`OutputSet.commit`, which puts the previous files back if a rename fails. An
OSError while writing (disk full, permissions) becomes :class:`OutputError` naming the file.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import os
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from .errors import OutputError

__all__ = ["OutputSet", "atomic_open", "atomic_path", "cannot_write", "inside", "remove_stale_temporaries", "short_name",
           "temp_name"]

MAX_NAME_BYTES = 200  # a file name cut here, with room for temporary names, fits the usual 255-byte limit


def cannot_write(path: Path, e: OSError) -> OutputError:
    """``OutputError("cannot write <path>: <reason>")`` for an OSError met while writing it.

    Parameters
    ----------
    path : Path, the file being written
    e : OSError, what writing it raised (its ``strerror`` or errno name is the reason)

    Returns
    -------
    OutputError, to raise
    """
    reason = e.strerror or errno.errorcode.get(e.errno or 0) or str(e) or type(e).__name__
    return OutputError(f"cannot write {path}: {reason}")


def short_name(stem: str, suffix: str = "") -> str:
    """``stem + suffix``, shortened when too long for a file name.

    Parameters
    ----------
    stem : str, a file name without ``suffix``
    suffix : str, kept whole (e.g. ``".selections.txt"``)

    Returns
    -------
    str, ``stem + suffix`` when that is at most ``MAX_NAME_BYTES`` bytes (UTF-8), else the stem
    cut and a hash of the whole name added: ``<cut stem>~<10 hex digits><suffix>``, still unique
    """
    whole = (stem + suffix).encode("utf-8", "surrogateescape")
    if len(whole) <= MAX_NAME_BYTES:
        return stem + suffix
    room = max(MAX_NAME_BYTES - len(suffix.encode("utf-8", "surrogateescape")) - 11, 1)
    cut = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    return f"{cut}~{hashlib.sha256(whole).hexdigest()[:10]}{suffix}"


def inside(folder: str | os.PathLike[str], rel: str, suffix: str = "") -> Path:
    """The path of an output named after a recording, inside ``folder``.

    Parameters
    ----------
    folder : str or PathLike, the output folder
    rel : str, the recording's POSIX relative name
    suffix : str, appended to the last part

    Returns
    -------
    Path, ``folder/rel + suffix``, every part shortened when over-long (:func:`short_name`)

    Raises
    ------
    OutputError
        when ``rel`` is not a plain relative name (empty parts, ``.``, ``..``, an absolute name)
        or the path would resolve outside ``folder`` (a symbolic link out of it): an edited
        manifest or an odd name never writes elsewhere
    """
    parts = rel.split("/")
    if not rel or "\0" in rel or any(p in ("", ".", "..") for p in parts):
        raise OutputError(f"refusing to write an output for {rel!r}: not a plain relative name, it could land outside {folder}")
    path = Path(folder).joinpath(*(short_name(p) for p in parts[:-1]), short_name(parts[-1], suffix))
    base = Path(folder).resolve()
    if not path.resolve().is_relative_to(base):
        raise OutputError(f"refusing to write {path}: it resolves to {path.resolve()}, outside {base}")
    return path


class OutputLock:
    """An exclusive lock on a set of outputs, so two processes never write one set at once.

    The lock is ``flock`` on a hidden file next to ``path`` (``.<name>.lock``) holding the
    owner's pid, host and command; the kernel releases it when the process ends, even on
    ``kill -9``. A second process is refused with :class:`OutputError` naming the first.
    The file is removed on release (safely: a process that locked a file since removed
    tries again).

    Parameters
    ----------
    path : str or PathLike, the output the lock guards (the lock file goes next to it)

    Examples
    --------
    >>> with OutputLock("out/detections.csv"):   # doctest: +SKIP
    ...     write_the_outputs()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        path = Path(path)
        self.path = path.with_name(f".{path.name}.lock")
        self.target = path
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        import fcntl
        import socket
        import sys

        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise cannot_write(self.path, e) from e
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                raise OutputError(f"{self.target} is being written by another birdscan run ({holder}); wait for it to "
                                  "finish, or write to another --out") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the file was removed by its last owner after we opened it: try again
        info = f"pid {os.getpid()} on {socket.gethostname()}: {' '.join(sys.argv)[:300]}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode("utf-8", "replace"), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            with suppress(OSError):
                self.path.unlink()
            os.close(self.fd)
            self.fd = None


def temp_name(path: str | os.PathLike[str], kind: str = "part") -> Path:
    """``dir/name`` -> ``dir/.name.<pid>.<kind>``: hidden, next to the output, owned by this process.

    Parameters
    ----------
    path : str or PathLike, the output
    kind : str, ``"part"`` (being written) or ``"old"`` (a previous version kept aside)

    Returns
    -------
    Path
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{kind}")


class OutputSet:
    """Finished outputs under temporary names, renamed to their names together by :meth:`commit`.

    If a rename fails, the outputs renamed so far are put back to what was there before, so a
    failed run leaves the previous run's outputs as they were. As a context manager it commits
    when the block ends normally and removes the temporary files when it raises.

    Examples
    --------
    >>> with OutputSet() as outputs:                                   # doctest: +SKIP
    ...     with atomic_open("a.csv", outputs=outputs) as f: f.write("x\\n")
    ...     with atomic_open("b.json", outputs=outputs) as f: f.write("{}")
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()

    def add(self, tmp: Path, path: Path) -> None:
        """Stage a finished file to be renamed by :meth:`commit`.

        Parameters
        ----------
        tmp : Path, the complete file under its temporary name
        path : Path, its final name
        """
        self.staged.append((tmp, path))

    def commit(self, mark: Path | None = None) -> None:
        """Rename every staged file to its name, in the order staged (put the run's mark last).

        Parameters
        ----------
        mark : Path or None, the file whose presence says the set is complete (a run's manifest).
            Its previous version is moved aside before anything is renamed, so a process killed
            half way through never leaves an old mark beside new files (the set then looks
            incomplete); a failed rename puts it back with the rest

        Raises
        ------
        OutputError
            when a rename fails (the previous outputs are put back, the temporary files removed)
        """
        done: list[tuple[Path, Path | None]] = []
        if mark is not None and Path(mark).is_file():
            try:
                old = self._keep(Path(mark))
                Path(mark).unlink(missing_ok=True)
            except OSError as e:
                self.abort()
                raise cannot_write(Path(mark), e) from e
            done.append((Path(mark), old))
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
        old = temp_name(path, "old")
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
                elif not path.exists() and _link_back(old, path):
                    pass  # a mark moved aside: its second name is linked back
                else:
                    os.replace(old, path)

    def abort(self) -> None:
        """Remove the temporary files not (or no longer) needed."""
        for tmp, _ in self.staged:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)
        self.staged = []


def _link_back(old: Path, path: Path) -> bool:
    try:
        os.link(old, path)
    except OSError:
        return False
    old.unlink()
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | os.PathLike[str], outputs: OutputSet | None = None) -> Iterator[Path]:
    """A temporary path to write ``path`` through (for writers that take a file name).

    The block writes the file at the yielded path; when it ends normally the file is flushed
    to disk and renamed to ``path`` (or, with ``outputs``, staged there for its ``commit()``);
    when it raises, the temporary file is removed. Writers that pick the format from the
    file name (e.g. matplotlib's ``savefig``) must be told the format: the temporary name
    ends in ``.part``.

    Parameters
    ----------
    path : str or PathLike, the file to write; missing parent folders are made
    outputs : OutputSet or None, stage the finished file there instead of renaming it

    Yields
    ------
    Path, the temporary name (``.<name>.<pid>.part`` next to ``path``). An OSError raises
    :class:`OutputError` naming ``path``

    Examples
    --------
    >>> with atomic_path("model.pt") as tmp:          # doctest: +SKIP
    ...     torch.save(state, tmp)
    """
    path = Path(path)
    tmp = temp_name(path)
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            yield tmp
            _fsync(tmp)
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


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", outputs: OutputSet | None = None) -> Iterator[IO[Any]]:
    """Open ``path`` for writing through :func:`atomic_path`.

    A name ending in ``.gz`` is gzip-compressed (level 3, no time stamp, so equal contents
    give equal files). Text mode (``"w"``) writes UTF-8 with ``\\n`` lines; ``"wb"`` is binary.

    Parameters
    ----------
    path : str or path-like, the file to write; missing parent folders are made
    mode : str, ``"w"`` or ``"wb"`` (a mode containing ``"b"`` is binary, any other text)
    outputs : OutputSet or None, stage the finished file there, renamed by ``outputs.commit()``,
        instead of renaming it when the block ends

    Yields
    ------
    file object, text (newlines written as given, not translated) or binary, on the temporary
    file. An OSError while writing raises :class:`OutputError` naming ``path``; when the block
    raises, the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    with atomic_path(path, outputs) as tmp, open(tmp, "wb") as raw:
        gz = path.name.endswith(".gz")
        stream: IO[Any] = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=3) if gz else raw
        f = io.TextIOWrapper(stream, encoding="utf-8", newline="") if "b" not in mode else stream
        yield f
        f.flush()
        if stream is not raw:
            stream.close()


def remove_stale_temporaries(paths: Iterable[Path | None], trees: Iterable[Path | None] = ()) -> None:
    """Remove the temporary files (``.<name>.<pid>.part|old``) of processes that were killed.

    Parameters
    ----------
    paths : outputs whose folders are looked at
    trees : folders looked at recursively

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
