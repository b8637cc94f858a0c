"""Fixtures of the detect tests: recordings to scan, run outputs to compare, a guard against hangs
and damaged audio files."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from birdscan.detect.pipeline import scan


# ----------------------------------------------------------------------------- recordings and runs


@pytest.fixture(scope="session")
def make_corpus(write_tone_file):
    def make(root: Path, durations: list[float]) -> Path:
        """Recordings of the given lengths in two folders (mixed rates), calls in each, one broken file."""
        for i, dur in enumerate(durations):
            sub = root / ("unitA" if i % 2 else "unitB")
            sub.mkdir(parents=True, exist_ok=True)
            write_tone_file(sub / f"2023040{1 + i % 3}_2{i}0000.wav", (24000, 32000, 22050)[i % 3], dur, [1.0, dur - 1.5], seed=i)
        (root / "unitB" / "broken.wav").write_text("not audio")
        return root

    return make


@pytest.fixture(scope="session")
def sharded(tmp_path_factory, make_corpus):
    """A corpus scanned whole and as shards 1/3, 2/3, 3/3 (each run with every output): (root, whole, [runs])."""
    root = tmp_path_factory.mktemp("shards")
    rec = make_corpus(root / "rec", [6.0, 2.0, 4.0, 3.0, 5.0, 2.5])
    kw = dict(device="cpu", workers=0)
    whole = scan([rec], out=root / "whole/detections.csv", windows=root / "whole/windows.csv.gz", raven=root / "whole/raven",
                 audacity=root / "whole/audacity", **kw)
    runs = [scan([rec], out=root / f"s{k}/detections.csv", windows=root / f"s{k}/windows.csv.gz", raven=root / f"s{k}/raven",
                 audacity=root / f"s{k}/audacity", shard=(k, 3), **kw) for k in (1, 2, 3)]
    return root, whole, runs


def _outputs_of(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` by relative name (temporary files would show up too), but
    the journal an unfinished run keeps for resuming."""
    files = (p for p in sorted(out.rglob("*")) if p.is_file() and ".journal" not in p.parent.name)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def _comparable(manifest_file: Path) -> dict:
    """A run.json without what differs between two runs of the same thing: time and timing."""
    m = json.loads(manifest_file.read_text())
    for key in ("created", "command"):
        m.pop(key)
    for key in ("wall_s", "x_realtime"):
        m["summary"].pop(key)
    for f in m["files"]:
        f.pop("seconds")
    return m


def _assert_same_outputs(a: Path, b: Path, run_keys: tuple[str, ...] | None = None) -> None:
    fa, fb = _outputs_of(a), _outputs_of(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        if name.endswith("run.json"):
            ma, mb = _comparable(a / name), _comparable(b / name)
            if run_keys is not None:
                ma, mb = {k: ma[k] for k in run_keys}, {k: mb[k] for k in run_keys}
            assert ma == mb, name
        else:
            assert fa[name] == fb[name], name


@pytest.fixture(scope="session")
def outputs_of():
    """``outputs_of(folder) -> {relative name: bytes}``: every file under a run's output folder (temporary
    files would show up too), but the journal an unfinished run keeps for resuming."""
    return _outputs_of


@pytest.fixture(scope="session")
def comparable():
    """``comparable(run_json) -> dict``: a run.json without what differs between two runs of the same
    thing (time and timing)."""
    return _comparable


@pytest.fixture(scope="session")
def assert_same_outputs():
    """``assert_same_outputs(folder_a, folder_b, run_keys=None)``: the same files with the same bytes,
    run.json compared as :func:`comparable` (only its ``run_keys`` entries when given: runs that
    differ on purpose, e.g. a merge or a retry, in what they record of themselves)."""
    return _assert_same_outputs


# ----------------------------------------------------------------------------- hangs and damaged audio


def _within(seconds: float, fn, *args, **kw):
    """``fn(*args, **kw)`` in a thread; fails the test if it takes longer than ``seconds``."""
    out: dict = {}

    def go():
        try:
            out["value"] = fn(*args, **kw)
        except BaseException as e:  # handed back to the test
            out["error"] = e

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{getattr(fn, '__name__', fn)} still running after {seconds} s (hang?)"
    if "error" in out:
        raise out["error"]
    return out["value"]


def _valid_headers() -> dict[str, bytes]:
    x = (np.sin(np.arange(4000) / 5) * 0.3).astype(np.float32)
    out = {}
    for fmt, subtype, ext in (("WAV", "PCM_16", "wav"), ("WAV", "FLOAT", "wav"), ("FLAC", "PCM_16", "flac"), ("WAV", "PCM_24", "wav")):
        b = io.BytesIO()
        sf.write(b, np.stack([x, x], 1), 8000, format=fmt, subtype=subtype)
        out[f"{subtype}.{ext}"] = b.getvalue()
    return out


def _mutate(data: bytes, rng: np.random.Generator, header: int) -> bytes:
    b = bytearray(data)
    if rng.random() < 0.3:
        b = b[: int(rng.integers(0, len(b)))]
    for _ in range(int(rng.integers(1, 5))):
        if b:
            i = int(rng.integers(0, min(len(b), header)))
            b[i] = int(rng.integers(0, 256)) if rng.random() < 0.5 else b[i] ^ (1 << int(rng.integers(0, 8)))
    return bytes(b)


@pytest.fixture(scope="session")
def within():
    """``within(seconds, fn, *args, **kw)``: ``fn(*args, **kw)`` in a thread, its value or its exception;
    fails the test if it takes longer than ``seconds`` (a hang)."""
    return _within


@pytest.fixture(scope="session")
def valid_audio_bytes():
    """``{name: bytes}`` of four short valid stereo files (WAV PCM_16, FLOAT, PCM_24; FLAC PCM_16),
    named ``<subtype>.<ext>``, to damage."""
    return _valid_headers()


@pytest.fixture(scope="session")
def mutate_bytes():
    """``mutate_bytes(data, rng, header) -> bytes``: ``data`` cut short 30% of the time and 1-4 bytes
    within the first ``header`` bytes changed (a random value or one flipped bit)."""
    return _mutate
