"""Quality of one or more models on real audio, side by side.

    python benchmarks/quality.py                                   # the shipped model on ../shared/data/real
    python benchmarks/quality.py --model models/site.pt --model models/birdscan-default.pt
    python benchmarks/quality.py --model m.pt --negatives site_noise/ --reference annotated/ --json q.json

For each model, every file is scanned once (at the model's recommended threshold unless
``--threshold`` is given) and the table reports:

- false alarms per minute of call-free audio, per negative folder and overall, separately
  for files the model trained on, files it validated on (its threshold was chosen on them)
  and files it never used (read from the checkpoint: ``birdscan train --negatives`` records
  which files it used), the worst single file and how many files exceed 2 per minute;
- hits on the known real calls (within ``--tolerance`` seconds of the listed times), misses,
  other detections in those clips and detections on the BirdVox-DCASE negative clip;
- with ``--not-noise CSV`` (e.g. ``models/not_noise.csv``: spans of the call-free recordings
  that look like birds on a spectrogram, chips through the storm recording, strokes between a
  cricket's trills): the events there counted apart, not as false alarms, and the per-file
  check both ways;
- false alarms per hour on the Jura night snippets (held-out night files: :15 and :45);
- with ``--reference``: precision, recall and false alarms per hour from ``birdscan evaluate``;
- scan time and x real time.

``--negatives DIR`` adds any folder of call-free audio (your own sites); ``--reference DIR``
any folder of annotated audio (recordings with Raven, Audacity or CSV tables next to them).
``--sweep`` adds hits and false alarms per threshold. ``--json FILE`` writes everything.
``--gain-db G`` (repeatable) scans the call-free folders, the known calls and the Jura nights
again at G dB (float WAV copies in a temporary folder; not the ``--reference`` folders): a
model should not fire more often on the same noise recorded quieter.
``--grid-shifts N`` scans the known calls again N - 1 times, each copy starting with silence
(k/N of the 50 ms hop, k = 1 .. N - 1): windows are scored every 50 ms, so where a call falls
between two window centres is chance, and a model whose score peaks sharply at the centred
window finds a call at one shift and misses it at another. A recording shorter than a window
and a hop (the Vesper clip, 0.42 s) has one window wherever the grid falls: it counts as
recorded at every shift.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import birdscan
from birdscan.detect.events import EventRule, add_call_types, find_events
from birdscan.model import ModelConfig, default_model_path, default_threshold, read_checkpoint

# The shared folders of call-free audio, and the known real calls: centre (s) and type. The
# SOURCE.md notes give rounded times ("about 12 s"); these centres are the band-energy peaks
# of each call (2-3.4 kHz for thrush-type, 5.8-8.5 kHz for tseep), checked on spectrograms.
NEGATIVE_FOLDERS = ("night-noise-blanket", "insect-frog-choruses", "insectset32-night-insects", "insects-xeno-canto-nc")
KNOWN_CALLS = {
    "birdvox-dcase-20k-clips/fd79e55d-d3a3-4083-aba1-4f00b545c3d6.wav": [(8.77, "thrush")],
    "birdvox-dcase-20k-clips/ff3d3feb-3371-44ad-a3b3-85969c2cd5ab.wav": [],
    "nighthawk-nfc-clips/test1.wav": [(1.74, "thrush"), (4.52, "thrush"), (7.11, "thrush"), (10.53, "thrush"),
                                      (3.49, "tseep"), (9.38, "tseep")],
    "nighthawk-nfc-clips/test2.wav": [(5.12, "thrush"), (12.43, "thrush"), (20.42, "thrush")],
    "vesper-nfc-clip/vesper_static_test.wav": [(0.23, "thrush")],
}
JURA = "scikit-maad-jura-24h-snippets"
SWEEP = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


@dataclass
class Scanned:
    """One model's scan of one folder: per-file probabilities and durations."""

    files: list[Any]
    seconds: float
    wall_s: float
    copy_suffix: str = ""  # appended to the names of rescaled copies (``--gain-db``)

    def rel(self, f: Any) -> str:
        """A file's path in its folder, as the original recording is named."""
        rel = str(f.rec.rel)
        return rel[: -len(self.copy_suffix)] if self.copy_suffix and rel.endswith(self.copy_suffix) else rel


