"""Run a model over the real recordings in ../shared/data/real and print what the model card reports.

    python models/check_real.py [--model PATH] [--shared ../shared] [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from birdscan.detect import scan


def night(name: str) -> bool | None:
    m = re.search(r"_(\d{2})(\d{2})\d{2}\.wav$", name)
    if not m:
        return None
    t = int(m.group(1)) * 60 + int(m.group(2))
    return t <= 270 or t >= 1290


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    real = Path(args.shared) / "data" / "real"
    with tempfile.TemporaryDirectory() as d:
        res = scan([real], model=args.model, threshold=args.threshold, device="cpu", workers=1)
    det = res.detections
    print(f"model {res.manifest['model']['name']} sha256 {res.manifest['model']['sha256'][:16]}, threshold {args.threshold}")
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
    print("\nJura 24 h snippets (night 21:30-04:30; :00/:30 files were used as training backgrounds):")
    for label, pick in (("night, held out (:15/:45)", lambda n, m: n and m in ("15", "45")),
                        ("night, used as backgrounds (:00/:30)", lambda n, m: n and m in ("00", "30")),
                        ("day (04:45-21:15)", lambda n, m: n is False)):
        files = [f for f in res.files if "jura" in f.rec.rel and pick(night(f.rec.rel), f.rec.rel[-8:-6])]
        hours = sum((f.duration_s or 0) for f in files) / 3600
        n = sum(f.n_events for f in files)
        print(f"  {label}: {len(files)} files, {n} detections, {n / hours:.0f} per hour" if hours else f"  {label}: none")


if __name__ == "__main__":
    main()
