"""Reliability at scale: resume after kill -9, shards and merge, write failures."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from birdscan import files
from birdscan.detect import selections
from birdscan.cli import main
from birdscan.detect.pipeline import scan
from birdscan.errors import OutputError, ParameterError
from birdscan.detect.journal import Journal, journal_dir
from birdscan.detect.merge import merge
from birdscan.detect.shard import assign, parse_shard


OUTS = ["--out", "out/detections.csv", "--windows", "out/windows.csv.gz", "--raven", "out/raven"]


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


def outputs_of(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` by relative name (temporary files would show up too), but
    the journal an unfinished run keeps for resuming."""
    files = (p for p in sorted(out.rglob("*")) if p.is_file() and ".journal" not in p.parent.name)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def comparable(manifest_file: Path) -> dict:
    """A run.json without what differs between two runs of the same thing: time and timing."""
    m = json.loads(manifest_file.read_text())
    for key in ("created", "command"):
        m.pop(key)
    for key in ("wall_s", "x_realtime"):
        m["summary"].pop(key)
    for f in m["files"]:
        f.pop("seconds")
    return m


def assert_same_outputs(a: Path, b: Path) -> None:
    fa, fb = outputs_of(a), outputs_of(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        if name.endswith("run.json"):
            assert comparable(a / name) == comparable(b / name), name
        else:
            assert fa[name] == fb[name], name


# -- resume after kill -9 ------------------------------------------------------

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


def test_resume_after_kill_equals_uninterrupted_run(corpus, tmp_path):
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


# -- shards and merge -------------------------------------------------------------

@pytest.fixture(scope="module")
def sharded(tmp_path_factory, make_corpus):
    root = tmp_path_factory.mktemp("shards")
    rec = make_corpus(root / "rec", [6.0, 2.0, 4.0, 3.0, 5.0, 2.5])
    kw = dict(device="cpu", workers=0)
    whole = scan([rec], out=root / "whole/detections.csv", windows=root / "whole/windows.csv.gz", raven=root / "whole/raven",
                 audacity=root / "whole/audacity", **kw)
    runs = [scan([rec], out=root / f"s{k}/detections.csv", windows=root / f"s{k}/windows.csv.gz", raven=root / f"s{k}/raven",
                 audacity=root / f"s{k}/audacity", shard=(k, 3), **kw) for k in (1, 2, 3)]
    return root, whole, runs


def test_shards_split_all_recordings_by_duration(sharded):
    root, whole, runs = sharded
    got = sorted(f.index for r in runs for f in r.files)
    assert got == list(range(len(whole.files)))
    loads = [sum(f.duration_s or 0 for f in r.files) for r in runs]
    assert max(loads) - min(loads) <= 6.0  # greedy: within the longest recording
    man = json.loads((root / "s2/run.json").read_text())
    assert man["shard"]["k"] == 2 and man["shard"]["n"] == 3 and man["shard"]["recordings"] == len(whole.files)


def test_merge_equals_unsharded_run(sharded):
    root, whole, runs = sharded
    shards = [root / f"s{k}/detections.csv" for k in (3, 1, 2)]
    r = CliRunner().invoke(main, ["merge", *map(str, shards), "--out", str(root / "merged/detections.csv"),
                                  "--windows", str(root / "merged/windows.csv.gz"), "--raven", str(root / "merged/raven"),
                                  "--audacity", str(root / "merged/audacity")])
    assert r.exit_code == 1, r.output  # merged, but the broken recording failed (as in the unsharded run)
    assert "merged 3 shard(s)" in r.output
    a, b = outputs_of(root / "whole"), outputs_of(root / "merged")
    assert sorted(a) == sorted(b)
    for name in a:
        if name != "run.json":
            assert a[name] == b[name], name
    ma, mb = comparable(root / "whole/run.json"), comparable(root / "merged/run.json")
    assert ma["files"] == mb["files"] and ma["summary"] == mb["summary"] and ma["options"] == mb["options"]
    assert [m["shard"] for m in mb["merged_from"]] == ["1/3", "2/3", "3/3"]


def test_merge_refuses_incomplete_or_repeated_shards(sharded, tmp_path):
    root, _, _ = sharded
    s = [root / f"s{k}/detections.csv" for k in (1, 2, 3)]
    with pytest.raises(ParameterError, match=r"missing shard\(s\) 2/3: merge needs all 3 shards"):
        merge([s[0], s[2]], out=tmp_path / "m.csv")
    with pytest.raises(ParameterError, match="shard 1/3 given twice"):
        merge([s[0], s[0], s[1], s[2]], out=tmp_path / "m.csv")
    with pytest.raises(ParameterError, match="wrote no windows output"):
        (tmp_path / "nowin").mkdir()
        man = json.loads((root / "s1/run.json").read_text())
        man["outputs"]["windows"] = None
        (tmp_path / "nowin/run.json").write_text(json.dumps(man))
        (tmp_path / "nowin/detections.csv").write_bytes(s[0].read_bytes())
        merge([tmp_path / "nowin/detections.csv", s[1], s[2]], out=tmp_path / "m.csv", windows=tmp_path / "w.csv")
    assert not (tmp_path / "m.csv").exists()


def test_shard_spec_is_validated():
    assert parse_shard("3/8") == (3, 8) and parse_shard((1, 1)) == (1, 1)
    for bad in ("3/2", "0/4", "1", "a/b", "-1/2"):
        with pytest.raises(ParameterError, match="must be K/N with 1 <= K <= N"):
            parse_shard(bad)
    r = CliRunner().invoke(main, ["run", "x", "--out", "d.csv", "--shard", "3/2"])
    assert r.exit_code == 2 and "--shard" in r.output and "shard='3/2' must be K/N" in r.output


def test_shard_assignment_ignores_listing_order():
    names = [f"n{i:03d}.wav" for i in range(200)]
    rng = random.Random(0)
    durations = [rng.choice([60.0, 600.0, 3600.0, 0.0]) for _ in names]
    owner = dict(zip(names, assign(names, durations, 7)))
    order = list(range(200))
    rng.shuffle(order)
    assert dict(zip([names[i] for i in order], assign([names[i] for i in order], [durations[i] for i in order], 7))) == owner
    loads = [sum(d for n, d in zip(names, durations) if owner[n] == k) for k in range(1, 8)]
    assert max(loads) - min(loads) <= 3600.0
    assert assign(["b", "a", "c"], [1.0, 1.0, 1.0], 2) == [2, 1, 1]  # equal lengths: by name


# -- disk full ------------------------------------------------------------------------

def test_disk_full_fails_loudly_and_keeps_previous_outputs(tmp_path, monkeypatch, make_corpus):
    rec = make_corpus(tmp_path / "rec", [3.0, 4.0])
    out = tmp_path / "out"
    paths = dict(out=out / "detections.csv", windows=out / "windows.csv.gz", raven=out / "raven", device="cpu")
    scan([rec], **paths)
    before = outputs_of(out)
    replace = os.replace

    def full_at_manifest(src, dst):
        if Path(dst).name == "run.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", full_at_manifest)  # the last rename of the run fails
    with pytest.raises(OutputError, match=r"cannot write .*run\.json: No space left on device"):
        scan([rec], threshold=0.3, overwrite=True, **paths)
    monkeypatch.undo()
    assert outputs_of(out) == before  # all put back, nothing left over

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    r = CliRunner().invoke(main, ["run", str(rec), "--out", str(out / "detections.csv"), "--windows", str(out / "windows.csv.gz"),
                                  "--device", "cpu", "--overwrite", "-q"])
    assert r.exit_code == 2 and "cannot write" in r.output and "No space left on device" in r.output
    monkeypatch.undo()
    assert outputs_of(out) == before


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


