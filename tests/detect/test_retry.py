"""birdscan.detect.retry: ``birdscan run --retry-failed`` rescans only the failed and partial recordings,
and the outputs then equal those of a run that never failed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from birdscan.cli import main


def test_retry_failed_rescans_only_the_failed_recordings(tmp_path, monkeypatch, write_tone_file, make_corpus,
                                                         assert_same_outputs):
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
    assert_same_outputs(tmp_path / "ref", tmp_path / "work", run_keys=("files", "summary"))
    assert cli("work", "--retry-failed").output.count("nothing to do") == 1


def test_retry_failed_rescans_partial_recordings_too(tmp_path, monkeypatch, write_tone_file, outputs_of,
                                                       assert_same_outputs):
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
    # the partial results replaced, not added to
    assert_same_outputs(tmp_path / "ref", tmp_path / "work", run_keys=("files", "summary"))

    before = outputs_of(tmp_path / "kept")
    (rec / "b.flac").write_text("not audio any more")  # a rescan that fails outright
    r = cli("kept", "--retry-failed")
    assert r.exit_code == 1, r.output
    kept = entry("kept")
    assert kept["status"] == "partial" and "the results of the earlier, partial scan are kept" in kept["warnings"][-1]
    assert kept["warnings"][-1].startswith(str(rec / "b.flac"))
    after = outputs_of(tmp_path / "kept")
    assert {k: v for k, v in after.items() if k != "run.json"} == {k: v for k, v in before.items() if k != "run.json"}
