"""birdscan.model.checkpoint: checkpoints round-trip, are never unpickled, name what does not match,
carry a recommended threshold, and are refused past sane bounds or with NaN weights; the shipped
default model is there."""

import pytest
import torch

from birdscan.detect.pipeline import scan
from birdscan.errors import ModelError
from birdscan.model import (Detector, ModelConfig, cpu_state, default_model_path, load_model, read_checkpoint,
                            save_checkpoint)


def test_checkpoint_roundtrip(tmp_path):
    m = Detector(ModelConfig(channels=(4, 8, 8))).eval()
    p = save_checkpoint(tmp_path / "m.pt", m, train={"epochs": 1})
    ck = read_checkpoint(p)
    assert ck["format"] == 1 and ck["config"]["channels"] == [4, 8, 8] and ck["train"] == {"epochs": 1}
    m2 = load_model(p)
    x = torch.randn(2, 12000)
    with torch.no_grad():
        torch.testing.assert_close(m(x), m2(x))


def test_cpu_state_is_a_copy_that_later_steps_do_not_change():
    m = Detector(ModelConfig(channels=(4, 8, 8)))
    state = cpu_state(m)
    assert state.keys() == m.state_dict().keys()
    before = {k: v.clone() for k, v in state.items()}
    with torch.no_grad():
        for p in m.parameters():
            p.add_(1.0)
    assert all(torch.equal(state[k], before[k]) for k in state)
    assert not any(v.requires_grad for v in state.values())


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


def test_default_model_is_shipped():
    assert default_model_path().is_file()


KW = dict(device="cpu", workers=0)


def test_checkpoints_past_sane_bounds_or_with_nan_weights_are_refused(tmp_path, write_tone_file):
    with pytest.raises(ModelError, match=r"channels=\[4096, 4096\]: each must be within 1..512"):
        ModelConfig(channels=(4096, 4096))
    p = save_checkpoint(tmp_path / "m.pt", Detector(ModelConfig()))
    ckpt = read_checkpoint(p)
    ckpt["config"]["hidden"] = 10**9  # would ask for gigabytes
    torch.save(ckpt, tmp_path / "huge.pt")
    write_tone_file(tmp_path / "a.wav", 24000, 1.0)
    with pytest.raises(ModelError, match=r"hidden=1000000000 is outside 1..2048"):
        scan([tmp_path / "a.wav"], model=tmp_path / "huge.pt", **KW)
    ckpt = read_checkpoint(p)
    for v in ckpt["state_dict"].values():
        if v.is_floating_point():
            v.fill_(float("nan"))
    torch.save(ckpt, tmp_path / "nan.pt")
    with pytest.raises(ModelError, match=r"nan\.pt: the weights hold NaN or infinite values"):
        scan([tmp_path / "a.wav"], model=tmp_path / "nan.pt", **KW)
