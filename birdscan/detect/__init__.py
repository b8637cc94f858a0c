"""The scan pipeline: discover -> audio -> windows -> infer -> events -> writers.

:mod:`.audio` streams a recording; :mod:`.audiofile` reads its header and the short spans
events, clips and plots need.

:mod:`.run` composes the chain for one run and :mod:`.pipeline` (:func:`scan`) checks a
call and starts, resumes or retries a run; :mod:`.journal` makes a run resumable,
:mod:`.retry` rescans the recordings a finished run failed on, :mod:`.shard` splits one
across jobs and :mod:`.merge` joins the shares. Modules here import
:mod:`birdscan.model`, :mod:`birdscan.device`, :mod:`birdscan.birdvox70k` (its rate, the
default model's), :mod:`birdscan.calltypes`, :mod:`birdscan.files`, :mod:`birdscan.tables` and
:mod:`birdscan.errors`, never ``train``, ``synth``, ``review`` or ``cli``.
"""

from __future__ import annotations

from .._lazy import lazy_names

__all__ = ["scan", "ScanOptions", "RunResult", "FileResult"]
__getattr__ = lazy_names(__name__, {"scan": "pipeline", "ScanOptions": "run",
                                    "RunResult": "pipeline", "FileResult": "pipeline"})
