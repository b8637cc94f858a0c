import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from birdscan.cli import main


def test_installed_console_script_help():
    out = subprocess.run(["birdscan", "--help"], capture_output=True, text=True, check=True).stdout
    for cmd in ("run", "train", "synth", "evaluate", "evaluate-clips", "plot", "clips", "merge"):
        assert cmd in out
    out = subprocess.run([sys.executable, "-m", "birdscan", "run", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--threshold" in out and "--windows" in out and "--resume" in out and "--shard" in out


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


def test_run_writes_review_tables_of_the_channel_scanned(tmp_path, make_audio):
    from helpers.strict_readers import read_audacity_strict, read_raven_strict

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


def test_errors_name_the_options_as_typed(tmp_path, make_audio):
    rec = make_audio("in/a.wav", dur=2.0)
    out = str(tmp_path / "o" / "d.csv")
    cases = [
        (["run", str(rec), "--out", out, "--hop", "0"], "--hop 0.0 must be a positive number of seconds"),
        (["run", str(rec), "--out", out, "--threshold", "2"], "--threshold 2.0 must be within [0, 1]"),
        (["run", str(rec), "--out", out, "--model", str(rec)], "is not a birdscan model file (.pt written by birdscan train): it is an audio file"),
        (["clips", str(tmp_path / "none.csv"), "--out", str(tmp_path / "c")], "DETECTIONS"),
        (["evaluate", str(tmp_path / "none.csv"), "-r", str(rec)], "DETECTIONS"),
        (["synth", str(tmp_path / "in"), "--clips-per-unit", "2", "--units", "unit01"], "is not empty; pass --overwrite to write into it"),
        (["synth", str(rec), "--kind", "recording", "--duration", "1"], "a.wav exists; pass --overwrite to replace it"),
    ]
    for args, message in cases:
        r = CliRunner().invoke(main, args)
        assert r.exit_code != 0 and message in r.output, (args, r.output)
        assert "Traceback" not in r.output and "=" not in r.output.split("Error:")[-1].split("/")[0], r.output
    assert CliRunner().invoke(main, ["run", str(rec), "--out", out, "-q", "--device", "cpu"]).exit_code == 0
    r = CliRunner().invoke(main, ["run", str(rec), "--out", out, "-q", "--device", "cpu"])
    assert r.exit_code != 0 and "d.csv exists; pass --overwrite to replace it" in r.output
    r = CliRunner().invoke(main, ["evaluate", out, "-r", str(rec)])
    assert r.exit_code != 0 and "is a binary (audio?) file, not a reference table" in r.output and "RIFF" not in r.output


def test_plain_progress_lines_and_files_written_in_a_log(tmp_path, make_audio):
    for i in range(3):
        make_audio(f"in/n{i}.wav", dur=4.0, calls=[2.0])
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(out / "detections.csv"), "--raven", str(out / "raven"),
                                  "--device", "cpu"])  # CliRunner's stderr is no terminal, as in a SLURM log
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert lines[0] == "birdscan: scanning 3 file(s), 0.00 h of audio"
    progress = [line for line in lines if "x real time, ETA" in line]
    assert progress and all(line.startswith("birdscan: ") and "\x1b" not in line and "\r" not in line for line in lines)
    assert all(line.startswith("birdscan: ") and " files done, " in line for line in progress) and "birdscan: done: 3 files" in r.stderr
    assert f"birdscan: wrote {out / 'detections.csv'}, {out / 'run.json'}, {out / 'raven'}/ (Raven tables)" in r.stderr
    assert "birdscan: scanning" not in CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(out / "d2.csv"),
                                                                 "-q", "--device", "cpu"]).stderr


def test_ctrl_c_says_how_to_resume(tmp_path, monkeypatch):
    import birdscan.detect.pipeline as pipeline

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "scan", interrupted)
    r = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "d.csv")])
    assert r.exit_code == 130 and "run the same command with --resume to go on" in r.stderr


