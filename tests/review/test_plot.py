"""birdscan.review.plot: figures from generated detections, windows and audio."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from birdscan.errors import ParameterError
from birdscan.review.evaluate import evaluate
from birdscan.review.plot import plot_activity, plot_pr, plot_trace, spectrogram


def detections(start_time: bool) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for f, stamp in (("unit01/a.wav", "2024-05-01T21:30:00+02:00"), ("unit01/b.wav", "2024-05-01T23:30:00+02:00"),
                     ("unit02/a.wav", "2024-05-01T21:00:00")):
        peaks = np.sort(rng.uniform(0, 7200, 40))
        rows.append(pd.DataFrame({"file": f, "start_s": peaks - 0.1, "end_s": peaks + 0.1, "peak_s": peaks,
                                  "max_prob": 0.9, "mean_prob": 0.7, "low_freq_hz": 3000, "high_freq_hz": 8000,
                                  "start_time": stamp if start_time else ""}))
    return pd.concat(rows, ignore_index=True)


def assert_png(path, min_kb=5):
    from PIL import Image

    assert path.stat().st_size > min_kb * 1024
    with Image.open(path) as im:
        im.verify()
        assert im.format == "PNG"


def test_activity_over_clock_time(tmp_path):
    det = detections(start_time=True)
    det.to_csv(tmp_path / "detections.csv", index=False)
    counts = plot_activity(tmp_path / "detections.csv", tmp_path / "activity.png", interval="10min")
    assert_png(tmp_path / "activity.png")
    assert counts.groupby("unit")["calls"].sum().to_dict() == {"unit01": 80, "unit02": 40}
    assert pd.api.types.is_datetime64_any_dtype(counts["bin_start"])
    assert counts["bin_start"].min() == pd.Timestamp("2024-05-01 21:00")  # local wall time kept
    assert (counts["bin_start"].dt.minute % 10 == 0).all()


def test_activity_over_recording_time_by_file(tmp_path):
    det = detections(start_time=False)
    counts = plot_activity(det, tmp_path / "activity.png", interval=600, by="file")
    assert_png(tmp_path / "activity.png")
    assert sorted(counts["unit"].unique()) == ["unit01/a.wav", "unit01/b.wav", "unit02/a.wav"]
    assert counts["calls"].sum() == len(det)
    np.testing.assert_allclose(np.unique(counts["bin_start"]) % 600, 0)
    same = plot_activity(det, tmp_path / "same.png", interval="10min", by="file")
    pd.testing.assert_frame_equal(counts, same)


def test_activity_of_no_detections(tmp_path):
    detections(False).iloc[:0].to_csv(tmp_path / "detections.csv", index=False)
    counts = plot_activity(tmp_path / "detections.csv", tmp_path / "activity.png")
    assert counts.empty
    assert_png(tmp_path / "activity.png", min_kb=2)


def test_activity_rejects_bad_options(tmp_path):
    with pytest.raises(ParameterError, match=r"interval='soon' must be seconds > 0 or a duration such as '10min'"):
        plot_activity(detections(False), tmp_path / "a.png", interval="soon")
    with pytest.raises(ParameterError, match=r"by='site' must be 'folder' or 'file'"):
        plot_activity(detections(False), tmp_path / "a.png", by="site")
    with pytest.raises(ParameterError, match=r"out='.*a.jpg' must end with one of .png, .pdf, .svg"):
        plot_activity(detections(False), tmp_path / "a.jpg")


def test_trace_over_spectrogram(tmp_path, monkeypatch):
    sr, seconds = 22050, 30
    t = np.arange(sr * seconds) / sr
    rng = np.random.default_rng(0)
    x = 0.01 * rng.standard_normal(len(t))
    call = (t > 12.0) & (t < 12.1)
    x[call] += 0.5 * np.sin(2 * np.pi * 6000 * t[call])
    sf.write(tmp_path / "a.wav", x.astype(np.float32), sr)
    start = np.arange(0, seconds - 0.5, 0.05)
    prob = np.exp(-(((start + 0.25) - 12.05) ** 2) / 0.05)
    pd.DataFrame({"file": "unit01/a.wav", "start_s": start, "end_s": start + 0.5, "prob": prob}).to_csv(
        tmp_path / "windows.csv.gz", index=False)
    det = pd.DataFrame({"file": ["unit01/a.wav"], "start_s": [11.9], "end_s": [12.2], "peak_s": [12.05],
                        "max_prob": [0.99], "mean_prob": [0.8], "low_freq_hz": [5500], "high_freq_hz": [6500]})
    out = plot_trace(tmp_path / "windows.csv.gz", tmp_path / "a.wav", tmp_path / "trace.png",
                     start=5, end=20, detections=det)
    assert out == tmp_path / "trace.png"
    assert_png(out, min_kb=20)
    import birdscan.review.plot as plot

    figures = []
    monkeypatch.setattr(plot, "_save", lambda fig, out: figures.append(fig))
    plot_trace(tmp_path / "windows.csv.gz", tmp_path / "a.wav", tmp_path / "t.png", start=5, end=20, detections=det, threshold=0.7)
    spec, trace = figures[0].axes
    (box,) = [p for p in spec.patches]
    assert (box.get_y(), box.get_height(), box.get_x()) == (5500, 1000, 11.9)  # the event's band, not the full height
    assert [t.get_text() for t in trace.get_legend().get_texts()] == [
        "detection (its band; dashed: peak)", "call probability", "threshold 0.7"]
    assert any(list(line.get_ydata()) == [0.7, 0.7] for line in trace.lines)
    with pytest.raises(ParameterError, match=r"start=40 is past the end of .*a.wav \(30.0 s\)"):
        plot_trace(tmp_path / "windows.csv.gz", tmp_path / "a.wav", tmp_path / "t.png", start=40, end=50)
    with pytest.raises(ParameterError, match=r"start=5, end=5: need 0 <= start < end"):
        plot_trace(tmp_path / "windows.csv.gz", tmp_path / "a.wav", tmp_path / "t.png", start=5, end=5)


def test_spectrogram_finds_the_tone():
    sr = 24000
    t = np.arange(sr) / sr
    s_db, hop_s = spectrogram(np.sin(2 * np.pi * 3000 * t), sr)
    n_fft = 2 * (s_db.shape[0] - 1)
    assert abs(np.argmax(s_db.mean(axis=1)) * sr / n_fft - 3000) < sr / n_fft
    assert 0 < hop_s < 0.05


def test_pr_plot(tmp_path):
    start = np.arange(1200) * 0.05
    prob = np.where(np.abs(start + 0.25 - 30.0) < 0.2, 0.9, 0.1)
    pd.DataFrame({"file": "a.wav", "start_s": start, "end_s": start + 0.5, "prob": prob}).to_csv(
        tmp_path / "windows.csv", index=False)
    det = pd.DataFrame({"file": ["a.wav"], "start_s": [29.9], "end_s": [30.1], "peak_s": [30.0], "max_prob": [0.9]})
    ref = tmp_path / "ref.csv"
    pd.DataFrame({"file": ["a.wav"], "start_s": [29.95], "end_s": [30.05]}).to_csv(ref, index=False)
    result = evaluate(det, ref, windows=tmp_path / "windows.csv")
    assert_png(plot_pr(result, tmp_path / "pr.png"))
    with pytest.raises(ParameterError, match=r"result has no PR curve: pass windows= to evaluate\(\)"):
        plot_pr(evaluate(det, ref), tmp_path / "pr2.png")


def test_activity_start_times_per_event_or_from_run_json(tmp_path):
    det = detections(start_time=True)
    expected = plot_activity(det, tmp_path / "a.png")
    wall = det["start_time"].str[:19].map(pd.Timestamp)  # the recordings' local start
    per_event = det.assign(start_time=[(t + pd.Timedelta(seconds=s)).isoformat(timespec="milliseconds")
                                       for t, s in zip(wall, det["start_s"])])  # as `birdscan run` writes it
    pd.testing.assert_frame_equal(plot_activity(per_event, tmp_path / "b.png"), expected)
    det.assign(start_time="").to_csv(tmp_path / "detections.csv", index=False)
    starts = dict(zip(det["file"], det["start_time"].str[:19]))
    (tmp_path / "run.json").write_text(json.dumps(
        {"files": [{"file": f, "status": "ok", "recording_start": t} for f, t in starts.items()]}))
    pd.testing.assert_frame_equal(plot_activity(tmp_path / "detections.csv", tmp_path / "c.png"), expected)


def flat_night(tmp_path, typed: str = "absent"):
    """One recorder's flat folder: six 1-hour files 21:00-24:00 and 02:00-05:00 (a gap at night), two without calls."""
    files, rows = [], []
    for i, hour in enumerate([21, 22, 23, 2, 3, 4]):
        day = 1 if hour > 12 else 2
        name = f"REC_2024050{day}_{hour:02d}0000.wav"
        files.append({"file": name, "path": f"/rec/{name}", "status": "ok", "duration_s": 3600.0,
                      "recording_start": f"2024-05-0{day}T{hour:02d}:00:00"})
        if i in (1, 4):
            continue
        peaks = np.array([100.0, 700.0, 1300.0])
        rows.append(pd.DataFrame({"file": name, "start_s": peaks - 0.1, "end_s": peaks + 0.1, "peak_s": peaks, "max_prob": 0.9,
                                  "mean_prob": 0.7, "low_freq_hz": 3000, "high_freq_hz": 8000, "start_time": ""}))
    det = pd.concat(rows, ignore_index=True)
    if typed == "empty":
        det = det.assign(freq_hz=np.nan, call_type="")
    if typed == "given":
        det = det.assign(freq_hz=[3000.0, 7000.0, 7500.0] * 4, call_type=["thrush", "tseep", "tseep"] * 4)
    det.to_csv(tmp_path / "detections.csv", index=False)
    (tmp_path / "run.json").write_text(json.dumps({"files": files}))
    return tmp_path / "detections.csv"


