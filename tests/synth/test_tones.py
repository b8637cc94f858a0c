"""birdscan.synth.tones: whole-window steady tones as labelled clips for --extra."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan import birdvox70k as data
from birdscan.errors import OutputError, ParameterError
from birdscan.realsounds import LEVEL_DB, read_labelled
from birdscan.synth.dsp import band_rms
from birdscan.synth.tones import tone_window, write_tone_clips

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
