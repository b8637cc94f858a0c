"""birdscan.cli.progress: plain progress lines when stderr is no terminal (a SLURM log)."""

from click.testing import CliRunner

from birdscan.cli import main


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
