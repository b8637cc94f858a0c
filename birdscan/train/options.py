"""The options of :func:`birdscan.train.loop.train`, grouped as the data flows through a run.

A run reads BirdVox-70k units and splits them (:class:`SplitOptions`), adds real sounds
(:class:`RealSoundsOptions`), builds a model (a :class:`~birdscan.model.ModelConfig`; the
default is :data:`DEFAULT_MODEL`), fits it (:class:`FitOptions`) on some hardware
(:class:`RuntimeOptions`). Each group is a frozen dataclass that checks its own fields when
it is made, so a bad value is refused, naming the option and what it must be, before
:func:`~birdscan.train.loop.train` opens any file or builds any model. What a resumed run
must share (:class:`birdscan.train.resume.RunSpec`) comes from the split and the real sounds
(units and clip counts), the fit (all but ``patience``), the model and the augmentation; the
runtime options only say how the run is computed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Sequence

from .. import birdvox70k as bdata
from ..errors import ParameterError
from ..model import ModelConfig
from ..realsounds.spans import needs_negatives
from .resume import plain

__all__ = ["DEFAULT_MODEL", "FitOptions", "RealSoundsOptions", "RuntimeOptions", "SplitOptions", "parse_channels"]

DEFAULT_MODEL = ModelConfig(freq_head=True)
"""The model :func:`~birdscan.train.loop.train` builds when given none, and ``birdscan train``
without model flags: :class:`~birdscan.model.ModelConfig`'s defaults with the frequency head."""


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class _Options:
    """What every option group shares: its fields as the checkpoint records them."""

    def to_dict(self) -> dict[str, Any]:
        """Plain types, as the checkpoint records them (``train["arguments"][<group>]``).

        Returns
        -------
        dict of str to JSON-ready values (tuples become lists, paths strings)
        """
        return plain(asdict(self))  # type: ignore[call-overload]


def _refuse(checks: list[tuple[bool, str]]) -> None:
    """:class:`ParameterError` with every failed check's message, in order, in one message."""
    problems = [msg for ok, msg in checks if not ok]
    if problems:
        raise ParameterError("; ".join(problems))


def _units(option: str, units: Any) -> tuple[str, ...] | None:
    try:
        parsed = bdata.parse_units(units)
    except ParameterError as e:
        raise ParameterError(f"{option}: {e}") from e
    return None if parsed is None else tuple(parsed)


@dataclass(frozen=True)
class SplitOptions(_Options):
    """Which recording units validate and which are held out for testing; the others train.

    Attributes
    ----------
    val_units : units to validate on (model selection, early stopping): ``"unit10"``, ``10``,
        ``"unit07,unit10"`` or a list; kept as a tuple of unit names. None (default): the last
        BirdVox unit that is not a test unit. Units added by :class:`RealSoundsOptions`
        (``"extra-<folder name>"``) validate instead of training when named here; when only such
        units are named, every BirdVox unit that is not a test unit trains.
    test_units : units never used, only counted (evaluate them with
        :func:`birdscan.train.evaluate_clips`); None or ``()`` (default): none.

    Units are checked against the data by :func:`~birdscan.train.loop.train` (a unit not in
    the data is refused there); here only their names.

    Raises
    ------
    ParameterError
        for a name that is not a unit, e.g. ``"val_units: unit='u3x' is not a unit name ..."``

    Example
    -------
    >>> SplitOptions(val_units="unit07,10", test_units=3)
    SplitOptions(val_units=('unit07', 'unit10'), test_units=('unit03',))
    """

    val_units: str | int | Sequence[str | int] | None = None
    test_units: str | int | Sequence[str | int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "val_units", _units("val_units", self.val_units))
        object.__setattr__(self, "test_units", _units("test_units", self.test_units))


