"""The spectrogram frontend: waveform -> mel spectrogram -> PCEN or log, as an ``nn.Module``.

The window and the mel filterbank are buffers, so training and scanning cannot drift apart
(DESIGN.md). Frames are not centred and PCEN's smoother is a causal FIR inside the window:
the features of a window depend on its own samples only.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig


def mel_filterbank(n_fft: int, sr: int, n_mels: int, fmin: float, fmax: float) -> torch.Tensor:
    """Triangular mel filters (HTK mel scale, area-normalised).

    Parameters
    ----------
    n_fft : int > 0, FFT size in samples
    sr : int > 0, sample rate in Hz
    n_mels : int > 0, number of bands
    fmin, fmax : float, Hz, 0 <= fmin < fmax <= sr / 2: the lowest and highest band edges

    Returns
    -------
    torch.Tensor [shape=(n_fft // 2 + 1, n_mels), float32], power spectrum bins to bands,
    scaled so the bands' mean total weight is 1
    """
    def hz_to_mel(f: torch.Tensor) -> torch.Tensor:
        return 2595.0 * torch.log10(1.0 + f / 700.0)

    def mel_to_hz(m: torch.Tensor) -> torch.Tensor:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    freqs = torch.linspace(0, sr / 2, n_fft // 2 + 1, dtype=torch.float64)
    edges = mel_to_hz(torch.linspace(hz_to_mel(torch.tensor(fmin)), hz_to_mel(torch.tensor(fmax)), n_mels + 2, dtype=torch.float64))
    lo, mid, hi = edges[:-2], edges[1:-1], edges[2:]
    up = (freqs[:, None] - lo) / (mid - lo)
    down = (hi - freqs[:, None]) / (hi - mid)
    fb = torch.clamp(torch.minimum(up, down), min=0.0)
    fb = fb * (2.0 / (hi - lo))  # equal area per band
    return (fb / fb.sum(0).mean()).float()


class Frontend(nn.Module):
    """Waveform -> normalised mel spectrogram. Window and filterbank are buffers.

    Input ``(batch, samples)`` at ``config.sample_rate``; output ``(batch, 1, n_mels, frames)``
    with ``frames = config.frames(samples) - (pcen_frames - 1 if pcen)``.

    Parameters
    ----------
    config : ModelConfig, the STFT, mel filterbank and PCEN settings
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("window", torch.hann_window(config.n_fft, periodic=True))
        self.register_buffer("mel", mel_filterbank(config.n_fft, config.sample_rate, config.n_mels, config.fmin, config.fmax))
        self.norm = nn.BatchNorm1d(config.n_mels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised features of a batch of waveforms.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, samples)], waveforms at ``config.sample_rate``

        Returns
        -------
        torch.Tensor [shape=(batch, 1, n_mels, frames), float32], the first output of :meth:`features`
        """
        return self.features(x)[0]

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The trunk's input and the plain log-mel spectrogram that background statistics are made of.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, samples)], waveforms at ``config.sample_rate``

        Returns
        -------
        (features [shape=(batch, 1, n_mels, frames)], logmel [shape=(batch, n_mels, config.frames(samples))]),
        float32; ``frames`` is ``config.frames(samples)`` less ``pcen_frames - 1`` with PCEN
        """
        # Spectrogram maths stays in float32 even under autocast (bf16 powers lose too much).
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._features(x.float())

    def _features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.config
        spec = torch.stft(x, c.n_fft, c.frame_hop, window=self.window, center=False, return_complex=True)
        power = spec.real.square() + spec.imag.square()  # (B, F, T)
        mel = torch.matmul(power.transpose(1, 2), self.mel).transpose(1, 2)  # (B, M, T)
        logmel = torch.log(mel + 1e-6)
        feats = self._pcen(mel) if c.frontend == "pcen" else logmel
        return self.norm(feats).unsqueeze(1), logmel

    def _pcen(self, mel: torch.Tensor) -> torch.Tensor:
        # A causal FIR smoother (mean of the last pcen_frames frames) instead of PCEN's
        # recursive one keeps the frontend frame-local: valid in time, no state.
        c = self.config
        m = F.avg_pool1d(mel, c.pcen_frames, stride=1)
        e = mel[..., c.pcen_frames - 1:]
        gain = (m + 1e-6) ** c.pcen_alpha
        return (e / gain + c.pcen_delta) ** c.pcen_r - c.pcen_delta ** c.pcen_r

