"""A model's clip-level predictions and metrics on BirdVox-70k-layout units (as training
validates, and as ``birdscan evaluate-clips`` reports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from .. import birdvox70k as bdata
from ..device import amp_dtype, resolve_device
from ..errors import ParameterError
from ..model import Detector, load_model
from .dataset import ClipBatches, ClipDataset
from .metrics import binary_metrics


def evaluate_clips(
    data: str | Path,
    units: str | Sequence[str] | None,
    model: str | Path | Detector,
    *,
    batch_size: int = 256,
    num_workers: int = 0,
    device: str = "auto",
    amp: bool = True,
) -> dict[str, Any]:
    """Clip-level metrics of a model on some units, exactly as :func:`train` logs them.

    Parameters
    ----------
    data : folder with ``BirdVox-70k_unitNN.hdf5`` files
    units : units to evaluate (``"unit10"``, ``"unit07,unit10"``, a list); None for all
    model : a checkpoint path or a :class:`Detector` (moved to ``device``, left in eval mode)
    batch_size, num_workers, device, amp : as for :func:`train`

    Returns
    -------
    dict: :func:`birdscan.train.metrics.binary_metrics` (``clips``, ``positives``, ``loss``,
    ``accuracy``, ``balanced_accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc``,
    ``auprc``, ``threshold_p90``, ``recall_p90``) plus ``units``.

    Example
    -------
    >>> evaluate_clips("BirdVox-70k", "unit10", "models/birdscan.pt")["auprc"]   # doctest: +SKIP
    """
    if batch_size < 1 or num_workers < 0:
        raise ParameterError(f"batch_size={batch_size} must be >= 1 and num_workers={num_workers} >= 0")
    dev = resolve_device(device)
    net = load_model(model, dev) if isinstance(model, (str, Path)) else model.to(dev)
    found = bdata.select_units(bdata.find_units(data), units)
    ds = ClipDataset(bdata.index_units(found, sample_rate=net.config.sample_rate))
    try:
        batches = ClipBatches(ds, batch_size, dev, num_workers=num_workers)
        labels, scores = predict(net, batches, amp_dtype(dev) if amp else None)
    finally:
        ds.close()
    return {**binary_metrics(labels, scores), "units": list(found)}


def logits(model: Detector, x: torch.Tensor, amp: torch.dtype | None) -> torch.Tensor:
    """The model's logits [shape=(batch,)] for clips ``x`` [shape=(batch, samples)], under
    autocast to ``amp`` when given (None: float32)."""
    if amp is None:
        return model(x)
    with torch.autocast(x.device.type, dtype=amp):  # the model keeps its frontend in float32
        return model(x).float()


@torch.inference_mode()
def predict(model: Detector, batches: ClipBatches, amp: torch.dtype | None) -> tuple[np.ndarray, np.ndarray]:
    """Labels and logits of every clip of ``batches``, in dataset order, np.ndarray [shape=(clips,)] each."""
    model.eval()
    labels, scores = [], []
    for x, y in batches.epoch(0):
        scores.append(logits(model, x, amp).float().cpu())
        labels.append(y.cpu())
    return torch.cat(labels).numpy(), torch.cat(scores).numpy()
