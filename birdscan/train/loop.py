"""Training the detector on BirdVox-70k-layout clips, and clip-level evaluation.

:func:`train` splits the data by recording unit (:func:`birdscan.birdvox70k.split_units`), trains
a :class:`~birdscan.model.Detector` with AdamW and a one-cycle schedule, validates every
epoch, keeps the best epoch by validation AUPRC (early stopping after ``fit.patience`` epochs
without improvement; with ``fit.ema`` a moving average of the weights,
:class:`~birdscan.train.average.WeightAverage`, is what is validated and saved) and writes,
next to ``out`` (``model.pt``):

- ``model.pt``: the best epoch's checkpoint; ``model.last.pt``: the last epoch's;
- ``model.resume.pt``: optimiser, schedule and history, for ``resume=``;
- ``model.metrics.jsonl``: one row per epoch; ``model.curves.png``: the curves.

Runs are reproducible per seed: shuffling, augmentation and dropout are seeded from
``(seed, epoch)``, so a resumed run continues as the uninterrupted one would have.
"""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.nn import functional as F

from .dataset import ClipBatches, ClipDataset, epoch_seed
from .augment import Augment
from .average import WeightAverage
from ..device import amp_dtype, resolve_device, torch_settings
from ..errors import OutputError, ParameterError
from ..files import atomic_path
from .metrics import append_jsonl, plot_curves, write_jsonl
from ..realsounds import LEVEL_DB, RealSounds
from .predict import freq_loss, noise_window_rate, outputs, predict, recommended_threshold
from ..model import Detector, ModelConfig, cpu_state, save_checkpoint
from .log import Reporter, reporter
from .resume import RESUME_FORMAT, RunSpec, check_resume, plain, read_resume
from .options import DEFAULT_MODEL, FitOptions, RealSoundsOptions, RuntimeOptions, SplitOptions
from .legacy import fold_legacy
from .setup import augmentation, datasets, initial_weights



@dataclass
class TrainResult:
    """What :func:`train` made: file paths, the per-epoch history and throughput."""

    best: Path
    last: Path
    resume: Path
    metrics: Path
    curves: Path | None
    history: list[dict[str, Any]]
    best_epoch: int
    best_metrics: dict[str, Any]
    epochs_run: int
    stopped_early: bool
    clips_per_s: float
    epoch_s: float
    device: str
    counts: dict[str, Any] = field(default_factory=dict)
    detect: dict[str, Any] | None = None  # the best checkpoint's recommended threshold and why


@dataclass(frozen=True)
class TrainPaths:
    """The files :func:`train` writes for one ``out``: the best checkpoint (``out``), the last
    one, the resume state, the per-epoch metrics (JSON lines) and their curves (PNG)."""

    best: Path
    last: Path
    resume: Path
    metrics: Path
    curves: Path


def output_paths(out: str | Path) -> TrainPaths:
    """Files :func:`train` writes for ``out`` (``model.pt``): ``model.last.pt``,
    ``model.resume.pt``, ``model.metrics.jsonl``, ``model.curves.png`` next to it.

    Parameters
    ----------
    out : str or Path, the best checkpoint's path; must end in ``.pt``

    Returns
    -------
    TrainPaths

    Raises
    ------
    ParameterError
        when ``out`` does not end in ``.pt``
    """
    out = Path(out)
    if out.suffix != ".pt":
        raise ParameterError(f"out={str(out)!r} must be a .pt file name")
    stem = out.with_suffix("")
    return TrainPaths(out, Path(f"{stem}.last.pt"), Path(f"{stem}.resume.pt"), Path(f"{stem}.metrics.jsonl"),
                      Path(f"{stem}.curves.png"))


