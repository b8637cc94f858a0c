"""birdscan.realsounds (the package's RealSounds): reviewed clips and noise windows as training units,
never trained on held-out files."""

from __future__ import annotations

import numpy as np
import pytest

from birdscan.errors import ParameterError
from birdscan.realsounds import RealSounds, audio_files


def test_real_sounds_units_and_metadata_never_train_on_heldout_files(tmp_path, noise_dir, tone, write, dominant_hz):
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
