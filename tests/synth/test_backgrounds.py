"""birdscan.synth.backgrounds: real recordings as backgrounds, chosen by their clock time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from birdscan import birdvox70k as data
from birdscan.errors import ParameterError
from birdscan.synth.backgrounds import RealBackgrounds, clock_seconds
from birdscan.synth.compose import make_clip, write_birdvox70k
from birdscan.synth.profile import UnitProfile
from birdscan.realsounds import audio_files

SR = data.SAMPLE_RATE


def test_clock_seconds() -> None:
    assert clock_seconds("S4A03895_20190522_213000.wav") == 21 * 3600 + 30 * 60
    assert clock_seconds("site/20200101T041500Z.flac") == 4 * 3600 + 15 * 60
    assert clock_seconds("unit01_1234567.wav") is None
    assert clock_seconds("take_256000.wav") is None


def test_real_backgrounds(tmp_path: Path, read_unit) -> None:
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


def test_real_backgrounds_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"folder='.*nothing' is not a directory"):
        RealBackgrounds(tmp_path / "nothing")
    with pytest.raises(ParameterError, match=r"folder=.* holds no audio"):
        RealBackgrounds(tmp_path)
    with pytest.raises(ParameterError, match=r"night=\('25:00', '04:00'\)"):
        RealBackgrounds(tmp_path, night=("25:00", "04:00"))
    sf.write(tmp_path / "day_120000.wav", np.zeros(24000), 24000)
    with pytest.raises(ParameterError, match=r"holds no night-time \(21:30-04:30\) audio"):
        RealBackgrounds(tmp_path, night=("21:30", "04:30"))


def test_real_backgrounds_skip_hidden_files_and_folders(tmp_path):
    rng = np.random.default_rng(0)
    for rel in ("a.wav", "sub/b.flac", ".hidden.wav", ".cache/c.wav", "sub/._b.flac"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        fmt = "FLAC" if rel.endswith(".flac") else "WAV"
        sf.write(tmp_path / rel, 0.01 * rng.standard_normal(12000), 24000, format=fmt)
    real = RealBackgrounds(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in real.paths] == ["a.wav", "sub/b.flac"]
    assert real.paths == audio_files(tmp_path)