def train(
    data: str | Path,
    out: str | Path,
    *,
    split: SplitOptions = SplitOptions(),
    real: RealSoundsOptions = RealSoundsOptions(),
    model: ModelConfig = DEFAULT_MODEL,
    augment: bool | Augment = True,
    time_shift: int = 0,
    loud_beds: float = 0.0,
    fit: FitOptions = FitOptions(),
    runtime: RuntimeOptions = RuntimeOptions(),
    resume: str | Path | None = None,
    init: str | Path | None = None,
    overwrite: bool = False,
    progress: bool | Callable[[dict[str, Any]], None] | Reporter = True,
    command: str | None = None,
    **legacy: Any,
) -> TrainResult:
    """Train a detector on BirdVox-70k-layout data, validating on held-out units.

    The options come in groups, in the order the data flows (:mod:`birdscan.train.options`);
    each group checked its own values when it was made, and the rest are checked here before
    any file is read or model built.

    Parameters
    ----------
    data : str or Path, folder with ``BirdVox-70k_unitNN.hdf5`` files
    out : str or Path, ``.pt`` path of the best checkpoint; the other outputs are named after
        it (:func:`output_paths`)
    split : SplitOptions, the validation and test units (default: validate on the last unit,
        ``unit10`` for BirdVox-70k, no test units)
    real : RealSoundsOptions, reviewed clips (``extra``) and call-free recordings
        (``negatives``) added to the units (default: none)
    model : ModelConfig, the network to train; it travels with the weights in every
        checkpoint (default :data:`~birdscan.train.options.DEFAULT_MODEL`)
    augment : True for the default :class:`Augment` (in the model's band), False for none, or
        an :class:`Augment`
    time_shift : int in [0, model.window // 2), samples of random time shift of the default
        augmentation (0: calls are centred); needs ``augment=True``
    loud_beds : float in [0, 1], share of clips the default augmentation lays over a negative of
        the batch set by the call's band, so it can be far louder than the call outside it
        (``Augment.bed_prob``; 0: none); needs ``augment=True``
    fit : FitOptions, epochs, batch size, AdamW, loss weights, early stopping, seed
    runtime : RuntimeOptions, device, mixed precision, data loading, caching
    resume : a checkpoint or ``.resume.pt`` file of an earlier run to continue from its
        last epoch; what defines the run (:class:`~birdscan.train.resume.RunSpec`: units and
        clips, the fit but ``patience``, model, augmentation) must be the same, except that
        more ``fit.epochs`` extend it
    init : a checkpoint to start from instead of random weights (fine-tuning, e.g. the shipped
        model on a site's noise and reviewed clips): its network is trained, ``model`` must be
        left at its default or equal it; the new checkpoint records it (``train["init"]``: path
        and sha256). A resumed run continues from its own weights, given the same ``init``.
    overwrite : bool, allow replacing an existing ``out`` when not resuming
    progress : True to print a line per epoch on stderr; a callable to receive each epoch's
        row instead; a :class:`birdscan.train.log.Reporter` (e.g. the command line's live
        table); False for silence
    command : the command line to record in the checkpoint (default ``sys.argv``)
    **legacy : the keywords ``train()`` took before its option groups (birdscan 0.1.0:
        ``epochs=``, ``seed=``, ``val_units=``, ``negatives=``, ``model_options=``, ...): still
        accepted, folded into their groups (:func:`birdscan.train.legacy.fold_legacy`), with a
        ``DeprecationWarning`` naming the new spelling

    Returns
    -------
    TrainResult

    Raises
    ------
    ParameterError, OutputError, DataError
        for a bad option (naming it), an ``out`` that exists, unusable data

    Example
    -------
    >>> from birdscan.train import FitOptions, RealSoundsOptions
    >>> result = train("BirdVox-70k", "models/site.pt", fit=FitOptions(epochs=30),       # doctest: +SKIP
    ...                real=RealSoundsOptions(negatives=["site_noise"]))
    >>> result.best_metrics["auprc"], result.clips_per_s                                   # doctest: +SKIP
    """
    if legacy:
        folded = fold_legacy(legacy, {"split": split, "real": real, "model": model, "fit": fit, "runtime": runtime})
        split, real, model, fit, runtime = (folded[k] for k in ("split", "real", "model", "fit", "runtime"))
    groups = (("split", split, SplitOptions), ("real", real, RealSoundsOptions), ("model", model, ModelConfig),
              ("fit", fit, FitOptions), ("runtime", runtime, RuntimeOptions))
    for name, value, kind in groups:
        if not isinstance(value, kind):
            where = kind.__module__.rsplit(".", 1)[0]  # birdscan.train, birdscan.model
            raise ParameterError(f"{name} must be a {where}.{kind.__name__}, not {type(value).__name__}")
    arguments = {"data": plain(data), "out": plain(out), "split": split.to_dict(), "real": real.to_dict(),
                 "model": model.to_dict(), "augment": plain(augment), "time_shift": time_shift, "loud_beds": loud_beds, "fit": fit.to_dict(),
                 "runtime": runtime.to_dict(), "resume": plain(resume), "overwrite": overwrite, "command": command}
    start, init_record = None, {}  # random weights; else the init's, and its path and sha256
    if init is not None:
        model, start, init_record = initial_weights(init, model)
        arguments.update(model=model.to_dict(), init=plain(init))
    aug = augmentation(augment, time_shift, model, loud_beds)
    paths = output_paths(out)
    dev = resolve_device(runtime.device)
    state = read_resume(resume) if resume is not None else None
    if state is None and paths.best.exists() and not overwrite:
        raise OutputError(f"{paths.best} exists; pass overwrite=True to replace it, or resume= to continue its run")
    report = reporter(progress)
    sounds = RealSounds(real.extra, real.negatives, real.negative_windows, real.heldout, fit.seed, model.sample_rate,
                        model.window, not_noise=real.not_noise)
    sets = datasets(data, split.val_units, split.test_units, model.sample_rate, runtime.cache, sounds)
    batch_size = fit.batch_size
    if len(sets["train"]) < batch_size:  # a small folder: one step per epoch, not an error
        report.note(f"batch_size={batch_size} is more than the {len(sets['train'])} training clips; "
                    f"using batch_size={len(sets['train'])}")
        batch_size = max(2, len(sets["train"]))
    real_meta = sounds.metadata()
    run = RunSpec(split={part: sorted(set(ds.units)) for part, ds in sets.items()},
                  clips={part: len(ds) for part, ds in sets.items()}, epochs=fit.epochs, batch_size=batch_size,
                  lr=fit.lr, weight_decay=fit.weight_decay, config=model.to_dict(),
                  augment=aug.to_dict() if aug else None, seed=fit.seed, freq_weight=fit.freq_weight,
                  ema=fit.ema, noise_level_db=list(LEVEL_DB) if sounds.noise else None,
                  not_noise=real_meta.get("negatives", {}).get("not_noise", {}).get("spans"),
                  init=init_record.get("sha256"))
    if state is not None:
        check_resume(state, run)
    info = {"data": {"dir": str(Path(data).resolve()), "units": run.split,
                     "clips": {part: ds.counts() for part, ds in sets.items()}, **real_meta},
            "arguments": arguments, "command": command or shlex.join(sys.argv), "seed": fit.seed, "epochs": fit.epochs,
            "resume": paths.resume.name, **({"init": init_record} if init is not None else {})}
    try:
        return _fit(sets, paths, info, run, state, model, aug, dev, runtime, fit.patience, report, start)
    finally:
        for ds in sets.values():
            ds.close()


