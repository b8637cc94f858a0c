"""birdscan.model.config: what a model configuration may be, its time grid, and its plain-type form."""

import pytest

from birdscan.errors import ModelError
from birdscan.model import ModelConfig


def test_bad_config():
    with pytest.raises(ModelError, match="frontend='mfcc'"):
        ModelConfig(frontend="mfcc")
    with pytest.raises(ModelError, match="must divide hop"):
        ModelConfig(frame_hop=160)


@pytest.mark.parametrize("kw, message", [
    ({"hidden": 0}, "bad model config: hidden=0 is outside 1..2048"),
    ({"dropout": True}, "bad model config: dropout=True is outside 0.0..1.0"),
    ({"channels": ()}, "bad model config: n_channels=0 is outside 1..6"),
    ({"hidden": 0, "n_mels": 300}, "bad model config: n_mels=300 is outside 1..256; hidden=0 is outside 1..2048"),
    ({"fmax": 13000}, "bad model config: need 0 < fmin=1000.0 < fmax=13000 <= sample_rate/2"),
    ({"arch": "resnet"}, "bad model config: arch='resnet' must be one of ('birdscan', 'baseline')"),
    ({"channels": (4,) * 6}, "bad model config: trunk stride 64 frames must divide hop/frame_hop=8; "
                             "the network's receptive field is longer than one window"),
])
def test_every_problem_is_named_in_one_message(kw, message):
    with pytest.raises(ModelError) as e:
        ModelConfig(**kw)
    assert str(e.value) == message


def test_time_grid_of_the_default_config():
    c = ModelConfig()
    assert (c.sample_rate, c.window, c.hop) == (24000, 12000, 1200)
    assert c.frames(12000) == (12000 - 512) // 150 + 1 == 77  # frames are not centred
    assert (c.stride_frames, c.stride_samples) == (8, 1200)  # three 2x2 max-pools of 150-sample frames
    # 77 frames, 7 fewer after PCEN's 8-frame smoother, then per block two valid 3x3 convs (-4) and a pool
    assert c.trunk_frames(12000) == ((((77 - 7) - 4) // 2 - 4) // 2 - 4) // 2 == 5
    assert ModelConfig(frontend="logmel").trunk_frames(12000) == 6
    assert ModelConfig(arch="baseline").trunk_frames(12000) == 7  # one conv per block


def test_plain_types_round_trip():
    c = ModelConfig(channels=[4, 8, 8], freq_head=True)
    assert c.channels == (4, 8, 8)
    d = c.to_dict()
    assert d["channels"] == [4, 8, 8] and d["freq_head"] is True and ModelConfig.from_dict(d) == c
    with pytest.raises(ModelError, match=r"model config has keys this birdscan does not know: \['new_knob'\]"):
        ModelConfig.from_dict({**d, "new_knob": 1})
