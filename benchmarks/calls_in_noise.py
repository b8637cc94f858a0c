"""Known real calls laid over real noise recordings that no model heard: recall by SNR in the call's band.

    python benchmarks/calls_in_noise.py                                   # the shipped model
    python benchmarks/calls_in_noise.py --model a.pt --model b.pt --snr 6 --json c.json

`quality.py` counts false alarms on call-free recordings and hits on calls recorded in quiet
nights; neither shows a call under a loud chorus, the hard case of insect nights. Here the
known real calls of `quality.py` (0.4 s cut around each) are added every 2.5 s to recordings
of 5 s or more from:

- ``unseen``: the quarter of each call-free folder that training never uses (the same files
  for every model: a hash of the names, :func:`birdscan.realsounds.noise_recordings`);
- ``nc``: ``insects-xeno-canto-nc`` (non-commercial: for tests only, never trained on);
- ``jura``: the held-out Jura night snippets (:15 and :45), a quiet control.

Each call is scaled so that in its band (thrush-type 1.9-4.2 kHz, tseep 5.5-9.5 kHz) its
loudest 100 ms is ``--snr`` dB over the recording's 0.5 s around it: a cricket outside the
band stays as loud as it was. Every model scans the same mixtures at its recommended
threshold (or `--threshold`); a call is found when an event peaks within 0.25 s of it, and the other events are
counted per minute (they include the recording's own false alarms).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import birdscan
from birdscan.errors import AudioError
from birdscan.model import default_model_path, default_threshold, read_checkpoint
from birdscan.realsounds import audio_files, load_mono, noise_recordings
from birdscan.synth.dsp import band_rms as _band_rms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import JURA, KNOWN_CALLS, NEGATIVE_FOLDERS, _events, _jura_night  # noqa: E402

SR = 24000
BANDS = {"thrush": (1900.0, 4200.0), "tseep": (5500.0, 9500.0)}
CUT_S, CORE_S, EVERY_S, TOLERANCE_S = 0.4, 0.1, 2.5, 0.25
TEST_ONLY = "insects-xeno-canto-nc"


def band_rms(x: np.ndarray, lo: float, hi: float) -> float:
    """RMS of ``x`` (at 24 kHz) in the band ``lo``..``hi`` Hz."""
    return _band_rms(x, SR, lo, hi)


def cut_calls(real: Path) -> list[tuple[str, np.ndarray]]:
    """(type, 0.4 s around the call, tapered at the ends) of every known call in ``real``."""
    out = []
    taper = np.hanning(int(CUT_S * SR)).astype(np.float32) ** 0.25
    for rel, calls in KNOWN_CALLS.items():
        if calls and (real / rel).exists():
            x = load_mono(real / rel, SR)
            for t, kind in calls:
                seg = np.zeros(taper.size, np.float32)
                a = max(0, int(t * SR) - taper.size // 2)
                part = x[a : a + taper.size]
                seg[: part.size] = part
                out.append((kind, seg * taper))
    return out


def lay_calls(bed: np.ndarray, calls: list[tuple[str, np.ndarray]], snr_db: float,
              rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """``bed`` with a call drawn from ``calls`` every 2.5 s (from 1 s, 25 ms of jitter), each
    ``snr_db`` over the bed in its band (its loudest 100 ms against the bed's 0.5 s around it).

    Returns
    -------
    (mixture [shape=bed.shape, float32], [(call centre in s, type), ...])
    """
    y = bed.astype(np.float32, copy=True)
    truth = []
    core = int(CORE_S * SR)
    for pos in np.arange(1.0, bed.size / SR - 1.0, EVERY_S):
        kind, seg = calls[int(rng.integers(len(calls)))]
        c = int(pos * SR) + int(rng.integers(-SR // 40, SR // 40 + 1))
        lo, hi = BANDS[kind]
        loud = max(band_rms(seg[i : i + core], lo, hi) for i in range(0, seg.size - core + 1, core // 4))
        gain = band_rms(bed[max(0, c - SR // 4) : c + SR // 4], lo, hi) / loud * 10 ** (snr_db / 20)
        a = c - seg.size // 2
        y[a : a + seg.size] += np.float32(gain) * seg[: y[a : a + seg.size].size]
        truth.append((c / SR, kind))
    return y, truth


def beds(real: Path) -> dict[str, list[Path]]:
    """The bed recordings by part (see the module docstring)."""
    folders = [real / n for n in NEGATIVE_FOLDERS if n != TEST_ONLY and (real / n).is_dir()]
    out = {"unseen": sorted(noise_recordings(folders)["heldout"]) if folders else []}
    out["nc"] = sorted(audio_files(real / TEST_ONLY)) if (real / TEST_ONLY).is_dir() else []
    out["jura"] = sorted(f for f in audio_files(real / JURA) if _jura_night(f.name)) if (real / JURA).is_dir() else []
    return out


def score(model: str, folder: Path, truth: dict[str, list[tuple[float, str]]], threshold: float | None = None) -> dict[str, Any]:
    """Calls found and other events per (part, SNR, type), scanning ``folder`` with ``model`` at
    ``threshold`` (None: the model's recommended one)."""
    t = default_threshold(read_checkpoint(model)) if threshold is None else threshold
    res = birdscan.scan([str(folder)], model=model, threshold=t, device="cpu", workers=1)
    rows: dict[str, Any] = {}
    for f in res.files:
        name = Path(str(f.rec.rel)).name
        if f.probs is None or name not in truth:
            continue
        part, snr = name.split("__")[:2]
        peaks = _events(f, t).peak_s.to_numpy()
        near = np.zeros(peaks.size, bool)
        for c, kind in truth[name]:
            d = np.abs(peaks - c)
            r = rows.setdefault(f"{part} {snr} {kind}", {"found": 0, "calls": 0})
            r["calls"] += 1
            r["found"] += bool((d <= TOLERANCE_S).any())
            near |= d <= TOLERANCE_S
        o = rows.setdefault(f"{part} {snr} other", {"events": 0, "minutes": 0.0})
        o["events"] += int((~near).sum())
        o["minutes"] += (f.duration_s or 0) / 60
    return {"threshold": t, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    here = Path(__file__).resolve().parents[1]
    ap.add_argument("--model", action="append", help="checkpoint (repeatable; default: the shipped model)")
    ap.add_argument("--real", default=str(here.parent / "shared" / "data" / "real"), help="default: ../shared/data/real")
    ap.add_argument("--snr", type=float, action="append", help="dB in the call's band (repeatable; default 0, 10 and 20)")
    ap.add_argument("--threshold", type=float, help="default: each model's recommended threshold")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the numbers to this file")
    args = ap.parse_args(argv)
    import soundfile as sf

    models = args.model or [str(default_model_path())]
    real = Path(args.real)
    calls = cut_calls(real)
    if not calls:
        ap.error(f"--real {real}: none of the known calls' recordings are there")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        truth = {}
        for k, (part, files) in enumerate(beds(real).items()):
            for i, path in enumerate(files):
                try:
                    bed = load_mono(path, SR)
                except AudioError as e:  # an unreadable bed is skipped, and said
                    print(f"skipped: {e}", file=sys.stderr)
                    continue
                if bed.size < 5 * SR:
                    continue
                for snr in args.snr or [0.0, 10.0, 20.0]:
                    name = f"{part}__{snr:g}__{path.parent.name}__{path.stem}.wav"
                    # the same calls at the same places at every SNR: the rows differ by level alone
                    y, truth[name] = lay_calls(bed, calls, snr, np.random.default_rng([args.seed, k, i]))
                    sf.write(str(Path(tmp) / name), y, SR, subtype="FLOAT")
        for m in models:
            results[m] = score(m, Path(tmp), truth, args.threshold)
    keys = sorted({k for r in results.values() for k in r["rows"]}, key=lambda k: (k.split()[0], float(k.split()[1]), k))
    print("| part, SNR dB, type | " + " | ".join(f"{Path(m).name} (t = {r['threshold']:g})" for m, r in results.items()) + " |")
    print("|---|" + "---|" * len(results))
    for k in keys:
        cells = []
        for r in results.values():
            v = r["rows"].get(k)
            if v is None:
                cells.append("-")
            elif "found" in v:
                cells.append(f"{v['found'] / v['calls']:.2f} ({v['found']} of {v['calls']})")
            else:
                cells.append(f"{v['events'] / max(v['minutes'], 1e-9):.2f}/min")
        print(f"| {k} | " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
