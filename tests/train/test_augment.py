"""birdscan.train.augment (beyond tests/test_train.py): plain-type settings, option checks, and the
single transforms: identity when all are off, polarity, noise at its level, pitch factors, the
low-pass that keeps calls."""

from __future__ import annotations

import json

import pytest
import torch

from birdscan.errors import ParameterError
from birdscan.train.augment import Augment

OFF = dict(pitch=0, polarity=False, mix_prob=0, bandstop_prob=0, noise_prob=0, lowpass_prob=0, gain_db=0)


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
    ({"lowpass_hz": (7000, 13000)}, "augment lowpass_hz=(7000.0, 13000.0) Hz must lie in (0, 12000] Hz (Nyquist)"),
    ({"lowpass_prob": 1.5}, "augment lowpass_prob=1.5 must be a probability in [0, 1]"),
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


def _tone(freq: float, n: int = 12000, sr: int = 24000) -> torch.Tensor:
    return torch.sin(2 * torch.pi * freq * torch.arange(n) / sr)


def test_lowpass_is_a_band_limited_recorder_that_keeps_every_call():
    lowpass = Augment(**{**OFF, "lowpass_prob": 1.0, "lowpass_hz": (7000.0, 7000.0)})
    x = torch.stack([_tone(3000.0) + _tone(9000.0)] * 4)
    y = torch.tensor([0.0, 1.0, 1.0, 1.0])
    out = lowpass(x, y, torch.Generator().manual_seed(0), keep_hz=torch.tensor([0.0, 2900.0, 7000.0, 0.0]))
    spec = torch.fft.rfft(out).abs()
    below, above = spec[:, 3000 // 2], spec[:, 9000 // 2]
    assert (below > 5000).all()  # the thrush band passes everywhere
    assert above[0] < 1e-2 and above[1] < 1e-2  # a negative, and a positive whose call is low, lose 9 kHz
    assert above[2] > 5000  # a call centred at 7 kHz keeps its band up to 9.1 kHz: the cutoff rises to 9.4 kHz
    assert above[3] > 5000  # a positive of unknown frequency is left alone
    torch.testing.assert_close(out[3], x[3], rtol=0, atol=1e-5)
    assert (lowpass(x, y, torch.Generator().manual_seed(0))[1:] - x[1:]).abs().max() < 1e-5  # no keep_hz: positives untouched
    some = Augment(**{**OFF, "lowpass_prob": 0.25})
    hit = torch.fft.rfft(some(torch.stack([_tone(10900.0)] * 400), torch.zeros(400), torch.Generator().manual_seed(1))).abs()
    assert 60 <= int((hit[:, 10900 // 2] < 1000).sum()) <= 140  # about a quarter are filtered


def test_lowpass_follows_a_call_moved_by_the_pitch_change():
    # a 7.6 kHz call (keep 7 kHz before a pitch factor of about 1.08) survives a cutoff drawn at 7 kHz
    aug = Augment(**{**OFF, "pitch": 0.49, "lowpass_prob": 1.0, "lowpass_hz": (7000.0, 7000.0)})
    g = torch.Generator().manual_seed(4)
    x = torch.stack([_tone(7000.0)] * 64)
    out, factor = aug(x, torch.ones(64), g, return_factor=True, keep_hz=torch.full((64,), 7000.0))
    level = out.square().mean(1).sqrt() / x.square().mean(1).sqrt()
    assert float(factor.max()) > 1.36 and float(factor.min()) < 0.7  # 1.36: above 9.4 kHz without the pitch factor
    assert float(level.min()) > 0.8  # every call kept, whether moved up or down


def _band_db(x: torch.Tensor, lo: float, hi: float, sr: int = 24000) -> torch.Tensor:
    spec = torch.fft.rfft(x).abs().square()
    f = torch.fft.rfftfreq(x.shape[-1], 1 / sr)
    return 10 * torch.log10(spec[..., (f >= lo) & (f <= hi)].sum(-1))


def test_loud_beds_are_set_by_the_call_band_and_can_drown_the_rest_of_the_spectrum():
    # a faint 3 kHz call over faint noise; every clip gets a bed at 10 dB under it in its octave
    call = 0.01 * _tone(3000.0) * torch.hann_window(12000) + 1e-4 * torch.randn(12000, generator=torch.Generator().manual_seed(1))
    noise = torch.randn(12000, generator=torch.Generator().manual_seed(0)) * 0.05
    cricket = 0.3 * _tone(4500.0)  # loud, and nothing in the call's octave (2.1-4.2 kHz)
    aug = Augment(**{**OFF, "bed_prob": 1.0, "bed_snr_db": (10.0, 10.0), "bed_max_db": 30.0})
    y = torch.tensor([1.0, 1.0, 0.0])
    keep = torch.tensor([3000.0, 3000.0, 0.0])
    rms = lambda t: t.square().mean(-1).sqrt()  # noqa: E731
    octave = (3000 / 2**0.5, 3000 * 2**0.5)
    # the only negative is broadband noise: each call ends exactly 10 dB over its bed in its octave
    x = torch.stack([call, call, noise])
    bed = aug(x, y, torch.Generator().manual_seed(5), keep_hz=keep) - x
    torch.testing.assert_close(_band_db(x[:2], *octave) - _band_db(bed[:2], *octave), torch.full((2,), 10.0), rtol=0, atol=0.05)
    assert float(rms(bed[2])) > 0  # the negative gets a bed too (set in a positive's band)
    # the only negative is the cricket: laid at the cap, 30 dB over the whole clip
    x = torch.stack([call, call, cricket])
    bed = aug(x, y, torch.Generator().manual_seed(5), keep_hz=keep) - x
    torch.testing.assert_close(20 * torch.log10(rms(bed[:2]) / rms(x[:2])), torch.full((2,), 30.0), rtol=0, atol=0.05)
    assert bool((_band_db(x[:2], *octave) - _band_db(bed[:2], *octave) > 10.0).all())  # the call stays clear in its band
    assert torch.equal(x, torch.stack([call, call, cricket]))  # the input is not changed


def test_loud_beds_leave_positives_of_unknown_frequency_alone_and_draw_nothing_when_off(monkeypatch):
    x = torch.randn(6, 12000)
    y = torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    keep = torch.tensor([0.0, 2500.0, 0.0, 0.0, 7000.0, 0.0])
    out = Augment(**{**OFF, "bed_prob": 1.0})(x, y, torch.Generator().manual_seed(6), keep_hz=keep)
    assert torch.equal(out[0], x[0]) and not torch.equal(out[1], x[1]) and not torch.equal(out[4], x[4])
    # off (the default): the transform is never entered, so it draws nothing and old recipes repeat
    def entered(*args, **kwargs):
        raise AssertionError("_band_bed ran with bed_prob=0")
    monkeypatch.setattr(Augment, "_band_bed", entered)
    Augment()(x, y, torch.Generator().manual_seed(7), keep_hz=keep)
    assert "bed_prob" not in Augment().to_dict()  # and runs saved before it existed still resume
    on = Augment(bed_prob=0.5)
    assert on.to_dict()["bed_snr_db"] == [0.0, 20.0] and Augment(**on.to_dict()) == on
    with pytest.raises(ParameterError, match=r"augment bed_prob=2 must be a probability"):
        Augment(bed_prob=2)