def _fit(sets: dict[str, ClipDataset], paths: TrainPaths, info: dict[str, Any], run: RunSpec,
         state: dict[str, Any] | None, config: ModelConfig, aug: Augment | None, dev: torch.device,
         runtime: RuntimeOptions, patience: int, reporter: Reporter,
         start: dict[str, Any] | None = None) -> TrainResult:
    epochs, batch_size, seed, workers = run.epochs, run.batch_size, run.seed, runtime.num_workers
    train_batches = ClipBatches(sets["train"], batch_size, dev, shuffle=True, num_workers=workers, seed=seed)
    val_batches = ClipBatches(sets["val"], batch_size, dev, num_workers=workers)
    loop = _Loop(config, dev, runtime.amp, run.lr, run.weight_decay, epochs, len(train_batches), seed, aug,
                 run.freq_weight, run.ema, start)
    log = _Log(paths, info, config, state)
    if state is not None:
        loop.load(state, extended=state["run"]["epochs"] != epochs, done=state["epoch"])
    timing: list[tuple[float, float]] = []
    reporter.start(device=str(dev), clips=run.clips, first=log.epoch + 1, epochs=epochs, steps=loop.steps)
    try:
        with torch_settings(dev):  # fixed input shapes: cuDNN autotuning on CUDA
            for epoch in range(log.epoch + 1, epochs + 1):
                if patience and log.bad_epochs >= patience:
                    break
                t0 = time.perf_counter()
                train_loss = loop.train_epoch(train_batches, epoch, reporter)
                t_train = time.perf_counter() - t0
                pred = predict(loop.scored(), val_batches, loop.amp)
                if not np.isfinite(pred.logits).all():
                    raise ParameterError(f"epoch {epoch}: the model's outputs are not finite (training diverged); "
                                         f"try a lower lr={run.lr}")
                row = {"epoch": epoch, "lr": loop.scheduler.get_last_lr()[0], "train_loss": train_loss,
                       **{f"val_{k}": v for k, v in pred.metrics().items()},
                       "epoch_s": time.perf_counter() - t0, "train_clips_per_s": loop.steps * batch_size / t_train}
                timing.append((row["train_clips_per_s"], row["epoch_s"]))
                log.add(row, loop, run)
                reporter.epoch(row)
    finally:
        reporter.close()
    done = log.epoch
    result = TrainResult(
        best=paths.best, last=paths.last, resume=paths.resume, metrics=paths.metrics,
        curves=plot_curves(log.history, paths.curves), history=log.history, best_epoch=log.best["epoch"],
        best_metrics=log.best["metrics"], epochs_run=done, stopped_early=done < epochs,
        clips_per_s=float(np.mean([t[0] for t in timing])) if timing else float("nan"),
        epoch_s=float(np.mean([t[1] for t in timing])) if timing else float("nan"),
        device=str(dev), counts=info["data"]["clips"],
        detect=recommended_threshold(log.best["metrics"], noise_window_rate(config)),
    )
    return result


