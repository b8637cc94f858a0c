"""birdscan.detect.discover: the recordings a run scans, in a stable order, and per-file errors for
what cannot be listed."""

import errno
import json
import os

import pytest

from birdscan.detect.discover import discover, normalize_extensions
from birdscan.detect.pipeline import scan
from birdscan.errors import ParameterError


def touch(p):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"x")
    return p


def test_recursive_sorted_case_insensitive_hidden_skipped(tmp_path):
    for name in ["b/2.WAV", "a.flac", "b/c/3.Mp3", ".hidden.wav", "b/.h/4.wav", "notes.txt", "x.aiff"]:
        touch(tmp_path / name)
    recs = discover([tmp_path])
    assert [r.rel for r in recs] == ["a.flac", "b/2.WAV", "b/c/3.Mp3", "x.aiff"]
    assert [r.rel for r in discover([tmp_path], recursive=False)] == ["a.flac", "x.aiff"]
    assert [r.rel for r in discover([tmp_path], ext="wav")] == ["b/2.WAV"]


def test_files_and_folders_mixed(tmp_path):
    f = touch(tmp_path / "one" / "a.wav")
    touch(tmp_path / "two" / "b.wav")
    recs = discover([f, tmp_path / "two"])
    assert [(r.rel, r.root.name) for r in recs] == [("a.wav", "a.wav"), ("b.wav", "two")]


def test_nothing_found_and_missing_input(tmp_path):
    touch(tmp_path / "a.txt")
    with pytest.raises(ParameterError, match="no recordings found"):
        discover([tmp_path])
    with pytest.raises(ParameterError, match="does not exist"):
        discover([tmp_path / "nope"])
    with pytest.raises(ParameterError, match="names no file extension"):
        normalize_extensions(",")


def test_same_output_name_is_an_error(tmp_path):
    touch(tmp_path / "n1" / "a.wav")
    touch(tmp_path / "n2" / "a.wav")
    with pytest.raises(ParameterError, match="would both be named 'a.wav'"):
        discover([tmp_path / "n1", tmp_path / "n2"])


def test_symlink_loop_terminates(tmp_path):
    touch(tmp_path / "d" / "a.wav")
    os.symlink("..", tmp_path / "d" / "loop")
    recs = discover([tmp_path])
    assert [r.rel for r in recs] == ["d/a.wav"]


def test_non_utf8_name(tmp_path):
    name = os.fsdecode(b"caf\xe9.wav")
    touch(tmp_path / name)
    (rec,) = discover([tmp_path])
    assert rec.rel == "caf\\xe9.wav"
    assert rec.path.exists()


KW = dict(device="cpu", workers=0)


def test_unreadable_folder_and_named_file_are_per_file_errors(tmp_path, monkeypatch, write_tone_file):
    write_tone_file((tmp_path / "rec").mkdir() or tmp_path / "rec" / "a.wav", 24000, 1.0)
    write_tone_file((tmp_path / "rec" / "locked").mkdir() or tmp_path / "rec" / "locked" / "b.wav", 24000, 1.0)
    named = write_tone_file(tmp_path / "named.wav", 24000, 1.0)
    locked = str(tmp_path / "rec" / "locked")
    scandir, stat = os.scandir, os.stat

    def refuse_dir(path="."):
        if not isinstance(path, int) and os.fspath(path) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), locked)
        return scandir(path)

    def refuse_file(path, *a, **kw):  # root reads anything: refuse the way the OS would for others
        if not isinstance(path, int) and os.fspath(path) == str(named):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(named))
        return stat(path, *a, **kw)

    monkeypatch.setattr(os, "scandir", refuse_dir)
    monkeypatch.setattr(os, "stat", refuse_file)
    assert [r.rel for r in discover([tmp_path / "rec", named])] == ["a.wav", "locked/", "named.wav"]
    res = scan([tmp_path / "rec", named], out=tmp_path / "o" / "detections.csv", **KW)
    monkeypatch.undo()
    got = {f.rec.rel: (f.status, f.error) for f in res.files}
    assert got["a.wav"] == ("ok", None)
    assert got["locked/"][0] == "error" and "cannot list this folder (Permission denied)" in got["locked/"][1]
    assert got["named.wav"][0] == "error" and "Permission denied" in got["named.wav"][1]
    man = json.loads((tmp_path / "o" / "run.json").read_text())
    assert {f["file"]: f["status"] for f in man["files"]} == {"a.wav": "ok", "locked/": "error", "named.wav": "error"}
    with pytest.raises(ParameterError, match="does not exist"):
        discover([tmp_path / "typo.wav"])
