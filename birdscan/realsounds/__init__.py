"""Real sounds as training data: call-free noise recordings and reviewed clips.

Two sources a monitoring project has and BirdVox-70k lacks:

- **Noise folders** (``--negatives DIR``): recordings of a site's insects, frogs, rain,
  machinery, with no flight calls in them. :class:`NoiseBank` holds them at the model rate
  and cuts negative windows at random offsets, each made into a variant: played at a
  random speed (pitch shifts of up to an octave either way: an insect's song frequency
  moves with temperature), time-stretched without changing pitch, summed out of step with
  other sources into a chorus, filtered as if farther away, at a random level spanning quiet
  and loud recordings (:data:`~birdscan.realsounds.noise.LEVEL_DB`). The same
  windows, mixed under positives during training (see ``Augment.mix_prob``), become beds.
  :func:`split_recordings` keeps a fixed part of each folder out of training.
  :func:`read_spans` reads the spans of them that hold a bird after all (``--not-noise``),
  which no window crosses.
- **Reviewed clips** (``--extra DIR``): :func:`read_labelled` reads a folder of clips
  sorted by a listener into ``call/`` and ``not_call/`` (or ``1/`` and ``0/``), or listed
  in a CSV ``file,label[,freq_hz]``.

Imports :mod:`birdscan.birdvox70k` (its rate and clip length, the defaults),
:mod:`birdscan.tables` and :mod:`birdscan.errors`; never ``detect``, ``train``, ``synth``,
``review`` or ``cli``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from ..errors import ParameterError
from .clips import LabelledClips, read_labelled
from .noise import (LEVEL_DB, VALIDATION_FRACTION, NoiseBank, Variants, audio_files, load_mono, noise_recordings,
                    recording_name, split_recordings)
from .spans import Spans, pieces, read_spans, spans_of

__all__ = ["LEVEL_DB", "LabelledClips", "NoiseBank", "RealArrays", "RealSounds", "Spans", "Variants", "audio_files",
           "load_mono", "noise_recordings", "pieces", "read_labelled", "read_spans", "recording_name",
           "split_recordings"]


def _unit_suffix(folder: Path) -> str:
    name = "".join(c if c.isalnum() or c in "_.-" else "_" for c in folder.resolve().name)
    return name or "clips"


@dataclass(frozen=True)
class RealArrays:
    """Windows of one training or validation unit made from real sounds.

    Attributes
    ----------
    unit : str, ``extra-<folder>``, ``noise`` or ``noise-val``
    waves : np.ndarray [shape=(n, window), float32], the windows at the model rate
    labels : np.ndarray [shape=(n,), float32], 1 for a flight call, 0 for a negative
    freq_hz : np.ndarray [shape=(n,), float32], call centre frequency in Hz, 0 when unknown
    names : list of str [n], where each window came from (a clip file, or ``noise<i>``)
    """

    unit: str
    waves: np.ndarray
    labels: np.ndarray
    freq_hz: np.ndarray
    names: list[str]


class RealSounds:
    """The ``extra`` and ``negatives`` inputs of training, checked up front, built on demand.

    Parameters
    ----------
    extra : folders of reviewed clips (:func:`read_labelled`), units ``extra-<folder name>``
    negatives : folders of call-free recordings (:class:`NoiseBank`), unit ``noise`` for
        training and ``noise-val`` for validation: windows of whole recordings that training
        never hears (``validation`` of each folder, :func:`noise_recordings`), half as recorded,
        half played up to half an octave faster or slower. The recommended threshold is chosen
        on them, so it estimates the false alarms on new recordings, not on the training ones.
    negative_windows : varied training windows to cut; half as many validation windows
    heldout : fraction of each noise folder never used (the test part)
    seed : int, seeds the cutting of the noise windows (:meth:`arrays`)
    sr : int, Hz, the model rate
    window : int, samples per window (the model's)
    validation : fraction of each noise folder kept for validation; when the folders are too
        small to spare any whole file, validation uses the last 20% (``VAL_PART``) of each
        training recording instead
    not_noise : CSV of spans of the ``negatives`` recordings that hold birds
        (:func:`~birdscan.realsounds.spans.read_spans`): no training or validation window is cut
        across them
    """

    VAL_PART = 0.8

    def __init__(self, extra: Sequence[str | Path] = (), negatives: Sequence[str | Path] = (),
                 negative_windows: int = 6000, heldout: float = 0.25, seed: int = 0,
                 sr: int = SAMPLE_RATE, window: int = CLIP_SAMPLES, validation: float = VALIDATION_FRACTION,
                 not_noise: str | Path | None = None) -> None:
        self.extra = [Path(p) for p in extra]
        self.negatives = [Path(p) for p in negatives]
        for option, folders in (("extra", self.extra), ("negatives", self.negatives)):
            for folder in folders:
                if not folder.is_dir():
                    raise ParameterError(f"{option}: {folder} is not a folder")
        units = [f"extra-{_unit_suffix(p)}" for p in self.extra]
        dupes = sorted({u for u in units if units.count(u) > 1})
        if dupes:
            raise ParameterError(f"extra: folders {dupes} share a name; give each reviewed-clip folder its own name")
        self.extra_units = dict(zip(units, self.extra))
        self.negative_windows, self.heldout, self.seed = int(negative_windows), heldout, seed
        self.validation = validation
        self.sr, self.window = sr, window
        self.noise = noise_recordings(self.negatives, heldout, validation) if self.negatives else None
        self.not_noise = None if not_noise is None else Path(not_noise)
        self.exclude = spans_of(self.not_noise, self.negatives)

    @property
    def units(self) -> list[str]:
        """Unit names this adds: ``extra-<folder>`` ..., ``noise``, ``noise-val``."""
        return [*self.extra_units, *(["noise", "noise-val"] if self.noise else [])]

    def arrays(self) -> list[RealArrays]:
        """Read and cut everything (seeded by ``seed``: the same windows every call).

        Returns
        -------
        list of RealArrays, one per unit of :attr:`units`, in that order: reviewed clips
        (:func:`read_labelled`), then ``negative_windows`` varied noise windows and
        ``max(200, negative_windows // 2)`` validation windows (half plain, half played up to
        half an octave faster or slower)
        """
        out = []
        for unit, folder in self.extra_units.items():
            clips = read_labelled(folder, self.sr, self.window)
            out.append(RealArrays(unit, clips.waves, clips.labels, clips.freq_hz, clips.sources))
        if self.noise:
            rng = np.random.default_rng([self.seed, 7919])
            if self.noise["validation"]:
                val_paths, val_part, train_end = self.noise["validation"], (0.0, 1.0), 1.0
            else:  # no folder could spare a whole file: the last 20% of the training files
                val_paths, val_part, train_end = self.noise["train"], (self.VAL_PART, 1.0), self.VAL_PART
            train = NoiseBank(self.noise["train"], self.sr, (0.0, train_end), exclude=self.exclude)
            waves = train.windows(self.negative_windows, rng, self.window)
            out.append(RealArrays("noise", waves, np.zeros(len(waves), np.float32), np.zeros(len(waves), np.float32),
                                  [f"noise{i}" for i in range(len(waves))]))
            val = NoiseBank(val_paths, self.sr, val_part, min_seconds=0.5, exclude=self.exclude)
            n_val = max(200, self.negative_windows // 2)
            plain = val.windows(n_val // 2, rng, self.window, variants=None)
            varied = val.windows(n_val - n_val // 2, rng, self.window, Variants(octaves=0.5))
            waves = np.concatenate([plain, varied])
            out.append(RealArrays("noise-val", waves, np.zeros(len(waves), np.float32),
                                  np.zeros(len(waves), np.float32), [f"noise-val{i}" for i in range(len(waves))]))
        return out

    def metadata(self) -> dict[str, object]:
        """What a checkpoint records of these inputs.

        Returns
        -------
        dict, ``extra`` (unit -> absolute folder) and ``negatives`` (folders, fractions, the
        recordings of each part named ``<folder name>/<path in it>``, ``windows``, the windows'
        ``level_db``); each key
        only when those inputs were given
        """
        meta: dict[str, object] = {}
        if self.extra:
            meta["extra"] = {u: str(p.resolve()) for u, p in self.extra_units.items()}
        if self.noise:
            def rel(p: Path) -> str:
                return recording_name(p, self.negatives)
            meta["negatives"] = {
                "folders": [str(p.resolve()) for p in self.negatives], "heldout_fraction": self.heldout,
                "validation_fraction": self.validation,
                "train": [rel(p) for p in self.noise["train"]], "heldout": [rel(p) for p in self.noise["heldout"]],
                "validation": [rel(p) for p in self.noise["validation"]],
                "windows": self.negative_windows, "level_db": list(LEVEL_DB),
            }
            if self.not_noise is not None:
                meta["negatives"]["not_noise"] = {  # type: ignore[index]
                    "file": str(self.not_noise.resolve()),
                    "spans": {rel(p): [list(s) for s in spans] for p, spans in self.exclude.items()}}
        return meta
