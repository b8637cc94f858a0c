"""Training the detector on BirdVox-70k-layout clips, and clip-level evaluation.

:func:`train` splits the data by recording unit (:func:`birdscan.birdvox70k.split_units`), trains
a :class:`~birdscan.model.Detector` with AdamW and a one-cycle schedule, validates every
epoch, keeps the best epoch by validation AUPRC (early stopping after ``patience`` epochs
without improvement) and writes, next to ``out`` (``model.pt``):

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
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from .dataset import ClipBatches, ClipDataset, epoch_seed
from .augment import Augment
from ..device import amp_dtype, resolve_device, torch_settings
from ..errors import OutputError, ParameterError
from ..files import atomic_path
from .metrics import append_jsonl, plot_curves, write_jsonl
from ..realsounds import RealSounds
from .predict import freq_loss, outputs, predict, recommended_threshold
from ..model import Detector, ModelConfig, save_checkpoint
from .log import Reporter, reporter
from .resume import RESUME_FORMAT, RunSpec, check_resume, plain, read_resume
from .setup import augmentation, check_options, datasets, model_config



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
    ``model.resume.pt``, ``model.metrics.jsonl``, ``model.curves.png`` next to it."""
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
    val_units: str | Sequence[str] | None = None,
    test_units: str | Sequence[str] | None = None,
    epochs: int = 30,
    batch_size: int = 256,
    lr: float = 3e-3,
    weight_decay: float = 1e-2,
    arch: str = "birdscan",
    frontend: str = "pcen",
    channels: str | Sequence[int] | None = None,
    model_options: dict[str, Any] | None = None,
    augment: bool | Augment = True,
    time_shift: int = 0,
    num_workers: int = 0,
    cache: bool = False,
    seed: int = 0,
    device: str = "auto",
    amp: bool = True,
    resume: str | Path | None = None,
    patience: int = 8,
    overwrite: bool = False,
    extra: Sequence[str | Path] = (),
    negatives: Sequence[str | Path] = (),
    negative_windows: int = 6000,
    heldout: float = 0.25,
    freq_weight: float = 1.0,
    progress: bool | Callable[[dict[str, Any]], None] | Reporter = True,
    command: str | None = None,
) -> TrainResult:
    """Train a detector on BirdVox-70k-layout data, validating on held-out units.

    Parameters
    ----------
    data : folder with ``BirdVox-70k_unitNN.hdf5`` files
    out : ``.pt`` path of the best checkpoint; the other outputs are named after it
        (:func:`output_paths`)
    val_units, test_units : units (``"unit10"``, ``10``, ``"unit07,unit10"`` or a list).
        Default: validate on the last unit (``unit10``), no test units; test units are only
        counted, never used (evaluate them with :func:`evaluate_clips`).
    epochs : int >= 1, total epochs of the one-cycle schedule; when resuming, more than the run
        had extends it (the schedule is redrawn over the new total from the current step)
    batch_size : int >= 2, clips per step (and per validation batch)
    lr, weight_decay : AdamW peak learning rate and decoupled weight decay (not on
        biases and norm parameters)
    arch, frontend, channels : :class:`ModelConfig` fields (``channels`` e.g. ``(16, 32, 48)``
        or ``"16,32,48"``); ``model_options``: any other ModelConfig fields
    augment : True for the default :class:`Augment`, False for none, or an :class:`Augment`
    time_shift : int >= 0, samples of random time shift when augmenting (0: calls are centred)
    num_workers : DataLoader worker processes reading the HDF5 files (0: in this process)
    cache : read all train and validation clips into RAM once as float16 (~1.7 GB for
        all of BirdVox-70k) and slice batches from there (no DataLoader, ``num_workers``
        unused); on CUDA the cached clips are moved to GPU memory
    seed : int, seeds weights, shuffling, augmentation and dropout
    device : "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:1", ...
    amp : mixed precision on CUDA (bfloat16 where supported, else float16 with loss
        scaling); the model keeps its spectrogram frontend in float32
    resume : a checkpoint or ``.resume.pt`` file of an earlier run to continue from its
        last epoch; the run-defining options (split, epochs, batch size, lr, weight decay,
        model, augmentation, seed) must be the same
    patience : stop after this many epochs without a better validation AUPRC (0: never)
    overwrite : allow replacing an existing ``out`` when not resuming
    extra : folders of reviewed clips (``call/`` and ``not_call/``, or ``1/`` and ``0/``, or a
        CSV ``file,label[,freq_hz]``; see :func:`birdscan.realsounds.read_labelled`); each
        joins the training units as ``extra-<folder name>`` (name it in ``val_units`` to
        validate on it instead)
    negatives : folders of call-free recordings (insects, frogs, rain, machinery). A fixed
        ``heldout`` fraction of each folder's files is never used (listed in the checkpoint
        for ``benchmarks/quality.py``); another fixed 15% of the files (whole recordings) gives
        validation windows (unit ``noise-val``), from which the recommended threshold is
        chosen, so that threshold estimates false alarms on recordings training never heard;
        the rest gives ``negative_windows`` varied negative windows (unit ``noise``: pitch
        shifts of up to an octave, time stretch, choruses, distance, gain), which augmentation
        also mixes under positives as beds (see :class:`birdscan.realsounds.RealSounds`)
    negative_windows : int >= 0, varied windows cut from ``negatives`` for training
    heldout : fraction of each negatives folder kept out of training and validation
    freq_weight : weight of the frequency head's loss (models with ``freq_head``)
    progress : True to print a line per epoch on stderr; a callable to receive each epoch's
        row instead; a :class:`birdscan.train.log.Reporter` (e.g. the command line's live
        table); False for silence
    command : the command line to record in the checkpoint (default ``sys.argv``)

    Returns
    -------
    TrainResult

    Example
    -------
    >>> result = train("BirdVox-70k", "models/birdscan.pt", epochs=30)    # doctest: +SKIP
    >>> result.best_metrics["auprc"], result.clips_per_s                     # doctest: +SKIP
    """
    arguments = plain({k: v for k, v in locals().items() if k != "progress"})
    config = model_config(arch, frontend, channels, model_options)
    aug = augmentation(augment, time_shift, config)
    check_options(epochs, batch_size, lr, weight_decay, num_workers, patience, seed)
    if negative_windows < 0 or not 0.0 <= heldout < 1.0 or freq_weight < 0:
        raise ParameterError(f"negative_windows={negative_windows} must be >= 0, heldout={heldout} in [0, 1), "
                             f"freq_weight={freq_weight} >= 0")
    paths = output_paths(out)
    dev = resolve_device(device)
    state = read_resume(resume) if resume is not None else None
    if state is None and paths.best.exists() and not overwrite:
        raise OutputError(f"{paths.best} exists; pass overwrite=True to replace it, or resume= to continue its run")
    report = reporter(progress)
    real = RealSounds(extra, negatives, negative_windows, heldout, seed, config.sample_rate, config.window)
    sets = datasets(data, val_units, test_units, config.sample_rate, cache, real)
    if len(sets["train"]) < batch_size:  # a small folder: one step per epoch, not an error
        report.note(f"batch_size={batch_size} is more than the {len(sets['train'])} training clips; "
                    f"using batch_size={len(sets['train'])}")
        batch_size = max(2, len(sets["train"]))
    run = RunSpec(split={part: sorted(set(ds.units)) for part, ds in sets.items()},
                  clips={part: len(ds) for part, ds in sets.items()}, epochs=epochs, batch_size=batch_size, lr=lr,
                  weight_decay=weight_decay, config=config.to_dict(), augment=aug.to_dict() if aug else None, seed=seed,
                  freq_weight=freq_weight)
    if state is not None:
        check_resume(state, run)
    info = {"data": {"dir": str(Path(data).resolve()), "units": run.split,
                     "clips": {part: ds.counts() for part, ds in sets.items()}, **real.metadata()},
            "arguments": arguments, "command": command or shlex.join(sys.argv), "seed": seed, "epochs": epochs,
            "resume": paths.resume.name}
    try:
        return _fit(sets, paths, info, run, state, config, aug, dev, amp, num_workers, patience, report)
    finally:
        for ds in sets.values():
            ds.close()


