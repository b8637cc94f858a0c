"""Scan blocks -> window probabilities, in large batches on one device.

Blocks from different recordings share batches. The last (short) block of a
recording is trimmed to the smallest power-of-two number of windows that holds it,
and blocks are batched with others of the same size, so short files waste little.

Every batch of a given block size has the same shape (a part-filled batch is padded
with silent blocks): a block's numbers then do not depend on which blocks share its
batch (convolution kernels pick their algorithm by shape), so a resumed, sharded or
reordered run gives bit-identical probabilities. That is also what lets a run flush
the part-filled batches holding a recording's blocks as soon as the recording is
decoded (:meth:`Scanner.flush` with its key), so it can be journaled at once: the
padding costs at most one batch per block size per recording.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Hashable

import numpy as np
import torch

from ..device import amp_dtype
from ..model import Detector
from .windows import ScanBlock

def default_batch_size(device: torch.device) -> int:
    """Windows per batch: large on GPUs, one 25.6 s scan block on CPUs (peak memory).

    On 2 CPU cores one block a batch scans an hour as fast as two (paired whole runs: 0.98x the
    wall time) with 20-40 MiB less peak memory, the network's working set being about 40 MB a
    block (``benchmarks/RESULTS.md``).

    Parameters
    ----------
    device : torch.device, where the model runs

    Returns
    -------
    int, 16384 on CUDA, 512 elsewhere
    """
    return 16384 if device.type == "cuda" else 512


@dataclass
class _Bucket:
    keys: list[Any] = field(default_factory=list)
    blocks: list[ScanBlock] = field(default_factory=list)


class Scanner:
    """Batches scan blocks through a :class:`Detector`.

    Parameters
    ----------
    model : Detector in eval mode, on ``device``
    device : torch.device
    hop : int, samples between windows; dense (trunk once per block) when it is a
        multiple of ``model.config.stride_samples``, else window by window
    batch_size : int, windows per batch
    per_block : int, windows per full scan block (a power of two)

    It changes no global torch setting: callers run it inside
    :func:`birdscan.device.torch_settings` for cuDNN autotuning and all CPU cores.
    """

    def __init__(self, model: Detector, device: torch.device, hop: int, batch_size: int, per_block: int) -> None:
        self.model = model
        self.device = device
        self.hop = hop
        self.window = model.config.window
        self.batch_size = max(batch_size, per_block)
        self.per_block = per_block
        self.dense = hop % model.config.stride_samples == 0
        self.amp = amp_dtype(device)
        self._buckets: dict[int, _Bucket] = {}

    def _bucket_size(self, n: int) -> int:
        size = 16
        while size < n:
            size *= 2
        return min(size, self.per_block)

    def submit(self, key: Hashable, block: ScanBlock) -> list[tuple[Hashable, ScanBlock, np.ndarray]]:
        """Queue a block; run its batch when that became full.

        Blocks are batched with others of about the same number of windows.

        Parameters
        ----------
        key : hashable, returned with the block's result (e.g. the recording's position)
        block : ScanBlock

        Returns
        -------
        list of (key, block, probs), the blocks of the batch run (empty when none was);
        ``probs`` is ``np.ndarray [shape=(block.n_windows,)]`` of window probabilities, or
        ``[shape=(block.n_windows, 2)]`` (probability, call frequency in Hz) for a model with a
        frequency head
        """
        size = self._bucket_size(block.n_windows)
        b = self._buckets.setdefault(size, _Bucket())
        b.keys.append(key)
        b.blocks.append(block)
        if len(b.blocks) >= self._blocks_per_batch(size):
            return self._run(size)
        return []

    def _blocks_per_batch(self, size: int) -> int:
        return max(1, self.batch_size // size)

    def flush(self, key: Hashable | None = None) -> list[tuple[Hashable, ScanBlock, np.ndarray]]:
        """Run every queued block, or (with ``key``) the batches that hold a block of ``key``.

        Parameters
        ----------
        key : hashable or None, as given to :meth:`submit`; None runs everything queued

        Returns
        -------
        list of (key, block, probs), as :meth:`submit` returns them
        """
        out = []
        for size in list(self._buckets):
            if key is None or key in self._buckets[size].keys:
                out += self._run(size)
        return out

    def _run(self, size: int) -> list[tuple[Hashable, ScanBlock, np.ndarray]]:
        b = self._buckets.pop(size)
        if not b.blocks:
            return []
        span = self.window + (size - 1) * self.hop
        x = np.zeros((self._blocks_per_batch(size), span), dtype=np.float32)
        for i, blk in enumerate(b.blocks):
            x[i] = blk.samples[:span]
        probs = self._probs(x, size)
        return [(k, blk, probs[i, : blk.n_windows]) for i, (k, blk) in enumerate(zip(b.keys, b.blocks))]

    @torch.inference_mode()
    def _probs(self, x: np.ndarray, n_windows: int) -> np.ndarray:
        t = torch.from_numpy(x)
        if self.device.type == "cuda":
            t = t.pin_memory().to(self.device, non_blocking=True)
        with torch.autocast(self.device.type, dtype=self.amp) if self.amp else nullcontext():
            if self.dense:
                logits, freq = self.model.scan_all(t, n_windows, self.hop)
            else:
                logits, freq = self._per_window(t, n_windows)
        probs = torch.sigmoid(logits.float())
        if freq is None:
            return probs.cpu().numpy()
        # models with a frequency head: (blocks, windows, 2) = probability, call frequency (Hz)
        return torch.stack([probs, 1000.0 * torch.exp2(freq.float())], dim=-1).cpu().numpy()

    def _per_window(self, t: torch.Tensor, n_windows: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        # one block's windows per call: the same shape whatever the block's place in the batch
        wins = t.unfold(1, self.window, self.hop)[:, :n_windows]
        outs = [self.model.forward_all(w.contiguous()) for w in wins]
        freq = None if outs[0][1] is None else torch.stack([o[1] for o in outs])
        return torch.stack([o[0] for o in outs]), freq