@dataclass
class ModelReport:
    name: str
    path: str
    sha256: str
    threshold: float
    trained_on: set[str] = field(default_factory=set)
    validated_on: set[str] = field(default_factory=set)
    rows: dict[str, Any] = field(default_factory=dict)


_CONFIG = ModelConfig()  # the time grid of the models compared here: the default config's
GRID = (_CONFIG.hop, _CONFIG.window, _CONFIG.sample_rate)  # samples, samples, Hz
HOP_S = _CONFIG.hop / _CONFIG.sample_rate


def _events(f: Any, threshold: float) -> Any:
    events = find_events(f.probs, *GRID, EventRule(threshold=threshold), f.duration_s)
    if f.freq is not None:
        add_call_types(events, f.freq, *GRID)
    return events


def _noise_files(ckpt: dict[str, Any], part: str) -> set[str]:
    """Names (``folder/relative/path``) of the noise recordings a model used for ``part``
    ("train" or "validation")."""
    neg = (ckpt.get("train") or {}).get("data", {}).get("negatives") or {}
    return set(neg.get(part, []))


PARTS = ("unseen", "validation", "trained")
PER_FILE_LIMIT = 2.0  # false alarms per minute on any single file (the target)


COPY_SUFFIX = ".wav"


def _copied(folder: Path, tmp: Path, gain_db: float = 0.0, lead_s: float = 0.0) -> Path:
    """A copy of ``folder`` in ``tmp`` (same folder name) with every recording scaled by
    ``gain_db`` dB and starting with ``lead_s`` seconds of silence, as float WAV named
    ``<original name>.wav`` (no clipping, no re-encoding), written a block at a time. A file
    that cannot be read is copied as it is (the scan reports it)."""
    import shutil

    import soundfile as sf

    from birdscan.realsounds import audio_files

    out = tmp / folder.name
    for f in audio_files(folder):
        dst = out / f.relative_to(folder)
        dst = dst.with_name(dst.name + COPY_SUFFIX)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            with sf.SoundFile(str(f)) as src:
                big = src.frames * src.channels * 4 > 3_900_000_000  # past WAV's 4 GB: RF64
                with sf.SoundFile(str(dst), "w", src.samplerate, src.channels, "FLOAT", format="RF64" if big else "WAV") as w:
                    w.write(np.zeros((round(lead_s * src.samplerate), src.channels), np.float32))
                    for block in src.blocks(blocksize=1 << 20, dtype="float32", always_2d=True):
                        w.write(block * np.float32(10 ** (gain_db / 20)))
        except (sf.SoundFileError, RuntimeError):
            shutil.copyfile(f, dst)
    return out


def _scan(paths: list[Path], model: str, threshold: float, gain_db: float = 0.0, lead_s: float = 0.0) -> Scanned:
    if gain_db or lead_s:
        with tempfile.TemporaryDirectory() as tmp:
            copies = [_copied(p, Path(tmp), gain_db, lead_s) for p in paths]
            s = _scan(copies, model, threshold)
        s.copy_suffix = COPY_SUFFIX
        return s
    t0 = time.perf_counter()
    res = birdscan.scan([str(p) for p in paths], model=model, threshold=threshold, device="cpu", workers=1)
    wall = time.perf_counter() - t0
    ok = [f for f in res.files if f.probs is not None]
    return Scanned(ok, sum(f.duration_s or 0 for f in ok), wall)


