"""Model files: checkpoints of plain types read safely, the recommended threshold, the shipped model.

A checkpoint is ``{"format": 1, "config": {...}, "state_dict": {...}, "train": {...},
"detect": {...}, "birdscan_version": "..."}``, read with ``torch.load(weights_only=True)``
(DESIGN.md); the config alone rebuilds the network.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

import torch

from .config import ModelConfig
from .network import Detector, for_inference
from ..errors import BirdscanError, ModelError
from ..files import atomic_path

FORMAT = 1


def save_checkpoint(
    path: str | Path, model: Detector, train: dict[str, Any] | None = None, detect: dict[str, Any] | None = None
) -> Path:
    """Write a checkpoint: a dict of plain types, loadable with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    path : the ``.pt`` file to write (atomically: a failed write leaves no partial file)
    model : Detector whose config and weights are saved (weights copied to the CPU)
    train : plain-type training record (metrics, data, command), kept as ``ckpt["train"]``
    detect : the model's recommended scanning settings, e.g. ``{"threshold": 0.9, "note":
        "how it was chosen"}``; ``birdscan run`` uses that threshold when none is given

    Returns
    -------
    Path of the written file.
    """
    from .._version import __version__

    path = Path(path)
    state = cpu_state(model)
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


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of a model's state dict on the CPU, detached from autograd.

    Parameters
    ----------
    model : torch.nn.Module (a :class:`Detector`, or any module)

    Returns
    -------
    dict name -> tensor, each a fresh CPU copy (later training steps do not change it)
    """
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def torch_load(path: str | Path, error: Callable[[str], BirdscanError]) -> Any:
    """``torch.load`` of a birdscan file, on the CPU, safely (``weights_only``: plain types and
    tensors only, no code from the file runs).

    Parameters
    ----------
    path : the file
    error : makes the exception to raise from the reason the file cannot be read, e.g.
        ``lambda why: ModelError(f"{path} is not a birdscan model file: {why}")``

    Returns
    -------
    The object stored in the file (tensors on the CPU).
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
    """Read a checkpoint dict safely (never executes code from the file).

    Parameters
    ----------
    path : a ``.pt`` file written by :func:`save_checkpoint`

    Returns
    -------
    dict with at least ``format`` (1), ``config`` and ``state_dict``

    Raises
    ------
    ModelError
        when the file is missing, not a checkpoint, of another format or incomplete
    """
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
    """The checkpoint's recommended event threshold (``detect.threshold``), else 0.5.

    Parameters
    ----------
    ckpt : dict, a checkpoint as read by :func:`read_checkpoint`

    Returns
    -------
    float in [0, 1]; :class:`ModelError` when the stored value is not a probability
    """
    value = (ckpt.get("detect") or {}).get("threshold", 0.5)
    if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ModelError(f"checkpoint threshold {value!r} is not a probability")
    return float(value)


def set_threshold(path: str | Path, threshold: float, note: str) -> Path:
    """Store a recommended event threshold in a checkpoint (kept weights and metadata).

    Parameters
    ----------
    path : the checkpoint, rewritten atomically
    threshold : float in [0, 1], the probability that opens an event
    note : how the threshold was chosen (kept next to it)

    Returns
    -------
    Path of the checkpoint.
    """
    ckpt = read_checkpoint(path)
    ckpt["detect"] = {"threshold": float(threshold), "note": note}
    default_threshold(ckpt)
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)
    return Path(path)


def load_model(path: str | Path, device: str | torch.device = "cpu", inference: bool = False) -> Detector:
    """Rebuild a :class:`Detector` from a checkpoint, in eval mode on ``device``.

    Parameters
    ----------
    path : a ``.pt`` file written by ``birdscan train`` (:func:`save_checkpoint`)
    device : where the model goes, e.g. ``"cpu"``, ``"cuda:0"``
    inference : bool, prepare it with :func:`for_inference` for scanning (no training after)

    Returns
    -------
    Detector

    Examples
    --------
    >>> model = load_model(default_model_path())  # doctest: +SKIP
    >>> model(torch.zeros(1, model.config.window)).shape  # doctest: +SKIP
    torch.Size([1])
    """
    return model_from_checkpoint(read_checkpoint(path), path, device, inference)


def model_from_checkpoint(
    ckpt: dict[str, Any], path: str | Path, device: str | torch.device = "cpu", inference: bool = False
) -> Detector:
    """:func:`load_model` for a checkpoint already read with :func:`read_checkpoint`.

    Parameters
    ----------
    ckpt : dict, the checkpoint
    path : names it in errors
    device, inference : as for :func:`load_model`

    Returns
    -------
    Detector; :class:`ModelError` when the config or weights do not fit this birdscan or hold NaN
    """
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
    """Hex sha256 of a file (models are named by it in every output).

    Parameters
    ----------
    path : the file, read in 1 MiB blocks

    Returns
    -------
    str, 64 lowercase hex digits
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_model_path() -> Path:
    """The model shipped with birdscan.

    Returns
    -------
    Path, ``birdscan/_models/birdscan-default.pt`` when installed, else
    ``models/birdscan-default.pt`` in the source tree (returned even when missing)
    """
    here = Path(__file__).resolve().parent.parent  # birdscan/
    for cand in (here / "_models" / "birdscan-default.pt", here.parent / "models" / "birdscan-default.pt"):
        if cand.is_file():
            return cand
    return here.parent / "models" / "birdscan-default.pt"

