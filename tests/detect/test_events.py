"""birdscan.detect.events: window probabilities to events (hysteresis, gaps, splits at valleys) and
each event's frequency band."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from birdscan.errors import ParameterError
from birdscan.detect.events import EventRule, event_band, event_runs, find_events

HOP, WIN, SR = 1200, 12000, 24000


def test_single_event_times():
    p = np.zeros(40)
    p[10:15] = [0.6, 0.8, 0.97, 0.8, 0.6]
    ev = find_events(p, HOP, WIN, SR)
    assert len(ev) == 1
    e = ev.iloc[0]
    assert e.peak_s == pytest.approx(12 * 0.05 + 0.25)
    assert e.start_s == pytest.approx(10 * 0.05 + 0.25 - 0.025)
    assert e.end_s == pytest.approx(14 * 0.05 + 0.25 + 0.025)
    assert e.max_prob == pytest.approx(0.97) and e.mean_prob == pytest.approx(np.mean(p[10:15]))


def test_hysteresis_gap_merge_split_and_min_duration():
    p = np.array([0, .4, .6, .45, .4, 0, 0, .7, 0, 0, 0, 0, 0, .9, .2, .9, 0])
    # the one-window dropout at 14 is bridged by the default min_gap of 0.1 s
    assert event_runs(p, 0.05, EventRule(threshold=.5)) == [(2, 3), (7, 8), (13, 16)]
    assert event_runs(p, 0.05, EventRule(threshold=.5, min_gap=0)) == [(2, 3), (7, 8), (13, 14), (15, 16)]
    assert event_runs(p, 0.05, EventRule(threshold=.5, threshold_off=.35)) == [(1, 5), (7, 8), (13, 16)]
    # gaps of 0.2 s merge with min_gap=0.25
    assert event_runs(p, 0.05, EventRule(threshold=.5, min_gap=0.25)) == [(2, 8), (13, 16)]
    ev = find_events(p, HOP, WIN, SR, EventRule(threshold=.5, min_duration=0.12))
    assert ev.peak_s.tolist() == pytest.approx([13 * 0.05 + 0.25])


def test_overlapping_calls_split_at_valley():
    p = np.array([0, .6, .95, .7, .5, .8, .99, .6, 0])
    assert event_runs(p, 0.05, EventRule()) == [(1, 4), (4, 8)]
    assert event_runs(p, 0.05, EventRule(split_dip=0.5)) == [(1, 8)]


def test_event_times_clipped_to_duration():
    ev = find_events(np.array([0.9, 0.95]), HOP, WIN, SR, duration_s=0.2)
    assert ev.start_s.iloc[0] == 0 and ev.end_s.iloc[0] == pytest.approx(0.2) and ev.peak_s.iloc[0] <= 0.2


@pytest.mark.parametrize("kw,msg", [({"threshold": 1.5}, "threshold=1.5"), ({"threshold_off": .9}, "threshold_off=0.9"),
                                    ({"min_gap": -1}, "min_gap=-1"), ({"split_dip": 0}, "split_dip=0")])
def test_rule_validation(kw, msg):
    with pytest.raises(ParameterError, match=msg):
        EventRule(**kw)


probs = st.lists(st.floats(0, 1, allow_nan=False), min_size=0, max_size=200).map(np.array)


@settings(max_examples=300, deadline=None)
@given(probs, st.floats(0.05, 1), st.floats(0, 1), st.floats(0, 0.5), st.floats(0.05, 1))
def test_event_rule_properties(p, on, off_frac, gap, dip):
    rule = EventRule(threshold=on, threshold_off=on * off_frac, min_gap=gap, split_dip=dip)
    runs = event_runs(p, 0.05, rule)
    # runs are ordered, disjoint and non-empty
    for (a, b), (c, d) in zip(runs, runs[1:]):
        assert a < b <= c < d
    covered = np.zeros(len(p), bool)
    for a, b in runs:
        covered[a:b] = True
        assert p[a:b].max() >= rule.off
    # every window at or above the on-threshold is in an event; windows below off are only
    # inside events when bridged by a gap merge
    assert covered[p >= on].all()
    ev = find_events(p, HOP, WIN, SR, rule)
    assert (ev.start_s <= ev.peak_s).all() and (ev.peak_s <= ev.end_s).all()
    assert ((ev.max_prob >= ev.mean_prob - 1e-12)).all()
    # a stretch below threshold_off inside an event is a bridged gap, so shorter than min_gap
    for a, b in runs:
        below = np.flatnonzero(np.diff(np.r_[0, (p[a:b] < rule.off).astype(int), 0]))
        for s, e in zip(below[::2], below[1::2]):
            assert (e - s) * 0.05 < gap + 1e-9
    # between events that do not touch (touching ones are a split): no window reaches the
    # threshold, the windows next to the events are below threshold_off (an event extends
    # while the probability stays at or above it), and the gap is at least min_gap
    for (a, b), (c, d) in zip(runs, runs[1:]):
        if c > b:
            assert (p[b:c] < on).all() and p[b] < rule.off and p[c - 1] < rule.off
            assert (c - b) * 0.05 >= gap - 1e-9
    if runs:
        assert runs[-1][1] == len(p) or p[runs[-1][1]] < rule.off
    # without splitting, no event boundary falls inside a run above threshold_off
    merged = event_runs(p, 0.05, EventRule(threshold=on, threshold_off=on * off_frac, min_gap=gap, split_dip=1.0))
    for (a, b), (c, d) in zip(merged, merged[1:]):
        assert c > b


def test_event_band_finds_the_call():
    sr = 24000
    rng = np.random.default_rng(0)
    x = rng.standard_normal(sr) * 0.01
    t = np.arange(int(0.15 * sr)) / sr
    a = int(0.4 * sr)
    x[a : a + len(t)] += np.sin(2 * np.pi * 3000 * t)
    lo, hi = event_band(x, sr, (0.4, 0.55), 1000, 11000)
    assert 2700 < lo < 3000 < hi < 3300
    lo, hi = event_band(x[: int(0.3 * sr)], 8000, (0.1, 0.2), 1000, 11000)  # nothing there, low rate
    assert hi <= 4000 and lo == 1000


@pytest.mark.parametrize("n_fft,step,n", [(512, 256, 5000), (1024, 512, 30011), (256, 64, 256)])
def test_power_frames_are_the_uncentred_hann_frames(n_fft, step, n):
    from birdscan.detect.events import power_frames

    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::step]
    expected = np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)) ** 2
    got = power_frames(x, n_fft, step)
    assert got.shape == expected.shape == ((n - n_fft) // step + 1, n_fft // 2 + 1)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-9)


def test_power_frames_transform_all_frames_in_one_call(monkeypatch):
    # event bands are computed for every event of a night: one FFT call per frame from Python
    # (as scipy.signal.ShortTimeFFT does) made a one-hour scan half again slower
    from birdscan.detect.events import power_frames

    calls = []
    real_rfft = np.fft.rfft
    monkeypatch.setattr(np.fft, "rfft", lambda *a, **kw: calls.append(1) or real_rfft(*a, **kw))
    assert power_frames(np.random.default_rng(1).standard_normal(24000), 512, 256).shape == (92, 257)
    assert len(calls) == 1


def test_measure_bands_gives_the_model_band_where_audio_cannot_be_read(monkeypatch, tmp_path):
    import pandas as pd

    from birdscan.detect import audiofile
    from birdscan.detect.events import measure_bands
    from birdscan.errors import AudioError

    def first_then_break(path, spans):
        yield np.zeros((24000, 1), np.float32), 24000
        raise AudioError(f"{path}: cannot read a segment (lost sync)")

    monkeypatch.setattr(audiofile, "read_segments", first_then_break)
    events = pd.DataFrame({"start_s": [0.3, 2.0, 3.0], "end_s": [0.4, 2.1, 3.1]})
    warning = measure_bands(events, tmp_path / "cut.flac", None, 1000.0, 11000.0)
    assert events["low_freq_hz"].tolist()[1:] == [1000.0, 1000.0] and events["high_freq_hz"].tolist()[1:] == [11000.0] * 2
    assert warning == (f"{tmp_path / 'cut.flac'}: cannot read a segment (lost sync); the band of 2 event(s) there "
                       "is the model's band, 1000-11000 Hz")
    events = events[["start_s", "end_s"]].copy()
    measure_bands(events, tmp_path / "cut.flac", None, 1000.0, 11000.0, sample_rate=16000)  # Nyquist 8 kHz
    assert events["high_freq_hz"].tolist()[1:] == [7840.0, 7840.0]


def test_measure_bands_reads_no_context_past_the_readable_part(monkeypatch, tmp_path):
    import pandas as pd

    from birdscan.detect import audiofile
    from birdscan.detect.events import measure_bands

    asked = []

    def spans_only(path, spans):
        asked.extend(spans)
        for a, b in spans:
            yield np.zeros((int((b - a) * 8000), 1), np.float32), 8000

    monkeypatch.setattr(audiofile, "read_segments", spans_only)
    events = pd.DataFrame({"start_s": [1.0, 4.5], "end_s": [1.2, 4.9]})
    assert measure_bands(events, tmp_path / "a.flac", None, 1000.0, 3900.0, readable_s=5.0) is None
    assert asked == [(0.7, 1.5), (4.2, 5.0)]


def test_measure_bands_of_many_events_in_threads_match_one_by_one(monkeypatch, tmp_path):
    """Bands are computed by a few threads while this one reads: the same bands, in event order,
    however many events (more than the threads keep in flight) and when a read fails midway."""
    import pandas as pd

    from birdscan.detect import audiofile
    from birdscan.detect.events import MAX_BAND_THREADS, measure_bands
    from birdscan.errors import AudioError

    sr, rng = 24000, np.random.default_rng(3)
    n = 8 * MAX_BAND_THREADS + 20
    freqs = rng.uniform(1500, 9000, n)
    t = np.arange(int(0.1 * sr)) / sr

    def segment(i):  # a tone at its own frequency 0.3-0.4 s into 0.7 s of noise
        x = rng.standard_normal(int(0.7 * sr)) * 0.01
        x[int(0.3 * sr): int(0.3 * sr) + t.size] += np.sin(2 * np.pi * freqs[i] * t)
        return x[:, None].astype(np.float32)

    segments = [segment(i) for i in range(n)]
    expected = [event_band(s[:, 0], sr, (0.3, 0.4), 1000.0, 11000.0) for s in segments]
    starts = 1.0 + np.arange(n) * 2.0
    events = pd.DataFrame({"start_s": starts, "end_s": starts + 0.1})

    def read(path, spans, broken_at=None):
        for i, _ in enumerate(spans):
            if i == broken_at:
                raise AudioError(f"{path}: cannot read a segment (lost sync)")
            yield segments[i], sr

    monkeypatch.setattr(audiofile, "read_segments", read)
    assert measure_bands(events, tmp_path / "a.flac", None, 1000.0, 11000.0) is None
    assert list(zip(events.low_freq_hz, events.high_freq_hz)) == [(round(lo, 1), round(hi, 1)) for lo, hi in expected]
    assert len(set(np.round(events.low_freq_hz, -2))) > n // 2  # the tones' bands, not a fallback

    broken = n - 7
    monkeypatch.setattr(audiofile, "read_segments", lambda path, spans: read(path, spans, broken))
    events = events[["start_s", "end_s"]].copy()
    assert "the band of 7 event(s) there is the model's band" in measure_bands(events, tmp_path / "a.flac", None, 1000.0, 11000.0)
    got = list(zip(events.low_freq_hz, events.high_freq_hz))
    assert got[:broken] == [(round(lo, 1), round(hi, 1)) for lo, hi in expected[:broken]]
    assert got[broken:] == [(1000.0, 11000.0)] * 7