def _known_dirs(real: Path) -> list[Path]:
    """The folders in ``real`` that hold the known calls' recordings."""
    return sorted({real / k.split("/")[0] for k in KNOWN_CALLS if (real / k).exists()})


def _scan_all(real: Path, neg_folders: list[Path], model: str, threshold: float, gain_db: float = 0.0) -> dict[str, Scanned]:
    """Every negative folder (by path), the known calls' folders (``known``) and the Jura nights
    (``jura``), each scanned once, at ``gain_db`` dB."""
    scanned = {str(f): _scan([f], model, threshold, gain_db) for f in neg_folders}
    known_dirs = _known_dirs(real)
    scanned["known"] = _scan(known_dirs, model, threshold, gain_db) if known_dirs else Scanned([], 0.0, 0.0)
    scanned["jura"] = _scan([real / JURA], model, threshold, gain_db) if (real / JURA).is_dir() else Scanned([], 0.0, 0.0)
    return scanned


def bird_spans(csv: str | Path | None, folders: list[Path]) -> dict[str, list[tuple[float, float]]]:
    """The spans of ``csv`` (:func:`birdscan.realsounds.read_spans`) that hold birds, by the
    recordings' ``<folder name>/<path in it>`` names; {} without a CSV."""
    if not csv:
        return {}
    from birdscan.realsounds import read_spans, recording_name

    return {recording_name(path, folders): list(spans) for path, spans in read_spans(csv, folders).items()}


def _in_spans(peak_s: float, spans: list[tuple[float, float]]) -> bool:
    return any(a <= peak_s <= b for a, b in spans)


def _negatives(report: ModelReport, folders: list[Path], threshold: float, scanned: dict[str, Scanned],
               birds: dict[str, list[tuple[float, float]]] | None = None) -> dict[str, Any]:
    """False alarms per minute by folder, split into trained-on, validation and unseen files.

    An event peaking inside a span of ``birds`` (a bird heard in a call-free recording) is no
    false alarm: it is counted apart, under ``birds``, with the per-file check done both ways."""
    birds = birds or {}
    out: dict[str, Any] = {"folders": {}, "birds": {"listed": sum(map(len, birds.values())), "events": 0, "files": []}}
    totals = {part: [0, 0.0] for part in PARTS}
    worst = {part: (0.0, "") for part in PARTS}
    over: dict[str, list[str]] = {part: [] for part in PARTS}
    over_raw: dict[str, list[str]] = {part: [] for part in PARTS}
    counted = {part: 0 for part in PARTS}
    for folder in folders:
        res = scanned[str(folder)]
        per = {part: [0, 0.0] for part in PARTS}
        for f in res.files:
            name = f"{folder.name}/{res.rel(f)}"
            peaks = _events(f, threshold).peak_s.to_numpy()
            on_birds = sum(_in_spans(float(p), birds.get(name, [])) for p in peaks)
            n = len(peaks) - on_birds
            if on_birds:
                out["birds"]["events"] += on_birds
                out["birds"]["files"].append(f"{name} ({on_birds})")
            part = ("trained" if name in report.trained_on else
                    "validation" if name in report.validated_on else "unseen")
            per[part][0] += n
            per[part][1] += f.duration_s
            rate = n / (f.duration_s / 60) if f.duration_s else 0.0
            if f.duration_s >= 5:
                counted[part] += 1
                if rate > PER_FILE_LIMIT:
                    over[part].append(f"{name} ({n} in {f.duration_s:.0f} s)")
                if len(peaks) / (f.duration_s / 60) > PER_FILE_LIMIT:
                    over_raw[part].append(f"{name} ({len(peaks)} in {f.duration_s:.0f} s)")
                if rate > worst[part][0]:
                    worst[part] = (rate, name)
        row = {}
        for part, (n, s) in per.items():
            totals[part][0] += n
            totals[part][1] += s
            row[part] = {"events": n, "minutes": s / 60, "per_min": n / (s / 60) if s else None}
        out["folders"][folder.name] = row
    for part, (n, s) in totals.items():
        out[part] = {"events": n, "minutes": s / 60, "per_min": n / (s / 60) if s else None}
    n_all = sum(n for n, _ in totals.values())
    s_all = sum(s for _, s in totals.values())
    out["all"] = {"events": n_all, "minutes": s_all / 60, "per_min": n_all / (s_all / 60) if s_all else None}
    top = max(worst.values())
    out["worst_file"] = {"per_min": top[0], "file": top[1]}
    out["worst_by_part"] = {part: {"per_min": w[0], "file": w[1]} for part, w in worst.items()}
    out["files_over_limit"] = {part: {"files": over[part], "of": counted[part]} for part in PARTS}
    out["files_over_limit_with_birds"] = {part: {"files": over_raw[part], "of": counted[part]} for part in PARTS}
    return out


