"""birdscan.train.dataset: clips read lazily per process or cached as float16, bad samples named,
and batches on the device, shuffled per epoch."""

from __future__ import annotations

import pickle
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from birdscan import birdvox70k as data
from birdscan.errors import DataError
from birdscan.train import dataset

N = data.CLIP_SAMPLES


@pytest.fixture
def toy(tmp_path: Path, write_toy_units) -> dict[str, Path]:
    return write_toy_units(tmp_path / "bv", clips=20)


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


def test_non_finite_samples_are_a_data_error(tmp_path, write_raw_unit):
    bad = np.zeros(N, np.float32)
    bad[5] = np.nan
    path = write_raw_unit(tmp_path / "BirdVox-70k_unit01.hdf5", {"unit01_000012000_00000_0": bad})
    ds = dataset.ClipDataset(data.index_units([path]))
    with pytest.raises(DataError, match=r"unit01\.hdf5: clip 'unit01_000012000_00000_0' has .* non-finite"):
        ds[0]


def test_huge_samples_name_file_and_clip(tmp_path):
    huge = data.write_unit(tmp_path / "BirdVox-70k_unit02.hdf5", {data.clip_name("unit02", 50_000, 0, 0): np.full(12000, 1e30, np.float32)})
    ds = dataset.ClipDataset(data.index_units([huge]))
    with pytest.raises(DataError, match=r"unit02\.hdf5: clip 'unit02_.*' holds samples up to 1e\+30"):
        ds.read(0)


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
