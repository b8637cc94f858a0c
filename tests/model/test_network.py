"""birdscan.model.network: a dense scan gives exactly the window-by-window outputs, for every
architecture, frontend and head; the folded inference model too."""

import pytest
import torch

from birdscan.errors import ModelError
from birdscan.model import Detector, ModelConfig, for_inference, load_model, save_checkpoint


@pytest.mark.parametrize("cfg", [ModelConfig(channels=(4, 8, 8)), ModelConfig(frontend="logmel", channels=(4, 8, 8)),
                                 ModelConfig(arch="baseline", channels=(4, 8, 8)),
                                 ModelConfig(channels=(4, 8, 8), freq_head=True, bg_stats=True)])
def test_dense_scan_equals_window_by_window(cfg):
    torch.manual_seed(0)
    m = Detector(cfg).eval()
    with torch.no_grad():  # give batch-norm non-trivial running statistics
        for mod in m.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                mod.running_mean.uniform_(-1, 1)
                mod.running_var.uniform_(0.5, 2)
    x = torch.randn(3, 12000 + 1200 * 30)
    with torch.no_grad():
        dense = m.scan(x, 31)
        dense2 = m.scan(x, 16, hop=2400)
        single = torch.stack([m(x[:, i * 1200 : i * 1200 + 12000]) for i in range(31)], 1)
    torch.testing.assert_close(dense, single, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(dense2, single[:, ::2], atol=1e-4, rtol=1e-4)
    fast = for_inference(m)
    with torch.no_grad():
        torch.testing.assert_close(fast.scan(x, 31), single, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(fast(x[:, 1200:13200]), single[:, 1], atol=1e-4, rtol=1e-4)


def test_scan_hop_must_be_a_multiple_of_the_trunk_stride():
    m = Detector(ModelConfig(channels=(4, 8, 8))).eval()
    with pytest.raises(ModelError, match="multiple of 1200"):
        m.scan(torch.zeros(1, 20000), 2, hop=600)


def test_every_head_is_exact_in_a_dense_scan_and_old_checkpoints_load(tmp_path):
    """The frequency head and the background statistics: one window, one answer (DESIGN.md),
    and a checkpoint made without them still loads and scans, with no frequency."""
    torch.manual_seed(1)
    m = Detector(ModelConfig(channels=(4, 8, 8), freq_head=True, bg_stats=True)).eval()
    x = torch.randn(2, 12000 + 1200 * 20)
    with torch.no_grad():
        logits, freq = m.scan_all(x, 21)
        single = [m.forward_all(x[:, i * 1200: i * 1200 + 12000]) for i in range(21)]
    torch.testing.assert_close(logits, torch.stack([s[0] for s in single], 1), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(freq, torch.stack([s[1] for s in single], 1), atol=1e-4, rtol=1e-4)
    plain = Detector(ModelConfig(channels=(4, 8, 8)))
    path = save_checkpoint(tmp_path / "plain.pt", plain)
    loaded = load_model(path, inference=True)
    with torch.no_grad():
        assert loaded.scan_all(x, 21)[1] is None and loaded.scan_all(x, 21)[0].shape == (2, 21)
