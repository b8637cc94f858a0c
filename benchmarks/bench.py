"""Speed and memory of `birdscan run`, end to end and per stage (not part of the tests).

    python benchmarks/bench.py                      # 10 min and 1 h files, CPU
    python benchmarks/bench.py --sizes 10m,1h,10h   # add the 10-hour file (peak RSS flat?)
    python benchmarks/bench.py --device cuda --many 62   # GPU: 62 one-hour files
    python benchmarks/bench.py --peer birdvoxdetect      # side by side (needs ../shared/peers)

Prints a table of audio duration, wall time, x-real-time and peak RSS of the whole
`birdscan run` process, then per-stage times measured one stage at a time on the
first file (decode, resample, frontend, model, events, writing).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

SIZES = {"1m": 60, "10m": 600, "1h": 3600, "10h": 36000}


def make_recording(path: Path, seconds: int, sr: int, seed: int = 0) -> Path:
    """Night-like noise with a flight-call-like chirp every ~4 s, written in 60 s blocks."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    t = np.arange(int(0.15 * sr)) / sr
    chirp = (np.sin(2 * np.pi * (3200 * t - 2000 * t**2)) * np.hanning(len(t)) * 0.2).astype(np.float32)
    tmp = path.with_name(path.name + ".part")
    with sf.SoundFile(str(tmp), "w", sr, 1, subtype="PCM_16", format=path.suffix[1:].upper()) as f:
        for _ in range(0, seconds, 60):
            x = (rng.standard_normal(60 * sr) * 0.02).astype(np.float32)
            for c in rng.integers(0, 60 * sr - len(chirp), 15):
                x[c : c + len(chirp)] += chirp
            f.write(x)
    tmp.replace(path)
    return path


