"""Training on BirdVox-70k-layout clips: dataset, augment, loop, metrics, log.

Imports :mod:`birdscan.model`, :mod:`birdscan.birdvox70k` and :mod:`birdscan.errors`; never
``detect``, ``synth``, ``review`` or ``cli``.
"""

from __future__ import annotations

from .._lazy import lazy_names

__all__ = ["train", "evaluate_clips", "TrainResult"]
__getattr__ = lazy_names(__name__, {"train": "loop", "evaluate_clips": "predict", "TrainResult": "loop"})
