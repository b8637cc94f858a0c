"""The default model shipped in models/: metadata and a detection at the right time."""

import numpy as np
import pytest
import soundfile as sf

from birdscan import __version__
from birdscan.detect.pipeline import scan
from birdscan.model import ModelConfig, default_model_path, file_sha256, read_checkpoint
from birdscan.synth.compose import synth_background, synth_call


def test_checkpoint_metadata():
    path = default_model_path()
    ck = read_checkpoint(path)
    cfg = ModelConfig.from_dict(ck["config"])
    assert (cfg.sample_rate, cfg.window, cfg.hop) == (24000, 12000, 1200)
    assert ck["birdscan_version"] == __version__
    train = ck["train"]
    assert train["command"].startswith("birdscan train")
    assert train["metrics"]["auprc"] > 0.9
    assert path.stat().st_size < 5_000_000
    assert len(file_sha256(path)) == 64


@pytest.mark.parametrize("kind,sr", [("thrush", 24000), ("high", 44100)])
def test_detects_a_generated_call_at_the_right_time(tmp_path, kind, sr):
    rng = np.random.default_rng(7)
    x = synth_background(rng, 8 * sr, sr)
    call, info = synth_call(rng, sr, kind=kind)
    centre = 5.3
    a = int(centre * sr) - len(call) // 2
    x[a : a + len(call)] += call * 8 * np.sqrt(np.mean(x**2)) / np.sqrt(np.mean(call**2))
    sf.write(tmp_path / "night.wav", x / np.abs(x).max() * 0.5, sr)
    res = scan([tmp_path / "night.wav"], device="cpu")
    det = res.detections
    hits = det[(det.peak_s - centre).abs() <= 0.25]
    assert len(hits) == 1, det
    assert len(det) - len(hits) <= 1
