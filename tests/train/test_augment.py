"""birdscan.train.augment (beyond tests/test_train.py): plain-type settings, option checks, and the
single transforms: identity when all are off, polarity, noise at its level, pitch factors."""

from __future__ import annotations

import json

import pytest
import torch

from birdscan.errors import ParameterError
from birdscan.train.augment import Augment

OFF = dict(pitch=0, polarity=False, mix_prob=0, bandstop_prob=0, noise_prob=0, gain_db=0)


def test_settings_as_plain_types_rebuild_the_same_augment():
    a = Augment(pitch=0.02, mix_db=(-12, -3))
    d = a.to_dict()
    assert d["mix_db"] == [-12.0, -3.0] and d["band"] == [1000.0, 11000.0] and d["sample_rate"] == 24000
    assert json.loads(json.dumps(d)) == d and Augment(**d) == a


@pytest.mark.parametrize("kw, message", [
    ({"pitch": 0.5}, "augment pitch=0.5 must be in [0, 0.5)"),
    ({"time_shift": -1}, "time_shift=-1 and gain_db=12.0 must be >= 0"),
    ({"noise_prob": -0.1}, "augment noise_prob=-0.1 must be a probability in [0, 1]"),
    ({"band": (1000, 1500)}, "augment band=(1000.0, 1500.0) Hz must fit a 1000.0 Hz stop band below Nyquist"),
    ({"band": (1000, 13000)}, "augment band=(1000.0, 13000.0) Hz must fit a 1000.0 Hz stop band below Nyquist"),
])
def test_bad_settings_are_named(kw, message):
    with pytest.raises(ParameterError) as e:
        Augment(**kw)
    assert str(e.value) == message


def test_every_transform_off_is_the_identity_and_the_input_is_never_changed():
    x = torch.randn(4, 12000)
    before = x.clone()
    out, factor = Augment(**OFF)(x, torch.tensor([0.0, 1.0, 0.0, 1.0]), torch.Generator().manual_seed(0), return_factor=True)
    assert torch.equal(out, before) and torch.equal(factor, torch.ones(4))
    Augment()(x, torch.tensor([0.0, 1.0, 0.0, 1.0]), torch.Generator().manual_seed(0))
    assert torch.equal(x, before)


def test_polarity_flips_whole_clips():
    x = torch.randn(64, 12000)
    out = Augment(**{**OFF, "polarity": True})(x, torch.zeros(64), torch.Generator().manual_seed(1))
    flipped = torch.tensor([torch.equal(o, -c) for o, c in zip(out, x)])
    kept = torch.tensor([torch.equal(o, c) for o, c in zip(out, x)])
    assert (flipped ^ kept).all() and 16 < int(flipped.sum()) < 48


def test_noise_is_added_at_its_level_relative_to_the_clip():
    x = torch.randn(8, 12000) * torch.linspace(0.01, 1.0, 8)[:, None]
    out = Augment(**{**OFF, "noise_prob": 1.0, "noise_db": (-20.0, -20.0)})(x, torch.zeros(8), torch.Generator().manual_seed(2))
    rms = lambda t: t.square().mean(1).sqrt()  # noqa: E731
    torch.testing.assert_close(rms(out - x) / rms(x), torch.full((8,), 0.1), rtol=1e-3, atol=0)


def test_pitch_factors_are_drawn_within_the_range():
    _, factor = Augment(**{**OFF, "pitch": 0.04})(torch.randn(256, 12000), torch.zeros(256), torch.Generator().manual_seed(3),
                                                  return_factor=True)
    assert factor.shape == (256,) and 0.96 <= float(factor.min()) < 0.97 and 1.03 < float(factor.max()) <= 1.04
