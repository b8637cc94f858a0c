"""birdscan.cli.review: ``birdscan evaluate``, ``plot`` and ``clips`` through click's CliRunner; the
evaluation summary fits 80 columns."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from birdscan.cli import main

CENTRES = np.array([10.0, 20.5, 31.2, 45.0, 60.3])


CALL_TIMES = [1.5, 4.2]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, write_tone_file, invoke):
    """A recording with two calls, scanned from the command line with a windows table."""
    root = tmp_path_factory.mktemp("cli")
    write_tone_file((root / "rec").mkdir() or root / "rec" / "a.wav", 24000, 6.0, CALL_TIMES)
    invoke("run", root / "rec", "--out", root / "out" / "detections.csv", "--windows", root / "out" / "windows.csv.gz",
           "--device", "cpu", "-q")
    pd.DataFrame({"file": "a.wav", "start_s": [t - 0.07 for t in CALL_TIMES],
                  "end_s": [t + 0.07 for t in CALL_TIMES]}).to_csv(root / "ref.csv", index=False)
    return root


def test_cli_evaluate(scanned, invoke):
    det, win = scanned / "out" / "detections.csv", scanned / "out" / "windows.csv.gz"
    out = invoke("evaluate", det, "-r", scanned / "ref.csv", "--windows", win, "--pr-plot", scanned / "pr.png",
                 "--json", scanned / "ev.json")
    assert "overall" in out and "AUPRC" in out and (scanned / "pr.png").read_bytes()[:4] == b"\x89PNG"
    result = json.loads((scanned / "ev.json").read_text())
    assert result["overall"]["n_reference"] == 2 and result["overall"]["tp"] == 2
    assert json.loads(invoke("evaluate", det, "-r", scanned / "ref.csv", "--json", "-"))["overall"]["tp"] == 2
    assert "--pr-plot needs --windows" in invoke("evaluate", det, "-r", scanned / "ref.csv", "--pr-plot", scanned / "x.png", code=2)


def test_cli_plot(scanned, invoke):
    det = scanned / "out" / "detections.csv"
    assert "wrote" in invoke("plot", det, "--out", scanned / "activity.png", "--interval", "1")
    invoke("plot", det, "--windows", scanned / "out" / "windows.csv.gz", "--start", 0, "--end", 6, "--out", scanned / "trace.png")
    for name in ("activity.png", "trace.png"):
        assert (scanned / name).read_bytes()[:4] == b"\x89PNG"
    out = invoke("plot", det, "--interval", "soon", "--out", scanned / "x.png", code=1)
    assert "interval" in out and not (scanned / "x.png").exists()


def test_cli_clips(scanned, invoke):
    out = invoke("clips", scanned / "out" / "detections.csv", "--out", scanned / "clips", "--max-clips", 1)
    assert out.startswith("wrote 1 clips") and len(list((scanned / "clips").glob("*.wav"))) == 1
    assert "--pad -1.0 must be" in invoke("clips", scanned / "out" / "detections.csv", "--out", scanned / "c2", "--pad", -1, code=1)


def test_cli_summary_fits_80_columns_and_warns(night, tmp_path):
    det, refs = night
    long = refs / ("a_very_long_recording_name_from_a_recorder_in_the_jura_" * 2 + "x.txt")
    long.write_text("1\t2\tcall\n")
    r = CliRunner().invoke(main, ["evaluate", str(det), "-r", str(refs), "--json", str(tmp_path / "e.json")],
                                           env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output + r.stderr
    lines = r.stdout.splitlines()
    assert max(map(len, lines)) <= 80, "\n".join(lines)
    overall = next(line for line in lines if line.strip().startswith("overall"))
    assert overall.split()[1:8] == ["7", "7", "2", "5", "5", "0.286", "0.286"]  # ref det tp fp fn prec recall
    assert "warning: 2 reference(s) match no recording of the run" in r.stderr
    assert json.loads((tmp_path / "e.json").read_text())["warnings"][0].startswith("2 reference(s)")
    r = CliRunner().invoke(main, ["evaluate", str(det), "-r", str(refs), "--strict"])
    assert r.exit_code == 1 and "(strict)" in r.stderr and "Traceback" not in r.stderr


def test_cli_summary_shows_frequency_columns_within_80(tmp_path, write_detections):
    truth = np.array([3000.0, 3000.0, 7000.0, 7000.0, 4800.0])
    ref = tmp_path / "BirdVox-full-night_csv-annotations_unit03.csv"
    ref.write_text("Time (s),Freq (Hz)\n" + "".join(f"{c},{f}\n" for c, f in zip(CENTRES, truth)))
    det = write_detections(tmp_path / "det.csv", {"peak_s": CENTRES,
                                               "freq_hz": truth * 2 ** (np.array([0.0, 1.0, -2.0, 0.5, 1.0]) / 12)})
    r = CliRunner().invoke(main, ["evaluate", str(det), "-r", str(ref), "--type-boundary", "5000"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    table = r.stdout.split("\nref/det")[0].splitlines()
    assert max(map(len, table)) <= 80 and table[1].split()[-2:] == ["err", "type"]
    assert next(line for line in table if line.startswith("overall")).split()[-2:] == ["1.00", "80%"]
    assert "median error 1.00 semitones" in r.stdout