def _known_key(scanned: Scanned, f: Any) -> str:
    """A scanned file's key in :data:`KNOWN_CALLS` (``folder/name`` of the original recording)."""
    return f"{f.rec.path.parent.name}/{Path(scanned.rel(f)).name}"


def _known(real: Path, threshold: float, scanned: Scanned, tolerance: float, lead_s: float = 0.0) -> dict[str, Any]:
    """Known calls hit and missed; ``lead_s``: seconds of silence the scanned copies start with."""
    hits = misses = other = typed = typed_ok = 0
    detail = {}
    for f in scanned.files:
        key = _known_key(scanned, f)
        if key not in KNOWN_CALLS:
            continue
        ev = _events(f, threshold)
        peaks = list(ev.peak_s.to_numpy() - lead_s)
        types = list(ev["call_type"]) if "call_type" in ev else [None] * len(peaks)
        used: set[int] = set()
        found = []
        for c, kind in KNOWN_CALLS[key]:
            near = sorted((abs(p - c), i) for i, p in enumerate(peaks) if i not in used and abs(p - c) <= tolerance)
            if near:
                i = near[0][1]
                used.add(i)
                found.append((round(float(peaks[i]), 2), types[i]))
                hits += 1
                if isinstance(types[i], str):
                    typed += 1
                    typed_ok += types[i] == kind
            else:
                found.append(None)
                misses += 1
        other += len(peaks) - len(used)
        freq = list(ev["freq_hz"].round(0)) if "freq_hz" in ev else []
        detail[key] = {"calls": KNOWN_CALLS[key], "found": found, "peaks": [round(float(p), 2) for p in peaks],
                       "freq_hz": [float(x) for x in freq]}
    return {"hits": hits, "misses": misses, "other": other, "typed": typed, "type_correct": typed_ok, "files": detail}


def _jura_night(name: str) -> bool:
    m = re.search(r"_(\d{2})(\d{2})\d{2}\.wav$", name)
    if not m:
        return False
    t = int(m.group(1)) * 60 + int(m.group(2))
    return (t <= 270 or t >= 1320) and m.group(2) in ("15", "45")  # held-out night files


def _jura(threshold: float, scanned: Scanned) -> dict[str, Any]:
    files = [f for f in scanned.files if _jura_night(Path(scanned.rel(f)).name)]
    hours = sum(f.duration_s for f in files) / 3600
    n = sum(len(_events(f, threshold)) for f in files)
    return {"files": len(files), "events": n, "per_hour": n / hours if hours else None}


def _reference(det_dir: Path, refs: list[Path], res_inputs: list[Path], model: str, threshold: float,
               tolerance: float) -> dict[str, Any]:
    from birdscan.review.evaluate import evaluate

    det_dir.mkdir(parents=True, exist_ok=True)
    out = det_dir / "detections.csv"
    birdscan.scan([str(p) for p in res_inputs], out=out, model=model, threshold=threshold, device="cpu",
                  workers=1, overwrite=True)
    return evaluate(out, [str(r) for r in refs], tolerance=tolerance).overall