# -- runs that compose with schedulers ---------------------------------------------------

def test_resume_of_a_finished_run_exits_0_or_says_what_differs(tmp_path, write_tone_file, make_corpus):
    rec = make_corpus(tmp_path / "rec", [2.0, 3.0])
    args = ["run", str(rec), "--out", str(tmp_path / "o/detections.csv"), "--device", "cpu", "-q"]
    assert CliRunner().invoke(main, args).exit_code == 1  # the broken file
    before = outputs_of(tmp_path / "o")
    r = CliRunner().invoke(main, [*args, "--resume"])
    assert r.exit_code == 0 and "nothing to do" in r.output, r.output
    r = CliRunner().invoke(main, [*args, "--resume", "--min-gap", "0.3"])
    assert r.exit_code == 2 and "differs from this one in options (min_gap_s: 0.1 then, 0.3 now)" in r.output
    write_tone_file(rec / "unitA" / "new.wav", 24000, 1.0)
    r = CliRunner().invoke(main, [*args, "--resume"])
    assert r.exit_code == 2 and "differs from this one in recordings" in r.output
    assert outputs_of(tmp_path / "o") == before


def test_a_second_run_on_the_same_outputs_is_refused(tmp_path, make_corpus):
    from birdscan.files import OutputLock

    rec = make_corpus(tmp_path / "rec", [2.0])
    out = tmp_path / "o" / "detections.csv"
    with OutputLock(out):  # stands for a run in another process
        with pytest.raises(OutputError, match=rf"detections.csv is being written by another birdscan run \(pid {os.getpid()} on "):
            scan([rec], out=out, device="cpu")
        r = CliRunner().invoke(main, ["merge", str(out), "--out", str(out)])
        assert r.exit_code == 2
    assert scan([rec], out=out, device="cpu").n_errors == 1  # released: the next run goes ahead
    assert not (out.parent / ".detections.csv.lock").exists()


