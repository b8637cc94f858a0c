"""birdscan.detect.run: one run's per-file outcome: warnings for silence, NaN samples and low rates,
and a file whose scores are not finite fails alone while the run goes on."""

import json

import numpy as np
import pandas as pd
import soundfile as sf

from birdscan.detect.pipeline import scan


KW = dict(device="cpu", workers=0)


def test_silence_nan_and_low_rates_are_warned(tmp_path, write_tone_file):
    sf.write(tmp_path / "silent.wav", np.zeros(24000, np.float32), 24000)
    sf.write(tmp_path / "allnan.wav", np.full(24000, np.nan, np.float32), 24000, subtype="FLOAT")
    write_tone_file(tmp_path / "low.wav", 4000, 2.0)
    res = scan([tmp_path], **KW)
    warn = {f.rec.rel: " ".join(f.warnings) for f in res.files}
    assert "digital silence" in warn["silent.wav"]
    assert "every sample is NaN or infinite" in warn["allnan.wav"]
    assert "sampled at 4000 Hz" in warn["low.wav"]
    assert all(f.status == "ok" for f in res.files) and res.manifest["summary"]["warnings"] == 3


def test_non_finite_scores_fail_that_file_and_the_run_goes_on(tmp_path, write_tone_file):
    from click.testing import CliRunner

    from birdscan.cli import main

    rec = tmp_path / "rec"
    rec.mkdir()
    write_tone_file(rec / "a.wav", 24000, 3.0, [1.5])
    huge = np.random.default_rng(0).standard_normal(48000).astype(np.float32) * np.float32(1e30)
    sf.write(rec / "b_huge.wav", huge, 24000, subtype="FLOAT")  # finite samples, but too large to compute with
    write_tone_file(rec / "c.wav", 24000, 3.0, [1.5])
    r = CliRunner().invoke(main, ["run", str(rec), "--out", str(tmp_path / "o/detections.csv"), "--device", "cpu", "-q"])
    assert r.exit_code == 1, r.output
    files = {f["file"]: f for f in json.loads((tmp_path / "o/run.json").read_text())["files"]}
    assert files["a.wav"]["status"] == files["c.wav"]["status"] == "ok"
    assert files["b_huge.wav"]["status"] == "error"
    assert files["b_huge.wav"]["error"].startswith(f"{rec / 'b_huge.wav'}: the model (")
    assert "returned non-finite scores for 31 of 31 windows" in files["b_huge.wav"]["error"]
    assert set(pd.read_csv(tmp_path / "o/detections.csv")["file"]) == {"a.wav", "c.wav"}


def test_non_finite_frequency_estimates_fail_the_file_too(tmp_path, monkeypatch, write_tone_file):
    from birdscan.detect.infer import Scanner

    write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    sf.write(tmp_path / "b_loud.wav", np.full(24000, 0.95, np.float32), 24000)
    real = Scanner._probs

    def probs(self, x, n):
        out = real(self, x, n)
        assert out.ndim == 3  # the shipped model has a frequency head
        out[np.abs(x).max(axis=1) > 0.9, :, 1] = np.nan  # frequency estimates of b_loud.wav only
        return out

    monkeypatch.setattr(Scanner, "_probs", probs)
    res = scan([tmp_path], **KW)
    assert [f.status for f in res.files] == ["ok", "error"]
    assert res.files[1].error.startswith(f"{tmp_path / 'b_loud.wav'}: the model") and "non-finite scores" in res.files[1].error
