"""Fixtures of the realsounds tests: tones written as audio files, their dominant frequency, and a
folder of noise recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 24_000


def _tone(freq: float, dur: float, sr: int = SR, pulse_hz: float | None = None, seed: int = 0) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * freq * t)
    if pulse_hz:
        x *= (np.sin(2 * np.pi * pulse_hz * t) > 0)
    return (x + 0.001 * np.random.default_rng(seed).standard_normal(t.size)).astype(np.float32)


def _write(path: Path, x: np.ndarray, sr: int = SR, channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.repeat(x[:, None], channels, 1) if channels > 1 else x, sr)
    return path


def _dominant_hz(x: np.ndarray, sr: int = SR) -> float:
    spec = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(x.size, 1 / sr)[np.argmax(spec)])


@pytest.fixture(scope="session")
def tone():
    """``tone(freq, dur, sr=24000, pulse_hz=None, seed=0)``: a 0.3-amplitude sine (gated at ``pulse_hz``
    when given) over faint noise, float32."""
    return _tone


@pytest.fixture(scope="session")
def write():
    """``write(path, x, sr=24000, channels=1) -> path``: ``x`` written with soundfile (copied into
    ``channels`` channels), folders made."""
    return _write


@pytest.fixture(scope="session")
def dominant_hz():
    """``dominant_hz(x, sr=24000) -> float``: the frequency of the largest FFT bin of ``x``."""
    return _dominant_hz


@pytest.fixture
def noise_dir(tmp_path: Path) -> Path:
    """noise/: crickets/ (four pulsed 4.0-4.6 kHz tones, 3 s), frogs/ (two stereo 44.1 kHz FLACs at
    1.2-1.3 kHz) and rain/ (one 2.5 kHz OGG)."""
    root = tmp_path / "noise"
    for i in range(4):
        _write(root / "crickets" / f"c{i}.wav", _tone(4000 + 200 * i, 3.0, pulse_hz=20, seed=i))
    for i in range(2):
        _write(root / "frogs" / f"f{i}.flac", _tone(1200 + 100 * i, 2.0, sr=44_100, seed=9 + i), sr=44_100, channels=2)
    _write(root / "rain" / "only.ogg", _tone(2500, 2.0, seed=5))
    return root