def test_in_cli_words_rewrites_keywords_not_paths():
    import click

    from birdscan.cli import in_cli_words

    def words(cmd, text):
        return in_cli_words(text, click.Context(main.commands[cmd], info_name=cmd))

    assert words("run", "resume=True needs out=: the journal") == "--resume needs --out: the journal"
    assert words("run", "cannot write /data/out: Permission denied") == "cannot write /data/out: Permission denied"
    assert words("train", "val_units: units ['unit09'] are not in the data") == "--val-units: units ['unit09'] are not in the data"
    assert words("clips", "out_dir='c' exists and is not a folder") == "--out 'c' exists and is not a folder"
    assert in_cli_words("hop=0 must be positive", None) == "hop=0 must be positive"  # Python callers keep keyword names


# ------------------------------------------------------- every command through CliRunner
CALL_TIMES = [1.5, 4.2]


def invoke(*args, code: int = 0) -> str:
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, write_tone_file):
    """A recording with two calls, scanned from the command line with a windows table."""
    root = tmp_path_factory.mktemp("cli")
    write_tone_file((root / "rec").mkdir() or root / "rec" / "a.wav", 24000, 6.0, CALL_TIMES)
    invoke("run", root / "rec", "--out", root / "out" / "detections.csv", "--windows", root / "out" / "windows.csv.gz",
           "--device", "cpu", "-q")
    pd.DataFrame({"file": "a.wav", "start_s": [t - 0.07 for t in CALL_TIMES],
                  "end_s": [t + 0.07 for t in CALL_TIMES]}).to_csv(root / "ref.csv", index=False)
    return root


def test_cli_evaluate(scanned):
    det, win = scanned / "out" / "detections.csv", scanned / "out" / "windows.csv.gz"
    out = invoke("evaluate", det, "-r", scanned / "ref.csv", "--windows", win, "--pr-plot", scanned / "pr.png",
                 "--json", scanned / "ev.json")
    assert "overall" in out and "AUPRC" in out and (scanned / "pr.png").read_bytes()[:4] == b"\x89PNG"
    result = json.loads((scanned / "ev.json").read_text())
    assert result["overall"]["n_reference"] == 2 and result["overall"]["tp"] == 2
    assert json.loads(invoke("evaluate", det, "-r", scanned / "ref.csv", "--json", "-"))["overall"]["tp"] == 2
    assert "--pr-plot needs --windows" in invoke("evaluate", det, "-r", scanned / "ref.csv", "--pr-plot", scanned / "x.png", code=2)


def test_cli_plot(scanned):
    det = scanned / "out" / "detections.csv"
    assert "wrote" in invoke("plot", det, "--out", scanned / "activity.png", "--interval", "1")
    invoke("plot", det, "--windows", scanned / "out" / "windows.csv.gz", "--start", 0, "--end", 6, "--out", scanned / "trace.png")
    for name in ("activity.png", "trace.png"):
        assert (scanned / name).read_bytes()[:4] == b"\x89PNG"
    out = invoke("plot", det, "--interval", "soon", "--out", scanned / "x.png", code=1)
    assert "interval" in out and not (scanned / "x.png").exists()


def test_cli_clips(scanned):
    out = invoke("clips", scanned / "out" / "detections.csv", "--out", scanned / "clips", "--max-clips", 1)
    assert out.startswith("wrote 1 clips") and len(list((scanned / "clips").glob("*.wav"))) == 1
    assert "--pad -1.0 must be" in invoke("clips", scanned / "out" / "detections.csv", "--out", scanned / "c2", "--pad", -1, code=1)


def test_cli_evaluate_clips(tmp_path, write_toy_units):
    write_toy_units(tmp_path / "bv", units=("unit01",), clips=8)
    m = json.loads(invoke("evaluate-clips", "--data", tmp_path / "bv", "--device", "cpu", "--json"))
    assert m["clips"] == 8 and m["positives"] == 4 and m["units"] == ["unit01"] and 0 <= m["auprc"] <= 1
    assert "auprc" in invoke("evaluate-clips", "--data", tmp_path / "bv", "--units", "unit01", "--device", "cpu")
    assert "unit09" in invoke("evaluate-clips", "--data", tmp_path / "bv", "--units", "unit09", code=1)


def test_cli_synth_recording(tmp_path):
    out = invoke("synth", tmp_path / "r.wav", "--kind", "recording", "--duration", 5, "--calls-per-minute", 30)
    assert out.startswith(f"wrote {tmp_path / 'r.wav'}") and (tmp_path / "r.truth.csv").is_file()
    assert "duration" in invoke("synth", tmp_path / "s.wav", "--kind", "recording", "--duration", -1, code=1)