SHIFTABLE_S = 0.55  # a recording shorter than a window and a hop has one window wherever the grid falls


def _grid_shifts(rep: ModelReport, real: Path, model: str, thresholds: list[float], n: int, as_recorded: Scanned,
                 tolerance: float) -> None:
    """Known calls hit at each of ``n`` shifts of the window grid, for each of ``thresholds``
    (``rep.rows[f"{t:g}"]["known_shifts"]``: hits at shift 0, 1/n, ... of the hop). Silence in
    front of a recording shorter than :data:`SHIFTABLE_S` moves its audio inside its one window
    instead of moving the grid: such a recording counts as recorded at every shift."""
    known_dirs = _known_dirs(real)
    if not known_dirs:
        return
    short = {_known_key(as_recorded, f) for f in as_recorded.files if (f.duration_s or 0) < SHIFTABLE_S}
    low = min(thresholds)
    shifted = [(0.0, as_recorded)] + [(k * HOP_S / n, _scan(known_dirs, model, low, lead_s=k * HOP_S / n)) for k in range(1, n)]
    for thr in thresholds:
        base = rep.rows[f"{thr:g}"]["known"]["files"]  # as recorded, scored by main() at this threshold
        hits = []
        for lead, s in shifted:
            files = _known(real, thr, s, tolerance, lead)["files"]
            hits.append(sum(sum(x is not None for x in (base if key in short else files)[key]["found"]) for key in files))
        rep.rows[f"{thr:g}"]["known_shifts"] = hits


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", help="checkpoint (repeatable; default: the shipped model)")
    here = Path(__file__).resolve().parents[1]
    ap.add_argument("--real", default=str(here.parent / "shared" / "data" / "real"),
                    help="folder of the shared real recordings (default: ../shared/data/real)")
    ap.add_argument("--negatives", action="append", default=[], help="more call-free folders (repeatable)")
    ap.add_argument("--reference", action="append", default=[], help="annotated audio folders (repeatable)")
    ap.add_argument("--threshold", type=float, help="default: each model's recommended threshold")
    ap.add_argument("--tolerance", type=float, default=0.25, help="seconds between a call and a detection's peak")
    ap.add_argument("--sweep", action="store_true", help="also tabulate by threshold")
    ap.add_argument("--json", help="write all numbers to this file")
    ap.add_argument("--gain-db", type=float, action="append", default=[],
                    help="also scan every recording scaled by this many dB (repeatable; e.g. -20)")
    ap.add_argument("--grid-shifts", type=int, default=1, metavar="N",
                    help="scan the known calls at N shifts of the 50 ms window grid (default 1: as recorded)")
    ap.add_argument("--not-noise", metavar="CSV",
                    help="spans of the call-free recordings that may hold birds (e.g. models/not_noise.csv): events "
                         "there are counted apart, not as false alarms (default: every event is one)")
    args = ap.parse_args(argv)
    if args.grid_shifts < 1:
        ap.error(f"--grid-shifts {args.grid_shifts}: give 1 or more shifts of the window grid (1: as recorded)")
    models = args.model or [str(default_model_path())]
    real = Path(args.real)
    neg_folders = [real / n for n in NEGATIVE_FOLDERS if (real / n).is_dir()] + [Path(p) for p in args.negatives]
    birds = bird_spans(args.not_noise, neg_folders)
    reports = []
    for model in models:
        ckpt = read_checkpoint(model)
        t = args.threshold if args.threshold is not None else default_threshold(ckpt)
        rep = ModelReport(Path(model).name, str(model), birdscan.model.file_sha256(model), t, _noise_files(ckpt, "train"),
                          _noise_files(ckpt, "validation"))
        thresholds = sorted({t, *(SWEEP if args.sweep else ())})
        scanned = _scan_all(real, neg_folders, model, thresholds[0])
        for thr in thresholds:
            rows = {"negatives": _negatives(rep, neg_folders, thr, scanned, birds),
                    "known": _known(real, thr, scanned["known"], args.tolerance),
                    "jura": _jura(thr, scanned["jura"])}
            rep.rows[f"{thr:g}"] = rows
        if args.grid_shifts > 1:
            _grid_shifts(rep, real, model, thresholds, args.grid_shifts, scanned["known"], args.tolerance)
        audio = sum(s.seconds for s in scanned.values())
        wall = sum(s.wall_s for s in scanned.values())
        rep.rows["speed"] = {"audio_s": audio, "wall_s": wall, "x_real_time": audio / wall if wall else None}
        for gain in args.gain_db:
            at = _scan_all(real, neg_folders, model, t, gain)
            rep.rows.setdefault("gain_db", {})[f"{gain:g}"] = {
                "negatives": _negatives(rep, neg_folders, t, at, birds), "known": _known(real, t, at["known"], args.tolerance),
                "jura": _jura(t, at["jura"])}
        if args.reference:
            with tempfile.TemporaryDirectory() as tmp:
                rep.rows["reference"] = _reference(Path(tmp), [Path(r) for r in args.reference],
                                                   [Path(r) for r in args.reference], model, t, args.tolerance)
        reports.append(rep)
    print_table(reports, neg_folders)
    if args.sweep:
        print_sweep(reports)
    if args.gain_db:
        print_levels(reports)
    if args.json:
        Path(args.json).write_text(json.dumps([{"model": r.name, "path": r.path, "sha256": r.sha256,
                                                "threshold": r.threshold, "results": r.rows} for r in reports],
                                              indent=1, default=str))
    return 0


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def print_table(reports: list[ModelReport], folders: list[Path]) -> None:
    head = "| | " + " | ".join(f"{r.name} (t={r.threshold:g})" for r in reports) + " |"
    print(head)
    print("|---" * (len(reports) + 1) + "|")

    def line(label: str, cells: list[str]) -> None:
        print(f"| {label} | " + " | ".join(cells) + " |")

    main_rows = [r.rows[f"{r.threshold:g}"] for r in reports]
    for folder in folders:
        for part in PARTS:
            cells = []
            for rows in main_rows:
                row = rows["negatives"]["folders"][folder.name][part]
                cells.append(f"{_fmt(row['per_min'])} ({row['events']} in {row['minutes']:.1f} min)" if row["minutes"] else "-")
            if any(c != "-" for c in cells):
                line(f"{folder.name}: FA/min, {part} files", cells)
    for part in (*PARTS, "all"):
        line(f"**all negatives, {part}**: FA/min",
             [f"{_fmt(rows['negatives'][part]['per_min'])}" for rows in main_rows])
    line("worst file: FA/min", [f"{_fmt(rows['negatives']['worst_file']['per_min'])} {rows['negatives']['worst_file']['file']}"
                                 for rows in main_rows])
    for part in PARTS:
        line(f"{part} files (5 s or longer) over {PER_FILE_LIMIT:g} FA/min",
             [f"{len(rows['negatives']['files_over_limit'][part]['files'])} of {rows['negatives']['files_over_limit'][part]['of']}"
              for rows in main_rows])
    if any(rows["negatives"]["birds"]["listed"] for rows in main_rows):
        line("events on the --not-noise spans (birds?), not counted above",
             [f"{rows['negatives']['birds']['events']}" for rows in main_rows])
        line(f"files (5 s or longer) over {PER_FILE_LIMIT:g} FA/min, counting those too",
             [f"{sum(len(rows['negatives']['files_over_limit_with_birds'][p]['files']) for p in PARTS)} of "
              f"{sum(rows['negatives']['files_over_limit_with_birds'][p]['of'] for p in PARTS)}" for rows in main_rows])
    line("known real calls hit / missed", [f"{rows['known']['hits']} / {rows['known']['misses']}" for rows in main_rows])
    if "known_shifts" in main_rows[0]:
        line("known calls hit at each grid shift (min-max; mean)", [_shifts(rows["known_shifts"]) for rows in main_rows])
    line("other detections in those clips", [str(rows["known"]["other"]) for rows in main_rows])
    line("call type right (of calls hit with a type)", [f"{rows['known']['type_correct']} / {rows['known']['typed']}" for rows in main_rows])
    neg = "birdvox-dcase-20k-clips/ff3d3feb-3371-44ad-a3b3-85969c2cd5ab.wav"
    line("detections on the DCASE negative", [str(len(rows["known"]["files"].get(neg, {}).get("peaks", []))) for rows in main_rows])
    line("Jura held-out night FA/hour", [_fmt(rows["jura"]["per_hour"], 0) for rows in main_rows])
    line("scan x real time (CPU, 1 decode thread)", [_fmt(r.rows["speed"]["x_real_time"], 0) for r in reports])
    for r, rows in zip(reports, main_rows):
        for key, d in rows["known"]["files"].items():
            print(f"  {r.name}: {key}: calls {d['calls']} -> found {d['found']}; all peaks {d['peaks']}"
                  + (f"; freq {d['freq_hz']}" if d["freq_hz"] else ""))
        for part in PARTS:
            for name in rows["negatives"]["files_over_limit"][part]["files"]:
                print(f"  {r.name}: over {PER_FILE_LIMIT:g}/min ({part}): {name}")
        for name in rows["negatives"]["birds"]["files"]:
            print(f"  {r.name}: events on listed birds: {name}")
        if "reference" in r.rows:
            print(f"  {r.name}: reference: {r.rows['reference']}")


