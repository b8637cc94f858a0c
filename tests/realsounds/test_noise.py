"""birdscan.realsounds.noise: noise folders split into train, validation and held-out files whatever the
order, and varied, seeded windows cut from them."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan.errors import DataError, ParameterError
from birdscan.realsounds.noise import LEVEL_DB, NoiseBank, Variants, audio_files, noise_recordings, split_recordings


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


def test_noise_bank_windows_are_seeded_finite_and_varied_in_pitch(noise_dir, dominant_hz):
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


def test_noise_bank_part_cuts_validation_from_the_end(noise_dir, tone, write, dominant_hz):
    x = np.concatenate([tone(1000, 8.0), tone(6000, 2.0)])
    write(noise_dir / "split" / "two.wav", x)
    val = NoiseBank([noise_dir / "split" / "two.wav"], part=(0.8, 1.0))
    assert {round(dominant_hz(w), -2) for w in val.windows(10, np.random.default_rng(0), variants=None)} == {6000.0}
    with pytest.raises(ParameterError, match="part="):
        NoiseBank([noise_dir / "split" / "two.wav"], part=(0.9, 0.2))


def test_noise_windows_spread_over_recording_levels_whatever_the_source_level(noise_dir, tone, write):
    # the same sound recorded 40 dB apart gives windows at the same spread of levels: a model
    # must not learn that loud means noise (generated calls are quiet as often as loud)
    write(noise_dir / "loud" / "a.wav", 0.5 * tone(3000, 3.0))
    write(noise_dir / "quiet" / "a.wav", 0.005 * tone(3000, 3.0))
    lo, hi = LEVEL_DB
    for folder in ("loud", "quiet"):
        bank = NoiseBank([noise_dir / folder / "a.wav"])
        for variants in (None, Variants()):
            x = bank.windows(300, np.random.default_rng(2), variants=variants).astype(np.float64)
            level = 10 * np.log10(np.mean(x**2, axis=1))
            assert lo - 0.01 <= level.min() and level.max() <= hi + 0.01
            # spread evenly in dB: each third of the range holds about a third of the windows
            thirds = np.histogram(level, bins=3, range=(lo, hi))[0]
            assert thirds.min() > 60, thirds
    quiet = NoiseBank([noise_dir / "quiet" / "a.wav"]).windows(50, np.random.default_rng(3), level_db=(-30.0, -30.0))
    np.testing.assert_allclose(10 * np.log10(np.mean(quiet.astype(np.float64) ** 2, axis=1)), -30.0, atol=0.01)
    with pytest.raises(ParameterError, match="level_db"):
        bank.windows(1, np.random.default_rng(0), level_db=(-20.0, 6.0))
