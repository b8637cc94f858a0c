"""Window probabilities -> detection events (one per call).

The rule, on windows of length ``window`` every ``hop`` samples:

1. Hysteresis: an event opens at a window with ``prob >= threshold`` and stays open
   while ``prob >= threshold_off``.
2. Split: inside one open run, two peaks are two calls when the probability between
   them dips by at least ``split_dip`` below the lower peak (overlapping calls in a
   busy minute); the valley window starts the second call.
3. Merge: events separated by a gap (windows below ``threshold_off``) shorter than
   ``min_gap`` seconds become one; the touching pieces of a split stay apart.
4. Drop events shorter than ``min_duration`` seconds.

An event spans from the centre of its first window to the centre of its last,
widened by half a hop on each side; its peak is the centre of its best window.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from typing import Any

import numpy as np

from ..calltypes import TYPE_BOUNDARY_HZ, call_type
from ..errors import AudioError, ParameterError
from . import audiofile


@dataclass(frozen=True)
class EventRule:
    """Options that turn window probabilities into events (see module docstring)."""

    threshold: float = 0.5
    threshold_off: float | None = None  # default: threshold
    min_gap: float = 0.1
    min_duration: float = 0.0
    split_dip: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ParameterError(f"threshold={self.threshold} must be within [0, 1]")
        off = self.off
        if not 0.0 <= off <= self.threshold:
            raise ParameterError(f"threshold_off={off} must be within [0, threshold={self.threshold}]")
        if self.min_gap < 0:
            raise ParameterError(f"min_gap={self.min_gap} must be >= 0 seconds")
        if self.min_duration < 0:
            raise ParameterError(f"min_duration={self.min_duration} must be >= 0 seconds")
        if not 0.0 < self.split_dip <= 1.0:
            raise ParameterError(f"split_dip={self.split_dip} must be within (0, 1]; 1 never splits")

    @property
    def off(self) -> float:
        """The probability under which an event closes: ``threshold_off``, or ``threshold`` when None."""
        return self.threshold if self.threshold_off is None else self.threshold_off


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a boolean array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def _hysteresis(p: np.ndarray, on: float, off: float) -> list[tuple[int, int]]:
    runs = []
    for a, b in _runs(p >= off):
        if (p[a:b] >= on).any():
            runs.append((a, b))
    return runs


def _split(p: np.ndarray, a: int, b: int, dip: float) -> list[tuple[int, int]]:
    """Split run [a, b) at valleys lying ``dip`` below the peaks on both sides."""
    cuts = []
    best, valley, valley_at = p[a], np.inf, -1
    for i in range(a + 1, b):
        v = p[i]
        if valley_at < 0:
            if v >= best:
                best = v
            else:
                valley, valley_at = v, i
        elif v < valley:
            valley, valley_at = v, i
        elif v >= valley + dip and best >= valley + dip:
            cuts.append(valley_at)
            best, valley, valley_at = v, np.inf, -1
        elif v > best:
            best, valley, valley_at = v, np.inf, -1
    bounds = [a, *cuts, b]
    return list(zip(bounds[:-1], bounds[1:]))


def event_runs(probs: np.ndarray, hop_s: float, rule: EventRule) -> list[tuple[int, int]]:
    """Window-index runs ``[first, stop)`` of the events in ``probs`` (steps 1-3 of the rule).

    Parameters
    ----------
    probs : np.ndarray [shape=(n_windows,)], probabilities of consecutive windows
    hop_s : float > 0, seconds between window starts (turns gaps into seconds for ``rule.min_gap``)
    rule : EventRule; ``threshold``, ``threshold_off``, ``split_dip`` and ``min_gap`` are used here,
        ``min_duration`` (step 4) is left to :func:`find_events`

    Returns
    -------
    list of (first, stop) int pairs, window indices in time order; the pieces of a split run
    touch (``stop`` of one is ``first`` of the next), merged events include the gap windows

    Examples
    --------
    >>> event_runs(np.array([0, .9, .95, .2, 0, .8, 0]), 0.05, EventRule(min_gap=0.2))
    [(1, 6)]
    """
    p = np.asarray(probs, dtype=np.float64)
    pieces: list[tuple[int, int]] = []
    for a, b in _hysteresis(p, rule.threshold, rule.off):
        pieces += _split(p, a, b, rule.split_dip) if rule.split_dip < 1.0 else [(a, b)]
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        # pieces of one split run touch (a == previous stop) and stay apart
        if merged and merged[-1][1] < a and (a - merged[-1][1]) * hop_s < rule.min_gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def find_events(
    probs: np.ndarray,
    hop: int,
    window: int,
    sample_rate: int,
    rule: EventRule | None = None,
    duration_s: float | None = None,
):
    """Detection events of one recording.

    Parameters
    ----------
    probs : np.ndarray [shape=(n_windows,)], probabilities of windows starting every ``hop`` samples
    hop, window : int > 0, samples at ``sample_rate``
    rule : EventRule (default thresholds)
    duration_s : float, optional; event times are clipped to ``[0, duration_s]``

    Returns
    -------
    pandas.DataFrame with columns ``start_s, end_s, peak_s, max_prob, mean_prob``
    (seconds from the start of the recording), one row per event in time order.

    Examples
    --------
    >>> find_events(np.array([0, .9, .95, .2, 0]), 1200, 12000, 24000).peak_s.tolist()
    [0.35]
    """
    import pandas as pd

    rule = rule or EventRule()
    p = np.asarray(probs, dtype=np.float64)
    hop_s, half = hop / sample_rate, window / sample_rate / 2
    end_limit = np.inf if duration_s is None else duration_s
    rows = []
    for a, b in event_runs(p, hop_s, rule):
        start = max(a * hop_s + half - hop_s / 2, 0.0)
        end = min((b - 1) * hop_s + half + hop_s / 2, end_limit)
        if start >= end:  # a recording shorter than the window: the event is what it holds
            start = a * hop_s
        if end - start < rule.min_duration:
            continue
        best = a + int(np.argmax(p[a:b]))
        rows.append((start, end, min(best * hop_s + half, end_limit), p[best], p[a:b].mean()))
    return pd.DataFrame(rows, columns=["start_s", "end_s", "peak_s", "max_prob", "mean_prob"], dtype=float)


def power_frames(x: np.ndarray, n_fft: int, step: int, window: np.ndarray | None = None) -> np.ndarray:
    """Power spectra of the whole frames of ``x`` (not centred): all frames in one ``numpy.fft.rfft``.

    ``scipy.signal.ShortTimeFFT`` gives the same numbers but transforms one frame per Python
    call: with a few hundred events an hour that was 4 s of a 13 s scan. Here the frames are a
    strided view of ``x`` and one call transforms them all. NumPy's FFT gives the same bits as
    ``scipy.fft`` here, and a scan then never imports SciPy (a quarter to half a second).

    Parameters
    ----------
    x : np.ndarray [shape=(n,)], n >= n_fft
    n_fft : int, frame length in samples
    step : int, samples between frame starts: frame ``k`` is ``x[k * step : k * step + n_fft]``
    window : np.ndarray [shape=(n_fft,)], default a symmetric Hann window (``np.hanning``)

    Returns
    -------
    np.ndarray [shape=((n - n_fft) // step + 1, n_fft // 2 + 1)], ``|rfft(frame * window)| ** 2``
    """
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(x), n_fft)[::step]
    spec = np.fft.rfft(frames * (np.hanning(n_fft) if window is None else window), axis=-1)
    return np.abs(spec) ** 2


def event_band(
    segment: np.ndarray,
    sample_rate: int,
    event: tuple[float, float],
    fmin: float,
    fmax: float,
) -> tuple[float, float]:
    """Frequency band of an event from the spectrogram energy around it.

    The event's mean spectrum is compared with the median spectrum of the context
    frames around it; the band is the run of frequencies, around the strongest
    excess, within 10 dB of it (the peak at least 6 dB and the band 3 dB above the background). Falls back
    to ``[fmin, fmax]`` when no band stands out. Both are capped below Nyquist.

    Parameters
    ----------
    segment : np.ndarray [shape=(n,)], mono samples holding the event and some context
    sample_rate : int, Hz
    event : (start, end) of the event in seconds from the start of ``segment``
    fmin, fmax : float, Hz, the band searched (the model's band)

    Returns
    -------
    (low, high) : float pair, Hz, the band's edges (``fmin``/``fmax`` capped below Nyquist when
    no band stands out or the segment is too short to tell)
    """
    nyq = sample_rate / 2
    lo_cap, hi_cap = min(fmin, nyq), min(fmax, nyq * 0.98)
    n_fft = 256
    while n_fft < 0.02 * sample_rate:
        n_fft *= 2
    step = n_fft // 2
    if len(segment) < n_fft * 2:
        return lo_cap, hi_cap
    power = power_frames(segment, n_fft, step)
    centres = (np.arange(len(power)) * step + n_fft / 2) / sample_rate
    inside = (centres >= event[0]) & (centres <= event[1])
    if inside.sum() < 1 or (~inside).sum() < 3:
        return lo_cap, hi_cap
    excess = 10 * np.log10((power[inside].mean(0) + 1e-12) / (np.median(power[~inside], 0) + 1e-12))
    freqs = np.fft.rfftfreq(n_fft, 1 / sample_rate)
    k = max(1, int(round(150 / (freqs[1] - freqs[0]))))
    excess = np.convolve(excess, np.ones(k) / k, mode="same")
    band = np.flatnonzero((freqs >= lo_cap) & (freqs <= hi_cap))
    if len(band) == 0:
        return lo_cap, hi_cap
    best = band[np.argmax(excess[band])]
    if excess[best] < 6.0:
        return lo_cap, hi_cap
    floor = max(excess[best] - 10.0, 3.0)
    lo = hi = best
    while lo - 1 >= band[0] and excess[lo - 1] >= floor:
        lo -= 1
    while hi + 1 <= band[-1] and excess[hi + 1] >= floor:
        hi += 1
    return float(freqs[lo]), float(freqs[hi])


MAX_BAND_THREADS = 4  # threads measuring event bands (measure_bands), at most the usable cores


def measure_bands(events, path, channel: int | None, fmin: float, fmax: float,
                  readable_s: float | None = None, sample_rate: int | None = None) -> str | None:
    """Add each event's frequency band (:func:`event_band`) to ``events`` as ``low_freq_hz``
    and ``high_freq_hz`` (Hz, one decimal), reading 0.3 s of context around every event.

    A damaged recording keeps its events: the context is cut at ``readable_s``, and events
    whose audio cannot be read again get the searched band ``[fmin, fmax]`` instead.

    Parameters
    ----------
    events : pandas.DataFrame from :func:`find_events` (``start_s``, ``end_s`` in seconds)
    path : the recording, read at its own sample rate through one open file
    channel : index of the channel the events were found in (from 0), or None for the mix
    fmin, fmax : float, Hz, the band searched (the model's)
    readable_s : float or None, seconds of audio the scan decoded (None: the whole file); context
        is not read past it
    sample_rate : int or None, Hz, the recording's; caps the fallback band below its Nyquist
        frequency as :func:`event_band` does (None: not capped)

    Returns
    -------
    str or None
        a warning naming the file when some bands could not be measured, else None
    """
    lows: list[float] = []
    highs: list[float] = []
    end_cap = np.inf if readable_s is None else float(readable_s)
    spans = [(max(start - 0.3, 0.0), min(end + 0.3, max(end_cap, end))) for start, end in
             zip(events["start_s"], events["end_s"])]
    warning = None
    pending: deque[Future[tuple[float, float]]] = deque()

    def collect(keep: int, failed: bool = False) -> None:
        while len(pending) > keep:
            fut = pending.popleft()
            if failed and fut.exception() is not None:  # keep the bands measured before a read failed
                pending.clear()
                return
            lo, hi = fut.result()
            lows.append(lo)
            highs.append(hi)

    # This thread reads (libsndfile lets go of the GIL), a few others compute the bands (NumPy's
    # FFT and sorts do too): an hour with a few hundred events took 1.3 s in this one thread.
    from ..device import usable_cores

    threads = min(MAX_BAND_THREADS, usable_cores())
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            try:
                segments = audiofile.read_segments(path, spans)
                for (a, b), start, end, (x, sr) in zip(spans, events["start_s"], events["end_s"], segments):
                    mono = x.mean(1) if channel is None else x[:, min(channel, x.shape[1] - 1)]
                    pending.append(pool.submit(event_band, mono, sr, (start - a, end - a), fmin, fmax))
                    collect(keep=4 * threads)  # a bounded number of segments in memory
            except AudioError:
                collect(keep=0, failed=True)
                raise
            collect(keep=0)
    except AudioError as e:
        missing = len(spans) - len(lows)
        nyq = np.inf if sample_rate is None else sample_rate / 2
        lo, hi = min(float(fmin), nyq), min(float(fmax), nyq * 0.98)
        lows += [lo] * missing
        highs += [hi] * missing
        warning = f"{e}; the band of {missing} event(s) there is the model's band, {lo:.0f}-{hi:.0f} Hz"
    events["low_freq_hz"] = np.round(lows, 1) if lows else np.zeros(0)
    events["high_freq_hz"] = np.round(highs, 1) if highs else np.zeros(0)
    return warning


def add_call_types(events: Any, freq_hz: np.ndarray, hop: int, window: int, sr: int,
                   boundary_hz: float = TYPE_BOUNDARY_HZ) -> Any:
    """Add ``freq_hz`` and ``call_type`` columns to an events table, in place.

    Parameters
    ----------
    events : pandas.DataFrame from :func:`find_events` (``peak_s`` is a window centre)
    freq_hz : np.ndarray [shape=(n_windows,)] the frequency head's estimate per window, Hz
    hop, window, sr : samples and Hz, as given to :func:`find_events`
    boundary_hz : ``thrush`` below it, ``tseep`` at or above it (:func:`birdscan.calltypes.call_type`)

    Returns
    -------
    the same table, with ``freq_hz`` (the estimate at the event's peak window, rounded to
    1 Hz) and ``call_type``.
    """
    peaks = np.asarray(events["peak_s"], dtype=np.float64)
    idx = np.rint((peaks * sr - window / 2) / hop).astype(np.int64)
    idx = np.clip(idx, 0, max(len(freq_hz) - 1, 0))
    f = np.round(np.asarray(freq_hz, dtype=np.float64)[idx], 0) if len(freq_hz) else np.zeros(0)
    events["freq_hz"] = f
    events["call_type"] = call_type(f, boundary_hz)
    return events
