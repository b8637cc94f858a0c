"""benchmarks/bench.py at a tiny size, so the benchmark cannot rot unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import birdscan

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


def test_bench_runs_end_to_end_and_per_stage(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(birdscan.__file__).parents[1])}
    out = subprocess.run([sys.executable, str(BENCH), "--sizes", "1m", "--formats", "flac", "--rates", "24000",
                          "--stage-size", "1m", "--dir", str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    row = next(line for line in lines if line.startswith("bench_1m_24k.flac"))
    assert "exit" not in row and float(row.split()[1]) == round(60 / 3600, 2)
    stages = [line.split()[0] for line in lines[lines.index(next(x for x in lines if x.startswith("per stage"))) + 1:]]
    assert stages == ["decode", "resample", "frontend", "frontend+model", "events", "writing"]


def test_calls_in_noise_lays_each_call_at_its_snr_in_its_band_whatever_the_bed_holds_elsewhere():
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location("calls_in_noise", BENCH.parent / "calls_in_noise.py")
    cin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cin)
    sr = cin.SR
    t = np.arange(12 * sr) / sr
    rng = np.random.default_rng(0)
    # a loud cricket at 4.5 kHz (outside the thrush band) over faint broadband noise
    bed = (0.3 * np.sin(2 * np.pi * 4500 * t) + 0.001 * rng.standard_normal(t.size)).astype(np.float32)
    n = int(cin.CUT_S * sr)
    call = (np.sin(2 * np.pi * 3000 * np.arange(n) / sr) * np.hanning(n) ** 4).astype(np.float32)
    out, truth = cin.lay_calls(bed, [("thrush", call)], 10.0, np.random.default_rng(1))
    assert [k for _, k in truth] == ["thrush"] * 4 and all(abs(c - p) <= 0.026 for (c, _), p in zip(truth, (1, 3.5, 6, 8.5)))
    added = out - bed
    core = int(cin.CORE_S * sr)
    for c, _ in truth:
        i = int(c * sr)
        loud = max(cin.band_rms(added[j : j + core], *cin.BANDS["thrush"]) for j in range(i - n // 2, i + n // 2 - core, core // 4))
        under = cin.band_rms(bed[i - sr // 4 : i + sr // 4], *cin.BANDS["thrush"])
        assert abs(20 * np.log10(loud / under) - 10.0) < 0.5  # 10 dB over the bed in the call's band
        assert np.sqrt(np.mean(added[i - n // 2 : i + n // 2] ** 2)) < 0.05  # far under the cricket (0.21 RMS)
