"""Load birdscan's outputs with pandas; plot calls over time and a probability trace.

    python examples/explore.py results/      # after `birdscan run ... --out results/detections.csv --windows results/windows.csv.gz`

Writes results/calls_over_time.png (calls per bin, the bin a twentieth of the longest
recording: 10 minutes for a 3-hour night, 5 s for the 90 s example) and results/trace.png
(the 20 s with the most detections, over the spectrogram).
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import soundfile as sf

out = Path(sys.argv[1] if len(sys.argv) > 1 else "results")
det = pd.read_csv(out / "detections.csv")
win = pd.read_csv(out / "windows.csv.gz")
run = json.loads((out / "run.json").read_text())
print(f"{len(det)} detections in {det.file.nunique()} file(s); model {run['model']['name']} ({run['model']['sha256'][:12]})")
print(det.head())

# calls per bin of recording time, one line per file
longest = max(f["duration_s"] or 0 for f in run["files"])
nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
bin_s = next((b for b in nice if b >= longest / 20), nice[-1])
fig, ax = plt.subplots(figsize=(8, 3))
for f in run["files"]:
    if f["status"] != "ok":
        continue
    edges = np.arange(0, f["duration_s"] + bin_s, bin_s)
    counts, _ = np.histogram(det.peak_s[det.file == f["file"]], bins=edges)
    ax.stairs(counts, edges / 60 if bin_s >= 60 else edges, label=f["file"])
unit = "minutes" if bin_s >= 60 else "seconds"
ax.set(xlabel=f"{unit} into the recording", ylabel=f"calls per {bin_s // 60 if bin_s >= 60 else bin_s} {unit[:3]}")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(out / "calls_over_time.png", dpi=120)

# probability trace over the spectrogram of the 20 s with the most detections
busiest = det.file.value_counts().index[0] if len(det) else run["files"][0]["file"]
first = next(f for f in run["files"] if f["file"] == busiest)
peaks = det.peak_s[det.file == busiest].to_numpy()
t0 = max(0.0, min(peaks, key=lambda p: -((peaks >= p - 5) & (peaks < p + 15)).sum()) - 5) if len(peaks) else 0.0
t1 = min(t0 + 20, first["duration_s"])
sr = sf.info(first["path"]).samplerate
x, sr = sf.read(first["path"], start=int(t0 * sr), stop=int(t1 * sr), always_2d=True)
x = x.mean(1)
n_fft, hop = 512, 128
frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft)
spec = 10 * np.log10(np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-10)
w = win[(win.file == busiest) & (win.start_s >= t0) & (win.end_s <= t1)]
fig, ax = plt.subplots(figsize=(10, 4))
ax.imshow(spec.T, origin="lower", aspect="auto", cmap="magma", extent=[t0, t1, 0, sr / 2 / 1000],
          vmin=np.percentile(spec, 30), vmax=spec.max())
ax.set(xlabel="seconds", ylabel="kHz", ylim=(0, min(12, sr / 2000)), title=busiest)
ax2 = ax.twinx()
ax2.plot((w.start_s + w.end_s) / 2, w.prob, color="cyan", lw=1, label="call probability")
ax2.axhline(run["options"]["threshold"], color="white", ls=":", lw=1, label="threshold")
for r in det[(det.file == busiest) & (det.end_s > t0) & (det.start_s < t1)].itertuples():
    ax.add_patch(plt.Rectangle((r.start_s, r.low_freq_hz / 1000), r.end_s - r.start_s,
                               (r.high_freq_hz - r.low_freq_hz) / 1000, fill=False, ec="lime", lw=1))
ax2.set(ylim=(0, 1.05), ylabel="call probability")
ax2.legend(loc="upper right", fontsize=8)
fig.tight_layout()
fig.savefig(out / "trace.png", dpi=120)
print(f"wrote {out / 'calls_over_time.png'} and {out / 'trace.png'}")
