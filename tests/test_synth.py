"""Tests of birdscan.synth, birdscan.calls, birdscan.ambience, birdscan.negatives and birdscan.backgrounds: layout, determinism, where the calls are, bad arguments."""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from birdscan import birdvox70k as data
from birdscan.errors import ParameterError
from birdscan.synth import negatives
from birdscan.synth.backgrounds import clock_seconds
from birdscan.synth.compose import (
    RealBackgrounds,
    UnitProfile,
    make_clip,
    synth_background,
    synth_call,
    write_birdvox70k,
    write_recording,
)

NAME = re.compile(r"^(unit\d{2})_(\d{9})_(\d{5})_([01])$")
SR = data.SAMPLE_RATE


def band_energy(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    f = np.fft.rfftfreq(x.size, 1 / sr)
    return float(spec[(f >= lo) & (f <= hi)].sum())


def read_unit(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        assert f["sample_rate"][()] == SR
        return {name: ds[()] for name, ds in f[data.GROUP].items()}


@pytest.fixture(scope="module")
def two_units(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("synth70k")
    return write_birdvox70k(out, clips_per_unit=40, units=("unit01", "unit07"), seed=3)


# ---------------------------------------------------------------- BirdVox-70k layout
def test_birdvox70k_layout(two_units: list[Path]) -> None:
    assert [p.name for p in two_units] == ["BirdVox-70k_unit01.hdf5", "BirdVox-70k_unit07.hdf5"]
    for path, unit in zip(two_units, ("unit01", "unit07")):
        clips = read_unit(path)
        assert len(clips) == 40
        centres, labels = [], []
        for name, wave in clips.items():
            m = NAME.match(name)
            assert m, name
            assert m.group(1) == unit
            assert wave.dtype == np.float32 and wave.shape == (data.CLIP_SAMPLES,)
            assert np.all(np.isfinite(wave)) and 0.002 < np.abs(wave).max() <= 1.0
            freq, label = int(m.group(3)), int(m.group(4))
            assert (freq > 0) == (label == 1)
            if label:
                assert 1900 <= freq <= 4200 or 5000 <= freq <= 10500, name
            centres.append(int(m.group(2)))
            labels.append(label)
        assert sum(labels) == 20
        centres = sorted(centres)
        assert len(set(centres)) == 40
        assert data.CLIP_SAMPLES <= centres[0] and centres[-1] <= 10 * 3600 * SR - data.CLIP_SAMPLES


def test_birdvox70k_positive_fraction(tmp_path: Path) -> None:
    (path,) = write_birdvox70k(tmp_path, clips_per_unit=12, units=("unit03",), positive_fraction=0.25)
    assert sum(name.endswith("_1") for name in read_unit(path)) == 3


def test_birdvox70k_deterministic_by_seed_and_unit(tmp_path: Path, two_units: list[Path]) -> None:
    again = write_birdvox70k(tmp_path / "again", clips_per_unit=40, units=("unit07",), seed=3)
    first, second = read_unit(two_units[1]), read_unit(again[0])
    assert list(first) == list(second)
    assert all(first[k].tobytes() == second[k].tobytes() for k in first)
    other = read_unit(write_birdvox70k(tmp_path / "other", clips_per_unit=40, units=("unit07",), seed=4)[0])
    assert list(other) != list(first)


def test_birdvox70k_workers_do_not_change_data(tmp_path: Path) -> None:
    one = write_birdvox70k(tmp_path / "one", clips_per_unit=6, units=("unit02", "unit05"), seed=1)
    two = write_birdvox70k(tmp_path / "two", clips_per_unit=6, units=("unit02", "unit05"), seed=1, workers=2)
    for a, b in zip(one, two):
        first, second = read_unit(a), read_unit(b)
        assert list(first) == list(second)
        assert all(np.array_equal(first[k], second[k]) for k in first)


def test_positive_clips_have_call_energy_at_centre() -> None:
    rng = np.random.default_rng(0)
    wins = []
    for i in range(60):
        clip, freq = make_clip(rng, 1, UnitProfile.draw(i))
        lo, hi = freq - 400, freq + 400
        centre = band_energy(clip[6000 - 1200 : 6000 + 1200], SR, lo, hi)
        edges = max(band_energy(clip[:2400], SR, lo, hi), band_energy(clip[-2400:], SR, lo, hi))
        wins.append(centre > edges)
    assert np.mean(wins) >= 0.8


def test_negative_clips_have_hard_negatives_at_centre() -> None:
    """Over a quiet bed, many negatives carry 1.5-10 kHz energy at the centre; bare backgrounds do not."""
    quiet = UnitProfile(
        insects=(), click_rate=1e-3, rain_prob=0, wind_prob=0, traffic_prob=0, airplane_prob=0,
        handling_rate=0, transient_rate=0, tonal_rate=0, hum_prob=0,
    )

    def centre_louder(x: np.ndarray) -> bool:
        x = x - x.mean()
        edges = max(band_energy(x[:2400], SR, 1500, 10000), band_energy(x[-2400:], SR, 1500, 10000))
        return band_energy(x[6000 - 1200 : 6000 + 1200], SR, 1500, 10000) > 1.2 * edges

    rng = np.random.default_rng(1)
    negatives = [make_clip(rng, 0, quiet) for _ in range(60)]
    assert all(freq == 0 for _, freq in negatives)
    assert np.mean([centre_louder(clip) for clip, _ in negatives]) >= 0.2
    assert np.mean([centre_louder(synth_background(rng, 12000, profile=quiet)) for _ in range(60)]) <= 0.05


# ---------------------------------------------------------------- calls and backgrounds
@settings(max_examples=60, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([16000, 22050, 24000, 48000]))
def test_synth_call_info_is_consistent(seed: int, sr: int) -> None:
    wave, info = synth_call(np.random.default_rng(seed), sr=sr)
    assert wave.dtype == np.float32 and np.isclose(np.abs(wave).max(), 1.0)
    assert wave.size >= round(info["duration_s"] * sr)
    assert info["low_freq_hz"] <= info["centre_freq_hz"] <= info["high_freq_hz"] < 0.46 * sr
    if info["kind"] == "thrush":
        assert 0.039 <= info["duration_s"] <= 0.321
        assert 1900 <= info["low_freq_hz"] and info["high_freq_hz"] <= 4200
    else:
        assert info["kind"] == "high"
        assert 0.019 <= info["duration_s"] <= 0.101
        assert 5000 <= info["low_freq_hz"]


def test_synth_call_kinds() -> None:
    rng = np.random.default_rng(2)
    kinds = [synth_call(rng)[1]["kind"] for _ in range(400)]
    assert 0.06 < kinds.count("high") / 400 < 0.2
    assert synth_call(rng, kind="high")[1]["kind"] == "high"


def test_tseep_fraction_sets_the_share_of_high_calls(tmp_path: Path) -> None:
    def high_share(paths: list[Path]) -> float:
        freqs = [int(NAME.match(n).group(3)) for n in read_unit(paths[0]) if n.endswith("_1")]
        return float(np.mean([f >= 5000 for f in freqs]))

    many = write_birdvox70k(tmp_path / "a", clips_per_unit=100, units=("unit01",), seed=4, positive_fraction=1.0,
                            tseep_fraction=0.5)
    none = write_birdvox70k(tmp_path / "b", clips_per_unit=30, units=("unit01",), seed=4, positive_fraction=1.0,
                            tseep_fraction=0.0)
    assert 0.33 < high_share(many) < 0.67 and high_share(none) == 0.0
    with pytest.raises(ParameterError, match="tseep_fraction=2"):
        write_birdvox70k(tmp_path / "c", tseep_fraction=2)


def _band_share(x: np.ndarray, lo: float, hi: float) -> float:
    return band_energy(x, SR, lo, hi) / band_energy(x, SR, 20, 0.5 * SR)


def test_owl_hoots_are_low_with_harmonics_reaching_the_thrush_band() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        x, lo, hi = negatives.owl(rng, SR)
        assert np.isfinite(x).all() and 0.15 * SR <= x.size
        spec = np.abs(np.fft.rfft(x))
        assert np.fft.rfftfreq(x.size, 1 / SR)[np.argmax(spec)] < 1600  # the fundamental (250-1470 Hz) is low
        assert band_energy(x, SR, 1900, 4200) > 0 and lo < 1900 < hi


def test_coqui_is_a_low_steady_note_then_an_upsweep() -> None:
    rng = np.random.default_rng(6)
    for _ in range(20):
        x, lo, hi = negatives.coqui(rng, SR)
        env = np.abs(x) > 0.05 * np.abs(x).max()
        on = np.flatnonzero(env)
        first = x[on[0] : on[0] + int(0.05 * SR)]
        last = x[on[-1] - int(0.04 * SR) : on[-1]]
        f_first = np.fft.rfftfreq(first.size, 1 / SR)[np.argmax(np.abs(np.fft.rfft(first)))]
        f_last = np.fft.rfftfreq(last.size, 1 / SR)[np.argmax(np.abs(np.fft.rfft(last)))]
        assert 900 <= f_first <= 1800 and f_last > f_first + 300 and 2000 <= f_last <= 3600


def test_steady_sounds_outlast_a_window_and_often_sit_in_the_thrush_band() -> None:
    rng = np.random.default_rng(8)
    events = [negatives.steady(rng, SR) for _ in range(200)]
    assert all(x.size >= 0.7 * SR for x, _, _ in events)
    tones = [(lo + hi) / 2 for x, lo, hi in events if hi - lo == 300]  # pure tones: band f0 +- 150 Hz
    in_thrush = np.mean([2000 <= f <= 4200 for f in tones])
    assert len(tones) > 80 and in_thrush > 0.5


def test_thunder_and_every_hard_negative_kind_is_drawn() -> None:
    rng = np.random.default_rng(7)
    x, _, _ = negatives.thunder(rng, SR, SR)
    assert np.isfinite(x).all() and _band_share(x, 20, 1000) > 0.5
    kinds = {negatives.hard_negative(rng, SR, UnitProfile.draw(1))[0] for _ in range(600)}
    assert kinds == set(negatives.HARD_NEGATIVES)
    assert abs(sum(negatives.HARD_NEGATIVES.values()) - 1) < 1e-9


def test_synth_background_deterministic_any_rate() -> None:
    profile = UnitProfile.draw(5)
    a = synth_background(np.random.default_rng(9), 30000, sr=44100, profile=profile)
    b = synth_background(np.random.default_rng(9), 30000, sr=44100, profile=profile)
    assert a.dtype == np.float32 and a.shape == (30000,)
    assert np.array_equal(a, b)
    assert UnitProfile.draw(5) == profile != UnitProfile.draw(6)


def test_clock_seconds() -> None:
    assert clock_seconds("S4A03895_20190522_213000.wav") == 21 * 3600 + 30 * 60
    assert clock_seconds("site/20200101T041500Z.flac") == 4 * 3600 + 15 * 60
    assert clock_seconds("unit01_1234567.wav") is None
    assert clock_seconds("take_256000.wav") is None


def test_real_backgrounds(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "sub").mkdir()
    sf.write(tmp_path / "S1_20200101_231500.wav", 0.01 * rng.standard_normal((22050, 2)) + 0.03, 22050)
    sf.write(tmp_path / "sub" / "S1_20200101_120000.flac", 0.01 * rng.standard_normal(48000), 48000)
    sf.write(tmp_path / "notime.wav", 0.01 * rng.standard_normal(24000), 24000)
    (tmp_path / "readme.txt").write_text("not audio")
    everything = RealBackgrounds(tmp_path)
    assert len(everything) == 3 and abs(everything.seconds - 3.0) < 0.01
    night = RealBackgrounds(tmp_path, night=("21:30", "04:30"))
    assert [p.name for p in night.paths] == ["S1_20200101_231500.wav"]
    x = night.excerpt(rng, 5 * SR)  # longer than the file: pieces are crossfaded
    assert x.shape == (5 * SR,) and x.dtype == np.float32
    assert abs(float(x.mean())) < 0.005  # DC removed
    clip, _ = make_clip(rng, 1, UnitProfile.draw(0), night)
    assert clip.shape == (data.CLIP_SAMPLES,)
    (path,) = write_birdvox70k(tmp_path / "out", clips_per_unit=4, units=("unit02",), backgrounds=tmp_path)
    assert len(read_unit(path)) == 4


# ---------------------------------------------------------------- long recordings
def test_write_recording_truth_and_energy(tmp_path: Path) -> None:
    path = tmp_path / "night.wav"
    truth = write_recording(path, 65.3, calls_per_minute=40, seed=1)
    info = sf.info(path)
    assert info.samplerate == SR and info.channels == 1 and info.frames == round(65.3 * SR)
    columns = ["file", "start_s", "end_s", "centre_s", "low_freq_hz", "high_freq_hz", "kind", "snr_db"]
    assert list(truth.columns) == columns
    assert len(truth) > 10
    assert (truth["file"] == "night.wav").all()
    assert (truth["start_s"] >= 0.05 - 1e-6).all() and (truth["end_s"] <= 65.3 - 0.05 + 1e-6).all()
    assert (truth["start_s"] < truth["centre_s"]).all() and (truth["centre_s"] < truth["end_s"]).all()
    assert truth["start_s"].is_monotonic_increasing
    read = pd.read_csv(path.with_suffix(".truth.csv"))
    pd.testing.assert_frame_equal(read, truth, check_exact=False, atol=1e-9)

    audio, _ = sf.read(path)
    win = int(0.1 * SR)
    above = []
    for row in truth[truth["snr_db"] >= 3].itertuples():
        lo, hi = row.low_freq_hz - 100, row.high_freq_hz + 100
        c = int(row.centre_s * SR)
        at_call = band_energy(audio[c - win // 2 : c + win // 2], SR, lo, hi)
        starts = range(0, audio.size - win, win)
        background = np.median([band_energy(audio[s : s + win], SR, lo, hi) for s in starts])
        above.append(at_call > background)
    assert len(above) > 5 and np.mean(above) >= 0.9


def test_write_recording_resampled_stereo_flac(tmp_path: Path) -> None:
    path = tmp_path / "night.flac"
    truth = write_recording(path, 31.5, sr=44100, calls_per_minute=30, seed=2, channels=2)
    audio, sr = sf.read(path)
    assert sr == 44100 and audio.shape == (round(31.5 * 44100), 2)
    assert (truth["end_s"] <= 31.5).all()
    assert np.abs(audio).max() > 0 and not np.array_equal(audio[:, 0], audio[:, 1])
    path24 = tmp_path / "low.wav"
    write_recording(path24, 2.0, sr=22050, seed=2, subtype="PCM_24")
    info = sf.info(path24)
    assert (info.frames, info.samplerate, info.subtype) == (44100, 22050, "PCM_24")


def test_write_recording_deterministic(tmp_path: Path) -> None:
    a = write_recording(tmp_path / "a.wav", 12.0, seed=7)
    b = write_recording(tmp_path / "b.wav", 12.0, seed=7)
    assert a.drop(columns="file").equals(b.drop(columns="file"))
    assert np.array_equal(sf.read(tmp_path / "a.wav")[0], sf.read(tmp_path / "b.wav")[0])
    assert write_recording(tmp_path / "quiet.wav", 5.0, calls_per_minute=0).empty


# ---------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"clips_per_unit": 0}, r"clips_per_unit=0"),
        ({"units": ("unit1",)}, r"units: 'unit1'"),
        ({"units": ()}, r"units=\(\)"),
        ({"units": ("unit01", "unit01")}, r"units=.* twice"),
        ({"seed": -1}, r"seed=-1"),
        ({"positive_fraction": 1.5}, r"positive_fraction=1.5"),
        ({"backgrounds": "/no/such/folder"}, r"backgrounds='/no/such/folder'"),
        ({"workers": 0}, r"workers=0"),
    ],
)
def test_write_birdvox70k_bad_arguments(tmp_path: Path, kwargs: dict, match: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match=match):
        write_birdvox70k(out, **kwargs)
    assert not out.exists()  # checked before any work


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("a.mp3", {}, r"path=.*a\.mp3.* \.wav or \.flac"),
        ("a.wav", {"duration_s": 0}, r"duration_s=0"),
        ("a.wav", {"sr": 8000}, r"sr=8000"),
        ("a.wav", {"calls_per_minute": -1}, r"calls_per_minute=-1"),
        ("a.wav", {"seed": 1.5}, r"seed=1.5"),
        ("a.wav", {"channels": 0}, r"channels=0"),
        ("a.flac", {"subtype": "FLOAT"}, r"subtype='FLOAT'"),
        ("a.wav", {"backgrounds": 3}, r"backgrounds=3"),
    ],
)
def test_write_recording_bad_arguments(tmp_path: Path, name: str, kwargs: dict, match: str) -> None:
    kwargs = {"duration_s": 2.0, **kwargs}
    with pytest.raises(ParameterError, match=match):
        write_recording(tmp_path / name, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_other_bad_arguments(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match=r"kind='owl'"):
        synth_call(rng, kind="owl")
    with pytest.raises(ParameterError, match=r"rng=0 must be a numpy.random.Generator"):
        synth_call(0)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"sr=8000"):
        synth_call(rng, sr=8000)
    with pytest.raises(ParameterError, match=r"label=2"):
        make_clip(rng, 2, UnitProfile())
    with pytest.raises(ParameterError, match=r"profile=None"):
        make_clip(rng, 1, None)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"n_samples=0"):
        synth_background(rng, 0)
    with pytest.raises(ParameterError, match=r"rng=-1"):
        UnitProfile.draw(-1)
    with pytest.raises(ParameterError, match=r"folder='.*nothing' is not a directory"):
        RealBackgrounds(tmp_path / "nothing")
    with pytest.raises(ParameterError, match=r"folder=.* holds no audio"):
        RealBackgrounds(tmp_path)
    with pytest.raises(ParameterError, match=r"night=\('25:00', '04:00'\)"):
        RealBackgrounds(tmp_path, night=("25:00", "04:00"))
    sf.write(tmp_path / "day_120000.wav", np.zeros(24000), 24000)
    with pytest.raises(ParameterError, match=r"holds no night-time \(21:30-04:30\) audio"):
        RealBackgrounds(tmp_path, night=("21:30", "04:30"))
    with pytest.raises(ParameterError, match=r"real has sr=24000 Hz but sr=44100"):
        synth_background(rng, 100, sr=44100, real=RealBackgrounds(tmp_path))
