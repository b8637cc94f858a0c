import pytest
import torch

from birdscan.errors import ModelError
from birdscan.model import Detector, ModelConfig, for_inference, load_model, read_checkpoint, save_checkpoint


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


def test_bad_config_and_hop():
    with pytest.raises(ModelError, match="frontend='mfcc'"):
        ModelConfig(frontend="mfcc")
    with pytest.raises(ModelError, match="must divide hop"):
        ModelConfig(frame_hop=160)
    m = Detector(ModelConfig(channels=(4, 8, 8))).eval()
    with pytest.raises(ModelError, match="multiple of 1200"):
        m.scan(torch.zeros(1, 20000), 2, hop=600)


def test_checkpoint_roundtrip(tmp_path):
    m = Detector(ModelConfig(channels=(4, 8, 8))).eval()
    p = save_checkpoint(tmp_path / "m.pt", m, train={"epochs": 1})
    ck = read_checkpoint(p)
    assert ck["format"] == 1 and ck["config"]["channels"] == [4, 8, 8] and ck["train"] == {"epochs": 1}
    m2 = load_model(p)
    x = torch.randn(2, 12000)
    with torch.no_grad():
        torch.testing.assert_close(m(x), m2(x))


def test_checkpoint_is_never_unpickled(tmp_path):
    class Evil:
        def __reduce__(self):
            return (exec, ("open(%r, 'w').write('owned')" % str(tmp_path / "owned"),))

    p = tmp_path / "evil.pt"
    torch.save({"format": 1, "x": Evil()}, p)
    with pytest.raises(ModelError, match="not a birdscan model file"):
        load_model(p)
    assert not (tmp_path / "owned").exists()


def test_mismatched_checkpoints(tmp_path):
    m = Detector(ModelConfig(channels=(4, 8, 8)))
    p = save_checkpoint(tmp_path / "m.pt", m)
    ck = torch.load(p, weights_only=True)
    ck["config"]["channels"] = [4, 8, 16]
    torch.save(ck, tmp_path / "bad.pt")
    with pytest.raises(ModelError, match=r"made by birdscan .* does not match"):
        load_model(tmp_path / "bad.pt")
    ck["config"]["new_knob"] = 1
    torch.save(ck, tmp_path / "future.pt")
    with pytest.raises(ModelError, match="does not know: \\['new_knob'\\]"):
        load_model(tmp_path / "future.pt")
    ck["format"] = 2
    torch.save(ck, tmp_path / "v2.pt")
    with pytest.raises(ModelError, match="format 2, this birdscan reads format 1"):
        load_model(tmp_path / "v2.pt")
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "none.pt")


def test_recommended_threshold(tmp_path):
    from birdscan.model import default_threshold, set_threshold

    p = save_checkpoint(tmp_path / "m.pt", Detector(ModelConfig(channels=(4, 8, 8))))
    assert default_threshold(read_checkpoint(p)) == 0.5
    set_threshold(p, 0.8, "chosen on held-out data")
    ck = read_checkpoint(p)
    assert default_threshold(ck) == 0.8 and ck["detect"]["note"] == "chosen on held-out data"
    load_model(p)  # weights untouched
    with pytest.raises(ModelError, match="threshold 1.5 is not a probability"):
        set_threshold(p, 1.5, "bad")


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