def test_file_size_limit_while_streaming_windows_is_a_clean_error(tmp_path, write_tone_file):
    rec = tmp_path / "rec"
    rec.mkdir()
    write_tone_file(rec / "long.wav", 24000, 60.0)
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # ulimit -f: the windows CSV outgrows it

    p = subprocess.run([sys.executable, "-m", "birdscan", "run", str(rec), "--out", "o/detections.csv", "--windows", "o/windows.csv",
                        "--device", "cpu", "-q"], cwd=tmp_path, capture_output=True, text=True, preexec_fn=limit, timeout=120)
    assert p.returncode == 2, p.stderr
    assert "cannot write o/windows.csv: File too large" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "o" / "run.json").exists() and not list((tmp_path / "o").glob(".*.part"))


def test_a_run_killed_while_switching_outputs_never_pairs_old_and_new(tmp_path, monkeypatch, make_corpus):
    rec = make_corpus(tmp_path / "rec", [2.0, 3.0])
    out = tmp_path / "out"
    paths = dict(out=out / "detections.csv", raven=out / "raven", device="cpu")
    scan([rec], **paths)
    replace = os.replace

    def killed_after_the_tables(src, dst):
        if Path(dst).name == selections.RAVEN_COMBINED:
            raise KeyboardInterrupt  # stands for kill -9 between two renames
        replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_the_tables)
    with pytest.raises(KeyboardInterrupt):
        scan([rec], threshold=0.2, overwrite=True, **paths)
    monkeypatch.undo()
    assert not (out / "run.json").exists()  # new tables in place: the old manifest must not vouch for them
    scan([rec], threshold=0.2, overwrite=True, **paths)
    assert json.loads((out / "run.json").read_text())["options"]["threshold"] == 0.2
    assert not list(out.rglob(".*.part"))  # (the old manifest's second name is kept until its process has ended)


