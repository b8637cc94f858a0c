"""Call types and call-frequency errors, one definition for detect, review, train and cli.

A flight call's type follows its frequency: ``thrush`` below :data:`TYPE_BOUNDARY_HZ`, ``tseep``
at or above it (:func:`call_type`); a frequency estimate's error is counted in semitones
(:func:`semitones`). numpy is imported inside the functions so that the command line can take
its ``--type-boundary`` default from here and ``birdscan --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

TYPE_BOUNDARY_HZ = 5000.0
"""Default boundary (Hz) between thrush-type calls (below, about 2-5 kHz) and tseep calls (at or above)."""
CALL_TYPES = ("thrush", "tseep")
"""The call types, in the order tables and plots show them."""


def call_type(freq_hz: Any, boundary: float = TYPE_BOUNDARY_HZ) -> Any:
    """``"thrush"`` below ``boundary`` Hz, ``"tseep"`` at or above it, ``""`` where unknown.

    Parameters
    ----------
    freq_hz : array_like [shape=(n,)], Hz; NaN or <= 0 where unknown
    boundary : float > 0, Hz

    Returns
    -------
    np.ndarray [shape=(n,), dtype=object] of ``"thrush"``, ``"tseep"`` or ``""``

    Examples
    --------
    >>> call_type([3120.0, 7000.0, float("nan")]).tolist()
    ['thrush', 'tseep', '']
    """
    import numpy as np

    f = np.asarray(freq_hz, dtype=float)
    return np.where(~np.isfinite(f) | (f <= 0), "", np.where(f < boundary, "thrush", "tseep")).astype(object)


def semitones(detected_hz: Any, reference_hz: Any) -> Any:
    """Absolute frequency error in semitones, ``12 * |log2(detected / reference)|``.

    Parameters
    ----------
    detected_hz, reference_hz : array_like [shape=(n,)], Hz; NaN or <= 0 where unknown

    Returns
    -------
    np.ndarray [shape=(n,)], semitones >= 0 (float64); NaN where either frequency is unknown

    Examples
    --------
    >>> semitones([2000.0], [1000.0]).tolist()
    [12.0]
    """
    import numpy as np

    d, r = np.asarray(detected_hz, dtype=float), np.asarray(reference_hz, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = 12 * np.abs(np.log2(d / r))
    return np.where(np.isfinite(e) & (d > 0) & (r > 0), e, np.nan)
