"""Training augmentation for flight-call clips, on whole batches in torch (CPU or GPU).

Every transform keeps the clip length (12,000 samples) and its centre, where BirdVox-70k
puts the event, and leaves labels unchanged. All random draws come from one
``torch.Generator`` on the batch's device, so a seeded run is reproducible.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch

from ..birdvox70k import SAMPLE_RATE
from ..errors import ParameterError

_EPS = 1e-8
_ROLL_OFF = 300.0  # Hz, the low-pass's transition band
# A call's band, from its centre frequency: generated high calls sweep up to 1.75 kHz above a
# 6-8.8 kHz centre (at most 1.3 times it); thrush-type strokes up to 650 Hz above 2-4 kHz.
KEEP_ABOVE = 1.3


@dataclass(frozen=True)
class Augment:
    """Settings of :meth:`__call__`; every transform is drawn independently per clip.

    Attributes
    ----------
    pitch : float >= 0. Resample by a factor in ``[1 - pitch, 1 + pitch]`` around the clip
        centre (pitch and duration change together), by 4x band-limited upsampling and
        linear interpolation (at most -0.6 dB at 11 kHz), mirrored at the clip edges.
    time_shift : int >= 0, samples. Shift by up to this many samples either way (mirrored at
        the edges). Off by default: BirdVox-70k clips are centred on the call.
    polarity : bool. Flip the sign of half of the clips (a no-op for a power spectrogram on
        its own, but it varies the phase between a clip and a mixed-in background).
    mix_prob, mix_db : add, with this probability, a NEGATIVE clip of the batch (time-reversed
        half of the time) at ``mix_db`` (range, dB) relative to the clip's RMS: new backgrounds.
    bandstop_prob, bandstop_hz, band : remove, with this probability, a band ``bandstop_hz``
        (range of widths, Hz) wide inside ``band`` (Hz): frequency masking done on the waveform,
        since the spectrogram frontend is inside the model.
    noise_prob, noise_db, noise_exponent : add, with this probability, noise with power
        spectrum ``1 / f ** beta`` (``beta`` drawn in ``noise_exponent``: 0 white, 1 pink,
        2 brown) at ``noise_db`` (range, dB) relative to the clip's RMS.
    lowpass_prob, lowpass_hz : low-pass, with this probability, at a cutoff drawn in
        ``lowpass_hz`` (Hz; 300 Hz roll-off, nothing above): a recording made at 16 kHz, or
        band-limited by its recorder. A positive's cutoff stays above its whole call: at least
        ``KEEP_ABOVE`` times its centre frequency (``keep_hz``) plus the roll-off, which clears
        the top of the widest generated sweeps; positives of unknown frequency are not filtered.
    gain_db : float >= 0. Scale every clip by a gain drawn in ``[-gain_db, gain_db]`` dB.
    sample_rate : int, Hz.
    bed_prob, bed_snr_db, bed_max_db : lay, with this probability, a NEGATIVE clip of the batch
        (time-reversed half of the time) under a clip as a bed set by the call's band: in the
        octave around the call's centre frequency (``keep_hz``; a random positive's of the batch
        for negatives, so that loud beds say nothing about the label) the bed is ``bed_snr_db``
        (range, dB) under the clip (as it stands, a ``mix_db`` bed included), however loud it is
        elsewhere, up to ``bed_max_db`` over the clip's RMS (a bed with next to nothing in the
        band is laid at that cap). A cricket at 4.5 kHz can then be 20 dB louder than a 3 kHz call that stays
        clear in its own band, as on real insect nights; ``mix_db`` beds are always quieter than
        the clip. Positives of unknown frequency get none. Off by default (0), and then no
        random draw is made, so recipes without it repeat exactly.
    """

    pitch: float = 0.04
    time_shift: int = 0
    polarity: bool = True
    mix_prob: float = 0.5
    mix_db: tuple[float, float] = (-20.0, -6.0)
    bandstop_prob: float = 0.3
    bandstop_hz: tuple[float, float] = (200.0, 1000.0)
    band: tuple[float, float] = (1000.0, 11000.0)
    noise_prob: float = 0.5
    noise_db: tuple[float, float] = (-30.0, -10.0)
    noise_exponent: tuple[float, float] = (0.0, 2.0)
    lowpass_prob: float = 0.15
    lowpass_hz: tuple[float, float] = (7000.0, 10500.0)
    gain_db: float = 12.0
    sample_rate: int = SAMPLE_RATE
    bed_prob: float = 0.0
    bed_snr_db: tuple[float, float] = (0.0, 20.0)
    bed_max_db: float = 30.0

    def __post_init__(self) -> None:
        for name in ("mix_db", "bandstop_hz", "band", "noise_db", "noise_exponent", "lowpass_hz", "bed_snr_db"):
            lo, hi = getattr(self, name)
            object.__setattr__(self, name, (float(lo), float(hi)))
            if lo > hi:
                raise ParameterError(f"augment {name}=({lo}, {hi}) must be a (low, high) range")
        for name in ("mix_prob", "bandstop_prob", "noise_prob", "lowpass_prob", "bed_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ParameterError(f"augment {name}={getattr(self, name)} must be a probability in [0, 1]")
        if not 0.0 <= self.pitch < 0.5:
            raise ParameterError(f"augment pitch={self.pitch} must be in [0, 0.5)")
        if self.time_shift < 0 or self.gain_db < 0:
            raise ParameterError(f"time_shift={self.time_shift} and gain_db={self.gain_db} must be >= 0")
        if not (0 < self.lowpass_hz[0] and self.lowpass_hz[1] <= self.sample_rate / 2):
            raise ParameterError(f"augment lowpass_hz={self.lowpass_hz} Hz must lie in (0, {self.sample_rate / 2:g}] Hz (Nyquist)")
        lo, hi = self.band
        if not (0 < lo and hi <= self.sample_rate / 2 and hi - lo >= self.bandstop_hz[1]):
            raise ParameterError(f"augment band={self.band} Hz must fit a {self.bandstop_hz[1]} Hz stop band below Nyquist")

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain types (checkpoints and resume keys store them).

        Returns
        -------
        dict field -> value, ranges as ``[low, high]`` lists; the ``bed_*`` settings only when
        ``bed_prob`` is on, so runs saved before they existed still resume
        """
        d = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        if not self.bed_prob:
            d = {k: v for k, v in d.items() if not k.startswith("bed_")}
        return d

    def __call__(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None,
                 return_factor: bool = False, keep_hz: torch.Tensor | None = None,
                 ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Augment a batch.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, samples), float32] clips
        y : torch.Tensor [shape=(batch,)] labels (0/1): negatives are the mixed-in backgrounds
        generator : torch.Generator on ``x.device``, for reproducible draws

        return_factor : also return each clip's pitch factor (frequencies are multiplied by it)
        keep_hz : torch.Tensor [shape=(batch,)] or None, each positive's call centre frequency
            in Hz before the pitch change (0 or None: unknown), whose band the low-pass keeps

        Returns
        -------
        torch.Tensor [shape=(batch, samples), float32], a new tensor (``x`` is not modified),
        and with ``return_factor`` the factors [shape=(batch,)]
        """
        x = x.float()
        rand = _Rand(x.shape[0], x.device, generator)
        original = x
        factor = torch.ones(x.shape[0], device=x.device)
        if self.pitch > 0 or self.time_shift > 0:
            factor = 1.0 + rand.uniform(-self.pitch, self.pitch)
            x = resample(x, factor, rand.uniform(-self.time_shift, self.time_shift))
        if self.polarity:
            x = x * torch.where(rand.chance(0.5), -1.0, 1.0)[:, None]
        if self.mix_prob > 0:
            x = self._mix(x, original, y, rand)
        if self.bed_prob > 0 and keep_hz is not None:
            x = self._band_bed(x, original, y, rand, keep_hz.to(x.device) * factor)
        if self.bandstop_prob > 0:
            x = self._bandstop(x, rand)
        if self.noise_prob > 0:
            x = self._noise(x, rand)
        if self.lowpass_prob > 0:
            x = self._lowpass(x, y, rand, None if keep_hz is None else keep_hz.to(x.device) * factor)
        if self.gain_db > 0:
            x = x * _db(rand.uniform(-self.gain_db, self.gain_db))[:, None]
        return (x, factor) if return_factor else x

    def _mix(self, x: torch.Tensor, original: torch.Tensor, y: torch.Tensor, rand: _Rand) -> torch.Tensor:
        negatives = torch.nonzero(y.to(x.device) < 0.5).squeeze(1)
        if negatives.numel() == 0:
            return x
        bg = _negative_bed(original, negatives, rand)
        scale = _rms(x) / (_rms(bg) + _EPS) * _db(rand.uniform(*self.mix_db)) * rand.chance(self.mix_prob)
        return x + bg * scale[:, None]

    def _band_bed(self, x: torch.Tensor, original: torch.Tensor, y: torch.Tensor, rand: _Rand,
                  keep_hz: torch.Tensor) -> torch.Tensor:
        positive = y.to(x.device) >= 0.5
        negatives = torch.nonzero(~positive).squeeze(1)
        known = torch.nonzero(positive & (keep_hz > 0)).squeeze(1)
        if negatives.numel() == 0 or known.numel() == 0:
            return x
        bg = _negative_bed(original, negatives, rand)
        # each clip's band: its own call's octave, or (negatives) a random positive's of the batch
        centre = torch.where(positive, keep_hz, keep_hz[known[rand.integers(known.numel())]])
        n = x.shape[1]
        freqs = torch.fft.rfftfreq(n, 1.0 / self.sample_rate, device=x.device)
        lo = (centre / 2**0.5).clamp(min=self.band[0])
        hi = torch.maximum((centre * 2**0.5).clamp(max=self.band[1]), lo + 200.0)
        inband = ((freqs >= lo[:, None]) & (freqs <= hi[:, None])).float()
        px = (torch.fft.rfft(x).abs().square() * inband).sum(1)
        pb = (torch.fft.rfft(bg).abs().square() * inband).sum(1)
        scale = (px / (pb + _EPS)).sqrt() * _db(-rand.uniform(*self.bed_snr_db))
        scale = torch.minimum(scale, _rms(x) / (_rms(bg) + _EPS) * 10.0 ** (self.bed_max_db / 20.0))
        on = rand.chance(self.bed_prob) & (~positive | (keep_hz > 0))
        return x + bg * (scale * on)[:, None]

    def _bandstop(self, x: torch.Tensor, rand: _Rand) -> torch.Tensor:
        n = x.shape[1]
        width = rand.uniform(*self.bandstop_hz)
        lo = self.band[0] + rand.uniform(0.0, 1.0) * (self.band[1] - self.band[0] - width)
        freqs = torch.fft.rfftfreq(n, 1.0 / self.sample_rate, device=x.device)
        stop = (freqs >= lo[:, None]) & (freqs <= (lo + width)[:, None]) & rand.chance(self.bandstop_prob)[:, None]
        spec = torch.fft.rfft(x).masked_fill(stop, 0)
        return torch.fft.irfft(spec, n=n)

    def _lowpass(self, x: torch.Tensor, y: torch.Tensor, rand: _Rand, keep_hz: torch.Tensor | None) -> torch.Tensor:
        n = x.shape[1]
        cutoff = rand.uniform(*self.lowpass_hz)
        on = rand.chance(self.lowpass_prob)
        positive = y.to(x.device) >= 0.5
        if keep_hz is None:
            on &= ~positive
        else:
            on &= ~positive | (keep_hz > 0)
            cutoff = torch.where(positive, torch.maximum(cutoff, KEEP_ABOVE * keep_hz + _ROLL_OFF), cutoff)
        idx = torch.nonzero(on).squeeze(1)
        if idx.numel() == 0:
            return x
        freqs = torch.fft.rfftfreq(n, 1.0 / self.sample_rate, device=x.device)
        gain = ((cutoff[idx, None] - freqs) / _ROLL_OFF).clamp(0.0, 1.0)
        x = x.clone()  # clips left unfiltered keep their exact samples
        x[idx] = torch.fft.irfft(torch.fft.rfft(x[idx]) * gain, n=n)
        return x

    def _noise(self, x: torch.Tensor, rand: _Rand) -> torch.Tensor:
        b, n = x.shape
        white = torch.fft.rfft(rand.normal((b, n)))
        k = torch.arange(white.shape[1], device=x.device, dtype=torch.float32).clamp(min=1.0)
        beta = rand.uniform(*self.noise_exponent)
        shape = k[None, :] ** (-beta[:, None] / 2)  # amplitude ~ f^(-beta/2): power ~ f^-beta
        shape[:, 0] = 0.0  # no DC
        noise = torch.fft.irfft(white * shape, n=n)
        level = _rms(x) / (_rms(noise) + _EPS) * _db(rand.uniform(*self.noise_db)) * rand.chance(self.noise_prob)
        return x + noise * level[:, None]


class _Rand:
    """Per-clip random draws from one generator on one device."""

    def __init__(self, batch: int, device: torch.device, generator: torch.Generator | None) -> None:
        self.batch, self.device, self.generator = batch, device, generator

    def uniform(self, lo: float, hi: float) -> torch.Tensor:
        u = torch.rand(self.batch, device=self.device, generator=self.generator)
        return lo + (hi - lo) * u

    def chance(self, p: float) -> torch.Tensor:
        return torch.rand(self.batch, device=self.device, generator=self.generator) < p

    def integers(self, high: int) -> torch.Tensor:
        return torch.randint(high, (self.batch,), device=self.device, generator=self.generator)

    def normal(self, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.randn(shape, device=self.device, generator=self.generator)


def _negative_bed(original: torch.Tensor, negatives: torch.Tensor, rand: _Rand) -> torch.Tensor:
    """For every clip, one of the batch's negatives (indices ``negatives`` into ``original``),
    time-reversed half of the time."""
    bg = original[negatives[rand.integers(negatives.numel())]]
    return torch.where(rand.chance(0.5)[:, None], bg.flip(1), bg)


def _rms(x: torch.Tensor) -> torch.Tensor:
    return x.square().mean(dim=1).sqrt()


def _db(db: torch.Tensor) -> torch.Tensor:
    return 10.0 ** (db / 20.0)


def resample(x: torch.Tensor, factor: torch.Tensor, shift: torch.Tensor | None = None, up: int = 4) -> torch.Tensor:
    """Time-scale each clip about its centre ``c``, then shift: ``out[n] = x(c + (n - shift - c) * factor)``.

    ``factor > 1`` raises the pitch (and shortens events). Positions outside the clip are
    mirrored back in. Interpolation: ``up``-times band-limited (FFT) upsampling, then linear.

    Parameters
    ----------
    x : torch.Tensor [shape=(batch, n)]
    factor : torch.Tensor [shape=(batch,)], > 0
    shift : torch.Tensor [shape=(batch,)], samples, or None

    Returns
    -------
    torch.Tensor [shape=(batch, n)]
    """
    b, n = x.shape
    fine = torch.fft.irfft(torch.fft.rfft(x), n=n * up) * up  # exact at the original samples
    centre = (n - 1) / 2.0
    t = torch.arange(n, device=x.device, dtype=torch.float32)
    t = t[None, :] if shift is None else t[None, :] - shift[:, None]
    pos = centre + (t - centre) * factor[:, None]
    pos = (n - 1) - ((n - 1) - pos.abs()).abs()  # mirror at both edges (shifts < n)
    u = (pos * up).clamp(0, n * up - 1)
    i0 = u.floor().long()
    frac = u - i0
    i1 = (i0 + 1).clamp(max=n * up - 1)
    return torch.gather(fine, 1, i0) * (1 - frac) + torch.gather(fine, 1, i1) * frac
