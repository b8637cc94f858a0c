"""birdscan.synth.profile: what a unit's night sounds like, drawn reproducibly within its documented
ranges."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from birdscan.errors import ParameterError
from birdscan.synth.profile import Insect, UnitProfile


def test_draw_is_reproducible_from_a_seed_or_a_generator():
    assert UnitProfile.draw(3) == UnitProfile.draw(3) != UnitProfile.draw(4)
    assert UnitProfile.draw(np.random.default_rng(3)) == UnitProfile.draw(np.random.default_rng(3))
    assert UnitProfile.draw(np.int64(3)) == UnitProfile.draw(3)


def test_unit_profile_draw_bad_seed() -> None:
    with pytest.raises(ParameterError, match=r"rng=-1"):
        UnitProfile.draw(-1)
    for bad in (-1, True, 1.5):
        with pytest.raises(ParameterError, match=rf"^rng={bad!r} must be an integer >= 0$"):
            UnitProfile.draw(bad)


def test_drawn_profiles_stay_within_their_ranges():
    profiles = [UnitProfile.draw(seed) for seed in range(60)]
    for p in profiles:
        assert -4.5 <= p.noise_slope_db <= 0.5 and 5 <= p.rumble_db <= 40 and 80 <= p.rumble_hz <= 800
        assert p.bandlimit_hz is None or 10_000 <= p.bandlimit_hz <= 11_500
        assert p.hum_hz in (50.0, 60.0) and 0 <= p.hum_prob <= 0.6
        assert len(p.tone_lines_hz) <= 2 and all(800 <= f <= 9000 for f in p.tone_lines_hz)
        assert len(p.insects) <= 3 and 3800 <= p.click_hz <= 5200 and 0.05 <= p.click_rate <= 6
        assert 0 <= p.rain_prob <= 0.35 and 5 <= p.rain_rate <= 200 and 0 <= p.wind_prob <= 0.5
        assert 0 <= p.traffic_prob <= 0.6 and 0 <= p.airplane_prob <= 0.15
        assert 0.002 <= p.handling_rate <= 0.1 and 0.05 <= p.transient_rate <= 1.5 and 0.01 <= p.tonal_rate <= 0.2
    assert {p.bandlimit_hz is None for p in profiles} == {True, False}
    assert {p.click_periodic for p in profiles} == {True, False}
    assert {len(p.insects) for p in profiles} == {0, 1, 2, 3}


def test_insects_stay_within_their_ranges():
    rng = np.random.default_rng(0)
    insects = [Insect.draw(rng) for _ in range(300)]
    for i in insects:
        assert 1500 <= i.freq_hz <= 11_000 and 0 <= i.bandwidth_hz <= 4000 and 3 <= i.pulse_rate_hz <= 150
        assert 0.1 <= i.duty <= 0.9 and 0.1 <= i.chirp_duty <= 0.5 and 0.15 <= i.presence <= 0.9 and -3 <= i.snr_db <= 20
        assert i.chirp_rate_hz == 0 or 0.5 <= i.chirp_rate_hz <= 4
    assert any(i.chirp_rate_hz == 0 for i in insects) and any(i.chirp_rate_hz > 0 for i in insects)
    assert any(i.bandwidth_hz > 800 for i in insects)  # katydids: noisy bands


def test_the_default_profile_is_a_quiet_unit_and_profiles_are_frozen():
    p = UnitProfile()
    assert p.insects == () and p.tone_lines_hz == () and p.bandlimit_hz is None and (p.hum_hz, p.hum_prob) == (60.0, 0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.rain_prob = 1.0  # type: ignore[misc]