class _Log:
    """The run's history, best epoch and files: checkpoints, resume state, metrics.jsonl."""

    def __init__(self, paths: TrainPaths, info: dict[str, Any], config: ModelConfig,
                 state: dict[str, Any] | None) -> None:
        self.paths, self.info, self.config = paths, info, config
        self.history: list[dict[str, Any]] = []
        self.best: dict[str, Any] = {"epoch": 0, "key": [-1.0, 0.0], "metrics": {}, "state": None}
        self.epoch = self.bad_epochs = 0
        if state is not None:
            self.history, self.best = state["history"], state["best"]
            self.epoch, self.bad_epochs = state["epoch"], state["bad_epochs"]
            if self.best["state"] is not None:
                self._write_best()  # the continued run may write somewhere else
        write_jsonl(paths.metrics, self.history)

    def add(self, row: dict[str, Any], loop: _Loop, run: RunSpec) -> None:
        """Record an epoch; write best (if it is), last, resume state and the jsonl row."""
        # best by validation AUPRC; among equals (a saturated toy task), by validation loss
        key = [row["val_auprc"], -row["val_loss"]]
        row["best"] = key > self.best["key"]
        self.epoch = row["epoch"]
        metrics = {k[4:]: v for k, v in row.items() if k.startswith("val_")}
        if row["best"]:
            self.best = {"epoch": self.epoch, "key": key, "metrics": metrics, "state": loop.model_state()}
            self.bad_epochs = 0
            self._write_best()
        else:
            self.bad_epochs += 1
        self.history.append(row)
        save_checkpoint(self.paths.last, loop.scored(),
                        {**self.info, "epoch": self.epoch, "best_epoch": self.best["epoch"], "metrics": metrics})
        state = {"format": RESUME_FORMAT, "epoch": self.epoch, **loop.state(), "history": self.history,
                 "best": self.best, "bad_epochs": self.bad_epochs, "run": run.to_dict()}
        with atomic_path(self.paths.resume) as tmp:
            torch.save(state, tmp)
        append_jsonl(self.paths.metrics, row)

    def _write_best(self) -> None:
        model = Detector(self.config)
        model.load_state_dict(self.best["state"])
        metrics = self.best["metrics"]
        train = {**self.info, "epoch": self.best["epoch"], "best_epoch": self.best["epoch"], "metrics": metrics}
        detect = recommended_threshold(metrics, noise_window_rate(self.config))
        save_checkpoint(self.paths.best, model, train, detect)


