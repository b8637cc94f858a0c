"""Run a model over the real recordings in ../shared/data/real and print what the model card reports.

    python benchmarks/check_real.py [--model PATH] [--shared ../shared] [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from birdscan.detect.pipeline import scan
from birdscan.detect.events import EventRule, find_events

# approximate call centres read off spectrograms (SOURCE.md of each folder)
KNOWN = {"birdvox-dcase-20k-clips/fd79e55d-d3a3-4083-aba1-4f00b545c3d6.wav": [8.8],
         "birdvox-dcase-20k-clips/ff3d3feb-3371-44ad-a3b3-85969c2cd5ab.wav": [],
         "nighthawk-nfc-clips/test1.wav": [1.8, 4.5, 7.1, 10.5],
         "nighthawk-nfc-clips/test2.wav": [5.0, 12.0, 20.5]}


def sweep(res, thresholds) -> None:
    """Hits on the known calls and false alarms per hour on held-out Jura nights, by threshold."""
    print("\n| threshold | known calls hit (of 8) | other detections in those 4 clips | Jura held-out night FA/h |\n|---|---|---|---|")
    jura = [f for f in res.files if "jura" in f.rec.rel and night(f.rec.rel) and f.rec.rel[-8:-6] in ("15", "45")]
    hours = sum(f.duration_s for f in jura) / 3600
    for t in thresholds:
        rule = EventRule(threshold=t)
        hit = other = 0
        for f in res.files:
            if f.rec.rel in KNOWN:
                peaks = find_events(f.probs, 1200, 12000, 24000, rule, f.duration_s).peak_s.to_numpy()
                used = set()
                for c in KNOWN[f.rec.rel]:
                    near = [i for i, p in enumerate(peaks) if abs(p - c) <= 0.5 and i not in used]
                    if near:
                        used.add(near[0])
                        hit += 1
                other += len(peaks) - len(used)
        fa = sum(len(find_events(f.probs, 1200, 12000, 24000, rule, f.duration_s)) for f in jura)
        print(f"| {t:.2f} | {hit} | {other} | {fa / hours:.0f} |")


def night(name: str) -> bool | None:
    m = re.search(r"_(\d{2})(\d{2})\d{2}\.wav$", name)
    if not m:
        return None
    t = int(m.group(1)) * 60 + int(m.group(2))
    return t <= 270 or t >= 1320  # 22:00-04:30; 21:30 and 21:45 hold dusk birdsong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--threshold", type=float, default=None, help="default: the model's own")
    ap.add_argument("--sweep", action="store_true", help="also tabulate hits and false alarms by threshold")
    args = ap.parse_args()
    real = Path(args.shared) / "data" / "real"
    with tempfile.TemporaryDirectory() as d:
        res = scan([real], model=args.model, threshold=args.threshold, device="cpu", workers=1)
    det = res.detections
    print(f"model {res.manifest['model']['name']} sha256 {res.manifest['model']['sha256'][:16]}, threshold {res.manifest['options']['threshold']}")
    print(f"{len(res.files)} files, {res.n_errors} errors, {res.manifest['summary']['audio_s'] / 60:.1f} min of audio\n")
    print("| folder | files | minutes | detections | per minute |\n|---|---|---|---|---|")
    groups: dict[str, list] = {}
    for f in res.files:
        groups.setdefault(f.rec.rel.split("/")[0], []).append(f)
    for g, files in sorted(groups.items()):
        mins = sum((f.duration_s or 0) for f in files) / 60
        n = sum(f.n_events for f in files)
        print(f"| {g} | {len(files)} | {mins:.1f} | {n} | {n / mins:.2f} |")
    print("\nBirdVox-DCASE clips (positive has a call near 8.8 s):")
    for f in res.files:
        if f.rec.rel.startswith("birdvox-dcase"):
            rows = det[det.file == f.rec.rel]
            print(f"  {f.rec.rel}: " + (", ".join(f"{r.peak_s:.2f} s (p={r.max_prob:.2f}, {r.low_freq_hz:.0f}-{r.high_freq_hz:.0f} Hz)" for r in rows.itertuples()) or "none"))
    print("\nNighthawk NFC clips:")
    for f in res.files:
        if f.rec.rel.startswith("nighthawk"):
            rows = det[det.file == f.rec.rel]
            print(f"  {f.rec.rel}: " + ", ".join(f"{r.peak_s:.2f} s ({r.low_freq_hz:.0f}-{r.high_freq_hz:.0f} Hz, p={r.max_prob:.2f})" for r in rows.itertuples()))
    print("\nJura 24 h snippets (night 22:00-04:30; the night files at :00/:30 from 21:30 were training backgrounds):")
    dusk = ("213000", "214500")
    for label, pick in (("night, held out (:15/:45)", lambda n, m, r: n and m in ("15", "45")),
                        ("night, used as backgrounds (:00/:30)", lambda n, m, r: n and m in ("00", "30")),
                        ("dusk 21:30 and 21:45 (birdsong)", lambda n, m, r: r.endswith(dusk[0] + ".wav") or r.endswith(dusk[1] + ".wav")),
                        ("day (04:45-21:15)", lambda n, m, r: n is False and not r.endswith((dusk[0] + ".wav", dusk[1] + ".wav")))):
        files = [f for f in res.files if "jura" in f.rec.rel and pick(night(f.rec.rel), f.rec.rel[-8:-6], f.rec.rel)]
        hours = sum((f.duration_s or 0) for f in files) / 3600
        n = sum(f.n_events for f in files)
        print(f"  {label}: {len(files)} files, {n} detections, {n / hours:.0f} per hour" if hours else f"  {label}: none")
    if args.sweep:
        sweep(res, [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99])


if __name__ == "__main__":
    main()
