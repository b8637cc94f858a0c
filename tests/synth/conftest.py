"""Fixtures of the synth tests: band energy of a sound, and the clips of a written unit file."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from birdscan import birdvox70k as data


def _band_energy(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    f = np.fft.rfftfreq(x.size, 1 / sr)
    return float(spec[(f >= lo) & (f <= hi)].sum())


def _read_unit(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        assert f["sample_rate"][()] == data.SAMPLE_RATE
        return {name: ds[()] for name, ds in f[data.GROUP].items()}


@pytest.fixture(scope="session")
def band_energy():
    """``band_energy(x, sr, lo, hi) -> float``: energy of ``x`` (Hann-windowed) between ``lo`` and ``hi`` Hz."""
    return _band_energy


@pytest.fixture(scope="session")
def read_unit():
    """``read_unit(path) -> {clip name: wave}``: the clips of a BirdVox-70k unit file, checking its
    ``sample_rate`` is 24 kHz."""
    return _read_unit
