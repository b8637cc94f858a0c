"""Device policy, one place for scanning and training: which device, which AMP dtype, how many
CPU threads, and torch's global settings for the work, put back afterwards.

Nothing here changes global state on import or on a plain call: callers opt in with
:func:`torch_settings` around the work.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import torch

from .errors import ParameterError

DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")


def usable_cores() -> int:
    """CPU cores this process may run on.

    Returns
    -------
    int >= 1, the size of its affinity mask where the OS has one, else ``os.cpu_count()``
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The torch device for a device option.

    Parameters
    ----------
    device : ``"auto"`` (CUDA when present, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``,
        ``"mps"``, or a torch.device

    Returns
    -------
    torch.device

    Raises
    ------
    ParameterError
        naming the value, when it is unknown or not available here.
    """
    d = str(device).lower()
    if d == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if d == "cpu":
        return torch.device("cpu")
    if d == "cuda" or (d.startswith("cuda:") and d[5:].isdigit()):
        if not torch.cuda.is_available():
            raise ParameterError(f"device={device!r} asked for, but no CUDA GPU is available here (use 'auto' or 'cpu')")
        if d != "cuda" and int(d[5:]) >= torch.cuda.device_count():
            raise ParameterError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) present")
        return torch.device(d)
    if d == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ParameterError("device='mps' asked for, but Apple MPS is not available here")
        return torch.device("mps")
    raise ParameterError(f"device={device!r} must be one of {', '.join(DEVICES)}")


def amp_dtype(device: torch.device) -> torch.dtype | None:
    """Mixed-precision dtype on ``device``. The model keeps its frontend in float32 either way.

    Parameters
    ----------
    device : torch.device

    Returns
    -------
    torch.dtype or None, bfloat16 on CUDA GPUs that have it, else float16 on CUDA; None (full
    float32) on other devices
    """
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@contextmanager
def torch_settings(device: torch.device, all_cores: bool = False) -> Iterator[None]:
    """torch's global settings for work on ``device``, restored when the block ends.

    Parameters
    ----------
    device : where the work runs. On CUDA, cuDNN autotuning is on (``cudnn.benchmark``):
        batches have fixed shapes, so the kernel it picks once serves every batch.
    all_cores : on the CPU, let torch use every core this process may run on
        (:func:`usable_cores`; never fewer threads than it had)

    Yields
    ------
    None, once; ``cudnn.benchmark`` and the thread count are put back afterwards

    Examples
    --------
    >>> with torch_settings(resolve_device("auto"), all_cores=True):   # doctest: +SKIP
    ...     probs = scanner.flush()
    """
    benchmark, threads = torch.backends.cudnn.benchmark, torch.get_num_threads()
    try:
        torch.backends.cudnn.benchmark = device.type == "cuda"
        if device.type == "cpu" and all_cores and threads < usable_cores():
            torch.set_num_threads(usable_cores())
        yield
    finally:
        torch.backends.cudnn.benchmark = benchmark
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