@pytest.mark.parametrize("typed", ["absent", "empty", "given"])
def test_activity_of_one_recorders_flat_folder(tmp_path, typed):
    from PIL import Image

    counts = plot_activity(flat_night(tmp_path, typed), tmp_path / "a.png", interval="10min")
    assert set(counts["unit"]) == {"all recordings"}  # one panel, not one per file
    assert len(counts) == 6 * 6  # six recorded hours of 10-minute bins; the 00:00-02:00 gap is not drawn as zeros
    assert not ((counts["bin_start"] >= pd.Timestamp("2024-05-02 00:00")) & (counts["bin_start"] < pd.Timestamp("2024-05-02 02:00"))).any()
    assert counts["calls"].sum() == 12 and (counts["calls"] == 0).sum() == 36 - 12
    with Image.open(tmp_path / "a.png") as im:
        assert im.size[1] < 400  # one panel
    if typed == "given":
        assert counts["thrush"].sum() == 4 and counts["tseep"].sum() == 8
    else:
        assert "thrush" not in counts.columns


def test_activity_counts_recordings_without_detections(tmp_path, monkeypatch):
    import birdscan.review.plot as plot

    titles = []
    original = plot._draw_activity

    def spy(counts, files, *args):
        titles.extend((u, len(g), int((g["n_detections"] == 0).sum())) for u, g in files.groupby("unit"))
        return original(counts, files, *args)

    monkeypatch.setattr(plot, "_draw_activity", spy)
    plot_activity(flat_night(tmp_path), tmp_path / "a.png")
    assert titles == [("all recordings", 6, 2)]