@dataclass(frozen=True)
class FitOptions(_Options):
    """How the weights are fitted: AdamW with a one-cycle schedule, the loss, early stopping, the seed.

    Attributes
    ----------
    epochs : int >= 1, total epochs of the one-cycle schedule. When resuming, more than the
        run had extends it (the schedule is redrawn over the new total from the current step).
    batch_size : int >= 2, clips per step (and per validation batch); a training set smaller
        than this is one step per epoch (with a note), not an error.
    lr : float > 0, AdamW's peak learning rate.
    weight_decay : float >= 0, AdamW's decoupled weight decay (not on biases and norms).
    patience : int >= 0, stop after this many epochs without a better validation AUPRC
        (0: never stop early).
    seed : int >= 0, seeds the weights, shuffling, augmentation, dropout and the windows cut
        from real noise: a seeded run gives the same weights again, and a resumed run those
        of the uninterrupted one.
    freq_weight : float >= 0, weight of the frequency head's loss (models with ``freq_head``).
    ema : float in [0, 1), keep an exponential moving average of the weights with this
        per-step decay (:class:`birdscan.train.average.WeightAverage`; 0.998 averages about the
        last 500 steps) and validate, keep and save the average instead of the last step's
        weights; 0: no average.

    Raises
    ------
    ParameterError
        listing every bad field, e.g. ``"epochs=0 must be >= 1; lr=-1 must be > 0"``

    Example
    -------
    >>> FitOptions(epochs=12, patience=3).batch_size
    256
    """

    epochs: int = 30
    batch_size: int = 256
    lr: float = 3e-3
    weight_decay: float = 1e-2
    patience: int = 8
    seed: int = 0
    freq_weight: float = 1.0
    ema: float = 0.0

    def __post_init__(self) -> None:
        _refuse([(_is_int(getattr(self, k)), f"{k}={getattr(self, k)!r} must be an integer")
                 for k in ("epochs", "batch_size", "patience", "seed")]
                + [(_is_number(getattr(self, k)), f"{k}={getattr(self, k)!r} must be a number")
                   for k in ("lr", "weight_decay", "freq_weight", "ema")])
        _refuse([(self.epochs >= 1, f"epochs={self.epochs} must be >= 1"),
                 (self.batch_size >= 2, f"batch_size={self.batch_size} must be >= 2"),
                 (self.lr > 0, f"lr={self.lr} must be > 0"),
                 (self.weight_decay >= 0, f"weight_decay={self.weight_decay} must be >= 0"),
                 (self.patience >= 0, f"patience={self.patience} must be >= 0 (0: no early stopping)"),
                 (self.seed >= 0, f"seed={self.seed} must be >= 0"),
                 (self.freq_weight >= 0, f"freq_weight={self.freq_weight} must be >= 0 (0: the frequency head "
                                         "is not trained)"),
                 (0 <= self.ema < 1, f"ema={self.ema} must be >= 0 and < 1 (0: no moving average)")])


