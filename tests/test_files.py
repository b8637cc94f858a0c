"""Atomic outputs: whole or absent, temporary names that carry the process id."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from birdscan import files
from birdscan.errors import OutputError


def test_temp_name_is_hidden_next_to_the_output_and_carries_the_pid(tmp_path):
    assert files.temp_name(tmp_path / "a.csv") == tmp_path / f".a.csv.{os.getpid()}.part"
    assert files.temp_name(tmp_path / "a.csv", "old").name.endswith(f".{os.getpid()}.old")


def test_atomic_open_leaves_nothing_on_error(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with files.atomic_open(p) as f:
            f.write("new")
            raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert list(tmp_path.iterdir()) == [p]


def test_atomic_open_text_binary_and_gzip(tmp_path):
    with files.atomic_open(tmp_path / "sub" / "t.txt") as f:
        f.write("é\n")
    assert (tmp_path / "sub" / "t.txt").read_bytes() == "é\n".encode()
    with files.atomic_open(tmp_path / "b.bin", "wb") as f:
        f.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    for name in ("g1.csv.gz", "g2.csv.gz"):
        with files.atomic_open(tmp_path / name) as f:
            f.write("x\n")
    assert gzip.decompress((tmp_path / "g1.csv.gz").read_bytes()) == b"x\n"
    assert (tmp_path / "g1.csv.gz").read_bytes() == (tmp_path / "g2.csv.gz").read_bytes()  # no time stamp


def test_atomic_path_renames_on_success_and_removes_on_error(tmp_path):
    out = tmp_path / "m.pt"
    with files.atomic_path(out) as tmp:
        assert tmp.name == f".m.pt.{os.getpid()}.part" and not out.exists()
        tmp.write_bytes(b"weights")
    assert out.read_bytes() == b"weights"
    with pytest.raises(ValueError):
        with files.atomic_path(out) as tmp:
            tmp.write_bytes(b"half")
            raise ValueError
    assert out.read_bytes() == b"weights" and sorted(tmp_path.iterdir()) == [out]


def test_atomic_path_turns_os_errors_into_output_errors(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="cannot write .*file/x.csv"):
        with files.atomic_open(tmp_path / "file" / "x.csv") as f:
            f.write("x")


def test_output_set_renames_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with files.OutputSet() as outputs:
        for p in (a, b):
            with files.atomic_open(p, outputs=outputs) as f:
                f.write(p.name)
        assert not a.exists() and not b.exists()
    assert a.read_text() == "a.txt" and b.read_text() == "b.txt"
    with pytest.raises(KeyError):
        with files.OutputSet() as outputs:
            with files.atomic_open(a, outputs=outputs) as f:
                f.write("new")
            raise KeyError("stop")
    assert a.read_text() == "a.txt" and sorted(tmp_path.iterdir()) == [a, b]


def test_stale_temporaries_of_dead_processes_only(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale, alive, other = tmp_path / f".d.csv.{dead}.part", files.temp_name(tmp_path / "d.csv"), tmp_path / ".d.csv.x.part"
    for p in (stale, alive, other):
        p.write_text("")
    files.remove_stale_temporaries([tmp_path / "d.csv"])
    assert not stale.exists() and alive.exists() and other.exists()
