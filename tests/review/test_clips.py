"""birdscan.review.clips on generated recordings with detections at known times."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from birdscan.review.clips import clip_name, export_clips
from birdscan.errors import ParameterError

SR = 22050


@pytest.fixture
def run(tmp_path):
    """A 10 s stereo PCM_16 recording under audio/unit03/ and 8 detections in it."""
    audio = tmp_path / "audio"
    (audio / "unit03").mkdir(parents=True)
    rng = np.random.default_rng(0)
    x = rng.integers(-20000, 20000, size=(10 * SR, 2), dtype=np.int16)
    sf.write(audio / "unit03" / "night1.wav", x, SR, subtype="PCM_16")
    starts = np.array([0.1, 1.0, 2.5, 4.0, 5.25, 7.0, 8.5, 9.8])
    det = pd.DataFrame({"file": "unit03/night1.wav", "start_s": starts, "end_s": starts + 0.15,
                        "peak_s": starts + 0.07, "max_prob": [0.55, 0.97, 0.61, 0.88, 0.7, 0.99, 0.5, 0.8],
                        "mean_prob": 0.5, "low_freq_hz": 3000, "high_freq_hz": 8000, "start_time": ""})
    det.to_csv(tmp_path / "detections.csv", index=False)
    return {"dir": tmp_path, "audio": audio, "x": x, "det": det}


def test_all_clips_with_padding_and_sortable_names(run, tmp_path):
    out = export_clips(run["dir"] / "detections.csv", tmp_path / "clips", audio_root=run["audio"], pad=0.25)
    assert (out["status"] == "ok").all() and len(out) == 8
    names = sorted(p.name for p in (tmp_path / "clips").iterdir())
    assert names == out["clip"].tolist()  # name order is file then time order
    assert names[1] == "unit03__night1__0000001000ms__p0.970.wav"
    for r in out.itertuples():
        y, sr = sf.read(tmp_path / "clips" / r.clip, dtype="int16", always_2d=True)
        a = max(round((r.start_s - 0.25) * SR), 0)
        b = min(round((r.end_s + 0.25) * SR), 10 * SR)
        assert sr == SR and y.shape == (b - a, 2) and sf.info(tmp_path / "clips" / r.clip).subtype == "PCM_16"
        np.testing.assert_array_equal(y, run["x"][a:b])  # the exact samples
    assert out["clip_start_s"].iloc[0] == 0.0 and out["clip_end_s"].iloc[-1] == pytest.approx(10.0)
    assert not list((tmp_path / "clips").glob(".*"))


def test_max_clips_and_sample_modes(run, tmp_path):
    det = run["dir"] / "detections.csv"
    top = export_clips(det, tmp_path / "top", audio_root=run["audio"], max_clips=3, sample="top")
    assert sorted(top["max_prob"]) == [0.88, 0.97, 0.99]
    assert top["start_s"].is_monotonic_increasing
    r1 = export_clips(det, tmp_path / "r1", audio_root=run["audio"], max_clips=4, sample="random", seed=3)
    r2 = export_clips(det, tmp_path / "r2", audio_root=run["audio"], max_clips=4, sample="random", seed=3)
    assert len(r1) == 4 and r1["clip"].tolist() == r2["clip"].tolist()
    assert len(list((tmp_path / "r1").glob("*.wav"))) == 4


def test_stratified_takes_equal_numbers_per_decile(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(SR * 120, dtype=np.float32), SR)
    starts = np.arange(100) * 1.0
    probs = np.random.default_rng(1).permutation(np.linspace(0.5, 0.999, 100))
    det = pd.DataFrame({"file": "a.wav", "start_s": starts, "end_s": starts + 0.2, "peak_s": starts + 0.1,
                        "max_prob": probs})
    out = export_clips(det, tmp_path / "clips", audio_root=tmp_path, max_clips=20, sample="stratified", pad=0)
    decile = np.searchsorted(np.sort(probs), out["max_prob"]) * 10 // 100
    assert np.bincount(decile, minlength=10).tolist() == [2] * 10
    odd = export_clips(det, tmp_path / "odd", audio_root=tmp_path, max_clips=13, sample="stratified", pad=0)
    assert len(odd) == 13


def test_missing_audio_is_a_row_not_a_crash(run, tmp_path):
    det = pd.concat([run["det"], run["det"].iloc[:2].assign(file="unit09/gone.wav")], ignore_index=True)
    out = export_clips(det, tmp_path / "clips", audio_root=run["audio"])
    bad = out[out["status"] == "error"]
    assert bad["file"].tolist() == ["unit09/gone.wav"] * 2
    assert bad["error"].str.contains("no such audio file").all() and (bad["clip"] == "").all()
    assert (out["status"] == "ok").sum() == 8


def test_audio_from_run_json(run, tmp_path):
    rec = run["audio"] / "unit03" / "night1.wav"
    (run["dir"] / "run.json").write_text(json.dumps(
        {"inputs": [str(run["audio"])], "files": [{"file": "unit03/night1.wav", "path": str(rec), "status": "ok"}]}))
    out = export_clips(run["dir"] / "detections.csv", tmp_path / "clips", max_clips=2)
    assert (out["status"] == "ok").all() and len(out) == 2


def test_bad_options(run, tmp_path):
    det = run["dir"] / "detections.csv"
    with pytest.raises(ParameterError, match=r"audio_root=None and no run.json next to the detections: give audio_root"):
        export_clips(det, tmp_path / "clips")
    with pytest.raises(ParameterError, match=r"sample='best' must be one of top, random, stratified"):
        export_clips(det, tmp_path / "clips", audio_root=run["audio"], sample="best")
    with pytest.raises(ParameterError, match=r"max_clips=0 must be an integer >= 1"):
        export_clips(det, tmp_path / "clips", audio_root=run["audio"], max_clips=0)
    with pytest.raises(ParameterError, match=r"pad=-1 must be a number of seconds >= 0"):
        export_clips(det, tmp_path / "clips", audio_root=run["audio"], pad=-1)
    assert not (tmp_path / "clips").exists()


def test_clip_name():
    assert clip_name("unit03/night1.flac", 120.25, 0.9731) == "unit03__night1__0000120250ms__p0.973.wav"
    assert clip_name("top.wav", 0.0, 1.0) == "top__0000000000ms__p1.000.wav"


@pytest.mark.parametrize("types", ["absent", "empty", "given"])
def test_per_type_sampling_with_and_without_a_frequency_head(run, tmp_path, types):
    det = run["det"]
    if types == "empty":
        det = det.assign(freq_hz=np.nan, call_type="")
    if types == "given":
        det = det.assign(freq_hz=[3000, 7000] * 4, call_type=["thrush", "tseep"] * 4)
    det.to_csv(tmp_path / "typed.csv", index=False)
    out = export_clips(tmp_path / "typed.csv", tmp_path / "c", audio_root=run["audio"], max_clips=2, per_type=True)
    if types != "given":
        assert len(out) == 2 and set(out["call_type"]) == {""} and not out["clip"].str.contains("thrush|tseep").any()
        return
    assert sorted(out["call_type"]) == ["thrush", "thrush", "tseep", "tseep"]
    assert sorted(out["max_prob"]) == [0.61, 0.7, 0.97, 0.99]  # the top two of each type
    assert out["clip"].str.endswith(("_thrush.wav", "_tseep.wav")).all()
    tseep = export_clips(tmp_path / "typed.csv", tmp_path / "t", audio_root=run["audio"], call_type="tseep")
    assert len(tseep) == 4 and set(tseep["call_type"]) == {"tseep"}


def test_a_folder_with_files_needs_overwrite(run, tmp_path):
    from birdscan.errors import OutputError

    det = run["dir"] / "detections.csv"
    export_clips(det, tmp_path / "c", audio_root=run["audio"], max_clips=1)
    with pytest.raises(OutputError, match=r"c is not empty; pass overwrite=True \(--overwrite\)"):
        export_clips(det, tmp_path / "c", audio_root=run["audio"], max_clips=1)
    assert len(export_clips(det, tmp_path / "c", audio_root=run["audio"], max_clips=2, overwrite=True)) == 2
    with pytest.raises(ParameterError, match="call_type='warbler' must be one of thrush, tseep"):
        export_clips(det, tmp_path / "d", call_type="warbler")
