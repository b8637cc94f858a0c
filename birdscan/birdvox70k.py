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
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from .errors import DataError, ParameterError
from .files import atomic_path

if TYPE_CHECKING:
    import pandas as pd

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
    -> ``"unit03_012712228_00000_0"``.

    Parameters
    ----------
    unit : str, the recording unit, e.g. ``"unit03"`` (written as given)
    centre_sample : int in [0, 10**9), the clip centre as a sample index in the full-night
        recording; zero-padded to 9 digits
    freq_hz : int in [0, 10**5), the call's centre frequency in Hz (0 for negatives);
        zero-padded to 5 digits
    label : int, 1 for a flight call, 0 for a negative

    Returns
    -------
    str, ``<unit>_<centre_sample:09d>_<freq_hz:05d>_<label>``; the numbers pass through ``int()``
    and are not range-checked (a wider number gives a name :func:`parse_clip_name` refuses)
    """
    return f"{unit}_{int(centre_sample):09d}_{int(freq_hz):05d}_{int(label)}"


def parse_clip_name(name: str, path: str | Path = "?") -> ClipName:
    """Parse a clip name.

    Parameters
    ----------
    name : str, ``unitNN_SSSSSSSSS_FFFFF_L`` (label 0 or 1)
    path : str or Path, the file holding the clip, named in the error

    Returns
    -------
    ClipName

    Raises
    ------
    DataError
        naming the file and clip when the name is malformed
    """
    m = _NAME.match(name)
    if not m:
        raise DataError(
            f"{path}: clip {name!r} is not named like 'unitNN_SSSSSSSSS_FFFFF_L' (BirdVox-70k)"
        )
    return ClipName(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))


def unit_file_name(unit: str) -> str:
    """File name of one unit.

    Parameters
    ----------
    unit : str, e.g. ``"unit03"`` (written as given)

    Returns
    -------
    str, e.g. ``"BirdVox-70k_unit03.hdf5"``
    """
    return f"BirdVox-70k_{unit}.hdf5"


def write_unit(path: str | Path, clips: Mapping[str, np.ndarray], sample_rate: int = SAMPLE_RATE) -> Path:
    """Write one unit file in the BirdVox-70k layout.

    Parameters
    ----------
    path : output file (``BirdVox-70k_unitNN.hdf5``), written atomically
    clips : mapping clip name -> np.ndarray [shape=(12000,), float32]
    sample_rate : int, Hz, stored as the file's ``sample_rate`` dataset

    Returns
    -------
    Path, ``path``

    Raises
    ------
    DataError
        for a malformed clip name or a clip not of shape ``(12000,)``
    """
    import h5py

    path = Path(path)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        g = f.create_group(GROUP)
        for name, wave in clips.items():
            parse_clip_name(name, path)
            wave = np.asarray(wave, dtype=np.float32)
            if wave.shape != (CLIP_SAMPLES,):
                raise DataError(f"{path}: clip {name} has shape {wave.shape}, expected ({CLIP_SAMPLES},)")
            g.create_dataset(name, data=wave)
        f.create_dataset("sample_rate", data=sample_rate)
    return path


_UNIT_FILE = re.compile(r"^BirdVox-70k_(unit\d{2})\.hdf5$")
_UNIT = re.compile(r"^(?:unit)?(\d{1,2})$")
INDEX_COLUMNS = ("path", "unit", "name", "centre_sample", "freq_hz", "label")


_EXTRA_UNIT = re.compile(r"^(?:extra|noise)(?:-[\w.-]+)?$")


def unit_name(unit: str | int) -> str:
    """Normalise a unit given as ``"unit03"``, ``"03"``, ``"3"`` or ``3`` to ``"unit03"``.

    Units of real sounds added to training (``"extra-<folder>"`` for reviewed clips,
    ``"noise"`` and ``"noise-val"`` for noise recordings) are kept as they are.

    Parameters
    ----------
    unit : str or int, a unit name or its number (0-99)

    Returns
    -------
    str, ``"unitNN"``, or the added unit's name

    Raises
    ------
    ParameterError
        when ``unit`` is none of these
    """
    text = str(unit).strip()
    if _EXTRA_UNIT.match(text):
        return text
    m = _UNIT.match(text.lower())
    if not m:
        raise ParameterError(f"unit={unit!r} is not a unit name like 'unit03' (or its number, 3), "
                             "'extra-<folder>' or 'noise'")
    return f"unit{int(m.group(1)):02d}"


def parse_units(units: str | int | Iterable[str | int] | None) -> list[str] | None:
    """Units from an option.

    Parameters
    ----------
    units : None, one unit, a comma-separated string or an iterable of units (as :func:`unit_name` reads them)

    Returns
    -------
    list of str or None, normalised unit names, duplicates dropped, order kept (None for None)

    Examples
    --------
    >>> parse_units("unit01,5")
    ['unit01', 'unit05']
    """
    if units is None:
        return None
    if isinstance(units, (str, int)):
        units = [u for u in str(units).split(",") if u.strip()]
    return list(dict.fromkeys(unit_name(u) for u in units))


def find_units(data_dir: str | Path) -> dict[str, Path]:
    """The BirdVox-70k unit files in a folder.

    Parameters
    ----------
    data_dir : folder holding ``BirdVox-70k_unitNN.hdf5`` files (not searched recursively)

    Returns
    -------
    dict unit -> path, sorted by unit, e.g. ``{"unit01": Path(".../BirdVox-70k_unit01.hdf5"), ...}``

    Example
    -------
    >>> units = find_units("BirdVox-70k")            # doctest: +SKIP
    >>> index = index_units(units)                   # doctest: +SKIP
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"data folder {data_dir} does not exist (expected BirdVox-70k_unitNN.hdf5 files in it)")
    found = {}
    for p in sorted(data_dir.iterdir()):
        m = _UNIT_FILE.match(p.name)
        if m and p.is_file():
            found[m.group(1)] = p
    if not found:
        raise DataError(
            f"no BirdVox-70k unit files (BirdVox-70k_unitNN.hdf5) in {data_dir}; "
            "download them from https://zenodo.org/record/1226427 or make some with birdscan.synth"
        )
    return found


