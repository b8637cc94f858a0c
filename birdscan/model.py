"""The detector: config dataclass, spectrogram frontend, CNN, checkpoint files.

Everything the time grid depends on lives in :class:`ModelConfig` (see DESIGN.md):
windows of 12,000 samples at 24 kHz, spectrogram frames of ``n_fft`` samples every
``frame_hop`` samples (not centred), and a trunk whose time stride ``stride_frames``
divides ``1200 / frame_hop``. All time convolutions are valid (no padding in time)
and all normalisation is frame-local, so a window's probability depends only on
its own samples and :meth:`Detector.scan` (trunk once over a long block, head every
hop) equals :meth:`Detector.forward` on each window.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn
from torch.nn import functional as F

from .birdvox70k import CLIP_SAMPLES, SAMPLE_RATE
from .errors import BirdscanError, ModelError
from .files import atomic_path

FORMAT = 1
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
        """Spectrogram frames in ``n_samples`` samples (``center=False``)."""
        return (n_samples - self.n_fft) // self.frame_hop + 1

    def trunk_frames(self, n_samples: int) -> int:
        """Trunk output steps for ``n_samples`` input samples."""
        t = self.frames(n_samples)
        if self.frontend == "pcen":
            t -= self.pcen_frames - 1
        trim = self.convs_per_block * 2 if self.arch == "birdscan" else 2
        for _ in self.channels:
            t = (t - trim) // 2
        return t

    def to_dict(self) -> dict[str, Any]:
        """The config as plain types (as checkpoints store it)."""
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        """Rebuild a config from :meth:`to_dict`; :class:`ModelError` for keys this birdscan does not know."""
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


def mel_filterbank(n_fft: int, sr: int, n_mels: int, fmin: float, fmax: float) -> torch.Tensor:
    """Triangular mel filters (HTK mel scale, area-normalised).

    Returns
    -------
    torch.Tensor [shape=(n_fft // 2 + 1, n_mels)]
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
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("window", torch.hann_window(config.n_fft, periodic=True))
        self.register_buffer("mel", mel_filterbank(config.n_fft, config.sample_rate, config.n_mels, config.fmin, config.fmax))
        self.norm = nn.BatchNorm1d(config.n_mels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised features ``(batch, 1, n_mels, frames)`` of ``x`` ``(batch, samples)``."""
        return self.features(x)[0]

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(features, log-mel)``: the trunk's input and the plain log-mel spectrogram
        ``(batch, n_mels, config.frames(samples))`` that background statistics are made of."""
        # Spectrogram maths stays in float32 even under autocast (bf16 powers lose too much).
        """Waveforms [shape=(batch, samples), float32] -> features [shape=(batch, 1, n_mels, frames)]."""
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


def _block(cin: int, cout: int, n_convs: int, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(n_convs):
        # padding only in frequency: time convolutions stay valid (DESIGN.md)
        layers.append(nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=(1, 0), bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.ReLU(inplace=True))
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class Detector(nn.Module):
    """Frontend + conv trunk + flatten head: ``(batch, window samples) -> logits (batch,)``."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or ModelConfig()
        self.frontend = Frontend(c)
        bn = c.arch == "birdscan"
        n_convs = c.convs_per_block if bn else 1
        chans = (1, *c.channels)
        self.trunk = nn.Sequential(*[_block(chans[i], chans[i + 1], n_convs, bn) for i in range(len(c.channels))])
        self.steps = c.trunk_frames(c.window)
        n_freq = c.n_mels
        for _ in c.channels:
            n_freq //= 2
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c.channels[-1] * n_freq * self.steps, c.hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(c.dropout),
            nn.Linear(c.hidden, 1),
        )
        self.freq = nn.Linear(c.hidden, 1) if c.freq_head else None
        self.stats = nn.Linear(2 * c.n_mels, c.hidden, bias=False) if c.bg_stats else None
        self.window_frames = c.frames(c.window)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of whole windows. ``x``: ``(batch, config.window)`` float samples."""
        return self.forward_all(x)[0]

    def forward_all(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(logits, freq)`` of whole windows, ``x`` ``(batch, config.window)``: logits
        ``(batch,)`` and the frequency head's output ``(batch,)`` in octaves above 1 kHz
        (None without a frequency head)."""
        feats, logmel = self.frontend.features(x)
        z = self.trunk(feats)
        lin1 = self.head[1]
        pre = lin1(z[..., : self.steps].flatten(1))
        if self.stats is not None:
            pre = pre + self.stats(self._window_stats(logmel, self.window_frames)[..., 0])
        h = self.head[3](F.relu(pre))
        freq = self.freq(h).squeeze(1) if self.freq is not None else None
        return self.head[4](h).squeeze(1), freq

    @staticmethod
    def _window_stats(logmel: torch.Tensor, frames: int, step: int = 1) -> torch.Tensor:
        """Per-band floor shape and rise of every window of ``frames`` frames every ``step``:
        ``(batch, 2 * n_mels, windows)``, scaled to about unit size."""
        smooth = F.avg_pool1d(logmel, 4, stride=1)
        floor = -F.max_pool1d(-smooth, frames - 3, stride=step)
        mean = F.avg_pool1d(logmel, frames, stride=step)
        shape = floor - floor.mean(dim=1, keepdim=True)
        return torch.cat([shape, mean - floor], dim=1) / 10.0

    def scan(self, x: torch.Tensor, n_windows: int, hop: int | None = None) -> torch.Tensor:
        """Logits of ``n_windows`` windows starting every ``hop`` samples in long blocks.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, samples)], samples >= window + (n_windows - 1) * hop
        n_windows : int > 0, windows per block
        hop : int, a multiple of ``config.stride_samples`` (default ``config.hop``)

        Returns
        -------
        torch.Tensor [shape=(batch, n_windows)] logits, equal to ``forward`` on each window.
        """
        return self.scan_all(x, n_windows, hop)[0]

    def scan_all(self, x: torch.Tensor, n_windows: int, hop: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """:meth:`scan` for every head: ``(logits, freq)``, each ``(batch, n_windows)``;
        ``freq`` (octaves above 1 kHz) is None without a frequency head."""
        c = self.config
        hop = c.hop if hop is None else hop
        if hop % c.stride_samples:
            raise ModelError(f"dense scan needs hop={hop} to be a multiple of {c.stride_samples} samples")
        step = hop // c.stride_samples
        need = c.window + (n_windows - 1) * hop
        feats, logmel = self.frontend.features(x[:, :need])
        z = self.trunk(feats)  # (B, C, Fq, T)
        b, ch, fq, t = z.shape
        # The head's first Linear over (C, Fq, steps) is a strided conv1d over time.
        lin1, lin2 = self.head[1], self.head[4]
        w1 = lin1.weight.view(lin1.out_features, ch * fq, self.steps)
        pre = F.conv1d(z.reshape(b, ch * fq, t), w1, lin1.bias, stride=step)[..., :n_windows]
        if self.stats is not None:
            s = self._window_stats(logmel, self.window_frames, hop // c.frame_hop)[..., :n_windows]
            pre = pre + F.conv1d(s, self.stats.weight.unsqueeze(-1))
        h = F.relu(pre)
        out = F.conv1d(h, lin2.weight.unsqueeze(-1), lin2.bias)[:, 0]
        freq = F.conv1d(h, self.freq.weight.unsqueeze(-1), self.freq.bias)[:, 0] if self.freq is not None else None
        return out, freq


def _fold_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding, bias=True)
    fused.weight.data = conv.weight.detach() * scale[:, None, None, None]
    bias = conv.bias.detach() if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.data = (bias - bn.running_mean) * scale + bn.bias.detach()
    return fused


@torch.no_grad()
def for_inference(model: Detector) -> Detector:
    """Fold each batch-norm into its convolution and use channels-last memory (about
    2x faster on CPUs). Same function as ``model.eval()``, to float rounding; the
    result is for inference only (its state_dict no longer matches the config)."""
    model = model.eval()
    for block in model.trunk:
        layers = list(block)
        fused: list[nn.Module] = []
        for layer in layers:
            if isinstance(layer, nn.BatchNorm2d) and fused and isinstance(fused[-1], nn.Conv2d):
                fused[-1] = _fold_bn(fused[-1], layer)
            else:
                fused.append(layer)
        block._modules.clear()
        for i, layer in enumerate(fused):
            block.add_module(str(i), layer)
    return model.to(memory_format=torch.channels_last)


def save_checkpoint(
    path: str | Path, model: Detector, train: dict[str, Any] | None = None, detect: dict[str, Any] | None = None
) -> Path:
    """Write a checkpoint: a dict of plain types, loadable with ``torch.load(weights_only=True)``.

    ``detect`` holds the model's recommended scanning settings, e.g. ``{"threshold": 0.9,
    "note": "how it was chosen"}``; ``birdscan run`` uses that threshold when none is given.
    """
    from ._version import __version__

    path = Path(path)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    ckpt = {
        "format": FORMAT,
        "config": model.config.to_dict(),
        "state_dict": state,
        "train": train or {},
        "detect": detect or {},
        "birdscan_version": __version__,
    }
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)
    return path


def torch_load(path: str | Path, error: Callable[[str], BirdscanError]) -> Any:
    """``torch.load`` of a birdscan file, on the CPU, safely (``weights_only``: plain types and
    tensors only, no code from the file runs).

    Parameters
    ----------
    path : the file
    error : makes the exception to raise from the reason the file cannot be read, e.g.
        ``lambda why: ModelError(f"{path} is not a birdscan model file: {why}")``
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for foreign or damaged files
        # torch's own text (pickle opcodes, "pop from empty list") means nothing to a user
        with open(path, "rb") as f:
            head = f.read(4)
        audio = head in (b"RIFF", b"fLaC", b"OggS", b"FORM") or head[:3] == b"ID3"
        raise error("it is an audio file" if audio else "it is damaged or another kind of file") from e


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint dict safely (never executes code from the file)."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist")
    ckpt = torch_load(path, lambda why: ModelError(f"{path} is not a birdscan model file (.pt written by birdscan train): {why}"))
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        got = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise ModelError(f"{path}: checkpoint format {got!r}, this birdscan reads format {FORMAT}")
    for key in ("config", "state_dict"):
        if key not in ckpt:
            raise ModelError(f"{path}: checkpoint has no {key!r}")
    return ckpt


def default_threshold(ckpt: dict[str, Any]) -> float:
    """The checkpoint's recommended event threshold (``detect.threshold``), else 0.5."""
    value = (ckpt.get("detect") or {}).get("threshold", 0.5)
    if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ModelError(f"checkpoint threshold {value!r} is not a probability")
    return float(value)


def set_threshold(path: str | Path, threshold: float, note: str) -> Path:
    """Store a recommended event threshold in a checkpoint (kept weights and metadata)."""
    ckpt = read_checkpoint(path)
    ckpt["detect"] = {"threshold": float(threshold), "note": note}
    default_threshold(ckpt)
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)
    return Path(path)