class _Loop:
    """Model, AdamW, one-cycle schedule, mixed precision and the weights' moving average on one device."""

    def __init__(self, config: ModelConfig, dev: torch.device, amp: bool, lr: float, weight_decay: float,
                 epochs: int, steps: int, seed: int, aug: Augment | None, freq_weight: float = 1.0,
                 ema: float = 0.0, start: dict[str, Any] | None = None) -> None:
        torch.manual_seed(seed)
        self.model = Detector(config).to(dev)
        if start is not None:  # fine-tuning: the init's weights, before the moving average copies them
            self.model.load_state_dict(start)
        self.average = WeightAverage(self.model, ema) if ema > 0 else None
        self.dev, self.seed, self.aug, self.steps = dev, seed, aug, steps
        self.freq_weight = freq_weight
        self.amp = amp_dtype(dev) if amp else None
        decay = [p for p in self.model.parameters() if p.ndim > 1]
        no_decay = [p for p in self.model.parameters() if p.ndim <= 1]  # biases, norms
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=lr, fused=dev.type == "cuda",
        )
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(self.optimizer, max_lr=lr, total_steps=epochs * steps)
        self.scaler = torch.amp.GradScaler(dev.type, enabled=self.amp == torch.float16)

    def train_epoch(self, batches: ClipBatches, epoch: int, reporter: Reporter) -> float:
        """One epoch of steps; returns the mean training loss."""
        seed = epoch_seed(self.seed, epoch)
        torch.manual_seed(seed)  # dropout: a resumed run draws what the uninterrupted one would
        gen = torch.Generator(self.dev).manual_seed(seed + 1) if self.aug else None
        self.model.train()
        total = torch.zeros((), device=self.dev)
        n = 0
        for step, (x, y, f) in enumerate(batches.epoch(epoch), 1):
            if self.aug is not None:
                x, factor = self.aug(x, y, gen, return_factor=True, keep_hz=f)
                f = f * factor  # pitch augmentation moves the call's frequency
            z, freq = outputs(self.model, x, self.amp)
            loss = F.binary_cross_entropy_with_logits(z, y)
            if freq is not None and self.freq_weight > 0:
                loss = loss + self.freq_weight * freq_loss(freq, f)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            if self.average is not None:
                self.average.update(self.model)
            total += loss.detach() * len(y)  # summed on the device: no GPU sync per step
            n += len(y)
            reporter.batch(step, self.steps)
        return float(total) / max(n, 1)

    def scored(self) -> Detector:
        """The weights that are validated and saved: the moving average when there is one."""
        return self.model if self.average is None else self.average.model

    def model_state(self) -> dict[str, torch.Tensor]:
        """The scored weights (:meth:`scored`) on the CPU."""
        return cpu_state(self.scored())

    def state(self) -> dict[str, Any]:
        return {"model": cpu_state(self.model), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(), "average": None if self.average is None else self.average.state()}

    def load(self, state: dict[str, Any], extended: bool = False, done: int = 0) -> None:
        """Take back a run's state. ``extended``: the run now has more epochs; its one-cycle
        schedule is redrawn over the new total and continues from the ``done`` epochs' step
        (a warm restart of the learning rate when the run had finished)."""
        self.model.load_state_dict(state["model"])
        if self.average is not None:
            self.average.load(state["average"])
        self.optimizer.load_state_dict(state["optimizer"])
        if extended:
            import warnings

            self.scheduler.last_epoch = done * self.steps - 1
            with warnings.catch_warnings():  # "step() before optimizer.step()": no step is due here
                warnings.simplefilter("ignore")
                self.scheduler.step()
        else:
            self.scheduler.load_state_dict(state["scheduler"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