def select_units(found: Mapping[str, Path], units: str | int | Iterable[str | int] | None) -> dict[str, Path]:
    """Some of the unit files found.

    Parameters
    ----------
    found : mapping unit -> Path, from :func:`find_units`
    units : units as :func:`parse_units` reads them; None for all

    Returns
    -------
    dict unit -> Path, in the order of ``units``

    Raises
    ------
    ParameterError
        when a unit asked for is not in ``found``
    """
    wanted = parse_units(units)
    if wanted is None:
        return dict(found)
    unknown = [u for u in wanted if u not in found]
    if unknown:
        raise ParameterError(f"units {unknown} are not in the data (found {sorted(found)})")
    return {u: found[u] for u in wanted}


def open_h5(path: Path):
    """Open a unit file read-only.

    Parameters
    ----------
    path : Path, the unit file

    Returns
    -------
    h5py.File, open for reading (close it, or use it in a ``with`` block)

    Raises
    ------
    DataError
        naming the file when it is missing, not HDF5 or cannot be opened
    """
    import h5py

    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if not h5py.is_hdf5(path):
        raise DataError(f"{path}: not an HDF5 file (a BirdVox-70k unit file is HDF5)")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise DataError(f"{path}: cannot open as HDF5: {e}") from e


def _check_sample_rate(f, path: Path, sample_rate: int) -> None:
    if "sample_rate" not in f:
        return  # BirdVox-70k itself has none: 24 kHz
    value = np.asarray(f["sample_rate"][()])
    if value.size != 1 or float(value.reshape(-1)[0]) != sample_rate:
        raise DataError(f"{path}: sample_rate {value.tolist()} Hz, the model needs {sample_rate} Hz")


def _index_file(path: Path, unit: str | None, sample_rate: int) -> list[tuple]:
    import h5py

    rows = []
    with open_h5(path) as f:
        _check_sample_rate(f, path, sample_rate)
        group = f.get(GROUP)
        if not isinstance(group, h5py.Group):
            raise DataError(f"{path}: no group {GROUP!r} (BirdVox-70k layout: /{GROUP}/<clip name>)")
        gid = group.id
        for name in group:  # low-level opens: metadata only, ~40 us per clip
            clip = parse_clip_name(name, path)
            if unit is not None and clip.unit != unit:
                raise DataError(f"{path}: clip {name!r} belongs to {clip.unit}, but the file is {unit}'s")
            if gid.links.get_info(name.encode()).type != h5py.h5l.TYPE_HARD:
                raise DataError(f"{path}: clip {name!r} is a soft or external link; birdscan reads only clips stored in the file")
            try:
                obj = h5py.h5o.open(gid, name.encode())
            except (KeyError, OSError, RuntimeError) as e:
                raise DataError(f"{path}: clip {name!r} cannot be opened ({e})") from e
            if not isinstance(obj, h5py.h5d.DatasetID):
                raise DataError(f"{path}: clip {name!r} is not a dataset")
            if obj.shape != (CLIP_SAMPLES,) or obj.dtype.kind != "f":
                raise DataError(
                    f"{path}: clip {name!r} has shape {obj.shape} and dtype {obj.dtype}, "
                    f"expected ({CLIP_SAMPLES},) floats ({CLIP_SAMPLES / SAMPLE_RATE:g} s at {SAMPLE_RATE} Hz)"
                )
            rows.append((str(path), clip.unit, name, clip.centre_sample, clip.freq_hz, clip.label))
    if not rows:
        raise DataError(f"{path}: group {GROUP!r} holds no clips")
    return rows


