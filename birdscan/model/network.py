"""The network: :class:`Detector` (frontend, valid-in-time conv trunk, flatten head) and its
inference form (:func:`for_inference`).

:meth:`Detector.scan` runs the trunk once over a long block and the head every hop, and
equals :meth:`Detector.forward` on each window (DESIGN.md).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig
from .frontend import Frontend
from ..errors import ModelError


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
    """Frontend + conv trunk + flatten head: ``(batch, window samples) -> logits (batch,)``.

    Parameters
    ----------
    config : ModelConfig or None, the architecture (None: the defaults, ``ModelConfig()``)
    """

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
        """Logits of whole windows.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, config.window)], float samples at ``config.sample_rate``

        Returns
        -------
        torch.Tensor [shape=(batch,)], logits (``sigmoid`` gives the call probability)
        """
        return self.forward_all(x)[0]

    def forward_all(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Every head's output for whole windows.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, config.window)], float samples at ``config.sample_rate``

        Returns
        -------
        (logits [shape=(batch,)], freq [shape=(batch,)] or None): ``freq`` is the frequency
        head's estimate in octaves above 1 kHz (None without a frequency head)
        """
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
        """:meth:`scan` for every head.

        Parameters
        ----------
        x, n_windows, hop : as for :meth:`scan`

        Returns
        -------
        (logits [shape=(batch, n_windows)], freq [shape=(batch, n_windows)] or None): ``freq`` in
        octaves above 1 kHz, None without a frequency head; equal to :meth:`forward_all` on each window
        """
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
    result is for inference only (its state_dict no longer matches the config).

    Parameters
    ----------
    model : Detector, changed in place

    Returns
    -------
    Detector, ``model`` itself, in eval mode
    """
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

