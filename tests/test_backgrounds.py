"""birdscan.synth.backgrounds: real beds are found as realsounds finds recordings."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from birdscan.realsounds import audio_files
from birdscan.synth.backgrounds import RealBackgrounds


def test_real_backgrounds_skip_hidden_files_and_folders(tmp_path):
    rng = np.random.default_rng(0)
    for rel in ("a.wav", "sub/b.flac", ".hidden.wav", ".cache/c.wav", "sub/._b.flac"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        fmt = "FLAC" if rel.endswith(".flac") else "WAV"
        sf.write(tmp_path / rel, 0.01 * rng.standard_normal(12000), 24000, format=fmt)
    real = RealBackgrounds(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in real.paths] == ["a.wav", "sub/b.flac"]
    assert real.paths == audio_files(tmp_path)
