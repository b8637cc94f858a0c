"""Split one run's recordings into N shares for N machines (``--shard K/N``).

The split depends only on the recordings' names and durations (from their headers),
never on listing order, so N independent jobs (a SLURM job array, a Kubernetes indexed
job) that discover the same inputs agree on who scans what. Recordings are dealt
largest first onto the least-loaded shard (ties: lower shard number; equal durations:
by name), which balances audio hours. K counts from 1, as SLURM array task ids do.
"""

from __future__ import annotations

import hashlib
import heapq
from typing import Sequence

from ..errors import ParameterError

MAX_SHARDS = 100_000


def parse_shard(shard: str | tuple[int, int] | Sequence[int]) -> tuple[int, int]:
    """``"3/8"`` or ``(3, 8)`` -> ``(3, 8)``; K counts from 1 (``1/8`` .. ``8/8``).

    Parameters
    ----------
    shard : str ``"K/N"`` (spaces allowed) or a (K, N) pair of ints

    Returns
    -------
    (K, N) : tuple of int, ``1 <= K <= N <= MAX_SHARDS``

    Raises
    ------
    ParameterError
        naming the value otherwise (a run also refuses more shards than recordings: :func:`check_shards`)

    Examples
    --------
    >>> parse_shard("2/4")
    (2, 4)
    """
    text = shard if isinstance(shard, str) else "/".join(str(v) for v in shard)
    parts = text.replace(" ", "").split("/")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        k, n = int(parts[0]), int(parts[1])
        if n > MAX_SHARDS:
            raise ParameterError(f"shard={text!r}: {n:,} shards is more than birdscan splits a run into ({MAX_SHARDS:,})")
        if 1 <= k <= n:
            return k, n
    raise ParameterError(f"shard={text!r} must be K/N with 1 <= K <= N, e.g. 1/4 .. 4/4 (K counts from 1)")


def check_shards(part: tuple[int, int], n_recordings: int) -> None:
    """Refuse more shards than recordings (a shard would hold nothing to scan).

    Parameters
    ----------
    part : (K, N) int pair from :func:`parse_shard`; only N is checked, K is named in the message
    n_recordings : int >= 0, the recordings the run found

    Raises
    ------
    ParameterError
        when ``N > n_recordings``
    """
    if part[1] > n_recordings:
        raise ParameterError(f"shard={part[0]}/{part[1]}: only {n_recordings} recording(s) found, so N must be at most "
                             f"{n_recordings} (every shard scans at least one recording)")


def assign(names: Sequence[str], durations: Sequence[float], n: int) -> list[int]:
    """The shard (1..n) of each recording: largest first onto the least-loaded shard.

    Parameters
    ----------
    names : unique names of the recordings (their ``rel``), any order
    durations : seconds of audio of each (0 for unreadable headers)
    n : int >= 1, number of shards

    Returns
    -------
    list of int, the shard (1..n) of each recording, in the order of ``names``
    """
    if n < 1:
        raise ParameterError(f"n={n} shards: must be >= 1")
    order = sorted(range(len(names)), key=lambda i: (-durations[i], names[i]))
    loads = [(0.0, k) for k in range(1, n + 1)]  # a heap of (audio seconds, shard)
    out = [0] * len(names)
    for i in order:
        load, k = heapq.heappop(loads)
        out[i] = k
        heapq.heappush(loads, (load + durations[i], k))
    return out


def listing_digest(names: Sequence[str]) -> str:
    """sha256 of the discovered list, so a merge can tell that all shards saw the same one.

    Parameters
    ----------
    names : sequence of str, the recordings' names (``rel``) in discovery order

    Returns
    -------
    str, the hex digest of the names joined by newlines (UTF-8, surrogates escaped)
    """
    return hashlib.sha256("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def share(names: Sequence[str], durations: Sequence[float], part: tuple[int, int] | None) -> tuple[list[int], dict | None]:
    """The recordings one job scans: all of them, or share ``part = (K, N)``.

    Parameters
    ----------
    names, durations : as for :func:`assign`, in discovery order
    part : ``(K, N)`` from :func:`parse_shard`, or None for the whole run

    Returns
    -------
    (indices, record) : the chosen recordings' positions in discovery order, and what the
    run manifest records of the shard (None for a whole run)
    """
    if part is None:
        return list(range(len(names))), None
    k, n = part
    owner = assign(names, durations, n)
    record = {"k": k, "n": n, "recordings": len(names), "listing_sha256": listing_digest(names)}
    return [i for i in range(len(names)) if owner[i] == k], record
