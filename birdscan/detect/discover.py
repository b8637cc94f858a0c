"""Inputs (files and folders) -> a sorted list of recordings with their relative names."""

from __future__ import annotations

import errno
import stat
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import ParameterError
from ..tables import AUDIO_EXTENSIONS


@dataclass(frozen=True)
class Recording:
    """One recording found by :func:`discover`.

    Attributes
    ----------
    path : Path to the file as given/found (not resolved, so symlinks keep their name)
    rel : str, POSIX path relative to its input root (the file name for file inputs);
        this is the ``file`` column of every output
    root : Path, the input (folder or file) it was found under
    error : str or None, why it cannot be scanned, known while looking for it (a folder
        that cannot be listed is one entry, ``rel`` ending in ``/``): the run reports it
        like a recording that fails to decode
    """

    path: Path
    rel: str
    root: Path
    error: str | None = None


def normalize_extensions(ext: Iterable[str] | str | None) -> tuple[str, ...]:
    """``"wav,FLAC"`` or ``[".wav", "flac"]`` -> ``("wav", "flac")``.

    Parameters
    ----------
    ext : str (comma-separated), iterable of str, or None; leading dots and case do not matter

    Returns
    -------
    tuple of str, lower-case extensions without dots; :data:`birdscan.tables.AUDIO_EXTENSIONS`
    for None

    Raises
    ------
    ParameterError
        when ``ext`` names no extension
    """
    if ext is None:
        return AUDIO_EXTENSIONS
    items = ext.split(",") if isinstance(ext, str) else list(ext)
    out = tuple(e.strip().lstrip(".").lower() for e in items if e.strip().lstrip("."))
    if not out:
        raise ParameterError(f"ext={ext!r} names no file extension (e.g. 'wav,flac')")
    return out


def printable(name: str) -> str:
    """``name`` with bytes that are not valid UTF-8 (undecodable file names) as ``\\xNN`` escapes,
    so it can be written to UTF-8 outputs.

    Parameters
    ----------
    name : str, a file name as ``os`` returns it (undecodable bytes as surrogates)

    Returns
    -------
    str, valid UTF-8; ``name`` itself when it already is
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _walk(root: Path, recursive: bool, unreadable: list[tuple[Path, OSError]]) -> Iterable[Path]:
    # Symlinked folders are followed, each real folder once, so loops end. Folders that
    # cannot be listed are collected in ``unreadable``, never skipped in silence.
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=lambda e: unreadable.append((Path(e.filename), e))):
        try:
            st = os.stat(dirpath)
        except OSError as e:
            unreadable.append((Path(dirpath), e))
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in filenames:
            if not name.startswith("."):
                yield Path(dirpath) / name


def _folder_error(folder: Path, root: Path, e: OSError) -> Recording:
    rel = folder.relative_to(root).as_posix() if folder != root else root.name
    reason = e.strerror or type(e).__name__
    return Recording(folder, printable(rel.rstrip("/") + "/"), root, f"{folder}: cannot list this folder ({reason}); "
                     "the recordings in it were not scanned")


def _kind(path: Path) -> str:
    """``"dir"``, ``"file"`` (anything else that is there, even unreadable) or ``"missing"``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "file" if os.path.lexists(path) else "missing"  # a dangling link is a per-file error
    except OSError as e:
        return "missing" if e.errno == errno.ENOTDIR else "file"  # unreadable: a per-file error
    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def discover(
    inputs: Sequence[str | os.PathLike[str]],
    recursive: bool = True,
    ext: Iterable[str] | str | None = None,
) -> list[Recording]:
    """Find recordings in files and folders.

    Folders are walked (recursively unless ``recursive=False``), hidden files and
    folders skipped, extensions matched case-insensitively. Files given explicitly
    are taken whatever their extension. The result is sorted by ``(root order, rel)``.
    A file that is there but cannot be read, and a folder that cannot be listed, are
    listed too (the folder with ``error`` set): the run reports them per file.

    Parameters
    ----------
    inputs : sequence of str or PathLike, audio files and folders (at least one)
    recursive : bool, walk subfolders of folder inputs
    ext : extensions matched in folders, as :func:`normalize_extensions` reads them;
        None: :data:`birdscan.tables.AUDIO_EXTENSIONS`

    Returns
    -------
    list of Recording, sorted by input, then by ``rel``

    Raises
    ------
    ParameterError
        when an input does not exist, when nothing matches, or when two recordings
        would get the same relative name (and so write the same outputs).

    Examples
    --------
    >>> discover(["night1/"], ext="wav,flac")  # doctest: +SKIP
    [Recording(path=PosixPath('night1/a.wav'), rel='a.wav', root=PosixPath('night1'))]
    """
    if not inputs:
        raise ParameterError("no inputs given: name recordings or folders to scan")
    exts = normalize_extensions(ext)
    found: list[Recording] = []
    for item in inputs:
        root = Path(item)
        kind = _kind(root)
        if kind == "dir":
            unreadable: list[tuple[Path, OSError]] = []
            hits = [p for p in _walk(root, recursive, unreadable) if p.suffix.lower().lstrip(".") in exts]
            listed = [Recording(p, printable(p.relative_to(root).as_posix()), root) for p in hits]
            listed += [_folder_error(folder, root, e) for folder, e in unreadable]
            found += sorted(listed, key=lambda r: r.rel)
        elif kind == "file":
            found.append(Recording(root, printable(root.name), root))
        else:
            raise ParameterError(f"input {str(root)!r} does not exist")
    if not found:
        raise ParameterError(
            f"no recordings found in {[str(i) for i in inputs]} with extensions {', '.join(exts)}"
            + ("" if recursive else " (not looking in subfolders: recursive=False)")
        )
    seen: dict[str, Recording] = {}
    for rec in found:
        if rec.rel in seen:
            raise ParameterError(
                f"{seen[rec.rel].path} and {rec.path} would both be named {rec.rel!r} in the outputs; "
                "scan them in separate runs or give their parent folder instead"
            )
        seen[rec.rel] = rec
    return found
