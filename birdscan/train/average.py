"""A moving average of the weights during training (``FitOptions.ema``, ``--ema``).

:class:`WeightAverage` follows the model step by step; :func:`birdscan.train.loop.train`
validates, keeps and saves the average instead of the last step's weights, and carries it in
the resume state.
"""

from __future__ import annotations

import copy
from typing import Any

import torch

from ..model import Detector, cpu_state


class WeightAverage:
    """An exponential moving average of a model's weights and batch-norm statistics.

    After each optimiser step, every floating-point entry of the state dict moves towards the
    model's: ``avg = d * avg + (1 - d) * w`` with ``d = min(decay, (1 + n) / (10 + n))`` after
    ``n`` earlier updates, so the first steps do not weigh the random initial weights for long.
    Integer entries (batch norm's step count) are copied. Averaged weights change less from
    epoch to epoch than the last step's, which the validation, the best epoch and the
    threshold then rest on.

    Parameters
    ----------
    model : Detector, whose current weights start the average (a copy is kept on its device)
    decay : float in (0, 1), per-step weight of the old average: about ``1 / (1 - decay)``
        steps are averaged
    """

    def __init__(self, model: Detector, decay: float) -> None:
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay, self.updates = float(decay), 0

    @torch.no_grad()
    def update(self, model: Detector) -> None:
        """Move the average one step towards ``model``'s current weights.

        Parameters
        ----------
        model : Detector, the model being trained (same architecture, same device)
        """
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        new = model.state_dict()
        for k, avg in self.model.state_dict().items():
            if avg.is_floating_point():
                avg.mul_(d).add_(new[k].detach(), alpha=1 - d)
            else:
                avg.copy_(new[k])
        self.updates += 1

    def state(self) -> dict[str, Any]:
        """The average and its update count, for the resume state.

        Returns
        -------
        dict with ``model`` (the averaged state dict, on the CPU) and ``updates`` (int)
        """
        return {"model": cpu_state(self.model), "updates": self.updates}

    def load(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`state` returned.

        Parameters
        ----------
        state : dict, from :meth:`state` (as saved in a resume file)
        """
        self.model.load_state_dict(state["model"])
        self.updates = int(state["updates"])
