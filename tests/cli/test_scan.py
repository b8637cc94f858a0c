"""birdscan.cli.scan: ``birdscan run`` and ``birdscan merge`` through click's CliRunner: exit status and
messages, review tables of the channel scanned, Ctrl-C, shards merged."""

import json

import pandas as pd
from click.testing import CliRunner

from birdscan.cli import main


def test_run_reports_bad_files_and_exits_nonzero(tmp_path, make_audio):
    make_audio("in/a.wav", dur=6.0, calls=[3.0])
    (tmp_path / "in" / "broken.wav").write_text("not audio")
    r = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "o" / "detections.csv"), "-q", "--device", "cpu"])
    assert r.exit_code == 1
    assert "broken.wav" in r.output and "1 of 2 file(s) failed" in r.output
    det = pd.read_csv(tmp_path / "o" / "detections.csv")
    assert (det.file == "a.wav").sum() == 1
    man = json.loads((tmp_path / "o" / "run.json").read_text())
    assert man["summary"]["files"] == 2


def test_run_bad_option_message(tmp_path):
    r = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "d.csv"), "--threshold", "2"])
    assert r.exit_code != 0 and "--threshold 2.0 must be within [0, 1]" in r.output
    r = CliRunner().invoke(main, ["run", str(tmp_path / "none"), "--out", str(tmp_path / "d.csv")])
    assert r.exit_code != 0 and "does not exist" in r.output


def test_run_writes_review_tables_of_the_channel_scanned(tmp_path, make_audio, read_raven_strict, read_audacity_strict):
    make_audio("in/st.wav", dur=6.0, calls=[3.0], channels=2)
    make_audio("in/quiet.wav", dur=2.0, channels=2)
    make_audio("in/mono.wav", dur=2.0)
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(out / "detections.csv"), "--raven", str(out / "raven"),
                                  "--audacity", str(out / "aud"), "--channel", "2", "-q", "--device", "cpu"])
    assert r.exit_code == 1 and "mono.wav: channel 2 asked for (counting from 1), but the file has 1 channel(s)" in r.output
    rows = read_raven_strict(out / "raven" / "st.wav.selections.txt")
    assert len(rows) == 1 and rows[0]["Channel"] == 2 and rows[0]["Begin Path"] == str(tmp_path / "in" / "st.wav")
    assert read_raven_strict(out / "raven" / "quiet.wav.selections.txt") == []
    assert [r["Channel"] for r in read_raven_strict(out / "raven" / "birdscan_combined.selections.txt")] == [2]
    labels = read_audacity_strict(out / "aud" / "st.wav.txt")
    assert len(labels) == 1 and labels[0]["start"] == rows[0]["Begin Time (s)"]
    assert read_audacity_strict(out / "aud" / "quiet.wav.txt") == []


def test_ctrl_c_says_how_to_resume(tmp_path, monkeypatch):
    import birdscan.detect.pipeline as pipeline

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "scan", interrupted)
    r = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "d.csv")])
    assert r.exit_code == 130 and "run the same command with --resume to go on" in r.stderr


def test_merge_of_shards_run_from_the_command_line(tmp_path, make_audio):
    for i in range(3):
        make_audio(f"in/r{i}.wav", dur=2.0, calls=[1.0], seed=i)
    for k in (1, 2):
        r = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / f"s{k}" / "detections.csv"),
                                      "--shard", f"{k}/2", "--device", "cpu", "-q"])
        assert r.exit_code == 0, r.output
    shards = [str(tmp_path / f"s{k}" / "detections.csv") for k in (2, 1)]
    r = CliRunner().invoke(main, ["merge", *shards, "--out", str(tmp_path / "m" / "detections.csv")])
    assert r.exit_code == 0 and "merged 2 shard(s)" in r.output, r.output
    man = json.loads((tmp_path / "m" / "run.json").read_text())
    assert sorted(f["file"] for f in man["files"]) == ["r0.wav", "r1.wav", "r2.wav"]
    assert set(pd.read_csv(tmp_path / "m" / "detections.csv").file) == {"r0.wav", "r1.wav", "r2.wav"}
    r = CliRunner().invoke(main, ["merge", shards[1], "--out", str(tmp_path / "m1" / "detections.csv")])
    assert r.exit_code == 2 and "missing shard(s) 2/2: merge needs all 2 shards" in r.output, r.output
    assert not (tmp_path / "m1").exists()
