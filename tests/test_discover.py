import os

import pytest

from birdscan.detect.discover import discover, normalize_extensions
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
