"""birdscan.model.frontend: the mel filterbank, and features of a window that depend on its own samples
only (frames not centred, PCEN's smoother causal inside the window)."""

import math

import torch

from birdscan.model import ModelConfig
from birdscan.model.frontend import Frontend, mel_filterbank


def test_mel_filterbank_covers_fmin_to_fmax_with_bands_in_order():
    fb = mel_filterbank(512, 24000, 48, 1000.0, 11000.0)
    assert fb.shape == (257, 48) and fb.dtype == torch.float32 and (fb >= 0).all()
    assert math.isclose(float(fb.sum(0).mean()), 1.0, rel_tol=1e-6)  # mean total weight of a band is 1
    bin_hz = 24000 / 512
    assert (fb[: math.ceil(1000 / bin_hz)] == 0).all() and (fb[math.floor(11000 / bin_hz) + 1:] == 0).all()
    peaks = fb.argmax(0)
    assert (peaks[1:] >= peaks[:-1]).all() and peaks[-1] > peaks[0]  # low bands first
    assert (torch.diff(peaks)[-10:] > torch.diff(peaks)[:10].max()).all()  # wider apart up high (mel scale)


def test_a_tone_peaks_in_its_band():
    cfg = ModelConfig(frontend="logmel")
    fe = Frontend(cfg).eval()
    t = torch.arange(12000) / 24000
    _, logmel = fe.features(torch.sin(2 * math.pi * 3000 * t)[None])
    band = int(logmel[0].mean(1).argmax())
    assert int(fe.mel[round(3000 / (24000 / 512))].argmax()) == band  # the band whose filter peaks nearest 3 kHz


def test_shapes_buffers_and_float32_under_autocast():
    x = torch.randn(2, 12000)
    pcen, logmel = Frontend(ModelConfig()).eval(), Frontend(ModelConfig(frontend="logmel")).eval()
    assert pcen(x).shape == (2, 1, 48, 77 - 7) and logmel(x).shape == (2, 1, 48, 77)
    feats, plain = pcen.features(x)
    assert plain.shape == (2, 48, 77)
    assert {"window", "mel"} <= set(dict(pcen.named_buffers()))  # saved with the weights
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert pcen(x).dtype == torch.float32


def test_features_of_a_window_depend_on_its_own_samples_only():
    torch.manual_seed(0)
    fe = Frontend(ModelConfig()).eval()
    with torch.no_grad():  # non-trivial batch-norm statistics
        fe.norm.running_mean.uniform_(-1, 1)
        fe.norm.running_var.uniform_(0.5, 2)
    x = torch.randn(1, 12000 + 1200)
    long = fe(x)
    torch.testing.assert_close(fe(x[:, :12000]), long[..., :70], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fe(x[:, 1200:]), long[..., 8:78], rtol=1e-5, atol=1e-5)  # one hop = 8 frames later
