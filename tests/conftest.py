"""Shared fixtures: tests make their own data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


def chirp(sr: int, dur: float, f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * dur))
    return (np.sin(phase) * np.hanning(len(t))).astype(np.float32)


def write_tone_file(path: Path, sr: int, dur: float, calls: list[float] = (), channels: int = 1,
                    subtype: str | None = None, seed: int = 0) -> Path:
    """Noise with 150 ms 3.2->2.6 kHz chirps centred at ``calls`` seconds."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(int(dur * sr)) * 0.01).astype(np.float32)
    c = chirp(sr, 0.15, 3200, 2600) * 0.5
    for t in calls:
        a = int(t * sr) - len(c) // 2
        x[a : a + len(c)] += c
    data = np.repeat(x[:, None], channels, axis=1) if channels > 1 else x
    sf.write(str(path), data, sr, subtype=subtype)
    return path


@pytest.fixture
def make_audio(tmp_path):
    def _make(name: str, sr: int = 24000, dur: float = 3.0, calls=(), **kw) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return write_tone_file(p, sr, dur, list(calls), **kw)

    return _make
