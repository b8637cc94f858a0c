"""The model's configuration: every number the time grid and the network depend on.

:class:`ModelConfig` travels with the weights in every checkpoint and rebuilds the
frontend and the network (DESIGN.md); :data:`LIMITS` bounds what a checkpoint may ask for.
Plain Python: reading a config needs no torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from ..errors import ModelError

ARCHS = ("birdscan", "baseline")


FRONTENDS = ("pcen", "logmel")


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the frontend and network (saved in checkpoints).

    Attributes
    ----------
    sample_rate : int, Hz. The model rate; recordings are resampled to it. BirdVox-70k's
        rate by default (:data:`birdscan.birdvox70k.SAMPLE_RATE`, 24 kHz).
    window : int, samples per window: one BirdVox-70k clip by default
        (:data:`birdscan.birdvox70k.CLIP_SAMPLES`, 12,000 = 0.5 s).
    hop : int, default scan hop in samples (1,200 = 50 ms).
    n_fft, frame_hop : STFT size and hop in samples; ``frame_hop`` divides ``hop`` and ``window``.
    n_mels, fmin, fmax : mel filterbank (Hz); also the band reported for detections.
    frontend : "pcen" (per-channel energy normalisation with a causal FIR smoother of
        ``pcen_frames`` frames, computed inside each window) or "logmel".
    arch : "birdscan" (default: valid-in-time conv blocks, batch-norm, flatten head) or
        "baseline" (the plain small CNN: one conv + max-pool per block, no batch-norm).
    channels : conv channels per block; each block ends with a 2x2 max-pool, so the
        time stride is ``2 ** len(channels)`` frames.
    freq_head : bool. A second output on the shared hidden layer: the call's centre
        frequency, as octaves above 1 kHz (trained on positives only).
    bg_stats : bool. Feed the hidden layer per-band statistics of the whole window's log-mel
        spectrogram: the spectral shape of its floor (a low envelope, level removed) and how
        far each band rises above that floor. A steady chorus has a high, flat-topped floor in
        its band; a call stands out of a low one. Computed from the window's own frames, so
        dense scanning stays exact (DESIGN.md).
    """

    sample_rate: int = SAMPLE_RATE
    window: int = CLIP_SAMPLES
    hop: int = 1_200
    n_fft: int = 512
    frame_hop: int = 150
    n_mels: int = 48
    fmin: float = 1_000.0
    fmax: float = 11_000.0
    frontend: str = "pcen"
    pcen_frames: int = 8
    pcen_alpha: float = 0.8
    pcen_delta: float = 2.0
    pcen_r: float = 0.5
    arch: str = "birdscan"
    channels: tuple[int, ...] = (8, 24, 48)
    convs_per_block: int = 2
    hidden: int = 64
    dropout: float = 0.3
    freq_head: bool = False
    bg_stats: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        problems = _out_of_bounds(self)
        if problems:  # before anything divides by them or allocates for them
            raise ModelError("bad model config: " + "; ".join(problems))
        if self.frontend not in FRONTENDS:
            problems.append(f"frontend={self.frontend!r} must be one of {FRONTENDS}")
        if self.arch not in ARCHS:
            problems.append(f"arch={self.arch!r} must be one of {ARCHS}")
        if self.hop % self.frame_hop or self.window % self.frame_hop:
            problems.append(f"frame_hop={self.frame_hop} must divide hop={self.hop} and window={self.window}")
        elif (self.hop // self.frame_hop) % self.stride_frames:
            problems.append(
                f"trunk stride {self.stride_frames} frames must divide hop/frame_hop={self.hop // self.frame_hop}"
            )
        if not 0 < self.fmin < self.fmax <= self.sample_rate / 2:
            problems.append(f"need 0 < fmin={self.fmin} < fmax={self.fmax} <= sample_rate/2")
        if self.trunk_frames(self.window) < 1:
            problems.append("the network's receptive field is longer than one window")
        if problems:
            raise ModelError("bad model config: " + "; ".join(problems))

    @property
    def stride_frames(self) -> int:
        """Total time stride of the trunk, in spectrogram frames."""
        return 2 ** len(self.channels)

    @property
    def stride_samples(self) -> int:
        """Total time stride of the trunk, in samples: dense scanning hops are multiples of it."""
        return self.stride_frames * self.frame_hop

    def frames(self, n_samples: int) -> int:
        """Spectrogram frames in ``n_samples`` samples (``center=False``).

        Parameters
        ----------
        n_samples : int, samples of input

        Returns
        -------
        int, ``(n_samples - n_fft) // frame_hop + 1`` (< 1 when shorter than one frame)
        """
        return (n_samples - self.n_fft) // self.frame_hop + 1

    def trunk_frames(self, n_samples: int) -> int:
        """Trunk output steps for ``n_samples`` input samples.

        Parameters
        ----------
        n_samples : int, samples of input

        Returns
        -------
        int, time steps left after the PCEN smoother (valid FIR) and every block's valid
        convolutions and 2x pooling; < 1 when the input is shorter than the receptive field
        """
        t = self.frames(n_samples)
        if self.frontend == "pcen":
            t -= self.pcen_frames - 1
        trim = self.convs_per_block * 2 if self.arch == "birdscan" else 2
        for _ in self.channels:
            t = (t - trim) // 2
        return t

    def to_dict(self) -> dict[str, Any]:
        """The config as plain types (as checkpoints store it).

        Returns
        -------
        dict field -> value, ``channels`` as a list
        """
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        """Rebuild a config from :meth:`to_dict`.

        Parameters
        ----------
        d : dict field -> value; missing fields take their defaults

        Returns
        -------
        ModelConfig

        Raises
        ------
        ModelError
            for keys this birdscan does not know, and for values the config refuses
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ModelError(f"model config has keys this birdscan does not know: {unknown}")
        return cls(**d)


LIMITS = {
    "sample_rate": (1_000, 192_000), "window": (64, 960_000), "hop": (1, 960_000), "n_fft": (16, 8_192),
    "frame_hop": (1, 8_192), "n_mels": (1, 256), "pcen_frames": (1, 1_024), "convs_per_block": (1, 4),
    "hidden": (1, 2_048), "n_channels": (1, 6), "channel": (1, 512), "dropout": (0.0, 1.0),
}
"""Sane bounds of a :class:`ModelConfig` (a checkpoint past them is refused before any memory
is allocated for it: at most about 60 M parameters)."""


def _out_of_bounds(c: ModelConfig) -> list[str]:
    values = {k: getattr(c, k) for k in LIMITS if hasattr(c, k)}
    values["n_channels"] = len(c.channels)
    out = []
    for key, v in values.items():
        lo, hi = LIMITS[key]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
            out.append(f"{key}={v!r} is outside {lo}..{hi}")
    lo, hi = LIMITS["channel"]
    if not all(lo <= x <= hi for x in c.channels):
        out.append(f"channels={list(c.channels)}: each must be within {lo}..{hi}")
    return out

