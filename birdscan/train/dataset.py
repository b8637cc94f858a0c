"""Clips of BirdVox-70k-layout files as a (torch) dataset and device batches for training."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence, TYPE_CHECKING, Any, Iterator

import numpy as np

from ..birdvox70k import CLIP_SAMPLES, GROUP, open_h5
from ..errors import DataError

MAX_SAMPLE = 1e6  # largest |sample| read from a clip: BirdVox-70k clips are floats within about ±1

if TYPE_CHECKING:
    import pandas as pd


class ClipDataset:
    """Map-style (torch) dataset of indexed clips: ``ds[i] -> (wave, label, freq_hz)``.

    ``wave`` is np.ndarray [shape=(12000,), float32], ``label`` np.float32 (0 or 1), ``freq_hz``
    np.float32, the call's centre frequency in Hz (0 for negatives and when unknown). HDF5 files
    are opened lazily, once per process (keyed by pid): a handle opened before a DataLoader
    forks its workers is never reused in a worker, so ``num_workers > 0`` is safe.

    Parameters
    ----------
    index : pandas.DataFrame from :func:`index_units` (or any subset of its rows)
    cache : bool. Read every clip once into RAM as float16, scaled per clip to peak 1 (the
        scale kept in float32, so quiet clips keep their precision): 24 kB per clip, about
        1.7 GB for all 70,804 clips of BirdVox-70k. ``waves``/``scales`` then hold the arrays.

    Example
    -------
    >>> ds = ClipDataset(index_units(find_units("BirdVox-70k")))   # doctest: +SKIP
    >>> wave, label = ds[0]                                         # doctest: +SKIP
    """

    def __init__(self, index: pd.DataFrame, cache: bool = False) -> None:
        paths = index["path"].astype(str).to_numpy()
        self.paths: list[str] = sorted(set(paths))
        lookup = {p: k for k, p in enumerate(self.paths)}
        self.file_of = np.array([lookup[p] for p in paths], dtype=np.int32)
        self.names: list[str] = index["name"].astype(str).tolist()
        self.labels = index["label"].to_numpy().astype(np.float32)
        self.freq_hz = index["freq_hz"].to_numpy().astype(np.float32) * (self.labels > 0)
        self.units: list[str] = index["unit"].astype(str).tolist()
        self.waves: np.ndarray | None = None
        self.scales: np.ndarray | None = None
        self._pid: int | None = None
        self._files: dict[int, Any] = {}
        if cache:
            self.load_cache()

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.float32, np.float32]:
        if self.waves is not None:
            return self.waves[i].astype(np.float32) * self.scales[i], self.labels[i], self.freq_hz[i]
        return self.read(i), self.labels[i], self.freq_hz[i]

    @classmethod
    def from_arrays(cls, waves: np.ndarray, labels: np.ndarray, unit: str, names: Sequence[str],
                    freq_hz: np.ndarray | None = None) -> ClipDataset:
        """A cached dataset of in-memory clips (reviewed clips, real-noise windows) as one unit.

        Parameters
        ----------
        waves : np.ndarray [shape=(n, 12000)] float clips
        labels : np.ndarray [shape=(n,)] 0/1
        unit : the unit name these clips train or validate under (e.g. ``"extra-site1"``)
        names : n clip names (sources), for messages
        freq_hz : np.ndarray [shape=(n,)] call centre frequency, 0 when unknown; None: all 0

        Returns
        -------
        ClipDataset, cached (``waves``/``scales`` set), every clip's ``path`` ``"<unit>"``
        """
        import pandas

        n = len(labels)
        index = pandas.DataFrame({"path": [f"<{unit}>"] * n, "unit": [unit] * n, "name": list(names),
                                  "centre_sample": np.zeros(n, np.int64),
                                  "freq_hz": np.zeros(n) if freq_hz is None else np.asarray(freq_hz),
                                  "label": np.asarray(labels).astype(np.int8)})
        ds = cls(index)
        ds._set_cache(np.asarray(waves, dtype=np.float32))
        return ds

    @classmethod
    def concat(cls, parts: Sequence[ClipDataset]) -> ClipDataset:
        """One cached dataset of several (each read into RAM first if it is not).

        Parameters
        ----------
        parts : sequence of ClipDataset; empty ones are left out

        Returns
        -------
        ClipDataset, the clips of ``parts`` in order, cached
        """
        parts = [p for p in parts if len(p)]
        for p in parts:
            p.load_cache()
        out = cls.__new__(cls)
        out.paths = sorted({path for p in parts for path in p.paths})
        lookup = {path: k for k, path in enumerate(out.paths)}
        out.file_of = np.concatenate([[lookup[p.paths[k]] for k in p.file_of] for p in parts]).astype(np.int32)
        out.names = [n for p in parts for n in p.names]
        out.units = [u for p in parts for u in p.units]
        out.labels = np.concatenate([p.labels for p in parts])
        out.freq_hz = np.concatenate([p.freq_hz for p in parts])
        out.waves = np.concatenate([p.waves for p in parts])
        out.scales = np.concatenate([p.scales for p in parts])
        out._pid, out._files = None, {}
        return out

    def _set_cache(self, waves: np.ndarray) -> None:
        peaks = np.abs(waves).max(axis=1)
        peaks[peaks == 0] = 1.0
        self.waves = (waves / peaks[:, None]).astype(np.float16)
        self.scales = peaks.astype(np.float32)

    def read(self, i: int) -> np.ndarray:
        """Samples of a clip from its file (not the cache).

        Parameters
        ----------
        i : int, the clip's position in the dataset

        Returns
        -------
        np.ndarray [shape=(12000,), float32]

        Raises
        ------
        DataError
            naming the file and clip, when it cannot be read, has another shape, non-finite
            samples or samples beyond ``MAX_SAMPLE``
        """
        path, name = self.paths[self.file_of[i]], self.names[i]
        try:
            wave = np.asarray(self._file(self.file_of[i])[GROUP][name][()], dtype=np.float32)
        except (KeyError, OSError) as e:
            raise DataError(f"{path}: cannot read clip {name!r}: {e}") from e
        if wave.shape != (CLIP_SAMPLES,) or not np.isfinite(wave).all():
            raise DataError(f"{path}: clip {name!r} has shape {wave.shape} or non-finite samples")
        peak = float(np.abs(wave).max())
        if peak > MAX_SAMPLE:  # it would overflow the spectrogram and look like a diverged training
            raise DataError(f"{path}: clip {name!r} holds samples up to {peak:.3g}; audio clips hold values within "
                            f"about ±1 (at most {MAX_SAMPLE:g} is read)")
        return wave

    def load_cache(self) -> None:
        """Read all clips into ``waves`` (float16, peak 1) and ``scales`` (float32 peaks)."""
        if self.waves is not None:
            return
        waves = np.empty((len(self), CLIP_SAMPLES), dtype=np.float16)
        scales = np.empty(len(self), dtype=np.float32)
        for i in range(len(self)):
            wave = self.read(i)
            peak = float(np.abs(wave).max()) or 1.0
            waves[i] = wave / peak
            scales[i] = peak
        self.close()  # the parent's handles are not needed any more (and not inherited by forks)
        self.waves, self.scales = waves, scales

    def _file(self, k: int) -> Any:
        pid = os.getpid()
        if pid != self._pid:
            # handles opened in another process (before a fork) are not safe to use here
            self._files, self._pid = {}, pid
        f = self._files.get(k)
        if f is None:
            f = self._files[k] = open_h5(Path(self.paths[k]))
        return f

    def close(self) -> None:
        """Close the files this process opened."""
        if self._pid == os.getpid():
            for f in self._files.values():
                f.close()
        self._files, self._pid = {}, None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_files"], state["_pid"] = {}, None  # open files do not travel to spawned workers
        return state

    def counts(self) -> dict[str, dict[str, int]]:
        """Clips per unit.

        Returns
        -------
        dict ``{unit: {"clips": n, "positives": p}}``, sorted by unit
        """
        out: dict[str, dict[str, int]] = {}
        for unit, label in zip(self.units, self.labels):
            c = out.setdefault(unit, {"clips": 0, "positives": 0})
            c["clips"] += 1
            c["positives"] += int(label)
        return dict(sorted(out.items()))


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of one epoch's shuffling (and, in training, augmentation and dropout).

    Parameters
    ----------
    seed : int >= 0, the run's seed
    epoch : int >= 0, the epoch

    Returns
    -------
    int, ``seed * 100_003 + epoch``: distinct for every (seed, epoch) pair while ``epoch < 100_003``
    """
    return seed * 100_003 + epoch


