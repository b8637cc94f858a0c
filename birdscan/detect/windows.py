"""A stream of sample blocks -> fixed-size scan blocks of whole windows.

Windows start every ``hop`` samples from sample 0; the last window may run past
the end of the recording and is zero padded, so every sample is covered and a
recording shorter than one window still gets one window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from ..errors import ParameterError


def count_windows(n_samples: int, window: int, hop: int) -> int:
    """Windows needed to cover ``n_samples`` samples: ``1 + ceil(max(0, n - window) / hop)``.

    Parameters
    ----------
    n_samples : int, samples of the recording
    window, hop : int > 0, samples

    Returns
    -------
    int, 0 when ``n_samples <= 0``; the last window may run past the end (zero padded)

    Examples
    --------
    >>> count_windows(12_000, 12_000, 1_200), count_windows(12_001, 12_000, 1_200)
    (1, 2)
    """
    if n_samples <= 0:
        return 0
    return 1 + max(0, -(-(n_samples - window) // hop))


@dataclass
class ScanBlock:
    """``n_windows`` windows starting at window index ``first``.

    ``samples`` [shape=(window + (per_block - 1) * hop,), float32] holds them (zero
    padded past the end of the recording); ``last`` marks a recording's final block.
    """

    first: int
    n_windows: int
    samples: np.ndarray
    last: bool


def scan_blocks(
    blocks: Iterable[np.ndarray], window: int, hop: int, per_block: int
) -> Iterator[ScanBlock]:
    """Cut a stream into overlapping scan blocks of ``per_block`` windows each.

    Consecutive scan blocks overlap by ``window - hop`` samples, so a block can be
    scanned on its own (the frames at its edges are recomputed, a small cost for
    ``per_block`` in the hundreds). The stream's total length decides the number of
    windows (:func:`count_windows`); a stream with no samples yields nothing.

    Parameters
    ----------
    blocks : iterable of np.ndarray [shape=(n,), float32], any sizes
    window, hop : int > 0, samples
    per_block : int > 0, windows per scan block

    Returns
    -------
    iterator of ScanBlock, in order (``first`` counts windows from the start); the last has ``last=True``

    Raises
    ------
    ParameterError
        when ``window``, ``hop`` or ``per_block`` is not positive (at once, not when iterating)
    """
    if window <= 0 or hop <= 0 or per_block <= 0:
        raise ParameterError(f"window={window}, hop={hop}, per_block={per_block} must be positive")
    return _scan_blocks(iter(blocks), window, hop, per_block)


def _scan_blocks(blocks: Iterator[np.ndarray], window: int, hop: int, per_block: int) -> Iterator[ScanBlock]:
    span = window + (per_block - 1) * hop
    advance = per_block * hop
    buf = np.zeros(0, dtype=np.float32)
    first = 0  # window index of buf[0]
    total = 0
    done = False
    while not done:
        while len(buf) < span + 1:  # one sample more tells whether windows continue
            nxt = next(blocks, None)
            if nxt is None:
                done = True
                break
            total += len(nxt)
            buf = np.concatenate([buf, nxt.astype(np.float32, copy=False)])
        if done:
            n_total = count_windows(total, window, hop)
            while first < n_total:
                n = min(per_block, n_total - first)
                out = np.zeros(span, dtype=np.float32)
                seg = buf[:span]
                out[: len(seg)] = seg
                yield ScanBlock(first, n, out, last=first + n >= n_total)
                buf = buf[advance:]
                first += n
            return
        yield ScanBlock(first, per_block, buf[:span].copy(), last=False)
        buf = buf[advance:]
        first += per_block


def frame(samples: np.ndarray, n_windows: int, window: int, hop: int) -> np.ndarray:
    """Windows of a scan block as a strided view [shape=(n_windows, window)].

    Parameters
    ----------
    samples : np.ndarray [shape=(m,)], m >= window + (n_windows - 1) * hop (a :class:`ScanBlock`'s
        ``samples``; a shorter array gives fewer rows)
    n_windows : int >= 1, windows to take
    window, hop : int > 0, samples

    Returns
    -------
    np.ndarray [shape=(n_windows, window)], a read-only view into ``samples`` (no copy): row ``i``
    is ``samples[i * hop : i * hop + window]``

    Examples
    --------
    >>> frame(np.arange(10), 3, 4, 3)
    array([[0, 1, 2, 3],
           [3, 4, 5, 6],
           [6, 7, 8, 9]])
    """
    return np.lib.stride_tricks.sliding_window_view(samples, window)[: (n_windows - 1) * hop + 1 : hop]
