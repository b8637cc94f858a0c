"""birdscan.synth.ambience: background beds, deterministic at any rate, from generated or real sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from birdscan.errors import ParameterError
from birdscan.synth.ambience import synth_background
from birdscan.synth.backgrounds import RealBackgrounds
from birdscan.synth.profile import UnitProfile


def test_synth_background_deterministic_any_rate() -> None:
    profile = UnitProfile.draw(5)
    a = synth_background(np.random.default_rng(9), 30000, sr=44100, profile=profile)
    b = synth_background(np.random.default_rng(9), 30000, sr=44100, profile=profile)
    assert a.dtype == np.float32 and a.shape == (30000,)
    assert np.array_equal(a, b)
    assert UnitProfile.draw(5) == profile != UnitProfile.draw(6)


def test_synth_background_bad_arguments(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match=r"n_samples=0"):
        synth_background(rng, 0)
    sf.write(tmp_path / "day_120000.wav", np.zeros(24000), 24000)
    with pytest.raises(ParameterError, match=r"real has sr=24000 Hz but sr=44100"):
        synth_background(rng, 100, sr=44100, real=RealBackgrounds(tmp_path))
