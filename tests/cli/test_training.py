"""birdscan.cli.training: ``birdscan train``, ``evaluate-clips`` and ``synth`` through click's CliRunner."""

import json


def test_cli_evaluate_clips(tmp_path, write_toy_units, invoke):
    write_toy_units(tmp_path / "bv", units=("unit01",), clips=8)
    m = json.loads(invoke("evaluate-clips", "--data", tmp_path / "bv", "--device", "cpu", "--json"))
    assert m["clips"] == 8 and m["positives"] == 4 and m["units"] == ["unit01"] and 0 <= m["auprc"] <= 1
    assert "auprc" in invoke("evaluate-clips", "--data", tmp_path / "bv", "--units", "unit01", "--device", "cpu")
    assert "unit09" in invoke("evaluate-clips", "--data", tmp_path / "bv", "--units", "unit09", code=1)


def test_cli_synth_recording(tmp_path, invoke):
    out = invoke("synth", tmp_path / "r.wav", "--kind", "recording", "--duration", 5, "--calls-per-minute", 30)
    assert out.startswith(f"wrote {tmp_path / 'r.wav'}") and (tmp_path / "r.truth.csv").is_file()
    assert "duration" in invoke("synth", tmp_path / "s.wav", "--kind", "recording", "--duration", -1, code=1)


def test_cli_train(tmp_path, write_toy_units, invoke):
    from birdscan.model import read_checkpoint

    write_toy_units(tmp_path / "bv", units=("unit01", "unit02"), clips=16)
    base = ["train", "--data", tmp_path / "bv", "--channels", "4,8,8", "--batch-size", 8, "--device", "cpu", "-q"]
    out = invoke(*base, "--out", tmp_path / "m.pt", "--epochs", 1)
    assert out.startswith("best epoch 1: val accuracy ") and f"wrote {tmp_path / 'm.pt'}" in out
    assert read_checkpoint(tmp_path / "m.pt")["detect"] == {} and "recommended threshold" not in out  # none reached
    assert (tmp_path / "m.pt").is_file() and len((tmp_path / "m.metrics.jsonl").read_text().splitlines()) == 1
    # unaugmented, three epochs reach a threshold of 90% precision on the toy clips
    out = invoke(*base, "--out", tmp_path / "m3.pt", "--epochs", 3, "--no-augment")
    detect = read_checkpoint(tmp_path / "m3.pt")["detect"]  # the recommended threshold is said, not only stored
    assert detect and out.endswith(f"\nrecommended threshold {detect['threshold']}: {detect['note']}\n")
    out = invoke(*base, "--out", tmp_path / "m.pt", "--epochs", 1, code=1)
    assert "m.pt exists; pass --overwrite to replace it" in out
    out = invoke(*base, "--out", tmp_path / "n.pt", "--epochs", 0, code=1)
    assert "--epochs 0 must be >= 1" in out and not (tmp_path / "n.pt").exists()


def test_cli_train_passes_amp_the_frequency_loss_weight_and_the_weight_average(tmp_path, write_toy_units, invoke):
    import torch

    from birdscan.model import read_checkpoint

    write_toy_units(tmp_path / "bv", units=("unit01", "unit02"), clips=16)
    base = ["train", "--data", tmp_path / "bv", "--channels", "4,8,8", "--batch-size", 8, "--device", "cpu", "-q",
            "--epochs", 1]
    invoke(*base, "--out", tmp_path / "a.pt", "--no-amp", "--freq-weight", 0)
    args = read_checkpoint(tmp_path / "a.pt")["train"]["arguments"]
    assert args["runtime"]["amp"] is False and args["fit"]["freq_weight"] == 0.0
    invoke(*base, "--out", tmp_path / "b.pt")
    args = read_checkpoint(tmp_path / "b.pt")["train"]["arguments"]
    assert args["runtime"]["amp"] is True and args["fit"]["freq_weight"] == 1.0
    # with the frequency loss off, the frequency head keeps its initial weights
    a, b = read_checkpoint(tmp_path / "a.pt")["state_dict"], read_checkpoint(tmp_path / "b.pt")["state_dict"]
    assert not torch.equal(a["freq.weight"], b["freq.weight"])
    assert "--freq-weight -1.0 must be >= 0" in invoke(*base, "--out", tmp_path / "c.pt", "--freq-weight", -1, code=1)
    assert args["fit"]["ema"] == 0.0
    invoke(*base, "--out", tmp_path / "d.pt", "--ema", 0.5)
    assert read_checkpoint(tmp_path / "d.pt")["train"]["arguments"]["fit"]["ema"] == 0.5
    assert "--ema 1.0 must be >= 0 and < 1" in invoke(*base, "--out", tmp_path / "e.pt", "--ema", 1, code=1)
