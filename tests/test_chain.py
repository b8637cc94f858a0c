"""Integration (issue "train"): synth -> train -> run from the command line, as a user would; exercises
birdscan.cli, synth.compose, synth.recording, train.loop and detect.pipeline together."""

import pandas as pd
from click.testing import CliRunner

from birdscan.cli import main


def invoke(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


def test_synth_train_run_finds_the_generated_calls(tmp_path):
    data = tmp_path / "bv70k"
    invoke("synth", data, "--clips-per-unit", 400, "--units", "unit01,unit02,unit03", "--seed", 1)
    assert sorted(p.name for p in data.iterdir()) == [f"BirdVox-70k_unit0{i}.hdf5" for i in (1, 2, 3)]
    out = invoke("train", "--data", data, "--out", tmp_path / "m.pt", "--epochs", 4, "--channels", "8,16,16",
                 "--batch-size", 64, "--seed", 0)  # with the progress display (plain lines: not a terminal)
    assert "AUPRC" in out and "best epoch" in out and (tmp_path / "m.metrics.jsonl").exists() and (tmp_path / "m.curves.png").exists()
    rec = tmp_path / "night" / "rec.flac"
    invoke("synth", rec, "--kind", "recording", "--duration", 120, "--sample-rate", 22050, "--calls-per-minute", 10, "--seed", 5)
    invoke("run", rec.parent, "--model", tmp_path / "m.pt", "--out", tmp_path / "det.csv", "-q")
    truth = pd.read_csv(rec.with_suffix(".truth.csv"))
    det = pd.read_csv(tmp_path / "det.csv")
    found = sum((det.peak_s - c).abs().min() <= 0.25 for c in truth.centre_s) if len(det) else 0
    assert found >= 0.5 * len(truth), (found, len(truth), det)
