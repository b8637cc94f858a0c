"""``birdscan.scan``: check the options and outputs, then start a run, resume one, retry a
finished run's failures or find it finished.

Everything is checked before a recording or the model is opened. What every run then does
(decode -> windows -> model -> events -> writers) is :class:`birdscan.detect.run.Run`.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Sequence

from .._version import __version__
from ..calltypes import TYPE_BOUNDARY_HZ
from ..errors import ModelError, OutputError, ParameterError
from ..files import OutputLock, remove_stale_temporaries
from ..tables import manifest_path
from . import selections, writers
from .discover import discover
from .events import EventRule
from .journal import journal_dir
from .results import RESULT_OPTIONS, FileResult, RunResult, read_detections_csv
from .run import NullProgress, Run, ScanOptions
from .shard import check_shards, listing_digest, parse_shard

__all__ = ["scan", "FileResult", "RunResult", "ScanOptions", "NullProgress"]


def scan(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None = None,
    windows: str | os.PathLike[str] | None = None,
    raven: str | os.PathLike[str] | None = None,
    audacity: str | os.PathLike[str] | None = None,
    model: str | os.PathLike[str] | None = None,
    hop: float | None = None,
    threshold: float | None = None,
    threshold_off: float | None = None,
    min_gap: float = 0.1,
    min_duration: float = 0.0,
    split_dip: float = 0.3,
    channel: int | None = None,
    type_boundary: float = TYPE_BOUNDARY_HZ,
    windows_freq: bool = False,
    device: str = "auto",
    batch_size: int | None = None,
    workers: int | None = None,
    recursive: bool = True,
    ext: str | Sequence[str] | None = None,
    overwrite: bool = False,
    shard: str | tuple[int, int] | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: NullProgress | None = None,
) -> RunResult:
    """Scan recordings for flight calls and write the outputs.

    Parameters
    ----------
    inputs : files and/or folders (walked recursively unless ``recursive=False``)
    out : detections CSV (one row per event); ``run.json`` is written next to it
    windows : optional ``.csv`` / ``.csv.gz`` with one row per window
    raven : optional folder for Raven Pro selection tables (see :mod:`birdscan.detect.selections`)
    audacity : optional folder for Audacity label tracks, one ``<file>.txt`` per recording
    model : checkpoint path; None takes the shipped default model
    hop : float > 0, seconds between window starts, or None for the model's own hop
        (``config.hop``: 50 ms for the shipped model); multiples of the model's stride scan densely
    threshold : float in [0, 1] or None (the model's recommended threshold, 0.5 if it has none)
    threshold_off, min_gap, min_duration, split_dip : the rest of the event rule (see
        :mod:`birdscan.detect.events`); seconds for gaps and durations
    channel : int >= 1 or None (mix all channels to mono)
    type_boundary : float, Hz. With a model that estimates call frequency, detections get
        ``freq_hz`` (the estimate at the event's peak window) and ``call_type``: ``thrush``
        below this frequency, ``tseep`` at or above it. Models without a frequency head leave
        both empty.
    windows_freq : bool, add the frequency estimate of every window to the windows table
    device : "auto", "cpu", "cuda", "cuda:N"
    batch_size : windows per model batch (default by device)
    workers : int >= 0, recordings decoded ahead in background threads (0: none);
        None: half the CPU cores, 1 to 8 (decoding must keep up with a GPU)
    shard : ``(K, N)`` or ``"K/N"``, 1 <= K <= N: scan only the K-th of N shares of the
        recordings (see :mod:`birdscan.detect.shard`); :func:`birdscan.detect.merge.merge` joins the shares
    resume : take the recordings an interrupted run with the same outputs and options
        finished from its journal (see :mod:`birdscan.detect.journal`) and scan only the rest;
        needs ``out``. Without it, a journal left by an earlier run is cleared. On a run that
        finished, ``resume`` does nothing (``result.nothing_to_do``) when that run matches this
        one (recordings, options, model, outputs), and raises :class:`OutputError` saying
        what differs when it does not, so a requeued job that had completed succeeds.
    retry_failed : on a finished run of these recordings with these options and model, scan
        again only the recordings that failed or were partial in it and put their results in
        the outputs, replacing a partial recording's (kept if its rescan fails outright; see
        :mod:`birdscan.detect.retry`); otherwise the same as ``resume``. Needs ``out``.

    The outputs of ``out`` are locked while the run writes them: a second run on the same
    ``out`` is refused with :class:`OutputError` naming the process that holds them.

    Returns
    -------
    RunResult; ``result.n_errors`` counts recordings that failed and ``result.n_partial``
    damaged ones of which only the part that decoded was scanned (each named in the
    manifest with its reason; the others are scanned regardless).

    Examples
    --------
    >>> res = scan(["recordings/"], out="detections.csv")  # doctest: +SKIP
    >>> res.detections.head()  # doctest: +SKIP
    """
    from ..device import resolve_device, usable_cores
    from ..model import ModelConfig, default_threshold, read_checkpoint

    if workers is None:
        workers = min(8, max(1, usable_cores() // 2))

    def options(hop: float, threshold: float) -> ScanOptions:
        rule = EventRule(threshold, threshold_off, min_gap, min_duration, split_dip)
        return ScanOptions(hop, rule, channel, device, batch_size, workers, type_boundary)

    # Every option is checked before any file or the model is opened. The model's hop and
    # threshold stand in for those not given, so until it is read they are checked with
    # stand-ins: any positive hop, and 1 as the upper bound of threshold_off.
    options(1.0 if hop is None else hop, 1.0 if threshold is None else threshold)
    part = parse_shard(shard) if shard is not None else None
    if (resume or retry_failed) and out is None:
        what = "resume" if resume else "retry_failed"
        raise ParameterError(f"{what}=True needs out=: the journal and the finished run's manifest are kept next to it")
    resume = resume or retry_failed
    torch_device = resolve_device(device)
    model_path = _model_path(model)
    out_p, win_p, raven_p, aud_p = (Path(p) if p is not None else None for p in (out, windows, raven, audacity))
    writers.check_windows_path(win_p)
    with OutputLock(out_p) if out_p is not None else nullcontext():
        # A journal means the interrupted run passed these checks: its outputs may be replaced.
        journaled = resume and journal_dir(out_p).is_dir()
        finished = resume and not journaled and not overwrite and manifest_path(out_p).exists()
        replace = overwrite or journaled
        targets = [out_p, manifest_path(out_p) if out_p else None, win_p]
        if raven_p is not None:
            targets.append(raven_p / selections.RAVEN_COMBINED)
        if not finished:
            writers.check_targets(targets, replace)
        recs = discover(inputs, recursive=recursive, ext=ext)
        if part is not None:
            check_shards(part, len(recs))
        if raven_p is not None and not finished:
            writers.check_targets(selections.raven_tables(raven_p, [r.rel for r in recs if r.error is None]), replace)
        if aud_p is not None and not finished:
            writers.check_targets([selections.audacity_path(aud_p, r.rel) for r in recs if r.error is None], replace)
        ckpt = read_checkpoint(model_path)
        config = ModelConfig.from_dict(ckpt["config"])
        opts = options(config.hop / config.sample_rate if hop is None else hop,
                       default_threshold(ckpt) if threshold is None else threshold)

        def new_run(o: Path | None, w: Path | None, r: Path | None, a: Path | None) -> Run:
            return Run(recs, opts, model_path, ckpt, torch_device, o, w, (r, a), progress or NullProgress(), inputs,
                        windows_freq=bool(windows_freq))

        if finished:
            man = _finished_run(out_p, recs, opts, model_path, inputs, part, (win_p, raven_p, aud_p))
            if retry_failed and any(f["status"] != "ok" for f in man["files"]):
                from .retry import retry_failed as retry

                return retry(man, out_p, (win_p, raven_p, aud_p), lambda only, o, w, r, a: new_run(o, w, r, a).go(part, only=set(only)))
            return _nothing_to_do(man, out_p)
        remove_stale_temporaries(targets, [raven_p, aud_p])
        return new_run(out_p, win_p, raven_p, aud_p).go(part, resume)


_OTHER_OUTPUTS = ("windows", "raven", "audacity")


def _finished_run(out: Path, recs, opts: ScanOptions, model_path: Path, inputs, part,
                  others: tuple[Path | None, Path | None, Path | None]) -> dict[str, Any]:
    """The manifest of the finished run at ``out`` when it is the run asked for (same
    recordings, options, model and outputs), else an :class:`OutputError` saying what differs."""
    import json

    from ..model import file_sha256

    path = manifest_path(out)
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
        old = {
            "birdscan version": man["birdscan_version"], "model": man["model"]["sha256"],
            "options": {k: man["options"].get(k) for k in RESULT_OPTIONS}, "inputs": man["inputs"],
            "shard": (man["shard"]["k"], man["shard"]["n"]) if man.get("shard") else None,
            "recordings": [f["file"] for f in man["files"]] if not man.get("shard") else man["shard"]["listing_sha256"],
            **{f"{k} output": man["outputs"].get(k) for k in _OTHER_OUTPUTS},
        }
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OutputError(f"{path} cannot be read ({e}) and there is no journal to resume: pass overwrite=True / "
                          "--overwrite to scan again") from e
    names = [r.rel for r in recs]
    new = {
        "birdscan version": __version__, "model": file_sha256(model_path), "options": opts.result_key(),
        "inputs": [str(i) for i in inputs], "shard": part,
        "recordings": names if part is None else listing_digest(names),
        **{f"{k} output": str(p) if p else None for k, p in zip(_OTHER_OUTPUTS, others)},
    }
    differ = [f"{k} ({_difference(_plain(old[k]), _plain(new[k]))})" for k in new if _plain(old[k]) != _plain(new[k])]
    if differ:
        raise OutputError(f"{path} is a finished run that differs from this one in {'; '.join(differ)}: pass "
                          "overwrite=True / --overwrite to scan again, or write to another out=")
    return man


def _nothing_to_do(man: dict[str, Any], out: Path) -> RunResult:
    """The result of ``resume`` on a finished run that matches: its outputs, as they are."""
    files = [FileResult.from_manifest(f) for f in man["files"]]
    return RunResult(files, read_detections_csv(out), man, nothing_to_do=True)


def _plain(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def _difference(old: Any, new: Any) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        return "; ".join(f"{k}: {old.get(k)} then, {new.get(k)} now" for k in new if old.get(k) != new.get(k))
    if isinstance(old, list) and isinstance(new, list) and len(old) + len(new) > 8:
        gone, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
        return f"{len(old)} then, {len(new)} now" + (f"; new: {', '.join(added[:3])}" if added else "") + (
            f"; gone: {', '.join(gone[:3])}" if gone else "")
    return f"{old} then, {new} now"


def _model_path(model: str | os.PathLike[str] | None) -> Path:
    from ..model import default_model_path

    path = Path(model) if model is not None else default_model_path()
    if not path.is_file():
        what = "model" if model is not None else "the shipped default model"
        raise ModelError(f"{what} file {path} does not exist (give one with model=/--model)")
    return path


