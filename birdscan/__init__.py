"""birdscan: find bird flight calls in long field recordings.

Public API (imported lazily so ``birdscan --help`` starts fast)::

    birdscan.scan(inputs, out=...)                        # birdscan run
    birdscan.load_model(path)
    from birdscan.train import train, evaluate_clips      # birdscan train / evaluate-clips
    from birdscan.evaluate import evaluate                # birdscan evaluate
    from birdscan.synth import write_birdvox70k, write_recording   # birdscan synth
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "scan": ("detect", "scan"),
    "export_clips": ("clips", "export_clips"),
    "load_model": ("model", "load_model"),
    "discover": ("discover", "discover"),
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        return getattr(import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'birdscan' has no attribute {name!r}")
