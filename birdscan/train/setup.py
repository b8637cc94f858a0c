"""From :func:`birdscan.train.loop.train`'s options (:mod:`birdscan.train.options`) to what a
run needs: the augmentation for its model, and the train/val/test clip sets split by unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import birdvox70k as bdata
from ..errors import DataError, ModelError, ParameterError
from ..model import ModelConfig
from ..realsounds import RealSounds
from .augment import Augment
from .dataset import ClipDataset

__all__ = ["augmentation", "datasets"]


def augmentation(augment: bool | Augment, time_shift: int, config: ModelConfig, loud_beds: float = 0.0) -> Augment | None:
    """The augmentation of ``train(augment=, time_shift=, loud_beds=)`` for a model.

    Parameters
    ----------
    augment : bool or Augment, True for the default :class:`Augment` in the model's band
        (``config.fmin`` to ``config.fmax``), False for none, or the :class:`Augment` to use
    time_shift : int in [0, ``config.window // 2``), samples of random time shift of the
        default augmentation; only with ``augment=True``
    config : ModelConfig, the model trained
    loud_beds : float in [0, 1], the default augmentation's ``bed_prob``: the share of clips laid
        over a bed set by the call's band (:class:`Augment`); only with ``augment=True``

    Returns
    -------
    Augment, or None for no augmentation

    Raises
    ------
    ParameterError
        for ``time_shift`` or ``loud_beds`` out of range, or set without ``augment=True``

    Example
    -------
    >>> augmentation(True, 0, ModelConfig()).band
    (1000.0, 11000.0)
    """
    if not 0 <= time_shift < config.window // 2:
        raise ParameterError(f"time_shift={time_shift} must be in [0, {config.window // 2}) samples")
    if time_shift and (isinstance(augment, Augment) or not augment):
        raise ParameterError(f"time_shift={time_shift} needs augment=True (or set it on the Augment given)")
    if not 0.0 <= loud_beds <= 1.0:
        raise ParameterError(f"loud_beds={loud_beds} must be a share of the clips, in [0, 1]")
    if loud_beds and (isinstance(augment, Augment) or not augment):
        raise ParameterError(f"loud_beds={loud_beds} needs augment=True (or set bed_prob on the Augment given)")
    if isinstance(augment, Augment):
        return augment
    if not augment:
        return None
    nyquist = config.sample_rate / 2
    lowpass = (min(Augment.lowpass_hz[0], 0.6 * nyquist), min(Augment.lowpass_hz[1], 0.875 * nyquist))
    return Augment(time_shift=time_shift, band=(config.fmin, config.fmax), lowpass_hz=lowpass, sample_rate=config.sample_rate,
                   bed_prob=loud_beds)


def datasets(data: str | Path, val_units: Any, test_units: Any, sample_rate: int, cache: bool,
              real: RealSounds | None = None) -> dict[str, ClipDataset]:
    """The ``train``, ``val`` and ``test`` clip sets: BirdVox units split by unit, plus the
    units of ``real`` (reviewed clips and real-noise windows; ``noise-val`` validates).

    Parameters
    ----------
    data : str or Path, the folder of ``BirdVox-70k_unitNN.hdf5`` files
    val_units : units to validate on (as :func:`birdscan.birdvox70k.parse_units` reads them), or
        None for the default of :func:`birdscan.birdvox70k.split_units`; units of ``real``
        (``extra-...``, ``noise...``) among them validate instead of training, and when only such
        units are named every BirdVox unit not in ``test_units`` trains
    test_units : units held out for testing, as for :func:`birdscan.birdvox70k.split_units`
    sample_rate : int, Hz, the model's; the data must have it
    cache : bool, read the train and val clips into RAM (:class:`ClipDataset`); test clips never are.
        A set that ``real`` adds to is held in RAM either way (:meth:`ClipDataset.concat`)
    real : RealSounds or None, the added units; ``noise-val`` and those named in ``val_units``
        validate, the others train

    Returns
    -------
    dict ``{"train": ClipDataset, "val": ClipDataset, "test": ClipDataset}``; the test units are
    indexed (checked, counted) but not read

    Raises
    ------
    ParameterError
        for a ``val_units`` unit that is neither in the data nor among the added units, and for
        units :func:`birdscan.birdvox70k.split_units` refuses
    DataError
        when the training set holds fewer than 2 clips, or the validation set clips of one label only
    """
    found = bdata.find_units(data)
    real_units = real.units if real is not None else []
    wanted_val = bdata.parse_units(val_units)
    real_val = [u for u in (wanted_val or []) if u in real_units or u.startswith(("extra", "noise"))]
    unknown = [u for u in real_val if u not in real_units]
    if unknown:
        raise ParameterError(f"val_units: {unknown} are not among the added units {real_units}")
    hdf5_val = [u for u in (wanted_val or []) if u not in real_val] or None
    if wanted_val and not hdf5_val:
        hdf5_val = []  # validation only on added units: every BirdVox unit trains
    split = bdata.split_units(found, val_units=hdf5_val, test_units=test_units)
    index = bdata.index_units({u: found[u] for u in (*split.train, *split.val, *split.test)}, sample_rate=sample_rate)
    parts = {"train": split.train, "val": split.val, "test": split.test}
    rows = {part: index[index["unit"].isin(units)] for part, units in parts.items()}
    sets = {part: ClipDataset(r, cache=cache and part != "test") for part, r in rows.items()}
    if real is not None and real.units:
        added: dict[str, list[ClipDataset]] = {"train": [], "val": []}
        for arr in real.arrays():
            part = "val" if arr.unit == "noise-val" or arr.unit in real_val else "train"
            added[part].append(ClipDataset.from_arrays(arr.waves, arr.labels, arr.unit, arr.names, arr.freq_hz))
        for part, more in added.items():
            if more:
                sets[part] = ClipDataset.concat([sets[part], *more])
    if len(sets["train"]) < 2:
        raise DataError(f"training units {sorted(set(sets['train'].units))} hold {len(sets['train'])} clip(s): "
                        "training needs at least 2")
    if len(set(sets["val"].labels.tolist())) < 2:
        raise DataError(f"validation units {sorted(set(sets['val'].units))} hold clips of one label only: "
                        "AUPRC needs both flight calls and negatives")
    # test units are indexed (checked, counted) but never read
    return sets


def initial_weights(init: str | Path, model: ModelConfig) -> tuple[ModelConfig, dict[str, Any], dict[str, str]]:
    """The network and weights a run starts from when it fine-tunes a model (``init``).

    Parameters
    ----------
    init : a checkpoint written by ``birdscan train`` (e.g. the shipped model)
    model : the run's ``model`` argument: :data:`~birdscan.train.options.DEFAULT_MODEL` (not
        chosen) or the checkpoint's own config; its network cannot change under its weights

    Returns
    -------
    (config, state_dict, record): the checkpoint's network, its weights, and ``{"path",
    "sha256"}`` for the new checkpoint's ``train["init"]``

    Raises
    ------
    ModelError
        when ``init`` is not a birdscan model file or its weights are damaged
    ParameterError
        when ``model`` names another network
    """
    from ..model import file_sha256, model_from_checkpoint, read_checkpoint
    from .options import DEFAULT_MODEL

    try:
        net = model_from_checkpoint(read_checkpoint(init), init)  # checks the config, weights' shapes and values
    except ModelError as e:
        raise ModelError(f"init={str(init)!r}: {e}; give a .pt file written by birdscan train") from e
    config = net.config
    if model != DEFAULT_MODEL and model != config:
        mine, theirs, default = model.to_dict(), config.to_dict(), DEFAULT_MODEL.to_dict()
        chosen = [k for k in mine if mine[k] != default.get(k) and mine[k] != theirs.get(k)]  # what was asked for
        diff = ", ".join(f"{k}={mine[k]!r} (init has {theirs.get(k)!r})" for k in chosen or mine if mine[k] != theirs.get(k))
        raise ParameterError(f"init={str(init)!r} is another network than model: {diff}; leave the model options "
                             "out to fine-tune the init's network")
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    return config, state, {"path": str(Path(init).resolve()), "sha256": file_sha256(init)}
