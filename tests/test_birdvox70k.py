"""birdscan.birdvox70k: unit files found and indexed without reading samples, malformed files named
with the clip at fault, the sample rate checked, and units split and selected; its rate and clip
length are the defaults wherever a default means them."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import h5py
import numpy as np
import pytest

import birdscan
from birdscan import birdvox70k as data
from birdscan.birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from birdscan.errors import DataError, ParameterError
from birdscan.train import dataset

N = data.CLIP_SAMPLES
ROOT = Path(birdscan.__file__).parent


@pytest.fixture
def toy(tmp_path: Path, write_toy_units) -> dict[str, Path]:
    return write_toy_units(tmp_path / "bv", clips=20)


def test_find_units_sorted_and_ignores_other_files(toy, tmp_path):
    (tmp_path / "bv" / "notes.txt").write_text("x")
    (tmp_path / "bv" / "BirdVox-70k_unit4.hdf5").write_text("not a unit name")
    found = data.find_units(tmp_path / "bv")
    assert list(found) == ["unit01", "unit02", "unit03"]
    assert found["unit02"].name == "BirdVox-70k_unit02.hdf5"


def test_find_units_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        data.find_units(tmp_path / "missing")
    with pytest.raises(DataError, match=r"no BirdVox-70k unit files .* in"):
        data.find_units(tmp_path)


def test_index_units_lists_clips_without_reading_samples(toy):
    index = data.index_units(toy)
    assert list(index.columns) == list(data.INDEX_COLUMNS)
    assert len(index) == 60
    assert index.groupby("unit")["label"].sum().tolist() == [10, 10, 10]
    first = index.iloc[1]
    assert (first.unit, first.label, first.freq_hz, first.centre_sample) == ("unit01", 1, 2750, 70_000)
    assert first.path == str(toy["unit01"])
    # a plain list of paths works too
    assert data.index_units(list(toy.values())).equals(index)


def test_index_units_reads_no_samples(tmp_path):
    # the clips' samples live in an external file that is then removed: reading any would fail
    import h5py

    raw = tmp_path / "samples.raw"
    raw.write_bytes(bytes(4 * data.CLIP_SAMPLES * 2))
    path = tmp_path / data.unit_file_name("unit01")
    with h5py.File(path, "w") as f:
        g = f.create_group(data.GROUP)
        for k, name in enumerate([data.clip_name("unit01", 1000, 0, 0), data.clip_name("unit01", 2000, 3000, 1)]):
            g.create_dataset(name, shape=(data.CLIP_SAMPLES,), dtype="f4",
                             external=[(str(raw), 4 * data.CLIP_SAMPLES * k, 4 * data.CLIP_SAMPLES)])
    raw.unlink()
    index = data.index_units({"unit01": path})
    assert index["label"].tolist() == [0, 1] and index["freq_hz"].tolist() == [0, 3000]
    with pytest.raises(DataError, match="cannot read clip"):
        dataset.ClipDataset(index)[0]


@pytest.mark.parametrize(
    "case, match",
    [
        ("short", r"BirdVox-70k_unit01\.hdf5: clip 'unit01_000012000_00000_0' has shape \(11999,\)"),
        ("badname", r"BirdVox-70k_unit01\.hdf5: clip 'unit01_12_00000_0' is not named like"),
        ("nogroup", r"BirdVox-70k_unit01\.hdf5: no group 'waveforms'"),
        ("text", r"BirdVox-70k_unit01\.hdf5: not an HDF5 file"),
        ("otherunit", r"BirdVox-70k_unit01\.hdf5: clip 'unit02_000012000_00000_0' belongs to unit02"),
        ("rate", r"BirdVox-70k_unit01\.hdf5: sample_rate 22050 Hz, the model needs 24000 Hz"),
        ("ints", r"clip 'unit01_000012000_00000_0' has shape \(12000,\) and dtype int16"),
        ("empty", r"BirdVox-70k_unit01\.hdf5: group 'waveforms' holds no clips"),
    ],
)
def test_malformed_files_fail_up_front_naming_file_and_clip(tmp_path, case, match, write_raw_unit):
    good = np.zeros(N, np.float32)
    path = tmp_path / "BirdVox-70k_unit01.hdf5"
    ok_name = "unit01_000012000_00000_0"
    if case == "short":
        write_raw_unit(path, {ok_name: good[:-1]})
    elif case == "badname":
        write_raw_unit(path, {"unit01_12_00000_0": good})
    elif case == "nogroup":
        write_raw_unit(path, {ok_name: good}, group="logmelspec_background")
    elif case == "text":
        path.write_text("unit01_000012000_00000_0\n")
    elif case == "otherunit":
        write_raw_unit(path, {"unit02_000012000_00000_0": good})
    elif case == "rate":
        write_raw_unit(path, {ok_name: good}, sample_rate=22050)
    elif case == "ints":
        write_raw_unit(path, {ok_name: good.astype(np.int16)})
    elif case == "empty":
        write_raw_unit(path, {})
    with pytest.raises(DataError, match=match):
        data.index_units(data.find_units(tmp_path))


def test_sample_rate_dataset_is_read_when_present(tmp_path, write_raw_unit):
    path = write_raw_unit(tmp_path / "BirdVox-70k_unit01.hdf5", {"unit01_000012000_00000_0": np.zeros(N, np.float32)},
                     sample_rate=24000)
    assert len(data.index_units([path])) == 1
    with pytest.raises(DataError, match="sample_rate 24000 Hz, the model needs 22050 Hz"):
        data.index_units([path], sample_rate=22050)


def test_hdf5_links_name_file_and_clip(tmp_path):
    name = data.clip_name("unit01", 50_000, 0, 0)
    path = data.write_unit(tmp_path / data.unit_file_name("unit01"), {name: np.zeros(12000, np.float32)})
    with h5py.File(path, "a") as f:
        f[data.GROUP][data.clip_name("unit01", 70_000, 0, 0)] = h5py.SoftLink("/nowhere")
    with pytest.raises(DataError, match=r"unit01\.hdf5: clip 'unit01_.*' is a soft or external link"):
        data.index_units([path])


def test_split_units_default_leaves_the_last_unit_out():
    split = data.split_units(data.UNITS)
    assert split == data.Split(("unit01", "unit02", "unit03", "unit05", "unit07"), ("unit10",), ())
    split = data.split_units(data.UNITS, test_units="unit10")
    assert split.val == ("unit07",) and split.test == ("unit10",)
    split = data.split_units(data.UNITS, val_units=[1, "02"], test_units="unit03,unit05")
    assert split == data.Split(("unit07", "unit10"), ("unit01", "unit02"), ("unit03", "unit05"))


def test_split_units_errors():
    with pytest.raises(ParameterError, match=r"val_units: units \['unit04'\] are not in the data"):
        data.split_units(data.UNITS, val_units="unit04")
    with pytest.raises(ParameterError, match=r"units \['unit10'\] are in both val_units and test_units"):
        data.split_units(data.UNITS, val_units="unit10", test_units=10)
    with pytest.raises(ParameterError, match="no training units left"):
        data.split_units(["unit01", "unit02"], val_units="unit01", test_units="unit02")
    with pytest.raises(ParameterError, match="no validation unit"):
        data.split_units(["unit01"], test_units="unit01")
    with pytest.raises(ParameterError, match="is not a unit name"):
        data.split_units(data.UNITS, val_units="u10")


def test_select_units(toy):
    found = data.find_units(next(iter(toy.values())).parent)
    assert list(data.select_units(found, "3,unit01")) == ["unit03", "unit01"]
    assert data.select_units(found, None) == found
    with pytest.raises(ParameterError, match=r"units \['unit07'\] are not in the data"):
        data.select_units(found, ["unit07"])


def test_defaults_are_birdvox_rate_and_clip_length():
    from birdscan.detect import audio
    from birdscan.realsounds import NoiseBank, RealSounds, read_labelled
    from birdscan.synth.ambience import synth_background
    from birdscan.synth.backgrounds import RealBackgrounds
    from birdscan.synth.calls import synth_call
    from birdscan.synth.recording import write_recording

    def default(f, name):
        return inspect.signature(f).parameters[name].default

    for f, name in ((audio.stream, "sample_rate"), (RealSounds, "sr"), (read_labelled, "sr"), (synth_call, "sr"),
                    (RealBackgrounds, "sr"), (synth_background, "sr"), (write_recording, "sr")):
        assert default(f, name) == SAMPLE_RATE, f.__qualname__
    for f, name in ((RealSounds, "window"), (read_labelled, "window"), (NoiseBank.windows, "size")):
        assert default(f, name) == CLIP_SAMPLES, f.__qualname__
    assert {f.name: f.default for f in dataclasses.fields(NoiseBank)}["sr"] == SAMPLE_RATE


def test_no_module_spells_them_out_as_a_default():
    """Defaults that are 24,000 or 12,000 take them from birdscan.birdvox70k (the command line's
    ``synth --sample-rate`` aside: an option, not a default of the library)."""
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.name == "birdvox70k.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            values = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                values = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
            elif isinstance(node, ast.ClassDef):
                values = [s.value for s in node.body if isinstance(s, ast.AnnAssign) and s.value is not None]
            bad += [f"{path.relative_to(ROOT)}:{v.lineno}" for v in values
                    if isinstance(v, ast.Constant) and v.value in (24_000, 12_000) and not isinstance(v.value, bool)]
    assert not bad, bad