def load_model(path: str | Path, device: str | torch.device = "cpu", inference: bool = False) -> Detector:
    """Rebuild a :class:`Detector` from a checkpoint, in eval mode on ``device``
    (with ``inference=True``, prepared by :func:`for_inference` for scanning)."""
    return model_from_checkpoint(read_checkpoint(path), path, device, inference)


def model_from_checkpoint(
    ckpt: dict[str, Any], path: str | Path, device: str | torch.device = "cpu", inference: bool = False
) -> Detector:
    """:func:`load_model` for a checkpoint already read with :func:`read_checkpoint` (``path`` names it in errors)."""
    version = ckpt.get("birdscan_version", "?")
    try:
        config = ModelConfig.from_dict(ckpt["config"])  # bounds checked before anything is allocated
        model = Detector(config)
        model.load_state_dict(ckpt["state_dict"])
    except (ModelError, RuntimeError, TypeError) as e:
        raise ModelError(f"{path} (made by birdscan {version}) does not match this birdscan's model: {e}") from e
    bad = [k for k, t in model.state_dict().items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        raise ModelError(f"{path}: the weights hold NaN or infinite values ({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}); "
                         "the model is damaged (a diverged training?) and would score nothing")
    model = model.eval()
    return (for_inference(model) if inference else model).to(device)


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file (models are named by it in every output)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_model_path() -> Path:
    """The model shipped with birdscan (``models/birdscan-default.pt`` in the source tree)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "_models" / "birdscan-default.pt", here.parent / "models" / "birdscan-default.pt"):
        if cand.is_file():
            return cand
    return here.parent / "models" / "birdscan-default.pt"
