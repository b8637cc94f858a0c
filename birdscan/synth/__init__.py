"""Generated data: flight calls, hard negatives and night ambience, composed into
BirdVox-70k-layout files or long recordings with ground truth.

Inside: ``dsp`` (shared signal helpers) <- ``calls``, ``creatures`` (insects, frogs, owls,
song) <- ``noises`` (long stretches: thunder, wind, traffic, aircraft) <- ``negatives`` (hard
negatives for clips), ``backgrounds`` <- ``ambience`` <- ``recording`` (long recordings with a
truth table) <- ``compose`` (BirdVox-70k-layout clips); ``tones`` (whole-window steady tones
and owl hoots as labelled clips for ``train --extra``). Imports :mod:`birdscan.birdvox70k`,
:mod:`birdscan.realsounds` (real recordings as beds), :mod:`birdscan.files`, :mod:`birdscan.tables`
and :mod:`birdscan.errors`; never ``detect``, ``train``, ``review`` or ``cli``.
"""

from __future__ import annotations

from .._lazy import lazy_names

__all__ = ["write_birdvox70k", "write_recording", "make_clip", "write_tone_clips"]
__getattr__ = lazy_names(__name__, {"write_birdvox70k": "compose", "write_recording": "recording", "make_clip": "compose",
                                    "write_tone_clips": "tones"})
