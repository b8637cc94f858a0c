"""BirdVox-70k: the HDF5 layout, clip names, reading and unit splits.

One file per recording unit, ``BirdVox-70k_unitNN.hdf5``, holding a group
``waveforms`` with one 1-D float32 dataset per clip of 12,000 samples (0.5 s at
24 kHz) centred on the event. Clip names are ``unitNN_SSSSSSSSS_FFFFF_L``: ``S``
the clip centre as a sample index in the full-night recording, ``F`` the call's
centre frequency in Hz (``00000`` for negatives) and ``L`` the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from .errors import DataError

SAMPLE_RATE = 24_000
CLIP_SAMPLES = 12_000
GROUP = "waveforms"
UNITS = ("unit01", "unit02", "unit03", "unit05", "unit07", "unit10")
_NAME = re.compile(r"^(unit\d{2})_(\d{9})_(\d{5})_([01])$")


@dataclass(frozen=True)
class ClipName:
    """The parts of a BirdVox-70k clip name."""

    unit: str
    centre_sample: int
    freq_hz: int
    label: int


def clip_name(unit: str, centre_sample: int, freq_hz: int, label: int) -> str:
    """Format a clip name, e.g. ``clip_name("unit03", 12712228, 0, 0)``
    -> ``"unit03_012712228_00000_0"``."""
    return f"{unit}_{int(centre_sample):09d}_{int(freq_hz):05d}_{int(label)}"


def parse_clip_name(name: str, path: str | Path = "?") -> ClipName:
    """Parse a clip name; raise :class:`DataError` naming the file and clip when it is malformed."""
    m = _NAME.match(name)
    if not m:
        raise DataError(
            f"{path}: clip {name!r} is not named like 'unitNN_SSSSSSSSS_FFFFF_L' (BirdVox-70k)"
        )
    return ClipName(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))


def unit_file_name(unit: str) -> str:
    """File name of one unit, e.g. ``"BirdVox-70k_unit03.hdf5"``."""
    return f"BirdVox-70k_{unit}.hdf5"


def write_unit(path: str | Path, clips: Mapping[str, np.ndarray], sample_rate: int = SAMPLE_RATE) -> Path:
    """Write one unit file in the BirdVox-70k layout.

    Parameters
    ----------
    path : output file (``BirdVox-70k_unitNN.hdf5``)
    clips : mapping clip name -> np.ndarray [shape=(12000,), float32]
    """
    import h5py

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with h5py.File(tmp, "w") as f:
        g = f.create_group(GROUP)
        for name, wave in clips.items():
            parse_clip_name(name, path)
            wave = np.asarray(wave, dtype=np.float32)
            if wave.shape != (CLIP_SAMPLES,):
                raise DataError(f"{path}: clip {name} has shape {wave.shape}, expected ({CLIP_SAMPLES},)")
            g.create_dataset(name, data=wave)
        f.create_dataset("sample_rate", data=sample_rate)
    tmp.replace(path)
    return path