@dataclass(frozen=True)
class RealSoundsOptions(_Options):
    """Real sounds added to the BirdVox units (:class:`birdscan.realsounds.RealSounds`).

    Attributes
    ----------
    extra : folders of reviewed clips (``call/`` and ``not_call/``, or ``1/`` and ``0/``, or a
        CSV ``file,label[,freq_hz]``; see :func:`birdscan.realsounds.read_labelled`), kept as a
        tuple of paths. Each joins the training units as ``extra-<folder name>`` (name it in
        :attr:`SplitOptions.val_units` to validate on it instead). One folder may be given alone.
    negatives : folders of call-free recordings (insects, frogs, rain, machinery), kept as a
        tuple of paths. A fixed ``heldout`` fraction of each folder's files is never used
        (listed in the checkpoint for ``benchmarks/quality.py``); another fixed 15% of the files
        (whole recordings) gives validation windows (unit ``noise-val``), from which the
        recommended threshold is chosen, so that it estimates false alarms on recordings
        training never heard; the rest gives ``negative_windows`` varied negative windows (unit
        ``noise``: pitch shifts of up to an octave, time stretch, choruses, distance, a level
        spanning quiet and loud recordings), which augmentation also mixes under positives as beds.
    negative_windows : int >= 0, varied training windows cut from ``negatives``.
    heldout : float in [0, 1), fraction of each ``negatives`` folder kept out of training and
        validation.
    not_noise : CSV of spans of the ``negatives`` recordings that hold a bird after all
        (``file,start_s,end_s``; :func:`birdscan.realsounds.read_spans`): no window is cut across
        them. None: every recording is noise from end to end.

    The folders are checked (that they exist, that the ``extra`` names differ) when the run
    reads them, before any training.

    Raises
    ------
    ParameterError
        listing every bad number, e.g. ``"negative_windows=-1 must be an integer >= 0"``

    Example
    -------
    >>> RealSoundsOptions(extra="review/labelled", negatives=["site_noise"]).to_dict()["extra"]
    ['review/labelled']
    """

    extra: str | Path | Sequence[str | Path] = ()
    negatives: str | Path | Sequence[str | Path] = ()
    negative_windows: int = 6000
    heldout: float = 0.25
    not_noise: str | Path | None = None

    def __post_init__(self) -> None:
        for name in ("extra", "negatives"):
            value = getattr(self, name)
            folders = [value] if isinstance(value, (str, Path)) else list(value)
            object.__setattr__(self, name, tuple(Path(f) for f in folders))
        if self.not_noise is not None:
            object.__setattr__(self, "not_noise", Path(self.not_noise))
        _refuse([(_is_int(self.negative_windows) and self.negative_windows >= 0,
                  f"negative_windows={self.negative_windows!r} must be an integer >= 0"),
                 (_is_number(self.heldout) and 0.0 <= self.heldout < 1.0,
                  f"heldout={self.heldout} must be in [0, 1) (a fraction of each negatives folder)"),
                 (self.not_noise is None or bool(self.negatives), needs_negatives(self.not_noise))])

    def to_dict(self) -> dict[str, Any]:
        """Plain types, as the checkpoint records them; ``not_noise`` only when given, so runs
        saved before it existed still resume.

        Returns
        -------
        dict of str to JSON-ready values
        """
        out = super().to_dict()
        if self.not_noise is None:
            del out["not_noise"]
        return out


@dataclass(frozen=True)
class RuntimeOptions(_Options):
    """Where and how a run computes; none of these changes what it learns beyond rounding, and a
    resumed run may change them.

    Attributes
    ----------
    device : str, ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ``"mps"``; checked (and whether it is present here) by
        :func:`~birdscan.train.loop.train` before it opens any file.
    amp : bool, mixed precision on CUDA (bfloat16 where supported, else float16 with loss
        scaling); the model keeps its spectrogram frontend in float32.
    num_workers : int >= 0, DataLoader worker processes reading the HDF5 files (0: in this
        process).
    cache : bool, read all train and validation clips into RAM once as float16 (~1.7 GB for
        all of BirdVox-70k) and slice batches from there (no DataLoader, ``num_workers``
        unused); on CUDA the cached clips are moved to GPU memory.

    Raises
    ------
    ParameterError
        for ``num_workers`` below 0: ``"num_workers=-1 must be >= 0"``

    Example
    -------
    >>> RuntimeOptions(device="cpu", cache=True).amp
    True
    """

    device: str = "auto"
    amp: bool = True
    num_workers: int = 0
    cache: bool = False

    def __post_init__(self) -> None:
        _refuse([(_is_int(self.num_workers), f"num_workers={self.num_workers!r} must be an integer")])
        _refuse([(self.num_workers >= 0, f"num_workers={self.num_workers} must be >= 0")])


def parse_channels(channels: str | Sequence[int]) -> tuple[int, ...]:
    """Conv channels per block from an option: ``"16,32,48"`` (empty pieces skipped) or integers.

    Parameters
    ----------
    channels : str or sequence of int, each a positive number of channels

    Returns
    -------
    tuple of int, for :attr:`birdscan.model.ModelConfig.channels`

    Raises
    ------
    ParameterError
        ``"channels='4,x' must be integers like '16,32,48'"``, or ``"... must be positive
        integers ..."`` for none or a number below 1

    Example
    -------
    >>> parse_channels("16,32,48")
    (16, 32, 48)
    """
    try:
        pieces = [c for c in channels.split(",") if c.strip()] if isinstance(channels, str) else channels
        chans = tuple(int(c) for c in pieces)
    except (TypeError, ValueError) as e:
        raise ParameterError(f"channels={channels!r} must be integers like '16,32,48'") from e
    if not chans or min(chans) < 1:
        raise ParameterError(f"channels={channels!r} must be positive integers like '16,32,48'")
    return chans
