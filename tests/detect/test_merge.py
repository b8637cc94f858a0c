"""birdscan.detect.merge: the shards of a run merged equal the unsharded run; incomplete, repeated or
edited shards are refused."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from birdscan.cli import main
from birdscan.detect.merge import merge
from birdscan.detect.pipeline import scan
from birdscan.errors import OutputError, ParameterError


KW = dict(device="cpu", workers=0)


def test_merge_equals_unsharded_run(sharded, assert_same_outputs, comparable):
    root, whole, runs = sharded
    shards = [root / f"s{k}/detections.csv" for k in (3, 1, 2)]
    r = CliRunner().invoke(main, ["merge", *map(str, shards), "--out", str(root / "merged/detections.csv"),
                                  "--windows", str(root / "merged/windows.csv.gz"), "--raven", str(root / "merged/raven"),
                                  "--audacity", str(root / "merged/audacity")])
    assert r.exit_code == 1, r.output  # merged, but the broken recording failed (as in the unsharded run)
    assert "merged 3 shard(s)" in r.output
    assert_same_outputs(root / "whole", root / "merged", run_keys=("files", "summary", "options"))
    mb = comparable(root / "merged/run.json")
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


def test_merging_an_edited_shard_never_writes_outside_its_folder(tmp_path, write_tone_file):
    rec = tmp_path / "rec"
    for i in range(2):
        write_tone_file((rec.mkdir(exist_ok=True) or rec) / f"r{i}.wav", 24000, 2.0, [1.0])
    shards = [scan([rec], out=tmp_path / f"s{k}/detections.csv", raven=tmp_path / f"s{k}/raven", shard=(k, 2), **KW)
              for k in (1, 2)]
    assert all(r.n_errors == 0 for r in shards)
    man = json.loads((tmp_path / "s1/run.json").read_text())
    old = man["files"][0]["file"]
    man["files"][0]["file"] = "../../../evil.wav"  # an edited shard manifest (and its table)
    (tmp_path / "s1/run.json").write_text(json.dumps(man))
    det = tmp_path / "s1/detections.csv"
    det.write_text(det.read_text().replace(old, "../../../evil.wav"))
    with pytest.raises(OutputError, match="not a plain relative name"):
        merge([tmp_path / "s1/detections.csv", tmp_path / "s2/detections.csv"], out=tmp_path / "m/detections.csv",
              raven=tmp_path / "m/raven")
    assert not (tmp_path / "evil.wav.selections.txt").exists() and not (tmp_path / "m/run.json").exists()
