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
