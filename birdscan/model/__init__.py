"""The detector: config dataclass, spectrogram frontend, CNN, checkpoint files.

Everything the time grid depends on lives in :class:`ModelConfig` (see DESIGN.md):
windows of 12,000 samples at 24 kHz, spectrogram frames of ``n_fft`` samples every
``frame_hop`` samples (not centred), and a trunk whose time stride ``stride_frames``
divides ``1200 / frame_hop``. All time convolutions are valid (no padding in time)
and all normalisation is frame-local, so a window's probability depends only on
its own samples and :meth:`Detector.scan` (trunk once over a long block, head every
hop) equals :meth:`Detector.forward` on each window.

Modules, in import order: ``config`` (:class:`ModelConfig`, no torch), ``frontend``
(STFT, mel filterbank, PCEN or log), ``network`` (:class:`Detector`, :func:`for_inference`)
and ``checkpoint`` (model files). Every name is importable from ``birdscan.model``.
"""

from __future__ import annotations

from .checkpoint import (
    FORMAT,
    cpu_state,
    default_model_path,
    default_threshold,
    file_sha256,
    load_model,
    model_from_checkpoint,
    read_checkpoint,
    save_checkpoint,
    set_threshold,
    torch_load,
)
from .config import ARCHS, FRONTENDS, LIMITS, ModelConfig
from .frontend import Frontend, mel_filterbank
from .network import Detector, for_inference

__all__ = [
    "ARCHS", "FORMAT", "FRONTENDS", "LIMITS", "Detector", "Frontend", "ModelConfig", "cpu_state", "default_model_path",
    "default_threshold", "file_sha256", "for_inference", "load_model", "mel_filterbank", "model_from_checkpoint",
    "read_checkpoint", "save_checkpoint", "set_threshold", "torch_load",
]
