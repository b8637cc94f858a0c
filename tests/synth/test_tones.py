"""birdscan.synth.tones: whole-window steady tones and owl hoots as labelled clips for --extra."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan import birdvox70k as data
from birdscan.errors import OutputError, ParameterError
from birdscan.realsounds import LEVEL_DB, read_labelled
from birdscan.synth.dsp import band_rms
from birdscan.synth.tones import hoot_window, tone_window, write_tone_clips

SR = data.SAMPLE_RATE


def test_the_tone_fills_the_whole_window() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        x, lo, hi = tone_window(rng)
        assert x.shape == (data.CLIP_SAMPLES,)
        # no start or end inside: each quarter of the window holds the tone's band
        quarters = [band_rms(q, SR, lo, hi) for q in np.split(x, 4)]
        assert min(quarters) > 0.3 * max(quarters)


def test_written_clips_are_what_train_extra_reads(tmp_path) -> None:
    folder = write_tone_clips(tmp_path / "tones", 30, seed=1, call_fraction=0.5)
    clips = read_labelled(folder)
    assert clips.waves.shape == (30, data.CLIP_SAMPLES)  # one window per clip
    calls = clips.labels == 1
    assert 5 <= calls.sum() <= 25
    assert np.all(clips.freq_hz[~calls] == 0) and np.all((clips.freq_hz[calls] > 1500) & (clips.freq_hz[calls] < 11000))
    levels = 10 * np.log10(np.mean(clips.waves.astype(np.float64) ** 2, axis=1))
    assert np.all((levels > LEVEL_DB[0] - 0.5) & (levels < LEVEL_DB[1] + 0.5))
    # seeded: the same clips again
    again = read_labelled(write_tone_clips(tmp_path / "again", 30, seed=1, call_fraction=0.5))
    np.testing.assert_array_equal(again.waves, clips.waves)


def test_refuses_to_overwrite_and_checks_its_numbers(tmp_path) -> None:
    write_tone_clips(tmp_path, 2)
    with pytest.raises(OutputError, match="labels.csv exists; pass overwrite=True"):
        write_tone_clips(tmp_path, 2)
    write_tone_clips(tmp_path, 2, overwrite=True)
    with pytest.raises(ParameterError, match="call_fraction"):
        write_tone_clips(tmp_path / "x", 2, call_fraction=1.5)


def test_a_call_clip_holds_its_call_at_the_centre_over_the_tone(tmp_path) -> None:
    folder = write_tone_clips(tmp_path, 12, seed=3, call_fraction=1.0)
    clips = read_labelled(folder)
    assert np.all(clips.labels == 1)
    ratios = []
    for x, f in zip(clips.waves.astype(np.float64), clips.freq_hz):
        lo, hi = f / 1.25, f * 1.25
        centre = band_rms(x[4800:7200], SR, lo, hi)  # the middle 0.1 s
        edges = max(band_rms(x[:1920], SR, lo, hi), band_rms(x[-1920:], SR, lo, hi))  # first and last 80 ms
        ratios.append(centre / edges)
    # each call adds to its band at the centre (some only 3 dB over a loud tone), most clearly
    assert min(ratios) > 1.0 and np.median(ratios) > 2.0, ratios


@pytest.mark.parametrize("sr", [16000, 22050, 48000])
def test_clips_are_half_a_second_at_any_rate(tmp_path, sr) -> None:
    import soundfile as sf

    folder = write_tone_clips(tmp_path, 3, seed=2, sr=sr)
    for name in sorted((folder / "clips").iterdir()):
        info = sf.info(str(name))
        assert info.samplerate == sr and info.frames == round(0.5 * sr)
    assert read_labelled(folder).waves.shape == (3, data.CLIP_SAMPLES)


def test_hoot_windows_hold_onsets_middles_and_ends_in_the_thrush_band() -> None:
    rng = np.random.default_rng(4)
    halves = []
    for _ in range(60):
        x, lo, hi = hoot_window(rng)
        assert x.shape == (data.CLIP_SAMPLES,) and np.isfinite(x).all() and lo < 1900 < hi
        first, second = band_rms(x[:6000], SR, 200, hi), band_rms(x[6000:], SR, 200, hi)
        halves.append(second / first)
    halves = np.array(halves)
    # some windows catch an onset (the second half much louder), some an end, some a steady middle
    assert (halves > 3).sum() >= 5 and (halves < 1 / 3).sum() >= 5 and (abs(np.log(halves)) < 0.5).sum() >= 5


def test_hoot_clips_are_named_for_their_kind_and_other_kinds_are_refused(tmp_path) -> None:
    folder = write_tone_clips(tmp_path / "hoots", 12, seed=1, kind="hoot")
    assert sorted(p.name for p in (folder / "clips").iterdir())[0] == "hoot_00000.wav"
    clips = read_labelled(folder)
    assert clips.waves.shape == (12, data.CLIP_SAMPLES)
    tones = read_labelled(write_tone_clips(tmp_path / "tones", 12, seed=1))
    assert not np.array_equal(tones.waves, clips.waves)
    with pytest.raises(ParameterError, match="kind='owl' must be one of tone, hoot"):
        write_tone_clips(tmp_path / "x", 2, kind="owl")
