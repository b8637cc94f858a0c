"""How much work a resume keeps: kill -9 a run after half its audio is scanned, then resume.

    python benchmarks/resume.py                          # 20 files of 2 min, CPU
    python benchmarks/resume.py --batch-size 16384              # GPU-sized batches on a CPU
    python benchmarks/resume.py --files 40 --seconds 600 --device cuda

Prints the wall time of an uninterrupted run, when the second run was killed (half way
through its audio at the first run's pace: start-up plus half the scanning time) and how
many recordings it had journaled by then, the time of the resume, and the ratio resume /
full run (the goal is at most 0.6). A run's fixed start-up cost (Python, torch, the model) is measured on a
one-second file and printed too, with the ratio net of it. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import make_recording  # noqa: E402


def birdscan(files: list[Path], out: Path, device: str, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "birdscan", "run", *map(str, files), "--out", str(out / "detections.csv"),
           "--windows", str(out / "windows.csv.gz"), "--device", device, "-q", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def timed(proc: subprocess.Popen) -> float:
    t = time.perf_counter()
    proc.wait()
    if proc.returncode != 0:
        raise SystemExit(f"birdscan exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    return time.perf_counter() - t


def journaled(out: Path) -> int:
    folder = out / ".detections.csv.journal"
    try:
        return sum(p.suffix == ".npz" for p in folder.iterdir())
    except FileNotFoundError:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=120, help="length of each recording")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, help="windows per model batch (16384, the GPU default, shows the effect on a CPU)")
    ap.add_argument("--dir", help="keep the generated audio here (default: a temporary folder)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(a.dir or tmp)
        root.mkdir(parents=True, exist_ok=True)
        files = [make_recording(root / f"rec{i:03d}.flac", a.seconds, 24000, seed=i) for i in range(a.files)]
        (root / "tiny").mkdir(exist_ok=True)
        tiny = make_recording(root / "tiny" / "one.flac", 60, 24000)
        extra = ["--batch-size", str(a.batch_size)] if a.batch_size else []
        startup = timed(birdscan([tiny], root / "o0", a.device, "--overwrite", *extra))
        full = timed(birdscan(files, root / "o1", a.device, "--overwrite", *extra))
        out = root / "o2"
        proc = birdscan(files, out, a.device, "--overwrite", *extra)
        t = time.perf_counter()
        half = startup + (full - startup) / 2  # half the audio scanned, at the full run's pace
        while proc.poll() is None and time.perf_counter() - t < half:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at, kept = time.perf_counter() - t, journaled(out)
        resume = timed(birdscan(files, out, a.device, "--resume", *extra))
        same = (root / "o1" / "detections.csv").read_bytes() == (out / "detections.csv").read_bytes()
    print(f"{a.files} files x {a.seconds} s on {a.device}, batch {a.batch_size or 'default'}; start-up of one run: {startup:.1f} s")
    print(f"full run          {full:7.1f} s")
    print(f"killed after      {killed_at:7.1f} s  ({kept} of {a.files} recordings journaled)")
    print(f"resume            {resume:7.1f} s")
    print(f"resume / full     {resume / full:7.2f}   (goal: <= 0.60)")
    print(f"net of start-up   {(resume - startup) / max(full - startup, 1e-9):7.2f}")
    print(f"outputs identical {same}")


if __name__ == "__main__":
    main()
