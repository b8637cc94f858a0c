"""What a recording unit's night sounds like: :class:`UnitProfile` (bed noise, tonal lines,
the insects singing there, rates of hard-negative events) and :class:`Insect`.

Drawn once per unit; :mod:`birdscan.synth.negatives` makes the events and
:mod:`birdscan.synth.ambience` the beds from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dsp import check_int, loguniform


@dataclass(frozen=True)
class Insect:
    """One singing insect species: a carrier (tonal, or a noise band) gated by pulse trains.

    ``pulse_rate_hz`` pulses per second, each ``duty`` of its period long; with
    ``chirp_rate_hz`` > 0 the pulses come in chirps of ``chirp_duty`` of the
    chirp period, otherwise as a continuous trill. ``presence`` is the chance
    it sings in a given stretch, ``snr_db`` its level over the bed in its band.
    """

    freq_hz: float
    bandwidth_hz: float
    pulse_rate_hz: float
    duty: float
    chirp_rate_hz: float
    chirp_duty: float
    presence: float
    snr_db: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Insect:
        """A random cricket (tonal, 1.5-8 kHz), tree cricket (a continuous tonal trill at
        1.5-3.5 kHz, right in the thrush-call band), katydid (pulse trains of a noisy band,
        3-11 kHz) or steady chorus.

        Parameters
        ----------
        rng : np.random.Generator

        Returns
        -------
        Insect
        """
        kind = rng.choice(["cricket", "tree", "katydid", "steady"], p=[0.35, 0.2, 0.25, 0.2])
        # (carrier Hz, noise bandwidth Hz, pulses per second, duty): ranges per kind
        ranges = {
            "cricket": ((1500, 8000), (0, 0), (12, 60), (0.3, 0.7)),
            "tree": ((1500, 3500), (0, 0), (15, 60), (0.5, 0.85)),
            "katydid": ((3000, 11000), (800, 4000), (3, 30), (0.1, 0.5)),
            "steady": ((1500, 8000), (0, 300), (60, 150), (0.6, 0.9)),
        }[kind]
        f, bw, rate, duty = (rng.uniform(lo, hi) for lo, hi in ranges)
        chirped = kind not in ("steady", "tree") and rng.random() < 0.5
        return cls(
            freq_hz=float(f),
            bandwidth_hz=float(bw),
            pulse_rate_hz=float(rate),
            duty=float(duty),
            chirp_rate_hz=float(rng.uniform(0.5, 4)) if chirped else 0.0,
            chirp_duty=float(rng.uniform(0.1, 0.5)),
            presence=float(rng.uniform(0.15, 0.9)),
            snr_db=float(rng.uniform(-3, 20)),
        )


@dataclass(frozen=True)
class UnitProfile:
    """What the night sounds like at one recording unit; :meth:`draw` makes a random one.

    Bed noise: ``noise_slope_db`` (dB per octave above 1 kHz), ``rumble_db`` of
    extra level below ``rumble_hz``, ``bandlimit_hz`` (None, or a cutoff as in
    a 22.05 kHz recording resampled to 24 kHz). Tonal lines: mains ``hum_hz``
    harmonics with probability ``hum_prob``, steady ``tone_lines_hz``.
    ``insects``: the species singing here. Events: clicks at ``click_hz`` at
    ``click_rate`` per second (periodic if ``click_periodic``), rain and wind
    with probabilities per stretch, ``rain_rate`` drops per second, traffic and
    aircraft probabilities, and rates per second of handling noise,
    broadband 1.5-10 kHz transients and non-call tonal sounds.
    """

    noise_slope_db: float = -2.0
    rumble_db: float = 20.0
    rumble_hz: float = 300.0
    bandlimit_hz: float | None = None
    hum_hz: float = 60.0
    hum_prob: float = 0.2
    tone_lines_hz: tuple[float, ...] = ()
    insects: tuple[Insect, ...] = ()
    click_hz: float = 4500.0
    click_rate: float = 0.5
    click_periodic: bool = False
    rain_prob: float = 0.1
    rain_rate: float = 30.0
    wind_prob: float = 0.2
    traffic_prob: float = 0.2
    airplane_prob: float = 0.05
    handling_rate: float = 0.02
    transient_rate: float = 0.3
    tonal_rate: float = 0.05

    @classmethod
    def draw(cls, rng: np.random.Generator | int) -> UnitProfile:
        """A random unit profile from a generator or an integer seed.

        Parameters
        ----------
        rng : np.random.Generator, or an int >= 0 seeding one

        Returns
        -------
        UnitProfile

        Raises
        ------
        ParameterError
            for a seed that is not an integer >= 0

        Examples
        --------
        >>> UnitProfile.draw(3) == UnitProfile.draw(3)
        True
        """
        if not isinstance(rng, np.random.Generator):
            check_int("rng", rng, 0)
            rng = np.random.default_rng(int(rng))
        n_lines = int(rng.choice([0, 0, 1, 2]))
        return cls(
            noise_slope_db=float(rng.uniform(-4.5, 0.5)),
            rumble_db=float(rng.uniform(5, 40)),
            rumble_hz=loguniform(rng, 80, 800),
            bandlimit_hz=float(rng.uniform(10000, 11500)) if rng.random() < 0.3 else None,
            hum_hz=float(rng.choice([50.0, 60.0])),
            hum_prob=float(rng.uniform(0, 0.6)) if rng.random() < 0.5 else 0.0,
            tone_lines_hz=tuple(float(rng.uniform(800, 9000)) for _ in range(n_lines)),
            insects=tuple(Insect.draw(rng) for _ in range(int(rng.choice([0, 1, 1, 2, 2, 3])))),
            click_hz=float(rng.uniform(3800, 5200)),
            click_rate=loguniform(rng, 0.05, 6),
            click_periodic=bool(rng.random() < 0.4),
            rain_prob=float(rng.uniform(0, 0.35)),
            rain_rate=loguniform(rng, 5, 200),
            wind_prob=float(rng.uniform(0, 0.5)),
            traffic_prob=float(rng.uniform(0, 0.6)),
            airplane_prob=float(rng.uniform(0, 0.15)),
            handling_rate=loguniform(rng, 0.002, 0.1),
            transient_rate=loguniform(rng, 0.05, 1.5),
            tonal_rate=loguniform(rng, 0.01, 0.2),
        )
