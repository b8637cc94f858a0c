"""birdscan.cli.common: the ``birdscan`` group (installed console script, ``python -m birdscan``)
and library errors in the words of the command line."""

import subprocess
import sys

from click.testing import CliRunner

from birdscan.cli import main


def test_installed_console_script_help():
    out = subprocess.run(["birdscan", "--help"], capture_output=True, text=True, check=True).stdout
    for cmd in ("run", "train", "synth", "evaluate", "evaluate-clips", "plot", "clips", "merge"):
        assert cmd in out
    out = subprocess.run([sys.executable, "-m", "birdscan", "run", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--threshold" in out and "--windows" in out and "--resume" in out and "--shard" in out


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
