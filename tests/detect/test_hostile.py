"""Integration: hostile inputs through ``birdscan.detect.pipeline.scan`` (exercising detect.discover,
detect.audiofile, detect.audio, detect.run and the writers): every bad recording is a per-file error or a correct
result, never a stopped batch or a hang, and hostile names are safe in every output."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from birdscan import files
from birdscan.detect.pipeline import scan
from birdscan.review.clips import export_clips
from birdscan.review.references import read_detections, read_windows


BAD_NAME = os.fsdecode(b"caf\xe9_latin1.wav")  # not UTF-8: the name holds surrogates


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, write_tone_file):
    d = tmp_path_factory.mktemp("hostile")
    good = write_tone_file(d / "good.wav", 24000, 4.0, [2.0]).read_bytes()
    flac = write_tone_file(d / "good.flac", 24000, 4.0, [2.0]).read_bytes()
    data = good.find(b"data")
    files = {
        "trunc.wav": good[: len(good) // 2],
        "trunc.flac": flac[: len(flac) // 2],
        "header_only.flac": flac[:200],
        "lie_long.wav": good[: data + 4] + struct.pack("<I", 0x7FFFFFF0) + good[data + 8 :],
        "lie_short.wav": good[: data + 4] + struct.pack("<I", 2400) + good[data + 8 :],
        "riff_lie.wav": good[:4] + struct.pack("<I", 10) + good[8:],
        "zero.wav": b"",
        "text.wav": b"hello, I am not audio\n" * 10,
    }
    for name, b in files.items():
        (d / name).write_bytes(b)
    sf.write(d / "one.wav", np.array([0.1], np.float32), 24000)
    sf.write(d / "one44k.flac", np.array([0.1], np.float32), 44100)
    x = np.random.default_rng(0).standard_normal(48000).astype(np.float32) * 0.01
    x[100:200], x[300], x[400] = np.nan, np.inf, -np.inf
    sf.write(d / "nan.wav", x, 24000, subtype="FLOAT")
    write_tone_file(d / "r256k.wav", 256000, 3.0, [1.5])
    write_tone_file(d / "r8k.wav", 8000, 3.0, [1.5])
    write_tone_file(d / "ch8.flac", 24000, 3.0, [1.5], channels=8)
    os.link(d / "good.wav", os.path.join(os.fsencode(d), os.fsencode(BAD_NAME)))
    os.mkfifo(d / "fifo.wav")  # opening it would block forever
    os.symlink("selfloop.wav", d / "selfloop.wav")
    os.symlink("nowhere.wav", d / "dangling.wav")
    (d / "sub").mkdir()
    os.symlink("..", d / "sub" / "up")  # a loop in the folder tree
    return d


@pytest.fixture(scope="module")
def result(corpus, tmp_path_factory, within):
    out = tmp_path_factory.mktemp("out")
    res = within(120, scan, [corpus], out=out / "detections.csv", windows=out / "windows.csv.gz", raven=out / "raven",
                 device="cpu", workers=2)
    return res, out


ERRORS = {
    "dangling.wav": "No such file or directory", "fifo.wav": "not a regular file",
    "header_only.flac": "decoding failed after 0.0 s", "selfloop.wav": "Too many levels of symbolic links",
    "text.wav": "Format not recognised", "zero.wav": "cannot read audio",
}


WARNINGS = {
    "lie_short.wav": "the WAV header declares 0.1 s of audio, but about 4.0 s more follow it",
    "trunc.wav": "the file ends after", "nan.wav": "samples are NaN or infinite; scanned as 0",
    "r8k.wav": "sampled at 8000 Hz, so it holds nothing above 4000 Hz",
}


def test_each_hostile_file_is_an_error_or_a_result(result, corpus):
    res, out = result
    status = {f.rec.rel: f for f in res.files}
    assert len(status) == len(res.files)  # the folder loop did not list anything twice
    errors = {k: f.error for k, f in status.items() if f.status == "error"}
    assert sorted(errors) == sorted(ERRORS)
    partial = {k: f for k, f in status.items() if f.status == "partial"}
    assert sorted(partial) == ["trunc.flac"]  # the part before the damage is kept
    assert "decoding failed after" in partial["trunc.flac"].error and 1.0 < partial["trunc.flac"].scanned_s < 2.1
    assert partial["trunc.flac"].n_windows > 20
    for name, text in WARNINGS.items():
        assert any(text in w for w in status[name].warnings), (name, status[name].warnings)
    assert not status["good.wav"].warnings
    for name, reason in ERRORS.items():
        assert str(corpus / name) in errors[name] and reason in errors[name], errors[name]
    ok = {k: f for k, f in status.items() if f.status == "ok"}
    for name in ("good.wav", "good.flac", "lie_long.wav", "riff_lie.wav", "caf\\xe9_latin1.wav"):
        assert ok[name].n_windows == 71 and ok[name].n_events == 1, name
    assert ok["trunc.wav"].duration_s == pytest.approx(2.0, abs=0.01) and ok["lie_short.wav"].n_windows == 1
    assert ok["one.wav"].n_windows == ok["one44k.flac"].n_windows == 1
    for name in ("r256k.wav", "r8k.wav", "ch8.flac"):
        peaks = ok[name].events.peak_s.to_numpy()
        assert np.abs(peaks - 1.5).min() <= 0.25, name  # the call is found
        assert len(peaks) <= 2, name  # 8 kHz audio is bare above 4 kHz: allow one stray event
    assert np.isfinite(ok["nan.wav"].probs).all()
    man = json.loads((out / "run.json").read_text())
    assert man["summary"]["errors"] == len(ERRORS) and man["summary"]["partial"] == 1
    entry = next(f for f in man["files"] if f["file"] == "trunc.flac")
    assert entry["status"] == "partial" and entry["scanned_s"] == partial["trunc.flac"].scanned_s


def test_outputs_of_hostile_names_are_readable(result):
    _, out = result
    det = pd.read_csv(out / "detections.csv")
    assert "caf\\xe9_latin1.wav" in set(det.file)
    assert (out / "raven" / "caf\\xe9_latin1.wav.selections.txt").is_file()
    comb = pd.read_csv(out / "raven" / "birdscan_combined.selections.txt", sep="\t")
    assert comb["Begin Path"].str.endswith("caf\\xe9_latin1.wav").any()
    assert len(pd.read_csv(out / "windows.csv.gz")) > 0


def test_unreadable_file_is_a_per_file_error(tmp_path, write_tone_file, within):
    write_tone_file(tmp_path / "ok.wav", 24000, 2.0)
    write_tone_file(tmp_path / "locked.wav", 24000, 2.0).chmod(0)
    if os.geteuid() == 0:  # root reads anything: scan in a process without that power
        status = _scan_without_dac_override(tmp_path)
    else:
        res = within(60, scan, [tmp_path], device="cpu")
        status = {f.rec.rel: [f.status, f.error] for f in res.files}
    assert status["ok.wav"] == ["ok", None]
    assert status["locked.wav"][0] == "error" and "Permission denied" in status["locked.wav"][1]


def _scan_without_dac_override(folder) -> dict:
    """Scan ``folder`` in a child process (still root) whose capability bounding set lacks
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so the kernel applies file permissions to it."""
    import ctypes

    import birdscan

    libc = ctypes.CDLL(None, use_errno=True)

    def drop():
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    code = ("import json, sys; from birdscan import scan; res = scan([sys.argv[1]], device='cpu', workers=0); "
            "print(json.dumps({f.rec.rel: [f.status, f.error] for f in res.files}))")
    env = {**os.environ, "PYTHONPATH": str(Path(birdscan.__file__).parents[1])}
    try:
        out = subprocess.run([sys.executable, "-c", code, str(folder)], env=env, preexec_fn=drop,
                             capture_output=True, text=True, timeout=120)
    except subprocess.SubprocessError as e:  # no CAP_SETPCAP here (some containers)
        pytest.skip(f"cannot drop capabilities to test as non-root: {e}")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fuzzed_files_in_a_run_are_per_file_results(tmp_path, within, valid_audio_bytes, mutate_bytes):
    rng = np.random.default_rng(11)
    seeds = valid_audio_bytes
    for n in range(40):
        name = list(seeds)[n % len(seeds)]
        (tmp_path / f"case{n:02d}.{name}").write_bytes(mutate_bytes(seeds[name], rng, 128 if name.endswith("flac") else 64))
    res = within(120, scan, [tmp_path], device="cpu", workers=2)
    assert len(res.files) == 40
    assert all((f.status == "ok") == (f.error is None) for f in res.files)
    assert {f.status for f in res.files} == {"ok", "error"}


KW = dict(device="cpu", workers=0)


def test_hostile_names_are_safe_in_every_output(tmp_path, write_tone_file):
    rec = tmp_path / "rec"
    rec.mkdir()
    long = "x" * 240 + ".wav"
    names = ["=HYPERLINK(1).wav", "+1.wav", "@a.wav", "'q.wav", long]
    for n in names:
        write_tone_file(rec / n, 24000, 2.0, [1.0])
    out = tmp_path / "out"
    res = scan([rec], out=out / "detections.csv", windows=out / "windows.csv", raven=out / "raven", **KW)
    assert res.n_errors == 0
    det_text = (out / "detections.csv").read_text()
    first = {line.split(",")[0] for line in det_text.splitlines()[1:]}
    assert not any(c.startswith(("=", "+", "-", "@")) for c in first)
    assert "'=HYPERLINK(1).wav" in first and "''q.wav" in first
    assert set(read_detections(out / "detections.csv").file) == set(names)  # read back exactly
    assert set(read_windows(out / "windows.csv").file) == set(names)
    man = json.loads((out / "run.json").read_text())
    assert sorted(f["file"] for f in man["files"]) == sorted(names)  # run.json keeps the exact names
    tables = sorted(p.name for p in (out / "raven").iterdir())
    assert len(tables) == len(names) + 1 and all(len(t.encode()) <= files.MAX_NAME_BYTES for t in tables)
    assert any(t.startswith("x" * 100) and "~" in t for t in tables)
    clips = export_clips(out / "detections.csv", tmp_path / "clips")
    assert (clips["status"] == "ok").all() and len(list((tmp_path / "clips").iterdir())) == len(clips)


def test_a_cut_file_keeps_its_events_up_to_the_break(tmp_path, write_tone_file):
    # threshold 0: one event runs to the last decoded window, so measuring its band reads context
    # up to the break; that read used to fail the whole recording ("cannot read a segment")
    flac = write_tone_file(tmp_path / "calls.flac", 24000, 8.0, [1.0, 3.0, 5.0, 7.0]).read_bytes()
    (tmp_path / "cut.flac").write_bytes(flac[: len(flac) // 2])
    res = scan([tmp_path / "cut.flac"], out=tmp_path / "out" / "d.csv", threshold=0.0, device="cpu")
    (f,) = res.files
    assert f.status == "partial" and "decoding failed after" in f.error, f.error
    assert f.n_events >= 1 and f.events["end_s"].max() <= f.scanned_s + 0.05
    assert np.isfinite(f.events[["low_freq_hz", "high_freq_hz"]].to_numpy()).all()
