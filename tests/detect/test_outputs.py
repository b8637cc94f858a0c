"""birdscan.detect.outputs: a run's outputs appear together or not at all: a full disk puts the previous
outputs back, and a run killed while renaming never leaves an old manifest vouching for new tables."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from birdscan.cli import main
from birdscan.detect import selections
from birdscan.detect.pipeline import scan
from birdscan.errors import OutputError


def test_disk_full_fails_loudly_and_keeps_previous_outputs(tmp_path, monkeypatch, make_corpus, outputs_of):
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