def index_units(paths: Mapping[str, str | Path] | Iterable[str | Path], sample_rate: int = SAMPLE_RATE) -> pd.DataFrame:
    """List and check every clip of some unit files, without reading samples.

    Checks, per file: HDF5, a ``waveforms`` group, ``sample_rate`` (when present) equal to
    ``sample_rate``, and per clip: the name (``unitNN_SSSSSSSSS_FFFFF_L``, unit matching the
    file's) and the shape ``(12000,)`` floats, read from the dataset's metadata.

    Parameters
    ----------
    paths : unit -> path (from :func:`find_units`) or an iterable of unit file paths
    sample_rate : int, Hz; the model's rate, which the data must have

    Returns
    -------
    pandas.DataFrame, one row per clip with columns ``path`` (str), ``unit``, ``name``,
    ``centre_sample``, ``freq_hz``, ``label`` (0/1), in file then name order.

    Raises
    ------
    DataError naming the file (and clip) for anything that is not BirdVox-70k layout.
    """
    import pandas

    if isinstance(paths, Mapping):
        items = [(Path(p), unit) for unit, p in paths.items()]
    else:
        items = []
        for p in paths:
            m = _UNIT_FILE.match(Path(p).name)
            items.append((Path(p), m.group(1) if m else None))
    rows = [row for p, unit in items for row in _index_file(p, unit, sample_rate)]
    index = pandas.DataFrame(rows, columns=list(INDEX_COLUMNS))
    return index.astype({"centre_sample": "int64", "freq_hz": "int32", "label": "int8"})


@dataclass(frozen=True)
class Split:
    """Units for training, validation (model selection, early stopping) and test."""

    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]


def split_units(
    units: Iterable[str | int],
    val_units: str | int | Iterable[str | int] | None = None,
    test_units: str | int | Iterable[str | int] | None = None,
) -> Split:
    """Split recording units into train / validation / test, never mixing clips of a unit.

    Default (leave units out): no test units, and the validation unit is the last unit (in
    sorted order) that is not a test unit, i.e. ``unit10`` for BirdVox-70k. Everything not in
    validation or test trains.

    Parameters
    ----------
    units : the available units, e.g. the keys of :func:`find_units`
    val_units, test_units : units (``"unit10"``, ``10``, ``"unit07,unit10"`` or a list); ``None``
        for the default above. ``test_units`` may be ``()`` for none; so may ``val_units``
        when validation happens on other data (training's added units), and then every unit
        that is not a test unit trains, possibly none.

    Returns
    -------
    Split, each part a sorted tuple of unit names (``train`` in sorted order too)

    Raises
    ------
    ParameterError
        for units not among ``units``, a unit in both ``val_units`` and ``test_units``, or no
        validation or training unit left (unless validation is on other data)

    Example
    -------
    >>> split_units(UNITS)
    Split(train=('unit01', 'unit02', 'unit03', 'unit05', 'unit07'), val=('unit10',), test=())
    >>> split_units(UNITS, val_units="unit07", test_units=10).train
    ('unit01', 'unit02', 'unit03', 'unit05')
    """
    known = sorted(parse_units(list(units)) or [])
    test = parse_units(test_units) or []
    val = parse_units(val_units)
    elsewhere = val == []  # validation on other data
    for option, chosen in (("test_units", test), ("val_units", val or [])):
        unknown = [u for u in chosen if u not in known]
        if unknown:
            raise ParameterError(f"{option}: units {unknown} are not in the data (found {known})")
    if val is None:
        rest = [u for u in known if u not in test]
        val = rest[-1:]
    overlap = sorted(set(val) & set(test))
    if overlap:
        raise ParameterError(f"units {overlap} are in both val_units and test_units")
    if not val and not elsewhere:
        raise ParameterError(f"no validation unit: units found {known}, test_units={test}")
    train = [u for u in known if u not in val and u not in test]
    if not train and not elsewhere:
        raise ParameterError(f"no training units left: units found {known}, val_units={val}, test_units={test}")
    return Split(tuple(train), tuple(sorted(val)), tuple(sorted(test)))