class ClipBatches:
    """Batches of a :class:`ClipDataset` as torch tensors on a device, one epoch at a time.

    ``for x, y, f in ClipBatches(ds, 256, "cuda", shuffle=True).epoch(3)`` yields
    ``x`` torch.Tensor [shape=(batch, 12000), float32], labels ``y`` [shape=(batch,), float32]
    and call centre frequencies ``f`` [shape=(batch,), float32, Hz; 0 when unknown or negative].
    Shuffled order is drawn from ``(seed, epoch)``; shuffled epochs drop the last partial
    batch. A cached dataset is sliced directly (its float16 clips moved to ``device`` once,
    ~1.7 GB of GPU memory for BirdVox-70k); otherwise a DataLoader reads the files with
    ``num_workers`` persistent workers, pinned memory on CUDA and non-blocking copies.

    Parameters
    ----------
    ds : ClipDataset
    batch_size : int > 0, clips per batch
    device : torch.device or str, where batches go
    shuffle : bool, a new order every epoch (and the last partial batch dropped); else in order
    num_workers : int >= 0, DataLoader workers for an uncached dataset
    seed : int, the run's seed (:func:`epoch_seed`)
    """

    def __init__(self, ds: ClipDataset, batch_size: int, device: Any = "cpu", *, shuffle: bool = False,
                 num_workers: int = 0, seed: int = 0) -> None:
        import torch

        self.ds, self.batch_size, self.shuffle = ds, batch_size, shuffle
        self.device = torch.device(device)
        self.sampler = _EpochSampler(len(ds), seed, shuffle)
        self.loader = None
        if ds.waves is not None:
            self.waves = torch.from_numpy(ds.waves).to(self.device)
            self.scales = torch.from_numpy(ds.scales).to(self.device)
            self.labels = torch.from_numpy(ds.labels).to(self.device)
            self.freqs = torch.from_numpy(ds.freq_hz).to(self.device)
        else:
            self.loader = torch.utils.data.DataLoader(
                ds, batch_size=batch_size, sampler=self.sampler, drop_last=shuffle, num_workers=num_workers,
                pin_memory=self.device.type == "cuda", persistent_workers=num_workers > 0,
                worker_init_fn=_seed_worker, generator=torch.Generator().manual_seed(seed),
            )

    def __len__(self) -> int:
        """Batches per epoch."""
        n = len(self.ds)
        return n // self.batch_size if self.shuffle else -(-n // self.batch_size)

    def epoch(self, epoch: int = 0) -> Iterator[tuple[Any, Any]]:
        """The batches of one epoch.

        Parameters
        ----------
        epoch : int >= 0, sets the shuffled order (:func:`epoch_seed`)

        Yields
        ------
        (x, y, f) : torch.Tensor on ``device``: x [shape=(batch, 12000), float32] clips, y
        [shape=(batch,), float32] labels, f [shape=(batch,), float32] call centre frequencies (Hz)
        """
        import torch

        self.sampler.epoch = epoch
        if self.loader is not None:
            for x, y, f in self.loader:
                yield (x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True),
                       f.to(self.device, non_blocking=True))
            return
        order = torch.as_tensor(list(self.sampler), device=self.device)
        for b in range(len(self)):
            idx = order[b * self.batch_size: (b + 1) * self.batch_size]
            yield self.waves[idx].float() * self.scales[idx, None], self.labels[idx], self.freqs[idx]


class _EpochSampler:
    """Clip order of one epoch (a DataLoader sampler): set ``epoch`` before iterating."""

    def __init__(self, n: int, seed: int, shuffle: bool) -> None:
        self.n, self.seed, self.shuffle, self.epoch = n, seed, shuffle, 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        if not self.shuffle:
            return iter(range(self.n))
        rng = np.random.default_rng(epoch_seed(self.seed, self.epoch))
        return iter(rng.permutation(self.n).tolist())


def _seed_worker(worker_id: int) -> None:
    import torch

    np.random.seed(torch.initial_seed() % 2**32)
