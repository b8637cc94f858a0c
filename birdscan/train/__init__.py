"""Training on BirdVox-70k-layout clips: options, setup, dataset, augment, loop, predict, metrics, log, resume.

``train(data, out, split=, real=, model=, augment=, time_shift=, fit=, runtime=, ...)`` takes its
options in groups (:mod:`birdscan.train.options`), e.g.::

    from birdscan.model import ModelConfig
    from birdscan.train import FitOptions, RuntimeOptions, train

    train("BirdVox-70k", "models/site.pt", model=ModelConfig(freq_head=True, bg_stats=True),
          fit=FitOptions(epochs=12, patience=3), runtime=RuntimeOptions(cache=True))

Imports :mod:`birdscan.model`, :mod:`birdscan.device`, :mod:`birdscan.birdvox70k`,
:mod:`birdscan.realsounds` (``--negatives``, ``--extra``), :mod:`birdscan.calltypes`,
:mod:`birdscan.files` and :mod:`birdscan.errors`; never ``detect``, ``synth``, ``review`` or ``cli``.
"""

from __future__ import annotations

from .._lazy import lazy_names

_NAMES = {
    "train": "loop", "TrainResult": "loop", "evaluate_clips": "predict",
    "SplitOptions": "options", "RealSoundsOptions": "options", "FitOptions": "options", "RuntimeOptions": "options",
    "DEFAULT_MODEL": "options", "parse_channels": "options",
}
__all__ = list(_NAMES)
__getattr__ = lazy_names(__name__, _NAMES)
