"""Real sounds as training data: noise folders (split, varied windows) and reviewed clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from birdscan.errors import DataError, ParameterError
from birdscan.realsounds import (NoiseBank, RealSounds, Variants, audio_files, noise_recordings, read_labelled,
                                 split_recordings)

SR = 24_000


def tone(freq: float, dur: float, sr: int = SR, pulse_hz: float | None = None, seed: int = 0) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * freq * t)
    if pulse_hz:
        x *= (np.sin(2 * np.pi * pulse_hz * t) > 0)
    return (x + 0.001 * np.random.default_rng(seed).standard_normal(t.size)).astype(np.float32)


def write(path: Path, x: np.ndarray, sr: int = SR, channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.repeat(x[:, None], channels, 1) if channels > 1 else x, sr)
    return path


@pytest.fixture
def noise_dir(tmp_path: Path) -> Path:
    root = tmp_path / "noise"
    for i in range(4):
        write(root / "crickets" / f"c{i}.wav", tone(4000 + 200 * i, 3.0, pulse_hz=20, seed=i))
    for i in range(2):
        write(root / "frogs" / f"f{i}.flac", tone(1200 + 100 * i, 2.0, sr=44_100, seed=9 + i), sr=44_100, channels=2)
    write(root / "rain" / "only.ogg", tone(2500, 2.0, seed=5))
    return root


def dominant_hz(x: np.ndarray, sr: int = SR) -> float:
    spec = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(x.size, 1 / sr)[np.argmax(spec)])


# ----------------------------------------------------------------- noise folders


def test_split_holds_out_a_fixed_part_of_each_folder_whatever_the_order(noise_dir):
    files = audio_files(noise_dir)
    train, held = split_recordings(files, noise_dir, heldout=0.25)
    again = split_recordings(list(reversed(files)), noise_dir, heldout=0.25)
    assert (train, held) == again
    assert not set(train) & set(held) and sorted(train + held) == files
    by_folder = {p.parent.name for p in held}
    assert by_folder == {"crickets", "frogs"}  # every folder of two or more files gives one; "rain" has one file
    assert sum(p.parent.name == "crickets" for p in held) == 1


def test_noise_recordings_lists_train_validation_and_heldout(noise_dir):
    split = noise_recordings([noise_dir])
    # crickets: 4 files -> 1 held out, 1 of the other 3 for validation; frogs: 1 held out, 1 trains; rain trains
    assert len(split["train"]) == 4 and len(split["validation"]) == 1 and len(split["heldout"]) == 2
    assert split["validation"][0].parent.name == "crickets"
    parts = [set(split[k]) for k in ("train", "validation", "heldout")]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    # the held-out (test) files do not depend on how much is kept for validation
    assert noise_recordings([noise_dir], validation=0.0)["heldout"] == split["heldout"]
    assert noise_recordings([noise_dir], validation=0.0)["validation"] == []
    with pytest.raises(ParameterError, match="validation"):
        noise_recordings([noise_dir], heldout=0.5, validation=0.6)
    with pytest.raises(DataError, match="holds no audio files"):
        (noise_dir / "empty").mkdir()
        noise_recordings([noise_dir / "empty"])


def test_noise_bank_windows_are_seeded_finite_and_varied_in_pitch(noise_dir):
    bank = NoiseBank([noise_dir / "rain" / "only.ogg"])
    plain = bank.windows(20, np.random.default_rng(1), variants=None)
    assert plain.shape == (20, 12_000) and plain.dtype == np.float32 and np.isfinite(plain).all()
    assert {round(dominant_hz(w), -1) for w in plain} == {2500.0}  # as recorded
    a = bank.windows(40, np.random.default_rng(1), variants=Variants(chorus_prob=0, distance_prob=0))
    b = bank.windows(40, np.random.default_rng(1), variants=Variants(chorus_prob=0, distance_prob=0))
    np.testing.assert_array_equal(a, b)
    peaks = np.array([dominant_hz(w) for w in a])
    # speeds within an octave either way: the 2.5 kHz tone lands between 1.25 and 5 kHz, well spread
    assert peaks.min() >= 1200 and peaks.max() <= 5100
    assert peaks.min() < 1900 and peaks.max() > 3400


def test_noise_bank_part_cuts_validation_from_the_end(noise_dir):
    x = np.concatenate([tone(1000, 8.0), tone(6000, 2.0)])
    write(noise_dir / "split" / "two.wav", x)
    val = NoiseBank([noise_dir / "split" / "two.wav"], part=(0.8, 1.0))
    assert {round(dominant_hz(w), -2) for w in val.windows(10, np.random.default_rng(0), variants=None)} == {6000.0}
    with pytest.raises(ParameterError, match="part="):
        NoiseBank([noise_dir / "split" / "two.wav"], part=(0.9, 0.2))


# ----------------------------------------------------------------- reviewed clips


def test_read_labelled_call_and_not_call_any_rate_channels_length(tmp_path):
    d = tmp_path / "labelled"
    write(d / "call" / "long.wav", np.concatenate([np.zeros(SR), tone(3000, 0.2), np.zeros(SR)]), channels=2)
    write(d / "call" / "short.flac", tone(2800, 0.2, sr=44_100), sr=44_100)
    write(d / "not_call" / "chorus.wav", tone(4500, 1.3))  # 2 whole windows + a 0.3 s tail
    clips = read_labelled(d)
    assert clips.waves.shape == (5, 12_000) and clips.waves.dtype == np.float32
    assert clips.labels.tolist() == [1, 1, 0, 0, 0]
    long_call = clips.waves[0]
    assert np.abs(long_call[5000:7000]).max() > 0.2  # the centre window holds the call
    short = clips.waves[1]
    assert np.all(short[:3500] == 0) and np.all(short[-3500:] == 0)  # centred (4,800 samples) and padded
    assert round(dominant_hz(short), -2) == 2800
    assert np.all(clips.waves[4][7300:] == 0) and np.abs(clips.waves[4][:7000]).max() > 0.2  # padded tail
    assert clips.sources[0].endswith("long.wav")


def test_read_labelled_accepts_1_and_0_folders_and_a_csv(tmp_path):
    d = tmp_path / "numbers"
    write(d / "1" / "a.wav", tone(3000, 0.5))
    write(d / "0" / "b.wav", tone(5000, 0.5))
    assert read_labelled(d).labels.tolist() == [1, 0]
    t = tmp_path / "table"
    write(t / "clips" / "x.wav", tone(3000, 0.5))
    write(t / "clips" / "y.wav", tone(7000, 0.5))
    (t / "labels.csv").write_text("file,label,freq_hz\nclips/x.wav,call,3000\nclips/y.wav,not_call,\n")
    clips = read_labelled(t)
    assert clips.labels.tolist() == [1, 0] and clips.freq_hz.tolist() == [3000.0, 0.0]


@pytest.mark.parametrize("layout, match", [
    ({}, "no clips found; put them in call/ and not_call/"),
    ({"labels.csv": "name,kind\n"}, r"labels.csv: a label table needs the columns file,label"),
    ({"labels.csv": "file,label\nmissing.wav,call\n"}, r"labels.csv, line 2: clip 'missing.wav' does not exist"),
    ({"labels.csv": "file,label\nc.wav,maybe\n", "c.wav": "audio"}, r"labels.csv, line 2: label 'maybe' is not one of"),
    ({"call/broken.wav": b"RIFF not really"}, r"broken.wav: not a readable audio clip"),
])
def test_malformed_label_folders_name_the_file(tmp_path, layout, match):
    d = tmp_path / "bad"
    d.mkdir()
    for name, content in layout.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if content == "audio":
            write(p, tone(3000, 0.5))
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    with pytest.raises(DataError, match=match):
        read_labelled(d)


def test_real_sounds_units_and_metadata_never_train_on_heldout_files(tmp_path, noise_dir):
    d = tmp_path / "site-a"
    write(d / "call" / "a.wav", tone(3000, 0.5))
    write(d / "not_call" / "b.wav", tone(5000, 0.5))
    real = RealSounds(extra=[d], negatives=[noise_dir], negative_windows=50, seed=0)
    assert real.units == ["extra-site-a", "noise", "noise-val"]
    meta = real.metadata()
    neg = meta["negatives"]
    assert not set(neg["train"]) & set(neg["heldout"]) and len(neg["heldout"]) == 2
    assert neg["validation"] and not set(neg["validation"]) & (set(neg["train"]) | set(neg["heldout"]))
    assert all(name.startswith("noise/") for name in neg["train"] + neg["heldout"] + neg["validation"])
    arrays = {a.unit: a for a in real.arrays()}
    assert arrays["noise"].waves.shape == (50, 12_000) and not arrays["noise"].labels.any()
    assert arrays["noise-val"].waves.shape[0] >= 200 and arrays["extra-site-a"].labels.tolist() == [1, 0]
    # validation windows come from the validation recording (crickets at 4 kHz + 200 Hz * index,
    # pitch-shifted by at most half an octave), training windows never from it
    val_file = next(p for p in audio_files(noise_dir) if f"noise/{p.relative_to(noise_dir).as_posix()}" in neg["validation"])
    val_hz = 4000 + 200 * int(val_file.stem[1:])
    plain = arrays["noise-val"].waves[: len(arrays["noise-val"].waves) // 2]
    assert all(abs(dominant_hz(w) - val_hz) < 30 for w in plain[:20] if np.abs(w).max() > 0.01)
    # folders too small to spare a whole file for validation: the training files' last 20% validate
    for i in range(2):
        write(tmp_path / "two" / f"t{i}.wav", tone(3000 + 500 * i, 4.0, pulse_hz=10, seed=i))
    small = RealSounds(negatives=[tmp_path / "two"], negative_windows=20, seed=0)
    assert small.noise["validation"] == [] and len(small.noise["train"]) == 1
    assert {a.unit: a.waves.shape[0] for a in small.arrays()} == {"noise": 20, "noise-val": 200}
    with pytest.raises(ParameterError, match="negatives: .* is not a folder"):
        RealSounds(negatives=[tmp_path / "nope"])
    with pytest.raises(ParameterError, match="share a name"):
        RealSounds(extra=[d, d])
