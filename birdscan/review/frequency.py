"""Call frequency scores: the call type of a frequency, and errors in semitones.

When both a matched call and its detection have a frequency (the reference's ``Freq (Hz)``
or the centre of its Low/High Freq band; the detection's ``freq_hz`` from a model with a
frequency head), the error in semitones (``12 * |log2(detected / reference)|``) and the
call type (``thrush`` below the boundary, ``tseep`` above) are scored, both by the rules of
:mod:`birdscan.calltypes`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..calltypes import call_type, semitones
from ..calltypes import TYPE_BOUNDARY_HZ  # importable from here as before (see __all__)

__all__ = ["reference_freq", "detection_freq_and_type", "frequency_scores", "TYPE_BOUNDARY_HZ", "call_type",
           "semitones"]


def reference_freq(r: pd.DataFrame) -> np.ndarray:
    """Each reference call's frequency: its band's centre on a log scale (``sqrt(low * high)``).

    Parameters
    ----------
    r : pd.DataFrame with ``low_freq_hz, high_freq_hz`` (Hz; a point, such as BirdVox's
        ``Freq (Hz)``, has low = high)

    Returns
    -------
    np.ndarray [shape=(len(r),)], Hz; NaN where the band is unknown
    """
    low, high = r["low_freq_hz"].to_numpy(dtype=float), r["high_freq_hz"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        f = np.sqrt(low * high)
    return np.where((low > 0) & (high > 0), f, np.nan)


def detection_freq_and_type(d: pd.DataFrame, boundary: float) -> tuple[np.ndarray, np.ndarray]:
    """Each detection's frequency and call type.

    Parameters
    ----------
    d : pd.DataFrame, a detections table; ``freq_hz`` (Hz) and ``call_type`` are optional
    boundary : float > 0, Hz: thrush-type calls below, tseep calls above

    Returns
    -------
    (freq [shape=(len(d),)], Hz, NaN where unknown; type [shape=(len(d),), dtype=object]):
    the type follows the frequency, else the table's ``call_type``, else ``""``
    """
    n = len(d)
    freq = pd.to_numeric(d["freq_hz"], errors="coerce").to_numpy(dtype=float) if "freq_hz" in d.columns else np.full(n, np.nan)
    kind = call_type(freq, boundary)
    if "call_type" in d.columns:  # a table with types but no frequencies
        given = np.array(["" if not isinstance(v, str) else v.strip() for v in d["call_type"]], dtype=object)
        kind = np.where(kind == "", given, kind)
    return freq, kind


def frequency_scores(m: pd.DataFrame) -> dict[str, float | int]:
    """Frequency scores of the matched calls (``outcome == "tp"``) of a match table.

    Parameters
    ----------
    m : pd.DataFrame, the ``matches`` of an :class:`~birdscan.review.evaluate.EvaluationResult`
        (``outcome, reference_freq_hz, detection_freq_hz, reference_type, detection_type``)

    Returns
    -------
    dict: ``n_freq`` (pairs with both frequencies), ``freq_error_st`` (their median error,
    semitones; NaN without any), ``n_type`` (pairs with both types), ``type_accuracy``
    (fraction of them that agree; NaN without any)
    """
    tp = m[m["outcome"] == "tp"]
    err = semitones(tp["detection_freq_hz"], tp["reference_freq_hz"])
    err = err[np.isfinite(err)]
    typed = tp[(tp["reference_type"] != "") & (tp["detection_type"] != "")]
    right = int((typed["reference_type"] == typed["detection_type"]).sum())
    return {"n_freq": int(err.size), "freq_error_st": float(np.median(err)) if err.size else math.nan,
            "n_type": len(typed), "type_accuracy": right / len(typed) if len(typed) else math.nan}