def _shifts(hits: list[int]) -> str:
    return f"{min(hits)}-{max(hits)}; {sum(hits) / len(hits):.1f}"


def print_sweep(reports: list[ModelReport]) -> None:
    print("\n| model | threshold | FA/min unseen | FA/min validation | FA/min trained | worst file FA/min | calls hit | other "
          "| Jura FA/h |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in reports:
        for key, rows in r.rows.items():
            if key in ("speed", "reference", "gain_db"):
                continue
            n = rows["negatives"]
            print(f"| {r.name} | {key} | {_fmt(n['unseen']['per_min'])} | {_fmt(n['validation']['per_min'])} | "
                  f"{_fmt(n['trained']['per_min'])} | "
                  f"{_fmt(n['worst_file']['per_min'])} | {rows['known']['hits']}"
                  + (f" (shifted: {_shifts(rows['known_shifts'])})" if "known_shifts" in rows else "")
                  + f" | {rows['known']['other']} | {_fmt(rows['jura']['per_hour'], 0)} |")


def print_levels(reports: list[ModelReport]) -> None:
    """False alarms, known calls and Jura nights of each model at each ``--gain-db`` (0: as recorded)."""
    print("\n| model | gain dB | FA/min all | unseen | validation | trained | files over "
          f"{PER_FILE_LIMIT:g}/min | calls hit | other | Jura FA/h |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in reports:
        levels = {"0": r.rows[f"{r.threshold:g}"], **r.rows.get("gain_db", {})}
        for gain, rows in sorted(levels.items(), key=lambda kv: -float(kv[0])):
            n = rows["negatives"]
            over = sum(len(n["files_over_limit"][part]["files"]) for part in PARTS)
            print(f"| {r.name} | {gain} | {_fmt(n['all']['per_min'])} | {_fmt(n['unseen']['per_min'])} | "
                  f"{_fmt(n['validation']['per_min'])} | {_fmt(n['trained']['per_min'])} | {over} | "
                  f"{rows['known']['hits']} | {rows['known']['other']} | {_fmt(rows['jura']['per_hour'], 0)} |")


if __name__ == "__main__":
    sys.exit(main())
