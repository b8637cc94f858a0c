"""Load birdscan's outputs with pandas; plot calls per 10 minutes and a probability trace.

    python examples/explore.py results/      # after `birdscan run ... --out results/detections.csv --windows results/windows.csv.gz`

Writes results/calls_per_10min.png and results/trace.png.
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

# calls per 10 minutes of recording time, one line per file
fig, ax = plt.subplots(figsize=(8, 3))
for name, rows in det.groupby("file"):
    counts = (rows.peak_s // 600).value_counts().sort_index()
    ax.step(counts.index * 10, counts.values, where="post", label=name)
ax.set(xlabel="minutes into the recording", ylabel="calls per 10 min")
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(out / "calls_per_10min.png", dpi=120)

# probability trace over the spectrogram of the first recording's first minute
first = run["files"][0]
x, sr = sf.read(first["path"], frames=int(60 * sf.info(first["path"]).samplerate), always_2d=True)
x = x.mean(1)
n_fft, hop = 512, 128
frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft)
spec = 10 * np.log10(np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-10)
w = win[win.file == first["file"]]
w = w[w.start_s < 60]
fig, ax = plt.subplots(figsize=(10, 4))
ax.imshow(spec.T, origin="lower", aspect="auto", cmap="magma", extent=[0, len(x) / sr, 0, sr / 2 / 1000],
          vmin=np.percentile(spec, 30), vmax=spec.max())
ax.set(xlabel="seconds", ylabel="kHz", ylim=(0, min(12, sr / 2000)))
ax2 = ax.twinx()
ax2.plot((w.start_s + w.end_s) / 2, w.prob, color="cyan", lw=1)
ax2.set(ylim=(0, 1.05), ylabel="call probability")
for r in det[det.file == first["file"]].itertuples():
    if r.start_s < 60:
        ax.axvspan(r.start_s, r.end_s, color="white", alpha=0.15)
fig.tight_layout()
fig.savefig(out / "trace.png", dpi=120)
print(f"wrote {out / 'calls_per_10min.png'} and {out / 'trace.png'}")
