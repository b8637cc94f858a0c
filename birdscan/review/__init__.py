"""Reviewing a run: reference readers, evaluation against them, plots and listening clips.

Modules: ``runs`` (the run's detections, windows, run.json), ``references`` (annotation
readers), ``pairing`` (references to recordings), ``matching`` (one-to-one matching, PR
curve), ``frequency`` (call-type and semitone scores), ``evaluate``, ``activity`` (calls per
interval), ``plot``, ``clips``; ``csvio`` reads tables strictly for all of them.

Imports :mod:`birdscan.detect` (the run's output formats and audio reading),
:mod:`birdscan.calltypes`, :mod:`birdscan.files`, :mod:`birdscan.tables` and
:mod:`birdscan.errors`; never ``train``, ``synth`` or ``cli``.
"""

from __future__ import annotations

from .._lazy import lazy_names

__all__ = ["export_clips", "plot_activity", "plot_trace", "plot_pr", "EvaluationResult"]
__getattr__ = lazy_names(__name__, {"export_clips": "clips", "plot_activity": "plot", "plot_trace": "plot",
                                    "plot_pr": "plot", "EvaluationResult": "evaluate"})