def test_retry_failed_rescans_only_the_failed_recordings(tmp_path, monkeypatch, write_tone_file, make_corpus):
    rec = make_corpus(tmp_path / "rec", [3.0, 2.0, 4.0])
    outs = ["--windows", "windows.csv.gz", "--raven", "raven", "--audacity", "audacity"]

    def cli(folder: str, *extra: str):
        (tmp_path / folder).mkdir(exist_ok=True)
        monkeypatch.chdir(tmp_path / folder)
        return CliRunner().invoke(main, ["run", str(rec), "--out", "detections.csv", *outs, "--device", "cpu", "-q", *extra])

    assert cli("work").exit_code == 1  # broken.wav fails
    write_tone_file(rec / "unitB" / "broken.wav", 24000, 2.5, [1.0])  # the copy is fixed
    from birdscan.detect import run as scan_run

    scanned = []
    real = scan_run.scan_blocks
    monkeypatch.setattr(scan_run, "scan_blocks", lambda *a, **kw: scanned.append(1) or real(*a, **kw))
    r = cli("work", "--retry-failed")
    assert r.exit_code == 0, r.output
    assert len(scanned) == 1
    assert json.loads((tmp_path / "work/run.json").read_text())["retried"]["files"] == ["unitB/broken.wav"]
    monkeypatch.undo()
    assert cli("ref").exit_code == 0
    a, b = outputs_of(tmp_path / "ref"), outputs_of(tmp_path / "work")
    assert sorted(a) == sorted(b)
    for name in a:
        if name != "run.json":
            assert a[name] == b[name], name
    ma, mb = comparable(tmp_path / "ref/run.json"), comparable(tmp_path / "work/run.json")
    assert ma["files"] == mb["files"] and ma["summary"] == mb["summary"]
    assert cli("work", "--retry-failed").output.count("nothing to do") == 1


def test_retry_failed_rescans_partial_recordings_too(tmp_path, monkeypatch, write_tone_file):
    rec = tmp_path / "rec"
    rec.mkdir()
    write_tone_file(rec / "a.wav", 24000, 3.0, [1.5])
    whole = write_tone_file(rec / "b.flac", 24000, 20.0, [3.0, 15.0]).read_bytes()
    (rec / "b.flac").write_bytes(whole[: len(whole) * 2 // 3])  # the copy was still being made
    outs = ["--windows", "windows.csv.gz", "--raven", "raven", "--audacity", "audacity"]

    def cli(folder: str, *extra: str):
        (tmp_path / folder).mkdir(exist_ok=True)
        monkeypatch.chdir(tmp_path / folder)
        return CliRunner().invoke(main, ["run", str(rec), "--out", "detections.csv", *outs, "--device", "cpu", "-q", *extra])

    def entry(folder: str) -> dict:
        return {f["file"]: f for f in json.loads((tmp_path / folder / "run.json").read_text())["files"]}["b.flac"]

    assert cli("work").exit_code == 1 and entry("work")["status"] == "partial"
    assert cli("kept").exit_code == 1
    (rec / "b.flac").write_bytes(whole)  # the copy has completed
    r = cli("work", "--retry-failed")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "work/run.json").read_text())["retried"]["files"] == ["b.flac"]
    assert entry("work")["status"] == "ok"
    assert cli("ref").exit_code == 0
    a, b = outputs_of(tmp_path / "ref"), outputs_of(tmp_path / "work")
    assert sorted(a) == sorted(b)
    for name in a:
        if name != "run.json":
            assert a[name] == b[name], name  # the partial results replaced, not added to
    ma, mb = comparable(tmp_path / "ref/run.json"), comparable(tmp_path / "work/run.json")
    assert ma["files"] == mb["files"] and ma["summary"] == mb["summary"]

    before = outputs_of(tmp_path / "kept")
    (rec / "b.flac").write_text("not audio any more")  # a rescan that fails outright
    r = cli("kept", "--retry-failed")
    assert r.exit_code == 1, r.output
    kept = entry("kept")
    assert kept["status"] == "partial" and "the results of the earlier, partial scan are kept" in kept["warnings"][-1]
    assert kept["warnings"][-1].startswith(str(rec / "b.flac"))
    after = outputs_of(tmp_path / "kept")
    assert {k: v for k, v in after.items() if k != "run.json"} == {k: v for k, v in before.items() if k != "run.json"}
