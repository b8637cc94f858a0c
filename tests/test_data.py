"""BirdVox-70k reading: unit files, the clip index and its errors, lazy per-process reading,
the float16 cache, device batches and unit splits. Tests make their own unit files."""

from __future__ import annotations

import pickle
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from birdscan import birdvox70k as data
from birdscan.train import dataset
from birdscan.errors import DataError, ParameterError

N = data.CLIP_SAMPLES
SR = data.SAMPLE_RATE


@pytest.fixture
def toy(tmp_path: Path, write_toy_units) -> dict[str, Path]:
    return write_toy_units(tmp_path / "bv", clips=20)


def _raw_file(path: Path, clips: dict[str, np.ndarray], group: str = data.GROUP, sample_rate=None) -> Path:
    with h5py.File(path, "w") as f:
        g = f.create_group(group)
        for name, wave in clips.items():
            g.create_dataset(name, data=wave)
        if sample_rate is not None:
            f.create_dataset("sample_rate", data=sample_rate)
    return path


# ----------------------------------------------------------------- finding and indexing


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
def test_malformed_files_fail_up_front_naming_file_and_clip(tmp_path, case, match):
    good = np.zeros(N, np.float32)
    path = tmp_path / "BirdVox-70k_unit01.hdf5"
    ok_name = "unit01_000012000_00000_0"
    if case == "short":
        _raw_file(path, {ok_name: good[:-1]})
    elif case == "badname":
        _raw_file(path, {"unit01_12_00000_0": good})
    elif case == "nogroup":
        _raw_file(path, {ok_name: good}, group="logmelspec_background")
    elif case == "text":
        path.write_text("unit01_000012000_00000_0\n")
    elif case == "otherunit":
        _raw_file(path, {"unit02_000012000_00000_0": good})
    elif case == "rate":
        _raw_file(path, {ok_name: good}, sample_rate=22050)
    elif case == "ints":
        _raw_file(path, {ok_name: good.astype(np.int16)})
    elif case == "empty":
        _raw_file(path, {})
    with pytest.raises(DataError, match=match):
        data.index_units(data.find_units(tmp_path))


def test_sample_rate_dataset_is_read_when_present(tmp_path):
    path = _raw_file(tmp_path / "BirdVox-70k_unit01.hdf5", {"unit01_000012000_00000_0": np.zeros(N, np.float32)},
                     sample_rate=24000)
    assert len(data.index_units([path])) == 1
    with pytest.raises(DataError, match="sample_rate 24000 Hz, the model needs 22050 Hz"):
        data.index_units([path], sample_rate=22050)


# ----------------------------------------------------------------- reading


def test_dataset_reads_the_written_clips(toy):
    index = data.index_units(toy)
    ds = dataset.ClipDataset(index)
    with h5py.File(toy["unit02"], "r") as f:
        expected = f[data.GROUP][index.name[25]][()]
    wave, label, _ = ds[25]
    assert wave.dtype == np.float32 and wave.shape == (N,)
    np.testing.assert_array_equal(wave, expected)
    assert label == index.label[25]
    assert ds.counts() == {u: {"clips": 20, "positives": 10} for u in ("unit01", "unit02", "unit03")}
    ds.close()


def test_dataloader_workers_open_their_own_files(toy):
    index = data.index_units(toy)
    ds = dataset.ClipDataset(index)
    first, *_ = ds[0]  # the parent opens a handle before the workers fork
    loader = torch.utils.data.DataLoader(ds, batch_size=7, num_workers=2)
    waves, labels, _ = zip(*loader)
    np.testing.assert_array_equal(torch.cat(labels).numpy(), index.label.to_numpy())
    np.testing.assert_array_equal(waves[0][0].numpy(), first)
    assert sum(len(w) for w in waves) == len(index)
    restored = pickle.loads(pickle.dumps(ds))  # spawned workers get no open handles
    assert restored._files == {} and np.array_equal(restored[0][0], first)
    ds.close()


def test_non_finite_samples_are_a_data_error(tmp_path):
    bad = np.zeros(N, np.float32)
    bad[5] = np.nan
    path = _raw_file(tmp_path / "BirdVox-70k_unit01.hdf5", {"unit01_000012000_00000_0": bad})
    ds = dataset.ClipDataset(data.index_units([path]))
    with pytest.raises(DataError, match=r"unit01\.hdf5: clip 'unit01_000012000_00000_0' has .* non-finite"):
        ds[0]


def test_cache_is_float16_scaled_per_clip(tmp_path):
    rng = np.random.default_rng(1)
    loud, quiet = rng.standard_normal(N).astype(np.float32) * 0.3, rng.standard_normal(N).astype(np.float32) * 1e-6
    path = data.write_unit(tmp_path / "BirdVox-70k_unit01.hdf5",
                           {"unit01_000012000_00000_0": loud, "unit01_000036000_03000_1": quiet})
    ds = dataset.ClipDataset(data.index_units([path]), cache=True)
    assert ds.waves.dtype == np.float16 and ds.waves.shape == (2, N)
    assert ds._files == {}  # files closed after caching
    for i, wave in enumerate((loud, quiet)):
        got, *_ = ds[i]
        np.testing.assert_allclose(got, wave, rtol=0, atol=1e-3 * np.abs(wave).max())


def test_clip_batches_cached_and_read_agree_and_shuffle_per_epoch(toy):
    index = data.index_units(toy)
    read = dataset.ClipBatches(dataset.ClipDataset(index), 16, shuffle=True, seed=3)
    cached = dataset.ClipBatches(dataset.ClipDataset(index, cache=True), 16, shuffle=True, seed=3)
    assert len(read) == 3  # 60 clips, partial batch dropped
    a = list(read.epoch(1))
    b = list(cached.epoch(1))
    assert len(a) == 3 and a[0][0].shape == (16, N) and a[0][0].dtype == torch.float32
    for (xa, ya, fa), (xb, yb, fb) in zip(a, b):
        torch.testing.assert_close(ya, yb)
        torch.testing.assert_close(fa, fb)
        torch.testing.assert_close(xa, xb, rtol=0, atol=2e-4)
    again = [y for _, y, _ in read.epoch(1)]
    other = [y for _, y, _ in read.epoch(2)]
    assert all(torch.equal(y, z) for (_, y, _), z in zip(a, again))
    assert not all(torch.equal(y, z) for (_, y, _), z in zip(a, other))
    ordered = dataset.ClipBatches(dataset.ClipDataset(index), 16)
    assert len(ordered) == 4
    labels = torch.cat([y for _, y, _ in ordered.epoch()])
    np.testing.assert_array_equal(labels.numpy(), index.label.to_numpy())


# ----------------------------------------------------------------- splits


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
