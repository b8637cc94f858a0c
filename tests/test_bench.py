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


def test_quality_counts_events_on_listed_birds_apart_from_false_alarms(tmp_path):
    import importlib.util
    from types import SimpleNamespace

    import numpy as np

    spec = importlib.util.spec_from_file_location("quality", BENCH.parent / "quality.py")
    q = importlib.util.module_from_spec(spec)
    sys.modules["quality"] = q  # its dataclasses look their module up there
    spec.loader.exec_module(q)
    folder = tmp_path / "crickets"
    (folder / "sub").mkdir(parents=True)
    for name in ("sub/a.wav", "b.wav"):
        (folder / name).write_bytes(b"")  # read_spans checks the files exist; nothing reads them here
    csv = tmp_path / "birds.csv"
    csv.write_text("file,start_s,end_s,what\ncrickets/sub/a.wav,2.0,3.0,a call\n")
    birds = q.bird_spans(csv, [folder])
    assert birds == {"crickets/sub/a.wav": [(2.0, 3.0)]} and q.bird_spans("", [folder]) == {}

    def scanned(rel: str, peaks_s: list[float]) -> SimpleNamespace:
        probs = np.zeros(200, np.float32)  # 10 s of windows every 50 ms
        for p in peaks_s:  # one window over the threshold: an event peaking at its centre
            probs[round((p - 0.25) / q.HOP_S)] = 0.99
        return SimpleNamespace(probs=probs, duration_s=10.0, freq=None, rec=SimpleNamespace(rel=rel))

    files = [scanned("sub/a.wav", [2.5, 6.0]), scanned("b.wav", [4.0])]
    res = {str(folder): q.Scanned(files, 20.0, 1.0)}
    rep = q.ModelReport("m", "m.pt", "", 0.9)
    out = q._negatives(rep, [folder], 0.9, res, birds)
    assert out["birds"] == {"listed": 1, "events": 1, "files": ["crickets/sub/a.wav (1)"]}
    assert out["all"]["events"] == 2 and out["unseen"]["per_min"] == 2 / (20 / 60)
    assert out["files_over_limit"]["unseen"]["files"] == ["crickets/sub/a.wav (1 in 10 s)", "crickets/b.wav (1 in 10 s)"]
    assert out["files_over_limit_with_birds"]["unseen"]["files"][0] == "crickets/sub/a.wav (2 in 10 s)"
    plain = q._negatives(rep, [folder], 0.9, res)
    assert plain["birds"]["events"] == 0 and plain["all"]["events"] == 3