def run_measured(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of a command."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def end_to_end(files: list[Path], out: Path, device: str, extra: list[str]) -> tuple[float, float, int]:
    cmd = [sys.executable, "-m", "birdscan", "run", *map(str, files), "--out", str(out / "detections.csv"),
           "--windows", str(out / "windows.csv.gz"), "--raven", str(out / "raven"), "--device", device,
           "--overwrite", "-q", *extra]
    return run_measured(cmd)


def stages(path: Path, device: str) -> dict[str, float]:
    """Seconds per stage, each measured alone on one file."""
    import torch

    from birdscan.detect import audio, audiofile
    from birdscan.detect.events import find_events
    from birdscan.detect.infer import Scanner, default_batch_size
    from birdscan.device import resolve_device, torch_settings
    from birdscan.model import default_model_path, load_model
    from birdscan.detect.windows import scan_blocks
    from birdscan.detect.writers import WindowsWriter

    dev = resolve_device(device)
    info = audiofile.info(path)
    out: dict[str, float] = {}
    t = time.perf_counter()
    n = sum(len(b) for b in audio.stream(path, info.sample_rate))
    out["decode"] = time.perf_counter() - t
    t = time.perf_counter()
    blocks = list(scan_blocks(audio.stream(path, 24000), 12000, 1200, 512))
    out["resample"] = max(time.perf_counter() - t - out["decode"], 0.0)
    net = load_model(default_model_path(), dev, inference=True)
    scanner = Scanner(net, dev, 1200, default_batch_size(dev), 512)
    with torch.inference_mode():
        x = torch.from_numpy(np.stack([b.samples for b in blocks[:4]])).to(dev)
        net.frontend(x)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        for b in blocks:
            net.frontend(torch.from_numpy(b.samples[None]).to(dev))
        if dev.type == "cuda":
            torch.cuda.synchronize()
        out["frontend"] = time.perf_counter() - t
    with torch_settings(dev, all_cores=True):
        t = time.perf_counter()
        probs = []
        for i, b in enumerate(blocks):
            probs += scanner.submit(i, b)
        probs += scanner.flush()
        out["frontend+model"] = time.perf_counter() - t
    p = np.concatenate([r[2] for r in sorted(probs, key=lambda r: r[0])])
    if p.ndim == 2:  # a model with a frequency head: probability, frequency
        p = p[:, 0]
    t = time.perf_counter()
    ev = find_events(p, 1200, 12000, 24000)
    out["events"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        w = WindowsWriter(Path(d) / "w.csv.gz")
        s = np.arange(len(p)) * 0.05
        w.add(path.name, s, s + 0.5, p)
        w.close()
        out["writing"] = time.perf_counter() - t
    out["_audio_s"] = n / info.sample_rate
    out["_events"] = len(ev)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10m,1h", help="comma list of 1m,10m,1h,10h")
    ap.add_argument("--stage-size", default="1h", choices=list(SIZES), help="length of the 48 kHz file the stages are timed on")
    ap.add_argument("--formats", default="flac,wav")
    ap.add_argument("--rates", default="24000,48000")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--many", type=int, default=0, help="also scan this many 1 h 24 kHz FLAC files in one run")
    ap.add_argument("--dir", default=os.environ.get("BIRDSCAN_BENCH_DIR", "/tmp/birdscan-bench"))
    ap.add_argument("--peer", choices=["birdvoxdetect"], help="also time a peer on the 1 h 24 kHz FLAC (ratio)")
    ap.add_argument("--extra", default="", help="extra arguments for birdscan run, e.g. '--workers 2'")
    args = ap.parse_args()
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    extra = args.extra.split()
    rows = []
    print(f"{'file':34s} {'audio h':>8s} {'wall s':>8s} {'x real time':>12s} {'peak RSS MiB':>13s}")
    for size in args.sizes.split(","):
        for fmt in args.formats.split(","):
            for sr in map(int, args.rates.split(",")):
                f = make_recording(work / f"bench_{size}_{sr // 1000}k.{fmt}", SIZES[size], sr)
                wall, rss, rc = end_to_end([f], work / "out", args.device, extra)
                audio_s = SIZES[size]
                rows.append((f.name, audio_s, wall, rss))
                print(f"{f.name:34s} {audio_s / 3600:8.2f} {wall:8.1f} {audio_s / wall:12.0f} {rss:13.0f}" + ("" if rc == 0 else f"  exit {rc}"))
    if args.many:
        src = make_recording(work / "bench_1h_24k.flac", 3600, 24000)
        many = work / "many"
        many.mkdir(exist_ok=True)
        files = []
        for i in range(args.many):
            dst = many / f"night{i:03d}.flac"
            if not dst.exists():
                os.link(src, dst)
            files.append(dst)
        wall, rss, rc = end_to_end([many], work / "out_many", args.device, extra)
        print(f"{'%d x 1 h FLAC 24 kHz' % args.many:34s} {args.many:8.2f} {wall:8.1f} {args.many * 3600 / wall:12.0f} {rss:13.0f}")
    first = make_recording(work / f"bench_{args.stage_size}_48k.flac", SIZES[args.stage_size], 48000)
    st = stages(first, args.device)
    print(f"\nper stage on {first.name} (each alone; 'frontend+model' is the batched scan):")
    for k, v in st.items():
        if not k.startswith("_"):
            print(f"  {k:16s} {v:7.2f} s  {st['_audio_s'] / max(v, 1e-9):10.0f}x real time")
    if args.peer == "birdvoxdetect":
        peer = Path(__file__).resolve().parents[2] / "shared" / "peers" / "run_birdvoxdetect.sh"
        f = make_recording(work / "bench_1h_24k.flac", 3600, 24000)
        wall_b, rss_b, _ = end_to_end([f], work / "out_peer_cmp", args.device, extra)
        wall_p, rss_p, rc = run_measured(["bash", str(peer), str(f), str(work / "out_bvd")])
        print(f"\nBirdVoxDetect on {f.name}: {wall_p:.1f} s ({3600 / wall_p:.0f}x real time, {rss_p:.0f} MiB, exit {rc}); "
              f"birdscan {wall_b:.1f} s: {wall_p / wall_b:.1f}x faster")


if __name__ == "__main__":
    main()
