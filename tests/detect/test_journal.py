"""birdscan.detect.journal: resuming a run (through ``scan(resume=True)`` and ``birdscan run --resume``):
after kill -9 the outputs equal those of an uninterrupted run, finished unchanged recordings are
skipped, a journal of other options is ignored, and each recording is journaled as soon as it
is scanned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from birdscan import files
from birdscan.detect.journal import Journal, journal_dir
from birdscan.detect.pipeline import scan
from birdscan.errors import OutputError, ParameterError


OUTS = ["--out", "out/detections.csv", "--windows", "out/windows.csv.gz", "--raven", "out/raven"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, make_corpus):
    return make_corpus(tmp_path_factory.mktemp("corpus"), [12.0, 9.0, 14.0, 10.0, 12.0, 11.0])


def birdscan_cli(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "birdscan", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen, journal: Path, entries: int, limit: float = 90.0) -> bool:
    """SIGKILL ``proc`` once its journal exists with at least ``entries`` recordings; False if
    it ended first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            ready = (journal / "journal.json").exists() and sum(p.suffix == ".npz" for p in journal.iterdir()) >= entries
        except FileNotFoundError:
            ready = False
        if ready:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=limit)
    assert time.monotonic() < deadline, "the run neither reached the kill point nor ended"
    return proc.returncode == -signal.SIGKILL


def test_resume_after_kill_equals_uninterrupted_run(corpus, tmp_path, assert_same_outputs):
    args = ["run", str(corpus), *OUTS, "--device", "cpu", "-q"]
    ref, work = tmp_path / "ref", tmp_path / "work"
    ref.mkdir(), work.mkdir()
    whole = birdscan_cli(*args, cwd=ref)
    whole.wait(timeout=120)
    assert whole.returncode == 1  # the broken file fails; the rest is scanned
    journal = journal_dir(work / "out" / "detections.csv")
    kills = 0
    for entries in (0, 3, 6):  # before any recording is journaled, after three, after all (writing outputs)
        killed = kill_when(birdscan_cli(*args, *(["--resume"] if entries else []), cwd=work), journal, entries)
        kills += killed
        if killed:
            assert not (work / "out" / "run.json").exists() and not (work / "out" / "detections.csv").exists()
    assert kills >= 2
    if journal.exists():  # else the last run finished before it could be killed
        last = birdscan_cli(*args, "--resume", cwd=work)
        last.wait(timeout=120)
        assert last.returncode == 1, last.stderr.read().decode()
        assert not journal.exists()
    assert_same_outputs(ref / "out", work / "out")  # no journal, no .part files left either


def test_resume_skips_finished_unchanged_files_only(tmp_path, monkeypatch, make_corpus):
    rec = make_corpus(tmp_path / "rec", [4.0, 3.0, 5.0, 3.5])
    kw = dict(windows=None, device="cpu", workers=0)
    whole = scan([rec], out=tmp_path / "whole" / "detections.csv", **kw)
    saves = []
    save = Journal.save

    def crash_after_two(self, *a):
        if len(saves) == 2:
            raise KeyboardInterrupt  # stands for a kill between two recordings
        saves.append(a)
        save(self, *a)

    monkeypatch.setattr(Journal, "save", crash_after_two)
    out = tmp_path / "run" / "detections.csv"
    with pytest.raises(KeyboardInterrupt):
        scan([rec], out=out, **kw)
    monkeypatch.undo()
    assert not out.exists() and len(list(journal_dir(out).glob("*.npz"))) == 2
    touched = next(f.rec.path for f in whole.files if f.status == "ok")
    os.utime(touched, ns=(time.time_ns(), time.time_ns()))  # changed since: scanned again
    res = scan([rec], out=out, resume=True, **kw)
    assert res.n_resumed == 1 and not journal_dir(out).exists()
    assert out.read_bytes() == (tmp_path / "whole" / "detections.csv").read_bytes()
    for a, b in zip(whole.files, res.files):
        assert (a.probs is None and b.probs is None) or (a.probs == b.probs).all()
    again = scan([rec], out=out, resume=True, **kw)  # a requeued job that had finished: nothing to do
    assert again.nothing_to_do and again.n_errors == res.n_errors and out.read_bytes() == (tmp_path / "whole" / "detections.csv").read_bytes()
    with pytest.raises(OutputError, match=r"finished run that differs from this one in options \(threshold: 0\.9\d* then, 0.4 now; threshold_off: 0\.9\d* then, 0.4 now\)"):
        scan([rec], out=out, resume=True, threshold=0.4, **kw)


def test_resume_ignores_a_journal_of_other_options(tmp_path, monkeypatch, make_corpus):
    rec = make_corpus(tmp_path / "rec", [3.0, 3.0])
    out = tmp_path / "o" / "detections.csv"
    monkeypatch.setattr(files.OutputSet, "commit", lambda self, mark=None: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        scan([rec], out=out, device="cpu")
    monkeypatch.undo()
    assert len(list(journal_dir(out).glob("*.npz"))) == 2 and not list(out.parent.glob(".*.part"))
    assert scan([rec], out=out, threshold=0.4, resume=True, device="cpu").n_resumed == 0
    with pytest.raises(ParameterError, match="resume=True needs out="):
        scan([rec], resume=True)


def test_each_recording_is_journaled_as_soon_as_it_is_scanned(tmp_path, monkeypatch, write_tone_file):
    """A fault after K recordings are decoded finds at least K-1 of them journaled (they
    are not held back until a shared batch fills up)."""
    from birdscan.detect import run as scan_run

    rec = tmp_path / "rec"
    rec.mkdir()
    for i in range(8):
        write_tone_file(rec / f"r{i}.wav", 24000, 3.0, [1.5], seed=i)
    started = []
    real = scan_run.scan_blocks

    def fault_after_k(*a, **kw):
        if len(started) == 5:
            raise KeyboardInterrupt  # stands for a kill -9 / preemption while the 6th is decoded
        started.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(scan_run, "scan_blocks", fault_after_k)
    out = tmp_path / "o" / "detections.csv"
    with pytest.raises(KeyboardInterrupt):
        scan([rec], out=out, device="cpu", workers=0, batch_size=4096)
    assert len(list(journal_dir(out).glob("*.npz"))) >= 4
    monkeypatch.undo()
    res = scan([rec], out=out, device="cpu", workers=0, resume=True)
    whole = scan([rec], out=tmp_path / "w" / "detections.csv", device="cpu", workers=0)
    assert res.n_resumed >= 4 and out.read_bytes() == (tmp_path / "w" / "detections.csv").read_bytes()
    assert all((a.probs == b.probs).all() for a, b in zip(res.files, whole.files))
