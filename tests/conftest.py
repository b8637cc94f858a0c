"""Shared fixtures: tests make their own data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from birdscan import birdvox70k as data


def chirp(sr: int, dur: float, f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * dur))
    return (np.sin(phase) * np.hanning(len(t))).astype(np.float32)


def _tone_file(path: Path, sr: int, dur: float, calls: list[float] = (), channels: int = 1,
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
        return _tone_file(p, sr, dur, list(calls), **kw)

    return _make


@pytest.fixture(scope="session")
def write_tone_file():
    """``write_tone_file(path, sr, dur, calls=(), channels=1, subtype=None, seed=0)``: noise with
    150 ms chirps centred at ``calls`` seconds, written with soundfile."""
    return _tone_file


def _toy_clip(rng: np.random.Generator, label: int) -> np.ndarray:
    """Positives: a 100 ms 2.5-3.5 kHz up-chirp near the centre of noise; negatives: noise,
    half of them with a click somewhere."""
    x = 0.02 * rng.standard_normal(data.CLIP_SAMPLES)
    if label:
        m = data.SAMPLE_RATE // 10
        t = np.arange(m) / data.SAMPLE_RATE
        f0 = rng.uniform(2500, 3000)
        call = np.sin(2 * np.pi * (f0 * t + 500 / (2 * t[-1]) * t**2)) * np.hanning(m)
        start = data.CLIP_SAMPLES // 2 - m // 2 + int(rng.integers(-200, 200))
        x[start:start + m] += rng.uniform(0.05, 0.2) * call
    elif rng.random() < 0.5:
        x[rng.integers(100, data.CLIP_SAMPLES - 100)] += rng.uniform(0.2, 0.5)
    return x.astype(np.float32)


def _toy_units(folder: Path, units=("unit01", "unit02", "unit03"), clips: int = 40, seed: int = 0) -> dict[str, Path]:
    """One BirdVox-70k-layout file per unit, ``clips`` clips each, labels alternating 0, 1."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for u, unit in enumerate(units):
        rng = np.random.default_rng([seed, u])
        labels = [i % 2 for i in range(clips)]
        waves = {data.clip_name(unit, 50_000 + 20_000 * i, 2750 * lab, lab): _toy_clip(rng, lab) for i, lab in enumerate(labels)}
        out[unit] = data.write_unit(folder / data.unit_file_name(unit), waves)
    return out


@pytest.fixture(scope="session")
def write_toy_units():
    """``write_toy_units(folder, units=(...), clips=40, seed=0) -> {unit: path}``: BirdVox-70k-layout
    unit files with alternating labels (positives hold a chirp)."""
    return _toy_units