def _fit(sets: dict[str, ClipDataset], paths: TrainPaths, info: dict[str, Any], run: RunSpec,
         state: dict[str, Any] | None, config: ModelConfig, aug: Augment | None, dev: torch.device, amp: bool,
         num_workers: int, patience: int, reporter: Reporter) -> TrainResult:
    epochs, batch_size, seed = run.epochs, run.batch_size, run.seed
    train_batches = ClipBatches(sets["train"], batch_size, dev, shuffle=True, num_workers=num_workers, seed=seed)
    val_batches = ClipBatches(sets["val"], batch_size, dev, num_workers=num_workers)
    loop = _Loop(config, dev, amp, run.lr, run.weight_decay, epochs, len(train_batches), seed, aug, run.freq_weight)
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
                pred = predict(loop.model, val_batches, loop.amp)
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
        save_checkpoint(self.paths.last, loop.model,
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
        detect = recommended_threshold(metrics)
        save_checkpoint(self.paths.best, model, train, detect)


class _Loop:
    """Model, AdamW, one-cycle schedule and mixed precision on one device."""

    def __init__(self, config: ModelConfig, dev: torch.device, amp: bool, lr: float, weight_decay: float,
                 epochs: int, steps: int, seed: int, aug: Augment | None, freq_weight: float = 1.0) -> None:
        torch.manual_seed(seed)
        self.model = Detector(config).to(dev)
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
                x, factor = self.aug(x, y, gen, return_factor=True)
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
            total += loss.detach() * len(y)  # summed on the device: no GPU sync per step
            n += len(y)
            reporter.batch(step, self.steps)
        return float(total) / max(n, 1)

    def model_state(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}

    def state(self) -> dict[str, Any]:
        return {"model": self.model_state(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict()}

    def load(self, state: dict[str, Any], extended: bool = False, done: int = 0) -> None:
        """Take back a run's state. ``extended``: the run now has more epochs; its one-cycle
        schedule is redrawn over the new total and continues from the ``done`` epochs' step
        (a warm restart of the learning rate when the run had finished)."""
        self.model.load_state_dict(state["model"])
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
